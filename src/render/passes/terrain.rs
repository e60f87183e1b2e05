//! Terrain pass (shaders/terrain.wgsl): the region's terrain mesh, re-uploaded
//! only when its version changes. With the region's four detail textures
//! resident it blends them by height the reference viewer's way; otherwise it
//! is shaded by slope and height with a procedural detail texture. Textures
//! are sampled through the current filtering setting.

use std::sync::Weak;

use bytemuck::{Pod, Zeroable};

use super::{
    MESH_VERTEX_LAYOUT, PassInputs, PipelineSpec, PipelineVariants, build_variants, shader,
};
use crate::render::detail_texture;
use crate::render::mesh_store::{GpuMesh, MeshRejected};
use crate::render::scene::{TerrainSource, TerrainTextures};
use crate::render::texture_store::TextureStore;

/// Metres per repeat of a region's detail textures: the reference viewer's
/// `RenderTerrainScale` default (12 m).
pub(crate) const DETAIL_TEXTURE_REPEAT_M: f32 = 12.0;
/// Side of a region, metres: the start heights and ranges are given at its
/// corners and interpolated across it.
const REGION_SIZE_M: f32 = 256.0;

/// `struct TerrainParams` in shaders/terrain.wgsl.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Pod, Zeroable)]
struct TerrainParams {
    /// Start heights at the SW, NW, SE, NE corners.
    start: [f32; 4],
    /// Height ranges at the same corners.
    range: [f32; 4],
    /// x: 1 with detail textures, 0 for the generated detail; y: 1 / metres
    /// per detail repeat; z: region side, metres; w unused.
    mode: [f32; 4],
}

/// Terrain pipelines, texture bindings and the resident terrain mesh.
#[derive(Debug)]
pub(crate) struct TerrainPass {
    pipelines: PipelineVariants,
    texture_layout: wgpu::BindGroupLayout,
    detail: wgpu::TextureView,
    params_buffer: wgpu::Buffer,
    params: TerrainParams,
    textures: wgpu::BindGroup,
    /// Ids of the four detail textures bound now (`None`: the generated
    /// detail), to rebuild the bind group only when they change.
    bound: Option<[u64; 4]>,
    /// The sampler changed: rebind on the next sync.
    rebind: bool,
    mesh: Option<GpuMesh>,
    version: Option<u64>,
}

/// What syncing the terrain did.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum TerrainSync {
    /// Nothing changed.
    Unchanged,
    /// A new version was uploaded.
    Uploaded,
    /// The terrain was dropped (the scene has none).
    Cleared,
    /// The new version was refused; the previous one stays.
    Rejected(MeshRejected),
}

impl TerrainPass {
    /// Builds the pipelines and the detail texture.
    pub(crate) fn new(
        device: &wgpu::Device,
        queue: &wgpu::Queue,
        globals_layout: &wgpu::BindGroupLayout,
        color_format: wgpu::TextureFormat,
        store: &TextureStore,
    ) -> TerrainPass {
        let texture = |binding| wgpu::BindGroupLayoutEntry {
            binding,
            visibility: wgpu::ShaderStages::FRAGMENT,
            ty: wgpu::BindingType::Texture {
                sample_type: wgpu::TextureSampleType::Float { filterable: true },
                view_dimension: wgpu::TextureViewDimension::D2,
                multisampled: false,
            },
            count: None,
        };
        let texture_layout = device.create_bind_group_layout(&wgpu::BindGroupLayoutDescriptor {
            label: Some("terrain textures"),
            entries: &[
                texture(0),
                wgpu::BindGroupLayoutEntry {
                    binding: 1,
                    visibility: wgpu::ShaderStages::FRAGMENT,
                    ty: wgpu::BindingType::Sampler(wgpu::SamplerBindingType::Filtering),
                    count: None,
                },
                texture(2),
                texture(3),
                texture(4),
                texture(5),
                wgpu::BindGroupLayoutEntry {
                    binding: 6,
                    visibility: wgpu::ShaderStages::FRAGMENT,
                    ty: wgpu::BindingType::Buffer {
                        ty: wgpu::BufferBindingType::Uniform,
                        has_dynamic_offset: false,
                        min_binding_size: wgpu::BufferSize::new(
                            std::mem::size_of::<TerrainParams>() as u64,
                        ),
                    },
                    count: None,
                },
            ],
        });
        let module = shader(
            device,
            "terrain.wgsl",
            concat!(
                include_str!("../../../shaders/globals.wgsl"),
                include_str!("../../../shaders/terrain.wgsl")
            ),
        );
        let layout = device.create_pipeline_layout(&wgpu::PipelineLayoutDescriptor {
            label: Some("terrain"),
            bind_group_layouts: &[Some(globals_layout), Some(&texture_layout)],
            immediate_size: 0,
        });
        let pipelines = build_variants(
            device,
            &PipelineSpec {
                label: "terrain",
                module: &module,
                layout: &layout,
                buffers: &[Some(MESH_VERTEX_LAYOUT)],
                color_format,
                depth_write: true,
                depth_compare: wgpu::CompareFunction::Less,
                // Terrain is seen from above; not culling spares us any winding doubts.
                cull_mode: None,
                blend: None,
                write_mask: wgpu::ColorWrites::ALL,
            },
        );
        let detail = detail_texture::create(device, queue);
        let params = TerrainParams {
            start: [0.0; 4],
            range: [1.0; 4],
            mode: [0.0, 1.0 / DETAIL_TEXTURE_REPEAT_M, REGION_SIZE_M, 0.0],
        };
        let params_buffer = device.create_buffer(&wgpu::BufferDescriptor {
            label: Some("terrain params"),
            size: std::mem::size_of::<TerrainParams>() as u64,
            usage: wgpu::BufferUsages::UNIFORM | wgpu::BufferUsages::COPY_DST,
            mapped_at_creation: false,
        });
        queue.write_buffer(&params_buffer, 0, bytemuck::bytes_of(&params));
        let white = store.white_view();
        let textures = bind_textures(
            device,
            &texture_layout,
            &detail,
            store.sampler(),
            [white; 4],
            &params_buffer,
        );
        TerrainPass {
            pipelines,
            texture_layout,
            detail,
            params_buffer,
            params,
            textures,
            bound: None,
            rebind: false,
            mesh: None,
            version: None,
        }
    }

    /// Rebinds with the store's new sampler on the next sync (a settings
    /// change, never per frame).
    pub(crate) fn sampler_changed(&mut self) {
        self.rebind = true;
    }

    /// Binds the region's detail textures when all four are resident (and
    /// rebinds when one is replaced), else the generated detail. Creates a
    /// bind group or writes the parameters only when something changed.
    /// Returns whether the detail textures are in use.
    pub(crate) fn sync_textures(
        &mut self,
        device: &wgpu::Device,
        queue: &wgpu::Queue,
        store: &TextureStore,
        wanted: Option<TerrainTextures>,
    ) -> bool {
        let resident = wanted.and_then(|t| {
            let mut views = [store.white_view(); 4];
            let mut ids = [0u64; 4];
            for (i, key) in t.detail.iter().enumerate() {
                let (view, id) = store.resident_view(*key)?;
                views[i] = view;
                ids[i] = id;
            }
            Some((t, views, ids))
        });
        let ids = resident.as_ref().map(|r| r.2);
        if ids != self.bound || self.rebind {
            let views = resident.as_ref().map_or([store.white_view(); 4], |r| r.1);
            self.textures = bind_textures(
                device,
                &self.texture_layout,
                &self.detail,
                store.sampler(),
                views,
                &self.params_buffer,
            );
            self.bound = ids;
            self.rebind = false;
        }
        let mut params = self.params;
        match &resident {
            Some((t, _, _)) => {
                params.start = t.start_height.map(finite_or_zero);
                params.range = t.height_range.map(finite_or_zero);
                params.mode[0] = 1.0;
            }
            None => params.mode[0] = 0.0,
        }
        if params != self.params {
            self.params = params;
            crate::alloc_stats::wgpu(|| {
                queue.write_buffer(&self.params_buffer, 0, bytemuck::bytes_of(&params))
            });
        }
        resident.is_some()
    }

    /// Uploads the scene's terrain if its version is new.
    pub(crate) fn sync(
        &mut self,
        device: &wgpu::Device,
        terrain: Option<TerrainSource<'_>>,
    ) -> TerrainSync {
        let Some(t) = terrain else {
            if self.mesh.take().is_some() {
                self.version = None;
                return TerrainSync::Cleared;
            }
            return TerrainSync::Unchanged;
        };
        if self.version == Some(t.version) {
            return TerrainSync::Unchanged;
        }
        // Remember the version even when refused, so a bad mesh is not re-checked every frame.
        self.version = Some(t.version);
        match GpuMesh::upload(device, "terrain", t.mesh, Weak::new()) {
            Ok(m) => {
                self.mesh = Some(m);
                TerrainSync::Uploaded
            }
            Err(e) => TerrainSync::Rejected(e),
        }
    }

    /// Triangles in the resident terrain.
    pub(crate) fn triangles(&self) -> u64 {
        self.mesh
            .as_ref()
            .map_or(0, |m| u64::from(m.index_count / 3))
    }

    /// Records the pass (an empty pass when there is no terrain, so the
    /// timestamp sequence stays contiguous); returns the draw calls issued.
    pub(crate) fn record(
        &self,
        encoder: &mut wgpu::CommandEncoder,
        inputs: &PassInputs<'_>,
        timestamps: Option<wgpu::RenderPassTimestampWrites<'_>>,
    ) -> u32 {
        // Only wgpu recording on prepared data from here; the pass ends
        // (and wgpu allocates) when `pass` drops, before the scope does.
        let _wgpu = crate::alloc_stats::in_wgpu();
        let mut pass = encoder.begin_render_pass(&wgpu::RenderPassDescriptor {
            label: Some("terrain"),
            color_attachments: &[Some(inputs.targets.load_colour())],
            depth_stencil_attachment: Some(inputs.targets.load_depth()),
            timestamp_writes: timestamps,
            occlusion_query_set: None,
            multiview_mask: None,
        });
        let Some(mesh) = &self.mesh else { return 0 };
        pass.set_pipeline(self.pipelines.get(inputs.quality));
        pass.set_bind_group(0, inputs.globals, &[]);
        pass.set_bind_group(1, &self.textures, &[]);
        pass.set_vertex_buffer(0, mesh.vertices.slice(..));
        pass.set_index_buffer(mesh.indices.slice(..), wgpu::IndexFormat::Uint32);
        pass.draw_indexed(0..mesh.index_count, 0, 0..1);
        1
    }
}

/// A non-finite handshake value reads as 0 (the shader guards the range
/// against 0 itself).
fn finite_or_zero(v: f32) -> f32 {
    if v.is_finite() { v } else { 0.0 }
}

fn bind_textures(
    device: &wgpu::Device,
    layout: &wgpu::BindGroupLayout,
    noise: &wgpu::TextureView,
    sampler: &wgpu::Sampler,
    detail: [&wgpu::TextureView; 4],
    params: &wgpu::Buffer,
) -> wgpu::BindGroup {
    let _wgpu = crate::alloc_stats::in_wgpu();
    let view = |binding, view| wgpu::BindGroupEntry {
        binding,
        resource: wgpu::BindingResource::TextureView(view),
    };
    device.create_bind_group(&wgpu::BindGroupDescriptor {
        label: Some("terrain textures"),
        layout,
        entries: &[
            view(0, noise),
            wgpu::BindGroupEntry {
                binding: 1,
                resource: wgpu::BindingResource::Sampler(sampler),
            },
            view(2, detail[0]),
            view(3, detail[1]),
            view(4, detail[2]),
            view(5, detail[3]),
            wgpu::BindGroupEntry {
                binding: 6,
                resource: params.as_entire_binding(),
            },
        ],
    })
}

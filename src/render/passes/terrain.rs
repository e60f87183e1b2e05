//! Terrain pass (shaders/terrain.wgsl): the region's terrain mesh, re-uploaded
//! only when its version changes, shaded by slope and height with a
//! procedural detail texture sampled through the current filtering setting.

use std::sync::Weak;

use super::{
    MESH_VERTEX_LAYOUT, PassInputs, PipelineSpec, PipelineVariants, build_variants, shader,
};
use crate::render::detail_texture;
use crate::render::mesh_store::{GpuMesh, MeshRejected};
use crate::render::scene::TerrainSource;
use crate::render::settings::Filtering;

/// Terrain pipelines, texture bindings and the resident terrain mesh.
#[derive(Debug)]
pub(crate) struct TerrainPass {
    pipelines: PipelineVariants,
    texture_layout: wgpu::BindGroupLayout,
    detail: wgpu::TextureView,
    textures: wgpu::BindGroup,
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
        filtering: Filtering,
    ) -> TerrainPass {
        let texture_layout = device.create_bind_group_layout(&wgpu::BindGroupLayoutDescriptor {
            label: Some("terrain textures"),
            entries: &[
                wgpu::BindGroupLayoutEntry {
                    binding: 0,
                    visibility: wgpu::ShaderStages::FRAGMENT,
                    ty: wgpu::BindingType::Texture {
                        sample_type: wgpu::TextureSampleType::Float { filterable: true },
                        view_dimension: wgpu::TextureViewDimension::D2,
                        multisampled: false,
                    },
                    count: None,
                },
                wgpu::BindGroupLayoutEntry {
                    binding: 1,
                    visibility: wgpu::ShaderStages::FRAGMENT,
                    ty: wgpu::BindingType::Sampler(wgpu::SamplerBindingType::Filtering),
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
            },
        );
        let detail = detail_texture::create(device, queue);
        let textures = bind_textures(device, &texture_layout, &detail, filtering);
        TerrainPass {
            pipelines,
            texture_layout,
            detail,
            textures,
            mesh: None,
            version: None,
        }
    }

    /// Rebuilds the texture bind group with a sampler for `filtering`
    /// (on a settings change, never per frame).
    pub(crate) fn set_filtering(&mut self, device: &wgpu::Device, filtering: Filtering) {
        self.textures = bind_textures(device, &self.texture_layout, &self.detail, filtering);
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

fn bind_textures(
    device: &wgpu::Device,
    layout: &wgpu::BindGroupLayout,
    detail: &wgpu::TextureView,
    filtering: Filtering,
) -> wgpu::BindGroup {
    let sampler = detail_texture::sampler(device, filtering);
    device.create_bind_group(&wgpu::BindGroupDescriptor {
        label: Some("terrain textures"),
        layout,
        entries: &[
            wgpu::BindGroupEntry {
                binding: 0,
                resource: wgpu::BindingResource::TextureView(detail),
            },
            wgpu::BindGroupEntry {
                binding: 1,
                resource: wgpu::BindingResource::Sampler(&sampler),
            },
        ],
    })
}

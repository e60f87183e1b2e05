//! Prim passes (shaders/prims.wgsl): the opaque pass draws one instanced
//! `draw_indexed` per (mesh, face, texture) run with depth writes; the blended
//! pass then draws the translucent faces back to front, depth-tested against
//! everything opaque but writing no depth, with alpha blending. Both read one
//! persistent, growable instance buffer written once per frame (opaque
//! records first, then blended ones) and bind each run's texture as group 1.

use super::{
    MESH_VERTEX_LAYOUT, PassInputs, PipelineSpec, PipelineVariants, build_variants, shader,
};
use crate::render::faces::{FaceInstanceRaw, FaceRun, WHOLE_MESH};
use crate::render::growable::GrowableBuffer;
use crate::render::mesh_store::MeshStore;
use crate::render::texture_store::TextureStore;

const INSTANCE_LAYOUT: wgpu::VertexBufferLayout<'static> = wgpu::VertexBufferLayout {
    array_stride: std::mem::size_of::<FaceInstanceRaw>() as wgpu::BufferAddress,
    step_mode: wgpu::VertexStepMode::Instance,
    attributes: &wgpu::vertex_attr_array![
        3 => Float32x4, 4 => Float32x4, 5 => Float32x4, 6 => Float32x4, 7 => Float32x4,
        8 => Float32x4, 9 => Float32x4
    ],
};

/// Which of the two prim passes to record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PrimPass {
    /// Opaque faces: depth written, no blending.
    Opaque,
    /// Translucent faces after all opaque ones: depth tested, not written.
    Blended,
}

/// Prim pipelines and the instance buffer.
#[derive(Debug)]
pub(crate) struct PrimsPass {
    opaque: PipelineVariants,
    blended: PipelineVariants,
    instances: GrowableBuffer,
}

/// Draw calls and triangles a pass issued.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct DrawCounts {
    pub(crate) draw_calls: u32,
    pub(crate) triangles: u64,
}

impl PrimsPass {
    /// Builds the pipelines and an initial instance buffer.
    pub(crate) fn new(
        device: &wgpu::Device,
        globals_layout: &wgpu::BindGroupLayout,
        texture_layout: &wgpu::BindGroupLayout,
        color_format: wgpu::TextureFormat,
    ) -> PrimsPass {
        let module = shader(
            device,
            "prims.wgsl",
            concat!(
                include_str!("../../../shaders/globals.wgsl"),
                include_str!("../../../shaders/prims.wgsl")
            ),
        );
        let layout = device.create_pipeline_layout(&wgpu::PipelineLayoutDescriptor {
            label: Some("prims"),
            bind_group_layouts: &[Some(globals_layout), Some(texture_layout)],
            immediate_size: 0,
        });
        let spec = |label, blended: bool| PipelineSpec {
            label,
            module: &module,
            layout: &layout,
            buffers: &[Some(MESH_VERTEX_LAYOUT), Some(INSTANCE_LAYOUT)],
            color_format,
            // Translucent faces must not hide what lies behind them when
            // drawn first; they are sorted instead.
            depth_write: !blended,
            depth_compare: wgpu::CompareFunction::Less,
            cull_mode: Some(wgpu::Face::Back),
            blend: blended.then_some(wgpu::BlendState {
                color: wgpu::BlendComponent {
                    src_factor: wgpu::BlendFactor::SrcAlpha,
                    dst_factor: wgpu::BlendFactor::OneMinusSrcAlpha,
                    operation: wgpu::BlendOperation::Add,
                },
                // Keeps the target's alpha at 1 (the sky cleared it so).
                alpha: wgpu::BlendComponent::OVER,
            }),
            write_mask: if blended {
                wgpu::ColorWrites::ALL
            } else {
                wgpu::ColorWrites::COLOR
            },
        };
        let opaque = build_variants(device, &spec("prims", false));
        let blended = build_variants(device, &spec("blended prims", true));
        let instances = GrowableBuffer::new(
            device,
            "prim instances",
            wgpu::BufferUsages::VERTEX,
            1024 * std::mem::size_of::<FaceInstanceRaw>() as u64,
        );
        PrimsPass {
            opaque,
            blended,
            instances,
        }
    }

    /// Copies this frame's instance records into the instance buffer.
    pub(crate) fn upload_instances(
        &mut self,
        device: &wgpu::Device,
        queue: &wgpu::Queue,
        data: &[FaceInstanceRaw],
    ) {
        self.instances
            .write(device, queue, bytemuck::cast_slice(data));
    }

    /// Times the instance buffer had to grow.
    pub(crate) fn instance_buffer_grows(&self) -> u32 {
        self.instances.grows()
    }

    /// Records one of the two passes: one `draw_indexed` per run, binding a
    /// mesh's buffers and a texture only when they change. (An empty pass is
    /// still recorded, so the timestamp sequence stays contiguous.)
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn record(
        &self,
        which: PrimPass,
        encoder: &mut wgpu::CommandEncoder,
        inputs: &PassInputs<'_>,
        runs: &[FaceRun],
        meshes: &MeshStore,
        textures: &TextureStore,
        timestamps: Option<wgpu::RenderPassTimestampWrites<'_>>,
    ) -> DrawCounts {
        let (label, pipelines) = match which {
            PrimPass::Opaque => ("prims", &self.opaque),
            PrimPass::Blended => ("blended prims", &self.blended),
        };
        // Only wgpu recording on prepared data from here; the pass ends
        // (and wgpu allocates) when `pass` drops, before the scope does.
        let _wgpu = crate::alloc_stats::in_wgpu();
        let mut pass = encoder.begin_render_pass(&wgpu::RenderPassDescriptor {
            label: Some(label),
            color_attachments: &[Some(inputs.targets.load_colour())],
            depth_stencil_attachment: Some(inputs.targets.load_depth()),
            timestamp_writes: timestamps,
            occlusion_query_set: None,
            multiview_mask: None,
        });
        let mut counts = DrawCounts::default();
        if runs.is_empty() {
            return counts;
        }
        pass.set_pipeline(pipelines.get(inputs.quality));
        pass.set_bind_group(0, inputs.globals, &[]);
        pass.set_vertex_buffer(1, self.instances.buffer().slice(..));
        let (mut bound_mesh, mut bound_texture) = (u32::MAX, u32::MAX);
        for r in runs {
            let mesh = meshes.get(r.mesh_slot);
            let indices = if r.face == WHOLE_MESH {
                0..mesh.index_count
            } else {
                let Some(f) = mesh.faces.get(r.face as usize) else {
                    continue;
                };
                f.first..f.first + f.count
            };
            if r.mesh_slot != bound_mesh {
                pass.set_vertex_buffer(0, mesh.vertices.slice(..));
                pass.set_index_buffer(mesh.indices.slice(..), wgpu::IndexFormat::Uint32);
                bound_mesh = r.mesh_slot;
            }
            if r.texture_slot != bound_texture {
                pass.set_bind_group(1, textures.bind_group(r.texture_slot), &[]);
                bound_texture = r.texture_slot;
            }
            counts.draw_calls += 1;
            counts.triangles += u64::from(indices.len() as u32 / 3) * u64::from(r.instance_count);
            let instances = r.first_instance..r.first_instance + r.instance_count;
            pass.draw_indexed(indices, 0, instances);
        }
        counts
    }
}

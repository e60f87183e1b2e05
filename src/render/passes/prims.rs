//! Opaque prim pass (shaders/prims.wgsl): one instanced draw per resident mesh
//! with visible instances; instance data comes from one persistent, growable
//! instance buffer written once per frame.

use super::{
    MESH_VERTEX_LAYOUT, PassInputs, PipelineSpec, PipelineVariants, build_variants, shader,
};
use crate::render::batch::{InstanceBatch, InstanceRaw};
use crate::render::growable::GrowableBuffer;
use crate::render::mesh_store::MeshStore;

const INSTANCE_LAYOUT: wgpu::VertexBufferLayout<'static> = wgpu::VertexBufferLayout {
    array_stride: std::mem::size_of::<InstanceRaw>() as wgpu::BufferAddress,
    step_mode: wgpu::VertexStepMode::Instance,
    attributes: &wgpu::vertex_attr_array![
        3 => Float32x4, 4 => Float32x4, 5 => Float32x4, 6 => Float32x4, 7 => Float32x4
    ],
};

/// Prim pipelines and the instance buffer.
#[derive(Debug)]
pub(crate) struct PrimsPass {
    pipelines: PipelineVariants,
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
            bind_group_layouts: &[Some(globals_layout)],
            immediate_size: 0,
        });
        let pipelines = build_variants(
            device,
            &PipelineSpec {
                label: "prims",
                module: &module,
                layout: &layout,
                buffers: &[Some(MESH_VERTEX_LAYOUT), Some(INSTANCE_LAYOUT)],
                color_format,
                depth_write: true,
                depth_compare: wgpu::CompareFunction::Less,
                cull_mode: Some(wgpu::Face::Back),
            },
        );
        let instances = GrowableBuffer::new(
            device,
            "prim instances",
            wgpu::BufferUsages::VERTEX,
            1024 * std::mem::size_of::<InstanceRaw>() as u64,
        );
        PrimsPass {
            pipelines,
            instances,
        }
    }

    /// Copies this frame's instance data into the instance buffer.
    pub(crate) fn upload_instances(
        &mut self,
        device: &wgpu::Device,
        queue: &wgpu::Queue,
        data: &[InstanceRaw],
    ) {
        self.instances
            .write(device, queue, bytemuck::cast_slice(data));
    }

    /// Times the instance buffer had to grow.
    pub(crate) fn instance_buffer_grows(&self) -> u32 {
        self.instances.grows()
    }

    /// Records the pass: one `draw_indexed` per batch.
    pub(crate) fn record(
        &self,
        encoder: &mut wgpu::CommandEncoder,
        inputs: &PassInputs<'_>,
        batches: &[InstanceBatch],
        meshes: &MeshStore,
        timestamps: Option<wgpu::RenderPassTimestampWrites<'_>>,
    ) -> DrawCounts {
        // Only wgpu recording on prepared data from here; the pass ends
        // (and wgpu allocates) when `pass` drops, before the scope does.
        let _wgpu = crate::alloc_stats::in_wgpu();
        let mut pass = encoder.begin_render_pass(&wgpu::RenderPassDescriptor {
            label: Some("prims"),
            color_attachments: &[Some(inputs.targets.load_colour())],
            depth_stencil_attachment: Some(inputs.targets.load_depth()),
            timestamp_writes: timestamps,
            occlusion_query_set: None,
            multiview_mask: None,
        });
        let mut counts = DrawCounts::default();
        if batches.is_empty() {
            return counts;
        }
        pass.set_pipeline(self.pipelines.get(inputs.quality));
        pass.set_bind_group(0, inputs.globals, &[]);
        pass.set_vertex_buffer(1, self.instances.buffer().slice(..));
        for b in batches {
            let mesh = meshes.get(b.mesh_slot);
            pass.set_vertex_buffer(0, mesh.vertices.slice(..));
            pass.set_index_buffer(mesh.indices.slice(..), wgpu::IndexFormat::Uint32);
            let instances = b.first_instance..b.first_instance + b.instance_count;
            pass.draw_indexed(0..mesh.index_count, 0, instances);
            counts.draw_calls += 1;
            counts.triangles += u64::from(mesh.index_count / 3) * u64::from(b.instance_count);
        }
        counts
    }
}

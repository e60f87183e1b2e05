//! Sky pass (shaders/sky.wgsl): clears colour and depth, then paints the sky
//! gradient with one full-screen triangle.

use super::{PassInputs, PipelineSpec, PipelineVariants, build_variants, shader};

/// The sky pipelines.
#[derive(Debug)]
pub(crate) struct SkyPass {
    pipelines: PipelineVariants,
}

impl SkyPass {
    /// Builds the pipelines for a colour format.
    pub(crate) fn new(
        device: &wgpu::Device,
        globals_layout: &wgpu::BindGroupLayout,
        color_format: wgpu::TextureFormat,
    ) -> SkyPass {
        let module = shader(
            device,
            "sky.wgsl",
            concat!(
                include_str!("../../../shaders/globals.wgsl"),
                include_str!("../../../shaders/sky.wgsl")
            ),
        );
        let layout = device.create_pipeline_layout(&wgpu::PipelineLayoutDescriptor {
            label: Some("sky"),
            bind_group_layouts: &[Some(globals_layout)],
            immediate_size: 0,
        });
        let pipelines = build_variants(
            device,
            &PipelineSpec {
                label: "sky",
                module: &module,
                layout: &layout,
                buffers: &[],
                color_format,
                depth_write: false,
                depth_compare: wgpu::CompareFunction::Always,
                cull_mode: None,
                blend: None,
                write_mask: wgpu::ColorWrites::ALL,
            },
        );
        SkyPass { pipelines }
    }

    /// Records the pass; returns the draw calls issued.
    pub(crate) fn record(
        &self,
        encoder: &mut wgpu::CommandEncoder,
        inputs: &PassInputs<'_>,
        clear: [f32; 3],
        timestamps: Option<wgpu::RenderPassTimestampWrites<'_>>,
    ) -> u32 {
        // Only wgpu recording on prepared data from here; the pass ends
        // (and wgpu allocates) when `pass` drops, before the scope does.
        let _wgpu = crate::alloc_stats::in_wgpu();
        let mut pass = encoder.begin_render_pass(&wgpu::RenderPassDescriptor {
            label: Some("sky"),
            color_attachments: &[Some(wgpu::RenderPassColorAttachment {
                view: inputs.targets.colour,
                depth_slice: None,
                resolve_target: None,
                ops: wgpu::Operations {
                    load: wgpu::LoadOp::Clear(wgpu::Color {
                        r: f64::from(clear[0]),
                        g: f64::from(clear[1]),
                        b: f64::from(clear[2]),
                        a: 1.0,
                    }),
                    store: wgpu::StoreOp::Store,
                },
            })],
            depth_stencil_attachment: Some(wgpu::RenderPassDepthStencilAttachment {
                view: inputs.targets.depth,
                depth_ops: Some(wgpu::Operations {
                    load: wgpu::LoadOp::Clear(1.0),
                    store: wgpu::StoreOp::Store,
                }),
                stencil_ops: None,
            }),
            timestamp_writes: timestamps,
            occlusion_query_set: None,
            multiview_mask: None,
        });
        pass.set_pipeline(self.pipelines.get(inputs.quality));
        pass.set_bind_group(0, inputs.globals, &[]);
        pass.draw(0..3, 0..1);
        1
    }
}

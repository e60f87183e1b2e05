//! The passes of a frame, in order: sky, terrain, prims (opaque), blended
//! prims, overlay. Each pass is one module here and one WGSL file in
//! `shaders/` (the two prim passes share `prims.rs` and `prims.wgsl`: same
//! vertex layout and shading, different blend and depth state), and is one
//! wgpu render pass (so it can be timed on its own).

pub(crate) mod overlay;
pub(crate) mod prims;
pub(crate) mod sky;
pub(crate) mod terrain;

use super::settings::ShaderQuality;

/// Depth buffer format for every pass that tests depth.
pub(crate) const DEPTH_FORMAT: wgpu::TextureFormat = wgpu::TextureFormat::Depth32Float;

/// Vertex buffer layout of [`crate::mesh::Vertex`] at locations 0..=2.
pub(crate) const MESH_VERTEX_LAYOUT: wgpu::VertexBufferLayout<'static> = wgpu::VertexBufferLayout {
    array_stride: std::mem::size_of::<crate::mesh::Vertex>() as wgpu::BufferAddress,
    step_mode: wgpu::VertexStepMode::Vertex,
    attributes: &wgpu::vertex_attr_array![0 => Float32x3, 1 => Float32x3, 2 => Float32x2],
};

/// The two builds of a pass's pipeline: `fs_low` and `fs_high` entry points of
/// the same shader. Both are built up front so switching quality costs nothing.
#[derive(Debug)]
pub(crate) struct PipelineVariants {
    low: wgpu::RenderPipeline,
    high: wgpu::RenderPipeline,
}

impl PipelineVariants {
    /// The pipeline for a quality level.
    pub(crate) fn get(&self, quality: ShaderQuality) -> &wgpu::RenderPipeline {
        match quality {
            ShaderQuality::Low => &self.low,
            ShaderQuality::High => &self.high,
        }
    }
}

/// What differs between the passes' pipelines.
pub(crate) struct PipelineSpec<'a> {
    pub(crate) label: &'static str,
    pub(crate) module: &'a wgpu::ShaderModule,
    pub(crate) layout: &'a wgpu::PipelineLayout,
    pub(crate) buffers: &'a [Option<wgpu::VertexBufferLayout<'a>>],
    pub(crate) color_format: wgpu::TextureFormat,
    pub(crate) depth_write: bool,
    pub(crate) depth_compare: wgpu::CompareFunction,
    pub(crate) cull_mode: Option<wgpu::Face>,
    /// Colour blending; `None` overwrites.
    pub(crate) blend: Option<wgpu::BlendState>,
    /// Channels written: opaque prims leave the target's alpha (1, from the
    /// sky's clear) alone whatever their texels' alpha.
    pub(crate) write_mask: wgpu::ColorWrites,
}

/// Builds the low and high variants of a pipeline.
pub(crate) fn build_variants(device: &wgpu::Device, spec: &PipelineSpec<'_>) -> PipelineVariants {
    let build = |entry: &str| {
        device.create_render_pipeline(&wgpu::RenderPipelineDescriptor {
            label: Some(spec.label),
            layout: Some(spec.layout),
            vertex: wgpu::VertexState {
                module: spec.module,
                entry_point: Some("vs_main"),
                compilation_options: Default::default(),
                buffers: spec.buffers,
            },
            primitive: wgpu::PrimitiveState {
                topology: wgpu::PrimitiveTopology::TriangleList,
                front_face: wgpu::FrontFace::Ccw,
                cull_mode: spec.cull_mode,
                ..Default::default()
            },
            depth_stencil: Some(wgpu::DepthStencilState {
                format: DEPTH_FORMAT,
                depth_write_enabled: Some(spec.depth_write),
                depth_compare: Some(spec.depth_compare),
                stencil: Default::default(),
                bias: Default::default(),
            }),
            multisample: Default::default(),
            fragment: Some(wgpu::FragmentState {
                module: spec.module,
                entry_point: Some(entry),
                compilation_options: Default::default(),
                targets: &[Some(wgpu::ColorTargetState {
                    format: spec.color_format,
                    blend: spec.blend,
                    write_mask: spec.write_mask,
                })],
            }),
            multiview_mask: None,
            cache: None,
        })
    };
    PipelineVariants {
        low: build("fs_low"),
        high: build("fs_high"),
    }
}

/// Loads a WGSL file from `shaders/` (embedded at compile time).
pub(crate) fn shader(
    device: &wgpu::Device,
    label: &'static str,
    source: &'static str,
) -> wgpu::ShaderModule {
    device.create_shader_module(wgpu::ShaderModuleDescriptor {
        label: Some(label),
        source: wgpu::ShaderSource::Wgsl(source.into()),
    })
}

/// What every scene pass of a frame draws with.
pub(crate) struct PassInputs<'a> {
    pub(crate) targets: Targets<'a>,
    pub(crate) globals: &'a wgpu::BindGroup,
    pub(crate) quality: ShaderQuality,
}

/// Colour and depth targets of a frame.
pub(crate) struct Targets<'a> {
    pub(crate) colour: &'a wgpu::TextureView,
    pub(crate) depth: &'a wgpu::TextureView,
}

impl Targets<'_> {
    /// Colour attachment that keeps what earlier passes drew.
    pub(crate) fn load_colour(&self) -> wgpu::RenderPassColorAttachment<'_> {
        wgpu::RenderPassColorAttachment {
            view: self.colour,
            depth_slice: None,
            resolve_target: None,
            ops: wgpu::Operations {
                load: wgpu::LoadOp::Load,
                store: wgpu::StoreOp::Store,
            },
        }
    }

    /// Depth attachment that keeps what earlier passes wrote.
    pub(crate) fn load_depth(&self) -> wgpu::RenderPassDepthStencilAttachment<'_> {
        wgpu::RenderPassDepthStencilAttachment {
            view: self.depth,
            depth_ops: Some(wgpu::Operations {
                load: wgpu::LoadOp::Load,
                store: wgpu::StoreOp::Store,
            }),
            stencil_ops: None,
        }
    }
}

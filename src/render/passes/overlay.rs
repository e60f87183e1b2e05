//! The slot for the editor's UI: an [`OverlayPass`] draws last, on top of the
//! 3D scene, into the same colour target (no depth).

/// The target an overlay draws into.
#[derive(Debug, Clone, Copy)]
pub struct OverlayTarget<'a> {
    /// The frame's colour view (already holding the 3D scene).
    pub view: &'a wgpu::TextureView,
    /// Its size in pixels.
    pub width: u32,
    /// Its size in pixels.
    pub height: u32,
    /// Its format (pipelines drawing into it must match).
    pub format: wgpu::TextureFormat,
}

/// Something drawn on top of the scene each frame, typically egui through
/// `egui_wgpu::Renderer` (`update_buffers` in [`OverlayPass::prepare`],
/// `render` in [`OverlayPass::paint`]).
///
/// The renderer opens the overlay's render pass itself (colour loaded, no
/// depth) so the overlay is timed like every other pass.
pub trait OverlayPass {
    /// Uploads buffers and textures before the pass begins. Extra command
    /// buffers an integration produces (egui's callbacks) should be submitted
    /// to `queue` here; they then run before the frame's own commands.
    fn prepare(
        &mut self,
        device: &wgpu::Device,
        queue: &wgpu::Queue,
        encoder: &mut wgpu::CommandEncoder,
        target: OverlayTarget<'_>,
    );

    /// Records draws into the overlay's render pass.
    fn paint(&mut self, pass: &mut wgpu::RenderPass<'static>, target: OverlayTarget<'_>);
}

/// Runs the overlay: prepare, then one render pass for its paint.
pub(crate) fn record(
    overlay: &mut dyn OverlayPass,
    device: &wgpu::Device,
    queue: &wgpu::Queue,
    encoder: &mut wgpu::CommandEncoder,
    target: OverlayTarget<'_>,
    timestamps: Option<wgpu::RenderPassTimestampWrites<'_>>,
) {
    overlay.prepare(device, queue, encoder, target);
    // From here only wgpu: the pass's begin and end, and `paint`, which
    // records draws of what `prepare` already built.
    let _wgpu = crate::alloc_stats::in_wgpu();
    let mut pass = encoder
        .begin_render_pass(&wgpu::RenderPassDescriptor {
            label: Some("overlay"),
            color_attachments: &[Some(wgpu::RenderPassColorAttachment {
                view: target.view,
                depth_slice: None,
                resolve_target: None,
                ops: wgpu::Operations {
                    load: wgpu::LoadOp::Load,
                    store: wgpu::StoreOp::Store,
                },
            })],
            depth_stencil_attachment: None,
            timestamp_writes: timestamps,
            occlusion_query_set: None,
            multiview_mask: None,
        })
        .forget_lifetime();
    overlay.paint(&mut pass, target);
}

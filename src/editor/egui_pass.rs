//! egui in the viewer window: an [`OverlayPass`] that owns the egui context,
//! the winit input state and the wgpu renderer. The app feeds it window
//! events (and learns whether egui took them), runs the UI once per frame
//! with [`EguiPass::run`], and hands it to the renderer as the frame's overlay.

use std::sync::Arc;

use egui_wgpu::{RendererOptions, ScreenDescriptor};
use winit::event::WindowEvent;
use winit::window::Window;

use crate::render::{OverlayPass, OverlayTarget};

/// egui drawn on top of the 3D scene.
pub struct EguiPass {
    ctx: egui::Context,
    input: egui_winit::State,
    renderer: egui_wgpu::Renderer,
    /// Tessellated output of the last [`EguiPass::run`] (painted by the overlay).
    paint_jobs: Vec<egui::ClippedPrimitive>,
    /// Texture changes of the last run, applied in `prepare`.
    textures: egui::TexturesDelta,
    /// Textures egui released last frame; freed once that frame was drawn.
    to_free: Vec<egui::TextureId>,
    pixels_per_point: f32,
}

impl EguiPass {
    /// Creates the pass for `window`, drawing into targets of `format`.
    pub fn new(device: &wgpu::Device, window: &Arc<Window>, format: wgpu::TextureFormat) -> Self {
        let ctx = egui::Context::default();
        let max_texture_side = device.limits().max_texture_dimension_2d as usize;
        let input = egui_winit::State::new(
            ctx.clone(),
            egui::ViewportId::ROOT,
            window.as_ref(),
            Some(window.scale_factor() as f32),
            window.theme(),
            Some(max_texture_side),
        );
        let renderer = egui_wgpu::Renderer::new(device, format, RendererOptions::default());
        EguiPass {
            ctx,
            input,
            renderer,
            paint_jobs: Vec::new(),
            textures: egui::TexturesDelta::default(),
            to_free: Vec::new(),
            pixels_per_point: window.scale_factor() as f32,
        }
    }

    /// The egui context (for styles, fonts, memory).
    pub fn context(&self) -> &egui::Context {
        &self.ctx
    }

    /// Feeds one window event to egui. True when egui consumed it (a click on
    /// a panel, a key typed into a text box): the app must not act on it too.
    pub fn on_window_event(&mut self, window: &Window, event: &WindowEvent) -> bool {
        self.input.on_window_event(window, event).consumed
    }

    /// True while egui wants the keyboard (a text field has focus): movement
    /// keys must not reach the avatar even when a release arrives unconsumed.
    pub fn wants_keyboard(&self) -> bool {
        self.ctx.egui_wants_keyboard_input()
    }

    /// Runs the UI for this frame and tessellates it; the result is painted
    /// when the pass is given to the renderer.
    pub fn run(&mut self, window: &Window, ui: impl FnMut(&mut egui::Ui)) {
        let raw = self.input.take_egui_input(window);
        let output = self.ctx.run_ui(raw, ui);
        self.input
            .handle_platform_output(window, output.platform_output);
        self.textures.append(output.textures_delta);
        self.pixels_per_point = output.pixels_per_point;
        self.paint_jobs = self.ctx.tessellate(output.shapes, output.pixels_per_point);
    }

    fn screen(&self, target: &OverlayTarget<'_>) -> ScreenDescriptor {
        ScreenDescriptor {
            size_in_pixels: [target.width, target.height],
            pixels_per_point: self.pixels_per_point,
        }
    }
}

impl OverlayPass for EguiPass {
    fn prepare(
        &mut self,
        device: &wgpu::Device,
        queue: &wgpu::Queue,
        encoder: &mut wgpu::CommandEncoder,
        target: OverlayTarget<'_>,
    ) {
        // The previous frame has been submitted: its released textures can go.
        for id in self.to_free.drain(..) {
            self.renderer.free_texture(&id);
        }
        for (id, deltas) in &self.textures.set {
            for delta in deltas {
                self.renderer.update_texture(device, queue, *id, delta);
            }
        }
        self.textures.set.clear();
        self.to_free.extend(self.textures.free.drain());
        let screen = self.screen(&target);
        let extra = self
            .renderer
            .update_buffers(device, queue, encoder, &self.paint_jobs, &screen);
        if !extra.is_empty() {
            queue.submit(extra);
        }
    }

    fn paint(&mut self, pass: &mut wgpu::RenderPass<'static>, target: OverlayTarget<'_>) {
        let screen = self.screen(&target);
        self.renderer.render(pass, &self.paint_jobs, &screen);
    }
}

impl Drop for EguiPass {
    fn drop(&mut self) {
        // Texture updates of a last frame that was never drawn are moot.
        self.textures.clear();
    }
}

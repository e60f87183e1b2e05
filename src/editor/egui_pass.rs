//! egui in the viewer window: an [`OverlayPass`] that owns the egui context,
//! the winit input state and the wgpu renderer. The app feeds it window
//! events (and learns whether egui took them), runs the UI once per frame
//! with [`EguiPass::run`], and hands it to the renderer as the frame's overlay.
//!
//! Without a window ([`EguiPass::headless`]) the caller builds the frame's
//! input itself ([`headless_input`]) and runs the UI with [`EguiPass::run_raw`].
//! A frame with nothing to show skips egui entirely ([`EguiPass::skip`]).

use std::sync::Arc;

use egui_wgpu::{RendererOptions, ScreenDescriptor};
use winit::event::WindowEvent;
use winit::window::Window;

use crate::alloc_stats;
use crate::render::{OverlayPass, OverlayTarget};

/// egui drawn on top of the 3D scene.
pub struct EguiPass {
    ctx: egui::Context,
    /// The window's input state; `None` for a headless pass.
    input: Option<egui_winit::State>,
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
        let mut pass = EguiPass::headless(device, format);
        pass.ctx = ctx;
        pass.input = Some(input);
        pass.pixels_per_point = window.scale_factor() as f32;
        pass
    }

    /// Creates a pass without a window (offscreen rendering, tests), drawing
    /// into targets of `format` at one pixel per point. Run it with
    /// [`EguiPass::run_raw`].
    pub fn headless(device: &wgpu::Device, format: wgpu::TextureFormat) -> Self {
        let renderer = egui_wgpu::Renderer::new(device, format, RendererOptions::default());
        EguiPass {
            ctx: egui::Context::default(),
            input: None,
            renderer,
            paint_jobs: Vec::new(),
            textures: egui::TexturesDelta::default(),
            to_free: Vec::new(),
            pixels_per_point: 1.0,
        }
    }

    /// The egui context (for styles, fonts, memory).
    pub fn context(&self) -> &egui::Context {
        &self.ctx
    }

    /// Feeds one window event to egui. True when egui consumed it (a click on
    /// a panel, a key typed into a text box): the app must not act on it too.
    pub fn on_window_event(&mut self, window: &Window, event: &WindowEvent) -> bool {
        match &mut self.input {
            Some(input) => input.on_window_event(window, event).consumed,
            None => false,
        }
    }

    /// True while egui wants the keyboard (a text field has focus): movement
    /// keys must not reach the avatar even when a release arrives unconsumed.
    pub fn wants_keyboard(&self) -> bool {
        self.ctx.egui_wants_keyboard_input()
    }

    /// Runs the UI for this frame and tessellates it; the result is painted
    /// when the pass is given to the renderer. A headless pass, having no
    /// window input, runs on an empty input of the window's size.
    pub fn run(&mut self, window: &Window, ui: impl FnMut(&mut egui::Ui)) {
        let Some(input) = &mut self.input else {
            let size = window.inner_size();
            self.run_raw(headless_input(size.width, size.height, 0.0), ui);
            return;
        };
        let raw = input.take_egui_input(window);
        let mut output = self.ctx.run_ui(raw, ui);
        input.handle_platform_output(window, std::mem::take(&mut output.platform_output));
        self.finish(output);
    }

    /// Runs the UI for this frame on input the caller built (a headless
    /// pass: see [`headless_input`]) and tessellates it.
    pub fn run_raw(&mut self, raw: egui::RawInput, ui: impl FnMut(&mut egui::Ui)) {
        let output = self.ctx.run_ui(raw, ui);
        self.finish(output);
    }

    /// Skips egui this frame because there is nothing to show (no login
    /// screen, editor closed): drops the input gathered since the last run
    /// and forgets the last frame's shapes, without allocating. Pass no
    /// overlay to the renderer for such a frame; egui costs nothing then.
    pub fn skip(&mut self) {
        if let Some(input) = &mut self.input {
            // Events of a hidden UI are moot; keeping them would grow the queue.
            input.egui_input_mut().events.clear();
        }
        self.paint_jobs.clear();
    }

    fn finish(&mut self, output: egui::FullOutput) {
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
        // The wgpu scopes cover egui-wgpu's uploads of what `run` already
        // built; the tessellation, egui's own work, was counted there.
        let renderer = &mut self.renderer;
        // The previous frame has been submitted: its released textures can go.
        for id in self.to_free.drain(..) {
            alloc_stats::wgpu(|| renderer.free_texture(&id));
        }
        for (id, deltas) in &self.textures.set {
            for delta in deltas {
                alloc_stats::wgpu(|| renderer.update_texture(device, queue, *id, delta));
            }
        }
        self.textures.set.clear();
        self.to_free.extend(self.textures.free.drain());
        let screen = self.screen(&target);
        let _wgpu = alloc_stats::in_wgpu();
        let extra = self
            .renderer
            .update_buffers(device, queue, encoder, &self.paint_jobs, &screen);
        if !extra.is_empty() {
            queue.submit(extra);
        }
    }

    fn paint(&mut self, pass: &mut wgpu::RenderPass<'static>, target: OverlayTarget<'_>) {
        let screen = self.screen(&target);
        let _wgpu = alloc_stats::in_wgpu();
        self.renderer.render(pass, &self.paint_jobs, &screen);
    }
}

/// A headless frame's input: a `width`×`height` pixel screen at one pixel
/// per point, no events, and `time_s` as egui's clock (drives animations).
pub fn headless_input(width: u32, height: u32, time_s: f64) -> egui::RawInput {
    let size = egui::vec2(width.max(1) as f32, height.max(1) as f32);
    let mut raw = egui::RawInput {
        screen_rect: Some(egui::Rect::from_min_size(egui::Pos2::ZERO, size)),
        time: Some(time_s),
        ..egui::RawInput::default()
    };
    raw.viewports
        .entry(egui::ViewportId::ROOT)
        .or_default()
        .native_pixels_per_point = Some(1.0);
    raw
}

impl Drop for EguiPass {
    fn drop(&mut self) {
        // Texture updates of a last frame that was never drawn are moot.
        self.textures.clear();
    }
}

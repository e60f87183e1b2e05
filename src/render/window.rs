//! The desktop window: a winit `ApplicationHandler` that owns the window and
//! its surface, keeps the surface sized to the window, and asks the caller's
//! [`WindowApp`] for a frame on every redraw. Input is forwarded raw.

use std::sync::Arc;

use winit::application::ApplicationHandler;
use winit::event::{DeviceEvent, DeviceId, WindowEvent};
use winit::event_loop::{ActiveEventLoop, EventLoop};
use winit::window::{Window, WindowId};

use super::camera::Camera;
use super::error::RenderError;
use super::gpu::{GpuContext, create_instance};
use super::passes::overlay::OverlayPass;
use super::renderer::Renderer;
use super::scene::RenderScene;
use super::settings::RenderSettings;
use super::stats::FrameStats;
use crate::alloc_stats;

/// How to open the window.
#[derive(Debug, Clone, PartialEq)]
pub struct WindowOptions {
    /// Title bar text.
    pub title: String,
    /// Initial inner width, logical pixels.
    pub width: u32,
    /// Initial inner height, logical pixels.
    pub height: u32,
    /// Wait for vertical blank (no tearing, frame rate capped by the display).
    pub vsync: bool,
    /// Initial render settings.
    pub settings: RenderSettings,
}

impl Default for WindowOptions {
    fn default() -> Self {
        WindowOptions {
            title: "Kestrel".to_owned(),
            width: 1280,
            height: 720,
            vsync: true,
            settings: RenderSettings::default(),
        }
    }
}

/// Whether the window keeps running after an event.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AppControl {
    /// Keep going.
    Continue,
    /// Close the window and return from [`run_window`].
    Exit,
}

/// The caller's side of the window: gets raw input and draws frames.
pub trait WindowApp {
    /// Called once the window, device and renderer exist (set up egui here).
    fn started(&mut self, _gpu: &GpuContext, _window: &Arc<Window>, _renderer: &mut Renderer) {}

    /// Every window event except redraws (keyboard, mouse, resize, focus…),
    /// after the window handled resizing. Closing is handled: `CloseRequested`
    /// is forwarded and then the loop exits.
    fn window_event(&mut self, _window: &Window, _event: &WindowEvent) -> AppControl {
        AppControl::Continue
    }

    /// Raw device input (relative mouse motion for mouselook).
    fn device_event(&mut self, _event: &DeviceEvent) {}

    /// Draws one frame: call [`WindowFrame::render`] with the current scene.
    fn draw(&mut self, frame: &mut WindowFrame<'_>);

    /// Called once as the loop ends.
    fn exiting(&mut self) {}
}

/// One frame being drawn into the window.
pub struct WindowFrame<'a> {
    renderer: &'a mut Renderer,
    view: &'a wgpu::TextureView,
    window: &'a Window,
    stats: Option<FrameStats>,
    exit: bool,
}

impl WindowFrame<'_> {
    /// Surface size in pixels.
    pub fn size(&self) -> (u32, u32) {
        self.renderer.size()
    }

    /// Width over height, for [`Camera::aspect`].
    pub fn aspect(&self) -> f32 {
        let (w, h) = self.size();
        w as f32 / h.max(1) as f32
    }

    /// The window.
    pub fn window(&self) -> &Window {
        self.window
    }

    /// The renderer (settings, counters).
    pub fn renderer(&mut self) -> &mut Renderer {
        self.renderer
    }

    /// Renders the scene into this frame; call once per frame.
    pub fn render(
        &mut self,
        scene: &RenderScene<'_>,
        camera: &Camera,
        overlay: Option<&mut dyn OverlayPass>,
    ) -> FrameStats {
        let stats = self.renderer.render(scene, camera, self.view, overlay);
        self.stats = Some(stats);
        stats
    }

    /// Closes the window after this frame.
    pub fn request_exit(&mut self) {
        self.exit = true;
    }
}

struct Gfx {
    window: Arc<Window>,
    surface: wgpu::Surface<'static>,
    config: wgpu::SurfaceConfiguration,
    gpu: GpuContext,
    renderer: Renderer,
}

struct Handler<'a> {
    options: WindowOptions,
    app: &'a mut dyn WindowApp,
    display: Option<winit::event_loop::OwnedDisplayHandle>,
    gfx: Option<Gfx>,
    error: Option<RenderError>,
}

impl Handler<'_> {
    fn open(&mut self, event_loop: &ActiveEventLoop) -> Result<Gfx, RenderError> {
        let attrs = Window::default_attributes()
            .with_title(self.options.title.clone())
            .with_inner_size(winit::dpi::LogicalSize::new(
                self.options.width.max(1),
                self.options.height.max(1),
            ));
        let window = Arc::new(
            event_loop
                .create_window(attrs)
                .map_err(RenderError::window)?,
        );
        let instance = create_instance(self.display.take());
        let surface = instance.create_surface(Arc::clone(&window))?;
        let gpu = GpuContext::new(instance, Some(&surface))?;
        let size = window.inner_size();
        let mut config = surface
            .get_default_config(&gpu.adapter, size.width.max(1), size.height.max(1))
            .ok_or_else(|| RenderError::SurfaceUnsupported {
                adapter: gpu.summary.name.clone(),
            })?;
        let caps = surface.get_capabilities(&gpu.adapter);
        // Shaders write linear colour; an sRGB surface does the encoding.
        if let Some(srgb) = caps.formats.iter().find(|f| f.is_srgb()) {
            config.format = *srgb;
        }
        config.present_mode = if self.options.vsync {
            wgpu::PresentMode::AutoVsync
        } else {
            wgpu::PresentMode::AutoNoVsync
        };
        surface.configure(&gpu.device, &config);
        let mut renderer = Renderer::new(
            &gpu,
            config.format,
            config.width,
            config.height,
            self.options.settings,
        );
        self.app.started(&gpu, &window, &mut renderer);
        Ok(Gfx {
            window,
            surface,
            config,
            gpu,
            renderer,
        })
    }

    fn redraw(&mut self, event_loop: &ActiveEventLoop) {
        let Some(gfx) = &mut self.gfx else { return };
        if gfx.config.width == 0 || gfx.config.height == 0 {
            return;
        }
        // Acquire, view and present are wgpu's (see alloc_stats).
        let acquired = alloc_stats::wgpu(|| gfx.surface.get_current_texture());
        let texture = match acquired {
            wgpu::CurrentSurfaceTexture::Success(t)
            | wgpu::CurrentSurfaceTexture::Suboptimal(t) => t,
            wgpu::CurrentSurfaceTexture::Outdated | wgpu::CurrentSurfaceTexture::Lost => {
                gfx.surface.configure(&gfx.gpu.device, &gfx.config);
                return;
            }
            wgpu::CurrentSurfaceTexture::Timeout
            | wgpu::CurrentSurfaceTexture::Occluded
            | wgpu::CurrentSurfaceTexture::Validation => return,
        };
        let view = alloc_stats::wgpu(|| {
            texture
                .texture
                .create_view(&wgpu::TextureViewDescriptor::default())
        });
        let mut frame = WindowFrame {
            renderer: &mut gfx.renderer,
            view: &view,
            window: &gfx.window,
            stats: None,
            exit: false,
        };
        self.app.draw(&mut frame);
        let (rendered, exit) = (frame.stats.is_some(), frame.exit);
        alloc_stats::wgpu(|| {
            drop(view);
            if rendered {
                gfx.window.pre_present_notify();
                gfx.gpu.queue.present(texture);
            }
        });
        if exit {
            event_loop.exit();
        }
    }
}

impl ApplicationHandler for Handler<'_> {
    fn resumed(&mut self, event_loop: &ActiveEventLoop) {
        if self.gfx.is_some() || self.error.is_some() {
            return;
        }
        match self.open(event_loop) {
            Ok(g) => {
                g.window.request_redraw();
                self.gfx = Some(g);
            }
            Err(e) => {
                self.error = Some(e);
                event_loop.exit();
            }
        }
    }

    fn window_event(&mut self, event_loop: &ActiveEventLoop, _id: WindowId, event: WindowEvent) {
        match &event {
            WindowEvent::RedrawRequested => {
                self.redraw(event_loop);
                return;
            }
            WindowEvent::Resized(size) => {
                if let Some(gfx) = &mut self.gfx
                    && size.width > 0
                    && size.height > 0
                {
                    gfx.config.width = size.width;
                    gfx.config.height = size.height;
                    gfx.surface.configure(&gfx.gpu.device, &gfx.config);
                    gfx.renderer.resize(size.width, size.height);
                }
            }
            _ => {}
        }
        let Some(gfx) = &self.gfx else { return };
        let control = self.app.window_event(&gfx.window, &event);
        if control == AppControl::Exit || matches!(event, WindowEvent::CloseRequested) {
            event_loop.exit();
        }
    }

    fn device_event(&mut self, _event_loop: &ActiveEventLoop, _id: DeviceId, event: DeviceEvent) {
        self.app.device_event(&event);
    }

    fn about_to_wait(&mut self, _event_loop: &ActiveEventLoop) {
        if let Some(gfx) = &self.gfx {
            gfx.window.request_redraw();
        }
    }

    fn exiting(&mut self, _event_loop: &ActiveEventLoop) {
        self.app.exiting();
        // Surface before window: drop the graphics state while the window is alive.
        self.gfx = None;
    }
}

/// Opens the window and runs the event loop until the window closes or the
/// app asks to exit. Must be called on the main thread.
pub fn run_window(options: WindowOptions, app: &mut dyn WindowApp) -> Result<(), RenderError> {
    let event_loop = EventLoop::new().map_err(RenderError::window)?;
    let display = Some(event_loop.owned_display_handle());
    let mut handler = Handler {
        options,
        app,
        display,
        gfx: None,
        error: None,
    };
    event_loop
        .run_app(&mut handler)
        .map_err(RenderError::window)?;
    match handler.error {
        Some(e) => Err(e),
        None => Ok(()),
    }
}

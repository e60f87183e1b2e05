//! Offscreen rendering: frames go into a texture that can be read back as
//! RGBA8 and saved as PNG (`--headless --screenshot out.png`).

use std::path::Path;
use std::sync::mpsc;

use super::camera::Camera;
use super::error::RenderError;
use super::gpu::GpuContext;
use super::image::{RgbaImage, padded_bytes_per_row, unpad};
use super::passes::overlay::OverlayPass;
use super::renderer::Renderer;
use super::scene::RenderScene;
use super::settings::RenderSettings;
use super::stats::FrameStats;

/// Colour format of offscreen frames (shaders write linear; the target encodes sRGB).
pub const HEADLESS_FORMAT: wgpu::TextureFormat = wgpu::TextureFormat::Rgba8UnormSrgb;

/// A renderer with its own device drawing into an offscreen texture.
#[derive(Debug)]
pub struct HeadlessRenderer {
    gpu: GpuContext,
    renderer: Renderer,
    target: wgpu::Texture,
    view: wgpu::TextureView,
    readback: wgpu::Buffer,
    width: u32,
    height: u32,
}

impl HeadlessRenderer {
    /// Opens a device (any adapter, software included) and a `width`×`height` target.
    pub fn new(width: u32, height: u32) -> Result<HeadlessRenderer, RenderError> {
        HeadlessRenderer::with_settings(width, height, RenderSettings::default())
    }

    /// As [`HeadlessRenderer::new`] with initial settings.
    pub fn with_settings(
        width: u32,
        height: u32,
        settings: RenderSettings,
    ) -> Result<HeadlessRenderer, RenderError> {
        let invalid = |reason| RenderError::InvalidSize {
            width,
            height,
            reason,
        };
        if width == 0 || height == 0 {
            return Err(invalid("width and height must be at least 1"));
        }
        let gpu = GpuContext::headless()?;
        let max = gpu.summary.max_texture_dimension_2d;
        if width > max || height > max {
            return Err(invalid("larger than the adapter's maximum texture size"));
        }
        let target = gpu.device.create_texture(&wgpu::TextureDescriptor {
            label: Some("offscreen colour"),
            size: wgpu::Extent3d {
                width,
                height,
                depth_or_array_layers: 1,
            },
            mip_level_count: 1,
            sample_count: 1,
            dimension: wgpu::TextureDimension::D2,
            format: HEADLESS_FORMAT,
            usage: wgpu::TextureUsages::RENDER_ATTACHMENT | wgpu::TextureUsages::COPY_SRC,
            view_formats: &[],
        });
        let view = target.create_view(&wgpu::TextureViewDescriptor::default());
        let readback = gpu.device.create_buffer(&wgpu::BufferDescriptor {
            label: Some("offscreen readback"),
            size: u64::from(padded_bytes_per_row(width)) * u64::from(height),
            usage: wgpu::BufferUsages::MAP_READ | wgpu::BufferUsages::COPY_DST,
            mapped_at_creation: false,
        });
        let renderer = Renderer::new(&gpu, HEADLESS_FORMAT, width, height, settings);
        Ok(HeadlessRenderer {
            gpu,
            renderer,
            target,
            view,
            readback,
            width,
            height,
        })
    }

    /// The device and adapter in use.
    pub fn gpu(&self) -> &GpuContext {
        &self.gpu
    }

    /// The renderer (settings, counters).
    pub fn renderer(&self) -> &Renderer {
        &self.renderer
    }

    /// The renderer, mutably (to change settings).
    pub fn renderer_mut(&mut self) -> &mut Renderer {
        &mut self.renderer
    }

    /// Replaces the render settings.
    pub fn set_settings(&mut self, settings: RenderSettings) {
        self.renderer.set_settings(settings);
    }

    /// Draws one frame into the offscreen target; does not wait for the GPU.
    /// The camera's aspect is used as given (set it to width/height).
    pub fn render(&mut self, scene: &RenderScene<'_>, camera: &Camera) -> FrameStats {
        self.renderer.render(scene, camera, &self.view, None)
    }

    /// As [`HeadlessRenderer::render`] with an overlay (the editor's egui)
    /// drawn on top of the scene.
    pub fn render_with_overlay(
        &mut self,
        scene: &RenderScene<'_>,
        camera: &Camera,
        overlay: Option<&mut dyn OverlayPass>,
    ) -> FrameStats {
        self.renderer.render(scene, camera, &self.view, overlay)
    }

    /// Target size in pixels.
    pub fn size(&self) -> (u32, u32) {
        (self.width, self.height)
    }

    /// Blocks until the GPU has finished everything submitted so far.
    pub fn wait_idle(&self) -> Result<(), RenderError> {
        let _wgpu = crate::alloc_stats::in_wgpu();
        self.gpu
            .device
            .poll(wgpu::PollType::wait_indefinitely())
            .map(|_| ())
            .map_err(|e| RenderError::Readback(e.to_string()))
    }

    /// Copies the last frame back to the CPU (waits for the GPU).
    pub fn read_pixels(&self) -> Result<RgbaImage, RenderError> {
        let mut encoder = self
            .gpu
            .device
            .create_command_encoder(&wgpu::CommandEncoderDescriptor {
                label: Some("readback"),
            });
        encoder.copy_texture_to_buffer(
            wgpu::TexelCopyTextureInfo {
                texture: &self.target,
                mip_level: 0,
                origin: wgpu::Origin3d::ZERO,
                aspect: wgpu::TextureAspect::All,
            },
            wgpu::TexelCopyBufferInfo {
                buffer: &self.readback,
                layout: wgpu::TexelCopyBufferLayout {
                    offset: 0,
                    bytes_per_row: Some(padded_bytes_per_row(self.width)),
                    rows_per_image: Some(self.height),
                },
            },
            wgpu::Extent3d {
                width: self.width,
                height: self.height,
                depth_or_array_layers: 1,
            },
        );
        self.gpu.queue.submit(Some(encoder.finish()));
        let (tx, rx) = mpsc::sync_channel(1);
        let slice = self.readback.slice(..);
        slice.map_async(wgpu::MapMode::Read, move |r| {
            let _ = tx.send(r);
        });
        self.wait_idle()?;
        match rx.recv() {
            Ok(Ok(())) => {}
            Ok(Err(e)) => return Err(RenderError::Readback(e.to_string())),
            Err(_) => return Err(RenderError::Readback("map callback never ran".into())),
        }
        let pixels = {
            let view = slice
                .get_mapped_range()
                .map_err(|e| RenderError::Readback(e.to_string()))?;
            unpad(&view, self.width, self.height)
        };
        self.readback.unmap();
        Ok(RgbaImage {
            width: self.width,
            height: self.height,
            pixels,
        })
    }

    /// Reads the last frame back and writes it as PNG.
    pub fn save_png(&self, path: &Path) -> Result<(), RenderError> {
        self.read_pixels()?.save_png(path)
    }
}

//! Errors the renderer reports: device creation, readback and image output.

use std::path::PathBuf;

/// Everything that can go wrong while setting up or reading back from the renderer.
///
/// Drawing a frame itself does not fail: a missing mesh is skipped and counted,
/// a lost surface is reconfigured.
#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    /// No adapter at all could be found, hardware or software.
    #[error(
        "no graphics adapter found (backends tried: {backends}); on a machine without a GPU install \
         Mesa's lavapipe (mesa-vulkan-drivers) or point VK_ICD_FILENAMES at lvp_icd.x86_64.json"
    )]
    NoAdapter {
        /// The backends that were asked, as wgpu names them.
        backends: String,
    },
    /// The adapter refused to create a device.
    #[error("adapter {adapter:?} refused to create a device: {source}")]
    RequestDevice {
        /// The adapter's name.
        adapter: String,
        /// What wgpu said.
        #[source]
        source: wgpu::RequestDeviceError,
    },
    /// The window surface could not be created.
    #[error("could not create a window surface: {0}")]
    CreateSurface(#[from] wgpu::CreateSurfaceError),
    /// The adapter cannot present to the window surface.
    #[error("adapter {adapter:?} cannot present to this window's surface")]
    SurfaceUnsupported {
        /// The adapter's name.
        adapter: String,
    },
    /// The requested image size is unusable.
    #[error("invalid render size {width}x{height}: {reason}")]
    InvalidSize {
        /// Requested width in pixels.
        width: u32,
        /// Requested height in pixels.
        height: u32,
        /// Why it was refused.
        reason: &'static str,
    },
    /// Mapping the readback buffer failed.
    #[error("reading the rendered image back from the GPU failed: {0}")]
    Readback(String),
    /// Writing a PNG failed.
    #[error("writing PNG {path}: {source}")]
    Png {
        /// The file being written.
        path: PathBuf,
        /// What the encoder said.
        #[source]
        source: png::EncodingError,
    },
    /// Creating the PNG file failed.
    #[error("creating {path}: {source}")]
    Io {
        /// The file being written.
        path: PathBuf,
        /// The I/O error.
        #[source]
        source: std::io::Error,
    },
    /// The window system failed (event loop or window creation).
    #[error("window system: {0}")]
    Window(String),
}

impl RenderError {
    /// A window-system error in words for the user: winit's OS errors carry
    /// the place in winit's source (`os error at …/mod.rs:765: …`), which
    /// says nothing to a user; only the reason is kept. With no display at
    /// all, the error says what to do instead.
    pub fn window(e: impl std::fmt::Display) -> RenderError {
        let text = e.to_string();
        let reason = match text.strip_prefix("os error at ") {
            Some(rest) => rest.split_once(": ").map_or(rest, |(_, why)| why),
            None => text.as_str(),
        }
        .trim_end_matches('.');
        let no_display = cfg!(target_os = "linux")
            && ["DISPLAY", "WAYLAND_DISPLAY", "WAYLAND_SOCKET"]
                .iter()
                .all(|v| std::env::var_os(v).is_none_or(|s| s.is_empty()));
        if no_display {
            return RenderError::Window(format!(
                "no display to open a window on ({reason}); use --headless, or run under Xvfb (xvfb-run)"
            ));
        }
        RenderError::Window(reason.to_owned())
    }
}

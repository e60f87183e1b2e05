//! The viewer's wiring: start the actors (and the embedded region when no
//! grid is given), connect, and hand the render thread what it drains.
//! `App` owns none of the parts' logic; each lives in its own module.

mod frame_figures;
mod headless;
pub mod plugin_bridge;
mod session;
mod settings_follower;
mod window;

pub use headless::{
    ALLOC_WARMUP_MIN_FRAMES, CircuitRunReport, FOV_Y, FrameRecord, HeadlessRenderOptions,
    HeadlessViewer, RenderReport, alloc_warmup_frames, overview_camera, run_headless_circuit,
    run_headless_render, wait_for_region,
};
pub use plugin_bridge::{PluginBridge, PluginBridgeError, PluginBridgeStats};
pub use session::{AppError, LoginTarget, Session, SessionOptions};
pub use settings_follower::SettingsFollower;
pub use window::{WindowedOptions, run_windowed};

use crate::config::{PerformanceSettings, ShaderQuality, TextureFiltering};
use crate::render::{Filtering, RenderSettings};

/// What the renderer takes from the active performance settings.
pub fn render_settings(s: &PerformanceSettings) -> RenderSettings {
    RenderSettings {
        draw_distance_m: s.draw_distance_m,
        shader_quality: match s.shader_quality {
            ShaderQuality::Low => crate::render::ShaderQuality::Low,
            ShaderQuality::High => crate::render::ShaderQuality::High,
        },
        texture_filtering: match s.texture_filtering {
            TextureFiltering::Bilinear => Filtering::Bilinear,
            TextureFiltering::Trilinear => Filtering::Trilinear,
            TextureFiltering::Anisotropic => Filtering::Anisotropic(s.anisotropy),
        },
    }
}

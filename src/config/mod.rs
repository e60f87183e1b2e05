//! Configuration: performance profiles and their settings, the user's saved
//! settings, and first-launch hardware detection.
//!
//! The defaults live in `config/profiles.toml` (embedded in the binary). A
//! user's choices are saved as TOML in the platform's config directory
//! (`$XDG_CONFIG_HOME/kestrel/settings.toml` on Linux), or in the directory
//! named by `KESTREL_CONFIG_DIR`. A malformed file is refused with the file,
//! line and column and what is wrong; the viewer then runs on defaults.

mod error;
mod hardware;
mod profile;
mod user;

pub use error::ConfigError;
pub use hardware::{HardwareInfo, detect_profile};
pub use profile::{
    PerformanceProfile, PerformanceSettings, ProfileTable, ShaderQuality, TextureFiltering,
};
pub use user::{ConfigDir, LoadOutcome, UserSettings};

//! Performance profiles and the settings each one selects.

use std::path::Path;

use serde::{Deserialize, Serialize};

use super::ConfigError;

/// The built-in profile table, as shipped in `config/profiles.toml`.
const PROFILES_TOML: &str = include_str!("../../config/profiles.toml");

/// Which set of performance settings is active.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum PerformanceProfile {
    /// For software rendering and weak machines: short draw distance, simple shader.
    Low,
    /// The middle ground.
    Balanced,
    /// For discrete GPUs: long draw distance, full shading, anisotropic filtering.
    High,
    /// The user's own values.
    Custom,
}

impl PerformanceProfile {
    /// The three built-in profiles, from cheapest to richest.
    pub const BUILT_IN: [PerformanceProfile; 3] = [Self::Low, Self::Balanced, Self::High];

    /// The next cheaper built-in profile, if any (Custom has none).
    pub fn step_down(self) -> Option<Self> {
        match self {
            Self::High => Some(Self::Balanced),
            Self::Balanced => Some(Self::Low),
            Self::Low | Self::Custom => None,
        }
    }

    /// The next richer built-in profile, if any (Custom has none).
    pub fn step_up(self) -> Option<Self> {
        match self {
            Self::Low => Some(Self::Balanced),
            Self::Balanced => Some(Self::High),
            Self::High | Self::Custom => None,
        }
    }

    /// The profile's name as written in files and on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Self::Low => "Low",
            Self::Balanced => "Balanced",
            Self::High => "High",
            Self::Custom => "Custom",
        }
    }
}

impl std::fmt::Display for PerformanceProfile {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

impl std::str::FromStr for PerformanceProfile {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s.to_ascii_lowercase().as_str() {
            "low" => Ok(Self::Low),
            "balanced" => Ok(Self::Balanced),
            "high" => Ok(Self::High),
            "custom" => Ok(Self::Custom),
            _ => Err(format!(
                "unknown profile {s:?} (expected Low, Balanced, High or Custom)"
            )),
        }
    }
}

/// How much the shaders do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ShaderQuality {
    /// Plain lambert lighting, no fog or specular.
    Low,
    /// Full shading.
    High,
}

/// How textures are sampled.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum TextureFiltering {
    /// Linear within a mip level, nearest between levels.
    Bilinear,
    /// Linear within and between mip levels.
    Trilinear,
    /// Trilinear plus anisotropic sampling (see `anisotropy`).
    Anisotropic,
}

/// Everything a performance profile decides.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PerformanceSettings {
    /// Far plane and object culling distance, metres.
    pub draw_distance_m: f32,
    /// Shader variant.
    pub shader_quality: ShaderQuality,
    /// Texture sampling.
    pub texture_filtering: TextureFiltering,
    /// Anisotropic samples (1–16), used with [`TextureFiltering::Anisotropic`].
    pub anisotropy: u8,
    /// Decoded-texture cache budget, MiB.
    pub texture_cache_mb: u32,
    /// Virtual-texture page cache budget, MiB.
    pub vt_cache_mb: u32,
    /// Scales the distances at which prims drop to coarser LODs.
    pub mesh_lod_bias: f32,
    /// Distance beyond which objects are drawn as impostors, metres.
    pub impostor_distance_m: f32,
    /// Let the circuit batch small reliable messages into one packet.
    pub packet_aggregation: bool,
    /// Total bandwidth the region may send us (AgentThrottle), kbit/s.
    pub bandwidth_kbps: u32,
}

impl PerformanceSettings {
    /// Checks every value is one the viewer can use; `prefix` names the table
    /// in error messages.
    pub fn validate(&self, path: &Path, prefix: &str) -> Result<(), ConfigError> {
        let bad = |field: &str, message: String| ConfigError::Invalid {
            path: path.to_path_buf(),
            field: format!("{prefix}.{field}"),
            message,
        };
        let finite_in = |v: f32, lo: f32, hi: f32| v.is_finite() && v >= lo && v <= hi;
        if !finite_in(self.draw_distance_m, 8.0, 1024.0) {
            return Err(bad(
                "draw_distance_m",
                format!("{} is outside 8..1024 metres", self.draw_distance_m),
            ));
        }
        if !(1..=16).contains(&self.anisotropy) {
            return Err(bad(
                "anisotropy",
                format!("{} is outside 1..16", self.anisotropy),
            ));
        }
        if !finite_in(self.mesh_lod_bias, 0.1, 8.0) {
            return Err(bad(
                "mesh_lod_bias",
                format!("{} is outside 0.1..8", self.mesh_lod_bias),
            ));
        }
        if !finite_in(self.impostor_distance_m, 0.0, 1024.0) {
            return Err(bad(
                "impostor_distance_m",
                format!("{} is outside 0..1024 metres", self.impostor_distance_m),
            ));
        }
        if !(100..=100_000).contains(&self.bandwidth_kbps) {
            return Err(bad(
                "bandwidth_kbps",
                format!("{} is outside 100..100000 kbit/s", self.bandwidth_kbps),
            ));
        }
        Ok(())
    }
}

/// The settings of each built-in profile.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ProfileTable {
    /// [`PerformanceProfile::Low`].
    pub low: PerformanceSettings,
    /// [`PerformanceProfile::Balanced`].
    pub balanced: PerformanceSettings,
    /// [`PerformanceProfile::High`].
    pub high: PerformanceSettings,
}

impl ProfileTable {
    /// The table shipped in `config/profiles.toml`.
    pub fn built_in() -> Self {
        // The embedded file is checked by a unit test, so this cannot fail in a
        // released binary; fall back to hard values rather than panic anyway.
        Self::parse(Path::new("config/profiles.toml"), PROFILES_TOML).unwrap_or(Self::FALLBACK)
    }

    /// Parses and validates a profile table.
    pub fn parse(path: &Path, text: &str) -> Result<Self, ConfigError> {
        let table: ProfileTable = toml::from_str(text)
            .map_err(|e| ConfigError::from_toml(path.to_path_buf(), text, &e))?;
        table.low.validate(path, "low")?;
        table.balanced.validate(path, "balanced")?;
        table.high.validate(path, "high")?;
        Ok(table)
    }

    /// The settings of a built-in profile (`Custom` has none here: the caller keeps them).
    pub fn get(&self, profile: PerformanceProfile) -> Option<PerformanceSettings> {
        match profile {
            PerformanceProfile::Low => Some(self.low),
            PerformanceProfile::Balanced => Some(self.balanced),
            PerformanceProfile::High => Some(self.high),
            PerformanceProfile::Custom => None,
        }
    }

    const FALLBACK: ProfileTable = {
        const LOW: PerformanceSettings = PerformanceSettings {
            draw_distance_m: 64.0,
            shader_quality: ShaderQuality::Low,
            texture_filtering: TextureFiltering::Bilinear,
            anisotropy: 1,
            texture_cache_mb: 128,
            vt_cache_mb: 64,
            mesh_lod_bias: 0.5,
            impostor_distance_m: 32.0,
            packet_aggregation: true,
            bandwidth_kbps: 500,
        };
        ProfileTable {
            low: LOW,
            balanced: LOW,
            high: LOW,
        }
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shipped_profiles_parse_and_get_richer() {
        let t = ProfileTable::parse(Path::new("config/profiles.toml"), PROFILES_TOML)
            .expect("the shipped profile table must parse");
        assert!(t.low.draw_distance_m < t.balanced.draw_distance_m);
        assert!(t.balanced.draw_distance_m < t.high.draw_distance_m);
        assert_eq!(t.low.shader_quality, ShaderQuality::Low);
        assert_eq!(t.low.texture_filtering, TextureFiltering::Bilinear);
    }

    #[test]
    fn steps_walk_the_built_in_order() {
        assert_eq!(
            PerformanceProfile::High.step_down(),
            Some(PerformanceProfile::Balanced)
        );
        assert_eq!(PerformanceProfile::Low.step_down(), None);
        assert_eq!(
            PerformanceProfile::Balanced.step_up(),
            Some(PerformanceProfile::High)
        );
        assert_eq!(
            "balanced".parse::<PerformanceProfile>(),
            Ok(PerformanceProfile::Balanced)
        );
        assert!("ultra".parse::<PerformanceProfile>().is_err());
    }

    #[test]
    fn out_of_range_value_names_the_field() {
        let text = PROFILES_TOML.replacen("draw_distance_m = 128.0", "draw_distance_m = -5.0", 1);
        let err = ProfileTable::parse(Path::new("p.toml"), &text).unwrap_err();
        assert_eq!(
            err.to_string(),
            "p.toml: balanced.draw_distance_m: -5 is outside 8..1024 metres"
        );
    }
}

//! The governor's tunables, as TOML: shipped in `config/governor.toml`,
//! saved by the editor as `governor.toml` in the user's config directory.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::config::{ConfigDir, ConfigError, PerformanceProfile};

/// The thresholds shipped in `config/governor.toml`.
const GOVERNOR_TOML: &str = include_str!("../../config/governor.toml");

/// The user's thresholds file name, in their [`ConfigDir`].
pub const USER_FILE: &str = "governor.toml";

/// Longest window or cooldown, ms.
const MAX_SPAN_MS: u32 = 60_000;

/// Everything that decides when the governor moves the profile. Each key is
/// explained in `docs/GOVERNOR.md`.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Thresholds {
    /// The frame time aimed for, ms.
    pub target_frame_ms: f64,
    /// A frame is slow above `target × (1 + down_margin)`.
    pub down_margin: f64,
    /// A frame has headroom below `target × (1 − up_margin)`.
    pub up_margin: f64,
    /// How long an overload must last before a step down, ms.
    pub down_window_ms: u32,
    /// The share of slow frames in the down window that is an overload (0–1].
    pub down_fraction: f64,
    /// How long headroom must last before a step up, ms (≥ `down_window_ms`).
    pub up_window_ms: u32,
    /// The share of headroom frames in the up window that allows a step up (0–1].
    pub up_fraction: f64,
    /// Frames ignored after every change, ms.
    pub cooldown_ms: u32,
    /// The cheapest profile the governor may choose.
    pub min_profile: PerformanceProfile,
    /// The richest profile the governor may choose.
    pub max_profile: PerformanceProfile,
    /// Memory pressure (in use / budget) at which a frame counts as slow.
    pub memory_pressure_limit: f64,
    /// How many times a premature step up may double the up window.
    pub max_up_backoff: u32,
}

impl Default for Thresholds {
    /// The shipped values ([`Thresholds::built_in`]).
    fn default() -> Self {
        Self::built_in()
    }
}

/// A threshold outside what the governor can use.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{field}: {message}")]
pub struct InvalidThreshold {
    /// The key, as written in `governor.toml`.
    pub field: &'static str,
    /// What is wrong and what is allowed.
    pub message: String,
}

impl Thresholds {
    /// Values equal to the shipped file, used if it ever failed to parse
    /// (a unit test keeps the two equal).
    const FALLBACK: Thresholds = Thresholds {
        target_frame_ms: 16.667,
        down_margin: 0.15,
        up_margin: 0.30,
        down_window_ms: 2000,
        down_fraction: 0.5,
        up_window_ms: 8000,
        up_fraction: 0.9,
        cooldown_ms: 1500,
        min_profile: PerformanceProfile::Low,
        max_profile: PerformanceProfile::High,
        memory_pressure_limit: 0.9,
        max_up_backoff: 3,
    };

    /// The thresholds shipped in `config/governor.toml`.
    pub fn built_in() -> Self {
        Self::parse_with_defaults(Path::new("config/governor.toml"), GOVERNOR_TOML)
            .unwrap_or(Self::FALLBACK)
    }

    /// The frame cost above which a frame is slow, ms.
    pub fn slow_limit_ms(&self) -> f64 {
        self.target_frame_ms * (1.0 + self.down_margin)
    }

    /// The frame cost below which a frame has headroom, ms.
    pub fn headroom_limit_ms(&self) -> f64 {
        self.target_frame_ms * (1.0 - self.up_margin)
    }

    /// Checks every value is usable.
    pub fn validate(&self) -> Result<(), InvalidThreshold> {
        let bad = |field, message: String| Err(InvalidThreshold { field, message });
        let within = |v: f64, lo: f64, hi: f64| v.is_finite() && v >= lo && v <= hi;
        if !within(self.target_frame_ms, 1.0, 1000.0) {
            return bad(
                "target_frame_ms",
                format!("{} is outside 1..1000 ms", self.target_frame_ms),
            );
        }
        if !within(self.down_margin, 0.0, 10.0) {
            return bad(
                "down_margin",
                format!("{} is outside 0..10", self.down_margin),
            );
        }
        if !within(self.up_margin, 0.0, 0.99) {
            return bad(
                "up_margin",
                format!("{} is outside 0..0.99", self.up_margin),
            );
        }
        for (field, v) in [
            ("down_fraction", self.down_fraction),
            ("up_fraction", self.up_fraction),
        ] {
            if !(v.is_finite() && v > 0.0 && v <= 1.0) {
                return bad(field, format!("{v} is outside (0, 1]"));
            }
        }
        if !(100..=MAX_SPAN_MS).contains(&self.down_window_ms) {
            return bad(
                "down_window_ms",
                format!("{} is outside 100..{MAX_SPAN_MS} ms", self.down_window_ms),
            );
        }
        if !(self.down_window_ms..=MAX_SPAN_MS).contains(&self.up_window_ms) {
            return bad(
                "up_window_ms",
                format!(
                    "{} is outside down_window_ms..{MAX_SPAN_MS} ms ({}..{MAX_SPAN_MS}): \
                     headroom must last at least as long as an overload",
                    self.up_window_ms, self.down_window_ms
                ),
            );
        }
        if self.cooldown_ms > MAX_SPAN_MS {
            return bad(
                "cooldown_ms",
                format!("{} is outside 0..{MAX_SPAN_MS} ms", self.cooldown_ms),
            );
        }
        for (field, p) in [
            ("min_profile", self.min_profile),
            ("max_profile", self.max_profile),
        ] {
            if p == PerformanceProfile::Custom {
                return bad(field, "must be low, balanced or high".into());
            }
        }
        if self.min_profile > self.max_profile {
            return bad(
                "max_profile",
                format!(
                    "{} is below min_profile {}",
                    self.max_profile, self.min_profile
                ),
            );
        }
        if !within(self.memory_pressure_limit, 0.01, 10.0) {
            return bad(
                "memory_pressure_limit",
                format!("{} is outside 0.01..10", self.memory_pressure_limit),
            );
        }
        if self.max_up_backoff > 4 {
            return bad(
                "max_up_backoff",
                format!("{} is outside 0..4", self.max_up_backoff),
            );
        }
        Ok(())
    }

    /// Parses and validates thresholds; keys left out take the shipped values.
    /// A syntax error or a bad value is reported with the file, line and column.
    pub fn parse(path: &Path, text: &str) -> Result<Self, ConfigError> {
        Self::parse_with_defaults(path, text)
    }

    fn parse_with_defaults(path: &Path, text: &str) -> Result<Self, ConfigError> {
        let p: PartialThresholds = toml::from_str(text)
            .map_err(|e| ConfigError::from_toml(path.to_path_buf(), text, &e))?;
        let t = p.over(Self::FALLBACK);
        t.validate().map_err(|e| invalid(path, text, &e))?;
        Ok(t)
    }

    /// Reads a thresholds file.
    pub fn load(path: &Path) -> Result<Self, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        Self::parse(path, &text)
    }

    /// The user's thresholds file in `dir`.
    pub fn user_file(dir: &ConfigDir) -> PathBuf {
        dir.0.join(USER_FILE)
    }

    /// The user's saved thresholds, or the shipped ones if none were saved
    /// (what the editor's Revert restores).
    pub fn load_user(dir: &ConfigDir) -> Result<Self, ConfigError> {
        let path = Self::user_file(dir);
        match std::fs::read_to_string(&path) {
            Ok(text) => Self::parse(&path, &text),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Self::built_in()),
            Err(source) => Err(ConfigError::Io { path, source }),
        }
    }

    /// The thresholds as `governor.toml` text.
    pub fn to_toml(&self) -> String {
        // Serialising plain numbers and enums cannot fail.
        toml::to_string_pretty(self).unwrap_or_default()
    }

    /// Writes the thresholds to `dir/governor.toml` (what the editor's Save
    /// does), creating the directory; written beside and renamed, so a crash
    /// never leaves half a file.
    pub fn save_user(&self, dir: &ConfigDir) -> Result<PathBuf, ConfigError> {
        let path = Self::user_file(dir);
        self.validate().map_err(|e| ConfigError::Invalid {
            path: path.clone(),
            field: e.field.into(),
            message: e.message,
        })?;
        let io = |source| ConfigError::Io {
            path: path.clone(),
            source,
        };
        std::fs::create_dir_all(&dir.0).map_err(io)?;
        let tmp = path.with_extension("toml.tmp");
        std::fs::write(&tmp, self.to_toml()).map_err(io)?;
        std::fs::rename(&tmp, &path).map_err(io)?;
        Ok(path)
    }
}

/// A bad value as a config error, at the key's line and column when the key is in the text.
fn invalid(path: &Path, text: &str, e: &InvalidThreshold) -> ConfigError {
    match find_key(text, e.field) {
        Some((line, column)) => ConfigError::Parse {
            path: path.to_path_buf(),
            line,
            column,
            message: e.to_string(),
        },
        None => ConfigError::Invalid {
            path: path.to_path_buf(),
            field: e.field.into(),
            message: e.message.clone(),
        },
    }
}

/// Line and column (1-based) of the value of top-level `key = …` in `text`.
fn find_key(text: &str, key: &str) -> Option<(usize, usize)> {
    text.lines().enumerate().find_map(|(i, line)| {
        let after = line.trim_start().strip_prefix(key)?;
        let eq = after.trim_start().strip_prefix('=')?;
        let value_at = line.len() - eq.trim_start().len();
        Some((i + 1, line[..value_at].chars().count() + 1))
    })
}

/// A thresholds file as written: any key may be left out.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PartialThresholds {
    target_frame_ms: Option<f64>,
    down_margin: Option<f64>,
    up_margin: Option<f64>,
    down_window_ms: Option<u32>,
    down_fraction: Option<f64>,
    up_window_ms: Option<u32>,
    up_fraction: Option<f64>,
    cooldown_ms: Option<u32>,
    min_profile: Option<PerformanceProfile>,
    max_profile: Option<PerformanceProfile>,
    memory_pressure_limit: Option<f64>,
    max_up_backoff: Option<u32>,
}

impl PartialThresholds {
    /// The keys given, the rest from `base`.
    fn over(self, base: Thresholds) -> Thresholds {
        Thresholds {
            target_frame_ms: self.target_frame_ms.unwrap_or(base.target_frame_ms),
            down_margin: self.down_margin.unwrap_or(base.down_margin),
            up_margin: self.up_margin.unwrap_or(base.up_margin),
            down_window_ms: self.down_window_ms.unwrap_or(base.down_window_ms),
            down_fraction: self.down_fraction.unwrap_or(base.down_fraction),
            up_window_ms: self.up_window_ms.unwrap_or(base.up_window_ms),
            up_fraction: self.up_fraction.unwrap_or(base.up_fraction),
            cooldown_ms: self.cooldown_ms.unwrap_or(base.cooldown_ms),
            min_profile: self.min_profile.unwrap_or(base.min_profile),
            max_profile: self.max_profile.unwrap_or(base.max_profile),
            memory_pressure_limit: self
                .memory_pressure_limit
                .unwrap_or(base.memory_pressure_limit),
            max_up_backoff: self.max_up_backoff.unwrap_or(base.max_up_backoff),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shipped_file_parses_and_equals_the_fallback() {
        let t = Thresholds::parse(Path::new("config/governor.toml"), GOVERNOR_TOML)
            .expect("the shipped thresholds must parse");
        assert_eq!(t, Thresholds::FALLBACK);
        assert!((t.slow_limit_ms() - 19.167).abs() < 0.001);
        assert!((t.headroom_limit_ms() - 11.667).abs() < 0.001);
    }

    #[test]
    fn missing_keys_take_shipped_values() {
        let t = Thresholds::parse(Path::new("g.toml"), "target_frame_ms = 8.0\n").unwrap();
        assert_eq!(t.target_frame_ms, 8.0);
        assert_eq!(t.cooldown_ms, Thresholds::FALLBACK.cooldown_ms);
    }

    #[test]
    fn find_key_points_at_the_value() {
        assert_eq!(
            find_key("a = 1\n  cooldown_ms = 5\n", "cooldown_ms"),
            Some((2, 17))
        );
        assert_eq!(find_key("cooldown_msx = 5\n", "cooldown_ms"), None);
    }
}

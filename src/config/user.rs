//! The user's saved settings: which profile is active, and the Custom values.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::{ConfigError, PerformanceProfile, PerformanceSettings, ProfileTable};

/// Where the user's settings live.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigDir(pub PathBuf);

impl ConfigDir {
    /// `KESTREL_CONFIG_DIR` when set, else the platform's config directory
    /// (`$XDG_CONFIG_HOME/kestrel`, `~/.config/kestrel`), else `./.kestrel`.
    pub fn platform() -> Self {
        if let Some(dir) = std::env::var_os("KESTREL_CONFIG_DIR") {
            return ConfigDir(PathBuf::from(dir));
        }
        match dirs::config_dir() {
            Some(d) => ConfigDir(d.join("kestrel")),
            None => ConfigDir(PathBuf::from(".kestrel")),
        }
    }

    /// Where downloaded assets are cached: `KESTREL_CACHE_DIR` when set, else
    /// the platform's cache directory (`$XDG_CACHE_HOME/kestrel`,
    /// `~/.cache/kestrel`), else `./.kestrel/cache`.
    pub fn cache_dir() -> PathBuf {
        if let Some(dir) = std::env::var_os("KESTREL_CACHE_DIR") {
            return PathBuf::from(dir);
        }
        match dirs::cache_dir() {
            Some(d) => d.join("kestrel"),
            None => PathBuf::from(".kestrel").join("cache"),
        }
    }

    /// The settings file in this directory.
    pub fn settings_file(&self) -> PathBuf {
        self.0.join("settings.toml")
    }
}

/// What the user chose, as saved in `settings.toml`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UserSettings {
    /// The active profile.
    pub profile: PerformanceProfile,
    /// The values used when `profile` is Custom.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub custom: Option<PerformanceSettings>,
    /// Whether the ScalingGovernor may move the profile.
    #[serde(default = "default_true")]
    pub governor_enabled: bool,
}

fn default_true() -> bool {
    true
}

/// How loading the user's settings went.
#[derive(Debug)]
pub enum LoadOutcome {
    /// The file was read.
    Loaded(UserSettings),
    /// There is no file yet: this is the first launch.
    FirstLaunch,
    /// The file is malformed; the viewer runs on defaults and says why.
    Refused(ConfigError),
}

impl UserSettings {
    /// Settings with a built-in profile and the governor on.
    pub fn with_profile(profile: PerformanceProfile) -> Self {
        UserSettings {
            profile,
            custom: None,
            governor_enabled: true,
        }
    }

    /// The settings in force: the profile's, or the Custom values (Balanced's
    /// when Custom has none saved).
    pub fn active(&self, table: &ProfileTable) -> PerformanceSettings {
        table
            .get(self.profile)
            .or(self.custom)
            .unwrap_or(table.balanced)
    }

    /// Reads `dir/settings.toml`.
    pub fn load(dir: &ConfigDir) -> LoadOutcome {
        let path = dir.settings_file();
        match std::fs::read_to_string(&path) {
            Ok(text) => match Self::parse(&path, &text) {
                Ok(s) => LoadOutcome::Loaded(s),
                Err(e) => LoadOutcome::Refused(e),
            },
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => LoadOutcome::FirstLaunch,
            Err(source) => LoadOutcome::Refused(ConfigError::Io { path, source }),
        }
    }

    /// Parses and validates a settings file's text.
    pub fn parse(path: &Path, text: &str) -> Result<Self, ConfigError> {
        let s: UserSettings = toml::from_str(text)
            .map_err(|e| ConfigError::from_toml(path.to_path_buf(), text, &e))?;
        if let Some(c) = &s.custom {
            c.validate(path, "custom")?;
        }
        Ok(s)
    }

    /// Writes `dir/settings.toml`, creating the directory; the file is written
    /// beside and renamed so a crash never leaves half a file.
    pub fn save(&self, dir: &ConfigDir) -> Result<PathBuf, ConfigError> {
        let path = dir.settings_file();
        let io = |source| ConfigError::Io {
            path: path.clone(),
            source,
        };
        std::fs::create_dir_all(&dir.0).map_err(io)?;
        let text = toml::to_string_pretty(self).map_err(|e| ConfigError::Invalid {
            path: path.clone(),
            field: "settings".into(),
            message: e.to_string(),
        })?;
        let tmp = path.with_extension("toml.tmp");
        std::fs::write(&tmp, text).map_err(io)?;
        std::fs::rename(&tmp, &path).map_err(io)?;
        Ok(path)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn temp_dir(name: &str) -> ConfigDir {
        let d = std::env::temp_dir().join(format!("kestrel-config-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        ConfigDir(d)
    }

    #[test]
    fn first_launch_then_saved_settings_load_back() {
        let dir = temp_dir("roundtrip");
        assert!(matches!(UserSettings::load(&dir), LoadOutcome::FirstLaunch));
        let mut s = UserSettings::with_profile(PerformanceProfile::Custom);
        let mut custom = ProfileTable::built_in().low;
        custom.draw_distance_m = 99.0;
        s.custom = Some(custom);
        s.save(&dir).unwrap();
        match UserSettings::load(&dir) {
            LoadOutcome::Loaded(back) => {
                assert_eq!(back, s);
                assert_eq!(back.active(&ProfileTable::built_in()).draw_distance_m, 99.0);
            }
            other => panic!("expected Loaded, got {other:?}"),
        }
        let _ = std::fs::remove_dir_all(&dir.0);
    }

    #[test]
    fn malformed_file_is_refused_with_line_and_column() {
        let dir = temp_dir("malformed");
        std::fs::create_dir_all(&dir.0).unwrap();
        std::fs::write(
            dir.settings_file(),
            "profile = \"balanced\"\ngovernor_enabled = maybe\n",
        )
        .unwrap();
        match UserSettings::load(&dir) {
            LoadOutcome::Refused(ConfigError::Parse {
                line, column, path, ..
            }) => {
                assert_eq!((line, column), (2, 20));
                assert_eq!(path, dir.settings_file());
            }
            other => panic!("expected a parse refusal, got {other:?}"),
        }
        let _ = std::fs::remove_dir_all(&dir.0);
    }

    #[test]
    fn unknown_profile_name_is_refused() {
        let err = UserSettings::parse(Path::new("s.toml"), "profile = \"ultra\"\n").unwrap_err();
        let text = err.to_string();
        assert!(text.starts_with("s.toml:1:11:"), "{text}");
        assert!(text.contains("ultra"), "{text}");
    }
}

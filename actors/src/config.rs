//! [`ActorsConfig`]: mailbox capacities, supervision policies, fault
//! injection and telemetry settings, read from `config/actors.toml`.
//!
//! Layering: built-in defaults ← `[defaults]` ← `[actors.NAME]` ← the
//! `KESTREL_FAULTS` environment variable (faults only). Every key is checked:
//! an unknown key or an out-of-range value is an error naming the file and
//! the key.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde::Deserialize;
use thiserror::Error;

use crate::faults::{FaultParseError, FaultPlan, FaultSpec};
use crate::name::ActorName;
use crate::policy::{Exhausted, HangAction, SupervisionPolicy};
use crate::telemetry::TelemetryConfig;

/// The defaults shipped with Kestrel (`config/actors.toml`).
pub const BUILTIN_ACTORS_TOML: &str = include_str!("../../config/actors.toml");

/// Everything one actor is configured with.
#[derive(Clone, Debug, PartialEq)]
pub struct ActorSettings {
    /// Mailbox capacity: messages accepted and not yet finished.
    pub capacity: usize,
    /// Supervision policy.
    pub policy: SupervisionPolicy,
    /// Faults to inject from the start.
    pub faults: FaultSpec,
}

impl Default for ActorSettings {
    fn default() -> Self {
        Self {
            capacity: 1024,
            policy: SupervisionPolicy::default(),
            faults: FaultSpec::default(),
        }
    }
}

/// Settings of the actor runtime itself.
#[derive(Clone, Debug, PartialEq)]
pub struct RuntimeSettings {
    /// How often the watchdog thread looks for handlers past their watchdog time.
    pub watchdog_scan: Duration,
    /// Dead letters kept for inspection (older ones are evicted and counted).
    pub dead_letter_capacity: usize,
    /// Escalations kept in the runtime's log.
    pub escalation_log_capacity: usize,
}

impl Default for RuntimeSettings {
    fn default() -> Self {
        Self {
            watchdog_scan: Duration::from_millis(10),
            dead_letter_capacity: 1024,
            escalation_log_capacity: 64,
        }
    }
}

/// The whole actors configuration.
#[derive(Clone, Debug, PartialEq, Default)]
pub struct ActorsConfig {
    /// Runtime settings.
    pub runtime: RuntimeSettings,
    /// Telemetry settings.
    pub telemetry: TelemetryConfig,
    /// Settings of actors not listed in `actors`.
    pub defaults: ActorSettings,
    /// Settings of named actors.
    pub actors: BTreeMap<ActorName, ActorSettings>,
}

/// A configuration that could not be loaded.
#[derive(Debug, Error)]
pub enum ConfigError {
    /// The file could not be read.
    #[error("cannot read actors config {path}: {source}")]
    Io {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The file is not valid TOML or has unknown keys / wrong types.
    #[error("actors config {origin}: {source}")]
    Toml {
        /// File name or "built-in".
        origin: String,
        /// The parser's message (with line and column).
        source: Box<toml::de::Error>,
    },
    /// A value is out of range.
    #[error("actors config {origin}: `{key}`: {reason}")]
    Invalid {
        /// File name or "built-in".
        origin: String,
        /// The key, e.g. `actors.scene.backoff_factor`.
        key: String,
        /// What is wrong.
        reason: String,
    },
    /// A fault specification is invalid.
    #[error("actors config {origin}: {source}")]
    Faults {
        /// File name, "built-in" or the environment variable.
        origin: String,
        /// The fault error.
        source: FaultParseError,
    },
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    #[serde(default)]
    runtime: FileRuntime,
    #[serde(default)]
    telemetry: FileTelemetry,
    #[serde(default)]
    defaults: FileSettings,
    #[serde(default)]
    actors: BTreeMap<String, FileSettings>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct FileRuntime {
    watchdog_scan_ms: Option<u64>,
    dead_letter_capacity: Option<usize>,
    escalation_log_capacity: Option<usize>,
}

#[derive(Deserialize, Default)]
#[serde(deny_unknown_fields)]
struct FileTelemetry {
    interval_ms: Option<u64>,
    jsonl_path: Option<PathBuf>,
    frame_queue: Option<usize>,
    frame_window: Option<usize>,
}

#[derive(Deserialize, Default, Clone)]
#[serde(deny_unknown_fields)]
struct FileSettings {
    capacity: Option<usize>,
    max_restarts: Option<u32>,
    restart_window_secs: Option<f64>,
    backoff_initial_ms: Option<u64>,
    backoff_factor: Option<f64>,
    backoff_max_ms: Option<u64>,
    watchdog_ms: Option<u64>,
    on_hang: Option<HangAction>,
    poison_after: Option<u32>,
    on_exhausted: Option<Exhausted>,
    faults: Option<FaultSpec>,
}

impl ActorsConfig {
    /// The built-in defaults (`config/actors.toml` as compiled in).
    pub fn builtin() -> Self {
        // The shipped file is checked by a unit test; fall back to code defaults
        // rather than panic if it were ever broken.
        Self::from_toml_str(BUILTIN_ACTORS_TOML, "built-in").unwrap_or_default()
    }

    /// The built-in defaults with `KESTREL_FAULTS` applied.
    pub fn builtin_with_env() -> Result<Self, ConfigError> {
        let mut cfg = Self::from_toml_str(BUILTIN_ACTORS_TOML, "built-in")?;
        cfg.apply_env_faults()?;
        Ok(cfg)
    }

    /// Read a config file.
    pub fn load(path: &Path) -> Result<Self, ConfigError> {
        let text = std::fs::read_to_string(path).map_err(|source| ConfigError::Io {
            path: path.to_owned(),
            source,
        })?;
        Self::from_toml_str(&text, &path.display().to_string())
    }

    /// Parse config text; `origin` names it in errors.
    pub fn from_toml_str(text: &str, origin: &str) -> Result<Self, ConfigError> {
        let file: FileConfig = toml::from_str(text).map_err(|source| ConfigError::Toml {
            origin: origin.to_owned(),
            source: Box::new(source),
        })?;
        let invalid = |key: String, reason: &str| ConfigError::Invalid {
            origin: origin.to_owned(),
            key,
            reason: reason.to_owned(),
        };

        let mut runtime = RuntimeSettings::default();
        if let Some(ms) = file.runtime.watchdog_scan_ms {
            if ms == 0 {
                return Err(invalid("runtime.watchdog_scan_ms".into(), "must be ≥ 1"));
            }
            runtime.watchdog_scan = Duration::from_millis(ms);
        }
        if let Some(n) = file.runtime.dead_letter_capacity {
            if n == 0 {
                return Err(invalid(
                    "runtime.dead_letter_capacity".into(),
                    "must be ≥ 1",
                ));
            }
            runtime.dead_letter_capacity = n;
        }
        if let Some(n) = file.runtime.escalation_log_capacity {
            if n == 0 {
                return Err(invalid(
                    "runtime.escalation_log_capacity".into(),
                    "must be ≥ 1",
                ));
            }
            runtime.escalation_log_capacity = n;
        }

        let mut telemetry = TelemetryConfig::default();
        if let Some(ms) = file.telemetry.interval_ms {
            if ms < 100 {
                return Err(invalid(
                    "telemetry.interval_ms".into(),
                    "must be ≥ 100 (at most 10 snapshots a second)",
                ));
            }
            telemetry.interval = Duration::from_millis(ms);
        }
        if let Some(path) = file.telemetry.jsonl_path {
            telemetry.jsonl_path = (!path.as_os_str().is_empty()).then_some(path);
        }
        if let Some(n) = file.telemetry.frame_queue {
            if n == 0 {
                return Err(invalid("telemetry.frame_queue".into(), "must be ≥ 1"));
            }
            telemetry.frame_queue = n;
        }
        if let Some(n) = file.telemetry.frame_window {
            if n == 0 {
                return Err(invalid("telemetry.frame_window".into(), "must be ≥ 1"));
            }
            telemetry.frame_window = n;
        }

        let defaults = resolve(
            &ActorSettings::default(),
            &file.defaults,
            "defaults",
            origin,
        )?;
        let mut actors = BTreeMap::new();
        for (name, overrides) in &file.actors {
            let settings = resolve(&defaults, overrides, &format!("actors.{name}"), origin)?;
            actors.insert(ActorName::new(name), settings);
        }
        Ok(Self {
            runtime,
            telemetry,
            defaults,
            actors,
        })
    }

    /// Apply the faults named in `KESTREL_FAULTS`.
    pub fn apply_env_faults(&mut self) -> Result<(), ConfigError> {
        let plan = FaultPlan::from_env().map_err(|source| ConfigError::Faults {
            origin: crate::faults::FAULTS_ENV.to_owned(),
            source,
        })?;
        self.apply_fault_plan(&plan);
        Ok(())
    }

    /// Merge a fault plan into the named actors' settings.
    pub fn apply_fault_plan(&mut self, plan: &FaultPlan) {
        for (name, spec) in &plan.actors {
            let defaults = self.defaults.clone();
            self.actors
                .entry(name.clone())
                .or_insert(defaults)
                .faults
                .merge(spec);
        }
    }

    /// The settings of actor `name`.
    pub fn settings_for(&self, name: &ActorName) -> ActorSettings {
        self.actors
            .get(name)
            .cloned()
            .unwrap_or_else(|| self.defaults.clone())
    }
}

fn resolve(
    base: &ActorSettings,
    o: &FileSettings,
    table: &str,
    origin: &str,
) -> Result<ActorSettings, ConfigError> {
    let invalid = |key: &str, reason: &str| ConfigError::Invalid {
        origin: origin.to_owned(),
        key: format!("{table}.{key}"),
        reason: reason.to_owned(),
    };
    let mut s = base.clone();
    let p = &mut s.policy;
    if let Some(c) = o.capacity {
        if c == 0 {
            return Err(invalid("capacity", "must be ≥ 1"));
        }
        s.capacity = c;
    }
    if let Some(n) = o.max_restarts {
        p.max_restarts = n;
    }
    if let Some(secs) = o.restart_window_secs {
        if !(secs.is_finite() && secs > 0.0 && secs < 1e9) {
            return Err(invalid(
                "restart_window_secs",
                "must be a positive number of seconds",
            ));
        }
        p.restart_window = Duration::from_secs_f64(secs);
    }
    if let Some(ms) = o.backoff_initial_ms {
        p.backoff.initial = Duration::from_millis(ms);
    }
    if let Some(f) = o.backoff_factor {
        if !(f.is_finite() && f >= 1.0) {
            return Err(invalid("backoff_factor", "must be a finite number ≥ 1"));
        }
        p.backoff.factor = f;
    }
    if let Some(ms) = o.backoff_max_ms {
        p.backoff.max = Duration::from_millis(ms);
    }
    if p.backoff.initial > p.backoff.max {
        return Err(invalid(
            "backoff_initial_ms",
            "must not be larger than backoff_max_ms",
        ));
    }
    if let Some(ms) = o.watchdog_ms {
        p.watchdog = (ms > 0).then(|| Duration::from_millis(ms));
    }
    if let Some(a) = o.on_hang {
        p.on_hang = a;
    }
    if let Some(k) = o.poison_after {
        if k == 0 {
            return Err(invalid("poison_after", "must be ≥ 1"));
        }
        p.poison_after = k;
    }
    if let Some(e) = o.on_exhausted {
        p.on_exhausted = e;
    }
    if let Some(f) = &o.faults {
        f.validate(table).map_err(|source| ConfigError::Faults {
            origin: origin.to_owned(),
            source,
        })?;
        s.faults = f.clone();
    }
    Ok(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shipped_config_parses_and_names_every_kestrel_actor() {
        let cfg = ActorsConfig::from_toml_str(BUILTIN_ACTORS_TOML, "built-in").unwrap();
        for name in [
            "circuit",
            "scene",
            "asset",
            "plugins",
            "telemetry",
            "governor",
        ] {
            assert!(cfg.actors.contains_key(&ActorName::new(name)), "{name}");
        }
        assert!(cfg.telemetry.interval >= Duration::from_millis(100));
    }

    #[test]
    fn actor_tables_override_defaults_field_by_field() {
        let cfg = ActorsConfig::from_toml_str(
            "[defaults]\ncapacity = 8\nmax_restarts = 2\n[actors.a]\nmax_restarts = 9\nwatchdog_ms = 0\n",
            "t",
        )
        .unwrap();
        let a = cfg.settings_for(&ActorName::new("a"));
        assert_eq!((a.capacity, a.policy.max_restarts), (8, 9));
        assert_eq!(a.policy.watchdog, None);
        let b = cfg.settings_for(&ActorName::new("b"));
        assert_eq!((b.capacity, b.policy.max_restarts), (8, 2));
    }

    #[test]
    fn bad_values_name_the_key() {
        let cases = [
            ("[actors.scene]\ncapacity = 0\n", "actors.scene.capacity"),
            (
                "[defaults]\nbackoff_factor = 0.5\n",
                "defaults.backoff_factor",
            ),
            ("[telemetry]\ninterval_ms = 10\n", "telemetry.interval_ms"),
            ("[actors.x]\npoison_after = 0\n", "actors.x.poison_after"),
            (
                "[actors.x]\nfaults = { panic_prob = 2.0 }\n",
                "panic-prob=2",
            ),
            ("[actors.x]\nbogus = 1\n", "unknown field `bogus`"),
            (
                "[defaults]\non_exhausted = \"explode\"\n",
                "unknown variant `explode`",
            ),
        ];
        for (text, expected) in cases {
            let err = ActorsConfig::from_toml_str(text, "t.toml")
                .unwrap_err()
                .to_string();
            assert!(err.contains(expected), "{text}: {err}");
            assert!(err.contains("t.toml"), "{err}");
        }
    }

    #[test]
    fn fault_plans_merge_into_named_and_unnamed_actors() {
        let mut cfg = ActorsConfig::from_toml_str("[actors.a]\ncapacity = 3\n", "t").unwrap();
        cfg.apply_fault_plan(&FaultPlan::parse("a:panic-nth=2;z:stall-ms=5").unwrap());
        let a = cfg.settings_for(&ActorName::new("a"));
        assert_eq!((a.capacity, a.faults.panic_nth), (3, Some(2)));
        assert_eq!(
            cfg.settings_for(&ActorName::new("z")).faults.stall_ms,
            Some(5)
        );
    }
}

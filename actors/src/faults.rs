//! Fault injection: make an actor panic, stall or refuse messages on purpose.
//!
//! A [`FaultSpec`] is set per actor from the config file
//! (`[actors.NAME.faults]`), from the `KESTREL_FAULTS` environment variable
//! ([`FaultPlan::from_env`]) or at run time with
//! [`Control::SetFaults`](crate::Control::SetFaults). Injected panics happen
//! inside the supervised handler call, before the user's handler runs, so the
//! supervisor treats them exactly like real ones.
//!
//! `KESTREL_FAULTS` syntax: `actor:key=value,key=value;actor:key=value`, e.g.
//! `scene:panic-nth=5;circuit:stall-ms=200,stall-prob=0.1,seed=7`. Keys may be
//! written with `-` or `_`:
//!
//! | key | value | effect |
//! |---|---|---|
//! | `panic-nth` | N ≥ 1 | the Nth handling attempt after the spec is applied panics (once) |
//! | `panic-prob` | 0 ≤ p ≤ 1 | every handling attempt panics with probability p |
//! | `stall-ms` | D | the next handling attempt sleeps D ms first (once), or, with `stall-prob`, each stalled attempt does |
//! | `stall-prob` | 0 ≤ p ≤ 1 | every handling attempt stalls `stall-ms` with probability p |
//! | `refuse-ms` | D | for D ms after the spec is applied every send is refused (`SendError::Refusing`) |
//! | `seed` | u64 | seed of the probability draws (default 0) |

use std::collections::BTreeMap;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::name::ActorName;

/// The environment variable read by [`FaultPlan::from_env`].
pub const FAULTS_ENV: &str = "KESTREL_FAULTS";

/// Faults to inject into one actor. All fields are optional; an empty spec injects nothing.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct FaultSpec {
    /// Panic on the Nth handling attempt after the spec is applied (1-based, once).
    pub panic_nth: Option<u64>,
    /// Panic on each handling attempt with this probability.
    pub panic_prob: Option<f64>,
    /// Stall (sleep inside the handler) this many milliseconds: once, or per hit of `stall_prob`.
    pub stall_ms: Option<u64>,
    /// Stall each handling attempt with this probability (needs `stall_ms`).
    pub stall_prob: Option<f64>,
    /// Refuse every send for this many milliseconds after the spec is applied.
    pub refuse_ms: Option<u64>,
    /// Seed of the probability draws.
    #[serde(default)]
    pub seed: u64,
}

impl FaultSpec {
    /// True when the spec injects nothing.
    pub fn is_empty(&self) -> bool {
        self.panic_nth.is_none()
            && self.panic_prob.is_none()
            && self.stall_ms.is_none()
            && self.refuse_ms.is_none()
    }

    /// Check ranges; `actor` names the owner in the error.
    pub fn validate(&self, actor: &str) -> Result<(), FaultParseError> {
        let bad = |key: &str, value: String, expected: &'static str| FaultParseError::BadValue {
            actor: actor.to_owned(),
            key: key.to_owned(),
            value,
            expected,
        };
        if self.panic_nth == Some(0) {
            return Err(bad("panic-nth", "0".into(), "an integer ≥ 1"));
        }
        for (key, p) in [
            ("panic-prob", self.panic_prob),
            ("stall-prob", self.stall_prob),
        ] {
            if let Some(p) = p
                && !(0.0..=1.0).contains(&p)
            {
                return Err(bad(key, p.to_string(), "a probability between 0 and 1"));
            }
        }
        if self.stall_prob.is_some() && self.stall_ms.is_none() {
            return Err(FaultParseError::StallProbWithoutMs {
                actor: actor.to_owned(),
            });
        }
        Ok(())
    }

    /// Overwrite the fields that `other` sets.
    pub fn merge(&mut self, other: &FaultSpec) {
        if other.panic_nth.is_some() {
            self.panic_nth = other.panic_nth;
        }
        if other.panic_prob.is_some() {
            self.panic_prob = other.panic_prob;
        }
        if other.stall_ms.is_some() {
            self.stall_ms = other.stall_ms;
        }
        if other.stall_prob.is_some() {
            self.stall_prob = other.stall_prob;
        }
        if other.refuse_ms.is_some() {
            self.refuse_ms = other.refuse_ms;
        }
        if other.seed != 0 {
            self.seed = other.seed;
        }
    }

    /// Parse one actor's settings, `key=value,key=value` (the part after `actor:`).
    pub fn parse_settings(actor: &str, text: &str) -> Result<Self, FaultParseError> {
        let mut spec = FaultSpec::default();
        for setting in text.split(',').map(str::trim).filter(|s| !s.is_empty()) {
            let Some((key, value)) = setting.split_once('=') else {
                return Err(FaultParseError::MissingEquals {
                    actor: actor.to_owned(),
                    setting: setting.to_owned(),
                });
            };
            let key = key.trim().replace('_', "-");
            let value = value.trim();
            let bad = |expected: &'static str| FaultParseError::BadValue {
                actor: actor.to_owned(),
                key: key.clone(),
                value: value.to_owned(),
                expected,
            };
            let int = || value.parse::<u64>().map_err(|_| bad("an unsigned integer"));
            let prob = || value.parse::<f64>().map_err(|_| bad("a number"));
            match key.as_str() {
                "panic-nth" => spec.panic_nth = Some(int()?),
                "panic-prob" => spec.panic_prob = Some(prob()?),
                "stall-ms" => spec.stall_ms = Some(int()?),
                "stall-prob" => spec.stall_prob = Some(prob()?),
                "refuse-ms" => spec.refuse_ms = Some(int()?),
                "seed" => spec.seed = int()?,
                _ => {
                    return Err(FaultParseError::UnknownKey {
                        actor: actor.to_owned(),
                        key,
                    });
                }
            }
        }
        spec.validate(actor)?;
        Ok(spec)
    }
}

/// Fault specs for several actors, by name.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct FaultPlan {
    /// The spec of each named actor.
    pub actors: BTreeMap<ActorName, FaultSpec>,
}

impl FaultPlan {
    /// Parse the `KESTREL_FAULTS` syntax (see the module docs).
    pub fn parse(text: &str) -> Result<Self, FaultParseError> {
        let mut plan = FaultPlan::default();
        for entry in text.split(';').map(str::trim).filter(|s| !s.is_empty()) {
            let Some((actor, settings)) = entry.split_once(':') else {
                return Err(FaultParseError::MissingColon {
                    entry: entry.to_owned(),
                });
            };
            let actor = actor.trim();
            if actor.is_empty() {
                return Err(FaultParseError::EmptyActor {
                    entry: entry.to_owned(),
                });
            }
            let spec = FaultSpec::parse_settings(actor, settings)?;
            plan.actors
                .entry(ActorName::new(actor))
                .or_default()
                .merge(&spec);
        }
        Ok(plan)
    }

    /// Read and parse `KESTREL_FAULTS`; an unset or empty variable is an empty plan.
    pub fn from_env() -> Result<Self, FaultParseError> {
        match std::env::var(FAULTS_ENV) {
            Ok(text) => Self::parse(&text),
            Err(std::env::VarError::NotPresent) => Ok(Self::default()),
            Err(std::env::VarError::NotUnicode(_)) => Err(FaultParseError::NotUnicode),
        }
    }
}

/// A fault specification that could not be read.
#[derive(Debug, Error, Clone, PartialEq)]
pub enum FaultParseError {
    /// An entry without `actor:`.
    #[error("fault entry `{entry}`: expected `actor:key=value,…`")]
    MissingColon {
        /// The entry.
        entry: String,
    },
    /// `:key=value` with no actor.
    #[error("fault entry `{entry}`: the actor name is empty")]
    EmptyActor {
        /// The entry.
        entry: String,
    },
    /// A setting without `=`.
    #[error("faults for `{actor}`: setting `{setting}` is not `key=value`")]
    MissingEquals {
        /// Actor.
        actor: String,
        /// The setting.
        setting: String,
    },
    /// A key that is not one of the documented switches.
    #[error(
        "faults for `{actor}`: unknown key `{key}` (expected panic-nth, panic-prob, stall-ms, stall-prob, refuse-ms or seed)"
    )]
    UnknownKey {
        /// Actor.
        actor: String,
        /// The key.
        key: String,
    },
    /// A value of the wrong form or out of range.
    #[error("faults for `{actor}`: `{key}={value}` is not valid, expected {expected}")]
    BadValue {
        /// Actor.
        actor: String,
        /// Key.
        key: String,
        /// Value as written.
        value: String,
        /// What was expected.
        expected: &'static str,
    },
    /// `stall-prob` without `stall-ms`.
    #[error("faults for `{actor}`: `stall-prob` needs `stall-ms`")]
    StallProbWithoutMs {
        /// Actor.
        actor: String,
    },
    /// The environment variable is not valid Unicode.
    #[error("{FAULTS_ENV} is not valid Unicode")]
    NotUnicode,
}

/// SplitMix64: a tiny, fixed, seedable generator, so a seed gives the same
/// faults on every platform and with every `rand` version.
#[derive(Clone, Debug)]
pub(crate) struct SplitMix64(u64);

impl SplitMix64 {
    pub(crate) fn new(seed: u64) -> Self {
        Self(seed)
    }

    pub(crate) fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    pub(crate) fn next_f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64
    }
}

/// What to inject into one handling attempt.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub(crate) struct Injection {
    pub(crate) stall: Option<Duration>,
    pub(crate) panic: bool,
}

/// The live fault state of one actor (owned by its supervisor).
#[derive(Debug)]
pub(crate) struct FaultInjector {
    /// False when the spec injects nothing (the per-message check).
    active: bool,
    spec: FaultSpec,
    attempts: u64,
    rng: SplitMix64,
    stall_once_pending: bool,
}

impl FaultInjector {
    pub(crate) fn new(spec: FaultSpec) -> Self {
        Self {
            active: !spec.is_empty(),
            stall_once_pending: spec.stall_ms.is_some() && spec.stall_prob.is_none(),
            rng: SplitMix64::new(spec.seed),
            attempts: 0,
            spec,
        }
    }

    /// Decide the faults of the next handling attempt.
    #[inline]
    pub(crate) fn next_attempt(&mut self) -> Injection {
        if !self.active {
            return Injection::default();
        }
        self.next_attempt_slow()
    }

    #[cold]
    fn next_attempt_slow(&mut self) -> Injection {
        self.attempts += 1;
        let mut out = Injection::default();
        if let Some(ms) = self.spec.stall_ms {
            let hit = match self.spec.stall_prob {
                Some(p) => self.rng.next_f64() < p,
                None => std::mem::take(&mut self.stall_once_pending),
            };
            if hit {
                out.stall = Some(Duration::from_millis(ms));
            }
        }
        if self.spec.panic_nth == Some(self.attempts) {
            out.panic = true;
        }
        if let Some(p) = self.spec.panic_prob
            && self.rng.next_f64() < p
        {
            out.panic = true;
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_documented_example() {
        let plan = FaultPlan::parse("scene:panic-nth=5;circuit:stall-ms=200").unwrap();
        assert_eq!(plan.actors[&ActorName::new("scene")].panic_nth, Some(5));
        assert_eq!(plan.actors[&ActorName::new("circuit")].stall_ms, Some(200));
    }

    #[test]
    fn merges_repeated_actors_and_accepts_underscores() {
        let plan = FaultPlan::parse(
            " a:panic_prob=0.5,seed=3 ; a:refuse-ms=10;; b:stall-ms=1,stall-prob=1",
        )
        .unwrap();
        let a = &plan.actors[&ActorName::new("a")];
        assert_eq!(
            (a.panic_prob, a.seed, a.refuse_ms),
            (Some(0.5), 3, Some(10))
        );
        assert_eq!(plan.actors[&ActorName::new("b")].stall_prob, Some(1.0));
    }

    #[test]
    fn errors_say_what_and_where() {
        let cases = [
            ("scene", "fault entry `scene`: expected"),
            (":panic-nth=1", "actor name is empty"),
            ("scene:panic-nth", "setting `panic-nth` is not `key=value`"),
            ("scene:explode=1", "unknown key `explode`"),
            ("scene:panic-nth=x", "`panic-nth=x` is not valid"),
            ("scene:panic-nth=0", "`panic-nth=0` is not valid"),
            ("scene:panic-prob=1.5", "`panic-prob=1.5` is not valid"),
            ("scene:stall-prob=0.5", "`stall-prob` needs `stall-ms`"),
        ];
        for (text, expected) in cases {
            let err = FaultPlan::parse(text).unwrap_err().to_string();
            assert!(err.contains(expected), "{text}: {err}");
        }
    }

    #[test]
    fn nth_panics_exactly_once_and_stall_once_fires_once() {
        let mut f = FaultInjector::new(FaultSpec {
            panic_nth: Some(3),
            stall_ms: Some(7),
            ..FaultSpec::default()
        });
        let got: Vec<Injection> = (0..5).map(|_| f.next_attempt()).collect();
        assert_eq!(got.iter().filter(|i| i.panic).count(), 1);
        assert!(got[2].panic);
        assert_eq!(got[0].stall, Some(Duration::from_millis(7)));
        assert!(got[1..].iter().all(|i| i.stall.is_none()));
    }

    #[test]
    fn probabilities_are_seeded() {
        let draw = |seed| {
            let mut f = FaultInjector::new(FaultSpec {
                panic_prob: Some(0.3),
                seed,
                ..FaultSpec::default()
            });
            (0..1000).filter(|_| f.next_attempt().panic).count()
        };
        assert_eq!(draw(42), draw(42));
        let n = draw(42);
        assert!((200..400).contains(&n), "{n}");
    }
}

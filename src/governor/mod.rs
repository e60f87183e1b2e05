//! The ScalingGovernor: moves the [`PerformanceProfile`](crate::config::PerformanceProfile)
//! down when frames keep missing their target and up when there is lasting
//! headroom, and the offline tools to tune it.
//!
//! * [`core`]: the pure decision logic ([`GovernorCore::observe`]), shared by
//!   the actor and the replay tool so a replay shows exactly what the viewer
//!   would have done.
//! * [`thresholds`]: the tunables ([`Thresholds`]), shipped in
//!   `config/governor.toml`, saved by the user as `governor.toml` in their
//!   config directory.
//! * [`trace`]: frame-time traces as CSV — reading them with line-numbered
//!   errors, and [`TraceRecorder`], which the render thread feeds without
//!   blocking or allocating.
//! * [`synth`]: the deterministic generator of the traces shipped in
//!   `config/traces/`.
//! * [`replay`]: `kestrel governor replay` ([`ReplayArgs`], [`run_replay`]).
//! * [`plot`]: frame time with the profile changes marked, as SVG or PNG.
//! * [`actor`]: the [`ScalingGovernor`] actor, which publishes
//!   [`ActiveSettings`] and broadcasts them to its subscribers.
//! * [`relay`]: the [`SettingsRelay`](relay::SettingsRelay), which hands the
//!   SceneActor its LOD bias and the circuit its bandwidth budget.
//!
//! What "sustained" means, and every threshold, is explained in `docs/GOVERNOR.md`.

#![warn(missing_docs)]

pub mod actor;
pub mod core;
mod error;
pub mod plot;
mod raster;
pub mod relay;
pub mod replay;
pub mod synth;
pub mod thresholds;
pub mod trace;

pub use actor::{
    ActiveSettings, Cause, FileOutcome, GOVERNOR_ACTOR, GovernorHandle, GovernorSpawn,
    GovernorStatus, RevertThresholds, SampleFeed, SaveThresholds, ScalingGovernor, SetCustom,
    SetEnabled, SetProfile, SetThresholds, Subscribe, SubscribeError,
};
pub use core::{FrameSample, GovernorCore, Reason, Transition};
pub use error::GovernorError;
pub use replay::{ReplayArgs, ReplaySummary, replay, run_replay};
pub use thresholds::{InvalidThreshold, Thresholds};
pub use trace::{TraceError, TraceRecorder, TraceStats, parse_trace, read_trace, write_trace};

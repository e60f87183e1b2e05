//! What plugin runners report to the supervisor thread, and the counters
//! they update directly.

use std::sync::atomic::AtomicU64;

use super::api::PluginOutput;
use super::events::{Callback, PluginId};
use super::protocol::{ChildMessage, FrameError};

/// Per-plugin counters kept across incarnations, written by whoever runs
/// the callbacks (the worker thread, or the supervisor for isolated plugins).
#[derive(Default, Debug)]
pub(crate) struct Counters {
    pub updates: AtomicU64,
    pub fixed_updates: AtomicU64,
    pub events: AtomicU64,
}

/// One report from a runner: which plugin, which incarnation, what.
pub(crate) struct Outcome {
    pub id: PluginId,
    pub incarnation: u32,
    pub what: OutcomeKind,
}

pub(crate) enum OutcomeKind {
    /// In-process: `on_load` returned Ok.
    Loaded,
    /// In-process: outputs of a callback that returned.
    Outputs(Vec<PluginOutput>),
    /// In-process: a callback panicked; the worker is ending.
    Panicked { callback: Callback, detail: String },
    /// In-process: the factory or `on_load` returned an error; the worker is ending.
    LoadFailed(String),
    /// In-process: the worker ran `shutdown` and ended.
    Stopped,
    /// Isolated: a frame from the child.
    Frame(ChildMessage),
    /// Isolated: the child's stdout ended or carried something invalid.
    PipeEnded(FrameError),
}

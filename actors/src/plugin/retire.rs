//! Runners on their way out (unloaded, reloaded, crashed, hung): polled by
//! the supervisor thread without blocking until their thread has ended or
//! their process has been reaped — or, past a deadline, abandoned / killed.

use std::time::Instant;

use crossbeam_channel::Sender;

use super::events::{PluginId, PluginWatchdogEvent, WatchdogEventKind};
use super::inprocess::Worker;
use super::isolated::ChildProcess;
use super::status::PluginKind;
use super::supervisor::ControlError;
use crate::clock;

pub(crate) enum RetireeRunner {
    Worker(Worker),
    Child(ChildProcess),
}

/// Which plugin incarnation a retiree was.
pub(crate) struct RetireeTag {
    pub id: PluginId,
    pub name: String,
    pub kind: PluginKind,
    pub incarnation: u32,
}

pub(crate) struct Retiree {
    pub tag: RetireeTag,
    pub runner: RetireeRunner,
    /// Past this, a worker is abandoned and a child killed.
    pub kill_at: Instant,
    /// Asked to shut down (an unload or reload), not discarded after a fault.
    pub graceful: bool,
    pub reaped_reported: bool,
    /// Answered once the runner is gone (unload).
    pub reply: Option<Sender<Result<(), ControlError>>>,
}

impl RetireeTag {
    /// A watchdog event about this retiree.
    pub(crate) fn event(&self, what: WatchdogEventKind, detail: String) -> PluginWatchdogEvent {
        tracing::info!(target: "kestrel::plugin", plugin = %self.name, id = self.id.0, incarnation = self.incarnation, ?what, "{detail}");
        PluginWatchdogEvent {
            at_ms: clock::now_ms(),
            plugin: self.id,
            name: self.name.clone(),
            kind: self.kind,
            incarnation: self.incarnation,
            what,
            callback: None,
            detail,
        }
    }
}

//! [`Registry`]: every supervised actor of a runtime, by name, readable
//! without locking (the telemetry actor and the watchdog walk it).

use std::sync::Arc;

use arc_swap::ArcSwap;
use parking_lot::Mutex;

use crate::control::{Control, ControlError};
use crate::metrics::{MailboxMetrics, MailboxSnapshot};
use crate::name::ActorName;

type ControlFn = Box<dyn Fn(Control) -> Result<(), ControlError> + Send + Sync>;

/// One registered actor: its metrics and a way to control it without knowing its type.
pub struct ActorEntry {
    metrics: Arc<MailboxMetrics>,
    control: ControlFn,
}

impl std::fmt::Debug for ActorEntry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "ActorEntry({})", self.metrics.name)
    }
}

impl ActorEntry {
    pub(crate) fn new(metrics: Arc<MailboxMetrics>, control: ControlFn) -> Self {
        Self { metrics, control }
    }
    /// The actor's name.
    pub fn name(&self) -> &ActorName {
        &self.metrics.name
    }
    /// The actor's live metrics.
    pub fn metrics(&self) -> &Arc<MailboxMetrics> {
        &self.metrics
    }
    /// Send a control command to the actor's supervisor.
    pub fn control(&self, command: Control) -> Result<(), ControlError> {
        (self.control)(command)
    }
}

/// All actors of one runtime, in spawn order.
#[derive(Default)]
pub struct Registry {
    entries: ArcSwap<Vec<Arc<ActorEntry>>>,
    /// Serialises writers (spawns are rare); readers never take it.
    write: Mutex<()>,
}

impl std::fmt::Debug for Registry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_list().entries(self.entries.load().iter()).finish()
    }
}

impl Registry {
    /// Every registered actor.
    pub fn list(&self) -> Arc<Vec<Arc<ActorEntry>>> {
        self.entries.load_full()
    }

    /// The actor called `name`.
    pub fn get(&self, name: &str) -> Option<Arc<ActorEntry>> {
        self.entries
            .load()
            .iter()
            .find(|e| e.name().as_str() == name)
            .cloned()
    }

    /// Send a control command to the actor called `name` (what the editor calls).
    pub fn control(&self, name: &str, command: Control) -> Result<(), ControlError> {
        self.get(name)
            .ok_or_else(|| ControlError::UnknownActor(name.to_owned()))?
            .control(command)
    }

    /// A metrics snapshot of every actor.
    pub fn snapshots(&self) -> Vec<MailboxSnapshot> {
        self.entries
            .load()
            .iter()
            .map(|e| e.metrics.snapshot())
            .collect()
    }

    /// Register an entry; false if the name is taken.
    pub(crate) fn insert(&self, entry: ActorEntry) -> bool {
        let _w = self.write.lock();
        let current = self.entries.load();
        if current.iter().any(|e| e.name() == entry.name()) {
            return false;
        }
        let mut next: Vec<Arc<ActorEntry>> = current.iter().cloned().collect();
        next.push(Arc::new(entry));
        self.entries.store(Arc::new(next));
        true
    }
}

//! [`PluginControl`]: a cheap, cloneable handle to a running
//! [`PluginSupervisor`](super::PluginSupervisor) that never blocks. The
//! render thread (the editor's Plugins panel, the overlay) and the actors
//! (the viewer's plugin bridge) use it: events go in with `try_send`,
//! reload / enable / disable are queued with `try_send` and answered later
//! through a [`PendingControl`], and the snapshot is a wait-free read.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use crossbeam_channel::{Receiver, Sender, TryRecvError, TrySendError};
use thiserror::Error;

use super::api::PluginEvent;
use super::engine::Command;
use super::events::PluginId;
use super::status::PluginsSnapshot;
use super::supervisor::{ControlError, OutgoingChat, PublishError};
use crate::bus::Latest;

/// A run-time command the supervisor could not be handed at once.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Error)]
pub enum TryControlError {
    /// The supervisor's command queue is full; nothing was sent (try again next frame).
    #[error("the plugin supervisor's command queue is full; try again")]
    Busy,
    /// The supervisor has stopped.
    #[error("the plugin supervisor is not running")]
    Stopped,
}

/// The answer to a command sent with [`PluginControl`], read later without waiting.
#[derive(Debug)]
pub struct PendingControl {
    answer: Receiver<Result<(), ControlError>>,
}

impl PendingControl {
    /// The answer if it has come (`None`: not yet). Once it has been
    /// returned, later calls say the supervisor is gone.
    pub fn poll(&self) -> Option<Result<(), ControlError>> {
        match self.answer.try_recv() {
            Ok(answer) => Some(answer),
            Err(TryRecvError::Empty) => None,
            Err(TryRecvError::Disconnected) => Some(Err(ControlError::SupervisorGone)),
        }
    }
}

/// A non-blocking, cloneable handle to a [`PluginSupervisor`](super::PluginSupervisor)
/// (from [`PluginSupervisor::control`](super::PluginSupervisor::control)).
/// Every method returns at once; it does not keep the supervisor running
/// (dropping the supervisor stops it, and the handle then reports `Stopped`).
#[derive(Clone)]
pub struct PluginControl {
    pub(super) commands: Sender<Command>,
    pub(super) input: Sender<PluginEvent>,
    pub(super) latest: Latest<PluginsSnapshot>,
    pub(super) chat: Receiver<OutgoingChat>,
    pub(super) input_refused: Arc<AtomicU64>,
}

impl std::fmt::Debug for PluginControl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PluginControl")
            .field("snapshot", &self.latest.load().seq)
            .finish_non_exhaustive()
    }
}

impl PluginControl {
    /// Offer an event to every plugin subscribed to its kind. Never waits:
    /// a full input queue gives the event back (and is counted in the
    /// snapshot's `input_refused`).
    pub fn publish_event(&self, event: PluginEvent) -> Result<(), PublishError> {
        self.input.try_send(event).map_err(|e| match e {
            TrySendError::Full(ev) => {
                self.input_refused.fetch_add(1, Ordering::Relaxed);
                PublishError::Full(ev)
            }
            TrySendError::Disconnected(ev) => PublishError::Stopped(ev),
        })
    }

    /// Queue a reload (new incarnation, restart intensity reset) of plugin `id`.
    pub fn try_reload(&self, id: PluginId) -> Result<PendingControl, TryControlError> {
        self.try_command(|reply| Command::Reload { id, reply })
    }

    /// Queue starting disabled plugin `id` again (its past restarts forgotten).
    pub fn try_enable(&self, id: PluginId) -> Result<PendingControl, TryControlError> {
        self.try_command(|reply| Command::Enable { id, reply })
    }

    /// Queue stopping plugin `id` (`shutdown` is called; it stays listed, disabled).
    pub fn try_disable(&self, id: PluginId) -> Result<PendingControl, TryControlError> {
        self.try_command(|reply| Command::Disable { id, reply })
    }

    fn try_command(
        &self,
        make: impl FnOnce(Sender<Result<(), ControlError>>) -> Command,
    ) -> Result<PendingControl, TryControlError> {
        // Room for the one answer, so the supervisor never waits on us.
        let (reply, answer) = crossbeam_channel::bounded(1);
        match self.commands.try_send(make(reply)) {
            Ok(()) => Ok(PendingControl { answer }),
            Err(TrySendError::Full(_)) => Err(TryControlError::Busy),
            Err(TrySendError::Disconnected(_)) => Err(TryControlError::Stopped),
        }
    }

    /// The latest snapshot (a reference-count increment).
    pub fn snapshot(&self) -> Arc<PluginsSnapshot> {
        self.latest.load_full()
    }

    /// The snapshot bus (wait-free reads).
    pub fn latest(&self) -> &Latest<PluginsSnapshot> {
        &self.latest
    }

    /// Chat lines plugins asked to send (bounded; one consumer should drain
    /// it: the viewer's plugin bridge).
    pub fn chat_requests(&self) -> &Receiver<OutgoingChat> {
        &self.chat
    }
}

#[cfg(test)]
mod tests {
    use std::time::{Duration, Instant};

    use super::*;
    use crate::plugin::{PluginState, PluginSupervisor, PluginSupervisorConfig};

    fn answer(p: &PendingControl) -> Result<(), ControlError> {
        let end = Instant::now() + Duration::from_secs(20);
        loop {
            if let Some(a) = p.poll() {
                return a;
            }
            assert!(Instant::now() < end, "no answer");
            std::thread::sleep(Duration::from_millis(5));
        }
    }

    fn state_of(c: &PluginControl, id: PluginId) -> Option<PluginState> {
        c.snapshot().get(id).map(|r| r.status.state)
    }

    fn wait_state(c: &PluginControl, id: PluginId, want: PluginState) {
        let end = Instant::now() + Duration::from_secs(20);
        while state_of(c, id) != Some(want) {
            assert!(
                Instant::now() < end,
                "never {want:?}: {:?}",
                state_of(c, id)
            );
            std::thread::sleep(Duration::from_millis(5));
        }
    }

    #[test]
    fn commands_are_queued_and_answered_later() {
        let sup = PluginSupervisor::start(PluginSupervisorConfig::default()).unwrap();
        let c = sup.control();
        let id = sup.load_str("chat-logger").unwrap();
        wait_state(&c, id, PluginState::Running);

        let p = c.try_disable(id).unwrap();
        assert_eq!(answer(&p), Ok(()));
        wait_state(&c, id, PluginState::Disabled);
        let p = c.try_enable(id).unwrap();
        assert_eq!(answer(&p), Ok(()));
        wait_state(&c, id, PluginState::Running);
        let p = c.try_reload(id).unwrap();
        assert_eq!(answer(&p), Ok(()));
        let end = Instant::now() + Duration::from_secs(20);
        loop {
            let s = c.snapshot();
            let row = s.get(id).unwrap();
            if row.reloads == 1 && row.status.state == PluginState::Running {
                assert_eq!(row.incarnation, 2, "enable and reload each start one");
                break;
            }
            assert!(Instant::now() < end, "never reloaded: {row:?}");
            std::thread::sleep(Duration::from_millis(5));
        }

        let missing = PluginId(999);
        let p = c.try_disable(missing).unwrap();
        assert_eq!(answer(&p), Err(ControlError::UnknownPlugin(missing)));

        sup.shutdown();
        assert_eq!(c.try_enable(id).unwrap_err(), TryControlError::Stopped);
        assert!(matches!(
            c.publish_event(PluginEvent::ObjectRemoved { local_id: 1 }),
            Err(PublishError::Stopped(_))
        ));
    }
}

//! [`PluginWatchdogEvent`]: one supervision event of one plugin (a crash, a
//! hang, a restart, a process exit …). The supervisor keeps the newest ones
//! in a bounded log and publishes them in every
//! [`PluginsSnapshot`](super::PluginsSnapshot).

use std::fmt;

use serde::{Deserialize, Serialize};

use super::status::PluginKind;

/// A plugin's id within one supervisor (never reused).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct PluginId(pub u64);

impl fmt::Display for PluginId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "plugin#{}", self.0)
    }
}

/// Which callback (or protocol step) was running.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[repr(u8)]
pub enum Callback {
    /// The factory (making the instance for a restart).
    Create = 1,
    /// `on_load`.
    Load = 2,
    /// `update`.
    Update = 3,
    /// `fixed_update`.
    FixedUpdate = 4,
    /// `on_event`.
    Event = 5,
    /// `shutdown`.
    Shutdown = 6,
    /// Isolated: waiting for the child's protocol handshake.
    Handshake = 7,
}

impl Callback {
    pub(crate) fn from_u8(v: u8) -> Option<Self> {
        Some(match v {
            1 => Self::Create,
            2 => Self::Load,
            3 => Self::Update,
            4 => Self::FixedUpdate,
            5 => Self::Event,
            6 => Self::Shutdown,
            7 => Self::Handshake,
            _ => return None,
        })
    }
}

/// What happened.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WatchdogEventKind {
    /// A callback panicked (in-process or inside the child); counted in `crashes`.
    Panicked,
    /// `on_load` returned an error; counted in `crashes`.
    LoadFailed,
    /// A callback ran past its deadline; counted in `hangs` (once per callback).
    Hung,
    /// A callback reported hung returned after all.
    ReturnedLate,
    /// In-process: a hung callback did not return within the grace time; its
    /// thread was abandoned and the plugin disabled.
    Abandoned,
    /// Isolated: the child was killed by the supervisor (hang, protocol error, memory limit, unload timeout).
    Killed,
    /// Isolated: the child's pipe closed or it exited unasked; counted in `crashes`.
    ProcessExited,
    /// Isolated: the child process was reaped; the detail is its exit status.
    Reaped,
    /// Isolated: the child wrote something that is not a valid frame; counted in `crashes`.
    ProtocolError,
    /// Isolated: the child's protocol version is not ours; the plugin is disabled (a restart would not help).
    Incompatible,
    /// Isolated: the child's resident memory passed the limit; counted in `crashes`.
    MemoryLimit,
    /// A new incarnation was started after a fault; counted in `restarts`.
    Restarted,
    /// The restart intensity was exceeded (or the plugin cannot run); no more restarts.
    Disabled,
    /// The plugin asked for something its capabilities do not allow; counted in `denied`.
    CapabilityDenied,
}

/// One supervision event of one plugin.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PluginWatchdogEvent {
    /// When, in ms since the actor clock's epoch.
    pub at_ms: u64,
    /// Which plugin.
    pub plugin: PluginId,
    /// Its name at the time.
    pub name: String,
    /// In-process or isolated.
    pub kind: PluginKind,
    /// Which incarnation (0 = the first load).
    pub incarnation: u32,
    /// What happened.
    pub what: WatchdogEventKind,
    /// The callback involved, if any.
    pub callback: Option<Callback>,
    /// Details in words (panic message and location, exit status, …).
    pub detail: String,
}

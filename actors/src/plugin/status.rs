//! What the supervisor publishes: one [`PluginRow`] per plugin in a
//! [`PluginsSnapshot`], and the compact [`PluginStatus`] list for the
//! headless JSON line.

use serde::{Deserialize, Serialize};

use super::api::Capabilities;
use super::events::{PluginId, PluginWatchdogEvent};

/// How a plugin runs.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PluginKind {
    /// On a supervisor worker thread, in the viewer's process.
    InProcess,
    /// As a child process speaking the stdio protocol.
    Isolated,
}

/// A plugin's lifecycle state.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PluginState {
    /// Starting: being created, handshaking or inside `on_load`.
    Loading,
    /// Receiving updates and events.
    Running,
    /// A callback is past its deadline and has not returned.
    Hung,
    /// Crashed or hung; waiting out the restart backoff.
    BackingOff,
    /// Past its restart intensity, abandoned, incompatible or switched off; no more callbacks.
    Disabled,
}

/// One plugin's row in the headless JSON line:
/// `{name, kind, state, crashes, hangs, restarts}`.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PluginStatus {
    /// The plugin's declared name (the spec's short name until it declares one).
    pub name: String,
    /// In-process or isolated.
    pub kind: PluginKind,
    /// Lifecycle state.
    pub state: PluginState,
    /// Panics, load errors, unasked exits, protocol errors, memory-limit kills.
    pub crashes: u64,
    /// Callbacks that ran past their deadline.
    pub hangs: u64,
    /// New incarnations started after a fault.
    pub restarts: u64,
}

/// Everything the editor shows about one plugin.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PluginRow {
    /// Its id.
    pub id: PluginId,
    /// Name, kind, state and fault counts.
    #[serde(flatten)]
    pub status: PluginStatus,
    /// Declared version ("" until declared).
    pub version: String,
    /// The spec it was loaded from (`NAME_OR_PATH[:ARGS]`).
    pub source: String,
    /// Declared capabilities.
    pub capabilities: Capabilities,
    /// Current incarnation (0 = first load; restarts and reloads add one).
    pub incarnation: u32,
    /// Manual reloads.
    pub reloads: u64,
    /// `update` calls completed.
    pub updates: u64,
    /// Updates not sent because the previous one was still running.
    pub updates_skipped: u64,
    /// `fixed_update` calls completed.
    pub fixed_updates: u64,
    /// `on_event` calls completed.
    pub events_delivered: u64,
    /// Events not delivered: the plugin's queue was full or it was not running.
    pub events_dropped: u64,
    /// Chat lines passed on to the viewer.
    pub chat_sent: u64,
    /// Chat lines dropped because the viewer's chat queue was full.
    pub chat_dropped: u64,
    /// Requests refused for lack of a capability.
    pub denied: u64,
    /// The plugin's overlay text, if it draws one.
    pub overlay: Option<String>,
    /// The most recent fault, in words.
    pub last_fault: Option<String>,
    /// Isolated: the child's process id while one runs.
    pub pid: Option<u32>,
    /// Isolated: the child's resident memory at the last check, KiB.
    pub rss_kib: Option<u64>,
}

/// All plugins at one moment, replaced whole (read with
/// [`Latest::load`](crate::bus::Latest::load): wait-free, no allocation).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct PluginsSnapshot {
    /// Snapshot number (0 = the empty initial one).
    pub seq: u64,
    /// When it was built, ms on the actor clock.
    pub at_ms: u64,
    /// One row per loaded plugin, in load order.
    pub plugins: Vec<PluginRow>,
    /// The newest watchdog events (bounded), oldest first.
    pub recent_events: Vec<PluginWatchdogEvent>,
    /// Watchdog events ever recorded.
    pub events_total: u64,
    /// Watchdog events evicted from the bounded log.
    pub events_evicted: u64,
    /// Events refused by [`PluginSupervisor::publish_event`](super::PluginSupervisor::publish_event)
    /// because the supervisor's input queue was full.
    pub input_refused: u64,
    /// Threads of in-process plugins abandoned after a hang (they stay until their callback returns).
    pub abandoned_threads: u64,
}

impl PluginsSnapshot {
    /// The compact status list (`plugins: [{name, kind, state, crashes, hangs, restarts}]`).
    pub fn status_list(&self) -> Vec<PluginStatus> {
        self.plugins.iter().map(|r| r.status.clone()).collect()
    }

    /// The row of the plugin with this id.
    pub fn get(&self, id: PluginId) -> Option<&PluginRow> {
        self.plugins.iter().find(|r| r.id == id)
    }

    /// The first row with this name.
    pub fn by_name(&self, name: &str) -> Option<&PluginRow> {
        self.plugins.iter().find(|r| r.status.name == name)
    }
}

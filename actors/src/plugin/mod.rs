//! Plugins: a small public [API](api) (declare name, version and
//! capabilities; implement `on_load`, `update`, `fixed_update`, `on_event`,
//! `shutdown`) and the [`PluginSupervisor`] that runs them.
//!
//! * **In-process** plugins run on supervisor worker threads (never the
//!   render thread). Every callback is wrapped in `catch_unwind` and a
//!   watchdog deadline: a panic marks the plugin failed and restarts it with
//!   backoff, past its restart intensity it is disabled; a callback that
//!   overruns its deadline is reported hung and, if it never returns, its
//!   thread is abandoned and the plugin disabled.
//! * **Isolated** plugins are child processes speaking a framed, versioned
//!   [protocol] over stdio. A crash, abort, hang, memory overrun or garbage
//!   on the pipe ends that process only; it is restarted under the same policy.
//! * Every supervision event is a [`PluginWatchdogEvent`], kept in a bounded
//!   log and published with the [`PluginsSnapshot`] through a [`Latest`](crate::bus::Latest).
//! * [`PluginControl`] (from [`PluginSupervisor::control`]) is the
//!   non-blocking, cloneable handle for the render thread and the actors:
//!   events in, reload / enable / disable queued, the snapshot, chat out.
//! * [`PluginSpec::parse`] reads `--plugin NAME_OR_PATH[:ARGS]`;
//!   [`PluginSupervisor::load`] loads it. The [examples] are `chat-logger`,
//!   `region-stats` and `faulty`; `kestrel-plugin-host` runs them isolated.
//!
//! See `docs/PLUGINS.md`.

pub mod api;
mod child;
mod config;
mod control;
mod engine;
mod events;
pub mod examples;
mod inprocess;
mod isolated;
mod outcome;
pub mod protocol;
mod retire;
mod spec;
mod status;
mod supervisor;

pub use api::{
    Capabilities, ChatEvent, ChatRequest, ChatSource, ChatType, EventKind, EventKinds, HostError,
    InfoError, Key, LogLevel, Plugin, PluginArgsError, PluginContext, PluginError, PluginEvent,
    PluginFactory, PluginInfo, PluginOutput, UpdateForm,
};
pub use child::{ServeEnd, ServeError, serve, serve_stdio};
pub use config::{PLUGINS_ACTOR, PluginSupervisorConfig};
pub use control::{PendingControl, PluginControl, TryControlError};
pub use events::{Callback, PluginId, PluginWatchdogEvent, WatchdogEventKind};
pub use examples::PluginRegistry;
pub use spec::{PluginSource, PluginSpec, PluginSpecError};
pub use status::{PluginKind, PluginRow, PluginState, PluginStatus, PluginsSnapshot};
pub use supervisor::{
    ControlError, LoadError, OutgoingChat, PluginSupervisor, PublishError, StartError,
};

//! [`PluginSupervisorConfig`]: the plugin supervisor's settings. The restart
//! policy is the actor runtime's [`SupervisionPolicy`], taken from the
//! `[actors.plugins]` table of the actors config.

use std::time::Duration;

use crate::config::ActorsConfig;
use crate::name::ActorName;
use crate::policy::SupervisionPolicy;

/// The actors-config table the plugin policy is read from.
pub const PLUGINS_ACTOR: &str = "plugins";

/// The plugin supervisor's settings.
#[derive(Clone, Debug, PartialEq)]
pub struct PluginSupervisorConfig {
    /// Restart intensity and backoff for every plugin; `watchdog` is the
    /// deadline of `update`, `fixed_update`, `on_event` and `shutdown`
    /// (`None`: no deadlines at all); `on_hang` says whether a hung callback
    /// that returns restarts the plugin. `poison_after` does not apply
    /// (events are not retried) and `on_exhausted = escalate` acts as disable.
    pub policy: SupervisionPolicy,
    /// Deadline of `on_load` and, for isolated plugins, of process start and handshake.
    pub load_deadline: Duration,
    /// After a hang is reported: how long to wait for the callback before
    /// abandoning the thread (in-process) or killing the child (isolated).
    pub hang_grace: Duration,
    /// How long `shutdown` may take when unloading before the thread is
    /// abandoned / the child killed.
    pub shutdown_grace: Duration,
    /// Period of `update` (the supervisor's tick; 60 Hz by default).
    pub update_interval: Duration,
    /// Fixed step of `fixed_update` (20 Hz by default).
    pub fixed_step: Duration,
    /// Requests queued per plugin (events beyond it are dropped and counted).
    pub plugin_queue: usize,
    /// Events queued into the supervisor by [`publish_event`](super::PluginSupervisor::publish_event).
    pub input_queue: usize,
    /// Chat lines queued for the viewer.
    pub chat_queue: usize,
    /// Watchdog events kept in the bounded log.
    pub event_log: usize,
    /// Isolated: resident memory above which the child is killed (a crash), KiB.
    pub max_rss_kib: Option<u64>,
    /// Isolated: how often the child's memory is checked.
    pub rss_check_interval: Duration,
    /// Rebuild the published snapshot at most this often (state changes included).
    pub publish_interval: Duration,
}

impl Default for PluginSupervisorConfig {
    fn default() -> Self {
        Self::from_actors_config(&ActorsConfig::builtin())
    }
}

impl PluginSupervisorConfig {
    /// Defaults, with the restart policy of `[actors.plugins]` in `actors`.
    pub fn from_actors_config(actors: &ActorsConfig) -> Self {
        Self {
            policy: actors.settings_for(&ActorName::new(PLUGINS_ACTOR)).policy,
            load_deadline: Duration::from_secs(2),
            hang_grace: Duration::from_secs(1),
            shutdown_grace: Duration::from_secs(1),
            update_interval: Duration::from_micros(16_667),
            fixed_step: Duration::from_millis(50),
            plugin_queue: 256,
            input_queue: 1024,
            chat_queue: 64,
            event_log: 256,
            max_rss_kib: Some(1024 * 1024),
            rss_check_interval: Duration::from_millis(250),
            publish_interval: Duration::from_millis(100),
        }
    }

    /// The deadline of a callback of this kind, if deadlines are on.
    pub(crate) fn deadline(&self, callback: super::Callback) -> Option<Duration> {
        let base = self.policy.watchdog?;
        Some(match callback {
            super::Callback::Create | super::Callback::Load | super::Callback::Handshake => {
                self.load_deadline
            }
            _ => base,
        })
    }
}

//! [`PluginSupervisor`]: the handle the viewer holds. It starts the
//! supervisor thread, loads plugins from a [`PluginSpec`] (checking
//! arguments and executables before anything runs), forwards events, and
//! exposes the published [`PluginsSnapshot`], the watchdog log and the chat
//! lines plugins ask to send.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::AtomicU64;
use std::thread::{self, JoinHandle};
use std::time::Duration;

use crossbeam_channel::{Receiver, Sender};
use thiserror::Error;

use super::api::{InfoError, PluginArgsError, PluginEvent, PluginFactory};
use super::config::PluginSupervisorConfig;
use super::control::PluginControl;
use super::engine::{Command, Engine, LoadKind};
use super::events::{PluginId, PluginWatchdogEvent};
use super::examples::PluginRegistry;
use super::spec::{PluginSource, PluginSpec, PluginSpecError};
use super::status::PluginsSnapshot;
use crate::bounded_log::BoundedLog;
use crate::bus::Latest;
use crate::panics;

/// How long a caller waits for the supervisor thread to take a command.
const COMMAND_WAIT: Duration = Duration::from_secs(10);

/// A chat line a plugin asked to send; the viewer drains these from
/// [`PluginSupervisor::chat_requests`] and hands them to the circuit.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct OutgoingChat {
    /// Which plugin.
    pub plugin: PluginId,
    /// Its name.
    pub name: String,
    /// Chat channel (0 = public).
    pub channel: i32,
    /// The text (checked against the length limit).
    pub text: String,
}

/// A plugin that could not be loaded.
#[derive(Debug, Error)]
pub enum LoadError {
    /// The spec does not parse.
    #[error(transparent)]
    Spec(#[from] PluginSpecError),
    /// No in-process plugin by that name.
    #[error(
        "no in-process plugin named {name:?} (known: {known}); an isolated plugin is given by a path containing '/'"
    )]
    UnknownPlugin {
        /// The name asked for.
        name: String,
        /// The registered names, comma-separated.
        known: String,
    },
    /// The plugin refused its arguments.
    #[error("plugin {plugin:?}: {error}")]
    Args {
        /// The plugin.
        plugin: String,
        /// Which argument and why.
        error: PluginArgsError,
    },
    /// The plugin's declaration is invalid.
    #[error("plugin {plugin:?} declares itself badly: {error}")]
    Info {
        /// The plugin.
        plugin: String,
        /// What is wrong.
        error: InfoError,
    },
    /// The factory (or `info`) panicked.
    #[error("plugin {plugin:?} panicked while being created: {detail}")]
    Panicked {
        /// The plugin.
        plugin: String,
        /// The panic.
        detail: String,
    },
    /// The executable cannot be found or read.
    #[error("plugin executable {path:?}: {reason}")]
    Executable {
        /// The path given.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
    /// The supervisor thread is gone or did not answer.
    #[error("the plugin supervisor is not running")]
    SupervisorGone,
}

/// A run-time command that failed.
#[derive(Clone, Debug, PartialEq, Eq, Error)]
pub enum ControlError {
    /// No plugin with that id (never loaded, or unloaded).
    #[error("no loaded plugin {0}")]
    UnknownPlugin(PluginId),
    /// The supervisor thread is gone or did not answer in time.
    #[error("the plugin supervisor is not running")]
    SupervisorGone,
}

/// An event that was not accepted.
#[derive(Debug, Error)]
pub enum PublishError {
    /// The input queue is full (counted as `input_refused`); the event is given back.
    #[error("plugin event queue full")]
    Full(PluginEvent),
    /// The supervisor has stopped.
    #[error("the plugin supervisor is not running")]
    Stopped(PluginEvent),
}

/// The supervisor thread could not be started.
#[derive(Debug, Error)]
#[error("cannot start the plugin supervisor thread: {0}")]
pub struct StartError(#[from] std::io::Error);

/// Runs plugins on its own threads (never the caller's, never the render
/// thread): catches panics, watchdogs hangs, restarts with backoff under the
/// [`SupervisionPolicy`](crate::SupervisionPolicy), disables repeat offenders.
/// Dropping it unloads every plugin (bounded by the shutdown grace) and
/// joins its thread.
pub struct PluginSupervisor {
    /// The channels and the snapshot, shared with every [`PluginControl`].
    control: PluginControl,
    log: Arc<BoundedLog<PluginWatchdogEvent>>,
    registry: PluginRegistry,
    config: PluginSupervisorConfig,
    thread: Option<JoinHandle<()>>,
}

impl std::fmt::Debug for PluginSupervisor {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PluginSupervisor")
            .field("snapshot", &self.control.latest.load().seq)
            .finish_non_exhaustive()
    }
}

impl PluginSupervisor {
    /// Start with the example plugins registered.
    pub fn start(config: PluginSupervisorConfig) -> Result<Self, StartError> {
        Self::with_registry(config, PluginRegistry::examples())
    }

    /// Start with `registry` as the in-process plugins loadable by name.
    pub fn with_registry(
        config: PluginSupervisorConfig,
        registry: PluginRegistry,
    ) -> Result<Self, StartError> {
        panics::install_panic_hook();
        let (commands, commands_rx) = crossbeam_channel::bounded(64);
        let (input, input_rx) = crossbeam_channel::bounded(config.input_queue.max(1));
        let (chat_tx, chat) = crossbeam_channel::bounded(config.chat_queue.max(1));
        let latest = Latest::new(PluginsSnapshot::default());
        let log = Arc::new(BoundedLog::new(config.event_log));
        let input_refused = Arc::new(AtomicU64::new(0));
        let engine = Engine::new(
            config.clone(),
            chat_tx,
            log.clone(),
            latest.clone(),
            input_refused.clone(),
        );
        let thread = thread::Builder::new()
            .name("kestrel-plugins".into())
            .spawn(move || engine.run(commands_rx, input_rx))?;
        Ok(Self {
            control: PluginControl {
                commands,
                input,
                latest,
                chat,
                input_refused,
            },
            log,
            registry,
            config,
            thread: Some(thread),
        })
    }

    /// The settings it runs with.
    pub fn config(&self) -> &PluginSupervisorConfig {
        &self.config
    }

    /// The in-process plugins it can load by name.
    pub fn registry(&self) -> &PluginRegistry {
        &self.registry
    }

    /// Parse `NAME_OR_PATH[:ARGS]` and load it (the `--plugin` flag).
    pub fn load_str(&self, spec: &str) -> Result<PluginId, LoadError> {
        self.load(&PluginSpec::parse(spec)?)
    }

    /// Load a plugin: an in-process one from the registry, or an isolated
    /// executable. Arguments and the executable are checked here, on the
    /// caller's thread; `on_load` (or the child's start) then runs under
    /// supervision, and its failures show in the snapshot, not here.
    pub fn load(&self, spec: &PluginSpec) -> Result<PluginId, LoadError> {
        match &spec.source {
            PluginSource::Builtin(name) => {
                let factory = self
                    .registry
                    .get(name)
                    .ok_or_else(|| LoadError::UnknownPlugin {
                        name: name.clone(),
                        known: self.registry.names().join(", "),
                    })?
                    .clone();
                self.load_factory_spec(factory, spec.clone())
            }
            PluginSource::Executable(path) => {
                check_executable(path)?;
                self.send_load(spec.clone(), LoadKind::Isolated { path: path.clone() })
            }
        }
    }

    /// Load an in-process plugin made by `factory` (one not in the registry).
    pub fn load_factory(
        &self,
        factory: PluginFactory,
        args: &[&str],
    ) -> Result<PluginId, LoadError> {
        let spec = PluginSpec::builtin(factory.name(), args);
        self.load_factory_spec(factory, spec)
    }

    fn load_factory_spec(
        &self,
        factory: PluginFactory,
        spec: PluginSpec,
    ) -> Result<PluginId, LoadError> {
        let plugin = factory.name().to_owned();
        panics::enter_supervised();
        let made = catch_unwind(AssertUnwindSafe(|| {
            factory.create(&spec.args).map(|p| {
                let info = p.info();
                (p, info)
            })
        }));
        panics::leave_supervised();
        let (instance, info) = match made {
            Ok(Ok(made)) => made,
            Ok(Err(error)) => return Err(LoadError::Args { plugin, error }),
            Err(payload) => {
                return Err(LoadError::Panicked {
                    plugin,
                    detail: panics::describe(&*payload),
                });
            }
        };
        info.validate().map_err(|error| LoadError::Info {
            plugin: plugin.clone(),
            error,
        })?;
        self.send_load(
            spec,
            LoadKind::InProcess {
                factory,
                instance,
                info,
            },
        )
    }

    fn send_load(&self, spec: PluginSpec, how: LoadKind) -> Result<PluginId, LoadError> {
        let (reply, answer) = crossbeam_channel::bounded(1);
        self.control
            .commands
            .send_timeout(Command::Load { spec, how, reply }, COMMAND_WAIT)
            .map_err(|_| LoadError::SupervisorGone)?;
        answer
            .recv_timeout(COMMAND_WAIT)
            .map_err(|_| LoadError::SupervisorGone)
    }

    fn command_and_wait(
        &self,
        make: impl FnOnce(Sender<Result<(), ControlError>>) -> Command,
        wait: Duration,
    ) -> Result<(), ControlError> {
        let (reply, answer) = crossbeam_channel::bounded(1);
        self.control
            .commands
            .send_timeout(make(reply), COMMAND_WAIT)
            .map_err(|_| ControlError::SupervisorGone)?;
        answer
            .recv_timeout(wait)
            .map_err(|_| ControlError::SupervisorGone)?
    }

    fn unload_wait(&self) -> Duration {
        self.config.shutdown_grace.max(self.config.hang_grace) + COMMAND_WAIT
    }

    /// Unload a plugin: `shutdown` is called (isolated: the child is asked to
    /// exit) and this returns once its thread has ended or its process has
    /// been reaped — at most the shutdown grace later, after which the thread
    /// is abandoned or the process killed. Blocks the caller: not for the render thread.
    pub fn unload(&self, id: PluginId) -> Result<(), ControlError> {
        self.command_and_wait(|reply| Command::Unload { id, reply }, self.unload_wait())
    }

    /// Replace a plugin's incarnation with a fresh one (`shutdown` on the old
    /// one; an isolated plugin's executable is started again, so a rebuilt
    /// binary is picked up). Resets its restart intensity. Waits for the
    /// supervisor's answer: from the render thread use
    /// [`PluginControl::try_reload`] instead.
    pub fn reload(&self, id: PluginId) -> Result<(), ControlError> {
        self.command_and_wait(|reply| Command::Reload { id, reply }, COMMAND_WAIT)
    }

    /// Start a disabled plugin again, forgetting its past restarts. Waits
    /// for the supervisor's answer: from the render thread use
    /// [`PluginControl::try_enable`] instead.
    pub fn enable(&self, id: PluginId) -> Result<(), ControlError> {
        self.command_and_wait(|reply| Command::Enable { id, reply }, COMMAND_WAIT)
    }

    /// Stop a plugin (`shutdown` is called) but keep it listed, disabled.
    /// Waits for the supervisor's answer: from the render thread use
    /// [`PluginControl::try_disable`] instead.
    pub fn disable(&self, id: PluginId) -> Result<(), ControlError> {
        self.command_and_wait(|reply| Command::Disable { id, reply }, COMMAND_WAIT)
    }

    /// Offer an event to every plugin subscribed to its kind. Never waits:
    /// a full input queue gives the event back (and is counted).
    pub fn publish_event(&self, event: PluginEvent) -> Result<(), PublishError> {
        self.control.publish_event(event)
    }

    /// A cheap, cloneable handle that never blocks (for the render thread,
    /// the editor and the viewer's plugin bridge): events in, reload /
    /// enable / disable queued, the snapshot, the chat lines out.
    pub fn control(&self) -> PluginControl {
        self.control.clone()
    }

    /// The latest snapshot (a reference-count increment).
    pub fn snapshot(&self) -> Arc<PluginsSnapshot> {
        self.control.snapshot()
    }

    /// The snapshot bus the render thread and the telemetry read.
    pub fn latest(&self) -> Latest<PluginsSnapshot> {
        self.control.latest().clone()
    }

    /// The bounded log of watchdog events (also in every snapshot).
    pub fn watchdog_log(&self) -> &Arc<BoundedLog<PluginWatchdogEvent>> {
        &self.log
    }

    /// Chat lines plugins asked to send (bounded; drained by the viewer).
    pub fn chat_requests(&self) -> &Receiver<OutgoingChat> {
        self.control.chat_requests()
    }

    /// Unload everything and stop the supervisor thread (also done on drop).
    pub fn shutdown(mut self) {
        self.stop();
    }

    fn stop(&mut self) {
        let _ = self
            .control
            .commands
            .send_timeout(Command::Shutdown, COMMAND_WAIT);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for PluginSupervisor {
    fn drop(&mut self) {
        self.stop();
    }
}

fn check_executable(path: &Path) -> Result<(), LoadError> {
    let bad = |reason: String| LoadError::Executable {
        path: path.to_owned(),
        reason,
    };
    let meta = std::fs::metadata(path).map_err(|e| bad(e.to_string()))?;
    if !meta.is_file() {
        return Err(bad("not a file".into()));
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        if meta.permissions().mode() & 0o111 == 0 {
            return Err(bad("not executable".into()));
        }
    }
    Ok(())
}

//! [`ActorRuntime`]: the actor system on its own threads (never the caller's),
//! and [`RuntimeHandle`], with which anyone spawns supervised actors onto it,
//! finds them, controls them and reads the dead letters.
//!
//! Each actor gets its own arbiter (an OS thread with a single-threaded tokio
//! runtime), so an actor that stalls or hangs never delays another one.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::Duration;

use parking_lot::Mutex;
use thiserror::Error;

use crate::actor::SupervisedActor;
use crate::bounded_log::BoundedLog;
use crate::clock;
use crate::config::{ActorSettings, ActorsConfig};
use crate::control::Escalation;
use crate::dead_letters::{DeadLetter, DeadLetterReason, DeadLetters};
use crate::faults::FaultParseError;
use crate::mailbox::{Addr, Recipient, send_control};
use crate::metrics::MailboxMetrics;
use crate::name::ActorName;
use crate::registry::{ActorEntry, Registry};
use crate::supervisor::{Links, Supervisor};
use crate::watchdog::Watchdog;

/// How long shutdown waits for actor threads (a handler stuck forever cannot be stopped).
const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);

/// The runtime could not start.
#[derive(Debug, Error)]
pub enum RuntimeError {
    /// A thread could not be created.
    #[error("cannot start the actor runtime thread: {0}")]
    Thread(#[source] std::io::Error),
    /// The actix system did not come up.
    #[error("the actor system thread exited during start-up")]
    SystemStart,
}

/// An actor could not be spawned.
#[derive(Debug, Error)]
pub enum SpawnError {
    /// Another actor already has this name.
    #[error("an actor named `{0}` already exists")]
    DuplicateName(String),
    /// The runtime is shutting down.
    #[error("the actor runtime is shut down")]
    ShutDown,
    /// The actor's thread could not be created.
    #[error("cannot create a thread for actor `{name}`: {source}")]
    Thread {
        /// Actor.
        name: String,
        /// Why.
        source: std::io::Error,
    },
    /// The actor's fault spec is invalid.
    #[error(transparent)]
    Faults(#[from] FaultParseError),
}

/// Options for [`RuntimeHandle::spawn_with`].
#[derive(Default)]
pub struct SpawnOptions {
    settings: Option<ActorSettings>,
    escalate_to: Option<Recipient<Escalation>>,
}

impl SpawnOptions {
    /// Default options: settings from the config under the actor's name, escalations to the runtime log.
    pub fn new() -> Self {
        Self::default()
    }

    /// Use these settings instead of the config's.
    pub fn settings(mut self, settings: ActorSettings) -> Self {
        self.settings = Some(settings);
        self
    }

    /// Send escalations to this parent instead of the runtime's escalation log.
    pub fn escalate_to(mut self, parent: Recipient<Escalation>) -> Self {
        self.escalate_to = Some(parent);
        self
    }
}

struct RuntimeInner {
    system: actix::System,
    config: ActorsConfig,
    registry: Arc<Registry>,
    dead_letters: Arc<DeadLetters>,
    escalations: Arc<BoundedLog<Escalation>>,
    arbiters: Mutex<Vec<actix::Arbiter>>,
    stopping: AtomicBool,
}

/// A cloneable handle to a running [`ActorRuntime`] (usable from any thread,
/// including from inside actors).
#[derive(Clone)]
pub struct RuntimeHandle {
    inner: Arc<RuntimeInner>,
}

impl std::fmt::Debug for RuntimeHandle {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RuntimeHandle")
            .field("actors", &self.inner.registry)
            .finish_non_exhaustive()
    }
}

impl RuntimeHandle {
    /// The configuration the runtime was started with.
    pub fn config(&self) -> &ActorsConfig {
        &self.inner.config
    }

    /// Every actor of this runtime.
    pub fn registry(&self) -> &Arc<Registry> {
        &self.inner.registry
    }

    /// The dead-letter store.
    pub fn dead_letters(&self) -> &Arc<DeadLetters> {
        &self.inner.dead_letters
    }

    /// Escalations from actors spawned without a parent.
    pub fn escalations(&self) -> &Arc<BoundedLog<Escalation>> {
        &self.inner.escalations
    }

    /// Dead-letter a message from outside any actor (e.g. a sender on the
    /// viewer's thread that gives up); `addressed_to` names the intended actor.
    pub fn dead_letter<M: Send + 'static>(
        &self,
        addressed_to: &ActorName,
        msg: M,
        reason: DeadLetterReason,
    ) {
        self.inner.dead_letters.push(DeadLetter {
            actor: addressed_to.clone(),
            message_type: std::any::type_name::<M>(),
            reason,
            at_ms: clock::now_ms(),
            payload: Box::new(msg),
        });
    }

    /// Spawn a supervised actor with the settings configured for `name`.
    pub fn spawn<A: SupervisedActor>(
        &self,
        name: impl Into<ActorName>,
        durable: A::Durable,
    ) -> Result<Addr<A>, SpawnError> {
        self.spawn_with(name, durable, SpawnOptions::default())
    }

    /// Spawn a supervised actor on its own thread.
    pub fn spawn_with<A: SupervisedActor>(
        &self,
        name: impl Into<ActorName>,
        durable: A::Durable,
        options: SpawnOptions,
    ) -> Result<Addr<A>, SpawnError> {
        let name = name.into();
        if self.inner.stopping.load(Ordering::Acquire) {
            return Err(SpawnError::ShutDown);
        }
        let mut settings = options
            .settings
            .unwrap_or_else(|| self.inner.config.settings_for(&name));
        settings.capacity = settings.capacity.max(1);
        settings.policy.poison_after = settings.policy.poison_after.max(1);
        settings.faults.validate(name.as_str())?;

        let watchdog_ns = settings
            .policy
            .watchdog
            .map(clock::duration_ns)
            .unwrap_or(0);
        let metrics = Arc::new(MailboxMetrics::new(
            name.clone(),
            settings.capacity,
            watchdog_ns,
        ));
        if let Some(ms) = settings.faults.refuse_ms {
            metrics.refuse_until_ns.store(
                clock::now_ns().saturating_add(ms.saturating_mul(1_000_000)),
                Ordering::Release,
            );
        }

        // Our own channel with no actix capacity: the bound is kept by Addr.
        let (tx, rx) = actix::dev::channel::channel::<Supervisor<A>>(0);
        let actix_addr = actix::Addr::new(tx);

        let control_addr = actix_addr.clone();
        let control_metrics = metrics.clone();
        let entry = ActorEntry::new(
            metrics.clone(),
            Box::new(move |command| send_control(&control_addr, &control_metrics, command)),
        );
        if !self.inner.registry.insert(entry) {
            return Err(SpawnError::DuplicateName(name.to_string()));
        }

        let arbiter = self.new_arbiter(&name)?;
        let links = Links {
            metrics: metrics.clone(),
            dead_letters: self.inner.dead_letters.clone(),
            escalate_to: options.escalate_to,
            escalation_log: self.inner.escalations.clone(),
            runtime: self.clone(),
        };
        let started = arbiter.spawn_fn(move || {
            let ctx = actix::Context::with_receiver(rx);
            ctx.run(Supervisor::<A>::new(durable, links, &settings));
        });
        if !started {
            return Err(SpawnError::ShutDown);
        }
        Ok(Addr::new(actix_addr, metrics))
    }

    /// Create an arbiter (thread) in this runtime's actix system.
    fn new_arbiter(&self, name: &ActorName) -> Result<actix::ArbiterHandle, SpawnError> {
        let thread_err = |source| SpawnError::Thread {
            name: name.to_string(),
            source,
        };
        let on_our_system =
            actix::System::try_current().map(|s| s.id()) == Some(self.inner.system.id());
        let arbiter = if on_our_system {
            actix::Arbiter::try_new().map_err(thread_err)?
        } else {
            // Arbiters must be created on a thread of their system.
            let (tx, rx) = std::sync::mpsc::sync_channel(1);
            let sent = self.inner.system.arbiter().spawn_fn(move || {
                let _ = tx.send(actix::Arbiter::try_new());
            });
            if !sent {
                return Err(SpawnError::ShutDown);
            }
            rx.recv_timeout(Duration::from_secs(30))
                .map_err(|_| SpawnError::ShutDown)?
                .map_err(thread_err)?
        };
        let handle = arbiter.handle();
        self.inner.arbiters.lock().push(arbiter);
        Ok(handle)
    }
}

/// The actor system, running on background threads until shut down
/// (explicitly or when dropped). Derefs to its [`RuntimeHandle`].
pub struct ActorRuntime {
    handle: RuntimeHandle,
    system_thread: Option<JoinHandle<()>>,
    watchdog: Option<Watchdog>,
}

impl std::ops::Deref for ActorRuntime {
    type Target = RuntimeHandle;
    fn deref(&self) -> &RuntimeHandle {
        &self.handle
    }
}

impl ActorRuntime {
    /// Start the actor system on a background thread, with the watchdog thread.
    pub fn start(config: ActorsConfig) -> Result<Self, RuntimeError> {
        crate::panics::install_panic_hook();
        clock::init();
        let (tx, rx) = std::sync::mpsc::sync_channel(1);
        let system_thread = std::thread::Builder::new()
            .name("kestrel-actors".into())
            .spawn(move || {
                let runner = actix::System::new();
                let _ = tx.send(actix::System::current());
                if let Err(e) = runner.run() {
                    tracing::error!(error = %e, "actor system stopped with an error");
                }
            })
            .map_err(RuntimeError::Thread)?;
        let system = rx.recv().map_err(|_| RuntimeError::SystemStart)?;

        let registry = Arc::new(Registry::default());
        let watchdog = Watchdog::start(registry.clone(), config.runtime.watchdog_scan)
            .map_err(RuntimeError::Thread)?;
        let inner = RuntimeInner {
            system,
            dead_letters: Arc::new(DeadLetters::new(config.runtime.dead_letter_capacity)),
            escalations: Arc::new(BoundedLog::new(config.runtime.escalation_log_capacity)),
            config,
            registry,
            arbiters: Mutex::new(Vec::new()),
            stopping: AtomicBool::new(false),
        };
        Ok(Self {
            handle: RuntimeHandle {
                inner: Arc::new(inner),
            },
            system_thread: Some(system_thread),
            watchdog: Some(watchdog),
        })
    }

    /// A cloneable handle.
    pub fn handle(&self) -> RuntimeHandle {
        self.handle.clone()
    }

    /// Stop every actor and join the runtime's threads. Messages still queued
    /// are not handled; they stay counted in their actor's `depth`.
    pub fn shutdown(mut self) {
        self.stop();
    }

    fn stop(&mut self) {
        let inner = &self.handle.inner;
        if inner.stopping.swap(true, Ordering::AcqRel) {
            return;
        }
        if let Some(mut w) = self.watchdog.take() {
            w.stop();
        }
        for entry in inner.registry.list().iter() {
            entry.metrics().close();
        }
        let arbiters: Vec<actix::Arbiter> = inner.arbiters.lock().drain(..).collect();
        for a in &arbiters {
            a.stop();
        }
        // Join on a helper thread so a handler stuck forever cannot hang shutdown.
        let (tx, rx) = std::sync::mpsc::channel();
        let joiner = std::thread::Builder::new()
            .name("kestrel-actors-join".into())
            .spawn(move || {
                for a in arbiters {
                    let _ = a.join();
                }
                let _ = tx.send(());
            });
        if joiner.is_ok() && rx.recv_timeout(SHUTDOWN_GRACE).is_err() {
            tracing::warn!("actor threads still busy after shutdown grace period; detaching them");
        }
        inner.system.stop();
        if let Some(t) = self.system_thread.take() {
            let _ = t.join();
        }
    }
}

impl Drop for ActorRuntime {
    fn drop(&mut self) {
        self.stop();
    }
}

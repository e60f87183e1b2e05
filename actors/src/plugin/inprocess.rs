//! In-process plugins: one worker thread per incarnation runs every callback
//! inside `catch_unwind`, with the callback's start time published in an
//! atomic so the supervisor's watchdog can see a callback that overruns its
//! deadline (and one that never returns).

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU8, AtomicU64, Ordering};
use std::thread::{self, JoinHandle};
use std::time::Duration;

use crossbeam_channel::{Receiver, Sender, TrySendError};

use super::api::{Plugin, PluginContext, PluginEvent, PluginFactory};
use super::events::{Callback, PluginId};
use super::outcome::{Counters, Outcome, OutcomeKind};
use crate::{clock, panics};

/// Work for a plugin's worker thread.
pub(crate) enum Job {
    Update(Duration),
    FixedUpdate(Duration),
    Event(Arc<PluginEvent>),
    Shutdown,
}

/// What the supervisor and one worker share.
#[derive(Default)]
pub(crate) struct WorkerShared {
    /// Start of the running callback (actor clock ns); 0 = idle.
    pub busy_since_ns: AtomicU64,
    /// The running callback (`Callback as u8`).
    pub callback: AtomicU8,
    /// The supervisor gave up on this worker: call nothing more, just exit.
    pub abandoned: AtomicBool,
    /// An update is queued or running.
    pub update_queued: AtomicBool,
    /// A fixed update is queued or running.
    pub fixed_queued: AtomicBool,
}

/// How a worker gets its plugin instance.
pub(crate) enum Start {
    /// The instance made (and checked) when the plugin was loaded.
    Instance(Box<dyn Plugin>),
    /// Make a new one (restart, reload).
    Factory(PluginFactory, Vec<String>),
}

/// A running worker.
pub(crate) struct Worker {
    pub shared: Arc<WorkerShared>,
    jobs: Option<Sender<Job>>,
    thread: Option<JoinHandle<()>>,
}

/// Who a worker reports as, and where.
pub(crate) struct WorkerSetup {
    pub id: PluginId,
    pub incarnation: u32,
    /// Enforces the plugin's capabilities.
    pub ctx: PluginContext,
    pub counters: Arc<Counters>,
    pub outcomes: Sender<Outcome>,
}

/// Why a job was not queued.
pub(crate) enum QueueError {
    Full,
    Gone,
}

impl Worker {
    pub(crate) fn spawn(
        setup: WorkerSetup,
        name: &str,
        start: Start,
        queue: usize,
    ) -> std::io::Result<Self> {
        let shared = Arc::new(WorkerShared::default());
        let (tx, rx) = crossbeam_channel::bounded(queue.max(1));
        let run = Run {
            id: setup.id,
            incarnation: setup.incarnation,
            shared: shared.clone(),
            counters: setup.counters,
            outcomes: setup.outcomes,
            ctx: setup.ctx,
        };
        let thread = thread::Builder::new()
            .name(format!("plugin-{name}"))
            .spawn(move || run.main(start, rx))?;
        Ok(Self {
            shared,
            jobs: Some(tx),
            thread: Some(thread),
        })
    }

    /// Queue a job without waiting.
    pub(crate) fn try_send(&self, job: Job) -> Result<(), QueueError> {
        match &self.jobs {
            Some(tx) => tx.try_send(job).map_err(|e| match e {
                TrySendError::Full(_) => QueueError::Full,
                TrySendError::Disconnected(_) => QueueError::Gone,
            }),
            None => Err(QueueError::Gone),
        }
    }

    /// Ask for `shutdown` (graceful unload): queue it, then close the queue so
    /// the worker also ends if the queue was full.
    pub(crate) fn request_shutdown(&mut self) {
        if let Some(tx) = self.jobs.take() {
            let _ = tx.try_send(Job::Shutdown);
        }
    }

    /// Stop without calling anything more (after a fault).
    pub(crate) fn discard(&mut self) {
        self.shared.abandoned.store(true, Ordering::Release);
        self.jobs = None;
    }

    /// The worker thread has ended.
    pub(crate) fn finished(&self) -> bool {
        self.thread.as_ref().is_none_or(JoinHandle::is_finished)
    }

    /// Join an ended thread (no wait when [`finished`](Self::finished)).
    pub(crate) fn join(&mut self) {
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }

    /// Give up on the thread: it keeps running until its callback returns,
    /// then exits without calling the plugin again.
    pub(crate) fn abandon(&mut self) {
        self.discard();
        self.thread = None;
    }
}

/// The worker thread's side.
struct Run {
    id: PluginId,
    incarnation: u32,
    shared: Arc<WorkerShared>,
    counters: Arc<Counters>,
    outcomes: Sender<Outcome>,
    ctx: PluginContext,
}

impl Run {
    fn report(&self, what: OutcomeKind) {
        // The supervisor drains this queue continuously; if it is gone, so is the reason to report.
        let _ = self.outcomes.send(Outcome {
            id: self.id,
            incarnation: self.incarnation,
            what,
        });
    }

    /// Run `f` as `callback`: timed for the watchdog, panics caught.
    fn guarded<R>(&self, callback: Callback, f: impl FnOnce() -> R) -> Result<R, String> {
        guarded_in(&self.shared, callback, f)
    }

    fn abandoned(&self) -> bool {
        self.shared.abandoned.load(Ordering::Acquire)
    }

    fn flush_outputs(&mut self) {
        if !self.ctx.is_empty() {
            let outputs = self.ctx.take_outputs();
            self.report(OutcomeKind::Outputs(outputs));
        } else {
            self.ctx.take_outputs();
        }
    }

    fn dispose(&self, plugin: Box<dyn Plugin>) {
        let _ = self.guarded(Callback::Shutdown, move || drop(plugin));
    }

    fn main(mut self, start: Start, jobs: Receiver<Job>) {
        let mut plugin = match start {
            Start::Instance(p) => p,
            Start::Factory(factory, args) => {
                match self.guarded(Callback::Create, || factory.create(&args)) {
                    Ok(Ok(p)) => p,
                    Ok(Err(e)) => {
                        self.report(OutcomeKind::LoadFailed(e.to_string()));
                        return;
                    }
                    Err(detail) => {
                        self.report(OutcomeKind::Panicked {
                            callback: Callback::Create,
                            detail,
                        });
                        return;
                    }
                }
            }
        };
        if self.abandoned() {
            return self.dispose(plugin);
        }
        let loaded = guarded_in(&self.shared, Callback::Load, || {
            plugin.on_load(&mut self.ctx)
        });
        match loaded {
            Ok(Ok(())) => {
                self.flush_outputs();
                self.report(OutcomeKind::Loaded);
            }
            Ok(Err(e)) => {
                self.report(OutcomeKind::LoadFailed(e.0));
                return self.dispose(plugin);
            }
            Err(detail) => {
                self.report(OutcomeKind::Panicked {
                    callback: Callback::Load,
                    detail,
                });
                return self.dispose(plugin);
            }
        }
        // Ends when the supervisor closes the queue (unload, fault) or sends Shutdown.
        while let Ok(job) = jobs.recv() {
            if self.abandoned() {
                break;
            }
            let (callback, result) = match job {
                Job::Update(dt) => {
                    let r = self.run_job(Callback::Update, &mut plugin, |p, c| p.update(c, dt));
                    self.shared.update_queued.store(false, Ordering::Release);
                    if r.is_ok() {
                        self.counters.updates.fetch_add(1, Ordering::Relaxed);
                    }
                    (Callback::Update, r)
                }
                Job::FixedUpdate(step) => {
                    let r = self.run_job(Callback::FixedUpdate, &mut plugin, |p, c| {
                        p.fixed_update(c, step)
                    });
                    self.shared.fixed_queued.store(false, Ordering::Release);
                    if r.is_ok() {
                        self.counters.fixed_updates.fetch_add(1, Ordering::Relaxed);
                    }
                    (Callback::FixedUpdate, r)
                }
                Job::Event(event) => {
                    let r =
                        self.run_job(Callback::Event, &mut plugin, |p, c| p.on_event(c, &event));
                    if r.is_ok() {
                        self.counters.events.fetch_add(1, Ordering::Relaxed);
                    }
                    (Callback::Event, r)
                }
                Job::Shutdown => break,
            };
            if self.abandoned() {
                return self.dispose(plugin);
            }
            match result {
                Ok(()) => self.flush_outputs(),
                Err(detail) => {
                    self.report(OutcomeKind::Panicked { callback, detail });
                    return self.dispose(plugin);
                }
            }
        }
        if self.abandoned() {
            return self.dispose(plugin);
        }
        // Graceful end: the queue was closed by an unload, or Shutdown arrived.
        let r = self.run_job(Callback::Shutdown, &mut plugin, |p, c| p.shutdown(c));
        if r.is_ok() {
            self.flush_outputs();
        }
        self.dispose(plugin);
        self.report(OutcomeKind::Stopped);
    }

    fn run_job(
        &mut self,
        callback: Callback,
        plugin: &mut Box<dyn Plugin>,
        f: impl FnOnce(&mut dyn Plugin, &mut PluginContext),
    ) -> Result<(), String> {
        let ctx = &mut self.ctx;
        let shared = &self.shared;
        guarded_in(shared, callback, || f(plugin.as_mut(), ctx))
    }
}

/// Run `f` as `callback` of the worker sharing `shared`: its start time is
/// published for the watchdog, a panic is caught and described.
fn guarded_in<R>(
    shared: &WorkerShared,
    callback: Callback,
    f: impl FnOnce() -> R,
) -> Result<R, String> {
    shared.callback.store(callback as u8, Ordering::Relaxed);
    shared
        .busy_since_ns
        .store(clock::now_ns(), Ordering::Release);
    panics::enter_supervised();
    let result = catch_unwind(AssertUnwindSafe(f));
    panics::leave_supervised();
    shared.busy_since_ns.store(0, Ordering::Release);
    result.map_err(|payload| {
        let detail = panics::describe(&*payload);
        let _ = catch_unwind(AssertUnwindSafe(move || drop(payload)));
        detail
    })
}

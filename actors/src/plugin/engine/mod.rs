//! The supervisor thread: drives every plugin's updates, fans events out,
//! watches deadlines, applies the restart policy and publishes the
//! [`PluginsSnapshot`]. It never blocks on a plugin: workers and child
//! processes are reached through bounded queues with `try_send`, and their
//! reports come back on one bounded queue drained here.

use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use crossbeam_channel::{Receiver, Sender, select};

use super::api::{Plugin, PluginContext, PluginEvent, PluginFactory, PluginInfo};
use super::config::PluginSupervisorConfig;
use super::events::{Callback, PluginId, PluginWatchdogEvent, WatchdogEventKind as W};
use super::inprocess::{Start, Worker, WorkerSetup};
use super::isolated::ChildProcess;
use super::outcome::{Counters, Outcome};
use super::protocol::HostMessage;
use super::retire::{Retiree, RetireeRunner, RetireeTag};
use super::spec::PluginSpec;
use super::status::{PluginKind, PluginRow, PluginState, PluginStatus, PluginsSnapshot};
use super::supervisor::{ControlError, OutgoingChat};
use crate::bounded_log::BoundedLog;
use crate::bus::Latest;
use crate::clock;
use crate::policy::{RestartDecision, RestartTracker};

mod reports;
mod tick;

/// A request from the [`PluginSupervisor`](super::PluginSupervisor) handle.
pub(crate) enum Command {
    Load {
        spec: PluginSpec,
        how: LoadKind,
        reply: Sender<PluginId>,
    },
    Unload {
        id: PluginId,
        reply: Sender<Result<(), ControlError>>,
    },
    Reload {
        id: PluginId,
        reply: Sender<Result<(), ControlError>>,
    },
    Enable {
        id: PluginId,
        reply: Sender<Result<(), ControlError>>,
    },
    Disable {
        id: PluginId,
        reply: Sender<Result<(), ControlError>>,
    },
    Shutdown,
}

/// How a plugin being loaded runs.
pub(crate) enum LoadKind {
    InProcess {
        factory: PluginFactory,
        instance: Box<dyn Plugin>,
        info: PluginInfo,
    },
    Isolated {
        path: PathBuf,
    },
}

enum Runner {
    Idle,
    InProcess(Worker),
    Isolated(ChildProcess),
}

/// A hang reported and not yet resolved.
#[derive(Clone, Copy)]
struct HangMark {
    /// In-process: the callback's start (ns); isolated: the request's seq.
    key: u64,
    reported_at: Instant,
    callback: Callback,
}

struct Entry {
    id: PluginId,
    spec: PluginSpec,
    source: String,
    kind: PluginKind,
    factory: Option<PluginFactory>,
    path: Option<PathBuf>,
    info: PluginInfo,
    state: PluginState,
    loaded: bool,
    counters: Arc<Counters>,
    crashes: u64,
    hangs: u64,
    restarts: u64,
    reloads: u64,
    updates_skipped: u64,
    events_dropped: u64,
    chat_sent: u64,
    chat_dropped: u64,
    denied: u64,
    tracker: RestartTracker,
    restart_at: Option<Instant>,
    incarnation: u32,
    runner: Runner,
    overlay: Option<String>,
    last_fault: Option<String>,
    hang: Option<HangMark>,
    last_update: Instant,
    next_fixed: Instant,
    rss_kib: Option<u64>,
}

/// What a fault adds to the counters.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Count {
    Crash,
    /// Already counted (a hang, counted when reported).
    Nothing,
}

pub(crate) struct Engine {
    config: PluginSupervisorConfig,
    entries: Vec<Entry>,
    next_id: u64,
    outcomes_tx: Sender<Outcome>,
    outcomes_rx: Receiver<Outcome>,
    chat_tx: Sender<OutgoingChat>,
    log: Arc<BoundedLog<PluginWatchdogEvent>>,
    latest: Latest<PluginsSnapshot>,
    retiring: Vec<Retiree>,
    input_refused: Arc<AtomicU64>,
    abandoned_threads: u64,
    seq: u64,
    last_publish: Instant,
}

fn emit(
    log: &BoundedLog<PluginWatchdogEvent>,
    e: &Entry,
    what: W,
    callback: Option<Callback>,
    detail: String,
) {
    tracing::warn!(target: "kestrel::plugin", plugin = %e.info.name, id = e.id.0, incarnation = e.incarnation, ?what, ?callback, "{detail}");
    log.push(PluginWatchdogEvent {
        at_ms: clock::now_ms(),
        plugin: e.id,
        name: e.info.name.clone(),
        kind: e.kind,
        incarnation: e.incarnation,
        what,
        callback,
        detail,
    });
}

fn ms(d: Duration) -> u128 {
    d.as_millis()
}

impl Engine {
    pub(crate) fn new(
        config: PluginSupervisorConfig,
        chat_tx: Sender<OutgoingChat>,
        log: Arc<BoundedLog<PluginWatchdogEvent>>,
        latest: Latest<PluginsSnapshot>,
        input_refused: Arc<AtomicU64>,
    ) -> Self {
        let (outcomes_tx, outcomes_rx) = crossbeam_channel::bounded(1024);
        Self {
            config,
            entries: Vec::new(),
            next_id: 1,
            outcomes_tx,
            outcomes_rx,
            chat_tx,
            log,
            latest,
            retiring: Vec::new(),
            input_refused,
            abandoned_threads: 0,
            seq: 0,
            last_publish: Instant::now(),
        }
    }

    /// The thread's main loop; returns after `Shutdown` (or when the handle is gone)
    /// once every plugin is retired.
    pub(crate) fn run(mut self, commands: Receiver<Command>, input: Receiver<PluginEvent>) {
        let interval = self.config.update_interval.max(Duration::from_millis(1));
        let mut next_tick = Instant::now() + interval;
        let outcomes = self.outcomes_rx.clone();
        loop {
            let timeout = next_tick.saturating_duration_since(Instant::now());
            select! {
                recv(commands) -> c => match c {
                    Ok(Command::Shutdown) | Err(_) => break,
                    Ok(c) => self.command(c),
                },
                recv(outcomes) -> o => {
                    if let Ok(o) = o {
                        self.outcome(o);
                    }
                    for o in outcomes.try_iter().take(256) {
                        self.outcome(o);
                    }
                },
                recv(input) -> e => match e {
                    Ok(e) => self.dispatch(e),
                    Err(_) => break,
                },
                default(timeout) => {},
            }
            let now = Instant::now();
            if now >= next_tick {
                self.tick(now);
                next_tick += interval;
                if next_tick <= now {
                    next_tick = now + interval;
                }
            }
        }
        self.shutdown(&outcomes);
    }

    fn index(&self, id: PluginId) -> Option<usize> {
        self.entries.iter().position(|e| e.id == id)
    }

    fn command(&mut self, c: Command) {
        match c {
            Command::Load { spec, how, reply } => {
                let id = self.load(spec, how);
                let _ = reply.send(id);
            }
            Command::Unload { id, reply } => match self.index(id) {
                Some(i) => {
                    let mut e = self.entries.remove(i);
                    if retire_runner(&self.config, &mut self.retiring, &mut e, true) {
                        if let Some(r) = self.retiring.last_mut() {
                            r.reply = Some(reply);
                        }
                    } else {
                        let _ = reply.send(Ok(()));
                    }
                }
                None => {
                    let _ = reply.send(Err(ControlError::UnknownPlugin(id)));
                }
            },
            Command::Reload { id, reply } => {
                let r = self.with_index(id, |s, i| {
                    s.retire_current(i, true);
                    let e = &mut s.entries[i];
                    e.reloads += 1;
                    e.incarnation += 1;
                    e.tracker.reset();
                    s.start_incarnation(i, None);
                });
                let _ = reply.send(r);
            }
            Command::Enable { id, reply } => {
                let r = self.with_index(id, |s, i| {
                    if s.entries[i].state == PluginState::Disabled {
                        let e = &mut s.entries[i];
                        e.tracker.reset();
                        e.restarts += 1;
                        e.incarnation += 1;
                        emit(&s.log, e, W::Restarted, None, "re-enabled".into());
                        s.start_incarnation(i, None);
                    }
                });
                let _ = reply.send(r);
            }
            Command::Disable { id, reply } => {
                let r = self.with_index(id, |s, i| {
                    if s.entries[i].state != PluginState::Disabled {
                        s.retire_current(i, true);
                        let e = &mut s.entries[i];
                        e.state = PluginState::Disabled;
                        e.restart_at = None;
                        emit(&s.log, e, W::Disabled, None, "disabled on request".into());
                    }
                });
                let _ = reply.send(r);
            }
            Command::Shutdown => {}
        }
    }

    fn with_index(
        &mut self,
        id: PluginId,
        f: impl FnOnce(&mut Self, usize),
    ) -> Result<(), ControlError> {
        let i = self.index(id).ok_or(ControlError::UnknownPlugin(id))?;
        f(self, i);
        Ok(())
    }

    fn load(&mut self, spec: PluginSpec, how: LoadKind) -> PluginId {
        let id = PluginId(self.next_id);
        self.next_id += 1;
        let now = Instant::now();
        let (kind, factory, path, info, start) = match how {
            LoadKind::InProcess {
                factory,
                instance,
                info,
            } => (
                PluginKind::InProcess,
                Some(factory),
                None,
                info,
                Some(Start::Instance(instance)),
            ),
            LoadKind::Isolated { path } => (
                PluginKind::Isolated,
                None,
                Some(path),
                PluginInfo::new(spec.short_name(), ""),
                None,
            ),
        };
        self.entries.push(Entry {
            id,
            source: spec.to_string(),
            spec,
            kind,
            factory,
            path,
            info,
            state: PluginState::Loading,
            loaded: false,
            counters: Arc::new(Counters::default()),
            crashes: 0,
            hangs: 0,
            restarts: 0,
            reloads: 0,
            updates_skipped: 0,
            events_dropped: 0,
            chat_sent: 0,
            chat_dropped: 0,
            denied: 0,
            tracker: RestartTracker::new(),
            restart_at: None,
            incarnation: 0,
            runner: Runner::Idle,
            overlay: None,
            last_fault: None,
            hang: None,
            last_update: now,
            next_fixed: now,
            rss_kib: None,
        });
        let i = self.entries.len() - 1;
        self.start_incarnation(i, start);
        id
    }

    /// Start the runner of entry `i`'s current incarnation.
    fn start_incarnation(&mut self, i: usize, start: Option<Start>) {
        let now = Instant::now();
        let e = &mut self.entries[i];
        e.hang = None;
        e.loaded = false;
        e.restart_at = None;
        e.overlay = None;
        e.last_update = now;
        e.next_fixed = now + self.config.fixed_step;
        e.state = PluginState::Loading;
        let started = match (e.kind, &e.factory, &e.path) {
            (PluginKind::InProcess, Some(factory), _) => {
                let start =
                    start.unwrap_or_else(|| Start::Factory(factory.clone(), e.spec.args.clone()));
                let setup = WorkerSetup {
                    id: e.id,
                    incarnation: e.incarnation,
                    ctx: PluginContext::new(e.info.capabilities),
                    counters: e.counters.clone(),
                    outcomes: self.outcomes_tx.clone(),
                };
                Worker::spawn(setup, &e.info.name, start, self.config.plugin_queue)
                    .map(Runner::InProcess)
            }
            (PluginKind::Isolated, _, Some(path)) => ChildProcess::spawn(
                e.id,
                e.incarnation,
                &e.info.name,
                path,
                &e.spec.args,
                self.outcomes_tx.clone(),
            )
            .map(Runner::Isolated),
            _ => Err(std::io::Error::other("plugin has nothing to run")),
        };
        match started {
            Ok(r) => e.runner = r,
            Err(err) => {
                let what = match e.kind {
                    PluginKind::InProcess => "thread",
                    PluginKind::Isolated => "process",
                };
                self.fault(
                    i,
                    W::LoadFailed,
                    Some(Callback::Create),
                    format!("cannot start the plugin {what}: {err}"),
                    Count::Crash,
                );
            }
        }
    }

    /// Move entry `i`'s runner to the retiring list.
    fn retire_current(&mut self, i: usize, graceful: bool) {
        retire_runner(
            &self.config,
            &mut self.retiring,
            &mut self.entries[i],
            graceful,
        );
    }

    /// A fault of entry `i`: count, record, stop the runner, decide.
    fn fault(
        &mut self,
        i: usize,
        what: W,
        callback: Option<Callback>,
        detail: String,
        count: Count,
    ) {
        let now = Instant::now();
        {
            let e = &mut self.entries[i];
            if count == Count::Crash {
                e.crashes += 1;
            }
            e.last_fault = Some(match callback {
                Some(cb) => format!("{what:?} in {cb:?}: {detail}"),
                None => format!("{what:?}: {detail}"),
            });
            emit(&self.log, e, what, callback, detail);
        }
        // A pipe that closed by itself: give the child a moment to exit on
        // its own, so its real exit status is what gets reported.
        let exited_itself = what == W::ProcessExited;
        self.retire_current(i, false);
        if exited_itself && let Some(r) = self.retiring.last_mut() {
            r.kill_at = now + Duration::from_millis(200);
        }
        let e = &mut self.entries[i];
        e.hang = None;
        match e.tracker.on_fault(&self.config.policy, now) {
            RestartDecision::RestartAfter(delay) => {
                e.state = PluginState::BackingOff;
                e.restart_at = Some(now + delay);
            }
            RestartDecision::GiveUp => {
                e.state = PluginState::Disabled;
                e.restart_at = None;
                let p = &self.config.policy;
                emit(
                    &self.log,
                    e,
                    W::Disabled,
                    None,
                    format!(
                        "restart intensity exceeded: {} restarts within {} s",
                        p.max_restarts,
                        p.restart_window.as_secs_f64()
                    ),
                );
            }
        }
    }

    /// Disable entry `i` at once (no restart can help).
    fn disable(&mut self, i: usize, what: W, detail: String) {
        self.entries[i].crashes += 1;
        self.retire_current(i, false);
        let e = &mut self.entries[i];
        e.last_fault = Some(format!("{what:?}: {detail}"));
        emit(&self.log, e, what, Some(Callback::Handshake), detail);
        e.state = PluginState::Disabled;
        e.restart_at = None;
        e.hang = None;
        emit(&self.log, e, W::Disabled, None, "cannot run".into());
    }

    fn rows(&self) -> Vec<PluginRow> {
        self.entries
            .iter()
            .map(|e| PluginRow {
                id: e.id,
                status: PluginStatus {
                    name: e.info.name.clone(),
                    kind: e.kind,
                    state: e.state,
                    crashes: e.crashes,
                    hangs: e.hangs,
                    restarts: e.restarts,
                },
                version: e.info.version.clone(),
                source: e.source.clone(),
                capabilities: e.info.capabilities,
                incarnation: e.incarnation,
                reloads: e.reloads,
                updates: e.counters.updates.load(Ordering::Relaxed),
                updates_skipped: e.updates_skipped,
                fixed_updates: e.counters.fixed_updates.load(Ordering::Relaxed),
                events_delivered: e.counters.events.load(Ordering::Relaxed),
                events_dropped: e.events_dropped,
                chat_sent: e.chat_sent,
                chat_dropped: e.chat_dropped,
                denied: e.denied,
                overlay: e.overlay.clone(),
                last_fault: e.last_fault.clone(),
                pid: match &e.runner {
                    Runner::Isolated(p) => Some(p.pid),
                    _ => None,
                },
                rss_kib: e.rss_kib,
            })
            .collect()
    }

    /// Publish a new snapshot if anything changed (at most once per `publish_interval` unless forced).
    fn publish(&mut self, now: Instant, force: bool) {
        if !force && now.saturating_duration_since(self.last_publish) < self.config.publish_interval
        {
            return;
        }
        self.last_publish = now;
        let plugins = self.rows();
        let current = self.latest.load();
        let same = current.plugins == plugins
            && current.events_total == self.log.total()
            && current.input_refused == self.input_refused.load(Ordering::Relaxed)
            && current.abandoned_threads == self.abandoned_threads;
        drop(current);
        if same && !force {
            return;
        }
        self.seq += 1;
        let recent_events = self.log.with_entries(|q| q.iter().cloned().collect());
        self.latest.publish(PluginsSnapshot {
            seq: self.seq,
            at_ms: clock::now_ms(),
            plugins,
            recent_events,
            events_total: self.log.total(),
            events_evicted: self.log.evicted(),
            input_refused: self.input_refused.load(Ordering::Relaxed),
            abandoned_threads: self.abandoned_threads,
        });
    }

    /// Retire every plugin and wait (bounded) for them to go.
    fn shutdown(&mut self, outcomes: &Receiver<Outcome>) {
        for i in 0..self.entries.len() {
            self.retire_current(i, true);
        }
        self.entries.clear();
        let give_up = Instant::now()
            + self.config.shutdown_grace.max(self.config.hang_grace)
            + Duration::from_secs(3);
        while !self.retiring.is_empty() {
            // Keep draining: a reader thread blocked on a full queue could not end.
            for _ in outcomes.try_iter() {}
            let now = Instant::now();
            self.poll_retiring(now);
            if now >= give_up {
                for r in self.retiring.drain(..) {
                    match r.runner {
                        RetireeRunner::Worker(mut w) => {
                            w.abandon();
                            self.abandoned_threads += 1;
                        }
                        RetireeRunner::Child(mut p) => {
                            p.kill();
                            p.wait();
                            self.abandoned_threads += p.join_threads();
                        }
                    }
                    if let Some(reply) = r.reply {
                        let _ = reply.send(Ok(()));
                    }
                }
                break;
            }
            std::thread::sleep(Duration::from_millis(2));
        }
        self.publish(Instant::now(), true);
    }
}

/// Move `e`'s runner (if any) to `retiring`: gracefully (`shutdown` first,
/// `shutdown_grace` to end) or not (discarded / killed, `hang_grace` to end).
/// Returns whether a retiree was added.
fn retire_runner(
    config: &PluginSupervisorConfig,
    retiring: &mut Vec<Retiree>,
    e: &mut Entry,
    graceful: bool,
) -> bool {
    let graceful = graceful && e.hang.is_none();
    let runner = match std::mem::replace(&mut e.runner, Runner::Idle) {
        Runner::Idle => return false,
        Runner::InProcess(mut w) => {
            if graceful {
                w.request_shutdown();
            } else {
                w.discard();
            }
            RetireeRunner::Worker(w)
        }
        Runner::Isolated(mut p) => {
            if graceful && p.ready {
                let _ = p.request(Callback::Shutdown, |seq| HostMessage::Shutdown { seq });
                p.close_input();
            } else {
                p.kill();
            }
            RetireeRunner::Child(p)
        }
    };
    let grace = if graceful {
        config.shutdown_grace
    } else {
        config.hang_grace
    };
    retiring.push(Retiree {
        tag: RetireeTag {
            id: e.id,
            name: e.info.name.clone(),
            kind: e.kind,
            incarnation: e.incarnation,
        },
        runner,
        kill_at: Instant::now() + grace,
        graceful,
        reaped_reported: false,
        reply: None,
    });
    true
}

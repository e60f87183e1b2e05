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

use super::api::{
    LogLevel, MAX_CHAT_BYTES, MAX_LOG_BYTES, MAX_OVERLAY_BYTES, Plugin, PluginContext, PluginEvent,
    PluginFactory, PluginInfo, PluginOutput,
};
use super::config::PluginSupervisorConfig;
use super::events::{Callback, PluginId, PluginWatchdogEvent, WatchdogEventKind as W};
use super::inprocess::{Job, Start, Worker};
use super::isolated::{ChildProcess, describe_status, is_garbage};
use super::outcome::{Counters, Outcome, OutcomeKind};
use super::protocol::{ChildMessage, HostMessage, PROTOCOL_VERSION};
use super::retire::{Retiree, RetireeRunner};
use super::spec::PluginSpec;
use super::status::{PluginKind, PluginRow, PluginState, PluginStatus, PluginsSnapshot};
use super::supervisor::{ControlError, OutgoingChat};
use crate::bounded_log::BoundedLog;
use crate::bus::Latest;
use crate::clock;
use crate::policy::{HangAction, RestartDecision, RestartTracker};

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
                Worker::spawn(
                    e.id,
                    e.incarnation,
                    &e.info.name,
                    start,
                    PluginContext::new(e.info.capabilities),
                    self.config.plugin_queue,
                    e.counters.clone(),
                    self.outcomes_tx.clone(),
                )
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

    fn outcome(&mut self, o: Outcome) {
        let Some(i) = self.index(o.id) else { return };
        let e = &self.entries[i];
        if e.incarnation != o.incarnation || matches!(e.runner, Runner::Idle) {
            return;
        }
        match o.what {
            OutcomeKind::Loaded => {
                let e = &mut self.entries[i];
                e.loaded = true;
                if e.state == PluginState::Loading {
                    e.state = PluginState::Running;
                    e.last_update = Instant::now();
                }
            }
            OutcomeKind::Outputs(outputs) => self.outputs(i, outputs),
            OutcomeKind::Panicked { callback, detail } => {
                self.fault(i, W::Panicked, Some(callback), detail, Count::Crash)
            }
            OutcomeKind::LoadFailed(detail) => {
                self.fault(i, W::LoadFailed, Some(Callback::Load), detail, Count::Crash)
            }
            OutcomeKind::Stopped => {}
            OutcomeKind::Frame(msg) => self.frame(i, msg),
            OutcomeKind::PipeEnded(err) => {
                let callback = match &self.entries[i].runner {
                    Runner::Isolated(p) => p.current().map(|(p, _)| p.callback),
                    _ => None,
                };
                if is_garbage(&err) {
                    self.fault(i, W::ProtocolError, callback, err.to_string(), Count::Crash);
                } else {
                    self.fault(i, W::ProcessExited, callback, err.to_string(), Count::Crash);
                }
            }
        }
    }

    fn frame(&mut self, i: usize, msg: ChildMessage) {
        let Runner::Isolated(p) = &mut self.entries[i].runner else {
            return;
        };
        let front = p.outstanding.front().copied();
        let seq_ok =
            |seq: u64| front.is_some_and(|f| f.seq == seq && f.callback != Callback::Handshake);
        match msg {
            ChildMessage::Hello { protocol, info } => {
                if front.is_none_or(|f| f.callback != Callback::Handshake) {
                    return self.protocol_error(i, "a second hello".into());
                }
                if protocol != PROTOCOL_VERSION {
                    return self.disable(
                        i,
                        W::Incompatible,
                        format!(
                            "plugin speaks protocol {protocol}, this viewer {PROTOCOL_VERSION}"
                        ),
                    );
                }
                if let Err(err) = info.validate() {
                    return self.disable(i, W::Incompatible, format!("bad declaration: {err}"));
                }
                p.answered();
                p.ready = true;
                let sent = p.request(Callback::Load, |seq| HostMessage::Load { seq });
                let e = &mut self.entries[i];
                e.info = info;
                if sent.is_err() {
                    self.protocol_error(i, "cannot send load".into());
                }
            }
            ChildMessage::Done { seq, outputs } => {
                if !seq_ok(seq) {
                    return self.protocol_error(
                        i,
                        format!("answer for request {seq}, expected {front:?}"),
                    );
                }
                let Some(done) = p.answered() else { return };
                let e = &mut self.entries[i];
                match done.callback {
                    Callback::Load => {
                        e.loaded = true;
                        if e.state == PluginState::Loading {
                            e.state = PluginState::Running;
                            e.last_update = Instant::now();
                        }
                    }
                    Callback::Update => {
                        e.counters.updates.fetch_add(1, Ordering::Relaxed);
                    }
                    Callback::FixedUpdate => {
                        e.counters.fixed_updates.fetch_add(1, Ordering::Relaxed);
                    }
                    Callback::Event => {
                        e.counters.events.fetch_add(1, Ordering::Relaxed);
                    }
                    _ => {}
                }
                self.outputs(i, outputs);
                if let Some(mark) = self.entries[i].hang
                    && mark.key == seq
                {
                    self.returned_late(i, mark);
                }
            }
            ChildMessage::LoadFailed { seq, error } => {
                if !seq_ok(seq) {
                    return self.protocol_error(
                        i,
                        format!("load_failed for request {seq}, expected {front:?}"),
                    );
                }
                self.fault(i, W::LoadFailed, Some(Callback::Load), error, Count::Crash);
            }
            ChildMessage::Panicked { seq, detail } => {
                if !seq_ok(seq) {
                    return self.protocol_error(
                        i,
                        format!("panicked for request {seq}, expected {front:?}"),
                    );
                }
                let cb = front.map(|f| f.callback);
                self.fault(i, W::Panicked, cb, detail, Count::Crash);
            }
        }
    }

    fn protocol_error(&mut self, i: usize, detail: String) {
        self.fault(i, W::ProtocolError, None, detail, Count::Crash);
    }

    /// A callback reported hung has returned.
    fn returned_late(&mut self, i: usize, mark: HangMark) {
        let e = &mut self.entries[i];
        e.hang = None;
        let late = mark.reported_at.elapsed();
        emit(
            &self.log,
            e,
            W::ReturnedLate,
            Some(mark.callback),
            format!("returned {} ms after being reported hung", ms(late)),
        );
        match self.config.policy.on_hang {
            HangAction::Restart => self.fault(
                i,
                W::Hung,
                Some(mark.callback),
                "restarting after a hang".into(),
                Count::Nothing,
            ),
            HangAction::Record => {
                e.state = if e.loaded {
                    PluginState::Running
                } else {
                    PluginState::Loading
                };
            }
        }
    }

    fn outputs(&mut self, i: usize, outputs: Vec<PluginOutput>) {
        let e = &mut self.entries[i];
        let caps = e.info.capabilities;
        for o in outputs {
            match o {
                PluginOutput::Chat(req) => {
                    if !caps.send_chat || req.text.len() > MAX_CHAT_BYTES {
                        e.denied += 1;
                        let why = if caps.send_chat {
                            "chat text too long"
                        } else {
                            "chat without the send_chat capability"
                        };
                        emit(&self.log, e, W::CapabilityDenied, None, why.into());
                        continue;
                    }
                    let chat = OutgoingChat {
                        plugin: e.id,
                        name: e.info.name.clone(),
                        channel: req.channel,
                        text: req.text,
                    };
                    match self.chat_tx.try_send(chat) {
                        Ok(()) => e.chat_sent += 1,
                        Err(_) => e.chat_dropped += 1,
                    }
                }
                PluginOutput::Overlay { text } => {
                    let too_long = text.as_ref().is_some_and(|t| t.len() > MAX_OVERLAY_BYTES);
                    if !caps.overlay || too_long {
                        e.denied += 1;
                        let why = if caps.overlay {
                            "overlay text too long"
                        } else {
                            "overlay without the overlay capability"
                        };
                        emit(&self.log, e, W::CapabilityDenied, None, why.into());
                        continue;
                    }
                    e.overlay = text;
                }
                PluginOutput::Log { level, mut text } => {
                    if text.len() > MAX_LOG_BYTES {
                        let mut cut = MAX_LOG_BYTES;
                        while !text.is_char_boundary(cut) {
                            cut -= 1;
                        }
                        text.truncate(cut);
                    }
                    let name = &e.info.name;
                    match level {
                        LogLevel::Debug => {
                            tracing::debug!(target: "kestrel::plugin", plugin = %name, "{text}")
                        }
                        LogLevel::Info => {
                            tracing::info!(target: "kestrel::plugin", plugin = %name, "{text}")
                        }
                        LogLevel::Warn => {
                            tracing::warn!(target: "kestrel::plugin", plugin = %name, "{text}")
                        }
                    }
                }
            }
        }
    }

    fn dispatch(&mut self, event: PluginEvent) {
        let kind = event.kind();
        let event = Arc::new(event);
        for e in &mut self.entries {
            if !e.info.capabilities.events.contains(kind) {
                continue;
            }
            let live = matches!(
                e.state,
                PluginState::Loading | PluginState::Running | PluginState::Hung
            );
            let delivered = live
                && match &mut e.runner {
                    Runner::InProcess(w) => w.try_send(Job::Event(event.clone())).is_ok(),
                    Runner::Isolated(p) => {
                        p.ready
                            && p.request(Callback::Event, |seq| HostMessage::Event {
                                seq,
                                event: (*event).clone(),
                            })
                            .is_ok()
                    }
                    Runner::Idle => false,
                };
            if !delivered {
                e.events_dropped += 1;
            }
        }
    }

    fn tick(&mut self, now: Instant) {
        for i in 0..self.entries.len() {
            self.watch(i, now);
            if self.entries[i].state == PluginState::BackingOff
                && self.entries[i].restart_at.is_some_and(|t| t <= now)
            {
                let e = &mut self.entries[i];
                e.incarnation += 1;
                e.restarts += 1;
                emit(
                    &self.log,
                    e,
                    W::Restarted,
                    None,
                    format!("incarnation {}", e.incarnation),
                );
                self.start_incarnation(i, None);
            }
            self.drive(i, now);
        }
        self.poll_retiring(now);
        self.publish(now, false);
    }

    /// Deadlines and memory of entry `i`.
    fn watch(&mut self, i: usize, now: Instant) {
        let e = &mut self.entries[i];
        match &mut e.runner {
            Runner::Idle => {}
            Runner::InProcess(w) => {
                let since = w.shared.busy_since_ns.load(Ordering::Acquire);
                if let Some(mark) = e.hang {
                    if since != mark.key {
                        return self.returned_late(i, mark);
                    }
                    if now.saturating_duration_since(mark.reported_at) >= self.config.hang_grace {
                        w.abandon();
                        e.runner = Runner::Idle;
                        e.hang = None;
                        e.state = PluginState::Disabled;
                        e.restart_at = None;
                        self.abandoned_threads += 1;
                        emit(
                            &self.log,
                            e,
                            W::Abandoned,
                            Some(mark.callback),
                            format!(
                                "still running {} ms after being reported hung; thread abandoned",
                                ms(self.config.hang_grace)
                            ),
                        );
                        emit(
                            &self.log,
                            e,
                            W::Disabled,
                            None,
                            "hung callback never returned".into(),
                        );
                    }
                    return;
                }
                if since == 0 {
                    return;
                }
                let cb = Callback::from_u8(w.shared.callback.load(Ordering::Relaxed))
                    .unwrap_or(Callback::Update);
                let Some(deadline) = self.config.deadline(cb) else {
                    return;
                };
                let ran = Duration::from_nanos(clock::now_ns().saturating_sub(since));
                if ran > deadline {
                    e.hangs += 1;
                    e.hang = Some(HangMark {
                        key: since,
                        reported_at: now,
                        callback: cb,
                    });
                    e.state = PluginState::Hung;
                    e.last_fault = Some(format!(
                        "Hung in {cb:?}: past its {} ms deadline",
                        ms(deadline)
                    ));
                    emit(
                        &self.log,
                        e,
                        W::Hung,
                        Some(cb),
                        format!("running for {} ms, deadline {} ms", ms(ran), ms(deadline)),
                    );
                }
            }
            Runner::Isolated(p) => {
                if now.saturating_duration_since(p.last_rss_check) >= self.config.rss_check_interval
                {
                    p.last_rss_check = now;
                    e.rss_kib = p.rss_kib();
                    if let (Some(rss), Some(max)) = (e.rss_kib, self.config.max_rss_kib)
                        && rss > max
                    {
                        let cb = p.current().map(|(c, _)| c.callback);
                        return self.fault(
                            i,
                            W::MemoryLimit,
                            cb,
                            format!("resident memory {rss} KiB over the limit of {max} KiB"),
                            Count::Crash,
                        );
                    }
                }
                let Some((current, started)) = p.current() else {
                    return;
                };
                if let Some(mark) = e.hang {
                    if now.saturating_duration_since(mark.reported_at) >= self.config.hang_grace {
                        let detail = format!(
                            "no answer {} ms after being reported hung; process killed",
                            ms(self.config.hang_grace)
                        );
                        self.fault(i, W::Killed, Some(mark.callback), detail, Count::Nothing);
                    }
                    return;
                }
                let Some(deadline) = self.config.deadline(current.callback) else {
                    return;
                };
                let ran = now.saturating_duration_since(started);
                if ran > deadline {
                    e.hangs += 1;
                    e.hang = Some(HangMark {
                        key: current.seq,
                        reported_at: now,
                        callback: current.callback,
                    });
                    e.state = PluginState::Hung;
                    e.last_fault = Some(format!(
                        "Hung in {:?}: past its {} ms deadline",
                        current.callback,
                        ms(deadline)
                    ));
                    emit(
                        &self.log,
                        e,
                        W::Hung,
                        Some(current.callback),
                        format!("no answer for {} ms, deadline {} ms", ms(ran), ms(deadline)),
                    );
                }
            }
        }
    }

    /// Send entry `i` its update and fixed update when due.
    fn drive(&mut self, i: usize, now: Instant) {
        let step = self.config.fixed_step;
        let e = &mut self.entries[i];
        if e.state != PluginState::Running {
            return;
        }
        let dt = now.saturating_duration_since(e.last_update);
        let fixed_due = now >= e.next_fixed;
        if fixed_due {
            e.next_fixed += step;
            if e.next_fixed <= now {
                e.next_fixed = now + step;
            }
        }
        match &mut e.runner {
            Runner::InProcess(w) => {
                if w.shared.update_queued.swap(true, Ordering::AcqRel) {
                    e.updates_skipped += 1;
                } else if w.try_send(Job::Update(dt)).is_ok() {
                    e.last_update = now;
                } else {
                    w.shared.update_queued.store(false, Ordering::Release);
                    e.updates_skipped += 1;
                }
                if fixed_due && !w.shared.fixed_queued.swap(true, Ordering::AcqRel) {
                    if w.try_send(Job::FixedUpdate(step)).is_err() {
                        w.shared.fixed_queued.store(false, Ordering::Release);
                    }
                }
            }
            Runner::Isolated(p) => {
                if p.in_flight(Callback::Update) {
                    e.updates_skipped += 1;
                } else if p
                    .request(Callback::Update, |seq| HostMessage::Update {
                        seq,
                        dt_us: u64::try_from(dt.as_micros()).unwrap_or(u64::MAX),
                    })
                    .is_ok()
                {
                    e.last_update = now;
                } else {
                    e.updates_skipped += 1;
                }
                if fixed_due && !p.in_flight(Callback::FixedUpdate) {
                    let step_us = u64::try_from(step.as_micros()).unwrap_or(u64::MAX);
                    let _ = p.request(Callback::FixedUpdate, |seq| HostMessage::FixedUpdate {
                        seq,
                        step_us,
                    });
                }
            }
            Runner::Idle => {}
        }
    }

    fn poll_retiring(&mut self, now: Instant) {
        let mut k = 0;
        while k < self.retiring.len() {
            let r = &mut self.retiring[k];
            let done = match &mut r.runner {
                RetireeRunner::Worker(w) => {
                    if w.finished() {
                        w.join();
                        true
                    } else if now >= r.kill_at {
                        w.abandon();
                        self.abandoned_threads += 1;
                        self.log.push(r.event(
                            W::Abandoned,
                            format!(
                                "worker thread did not end within {} ms; abandoned",
                                ms(self.config.shutdown_grace.max(self.config.hang_grace))
                            ),
                        ));
                        true
                    } else {
                        false
                    }
                }
                RetireeRunner::Child(p) => {
                    if let Some(status) = p.try_reap() {
                        // A clean exit after an unload is not a watchdog event.
                        if !r.reaped_reported && !(r.graceful && status.success()) {
                            r.reaped_reported = true;
                            self.log.push(r.event(W::Reaped, describe_status(status)));
                        }
                        if p.threads_finished() || now >= r.kill_at + Duration::from_secs(2) {
                            self.abandoned_threads += p.join_threads();
                            true
                        } else {
                            false
                        }
                    } else {
                        if now >= r.kill_at && !p.killed {
                            p.kill();
                            if r.graceful {
                                self.log.push(r.event(
                                    W::Killed,
                                    "did not exit after shutdown; killed".into(),
                                ));
                            }
                        }
                        false
                    }
                }
            };
            if done {
                let r = self.retiring.swap_remove(k);
                if let Some(reply) = r.reply {
                    let _ = reply.send(Ok(()));
                }
            } else {
                k += 1;
            }
        }
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
        id: e.id,
        name: e.info.name.clone(),
        kind: e.kind,
        incarnation: e.incarnation,
        runner,
        kill_at: Instant::now() + grace,
        graceful,
        reaped_reported: false,
        reply: None,
    });
    true
}

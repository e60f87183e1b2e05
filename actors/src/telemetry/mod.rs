//! The [`TelemetryActor`]: gathers every actor's mailbox metrics and the
//! render thread's frame timings into one immutable [`TelemetrySnapshot`],
//! published through [`Latest`] — rebuilt only when something changed, at
//! most once per `interval` (≥ 100 ms, so at most 10 times a second) — and
//! optionally appended to a JSON-lines file.

mod frame;

use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use serde::Serialize;

use frame::FrameWindow;
pub use frame::{FrameSink, FrameStats, FrameTiming, MAX_GPU_PASSES, MsSummary, PassStats};

use crate::actor::{Ctx, Durable, Handles, SupervisedActor};
use crate::bounded_log::BoundedLog;
use crate::bus::Latest;
use crate::clock;
use crate::control::Escalation;
use crate::dead_letters::DeadLetters;
use crate::mailbox::Addr;
use crate::metrics::{ActorState, MailboxCounters, MailboxSnapshot};
use crate::registry::{ActorEntry, Registry};
use crate::runtime::{RuntimeHandle, SpawnError};

/// The name the telemetry actor is spawned under.
pub const TELEMETRY_ACTOR: &str = "telemetry";

/// The shortest snapshot interval (10 snapshots a second).
pub const MIN_INTERVAL: Duration = Duration::from_millis(100);

/// Telemetry settings (`[telemetry]` in the actors config).
#[derive(Clone, Debug, PartialEq)]
pub struct TelemetryConfig {
    /// How often to look for changes and rebuild the snapshot (at least [`MIN_INTERVAL`]).
    pub interval: Duration,
    /// Append every snapshot as one JSON line to this file.
    pub jsonl_path: Option<PathBuf>,
    /// Frames buffered in the [`FrameSink`].
    pub frame_queue: usize,
    /// Frames summarised per snapshot.
    pub frame_window: usize,
}

impl Default for TelemetryConfig {
    fn default() -> Self {
        Self {
            interval: MIN_INTERVAL,
            jsonl_path: None,
            frame_queue: 256,
            frame_window: 120,
        }
    }
}

/// Dead-letter counts.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize)]
pub struct DeadLetterStats {
    /// Dead letters ever recorded.
    pub total: u64,
    /// Held in the store now.
    pub held: usize,
    /// Evicted from the store to keep it bounded.
    pub evicted: u64,
}

/// Everything the editor's telemetry panel shows, at one moment. Immutable;
/// replaced whole.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct TelemetrySnapshot {
    /// Snapshot number (0 = the empty initial one).
    pub seq: u64,
    /// When it was built, in ms on the actor clock.
    pub at_ms: u64,
    /// Every actor's metrics, in spawn order.
    pub actors: Vec<MailboxSnapshot>,
    /// Dead letters.
    pub dead_letters: DeadLetterStats,
    /// Escalations recorded in the runtime's log.
    pub escalations: u64,
    /// Frame timings.
    pub frames: FrameStats,
    /// JSON-lines writes that failed so far.
    pub jsonl_errors: u64,
}

impl TelemetrySnapshot {
    /// The row of actor `name`.
    pub fn actor(&self, name: &str) -> Option<&MailboxSnapshot> {
        self.actors.iter().find(|a| a.name.as_str() == name)
    }
}

/// What the telemetry actor keeps across restarts.
pub struct TelemetryState {
    latest: Latest<TelemetrySnapshot>,
    sink: FrameSink,
    config: TelemetryConfig,
    registry: Arc<Registry>,
    dead_letters: Arc<DeadLetters>,
    escalations: Arc<BoundedLog<Escalation>>,
    frames: FrameWindow,
    seq: u64,
    last_signature: Vec<u64>,
    signature: Vec<u64>,
    counters: Vec<(Arc<ActorEntry>, MailboxCounters)>,
    jsonl: Option<File>,
    jsonl_errors: u64,
    line: Vec<u8>,
}

impl TelemetryState {
    fn new(runtime: &RuntimeHandle, config: TelemetryConfig) -> Self {
        Self {
            latest: Latest::new(TelemetrySnapshot::default()),
            sink: FrameSink::new(config.frame_queue),
            frames: FrameWindow::new(config.frame_window),
            registry: runtime.registry().clone(),
            dead_letters: runtime.dead_letters().clone(),
            escalations: runtime.escalations().clone(),
            config,
            seq: 0,
            last_signature: Vec::new(),
            signature: Vec::new(),
            counters: Vec::new(),
            jsonl: None,
            jsonl_errors: 0,
            line: Vec::new(),
        }
    }

    /// Read every actor's counters once; the signature (what a snapshot
    /// depends on, as numbers) and the snapshot are both built from this read,
    /// so a published snapshot always matches the signature it was built for.
    fn read_counters(&mut self) {
        self.counters.clear();
        self.counters.extend(
            self.registry
                .list()
                .iter()
                .map(|e| (e.clone(), e.metrics().counters())),
        );
        let sig = &mut self.signature;
        sig.clear();
        for (_, c) in &self.counters {
            sig.extend_from_slice(&[
                c.enqueued,
                c.handled,
                c.refused,
                c.send_waits,
                c.dead_lettered,
                c.crashes,
                c.hangs,
                c.restarts,
                c.escalations,
                c.depth as u64,
                state_code(c.state),
                // A handler that keeps running is a change every 100 ms.
                c.busy_ms.map_or(0, |ms| 1 + ms / 100),
            ]);
        }
        sig.extend_from_slice(&[
            self.dead_letters.total(),
            self.escalations.total(),
            self.frames.total,
            self.sink.overwritten(),
            self.jsonl_errors,
        ]);
    }

    /// Drain the frame sink; rebuild and publish if anything changed.
    fn tick(&mut self) {
        while let Some(t) = self.sink.pop() {
            self.frames.push(t);
        }
        self.read_counters();
        if self.signature == self.last_signature {
            return;
        }
        std::mem::swap(&mut self.signature, &mut self.last_signature);
        self.seq += 1;
        let snapshot = TelemetrySnapshot {
            seq: self.seq,
            at_ms: clock::now_ms(),
            actors: self
                .counters
                .iter()
                .map(|(e, c)| e.metrics().snapshot_from(c))
                .collect(),
            dead_letters: DeadLetterStats {
                total: self.dead_letters.total(),
                held: self.dead_letters.len(),
                evicted: self.dead_letters.evicted(),
            },
            escalations: self.escalations.total(),
            frames: self.frames.stats(self.sink.overwritten()),
            jsonl_errors: self.jsonl_errors,
        };
        self.append_jsonl(&snapshot);
        self.latest.publish(snapshot);
    }

    fn append_jsonl(&mut self, snapshot: &TelemetrySnapshot) {
        let Some(path) = &self.config.jsonl_path else {
            return;
        };
        if self.jsonl.is_none() {
            match OpenOptions::new().create(true).append(true).open(path) {
                Ok(f) => self.jsonl = Some(f),
                Err(e) => {
                    self.jsonl_errors += 1;
                    tracing::warn!(path = %path.display(), error = %e, "cannot open telemetry JSON-lines file");
                    return;
                }
            }
        }
        self.line.clear();
        let written = serde_json::to_writer(&mut self.line, snapshot)
            .map_err(std::io::Error::other)
            .and_then(|()| {
                self.line.push(b'\n');
                match &mut self.jsonl {
                    Some(f) => f.write_all(&self.line),
                    None => Ok(()),
                }
            });
        if let Err(e) = written {
            self.jsonl_errors += 1;
            self.jsonl = None;
            tracing::warn!(path = %path.display(), error = %e, "cannot append telemetry snapshot");
        }
    }
}

fn state_code(s: ActorState) -> u64 {
    s as u8 as u64
}

/// The telemetry actor. Its durable state holds the published snapshot,
/// the frame window and the JSON-lines file, so a crash loses none of them.
pub struct TelemetryActor;

impl SupervisedActor for TelemetryActor {
    type Durable = TelemetryState;

    fn start(durable: &mut Durable<TelemetryState>, ctx: &mut Ctx<'_, Self>) -> Self {
        let every = durable.config.interval.max(MIN_INTERVAL);
        ctx.run_interval(every, |_, durable, _| durable.tick());
        TelemetryActor
    }
}

impl Handles<FrameTiming> for TelemetryActor {
    fn handle(
        &mut self,
        msg: &FrameTiming,
        durable: &mut Durable<TelemetryState>,
        _ctx: &mut Ctx<'_, Self>,
    ) {
        durable.frames.push(*msg);
    }
}

/// What [`spawn`] gives back: the actor, its published snapshot and the frame sink.
#[derive(Clone)]
pub struct TelemetryHandle {
    /// The actor (send it [`FrameTiming`] messages from actor threads).
    pub addr: Addr<TelemetryActor>,
    /// The latest snapshot (read it on the render thread).
    pub latest: Latest<TelemetrySnapshot>,
    /// Where the render thread records frame timings.
    pub frames: FrameSink,
}

/// Spawn the telemetry actor (named [`TELEMETRY_ACTOR`]) with the runtime's telemetry config.
pub fn spawn(runtime: &RuntimeHandle) -> Result<TelemetryHandle, SpawnError> {
    spawn_with(runtime, runtime.config().telemetry.clone())
}

/// Spawn the telemetry actor with explicit settings.
pub fn spawn_with(
    runtime: &RuntimeHandle,
    mut config: TelemetryConfig,
) -> Result<TelemetryHandle, SpawnError> {
    config.interval = config.interval.max(MIN_INTERVAL);
    let state = TelemetryState::new(runtime, config);
    let latest = state.latest.clone();
    let frames = state.sink.clone();
    let addr = runtime.spawn::<TelemetryActor>(TELEMETRY_ACTOR, state)?;
    Ok(TelemetryHandle {
        addr,
        latest,
        frames,
    })
}

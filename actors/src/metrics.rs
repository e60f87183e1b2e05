//! [`MailboxMetrics`]: the live, lock-free figures of one actor's mailbox and
//! supervisor, and [`MailboxSnapshot`], a copy of them at one moment.
//!
//! Counters are atomics. Those written only by the actor's own thread use a
//! plain load + store; those that senders or the watchdog also touch use
//! read-modify-write. Sender-side and actor-side counters sit on separate
//! cache lines so a busy sender and a busy actor do not fight over one line.

use std::sync::atomic::{AtomicBool, AtomicU8, AtomicU64, AtomicUsize, Ordering};

use parking_lot::Mutex;
use serde::Serialize;
use tokio::sync::Notify;

use crate::clock;
use crate::histogram::{LatencyHistogram, LatencySummary};
use crate::name::ActorName;

/// The lifecycle state of a supervised actor.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
#[repr(u8)]
pub enum ActorState {
    /// Being built (first start or after a restart).
    Starting = 0,
    /// Handling messages.
    Running = 1,
    /// Crashed or hung; waiting out the restart backoff. Its mailbox keeps
    /// filling (up to capacity) and is handled after the restart.
    BackingOff = 2,
    /// Restart intensity exceeded (or disabled on request): messages that reach
    /// it are dead-lettered and new sends are refused until it is re-enabled.
    Disabled = 3,
}

impl ActorState {
    #[inline]
    fn from_u8(v: u8) -> Self {
        match v {
            0 => Self::Starting,
            1 => Self::Running,
            2 => Self::BackingOff,
            _ => Self::Disabled,
        }
    }
}

/// What kind of fault a supervisor saw.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum FaultKind {
    /// A message handler (or timer/future callback) panicked.
    Panic,
    /// The actor's constructor (`SupervisedActor::start`) panicked.
    StartPanic,
    /// A handler ran longer than the watchdog time.
    Hang,
}

/// The last fault an actor had: what, when, and in which incarnation.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct FaultRecord {
    /// The kind of fault.
    pub kind: FaultKind,
    /// The panic message and location, or the hang duration.
    pub detail: String,
    /// When, in milliseconds since the process's actor clock started.
    pub at_ms: u64,
    /// How many restarts the actor had had when the fault happened.
    pub incarnation: u64,
}

/// Keeps a value on its own cache line.
#[derive(Default, Debug)]
#[repr(align(128))]
pub(crate) struct Padded<T>(pub(crate) T);

/// Written by senders only.
///
/// The mailbox bound is two monotonic counters instead of one shared depth
/// counter, so a send and a handled message do not both write one cache
/// line: `depth = accepted - finished`. Senders keep a (possibly stale,
/// hence conservative) copy of `finished` and read the actor's line only
/// when the mailbox looks full.
#[derive(Default, Debug)]
pub(crate) struct SenderSide {
    /// Messages accepted (= enqueued).
    pub(crate) accepted: AtomicU64,
    /// A lower bound of `ActorSide::finished`, refreshed when the mailbox looks full.
    pub(crate) finished_seen: AtomicU64,
    pub(crate) refused: AtomicU64,
    pub(crate) send_waits: AtomicU64,
    /// Control commands queued and not yet applied.
    pub(crate) control_in_flight: AtomicUsize,
}

/// Written by the actor's thread (and, for hangs, the watchdog) only.
#[derive(Default, Debug)]
pub(crate) struct ActorSide {
    /// Messages finished: handled or dead-lettered (single writer: the actor's thread).
    pub(crate) finished: AtomicU64,
    pub(crate) handled: AtomicU64,
    pub(crate) dead_lettered: AtomicU64,
    pub(crate) crashes: AtomicU64,
    pub(crate) hangs: AtomicU64,
    pub(crate) restarts: AtomicU64,
    pub(crate) escalations: AtomicU64,
    /// When the handler now running started (ns on the actor clock), 0 when idle.
    pub(crate) busy_since_ns: AtomicU64,
    /// Start time of the last handler counted as a hang (so each hang counts once,
    /// whether the watchdog thread or the supervisor sees it first).
    pub(crate) hang_counted_for: AtomicU64,
}

/// Live metrics of one supervised actor. Every figure can be read from any
/// thread without locking (the last fault sits behind a short lock that is
/// only taken when a fault happens or a snapshot is made).
#[derive(Debug)]
pub struct MailboxMetrics {
    // Read on every send, written rarely: kept off the hot lines below.
    pub(crate) name: ActorName,
    pub(crate) capacity: usize,
    pub(crate) state: AtomicU8,
    /// Fault injection: refuse every send until this time (ns on the actor clock, 0 = off).
    pub(crate) refuse_until_ns: AtomicU64,
    /// Set when the runtime shuts down, so senders waiting for room give up.
    pub(crate) closed: AtomicBool,
    /// Senders currently waiting for room (read by the actor after each message).
    pub(crate) waiters: AtomicUsize,
    /// Watchdog time in ns (0 = no watchdog); read by the watchdog thread.
    pub(crate) watchdog_ns: AtomicU64,
    pub(crate) last_fault: Mutex<Option<FaultRecord>>,
    /// Woken when room appears, for senders that wait.
    pub(crate) room: Notify,
    // Hot lines, one per writer.
    pub(crate) sender: Padded<SenderSide>,
    pub(crate) actor: Padded<ActorSide>,
    pub(crate) wait: Padded<LatencyHistogram>,
    pub(crate) handling: Padded<LatencyHistogram>,
}

impl MailboxMetrics {
    pub(crate) fn new(name: ActorName, capacity: usize, watchdog_ns: u64) -> Self {
        Self {
            name,
            capacity,
            state: AtomicU8::new(ActorState::Starting as u8),
            refuse_until_ns: AtomicU64::new(0),
            closed: AtomicBool::new(false),
            waiters: AtomicUsize::new(0),
            watchdog_ns: AtomicU64::new(watchdog_ns),
            last_fault: Mutex::new(None),
            room: Notify::new(),
            sender: Padded::default(),
            actor: Padded::default(),
            wait: Padded(LatencyHistogram::new()),
            handling: Padded(LatencyHistogram::new()),
        }
    }

    /// The actor's name.
    pub fn name(&self) -> &ActorName {
        &self.name
    }
    /// Mailbox capacity (messages accepted and not yet finished).
    pub fn capacity(&self) -> usize {
        self.capacity
    }
    /// Messages accepted and not yet finished, including the one being handled.
    pub fn depth(&self) -> usize {
        // `finished` first: it never passes the `accepted` read after it.
        let finished = self.actor.0.finished.load(Ordering::Acquire);
        let accepted = self.sender.0.accepted.load(Ordering::Acquire);
        usize::try_from(accepted.saturating_sub(finished)).unwrap_or(usize::MAX)
    }
    /// Messages accepted into the mailbox.
    pub fn enqueued(&self) -> u64 {
        self.sender.0.accepted.load(Ordering::Acquire)
    }
    /// Messages whose handler completed.
    pub fn handled(&self) -> u64 {
        self.actor.0.handled.load(Ordering::Acquire)
    }
    /// Sends turned away (mailbox full, fault-injected refusal, actor disabled or stopped).
    pub fn refused(&self) -> u64 {
        self.sender.0.refused.load(Ordering::Acquire)
    }
    /// Sends that found the mailbox full and waited for room.
    pub fn send_waits(&self) -> u64 {
        self.sender.0.send_waits.load(Ordering::Acquire)
    }
    /// Messages sent to the dead letters by this actor's supervisor or handlers.
    pub fn dead_lettered(&self) -> u64 {
        self.actor.0.dead_lettered.load(Ordering::Acquire)
    }
    /// Panics caught (in handlers, callbacks or the constructor).
    pub fn crashes(&self) -> u64 {
        self.actor.0.crashes.load(Ordering::Acquire)
    }
    /// Handlers that ran past the watchdog time.
    pub fn hangs(&self) -> u64 {
        self.actor.0.hangs.load(Ordering::Acquire)
    }
    /// Times the actor was rebuilt from its durable state after a fault.
    pub fn restarts(&self) -> u64 {
        self.actor.0.restarts.load(Ordering::Acquire)
    }
    /// Times the restart intensity was exceeded under the `escalate` policy.
    pub fn escalations(&self) -> u64 {
        self.actor.0.escalations.load(Ordering::Acquire)
    }
    /// The actor's lifecycle state.
    #[inline]
    pub fn state(&self) -> ActorState {
        ActorState::from_u8(self.state.load(Ordering::Acquire))
    }
    /// How long the handler now running has been running, if one is.
    pub fn busy_ns(&self) -> Option<u64> {
        match self.actor.0.busy_since_ns.load(Ordering::Acquire) {
            0 => None,
            since => Some(clock::now_ns().saturating_sub(since)),
        }
    }
    /// Time from enqueue to the start of handling.
    pub fn wait_histogram(&self) -> &LatencyHistogram {
        &self.wait.0
    }
    /// Time spent inside handlers.
    pub fn handling_histogram(&self) -> &LatencyHistogram {
        &self.handling.0
    }
    /// The last fault, if any.
    pub fn last_fault(&self) -> Option<FaultRecord> {
        self.last_fault.lock().clone()
    }

    /// A copy of every figure.
    pub fn snapshot(&self) -> MailboxSnapshot {
        self.snapshot_from(&self.counters())
    }

    /// The counters and state, read once (cheap: no histogram walk).
    pub fn counters(&self) -> MailboxCounters {
        MailboxCounters {
            state: self.state(),
            depth: self.depth(),
            enqueued: self.enqueued(),
            handled: self.handled(),
            refused: self.refused(),
            send_waits: self.send_waits(),
            dead_lettered: self.dead_lettered(),
            crashes: self.crashes(),
            hangs: self.hangs(),
            restarts: self.restarts(),
            escalations: self.escalations(),
            busy_ms: self.busy_ns().map(|ns| ns / 1_000_000),
        }
    }

    /// A snapshot whose counters are `c` (read earlier with [`counters`](Self::counters)),
    /// plus the histograms and last fault as they are now.
    pub fn snapshot_from(&self, c: &MailboxCounters) -> MailboxSnapshot {
        MailboxSnapshot {
            name: self.name.clone(),
            state: c.state,
            capacity: self.capacity,
            depth: c.depth,
            enqueued: c.enqueued,
            handled: c.handled,
            refused: c.refused,
            send_waits: c.send_waits,
            dead_lettered: c.dead_lettered,
            crashes: c.crashes,
            hangs: c.hangs,
            restarts: c.restarts,
            escalations: c.escalations,
            busy_ms: c.busy_ms,
            wait: self.wait.0.summary(),
            handling: self.handling.0.summary(),
            last_fault: self.last_fault(),
        }
    }

    // ---- writers (crate-internal) ----

    /// The actor has stopped for good: wake every sender waiting for room.
    pub(crate) fn close(&self) {
        self.closed.store(true, Ordering::SeqCst);
        self.room.notify_waiters();
    }

    pub(crate) fn set_state(&self, state: ActorState) {
        self.state.store(state as u8, Ordering::Release);
    }

    pub(crate) fn record_fault(&self, kind: FaultKind, detail: String) {
        let record = FaultRecord {
            kind,
            detail,
            at_ms: clock::now_ms(),
            incarnation: self.restarts(),
        };
        *self.last_fault.lock() = Some(record);
    }

    /// Count the handler that started at `start_ns` as a hang unless it already
    /// was; true if this call counted it.
    pub(crate) fn count_hang_once(&self, start_ns: u64) -> bool {
        let slot = &self.actor.0.hang_counted_for;
        let current = slot.load(Ordering::Acquire);
        let counted = current != start_ns
            && slot
                .compare_exchange(current, start_ns, Ordering::AcqRel, Ordering::Acquire)
                .is_ok();
        if counted {
            self.actor.0.hangs.fetch_add(1, Ordering::AcqRel);
        }
        counted
    }

    /// Take a mailbox slot if there is room. Never admits past the capacity:
    /// it compares against a lower bound of `finished`.
    #[inline]
    pub(crate) fn take_slot(&self) -> bool {
        let s = &self.sender.0;
        let capacity = self.capacity as u64;
        let mut accepted = s.accepted.load(Ordering::Relaxed);
        loop {
            let seen = s.finished_seen.load(Ordering::Relaxed);
            if accepted.saturating_sub(seen) >= capacity {
                let finished = self.actor.0.finished.load(Ordering::SeqCst);
                s.finished_seen.fetch_max(finished, Ordering::Relaxed);
                if accepted.saturating_sub(finished) >= capacity {
                    return false;
                }
            }
            match s.accepted.compare_exchange_weak(
                accepted,
                accepted + 1,
                Ordering::SeqCst,
                Ordering::Relaxed,
            ) {
                Ok(_) => return true,
                Err(now) => accepted = now,
            }
        }
    }

    /// Give back a slot taken by a send that then failed (actor stopped).
    pub(crate) fn untake_slot(&self) {
        self.sender.0.accepted.fetch_sub(1, Ordering::SeqCst);
    }

    /// A message is finished (handled or dead-lettered): free its slot and
    /// wake one sender waiting for room. Actor thread only.
    #[inline]
    pub(crate) fn release_slot(&self) {
        let f = &self.actor.0.finished;
        // SeqCst store, then SeqCst load of `waiters`: pairs with a waiting
        // sender's increment-then-check, so no wake-up is lost.
        f.store(f.load(Ordering::Relaxed) + 1, Ordering::SeqCst);
        if self.waiters.load(Ordering::SeqCst) > 0 {
            self.room.notify_one();
        }
    }

    pub(crate) fn add(counter: &AtomicU64) {
        counter.fetch_add(1, Ordering::AcqRel);
    }

    /// Increment a counter only the actor thread writes.
    #[inline]
    pub(crate) fn bump_single_writer(counter: &AtomicU64) {
        counter.store(counter.load(Ordering::Relaxed) + 1, Ordering::Release);
    }
}

/// The counters and state of one actor at one moment (see [`MailboxSnapshot`]
/// for what each means).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[allow(missing_docs)]
pub struct MailboxCounters {
    pub state: ActorState,
    pub depth: usize,
    pub enqueued: u64,
    pub handled: u64,
    pub refused: u64,
    pub send_waits: u64,
    pub dead_lettered: u64,
    pub crashes: u64,
    pub hangs: u64,
    pub restarts: u64,
    pub escalations: u64,
    pub busy_ms: Option<u64>,
}

/// Every figure of one actor at one moment (what the telemetry snapshot and
/// the editor show).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct MailboxSnapshot {
    /// Actor name.
    pub name: ActorName,
    /// Lifecycle state.
    pub state: ActorState,
    /// Mailbox capacity.
    pub capacity: usize,
    /// Messages accepted and not yet finished.
    pub depth: usize,
    /// Messages accepted.
    pub enqueued: u64,
    /// Messages whose handler completed.
    pub handled: u64,
    /// Sends turned away.
    pub refused: u64,
    /// Sends that waited for room.
    pub send_waits: u64,
    /// Messages dead-lettered.
    pub dead_lettered: u64,
    /// Panics caught.
    pub crashes: u64,
    /// Handlers past the watchdog.
    pub hangs: u64,
    /// Restarts after faults.
    pub restarts: u64,
    /// Escalations to the parent.
    pub escalations: u64,
    /// How long the current handler has been running, if one is (ms).
    pub busy_ms: Option<u64>,
    /// Enqueue → handling start.
    pub wait: LatencySummary,
    /// Handling time.
    pub handling: LatencySummary,
    /// The last fault.
    pub last_fault: Option<FaultRecord>,
}

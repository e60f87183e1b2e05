//! The chaos pipeline, shared by the `chaos` example and `tests/chaos.rs`:
//! numbered messages flow ingest → transform → sink under random panics,
//! stalls past the watchdog and full mailboxes.

use std::collections::HashSet;
use std::time::{Duration, Instant};

use kestrel_actors::prelude::*;
use kestrel_actors::{ActorState, Backoff, FaultSpec, HangAction, MailboxSnapshot, SpawnOptions};
use serde::Serialize;

/// What to run.
#[derive(Clone, Debug)]
pub struct ChaosOptions {
    /// How long the source keeps sending.
    pub seconds: f64,
    /// Probability that a handling attempt panics (each stage).
    pub panic_rate: f64,
    /// Probability that a handling attempt stalls past the watchdog.
    pub stall_rate: f64,
    /// Seed of the fault draws.
    pub seed: u64,
    /// Mailbox capacity of each stage.
    pub capacity: usize,
    /// Restart intensity: at most this many restarts per stage …
    pub max_restarts: u32,
    /// … within this many seconds.
    pub window_secs: f64,
}

/// The outcome, printed as one JSON line.
#[derive(Clone, Debug, Serialize)]
pub struct ChaosReport {
    pub seconds: f64,
    pub panic_rate: f64,
    pub stall_rate: f64,
    pub seed: u64,
    /// Messages the source sent.
    pub sent: u64,
    /// Messages the sink handled.
    pub handled: u64,
    /// Dead letters (any stage, or refused at the source).
    pub dead_letters: u64,
    pub restarts: u64,
    pub crashes: u64,
    pub hangs: u64,
    /// Sends refused by a stage (full, disabled…), each then waited or dead-lettered.
    pub refused: u64,
    pub send_waits: u64,
    pub source_full_refusals: u64,
    pub disabled_stages: usize,
    /// sent − handled − dead_letters, from the counters.
    pub lost: i64,
    /// Numbers neither seen by the sink nor in the dead letters (None if the store evicted some).
    pub missing: Option<usize>,
    /// Numbers the sink saw more than once.
    pub duplicates: u64,
}

/// A numbered message.
#[derive(Debug, Clone, Copy, PartialEq)]
struct Numbered(u64);
impl Message for Numbered {
    type Result = ();
}

/// Ask the sink what it has seen.
struct Report;
impl Message for Report {
    type Result = (u64, Vec<u64>);
}

/// A pipeline stage: forwards to `next`, or, as the sink, records each number.
struct Stage;

#[derive(Default)]
struct StageState {
    next: Option<Recipient<Numbered>>,
    /// Sink only: one bit per number seen.
    seen: Vec<u64>,
    duplicates: u64,
}

impl SupervisedActor for Stage {
    type Durable = StageState;
    fn start(_: &mut Durable<StageState>, _: &mut Ctx<'_, Self>) -> Self {
        Stage
    }
}

impl Handles<Numbered> for Stage {
    fn handle(&mut self, msg: &Numbered, d: &mut Durable<StageState>, ctx: &mut Ctx<'_, Self>) {
        match d.next.clone() {
            Some(next) => {
                // Await room downstream: backpressure instead of a drop.
                ctx.wait_for(next.send(*msg), |sent, _, _, ctx| {
                    if let Err(e) = sent {
                        let detail = e.to_string();
                        ctx.dead_letter(e.into_inner(), DeadLetterReason::Undeliverable { detail });
                    }
                });
            }
            None => {
                let (word, bit) = ((msg.0 / 64) as usize, msg.0 % 64);
                if d.seen.len() <= word {
                    d.seen.resize(word + 1, 0);
                }
                if d.seen[word] & (1 << bit) != 0 {
                    d.duplicates += 1;
                } else {
                    d.seen[word] |= 1 << bit;
                }
            }
        }
    }
}

impl Handles<Report> for Stage {
    fn handle(
        &mut self,
        _: &Report,
        d: &mut Durable<StageState>,
        _: &mut Ctx<'_, Self>,
    ) -> (u64, Vec<u64>) {
        (d.duplicates, d.seen.clone())
    }
}

const STAGES: [&str; 3] = ["ingest", "transform", "sink"];

/// Run the pipeline and count.
pub fn run(o: &ChaosOptions) -> Result<ChaosReport, Box<dyn std::error::Error>> {
    let mut config = ActorsConfig::builtin_with_env()?;
    config.runtime.dead_letter_capacity = 1 << 22;
    let rt = ActorRuntime::start(config)?;
    let watchdog = Duration::from_millis(10);

    // Spawn from the sink backwards so each stage knows the next one.
    let mut addrs: Vec<Addr<Stage>> = Vec::new();
    let mut next: Option<Recipient<Numbered>> = None;
    for (i, name) in STAGES.iter().enumerate().rev() {
        let settings = ActorSettings {
            capacity: o.capacity.max(1),
            policy: SupervisionPolicy {
                max_restarts: o.max_restarts,
                restart_window: Duration::from_secs_f64(o.window_secs),
                backoff: Backoff {
                    initial: Duration::from_micros(200),
                    factor: 2.0,
                    max: Duration::from_millis(20),
                },
                watchdog: Some(watchdog),
                on_hang: HangAction::Restart,
                poison_after: 3,
                ..SupervisionPolicy::default()
            },
            faults: FaultSpec {
                panic_prob: (o.panic_rate > 0.0).then_some(o.panic_rate),
                stall_ms: (o.stall_rate > 0.0).then_some(2 * watchdog.as_millis() as u64),
                stall_prob: (o.stall_rate > 0.0).then_some(o.stall_rate),
                seed: o.seed.wrapping_mul(31).wrapping_add(i as u64),
                ..FaultSpec::default()
            },
        };
        let state = StageState {
            next: next.clone(),
            ..StageState::default()
        };
        let addr = rt.spawn_with::<Stage>(*name, state, SpawnOptions::new().settings(settings))?;
        next = Some(addr.recipient());
        addrs.insert(0, addr);
    }
    let source = &addrs[0];
    let sink = &addrs[STAGES.len() - 1];

    let until = Instant::now() + Duration::from_secs_f64(o.seconds);
    let mut sent = 0u64;
    let mut source_full_refusals = 0u64;
    while Instant::now() < until {
        let msg = Numbered(sent);
        sent += 1;
        let outcome = match source.try_send(msg) {
            Err(SendError::Full(msg)) => {
                source_full_refusals += 1;
                source.send_blocking(msg)
            }
            other => other,
        };
        if let Err(e) = outcome {
            if matches!(e, SendError::Disabled(_)) {
                // A real producer backs off from a disabled actor.
                std::thread::sleep(Duration::from_millis(1));
            }
            let detail = e.to_string();
            rt.dead_letter(
                source.name(),
                e.into_inner(),
                DeadLetterReason::Undeliverable { detail },
            );
        }
    }

    // Let the pipeline drain (bounded: whatever is still in flight then is reported as lost).
    let dead = || rt.dead_letters().total();
    let drain_deadline = Instant::now() + Duration::from_secs(60);
    while Instant::now() < drain_deadline {
        let idle = addrs.iter().all(|a| a.metrics().depth() == 0);
        if idle && sink.metrics().handled() + dead() >= sent {
            break;
        }
        std::thread::sleep(Duration::from_millis(5));
    }

    // Count before re-enabling anything, then make the sink answer its report.
    let snapshots: Vec<MailboxSnapshot> = addrs.iter().map(|a| a.metrics().snapshot()).collect();
    let handled = sink.metrics().handled();
    let dead_letters = dead();
    sink.control(Control::ClearFaults)?;
    if sink.metrics().state() == ActorState::Disabled {
        sink.control(Control::Enable)?;
        while sink.metrics().state() != ActorState::Running {
            std::thread::sleep(Duration::from_millis(1));
        }
    }
    let (duplicates, seen) = sink
        .ask_blocking(Report)
        .map_err(|e| format!("sink report: {e}"))?;

    // Number by number: every message is either seen by the sink or in the dead letters.
    let evicted = rt.dead_letters().evicted();
    let dead_numbers: HashSet<u64> = rt
        .dead_letters()
        .take_all()
        .iter()
        .filter_map(|d| d.payload.downcast_ref::<Numbered>().map(|n| n.0))
        .collect();
    let is_seen = |n: u64| {
        seen.get((n / 64) as usize)
            .is_some_and(|w| w & (1 << (n % 64)) != 0)
    };
    let missing = (evicted == 0).then(|| {
        (0..sent)
            .filter(|&n| !is_seen(n) && !dead_numbers.contains(&n))
            .count()
    });

    let sum = |f: fn(&MailboxSnapshot) -> u64| -> u64 { snapshots.iter().map(f).sum() };
    let report = ChaosReport {
        seconds: o.seconds,
        panic_rate: o.panic_rate,
        stall_rate: o.stall_rate,
        seed: o.seed,
        sent,
        handled,
        dead_letters,
        restarts: sum(|s| s.restarts),
        crashes: sum(|s| s.crashes),
        hangs: sum(|s| s.hangs),
        refused: sum(|s| s.refused),
        send_waits: sum(|s| s.send_waits),
        source_full_refusals,
        disabled_stages: snapshots
            .iter()
            .filter(|s| s.state == ActorState::Disabled)
            .count(),
        lost: sent as i64 - handled as i64 - dead_letters as i64,
        missing,
        duplicates,
    };
    rt.shutdown();
    Ok(report)
}

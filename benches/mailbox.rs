//! Instrumented mailbox vs plain actix: the same messages to the same actor
//! logic, in the same run.
//!
//! * Criterion group `mailbox`: throughput (messages/s) of a batch sent by
//!   one thread into a bounded mailbox (capacity 1024 for both) and handled
//!   by an actor on its own thread, spinning on `Full`.
//! * A summary after it: the same batches timed in alternation (median of
//!   several rounds), the ratio instrumented/plain, and the wait time
//!   (enqueue → handling start) p50/p99 of each — for plain actix measured
//!   by a timestamp in the message, for the instrumented mailbox by its own
//!   histogram.
//!
//! `cargo bench -p kestrel-actors --bench mailbox -- --warm-up-time 1 --measurement-time 3`

use std::hint::black_box;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use criterion::{Criterion, Throughput};
use hdrhistogram::Histogram;
use kestrel_actors::prelude::*;
use kestrel_actors::{SpawnOptions, SupervisionPolicy};

const CAPACITY: usize = 1024;
const BATCH: u64 = 20_000;

/// The message both actors get.
struct Work {
    value: u64,
    /// Only read by the timed plain actor (wait-time measurement).
    sent_at: Instant,
}

impl actix::Message for Work {
    type Result = ();
}
impl Message for Work {
    type Result = ();
}

/// Holds the actor's thread until the gate opens (to time the two sides apart).
struct Block(Gate);
impl actix::Message for Block {
    type Result = ();
}
impl Message for Block {
    type Result = ();
}

#[derive(Clone, Default)]
struct Gate(Arc<(std::sync::Mutex<(bool, bool)>, std::sync::Condvar)>);

impl Gate {
    /// Called by the handler: say "blocked", wait for "open".
    fn block(&self) {
        let (lock, cv) = &*self.0;
        let mut g = lock.lock().unwrap();
        g.0 = true;
        cv.notify_all();
        while !g.1 {
            g = cv.wait(g).unwrap();
        }
    }
    fn wait_blocked(&self) {
        let (lock, cv) = &*self.0;
        let mut g = lock.lock().unwrap();
        while !g.0 {
            g = cv.wait(g).unwrap();
        }
    }
    fn open(&self) {
        let (lock, cv) = &*self.0;
        lock.lock().unwrap().1 = true;
        cv.notify_all();
    }
}

/// The handler logic both actors run.
#[inline]
fn work(sum: &mut u64, value: u64, handled: &AtomicU64) {
    *sum = sum.wrapping_add(black_box(value));
    handled.fetch_add(1, Ordering::Release);
}

// ---- plain actix ----

struct Plain {
    sum: u64,
    handled: Arc<AtomicU64>,
    /// Some: record the wait time of each message.
    waits: Option<Arc<parking_lot::Mutex<Histogram<u64>>>>,
}

impl actix::Actor for Plain {
    type Context = actix::Context<Self>;
}

impl actix::Handler<Work> for Plain {
    type Result = ();
    fn handle(&mut self, msg: Work, _: &mut Self::Context) {
        if let Some(h) = &self.waits {
            let _ = h.lock().record(msg.sent_at.elapsed().as_nanos() as u64);
        }
        work(&mut self.sum, msg.value, &self.handled);
    }
}

impl actix::Handler<Block> for Plain {
    type Result = ();
    fn handle(&mut self, msg: Block, _: &mut Self::Context) {
        msg.0.block();
    }
}

struct PlainSystem {
    addr: actix::Addr<Plain>,
    handled: Arc<AtomicU64>,
    system: actix::System,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl PlainSystem {
    fn start(waits: Option<Arc<parking_lot::Mutex<Histogram<u64>>>>) -> Self {
        let handled = Arc::new(AtomicU64::new(0));
        let (tx, rx) = std::sync::mpsc::sync_channel(1);
        let h = handled.clone();
        let thread = std::thread::spawn(move || {
            let runner = actix::System::new();
            let addr = runner.block_on(async move {
                <Plain as actix::Actor>::create(move |ctx| {
                    ctx.set_mailbox_capacity(CAPACITY);
                    Plain {
                        sum: 0,
                        handled: h,
                        waits,
                    }
                })
            });
            tx.send((addr, actix::System::current())).unwrap();
            runner.run().unwrap();
        });
        let (addr, system) = rx.recv().unwrap();
        Self {
            addr,
            handled,
            system,
            thread: Some(thread),
        }
    }

    fn run_batch(&self, n: u64) {
        let target = self.handled.load(Ordering::Acquire) + n;
        for i in 0..n {
            let mut msg = Work {
                value: i,
                sent_at: Instant::now(),
            };
            loop {
                match self.addr.try_send(msg) {
                    Ok(()) => break,
                    Err(actix::prelude::SendError::Full(back)) => {
                        msg = back;
                        std::thread::yield_now();
                    }
                    Err(actix::prelude::SendError::Closed(_)) => panic!("plain actor stopped"),
                }
            }
        }
        while self.handled.load(Ordering::Acquire) < target {
            std::thread::yield_now();
        }
    }
}

impl Drop for PlainSystem {
    fn drop(&mut self) {
        self.system.stop();
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

// ---- instrumented ----

struct Instrumented {
    handled: Arc<AtomicU64>,
}

impl SupervisedActor for Instrumented {
    type Durable = (u64, Arc<AtomicU64>);
    fn start(d: &mut Durable<(u64, Arc<AtomicU64>)>, _: &mut Ctx<'_, Self>) -> Self {
        Instrumented {
            handled: d.1.clone(),
        }
    }
}

impl Handles<Work> for Instrumented {
    fn handle(
        &mut self,
        msg: &Work,
        d: &mut Durable<(u64, Arc<AtomicU64>)>,
        _: &mut Ctx<'_, Self>,
    ) {
        work(&mut d.0, msg.value, &self.handled);
    }
}

impl Handles<Block> for Instrumented {
    fn handle(
        &mut self,
        msg: &Block,
        _: &mut Durable<(u64, Arc<AtomicU64>)>,
        _: &mut Ctx<'_, Self>,
    ) {
        msg.0.block();
    }
}

/// One side at a time: the sender's cost per message (the actor is held, so
/// no wake-ups), then the actor's (the queue is full, so it never waits).
/// Returns (send ns/msg, handle ns/msg).
fn split<S, B, W>(send: S, block: B, wait_handled: W) -> (f64, f64)
where
    S: Fn(u64),
    B: Fn(Gate),
    W: Fn(),
{
    const N: u64 = 1000;
    let gate = Gate::default();
    block(gate.clone());
    gate.wait_blocked();
    let t = Instant::now();
    for i in 0..N {
        send(i);
    }
    let sending = t.elapsed().as_nanos() as f64 / N as f64;
    let t = Instant::now();
    gate.open();
    wait_handled();
    let handling = t.elapsed().as_nanos() as f64 / N as f64;
    (sending, handling)
}

struct InstrumentedSystem {
    addr: Addr<Instrumented>,
    handled: Arc<AtomicU64>,
    _runtime: ActorRuntime,
}

impl InstrumentedSystem {
    fn start(name: &str) -> Self {
        let runtime = ActorRuntime::start(ActorsConfig::default()).unwrap();
        let handled = Arc::new(AtomicU64::new(0));
        let settings = ActorSettings {
            capacity: CAPACITY,
            policy: SupervisionPolicy::default(),
            faults: Default::default(),
        };
        let addr = runtime
            .spawn_with::<Instrumented>(
                name,
                (0, handled.clone()),
                SpawnOptions::new().settings(settings),
            )
            .unwrap();
        Self {
            addr,
            handled,
            _runtime: runtime,
        }
    }

    fn run_batch(&self, n: u64) {
        let target = self.handled.load(Ordering::Acquire) + n;
        for i in 0..n {
            let mut msg = Work {
                value: i,
                sent_at: Instant::now(),
            };
            loop {
                match self.addr.try_send(msg) {
                    Ok(()) => break,
                    Err(SendError::Full(back)) => {
                        msg = back;
                        std::thread::yield_now();
                    }
                    Err(e) => panic!("instrumented actor refused: {e}"),
                }
            }
        }
        while self.handled.load(Ordering::Acquire) < target {
            std::thread::yield_now();
        }
    }
}

fn bench_mailbox(c: &mut Criterion) {
    let plain = PlainSystem::start(None);
    let instrumented = InstrumentedSystem::start("bench");
    let mut group = c.benchmark_group("mailbox");
    group.throughput(Throughput::Elements(BATCH));
    group.sample_size(20);
    group.bench_function("plain_actix", |b| b.iter(|| plain.run_batch(BATCH)));
    group.bench_function("instrumented", |b| b.iter(|| instrumented.run_batch(BATCH)));
    group.finish();
}

fn median(mut v: Vec<f64>) -> f64 {
    v.sort_by(f64::total_cmp);
    v[v.len() / 2]
}

/// Throughput ratio (alternating rounds) and wait-time percentiles.
fn summary() {
    const ROUNDS: usize = 31;
    let plain = PlainSystem::start(None);
    let instrumented = InstrumentedSystem::start("summary");
    plain.run_batch(BATCH);
    instrumented.run_batch(BATCH);
    let (mut p, mut i) = (Vec::new(), Vec::new());
    for _ in 0..ROUNDS {
        let t = Instant::now();
        plain.run_batch(BATCH);
        p.push(BATCH as f64 / t.elapsed().as_secs_f64());
        let t = Instant::now();
        instrumented.run_batch(BATCH);
        i.push(BATCH as f64 / t.elapsed().as_secs_f64());
    }
    let (p, i) = (median(p), median(i));

    // Each side alone.
    let (mut ps, mut ph, mut is, mut ih) = (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for _ in 0..ROUNDS {
        let target = plain.handled.load(Ordering::Acquire) + 1000;
        let (s, h) = split(
            |v| {
                let msg = Work {
                    value: v,
                    sent_at: Instant::now(),
                };
                assert!(plain.addr.try_send(msg).is_ok(), "plain mailbox full");
            },
            |g| plain.addr.try_send(Block(g)).map_err(|_| ()).unwrap(),
            || {
                while plain.handled.load(Ordering::Acquire) < target {
                    std::hint::spin_loop();
                }
            },
        );
        ps.push(s);
        ph.push(h);
        let target = instrumented.handled.load(Ordering::Acquire) + 1000;
        let (s, h) = split(
            |v| {
                let msg = Work {
                    value: v,
                    sent_at: Instant::now(),
                };
                assert!(
                    instrumented.addr.try_send(msg).is_ok(),
                    "instrumented mailbox full"
                );
            },
            |g| {
                instrumented
                    .addr
                    .try_send(Block(g))
                    .map_err(|_| ())
                    .unwrap()
            },
            || {
                while instrumented.handled.load(Ordering::Acquire) < target {
                    std::hint::spin_loop();
                }
            },
        );
        is.push(s);
        ih.push(h);
    }
    let (ps, ph, is, ih) = (median(ps), median(ph), median(is), median(ih));
    drop(plain);

    // Wait times: a timestamped plain actor vs the instrumented mailbox's own histogram.
    let waits = Arc::new(parking_lot::Mutex::new(
        Histogram::<u64>::new_with_bounds(1, 60_000_000_000, 3).unwrap(),
    ));
    let timed = PlainSystem::start(Some(waits.clone()));
    let fresh = InstrumentedSystem::start("waits");
    for _ in 0..5 {
        timed.run_batch(BATCH);
        fresh.run_batch(BATCH);
    }
    let w = waits.lock();
    let ours = fresh.addr.metrics().wait_histogram().summary();
    println!();
    println!(
        "== mailbox summary (median of {ROUNDS} alternating rounds of {BATCH} messages, capacity {CAPACITY}) =="
    );
    println!("plain actix   : {:>12.0} msg/s", p);
    println!("instrumented  : {:>12.0} msg/s", i);
    println!(
        "ratio         : {:.3} (instrumented / plain; instrumentation costs {:.1} %)",
        i / p,
        (1.0 - i / p) * 100.0
    );
    println!(
        "sender side   : plain {ps:.0} ns/msg   instrumented {is:.0} ns/msg   (+{:.0} ns; actor held, 1000 sends)",
        is - ps
    );
    println!(
        "actor side    : plain {ph:.0} ns/msg   instrumented {ih:.0} ns/msg   (+{:.0} ns; 1000 queued messages)",
        ih - ph
    );
    // What one clock read costs here (three per message: enqueue, handling start and end).
    let clock = quanta::Clock::new();
    let t = Instant::now();
    let mut acc = 0u64;
    for _ in 0..1_000_000 {
        let a = clock.raw();
        acc = acc.wrapping_add(clock.delta_as_nanos(0, a));
    }
    black_box(acc);
    println!(
        "clock read    : {:.1} ns (quanta; std Instant::now is the fallback)",
        t.elapsed().as_nanos() as f64 / 1e6
    );
    println!(
        "wait p50/p99  : plain {:.1} / {:.1} µs   instrumented {:.1} / {:.1} µs   ({} / {} messages)",
        w.value_at_quantile(0.5) as f64 / 1000.0,
        w.value_at_quantile(0.99) as f64 / 1000.0,
        ours.p50_us,
        ours.p99_us,
        w.len(),
        ours.count
    );
}

fn main() {
    let mut c = Criterion::default().configure_from_args();
    bench_mailbox(&mut c);
    c.final_summary();
    summary();
}

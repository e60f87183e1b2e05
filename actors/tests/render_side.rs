//! The render side of the snapshot bus never blocks and never allocates,
//! while producers stall, panic, or are stopped outright.
//!
//! "Never blocks" is shown structurally: the render loop runs to completion
//! while one producer thread is parked (it is only released after the loop)
//! and actor producers are stalling and crashing. "Never allocates" is
//! counted by this binary's global allocator, for the render thread only.

mod common;

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Barrier};

use common::*;
use kestrel_actors::bus::{CoalescingSender, DrainBudget, Keyed, WaitingSender};
use kestrel_actors::prelude::*;
use kestrel_actors::telemetry::{self, FrameTiming};
use kestrel_actors::{FaultSpec, SpawnOptions};

struct CountingAlloc;

static RENDER_ALLOCS: AtomicU64 = AtomicU64::new(0);
thread_local! {
    static COUNTING: Cell<bool> = const { Cell::new(false) };
}

fn note_alloc() {
    if COUNTING.try_with(Cell::get).unwrap_or(false) {
        RENDER_ALLOCS.fetch_add(1, Ordering::Relaxed);
    }
}

unsafe impl GlobalAlloc for CountingAlloc {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        note_alloc();
        unsafe { System.alloc(layout) }
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        note_alloc();
        unsafe { System.alloc_zeroed(layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        note_alloc();
        unsafe { System.realloc(ptr, layout, new_size) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
}

#[global_allocator]
static GLOBAL: CountingAlloc = CountingAlloc;

/// Published whole; a reader must never see `a != b`.
#[derive(Debug)]
struct Pair {
    a: u64,
    b: u64,
}

/// An object's new position.
#[derive(Debug, Clone, Copy)]
struct Moved {
    id: u32,
    seq: u64,
}
impl Keyed for Moved {
    type Key = u32;
    fn key(&self) -> u32 {
        self.id
    }
}

/// Publishes into the bus from an actor that stalls and panics.
struct Producer;
struct ProducerState {
    latest: Latest<Pair>,
    deltas: CoalescingSender<Moved>,
    seq: u64,
}
impl SupervisedActor for Producer {
    type Durable = ProducerState;
    fn start(_: &mut Durable<ProducerState>, _: &mut Ctx<'_, Self>) -> Self {
        Producer
    }
}
struct Produce;
impl Message for Produce {
    type Result = ();
}
impl Handles<Produce> for Producer {
    fn handle(&mut self, _: &Produce, d: &mut Durable<ProducerState>, _: &mut Ctx<'_, Self>) {
        d.seq += 1;
        let seq = d.seq;
        d.latest.publish(Pair { a: seq, b: seq });
        for id in 0..8 {
            // Never more than 8 keys pending, so the pending set cannot fill.
            let _ = d.deltas.push(Moved { id, seq });
        }
    }
}

const READS: u64 = 20_000;

#[test]
fn render_reads_never_block_or_allocate_while_producers_stall_or_panic() {
    let rt = ActorRuntime::start(ActorsConfig::default()).unwrap();
    let tele = telemetry::spawn(&rt).unwrap();

    let latest = Latest::new(Pair { a: 0, b: 0 });
    let deltas: Deltas<Moved> = Deltas::new(16);
    let mut s = settings(64);
    s.policy.poison_after = 1_000;
    s.policy.max_restarts = 1_000_000;
    s.faults = FaultSpec {
        panic_prob: Some(0.3),
        stall_ms: Some(2),
        stall_prob: Some(0.3),
        seed: 11,
        ..FaultSpec::default()
    };
    let producer = rt
        .spawn_with::<Producer>(
            "producer",
            ProducerState {
                latest: latest.clone(),
                deltas: deltas.coalescing_sender(64),
                seq: 0,
            },
            SpawnOptions::new().settings(s),
        )
        .unwrap();

    // Keep the actor busy producing (and crashing) for the whole render loop.
    let stop = Arc::new(AtomicBool::new(false));
    let driver = {
        let (stop, producer) = (stop.clone(), producer.clone());
        std::thread::spawn(move || {
            while !stop.load(Ordering::Acquire) {
                let _ = producer.send_blocking(Produce);
            }
        })
    };

    // A producer thread that publishes once and is then parked until the
    // render loop has finished: if a render read needed it, the loop could
    // not complete.
    let parked_latest = Latest::new(Pair { a: 1, b: 1 });
    let parked_deltas: Deltas<u64> = Deltas::new(4);
    let release = Arc::new(Barrier::new(2));
    let published = Arc::new(Barrier::new(2));
    let parked = {
        let (latest, tx, release, published): (_, WaitingSender<u64>, _, _) = (
            parked_latest.clone(),
            parked_deltas.waiting_sender(),
            release.clone(),
            published.clone(),
        );
        std::thread::spawn(move || {
            latest.publish(Pair { a: 2, b: 2 });
            for i in 0..4 {
                tx.push_blocking(i);
            }
            published.wait();
            release.wait(); // parked for the whole render loop
            // Then a fifth item, into the room the render loop made.
            tx.push_blocking(4);
        })
    };
    published.wait();

    // Render thread: warm up once (arc-swap registers this thread on its first
    // read; the buffers are allocated here), then count.
    let mut buf: Vec<Moved> = Vec::with_capacity(64);
    let mut parked_buf: Vec<u64> = Vec::with_capacity(8);
    let budget = DrainBudget::items_and_micros(64, 200);
    let _ = latest.load().a;
    let _ = parked_latest.load().a;
    let _ = tele.latest.load().seq;
    deltas.drain_into(&mut buf, budget);
    buf.clear();
    let frame_names: &'static [&'static str] = &["opaque"];

    let mut reads = 0u64;
    let mut items = 0u64;
    let mut last_seq = [0u64; 8];
    COUNTING.with(|c| c.set(true));
    for frame in 0..READS {
        let pair = latest.load();
        assert_eq!(pair.a, pair.b);
        drop(pair);
        let parked_pair = parked_latest.load();
        assert_eq!((parked_pair.a, parked_pair.b), (2, 2));
        drop(parked_pair);
        let snap = tele.latest.load();
        let _ = snap.actors.len();
        drop(snap);

        deltas.drain_into(&mut buf, budget);
        for m in buf.drain(..) {
            // Per object, states arrive in order.
            assert!(m.seq >= last_seq[m.id as usize]);
            last_seq[m.id as usize] = m.seq;
            items += 1;
        }
        if frame == 0 {
            parked_deltas.drain_into(&mut parked_buf, budget);
        }
        let mut t = FrameTiming::new(frame, 1.0);
        t.gpu_pass_names = frame_names;
        tele.frames.record(t);
        reads += 1;
    }
    COUNTING.with(|c| c.set(false));

    assert_eq!(reads, READS);
    assert_eq!(
        RENDER_ALLOCS.load(Ordering::Relaxed),
        0,
        "render-side reads allocated"
    );
    assert_eq!(parked_buf, vec![0, 1, 2, 3]);

    release.wait();
    parked.join().unwrap();
    stop.store(true, Ordering::Release);
    driver.join().unwrap();
    wait_idle(producer.metrics());

    let m = producer.metrics();
    assert!(m.crashes() > 0 && m.handled() > 0, "{:?}", m.snapshot());
    assert!(items > 0);
    // Nothing the producer offered was lost: drained, queued, pending or coalesced.
    let s = deltas.stats();
    assert_eq!(
        s.offered,
        s.drained + s.len as u64 + s.pending + s.coalesced,
        "{s:?}"
    );
    let p = parked_deltas.stats();
    assert_eq!((p.offered, p.drained, p.len, p.waits), (5, 4, 1, 0));
}

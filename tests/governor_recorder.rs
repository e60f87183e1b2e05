//! The render thread's side of the governor: recording a trace and feeding
//! the governor never allocate (counted exactly with a counting allocator),
//! a recorded trace reads back as recorded, and a writer that fails is reported.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::path::PathBuf;

use kestrel::config::PerformanceProfile;
use kestrel::governor::{
    FrameSample, GovernorSpawn, Thresholds, TraceError, TraceRecorder, read_trace,
};
use kestrel_actors::prelude::*;

thread_local! {
    static ALLOCATIONS: Cell<u64> = const { Cell::new(0) };
}

/// Counts the allocations of each thread.
struct Counting;

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCATIONS.with(|c| c.set(c.get() + 1));
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCATIONS.with(|c| c.set(c.get() + 1));
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

/// Allocations made by this thread while running `f`.
fn allocations_in(f: impl FnOnce()) -> u64 {
    let before = ALLOCATIONS.with(Cell::get);
    f();
    ALLOCATIONS.with(Cell::get) - before
}

fn temp_file(name: &str) -> PathBuf {
    std::env::temp_dir().join(format!("kestrel-rec-{name}-{}.csv", std::process::id()))
}

#[test]
fn recording_allocates_nothing_and_reads_back_as_recorded() {
    let path = temp_file("roundtrip");
    let rec = TraceRecorder::create(&path, 4096).unwrap();
    let frames: Vec<FrameSample> = (1..=2000)
        .map(|i| FrameSample {
            t_ms: f64::from(i) * 16.5,
            frame_ms: 16.5,
            gpu_ms: (i % 2 == 0).then_some(12.25),
            memory_pressure: (i % 3 == 0).then_some(0.5),
        })
        .collect();
    assert!(rec.record(frames[0]));
    let n = allocations_in(|| {
        for f in &frames[1..] {
            // The writer keeps up with 2000 rows in a 4096-row buffer.
            assert!(rec.record(*f));
        }
    });
    assert_eq!(n, 0, "recording a frame allocated");
    let stats = rec.finish().unwrap();
    assert_eq!((stats.written, stats.dropped), (2000, 0));
    assert_eq!(read_trace(&path).unwrap(), frames);
    let _ = std::fs::remove_file(&path);
}

#[cfg(target_os = "linux")]
#[test]
fn a_failed_writer_drops_and_counts_rows_and_is_reported() {
    // /dev/full accepts the open and fails every write: the writer thread
    // stops at its first flush, after which every row is dropped and counted
    // (as are rows that find the 8-row buffer full before that).
    let path = PathBuf::from("/dev/full");
    // The header is buffered, so creating succeeds.
    let rec = TraceRecorder::create(&path, 8).unwrap();
    let mut queued = 0u64;
    for i in 1..=100_000 {
        if rec.record(FrameSample::new(f64::from(i), 1.0)) {
            queued += 1;
        }
    }
    assert_eq!(queued + rec.dropped(), 100_000);
    assert!(rec.dropped() > 0, "a failed writer must drop rows");
    match rec.finish() {
        Err(TraceError::Io { path, .. }) => assert_eq!(path, PathBuf::from("/dev/full")),
        other => panic!("expected the write error, got {other:?}"),
    }
}

#[test]
fn feeding_the_governor_and_reading_its_settings_allocate_nothing() {
    let rt = ActorRuntime::start(ActorsConfig::default()).unwrap();
    let gov = GovernorSpawn::new(PerformanceProfile::High, Thresholds::built_in())
        .spawn(&rt)
        .unwrap();
    // The first read registers this thread with the snapshot bus (once).
    let _ = gov.settings.load().generation;
    let mut generation = 0;
    let n = allocations_in(|| {
        for i in 1..=500 {
            gov.feed.record(FrameSample::new(f64::from(i) * 10.0, 10.0));
            generation += gov.settings.load().generation;
        }
    });
    assert_eq!(n, 0, "the render thread's side allocated");
    assert_eq!(generation, 0);
    drop(rt);
}

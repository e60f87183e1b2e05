//! 100 load/unload cycles of an in-process and an isolated plugin leave
//! nothing behind: live heap bytes return exactly to the starting figure
//! (this binary's counting global allocator), and no thread or child
//! process remains. One test in this binary, so nothing else allocates.

mod plugin_common;

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

use kestrel_actors::plugin::{PluginSpec, PluginState, PluginSupervisor, PluginsSnapshot};
use plugin_common::*;

struct Counting;

static LIVE: AtomicI64 = AtomicI64::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            LIVE.fetch_add(layout.size() as i64, Ordering::Relaxed);
        }
        p
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc_zeroed(layout) };
        if !p.is_null() {
            LIVE.fetch_add(layout.size() as i64, Ordering::Relaxed);
        }
        p
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let p = unsafe { System.realloc(ptr, layout, new_size) };
        if !p.is_null() {
            LIVE.fetch_add(new_size as i64 - layout.size() as i64, Ordering::Relaxed);
        }
        p
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) };
        LIVE.fetch_sub(layout.size() as i64, Ordering::Relaxed);
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

const HOST: &str = env!("CARGO_BIN_EXE_kestrel-plugin-host");
const CYCLES: usize = 100;

fn running(s: &PluginsSnapshot, n: usize) -> bool {
    s.plugins.len() == n
        && s.plugins
            .iter()
            .all(|r| r.status.state == PluginState::Running)
}

/// Load both plugins, let each handle one event, unload both.
fn cycle(sup: &PluginSupervisor, in_process: &PluginSpec, isolated: &PluginSpec) {
    let a = sup.load(in_process).unwrap();
    let b = sup.load(isolated).unwrap();
    wait_for(sup, "both running", |s| running(s, 2));
    publish(sup, chat(0));
    wait_for(sup, "both got the event", |s| {
        s.plugins.iter().all(|r| r.events_delivered == 1)
    });
    sup.unload(a).unwrap();
    sup.unload(b).unwrap();
    wait_for(sup, "both gone", |s| s.plugins.is_empty());
}

/// Live bytes once the supervisor has published its settled (empty) state.
fn settled_live_bytes(sup: &PluginSupervisor) -> i64 {
    // Two publish intervals with nothing changing: the snapshot is final.
    std::thread::sleep(Duration::from_millis(100));
    let s = sup.snapshot();
    assert!(s.plugins.is_empty());
    drop(s);
    LIVE.load(Ordering::SeqCst)
}

#[test]
fn load_unload_cycles_leave_memory_threads_and_processes_flat() {
    let threads_before = thread_count();
    let in_process = PluginSpec::parse("chat-logger").unwrap();
    let isolated = PluginSpec::executable(HOST, &["chat-logger"]);
    let sup = PluginSupervisor::start(config(3, Duration::from_millis(20))).unwrap();

    // Warm-up: first-use allocations (channel wakers, thread-local registries,
    // the supervisor's own lists) happen here and are kept.
    for _ in 0..3 {
        cycle(&sup, &in_process, &isolated);
    }
    let threads_start = thread_count();
    let live_start = settled_live_bytes(&sup);

    for _ in 0..CYCLES {
        cycle(&sup, &in_process, &isolated);
    }
    let live_end = settled_live_bytes(&sup);
    let threads_end = thread_count();
    let children = child_processes();
    let s = sup.snapshot();
    let (events, abandoned) = (s.events_total, s.abandoned_threads);
    drop(s);

    assert_eq!(
        live_end - live_start,
        0,
        "live heap bytes after {CYCLES} cycles: {live_start} -> {live_end}"
    );
    assert_eq!(threads_end, threads_start, "threads left behind");
    assert_eq!(children, Vec::<u32>::new(), "child processes left behind");
    assert_eq!((events, abandoned), (0, 0), "no faults, nothing abandoned");

    sup.shutdown();
    assert_eq!(thread_count(), threads_before, "supervisor thread joined");
}

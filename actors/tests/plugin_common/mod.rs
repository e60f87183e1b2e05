//! Helpers shared by the plugin tests.
#![allow(dead_code)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use kestrel_actors::plugin::{
    ChatEvent, PluginEvent, PluginSupervisor, PluginSupervisorConfig, PluginWatchdogEvent,
    PluginsSnapshot, WatchdogEventKind,
};
use kestrel_actors::{Backoff, HangAction};

/// Generous overall deadline for any wait in these tests (not a pass/fail timing).
pub const PATIENCE: Duration = Duration::from_secs(90);

/// A policy with exact, fast restarts: `max_restarts` in a window far longer
/// than any test, a fixed `backoff`, deadlines generous enough that a loaded
/// machine never trips them by accident.
pub fn config(max_restarts: u32, backoff: Duration) -> PluginSupervisorConfig {
    let mut c = PluginSupervisorConfig::default();
    c.policy.max_restarts = max_restarts;
    c.policy.restart_window = Duration::from_secs(3600);
    c.policy.backoff = Backoff {
        initial: backoff,
        factor: 1.0,
        max: backoff,
    };
    c.policy.watchdog = Some(Duration::from_secs(10));
    c.policy.on_hang = HangAction::Restart;
    c.load_deadline = Duration::from_secs(20);
    c.hang_grace = Duration::from_secs(5);
    c.shutdown_grace = Duration::from_secs(10);
    c.publish_interval = Duration::from_millis(10);
    c
}

/// Wait until `pred` holds for the published snapshot; panic with the last
/// snapshot after [`PATIENCE`].
pub fn wait_for(
    sup: &PluginSupervisor,
    what: &str,
    mut pred: impl FnMut(&PluginsSnapshot) -> bool,
) -> Arc<PluginsSnapshot> {
    let start = Instant::now();
    loop {
        let s = sup.snapshot();
        if pred(&s) {
            return s;
        }
        if start.elapsed() > PATIENCE {
            panic!("timed out waiting for {what}; last snapshot: {s:#?}");
        }
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// A chat line numbered `i`.
pub fn chat(i: usize) -> PluginEvent {
    PluginEvent::Chat(ChatEvent::from_wire(
        b"Tester\0",
        42,
        1,
        1,
        [128.0, 128.0, 25.0],
        format!("line {i}\0").as_bytes(),
    ))
}

/// Publish `event`, retrying while the input queue is momentarily full.
pub fn publish(sup: &PluginSupervisor, mut event: PluginEvent) {
    let start = Instant::now();
    loop {
        match sup.publish_event(event) {
            Ok(()) => return,
            Err(kestrel_actors::plugin::PublishError::Full(e)) if start.elapsed() < PATIENCE => {
                event = e;
                std::thread::sleep(Duration::from_millis(1));
            }
            Err(e) => panic!("publish failed: {e}"),
        }
    }
}

/// The watchdog events of plugin `name` of kind `what`.
pub fn events_of<'a>(
    s: &'a PluginsSnapshot,
    name: &str,
    what: WatchdogEventKind,
) -> Vec<&'a PluginWatchdogEvent> {
    s.recent_events
        .iter()
        .filter(|e| e.name == name && e.what == what)
        .collect()
}

/// Child processes of this process (zombies included), from /proc.
pub fn child_processes() -> Vec<u32> {
    let me = std::process::id();
    let mut out = Vec::new();
    let Ok(dir) = std::fs::read_dir("/proc") else {
        return out;
    };
    for entry in dir.flatten() {
        let Some(pid) = entry
            .file_name()
            .to_str()
            .and_then(|s| s.parse::<u32>().ok())
        else {
            continue;
        };
        let Ok(stat) = std::fs::read_to_string(format!("/proc/{pid}/stat")) else {
            continue;
        };
        // "pid (comm) state ppid ..." — comm may contain spaces, so split after the last ')'.
        let Some(rest) = stat.rsplit_once(')').map(|(_, r)| r) else {
            continue;
        };
        let ppid = rest
            .split_whitespace()
            .nth(1)
            .and_then(|p| p.parse::<u32>().ok());
        if ppid == Some(me) {
            out.push(pid);
        }
    }
    out
}

/// Threads of this process, from /proc/self/task.
pub fn thread_count() -> usize {
    std::fs::read_dir("/proc/self/task")
        .map(|d| d.count())
        .unwrap_or(0)
}

/// A fresh temporary file path (removed if it exists).
pub fn temp_path(tag: &str) -> std::path::PathBuf {
    let p = std::env::temp_dir().join(format!(
        "kestrel-plugin-test-{}-{tag}.log",
        std::process::id()
    ));
    let _ = std::fs::remove_file(&p);
    p
}

/// Lines in the file at `p`.
pub fn lines(p: &std::path::Path) -> usize {
    std::fs::read_to_string(p)
        .map(|t| t.lines().count())
        .unwrap_or(0)
}

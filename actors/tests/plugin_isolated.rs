//! Isolated plugins: child processes that abort, write garbage, hang or
//! leak are restarted (exact counts) without touching anything else; a
//! well-behaved one receives every event; reload and unload reap the child.

mod plugin_common;

use std::time::Duration;

use kestrel_actors::plugin::{
    Callback, PluginKind, PluginSpec, PluginState, PluginSupervisor, WatchdogEventKind as W,
};
use plugin_common::*;

const HOST: &str = env!("CARGO_BIN_EXE_kestrel-plugin-host");

/// These tests count this process's children, so they run one at a time.
static SERIAL: std::sync::Mutex<()> = std::sync::Mutex::new(());

fn serial() -> std::sync::MutexGuard<'static, ()> {
    SERIAL.lock().unwrap_or_else(|e| e.into_inner())
}

fn host(args: &[&str]) -> PluginSpec {
    PluginSpec::executable(HOST, args)
}

#[test]
fn aborting_child_is_restarted_exactly_then_disabled() {
    let _serial = serial();
    let sup = PluginSupervisor::start(config(2, Duration::from_millis(50))).unwrap();
    // The same spec the command line would give.
    let id = sup
        .load_str(&format!("{HOST}:faulty,abort-after=2"))
        .unwrap();
    let s = wait_for(&sup, "aborting plugin disabled and reaped", |s| {
        s.get(id)
            .is_some_and(|r| r.status.state == PluginState::Disabled)
            && events_of(s, "faulty", W::Reaped).len() == 3
    });
    let r = s.get(id).unwrap();
    assert_eq!(
        r.status.name, "faulty",
        "the name declared in the handshake"
    );
    assert_eq!(r.status.kind, PluginKind::Isolated);
    assert_eq!(
        (r.status.crashes, r.status.restarts, r.status.hangs),
        (3, 2, 0)
    );
    assert_eq!(r.updates, 6, "two updates answered per incarnation");
    assert_eq!(events_of(&s, "faulty", W::ProcessExited).len(), 3);
    for e in events_of(&s, "faulty", W::Reaped) {
        assert!(e.detail.contains("SIGABRT"), "{e:?}");
    }
    assert!(r.pid.is_none());
    sup.shutdown();
    assert_eq!(child_processes(), Vec::<u32>::new());
}

#[test]
fn child_writing_garbage_is_restarted_exactly_then_disabled() {
    let _serial = serial();
    let sup = PluginSupervisor::start(config(3, Duration::from_millis(50))).unwrap();
    let id = sup.load(&host(&["faulty", "garbage"])).unwrap();
    let s = wait_for(&sup, "garbage plugin disabled and reaped", |s| {
        s.get(id)
            .is_some_and(|r| r.status.state == PluginState::Disabled)
            && events_of(s, "faulty", W::Reaped).len() == 4
    });
    let r = s.get(id).unwrap();
    assert_eq!((r.status.crashes, r.status.restarts), (4, 3));
    let errors = events_of(&s, "faulty", W::ProtocolError);
    assert_eq!(errors.len(), 4);
    assert!(
        errors
            .iter()
            .all(|e| e.detail.contains("exceeds the limit")),
        "{errors:#?}"
    );
    // Killed by the supervisor, not exited by itself.
    for e in events_of(&s, "faulty", W::Reaped) {
        assert!(e.detail.contains("SIGKILL"), "{e:?}");
    }
    sup.shutdown();
    assert_eq!(child_processes(), Vec::<u32>::new());
}

#[test]
fn hung_child_is_killed_and_restarted_then_disabled() {
    let _serial = serial();
    let mut c = config(1, Duration::from_millis(20));
    c.policy.watchdog = Some(Duration::from_millis(500));
    c.hang_grace = Duration::from_millis(500);
    let sup = PluginSupervisor::start(c).unwrap();
    let id = sup.load(&host(&["faulty", "hang-on-update"])).unwrap();
    let s = wait_for(&sup, "hung child disabled", |s| {
        s.get(id)
            .is_some_and(|r| r.status.state == PluginState::Disabled)
            && events_of(s, "faulty", W::Reaped).len() == 2
    });
    let r = s.get(id).unwrap();
    assert_eq!(
        (r.status.hangs, r.status.restarts, r.status.crashes),
        (2, 1, 0)
    );
    let hung = events_of(&s, "faulty", W::Hung);
    assert!(hung.iter().all(|e| e.callback == Some(Callback::Update)));
    assert_eq!(events_of(&s, "faulty", W::Killed).len(), 2);
    sup.shutdown();
    assert_eq!(child_processes(), Vec::<u32>::new());
}

#[test]
fn leaking_child_is_killed_at_its_memory_limit() {
    let _serial = serial();
    let mut c = config(0, Duration::from_millis(20));
    c.max_rss_kib = Some(64 * 1024);
    c.rss_check_interval = Duration::from_millis(20);
    let sup = PluginSupervisor::start(c).unwrap();
    let id = sup
        .load(&host(&["faulty", "leak-mb-per-update=4"]))
        .unwrap();
    let s = wait_for(&sup, "leaking child disabled", |s| {
        s.get(id)
            .is_some_and(|r| r.status.state == PluginState::Disabled)
    });
    let r = s.get(id).unwrap();
    assert_eq!((r.status.crashes, r.status.restarts), (1, 0));
    let m = events_of(&s, "faulty", W::MemoryLimit);
    assert_eq!(m.len(), 1);
    assert!(m[0].detail.contains("over the limit of 65536 KiB"), "{m:?}");
    sup.shutdown();
    assert_eq!(child_processes(), Vec::<u32>::new());
}

#[test]
fn isolated_logger_gets_every_event_and_reloads_and_unloads_cleanly() {
    let _serial = serial();
    let sup = PluginSupervisor::start(config(3, Duration::from_millis(20))).unwrap();
    let log = temp_path("chat-isolated");
    let id = sup
        .load(&host(&["chat-logger", &format!("path={}", log.display())]))
        .unwrap();
    let s = wait_for(&sup, "isolated logger running", |s| {
        s.get(id)
            .is_some_and(|r| r.status.state == PluginState::Running)
    });
    let first_pid = s.get(id).unwrap().pid.unwrap();
    assert_eq!(child_processes(), vec![first_pid]);
    for i in 0..50 {
        publish(&sup, chat(i));
    }
    let s = wait_for(&sup, "50 events delivered", |s| {
        s.get(id).is_some_and(|r| r.events_delivered == 50)
    });
    let r = s.get(id).unwrap();
    assert_eq!(r.status.name, "chat-logger");
    assert_eq!(r.events_dropped, 0);
    assert_eq!(lines(&log), 50);

    sup.reload(id).unwrap();
    let s = wait_for(&sup, "reloaded logger running", |s| {
        s.get(id).is_some_and(|r| {
            r.status.state == PluginState::Running && r.pid.is_some_and(|p| p != first_pid)
        })
    });
    let r = s.get(id).unwrap();
    assert_eq!(
        (
            r.reloads,
            r.incarnation,
            r.status.restarts,
            r.status.crashes
        ),
        (1, 1, 0, 0)
    );
    publish(&sup, chat(50));
    wait_for(&sup, "51 events delivered", |s| {
        s.get(id).is_some_and(|r| r.events_delivered == 51)
    });
    assert_eq!(lines(&log), 51);

    sup.unload(id).unwrap();
    // `unload` returns once its child is reaped; the one replaced by the reload goes on its own.
    let start = std::time::Instant::now();
    while !child_processes().is_empty() && start.elapsed() < PATIENCE {
        std::thread::sleep(Duration::from_millis(5));
    }
    assert_eq!(child_processes(), Vec::<u32>::new());
    let s = wait_for(&sup, "unloaded", |s| s.plugins.is_empty());
    // A clean exit is not a watchdog event.
    assert_eq!(s.events_total, 0, "{:#?}", s.recent_events);
    sup.shutdown();
    let _ = std::fs::remove_file(&log);
}

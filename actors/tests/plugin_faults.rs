//! In-process plugins misbehaving: panics are restarted exactly up to the
//! restart intensity and then disabled, hangs are reported and the hung
//! thread abandoned — while the well-behaved plugins next to them keep
//! receiving every event.

mod plugin_common;

use std::time::Duration;

use kestrel_actors::plugin::{
    Callback, LoadError, PluginEvent, PluginKind, PluginSpec, PluginState, PluginSupervisor,
    UpdateForm, WatchdogEventKind as W,
};
use plugin_common::*;

#[test]
fn panicking_plugin_is_restarted_then_disabled_while_others_get_every_event() {
    // 3 restarts allowed; 100 ms between them so the faults overlap the event stream.
    let sup = PluginSupervisor::start(config(3, Duration::from_millis(100))).unwrap();
    let log = temp_path("chat-inproc");
    let faulty = sup.load_str("faulty:panic-every-update").unwrap();
    let logger = sup
        .load_str(&format!("chat-logger:path={}", log.display()))
        .unwrap();
    let stats = sup.load_str("region-stats").unwrap();

    const CHATS: usize = 200;
    const OBJECTS: u32 = 100;
    for i in 0..CHATS {
        publish(&sup, chat(i));
        if i < OBJECTS as usize {
            publish(
                &sup,
                PluginEvent::ObjectUpdate {
                    local_id: i as u32,
                    form: UpdateForm::Full,
                },
            );
        }
        std::thread::sleep(Duration::from_millis(2));
    }

    let s = wait_for(&sup, "faulty disabled and every event delivered", |s| {
        s.get(faulty)
            .is_some_and(|r| r.status.state == PluginState::Disabled)
            && s.get(logger)
                .is_some_and(|r| r.events_delivered == CHATS as u64)
            && s.get(stats).is_some_and(|r| {
                r.events_delivered == u64::from(OBJECTS)
                    && r.overlay
                        .as_deref()
                        .is_some_and(|t| t.contains("100 objects"))
            })
    });

    let f = s.get(faulty).unwrap();
    assert_eq!(f.status.kind, PluginKind::InProcess);
    assert_eq!(
        f.status.crashes, 4,
        "1 first crash + 3 restarts that crashed again"
    );
    assert_eq!(f.status.restarts, 3);
    assert_eq!(f.status.hangs, 0);
    assert_eq!(f.incarnation, 3);
    assert_eq!(events_of(&s, "faulty", W::Panicked).len(), 4);
    assert_eq!(events_of(&s, "faulty", W::Restarted).len(), 3);
    assert_eq!(events_of(&s, "faulty", W::Disabled).len(), 1);
    assert!(
        events_of(&s, "faulty", W::Panicked).iter().all(
            |e| e.callback == Some(Callback::Update) && e.detail.contains("panic-every-update")
        ),
        "{:#?}",
        s.recent_events
    );

    let l = s.get(logger).unwrap();
    assert_eq!(l.status.state, PluginState::Running);
    assert_eq!(
        (l.status.crashes, l.status.hangs, l.status.restarts),
        (0, 0, 0)
    );
    assert_eq!(l.events_dropped, 0);
    assert_eq!(lines(&log), CHATS, "one log line per chat event");
    let text = std::fs::read_to_string(&log).unwrap();
    assert!(
        text.lines().next().unwrap().ends_with("Tester: line 0"),
        "{text:.80}"
    );

    let r = s.get(stats).unwrap();
    assert_eq!(r.status.state, PluginState::Running);
    assert!(
        r.overlay
            .as_deref()
            .unwrap()
            .contains("100 objects, 100 updates")
    );

    // The compact status list for the headless JSON line.
    let json = serde_json::to_value(s.status_list()).unwrap();
    assert_eq!(
        json[0],
        serde_json::json!({"name": "faulty", "kind": "in_process", "state": "disabled",
                           "crashes": 4, "hangs": 0, "restarts": 3})
    );

    // A disabled plugin can be switched back on: it crashes again at once.
    sup.enable(faulty).unwrap();
    let s = wait_for(&sup, "re-enabled faulty disabled again", |s| {
        s.get(faulty)
            .is_some_and(|r| r.status.crashes == 8 && r.status.state == PluginState::Disabled)
    });
    assert_eq!(s.get(faulty).unwrap().status.restarts, 7);
    sup.shutdown();
    let _ = std::fs::remove_file(&log);
}

#[test]
fn plugin_that_hangs_forever_is_reported_abandoned_and_disabled() {
    let mut c = config(3, Duration::from_millis(20));
    c.load_deadline = Duration::from_millis(500);
    c.hang_grace = Duration::from_millis(500);
    let sup = PluginSupervisor::start(c).unwrap();
    let hung = sup.load_str("faulty:hang-on-load").unwrap();
    let logger = sup.load_str("chat-logger").unwrap();

    let s = wait_for(&sup, "hung plugin disabled", |s| {
        s.get(hung)
            .is_some_and(|r| r.status.state == PluginState::Disabled)
    });
    let h = s.get(hung).unwrap();
    assert_eq!(h.status.hangs, 1);
    assert_eq!((h.status.crashes, h.status.restarts), (0, 0));
    let hangs = events_of(&s, "faulty", W::Hung);
    assert_eq!(hangs.len(), 1);
    assert_eq!(hangs[0].callback, Some(Callback::Load));
    assert_eq!(events_of(&s, "faulty", W::Abandoned).len(), 1);
    assert_eq!(events_of(&s, "faulty", W::Disabled).len(), 1);
    assert_eq!(s.abandoned_threads, 1);

    // The other plugin is unaffected.
    for i in 0..20 {
        publish(&sup, chat(i));
    }
    let s = wait_for(&sup, "logger got 20 events", |s| {
        s.get(logger).is_some_and(|r| r.events_delivered == 20)
    });
    assert_eq!(s.get(logger).unwrap().status.state, PluginState::Running);
    // Unloading the disabled plugin is immediate (its thread is already abandoned).
    sup.unload(hung).unwrap();
    sup.unload(logger).unwrap();
    sup.shutdown();
}

#[test]
fn plugin_whose_hang_ends_is_restarted_then_disabled() {
    let mut c = config(1, Duration::from_millis(20));
    c.policy.watchdog = Some(Duration::from_secs(1));
    c.hang_grace = Duration::from_secs(30);
    let sup = PluginSupervisor::start(c).unwrap();
    // Each incarnation's first update sleeps 3 s: past the 1 s deadline, back within the grace.
    let id = sup.load_str("faulty:hang-on-update,hang-ms=3000").unwrap();
    let s = wait_for(&sup, "hanging plugin disabled", |s| {
        s.get(id)
            .is_some_and(|r| r.status.state == PluginState::Disabled)
    });
    let r = s.get(id).unwrap();
    assert_eq!(r.status.hangs, 2);
    assert_eq!(r.status.restarts, 1);
    assert_eq!(r.status.crashes, 0);
    assert_eq!(events_of(&s, "faulty", W::Hung).len(), 2);
    assert_eq!(events_of(&s, "faulty", W::ReturnedLate).len(), 2);
    assert_eq!(s.abandoned_threads, 0);
    sup.shutdown();
}

#[test]
fn panics_in_load_and_events_count_as_crashes() {
    let sup = PluginSupervisor::start(config(2, Duration::from_millis(10))).unwrap();
    let on_load = sup.load_str("faulty:panic-on-load").unwrap();
    let fail = sup.load_str("faulty:fail-load").unwrap();
    let on_event = sup.load_str("faulty:panic-on-event").unwrap();
    wait_for(&sup, "event plugin running", |s| {
        s.get(on_event)
            .is_some_and(|r| r.status.state == PluginState::Running)
    });
    let mut i = 0;
    let s = wait_for(&sup, "all three disabled", |s| {
        // One event per poll until the on_event plugin has crashed out.
        publish(&sup, chat(i));
        i += 1;
        [on_load, fail, on_event].iter().all(|id| {
            s.get(*id)
                .is_some_and(|r| r.status.state == PluginState::Disabled)
        })
    });
    for id in [on_load, fail, on_event] {
        let r = s.get(id).unwrap();
        assert_eq!((r.status.crashes, r.status.restarts), (3, 2), "{r:#?}");
    }
    let load_failed = s
        .recent_events
        .iter()
        .filter(|e| e.plugin == fail && e.what == W::LoadFailed)
        .count();
    assert_eq!(load_failed, 3);
    sup.shutdown();
}

#[test]
fn bad_specs_and_arguments_are_clear_errors() {
    let sup = PluginSupervisor::start(config(1, Duration::from_millis(10))).unwrap();
    let e = sup.load_str("nonesuch").unwrap_err();
    assert!(matches!(e, LoadError::UnknownPlugin { .. }));
    assert!(
        e.to_string().contains("chat-logger, region-stats, faulty"),
        "{e}"
    );
    let e = sup.load_str("faulty:abort-after=3").unwrap_err();
    assert!(e.to_string().contains("abort-after=3"), "{e}");
    let e = sup.load_str("faulty:frobnicate").unwrap_err();
    assert!(e.to_string().contains("frobnicate"), "{e}");
    let e = sup.load_str("chat-logger:").unwrap_err();
    assert!(matches!(e, LoadError::Spec(_)), "{e}");
    let e = sup
        .load(&PluginSpec::executable("/nonexistent/plugin", &[]))
        .unwrap_err();
    assert!(matches!(e, LoadError::Executable { .. }), "{e}");
    assert!(sup.snapshot().plugins.is_empty());
    sup.shutdown();
}

//! Plugins in a live session: the embedded region over loopback, the
//! viewer's circuit, and the plugin bridge between the circuit and the
//! PluginSupervisor. Plugins hear the region's welcome chat and every
//! object; a plugin's chat is said in the region and heard back; a plugin
//! panicking on every event is disabled after its restart intensity while
//! the chat logger beside it hears every line; a crash of the bridge itself
//! loses nothing.

use std::collections::HashSet;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use kestrel::app::{LoginTarget, PluginBridge, Session};
use kestrel::sim::SimConfig;
use kestrel_actors::plugin::{
    ChatSource, ChatType, EventKind, Plugin, PluginContext, PluginEvent, PluginFactory, PluginId,
    PluginInfo, PluginState, PluginSupervisor, PluginSupervisorConfig, PluginsSnapshot, UpdateForm,
};
use kestrel_actors::{Control, FaultSpec};

/// Longest wait for anything to happen (a failure, not a timing limit:
/// every assertion is on counts).
const PATIENCE: Duration = Duration::from_secs(60);
const REGION: &str = "Kestrel Bay";
const WELCOME: &str = "Welcome to Kestrel Bay, Kestrel!";
const ME: &str = "Kestrel Resident";

/// A quiet region: no churn, so the object set is exactly the prims.
fn region(objects: usize) -> LoginTarget {
    LoginTarget::Embedded(SimConfig {
        object_count: objects,
        churn_secs: 0,
        ..SimConfig::default()
    })
}

/// Queues large enough that a region's burst of updates never overflows them.
fn roomy_config() -> PluginSupervisorConfig {
    PluginSupervisorConfig {
        plugin_queue: 4096,
        input_queue: 8192,
        ..PluginSupervisorConfig::default()
    }
}

fn wait_until<T>(what: &str, mut f: impl FnMut() -> Option<T>) -> T {
    let end = Instant::now() + PATIENCE;
    loop {
        if let Some(v) = f() {
            return v;
        }
        assert!(Instant::now() < end, "gave up waiting for {what}");
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn snapshot_where(
    plugins: &PluginSupervisor,
    what: &str,
    done: impl Fn(&PluginsSnapshot) -> bool,
) -> Arc<PluginsSnapshot> {
    wait_until(what, || {
        let s = plugins.snapshot();
        done(&s).then_some(s)
    })
}

fn temp_path(tag: &str) -> PathBuf {
    let p = std::env::temp_dir().join(format!(
        "kestrel-plugin-bridge-{tag}-{}.log",
        std::process::id()
    ));
    let _ = std::fs::remove_file(&p);
    p
}

/// A plugin that keeps every event it sees where the test can read it.
#[derive(Clone, Default)]
struct Recorder(Arc<Mutex<Vec<PluginEvent>>>);

impl Recorder {
    fn factory(&self) -> PluginFactory {
        let seen = self.clone();
        PluginFactory::new("recorder", "keeps every event", move |_| {
            Ok(Box::new(seen.clone()) as Box<dyn Plugin>)
        })
    }

    fn events(&self) -> Vec<PluginEvent> {
        self.0.lock().expect("recorder lock").clone()
    }

    fn chats(&self) -> Vec<(String, ChatSource, String)> {
        self.events()
            .into_iter()
            .filter_map(|e| match e {
                PluginEvent::Chat(c) => Some((c.from_name, c.source, c.message)),
                _ => None,
            })
            .collect()
    }
}

impl Plugin for Recorder {
    fn info(&self) -> PluginInfo {
        PluginInfo::new("recorder", "1.0.0")
            .sees(EventKind::Chat)
            .sees(EventKind::ObjectUpdate)
            .sees(EventKind::ObjectRemoved)
            .sees(EventKind::Region)
            .sees(EventKind::Circuit)
    }

    fn on_event(&mut self, _ctx: &mut PluginContext, event: &PluginEvent) {
        self.0.lock().expect("recorder lock").push(event.clone());
    }
}

/// A plugin that says `hello N` on channel 0 every few fixed updates once
/// the circuit is connected, until `stop` is set or it has said `limit` lines.
struct Chatter {
    connected: bool,
    said: u64,
    ticks: u64,
    limit: u64,
    stop: Arc<AtomicBool>,
}

fn chatter(limit: u64, stop: Arc<AtomicBool>) -> PluginFactory {
    PluginFactory::new("chatter", "says hello", move |_| {
        Ok(Box::new(Chatter {
            connected: false,
            said: 0,
            ticks: 0,
            limit,
            stop: stop.clone(),
        }) as Box<dyn Plugin>)
    })
}

impl Plugin for Chatter {
    fn info(&self) -> PluginInfo {
        PluginInfo::new("chatter", "1.0.0")
            .sees(EventKind::Circuit)
            .sends_chat()
    }

    fn on_event(&mut self, _ctx: &mut PluginContext, event: &PluginEvent) {
        if let PluginEvent::Circuit { connected, .. } = event {
            self.connected = *connected;
        }
    }

    fn fixed_update(&mut self, ctx: &mut PluginContext, _step: Duration) {
        self.ticks += 1;
        // Every 4th step (5 a second), so the region's echoes come one by one.
        if !self.connected
            || self.said >= self.limit
            || self.stop.load(Ordering::Relaxed)
            || !self.ticks.is_multiple_of(4)
        {
            return;
        }
        self.said += 1;
        ctx.send_chat(0, format!("hello {}", self.said))
            .expect("chatter may send chat");
    }
}

fn object_ids(events: &[PluginEvent]) -> (HashSet<u32>, usize) {
    let mut ids = HashSet::new();
    let mut full = 0;
    for e in events {
        if let PluginEvent::ObjectUpdate { local_id, form } = e {
            ids.insert(*local_id);
            if matches!(form, UpdateForm::Full | UpdateForm::Compressed) {
                full += 1;
            }
        }
    }
    (ids, full)
}

fn row_state(s: &PluginsSnapshot, id: PluginId) -> Option<PluginState> {
    s.get(id).map(|r| r.status.state)
}

#[test]
fn plugins_hear_the_welcome_chat_and_every_object_of_the_region() {
    const OBJECTS: usize = 120;
    let plugins = PluginSupervisor::start(roomy_config()).expect("supervisor");
    let recorder = Recorder::default();
    let rec = plugins
        .load_factory(recorder.factory(), &[])
        .expect("recorder");
    let log = temp_path("welcome");
    let logger = plugins
        .load_str(&format!("chat-logger:path={}", log.display()))
        .expect("chat-logger");
    let stats = plugins.load_str("region-stats").expect("region-stats");

    let session = Session::start(region(OBJECTS)).expect("session");
    // Before connecting, so plugins see the arrival itself.
    let bridge = PluginBridge::for_session(&session, plugins.control()).expect("bridge");
    session.connect(PATIENCE).expect("connected");
    let sim = session.embedded().expect("embedded region");

    // Every prim and our avatar, each in one full update.
    let expected = OBJECTS + 1;
    wait_until("every object at the recorder", || {
        let sent = sim.stats().object_updates_sent as usize;
        let (ids, full) = object_ids(&recorder.events());
        (sent >= expected && full == sent && ids.len() == expected).then_some(())
    });
    let snap = snapshot_where(&plugins, "the welcome logged and the overlay", |s| {
        s.get(logger).is_some_and(|r| r.events_delivered == 1)
            && s.get(stats).is_some_and(|r| {
                r.overlay
                    .as_deref()
                    .is_some_and(|t| t.starts_with(&format!("Region {REGION}: {expected} objects")))
            })
    });

    // The welcome, from the well, once.
    assert_eq!(
        recorder.chats(),
        vec![(
            "Village Well".to_owned(),
            ChatSource::Object,
            WELCOME.to_owned()
        )]
    );
    let logged = std::fs::read_to_string(&log).expect("chat log");
    assert_eq!(logged, format!("Normal Village Well: {WELCOME}\n"));

    // Connected once, entered the region once, with the login's handle.
    let events = recorder.events();
    let handle = session
        .net
        .circuit
        .stats
        .load()
        .region_handle
        .expect("handle");
    let circuit: Vec<_> = events
        .iter()
        .filter(|e| matches!(e, PluginEvent::Circuit { .. }))
        .collect();
    assert_eq!(
        circuit,
        vec![&PluginEvent::Circuit {
            connected: true,
            reason: "connected".into()
        }]
    );
    let regions: Vec<_> = events
        .iter()
        .filter(|e| matches!(e, PluginEvent::RegionEntered { .. }))
        .collect();
    assert_eq!(
        regions,
        vec![&PluginEvent::RegionEntered {
            name: REGION.into(),
            handle
        }]
    );

    // Nothing lost on the way: what the bridge offered is what arrived.
    let b = bridge.stats();
    let objects = events
        .iter()
        .filter(|e| matches!(e, PluginEvent::ObjectUpdate { .. }))
        .count() as u64;
    assert_eq!(b.object_updates, objects);
    assert_eq!(
        (b.chat_events, b.regions_entered, b.circuit_events),
        (1, 1, 1)
    );
    assert_eq!((b.refused, b.malformed), (0, 0));
    let r = snap.get(rec).expect("recorder row");
    assert_eq!(r.events_dropped, 0);
    assert_eq!(snap.input_refused, 0);

    drop(bridge);
    session.shutdown();
    plugins.shutdown();
    let _ = std::fs::remove_file(&log);
}

#[test]
fn a_plugins_chat_is_said_in_the_region_and_heard_back() {
    const LINES: u64 = 3;
    let plugins = PluginSupervisor::start(roomy_config()).expect("supervisor");
    let recorder = Recorder::default();
    plugins
        .load_factory(recorder.factory(), &[])
        .expect("recorder");
    let talker = plugins
        .load_factory(chatter(LINES, Arc::new(AtomicBool::new(false))), &[])
        .expect("chatter");

    let session = Session::start(region(20)).expect("session");
    session.connect(PATIENCE).expect("connected");
    // Spawned late: plugins are told at once that the circuit is up (the
    // chatter waits for that) and which region it is in.
    let bridge = PluginBridge::for_session(&session, plugins.control()).expect("bridge");
    let sim = session.embedded().expect("embedded region");

    let heard = wait_until("the echoes of every line", || {
        let mine: Vec<_> = recorder
            .chats()
            .into_iter()
            .filter(|(from, _, _)| from == ME)
            .collect();
        (mine.len() as u64 == LINES).then_some(mine)
    });
    let expected: Vec<_> = (1..=LINES)
        .map(|i| (ME.to_owned(), ChatSource::Agent, format!("hello {i}")))
        .collect();
    assert_eq!(heard, expected, "every line, in order, from our avatar");
    assert_eq!(sim.stats().chat_echoed, LINES);

    let b = wait_until("the circuit's answers", || {
        let b = bridge.stats();
        (b.chat_sent + b.chat_failed + b.chat_unsent >= LINES).then_some(b)
    });
    assert_eq!((b.chat_sent, b.chat_failed, b.chat_unsent), (LINES, 0, 0));
    let handle = session.net.circuit.stats.load().region_handle;
    let told: Vec<_> = recorder
        .events()
        .into_iter()
        .filter(|e| matches!(e.kind(), EventKind::Circuit | EventKind::Region))
        .collect();
    assert_eq!(
        told,
        vec![
            PluginEvent::Circuit {
                connected: true,
                reason: "connected".into()
            },
            PluginEvent::RegionEntered {
                name: REGION.into(),
                handle: handle.expect("handle")
            }
        ],
        "caught up once"
    );
    // The supervisor's snapshot follows within its publish interval.
    let snap = snapshot_where(&plugins, "the chatter's lines counted", |s| {
        s.get(talker).is_some_and(|r| r.chat_sent == LINES)
    });
    let row = snap.get(talker).expect("chatter row");
    assert_eq!((row.chat_sent, row.chat_dropped, row.denied), (LINES, 0, 0));
    // The welcome and the echoes, all said normally.
    assert!(
        recorder
            .events()
            .iter()
            .all(|e| !matches!(e, PluginEvent::Chat(c) if c.chat_type != ChatType::Normal))
    );

    drop(bridge);
    session.shutdown();
    plugins.shutdown();
}

#[test]
fn a_plugin_panicking_on_every_event_is_disabled_while_the_logger_hears_every_line() {
    // The default policy: 3 restarts in 60 s, backoff from 100 ms.
    let config = roomy_config();
    let max_restarts = u64::from(config.policy.max_restarts);
    let plugins = PluginSupervisor::start(config).expect("supervisor");
    let faulty = plugins.load_str("faulty:panic-on-event").expect("faulty");
    let log = temp_path("faulty");
    let logger = plugins
        .load_str(&format!("chat-logger:path={}", log.display()))
        .expect("chat-logger");
    // Keeps chat coming (echoed back by the region) until faulty is disabled.
    let stop = Arc::new(AtomicBool::new(false));
    plugins
        .load_factory(chatter(u64::MAX, stop.clone()), &[])
        .expect("chatter");

    let session = Session::start(region(40)).expect("session");
    let bridge = PluginBridge::for_session(&session, plugins.control()).expect("bridge");
    session.connect(PATIENCE).expect("connected");
    let sim = session.embedded().expect("embedded region");

    snapshot_where(&plugins, "faulty disabled", |s| {
        row_state(s, faulty) == Some(PluginState::Disabled)
    });
    stop.store(true, Ordering::Relaxed);
    // Every line said is echoed: wait until the chatter's last one is heard.
    let snap = snapshot_where(&plugins, "every echo logged", |s| {
        let said = s.by_name("chatter").map_or(0, |r| r.chat_sent);
        let b = bridge.stats();
        b.chat_sent == said
            && sim.stats().chat_echoed == said
            && s.get(logger)
                .is_some_and(|r| r.events_delivered == said + 1)
    });

    let f = snap.get(faulty).expect("faulty row");
    assert_eq!(f.status.state, PluginState::Disabled);
    assert_eq!(
        f.status.crashes,
        max_restarts + 1,
        "first crash + every restart crashing"
    );
    assert_eq!(f.status.restarts, max_restarts);
    assert!(
        f.last_fault
            .as_deref()
            .is_some_and(|t| t.contains("panic-on-event")),
        "{:?}",
        f.last_fault
    );

    let l = snap.get(logger).expect("logger row");
    assert_eq!(l.status.state, PluginState::Running);
    assert_eq!(
        (l.status.crashes, l.status.restarts, l.events_dropped),
        (0, 0, 0)
    );
    let said = sim.stats().chat_echoed;
    assert!(said >= 1, "the chatter spoke");
    // The welcome, then every echo, one line each, in order.
    let logged = std::fs::read_to_string(&log).expect("chat log");
    let mut expected = format!("Normal Village Well: {WELCOME}\n");
    for i in 1..=said {
        expected.push_str(&format!("Normal {ME}: hello {i}\n"));
    }
    assert_eq!(logged, expected);
    assert_eq!(l.events_delivered, said + 1);

    drop(bridge);
    session.shutdown();
    plugins.shutdown();
    let _ = std::fs::remove_file(&log);
}

#[test]
fn a_crash_of_the_bridge_loses_no_event() {
    const OBJECTS: usize = 30;
    let plugins = PluginSupervisor::start(roomy_config()).expect("supervisor");
    let recorder = Recorder::default();
    plugins
        .load_factory(recorder.factory(), &[])
        .expect("recorder");

    let session = Session::start(region(OBJECTS)).expect("session");
    let bridge = PluginBridge::for_session(&session, plugins.control()).expect("bridge");
    // The bridge's next message panics; its supervisor restarts it and
    // hands the same message to the new incarnation.
    bridge
        .addr()
        .control(Control::SetFaults(FaultSpec {
            panic_nth: Some(1),
            ..FaultSpec::default()
        }))
        .expect("fault set");
    session.connect(PATIENCE).expect("connected");
    let sim = session.embedded().expect("embedded region");

    let expected = OBJECTS + 1;
    wait_until("every object and the welcome at the recorder", || {
        let sent = sim.stats().object_updates_sent as usize;
        let (ids, full) = object_ids(&recorder.events());
        (sent >= expected && full == sent && ids.len() == expected && recorder.chats().len() == 1)
            .then_some(())
    });
    let m = bridge.addr().metrics().snapshot();
    assert_eq!(
        (m.crashes, m.restarts),
        (1, 1),
        "the bridge crashed once and came back"
    );
    let b = bridge.stats();
    let events = recorder.events();
    let count = |k: EventKind| events.iter().filter(|e| e.kind() == k).count() as u64;
    assert_eq!(b.object_updates, count(EventKind::ObjectUpdate));
    assert_eq!(b.chat_events, 1);
    let not_objects: Vec<_> = events
        .iter()
        .filter(|e| e.kind() != EventKind::ObjectUpdate)
        .collect();
    assert_eq!(count(EventKind::Region), 1, "{not_objects:?}");
    assert_eq!(count(EventKind::Circuit), 1, "{not_objects:?}");
    assert_eq!(b.refused, 0);

    drop(bridge);
    session.shutdown();
    plugins.shutdown();
}

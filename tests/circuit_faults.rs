//! The circuit under faults: a lossy, duplicating, reordering wire; the
//! region killed and restarted; the circuit actor crashed mid-session.

mod circuit_support;

use circuit_support::{EventLog, GetEvents, STEP, TestSim, test_actors, test_settings, wait_until};
use kestrel::sim::ImpairmentConfig;
use kestrel::sim::config::DEFAULT_PASSWORD;
use kestrel_actors::circuit::{CircuitEvent, CircuitState, HeadlessSession, SubscribeEvents};
use kestrel_actors::{Control, FaultSpec};

const OBJECTS: usize = 150;

#[test]
fn lossy_wire_delivers_every_reliable_message_exactly_once() {
    let mut config = TestSim::clean_config(OBJECTS);
    config.impairment = ImpairmentConfig {
        loss: 0.20,
        duplicate: 0.05,
        reorder_window: 8,
        latency_ms: 5,
        seed: 11,
    };
    let t = TestSim::start(config);
    let s = HeadlessSession::start(test_settings(), test_actors()).unwrap();
    s.connect(t.login(DEFAULT_PASSWORD), STEP)
        .expect("handshake despite loss");
    t.wait_region_delivered();
    let census = s.census().unwrap();
    let sim = t.sim.stats();
    let stats = (*s.circuit.stats.load_full()).clone();

    // The wire really was bad, both ways.
    assert!(sim.impairment_out.lost > 0 && sim.impairment_in.lost > 0);
    assert!(sim.impairment_out.duplicated > 0);
    assert!(
        stats.duplicates_dropped > 0,
        "duplicates reached the viewer and were dropped"
    );
    assert!(sim.resends > 0);
    // Yet every reliable message reached the subscriber exactly once.
    assert_eq!(sim.reliable_abandoned, 0);
    assert_eq!(stats.reliable_lost, 0);
    assert_eq!(census.reliable_redelivered, 0);
    assert_eq!(census.full_updates, sim.object_updates_sent);
    assert_eq!(census.objects(), OBJECTS + 1);
    assert_eq!(census.patches_received, sim.terrain_patches_sent);
    assert_eq!(census.terrain_patches(), 256);
    s.logout().unwrap();
    s.runtime.shutdown();
}

#[test]
fn region_killed_times_out_then_reconnects_when_back() {
    let t = TestSim::start(TestSim::clean_config(30));
    let s = HeadlessSession::start(test_settings(), test_actors()).unwrap();
    let log = s.runtime.spawn::<EventLog>("events", Vec::new()).unwrap();
    s.circuit
        .addr
        .ask_blocking(SubscribeEvents(log.recipient()))
        .unwrap()
        .unwrap();
    s.connect(t.login(DEFAULT_PASSWORD), STEP).unwrap();
    t.wait_region_delivered();

    t.kill();
    wait_until("the circuit timeout to be reported", STEP, || {
        let events = log.ask_blocking(GetEvents).unwrap();
        events.contains(&CircuitEvent::TimedOut).then_some(())
    });
    assert_ne!(s.circuit.stats.load_full().state, CircuitState::Connected);

    t.restart();
    let stats = wait_until("the circuit to reconnect", STEP, || {
        let st = s.circuit.stats.load_full();
        (st.state == CircuitState::Connected && st.reconnects == 1).then(|| (*st).clone())
    });
    assert!(stats.handshake);
    let events = log.ask_blocking(GetEvents).unwrap();
    let timed_out = events
        .iter()
        .position(|e| *e == CircuitEvent::TimedOut)
        .unwrap();
    let back = events
        .iter()
        .position(|e| *e == CircuitEvent::Reconnected)
        .expect("a Reconnected event");
    assert!(timed_out < back);
    assert!(events[timed_out..back].contains(&CircuitEvent::State(CircuitState::Reconnecting)));
    // The new circuit gets the region again.
    t.wait_region_delivered();
    assert_eq!(s.census().unwrap().terrain_patches(), 256);
    assert!(s.logout().unwrap());
    s.runtime.shutdown();
}

#[test]
fn circuit_actor_crash_resumes_without_losing_reliable_messages() {
    let t = TestSim::start(TestSim::clean_config(OBJECTS));
    let s = HeadlessSession::start(test_settings(), test_actors()).unwrap();
    // The 60th message the actor handles (mid-stream: datagrams) panics.
    s.circuit
        .addr
        .control(Control::SetFaults(FaultSpec {
            panic_nth: Some(60),
            ..FaultSpec::default()
        }))
        .unwrap();
    s.connect(t.login(DEFAULT_PASSWORD), STEP).unwrap();
    t.wait_region_delivered();
    let census = s.census().unwrap();
    let sim = t.sim.stats();
    let stats = (*s.circuit.stats.load_full()).clone();
    let metrics = s.circuit.addr.metrics();

    assert_eq!(metrics.crashes(), 1);
    assert_eq!(metrics.restarts(), 1);
    assert_eq!(stats.resumed, 1);
    assert_eq!(stats.state, CircuitState::Connected);
    assert_eq!(
        sim.circuits_opened, 1,
        "the same circuit resumed (no new UseCircuitCode)"
    );
    assert_eq!(stats.reliable_lost, 0);
    assert_eq!(sim.reliable_abandoned, 0);
    assert_eq!(census.reliable_redelivered, 0);
    assert_eq!(census.full_updates, sim.object_updates_sent);
    assert_eq!(census.objects(), OBJECTS + 1);
    assert_eq!(census.patches_received, sim.terrain_patches_sent);
    assert_eq!(census.terrain_patches(), 256);
    assert!(s.logout().unwrap());
    s.runtime.shutdown();
}

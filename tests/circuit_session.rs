//! The viewer's circuit against the embedded simulator over loopback:
//! login, handshake, every object and terrain patch, logout; refused and
//! unreachable logins; a flood of malformed packets.

mod circuit_support;

use std::time::Duration;

use circuit_support::{CapsLog, GetCaps, STEP, TestSim, test_actors, test_settings, wait_until};
use kestrel::sim::config::DEFAULT_PASSWORD;
use kestrel_actors::circuit::{
    CircuitState, HeadlessError, HeadlessSession, LoginParams, SubscribeCaps,
};
use kestrel_protocol::login::StartLocation;

const OBJECTS: usize = 150;

#[test]
fn login_handshake_objects_terrain_logout() {
    let t = TestSim::start(TestSim::clean_config(OBJECTS));
    let s = HeadlessSession::start(test_settings(), test_actors()).unwrap();
    let caps = s.runtime.spawn::<CapsLog>("caps-log", Vec::new()).unwrap();
    s.circuit
        .addr
        .ask_blocking(SubscribeCaps(caps.recipient()))
        .unwrap()
        .unwrap();
    s.connect(t.login(DEFAULT_PASSWORD), STEP)
        .expect("login and handshake");

    let info = t.wait_region_delivered();
    // The region's ParcelProperties arrives over the event queue.
    wait_until("ParcelProperties from the event queue", STEP, || {
        let events = caps.ask_blocking(GetCaps).unwrap();
        (!events.is_empty()).then_some(())
    });
    let census = s.census().unwrap();
    let sim = t.sim.stats();
    let stats = (*s.circuit.stats.load_full()).clone();

    assert!(stats.handshake);
    assert_eq!(stats.state, CircuitState::Connected);
    assert_eq!(stats.region_name.as_deref(), Some(t.sim.region_name()));
    // Every prim of the region plus our own avatar, each full update once.
    assert_eq!(sim.region_prims, OBJECTS as u64);
    assert_eq!(census.objects(), OBJECTS + census.avatars.len());
    assert_eq!(census.avatars.len(), 1);
    assert_eq!(census.full_updates, sim.object_updates_sent);
    // The whole 16 x 16 patch grid, each patch exactly once.
    assert_eq!(census.terrain_patches(), 256);
    assert_eq!(census.patches_received, sim.terrain_patches_sent);
    assert_eq!(census.reliable_redelivered, 0);
    assert_eq!(census.decode_errors, 0);
    assert_eq!(stats.reliable_lost, 0);
    assert_eq!(stats.malformed, 0);
    assert_eq!(
        stats.send_errors, 0,
        "every datagram the viewer sent left the socket"
    );
    assert!(info.throttle.is_some(), "the region got our AgentThrottle");

    assert!(s.logout().unwrap(), "the region answered LogoutRequest");
    assert_eq!(t.sim.stats().circuits_logged_out, 1);
    let events = caps.ask_blocking(GetCaps).unwrap();
    assert_eq!(events.len(), 1, "one event, delivered once: {events:?}");
    assert_eq!(events[0].name, "ParcelProperties");
    assert!(events[0].body.as_map().is_some(), "the body is an LLSD map");
    assert_eq!(s.circuit.stats.load_full().caps_events, 1);
    s.runtime.shutdown();
}

#[test]
fn wrong_password_is_a_clear_refusal() {
    let t = TestSim::start(TestSim::clean_config(10));
    let s = HeadlessSession::start(test_settings(), test_actors()).unwrap();
    let err = s
        .connect(t.login("not the password"), STEP)
        .expect_err("a wrong password must not log in");
    let HeadlessError::Login(text) = &err else {
        panic!("expected a login error, got {err}");
    };
    assert!(text.contains("refused"), "unclear error: {text}");
    let stats = s.circuit.stats.load_full();
    assert_eq!(stats.state, CircuitState::Failed);
    assert_eq!(t.sim.stats().logins_refused, 1);
    assert_eq!(stats.packets_out, 0, "no circuit was opened");
    s.runtime.shutdown();
}

#[test]
fn unreachable_and_silent_login_servers_are_errors_not_hangs() {
    // Nothing listens: connection refused.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    let s = HeadlessSession::start(test_settings(), test_actors()).unwrap();
    let login = |uri: String| LoginParams {
        login_uri: uri,
        first: "Test".into(),
        last: "Pilot".into(),
        password: "x".into(),
        start: StartLocation::Home,
    };
    let err = s
        .connect(login(format!("http://127.0.0.1:{port}/")), STEP)
        .expect_err("nobody is listening");
    assert!(
        err.to_string().contains("unreachable"),
        "unclear error: {err}"
    );
    s.runtime.shutdown();

    // Accepts the connection, never answers: the response timeout fires.
    let silent = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let uri = format!("http://{}/", silent.local_addr().unwrap());
    let keep = std::thread::spawn(move || {
        let conn = silent.accept();
        std::thread::sleep(Duration::from_secs(5));
        drop(conn);
    });
    let mut settings = test_settings();
    settings.http.response = Duration::from_millis(500);
    let s = HeadlessSession::start(settings, test_actors()).unwrap();
    let err = s
        .connect(login(uri), STEP)
        .expect_err("the server never answers");
    assert!(
        err.to_string().contains("timed out"),
        "unclear error: {err}"
    );
    s.runtime.shutdown();
    keep.join().unwrap();
}

#[test]
fn malformed_flood_is_counted_and_the_circuit_stays_up() {
    let t = TestSim::start(TestSim::clean_config(40));
    let s = HeadlessSession::start(test_settings(), test_actors()).unwrap();
    s.connect(t.login(DEFAULT_PASSWORD), STEP).unwrap();
    t.wait_region_delivered();
    let before = s.circuit.stats.load_full().malformed;
    assert_eq!(before, 0);

    // 600 garbage datagrams in bursts of 30 (a burst fits the OS socket
    // buffer: what the kernel drops never reaches the viewer to be counted).
    let mut sent = 0u64;
    let mut stats = (*s.circuit.stats.load_full()).clone();
    for _ in 0..20 {
        let n = t.rt.block_on(t.sim.flood_malformed(30)).unwrap() as u64;
        assert_eq!(n, 30);
        sent += n;
        stats = wait_until("the burst of garbage to be counted", STEP, || {
            let st = s.circuit.stats.load_full();
            (st.malformed >= sent).then(|| (*st).clone())
        });
    }
    assert_eq!(stats.malformed, sent, "each garbage datagram counted once");
    assert_eq!(stats.state, CircuitState::Connected);
    assert_eq!(stats.reliable_lost, 0);
    let census = s.census().unwrap();
    assert_eq!(census.objects(), 40 + 1);
    // The circuit still works both ways: the logout round trip completes.
    assert!(s.logout().unwrap(), "logout answered after the flood");
    s.runtime.shutdown();
}

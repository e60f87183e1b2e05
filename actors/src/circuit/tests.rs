//! Actor-level tests against a minimal region peer on loopback (a UDP
//! socket driven by the same circuit core), using `Attach` so no HTTP is
//! involved. The full login path is tested against the embedded simulator
//! in the root package's `tests/circuit_*.rs`.

use std::net::{SocketAddr, UdpSocket};
use std::time::{Duration, Instant};

use kestrel_protocol::circuit::{Circuit, CircuitConfig, Inbound, Reliability, RtoConfig};
use kestrel_protocol::messages::{
    AgentMovementComplete, KillObject, LogoutReply, Message as WireMessage, RegionHandshake,
    VarBytes, kill_object, logout_reply,
};
use kestrel_protocol::packet::Packet;
use kestrel_protocol::types::Uuid;

use super::*;
use crate::{ActorName, ActorRuntime, ActorsConfig, Control, Ctx, Durable, FaultSpec, Handles};
use crate::{Message, SupervisedActor};

const STEP: Duration = Duration::from_secs(30);

/// The region side of the circuit.
struct Peer {
    socket: UdpSocket,
    core: Circuit,
    viewer: Option<SocketAddr>,
    buf: Vec<u8>,
}

impl Peer {
    fn new() -> Self {
        Self::bind("127.0.0.1:0".parse().unwrap())
    }

    fn bind(addr: SocketAddr) -> Self {
        let socket = UdpSocket::bind(addr).unwrap();
        socket
            .set_read_timeout(Some(Duration::from_millis(20)))
            .unwrap();
        Peer {
            socket,
            core: Circuit::new(CircuitConfig::default()),
            viewer: None,
            buf: Vec::new(),
        }
    }

    fn addr(&self) -> SocketAddr {
        self.socket.local_addr().unwrap()
    }

    /// Reads datagrams for up to `wait`, answering acks and pings; returns
    /// the messages delivered.
    fn pump(&mut self, wait: Duration) -> Vec<WireMessage<'static>> {
        let end = Instant::now() + wait;
        let mut out = Vec::new();
        let mut rx = vec![0u8; 65_536];
        let mut scratch = Vec::new();
        while Instant::now() < end {
            if let Ok((n, from)) = self.socket.recv_from(&mut rx) {
                self.viewer = Some(from);
                let bytes = &rx[..n];
                if let Ok(p) = Packet::decode(bytes, &mut scratch)
                    && let Ok(Inbound::Deliver(_)) = self.core.receive(bytes, Instant::now())
                {
                    out.push(p.message.into_owned());
                }
            }
            self.flush();
        }
        out
    }

    fn flush(&mut self) {
        while self.core.poll(Instant::now(), &mut self.buf).is_some() {
            if let Some(v) = self.viewer {
                let _ = self.socket.send_to(&self.buf, v);
            }
        }
    }

    /// Pumps until a message named `name` arrives.
    fn expect(&mut self, name: &str) -> WireMessage<'static> {
        let end = Instant::now() + STEP;
        while Instant::now() < end {
            if let Some(m) = self
                .pump(Duration::from_millis(50))
                .into_iter()
                .find(|m| m.name() == name)
            {
                return m;
            }
        }
        panic!("the viewer never sent {name}");
    }

    fn send(&mut self, m: impl Into<WireMessage<'static>>, reliability: Reliability) -> Vec<u8> {
        self.core
            .send_message(m.into(), reliability, Instant::now(), &mut self.buf)
            .unwrap();
        let v = self.viewer.expect("viewer address known");
        self.socket.send_to(&self.buf, v).unwrap();
        self.buf.clone()
    }
}

fn session(peer: &Peer) -> SessionInfo {
    SessionInfo {
        agent_id: Uuid::from_u128(0xA),
        session_id: Uuid::from_u128(0xB),
        circuit_code: 42,
        sim: peer.addr(),
        seed_capability: None,
        region_handle: 0x0003_E800_0003_E800,
    }
}

fn runtime() -> ActorRuntime {
    let mut c = ActorsConfig::builtin();
    let mut s = c.settings_for(&ActorName::new("circuit"));
    s.policy.watchdog = None;
    c.actors.insert(ActorName::new("circuit"), s);
    ActorRuntime::start(c).unwrap()
}

fn settings() -> CircuitSettings {
    CircuitSettings {
        circuit_timeout: Duration::from_secs(2),
        reconnect_backoff: RetryBackoff {
            initial: Duration::from_millis(100),
            max: Duration::from_millis(400),
        },
        ..CircuitSettings::default()
    }
}

fn wait_state(c: &CircuitHandle, want: CircuitState) -> CircuitStats {
    let end = Instant::now() + STEP;
    loop {
        let s = (*c.stats.load_full()).clone();
        if s.state == want {
            return s;
        }
        assert!(Instant::now() < end, "never reached {want:?}; at {s:?}");
        std::thread::sleep(Duration::from_millis(10));
    }
}

/// Collects the ids of killed objects it receives.
struct Kills;

impl SupervisedActor for Kills {
    type Durable = Vec<u32>;
    fn start(_: &mut Durable<Vec<u32>>, _: &mut Ctx<'_, Self>) -> Self {
        Kills
    }
}

impl Handles<Received<KillObject>> for Kills {
    fn handle(
        &mut self,
        m: &Received<KillObject>,
        d: &mut Durable<Vec<u32>>,
        _: &mut Ctx<'_, Self>,
    ) {
        d.extend(m.message.object_data.iter().map(|o| o.id));
    }
}

struct GetKills;
impl Message for GetKills {
    type Result = Vec<u32>;
}
impl Handles<GetKills> for Kills {
    fn handle(
        &mut self,
        _: &GetKills,
        d: &mut Durable<Vec<u32>>,
        _: &mut Ctx<'_, Self>,
    ) -> Vec<u32> {
        (**d).clone()
    }
}

fn kill(id: u32) -> KillObject {
    KillObject {
        object_data: vec![kill_object::ObjectData { id }],
    }
}

/// Attach, handshake both ways, and return the peer.
fn handshake(c: &CircuitHandle, peer: &mut Peer, s: &SessionInfo) {
    c.addr.ask_blocking(Attach(s.clone())).unwrap().unwrap();
    match peer.expect("UseCircuitCode") {
        WireMessage::UseCircuitCode(u) => assert_eq!(u.circuit_code.code, 42),
        _ => unreachable!(),
    }
    let mut hs = RegionHandshake::default();
    hs.region_info.sim_name = VarBytes::from_text("Test Region");
    peer.send(hs, Reliability::Reliable);
    peer.expect("RegionHandshakeReply");
    let mut amc = AgentMovementComplete::default();
    amc.data.region_handle = s.region_handle;
    peer.send(amc, Reliability::Reliable);
    wait_state(c, CircuitState::Connected);
}

#[test]
fn handshake_subscription_duplicates_and_logout() {
    let rt = runtime();
    let c = spawn_circuit(&rt, "circuit", settings(), SpawnOptions::new()).unwrap();
    let kills = rt.spawn::<Kills>("kills", Vec::new()).unwrap();
    c.addr
        .ask_blocking(Subscribe::to::<KillObject>(kills.recipient()))
        .unwrap()
        .unwrap();
    let mut peer = Peer::new();
    let s = session(&peer);
    handshake(&c, &mut peer, &s);
    let stats = c.stats.load_full();
    assert!(stats.handshake);
    assert_eq!(stats.region_name.as_deref(), Some("Test Region"));
    assert_eq!(stats.region_handle, Some(s.region_handle));
    // The viewer sends AgentUpdate and its throttle.
    peer.expect("AgentUpdate");

    // A reliable message delivered twice on the wire reaches the subscriber once.
    let bytes = peer.send(kill(7), Reliability::Reliable);
    peer.socket.send_to(&bytes, peer.viewer.unwrap()).unwrap();
    peer.send(kill(8), Reliability::Unreliable);
    let end = Instant::now() + STEP;
    while kills.ask_blocking(GetKills).unwrap().len() < 2 {
        assert!(Instant::now() < end, "kills not delivered");
        peer.pump(Duration::from_millis(20));
    }
    peer.pump(Duration::from_millis(200));
    assert_eq!(kills.ask_blocking(GetKills).unwrap(), vec![7, 8]);
    assert_eq!(c.stats.load_full().duplicates_dropped, 1);

    // Everything the viewer sent reliably gets acked by the peer's core.
    assert_eq!(
        c.addr.ask_blocking(Logout).unwrap(),
        CircuitState::LoggingOut
    );
    peer.expect("LogoutRequest");
    peer.send(
        LogoutReply {
            agent_data: logout_reply::AgentData {
                agent_id: s.agent_id,
                session_id: s.session_id,
            },
            inventory_data: Vec::new(),
        },
        Reliability::Reliable,
    );
    let stats = wait_state(&c, CircuitState::LoggedOut);
    assert!(stats.logout_answered);
    assert_eq!(stats.reliable_lost, 0);
    assert_eq!(stats.send_errors, 0, "every datagram left the socket");
    rt.shutdown();
}

#[test]
fn silence_times_out_and_attached_session_reconnects() {
    let rt = runtime();
    let c = spawn_circuit(&rt, "circuit", settings(), SpawnOptions::new()).unwrap();
    let mut peer = Peer::new();
    let s = session(&peer);
    handshake(&c, &mut peer, &s);
    // The region goes quiet (reads nothing, sends nothing)...
    let end = Instant::now() + STEP;
    while c.stats.load_full().reconnects == 0 && c.stats.load_full().last_error.is_none() {
        assert!(Instant::now() < end, "no timeout reported");
        std::thread::sleep(Duration::from_millis(10));
    }
    let st = c.stats.load_full();
    assert!(
        st.last_error
            .as_deref()
            .is_some_and(|e| e.contains("no packet")),
        "timeout not reported: {st:?}"
    );
    // ...and comes back on the same address with no memory of the circuit.
    let addr = peer.addr();
    let viewer = peer.viewer;
    drop(peer);
    let mut peer = Peer::bind(addr);
    peer.viewer = viewer;
    peer.expect("UseCircuitCode");
    peer.send(RegionHandshake::default(), Reliability::Reliable);
    peer.send(AgentMovementComplete::default(), Reliability::Reliable);
    let end = Instant::now() + STEP;
    loop {
        peer.pump(Duration::from_millis(20));
        let st = c.stats.load_full();
        if st.state == CircuitState::Connected && st.reconnects == 1 {
            break;
        }
        assert!(Instant::now() < end, "never reconnected: {st:?}");
    }
    rt.shutdown();
}

#[test]
fn crash_mid_stream_resumes_with_every_reliable_message_once() {
    let rt = runtime();
    let c = spawn_circuit(&rt, "circuit", settings(), SpawnOptions::new()).unwrap();
    let kills = rt.spawn::<Kills>("kills", Vec::new()).unwrap();
    c.addr
        .ask_blocking(Subscribe::to::<KillObject>(kills.recipient()))
        .unwrap()
        .unwrap();
    let mut peer = Peer::new();
    let s = session(&peer);
    handshake(&c, &mut peer, &s);
    c.addr
        .control(Control::SetFaults(FaultSpec {
            panic_nth: Some(25),
            ..FaultSpec::default()
        }))
        .unwrap();
    for id in 0..200 {
        peer.send(kill(id), Reliability::Reliable);
        if id % 20 == 0 {
            peer.pump(Duration::from_millis(5));
        }
    }
    let end = Instant::now() + STEP;
    while kills.ask_blocking(GetKills).unwrap().len() < 200 || peer.core.in_flight() > 0 {
        assert!(Instant::now() < end, "not all delivered and acked");
        peer.pump(Duration::from_millis(20));
    }
    let mut got = kills.ask_blocking(GetKills).unwrap();
    got.sort();
    assert_eq!(got, (0..200).collect::<Vec<_>>(), "each exactly once");
    assert_eq!(c.addr.metrics().restarts(), 1);
    let st = c.stats.load_full();
    assert_eq!(st.resumed, 1);
    assert_eq!(st.state, CircuitState::Connected);
    assert_eq!(peer.core.counters().reliable_lost, 0);
    rt.shutdown();
}

#[test]
fn unknown_message_is_counted_apart_from_malformed_and_deduplicated() {
    let rt = runtime();
    let c = spawn_circuit(&rt, "circuit", settings(), SpawnOptions::new()).unwrap();
    let mut peer = Peer::new();
    let s = session(&peer);
    handshake(&c, &mut peer, &s);
    // A reliable packet carrying Low 60000, a number no template defines,
    // sent twice (as a region resends when our ack is late).
    let mut dg = vec![0x40, 0, 0x0f, 0x42, 0x40, 0];
    dg.extend_from_slice(&[0xff, 0xff, 0xea, 0x60, 1, 2, 3]);
    let viewer = peer.viewer.unwrap();
    peer.socket.send_to(&dg, viewer).unwrap();
    peer.socket.send_to(&dg, viewer).unwrap();
    let end = Instant::now() + STEP;
    let st = loop {
        peer.pump(Duration::from_millis(20));
        let st = (*c.stats.load_full()).clone();
        if st.unknown_messages + st.malformed > 0 && st.duplicates_dropped > 0 {
            break st;
        }
        assert!(Instant::now() < end, "never counted: {st:?}");
    };
    assert_eq!((st.unknown_messages, st.malformed), (1, 0));
    assert_eq!(st.duplicates_dropped, 1, "the second copy is a duplicate");
    assert_eq!(st.state, CircuitState::Connected);
    rt.shutdown();
}

#[test]
fn a_logout_the_region_never_acks_is_not_a_reliable_loss() {
    // Short resend timeouts, so the LogoutRequest is given up well inside
    // the logout timeout (as against OpenSim, which may close the agent
    // before acking it).
    let mut s = settings();
    s.logout_timeout = Duration::from_secs(3);
    s.core.max_resends = 3;
    s.core.rto = RtoConfig {
        initial_ping: Duration::from_millis(20),
        ping_min: Duration::from_millis(10),
        ping_max: Duration::from_millis(100),
        min_timeout: Duration::from_millis(50),
        timeout_factor: 5,
    };
    let rt = runtime();
    let c = spawn_circuit(&rt, "circuit", s, SpawnOptions::new()).unwrap();
    let mut peer = Peer::new();
    let session = session(&peer);
    handshake(&c, &mut peer, &session);
    peer.pump(Duration::from_millis(200));
    assert_eq!(c.stats.load_full().in_flight, 0, "everything acked so far");
    // The region goes deaf: nothing the viewer sends from now on is acked.
    assert_eq!(
        c.addr.ask_blocking(Logout).unwrap(),
        CircuitState::LoggingOut
    );
    let st = wait_state(&c, CircuitState::LoggedOut);
    assert!(!st.logout_answered);
    assert_eq!(st.reliable_lost, 0);
    assert_eq!(st.unacked_at_logout, 1, "the LogoutRequest, given up");
    rt.shutdown();
}

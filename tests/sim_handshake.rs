//! The region handshake as a careless client sees it, with a raw UDP client
//! written here on the reliability core alone (no automatic replies):
//! `UseCircuitCode` is acked in its own datagram before `RegionHandshake`
//! goes out; a client that ignores the first `RegionHandshake` is sent it
//! again and completes the handshake; a client that never answers gets a
//! bounded number of them.

mod sim_support;

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use kestrel::sim::SimHandle;
use kestrel::sim::circuit_server::{HANDSHAKE_REPEAT, HANDSHAKE_SENDS};
use kestrel_protocol::circuit::{Circuit, CircuitConfig, Inbound, Output, Reliability};
use kestrel_protocol::login::LoginSuccess;
use kestrel_protocol::messages::{
    self as m, CompleteAgentMovement, Message, RegionHandshakeReply, UseCircuitCode,
};
use kestrel_protocol::packet::{Packet, SequenceNumber};
use sim_support::{HANG_GUARD, clean_config, login_ok, start};
use tokio::net::UdpSocket;

/// One datagram from the region, as the raw client saw it.
#[derive(Debug, Clone)]
struct Seen {
    /// The message's template name.
    name: &'static str,
    /// New to the circuit (not a duplicate of a packet already received).
    delivered: bool,
    /// After this datagram nothing the client sent is still unacked.
    all_acked: bool,
}

/// A viewer's circuit that replies to nothing by itself: the test decides.
struct Careless {
    socket: UdpSocket,
    sim: SocketAddr,
    circuit: Circuit,
    login: LoginSuccess,
    seen: Vec<Seen>,
    scratch: Vec<u8>,
}

impl Careless {
    async fn new(login: LoginSuccess) -> Self {
        Careless {
            socket: UdpSocket::bind("127.0.0.1:0").await.expect("client socket"),
            sim: SocketAddr::from((login.sim_ip, login.sim_port)),
            circuit: Circuit::new(CircuitConfig::default()),
            login,
            seen: Vec::new(),
            scratch: Vec::new(),
        }
    }

    async fn send(&mut self, message: impl Into<Message<'static>>) {
        let mut buf = Vec::new();
        Packet::new(SequenceNumber(0), message.into()).encode(&mut buf);
        self.circuit
            .send(&mut buf, Reliability::Reliable, Instant::now())
            .expect("window has room");
        self.socket.send_to(&buf, self.sim).await.expect("send");
    }

    async fn use_circuit_code(&mut self) {
        let l = &self.login;
        let msg = UseCircuitCode {
            circuit_code: m::use_circuit_code::CircuitCode {
                code: l.circuit_code,
                session_id: l.session_id,
                id: l.agent_id,
            },
        };
        self.send(msg).await;
    }

    async fn complete_movement(&mut self) {
        let l = &self.login;
        let msg = CompleteAgentMovement {
            agent_data: m::complete_agent_movement::AgentData {
                agent_id: l.agent_id,
                session_id: l.session_id,
                circuit_code: l.circuit_code,
            },
        };
        self.send(msg).await;
    }

    async fn handshake_reply(&mut self) {
        let l = &self.login;
        let msg = RegionHandshakeReply {
            agent_data: m::region_handshake_reply::AgentData {
                agent_id: l.agent_id,
                session_id: l.session_id,
            },
            region_info: m::region_handshake_reply::RegionInfo { flags: 0 },
        };
        self.send(msg).await;
    }

    /// `RegionHandshake`s delivered (each a separate send by the region:
    /// transport resends of one are duplicates and not counted).
    fn handshakes(&self) -> usize {
        self.seen
            .iter()
            .filter(|s| s.delivered && s.name == "RegionHandshake")
            .count()
    }

    fn received(&self, name: &str) -> bool {
        self.seen.iter().any(|s| s.delivered && s.name == name)
    }

    /// Receives (acking at the transport level only) until `done` holds or
    /// the hang guard passes; returns whether `done` held.
    async fn pump_until(&mut self, mut done: impl FnMut(&Careless) -> bool) -> bool {
        let guard = Instant::now() + HANG_GUARD;
        let mut buf = vec![0u8; 9000];
        loop {
            if done(self) {
                return true;
            }
            if Instant::now() > guard {
                return false;
            }
            let wait =
                tokio::time::timeout(Duration::from_millis(20), self.socket.recv_from(&mut buf))
                    .await;
            if let Ok(Ok((n, _))) = wait {
                let d = buf[..n].to_vec();
                self.on_datagram(&d);
            }
            self.flush().await;
        }
    }

    async fn pump_for(&mut self, d: Duration) {
        let end = Instant::now() + d;
        let _ = self.pump_until(|_| Instant::now() >= end).await;
    }

    fn on_datagram(&mut self, d: &[u8]) {
        let mut scratch = std::mem::take(&mut self.scratch);
        let name = Packet::decode(d, &mut scratch).map(|p| p.message.name());
        self.scratch = scratch;
        let name = name.expect("the region sends well-formed datagrams");
        let inbound = self
            .circuit
            .receive(d, Instant::now())
            .expect("the region sends well-formed frames");
        self.seen.push(Seen {
            name,
            delivered: matches!(inbound, Inbound::Deliver(_)),
            all_acked: self.circuit.in_flight() == 0,
        });
    }

    async fn flush(&mut self) {
        let mut out = Vec::new();
        let now = Instant::now();
        while let Some(o) = self.circuit.poll(now, &mut out) {
            if let Output::Transmit(_) = o {
                let _ = self.socket.send_to(&out, self.sim).await;
            }
        }
        if self.circuit.flush_acks(now, &mut out) {
            let _ = self.socket.send_to(&out, self.sim).await;
        }
    }
}

async fn careless(sim: &SimHandle, first: &str) -> Careless {
    Careless::new(login_ok(sim, first, "Careless").await).await
}

#[tokio::test]
async fn use_circuit_code_is_acked_before_the_region_handshake_is_sent() {
    let sim = start(clean_config(10)).await;
    let mut c = careless(&sim, "Early").await;
    c.use_circuit_code().await;
    assert!(
        c.pump_until(|c| c.handshakes() >= 1).await,
        "a RegionHandshake arrives"
    );
    let acked_at = c
        .seen
        .iter()
        .position(|s| s.all_acked)
        .expect("UseCircuitCode was acked");
    let handshake_at = c
        .seen
        .iter()
        .position(|s| s.name == "RegionHandshake")
        .expect("RegionHandshake arrived");
    assert!(
        acked_at < handshake_at,
        "the ack came first, in its own datagram: {:?}",
        c.seen
    );
    assert_eq!(c.seen[acked_at].name, "PacketAck");
}

#[tokio::test]
async fn a_client_that_ignores_the_first_region_handshake_gets_it_again_and_arrives() {
    let sim = start(clean_config(10)).await;
    let mut c = careless(&sim, "Late").await;
    c.use_circuit_code().await;
    c.complete_movement().await;
    // The first RegionHandshake is acked by the transport but never answered.
    assert!(
        c.pump_until(|c| c.handshakes() >= 1).await,
        "a first RegionHandshake"
    );
    assert!(
        c.pump_until(|c| c.handshakes() >= 2).await,
        "RegionHandshake sent again while no reply came"
    );
    c.handshake_reply().await;
    assert!(
        c.pump_until(|c| c.received("AgentMovementComplete") && c.received("LayerData"))
            .await,
        "the handshake completed and the region streams: {:?}",
        c.seen.iter().map(|s| s.name).collect::<Vec<_>>()
    );
    // Once the reply arrived no more are sent: every one the region counted
    // reaches the client, and that is all of them.
    let sent = sim.stats().region_handshakes_sent;
    assert!(
        c.pump_until(|c| c.handshakes() as u64 == sent).await,
        "all {sent} handshakes delivered, got {}",
        c.handshakes()
    );
    assert!(sent >= 2);
    assert!(sent <= u64::from(HANDSHAKE_SENDS));
    let circuits = sim.circuits().await;
    assert!(
        circuits
            .iter()
            .any(|i| i.agent_id == c.login.agent_id && i.in_world),
        "the agent is in the region"
    );
}

#[tokio::test]
async fn a_client_that_never_answers_gets_a_bounded_number_of_region_handshakes() {
    let sim = start(clean_config(10)).await;
    let mut c = careless(&sim, "Silent").await;
    c.use_circuit_code().await;
    let all = HANDSHAKE_SENDS as usize;
    assert!(
        c.pump_until(|c| c.handshakes() == all).await,
        "{all} RegionHandshakes, got {}",
        c.handshakes()
    );
    // Listen for two more repeat periods: nothing further comes.
    c.pump_for(HANDSHAKE_REPEAT * 2).await;
    assert_eq!(c.handshakes(), all);
    assert_eq!(
        sim.stats().region_handshakes_sent,
        u64::from(HANDSHAKE_SENDS)
    );
    // The circuit is still open: a late reply is still taken.
    c.complete_movement().await;
    c.handshake_reply().await;
    assert!(
        c.pump_until(|c| c.received("AgentMovementComplete") && c.received("LayerData"))
            .await,
        "a late reply still completes the handshake"
    );
}

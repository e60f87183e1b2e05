//! A minimal raw client for the embedded simulator, written with the
//! protocol crate only: HTTP/1.1 over a plain TCP stream for login and
//! capabilities, and a UDP circuit using the shared reliability core.
//! It records what the region sent so tests can compare counts exactly
//! against the simulator's own statistics.

#![allow(dead_code)] // each test file uses a different part

use std::collections::{HashMap, HashSet};
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use kestrel::sim::{SimConfig, SimHandle, Simulator};
use kestrel_protocol::circuit::{Circuit, CircuitConfig, Inbound, Output, Reliability};
use kestrel_protocol::layer_data::decode_land_patches;
use kestrel_protocol::login::{LoginRequest, LoginResponse, LoginSuccess, StartLocation};
use kestrel_protocol::messages::{
    self as m, AgentUpdate, ChatFromViewer, CompleteAgentMovement, LogoutRequest, Message,
    RegionHandshakeReply, RequestMultipleObjects, UseCircuitCode, VarBytes,
};
use kestrel_protocol::object_data::{CompressedObject, PCode};
use kestrel_protocol::packet::{Packet, SequenceNumber};
use kestrel_protocol::types::Uuid;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpStream, UdpSocket};

/// A guard against hangs only: tests wait for conditions, never for time.
pub const HANG_GUARD: Duration = Duration::from_secs(60);

/// A clean simulator (no impairment, no churn) with `objects` prims and a
/// short event-queue hold.
pub fn clean_config(objects: usize) -> SimConfig {
    SimConfig {
        object_count: objects,
        churn_secs: 0,
        event_queue_timeout_ms: 300,
        ..SimConfig::default()
    }
}

/// Starts a simulator on the current runtime.
pub async fn start(config: SimConfig) -> SimHandle {
    Simulator::start(config).await.expect("simulator starts")
}

/// An HTTP answer.
#[derive(Debug)]
pub struct HttpAnswer {
    /// Status code.
    pub status: u16,
    /// Body as text.
    pub body: String,
}

/// One HTTP/1.1 request over a fresh connection (`Connection: close`).
pub async fn http(
    addr: SocketAddr,
    method: &str,
    path: &str,
    content_type: &str,
    body: &[u8],
) -> std::io::Result<HttpAnswer> {
    let mut s = TcpStream::connect(addr).await?;
    let head = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: {content_type}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    s.write_all(head.as_bytes()).await?;
    s.write_all(body).await?;
    let mut raw = Vec::new();
    s.read_to_end(&mut raw).await?;
    let text = String::from_utf8_lossy(&raw).to_string();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    Ok(HttpAnswer {
        status,
        body: body.to_string(),
    })
}

/// The XML-RPC login document for a name and plain password.
pub fn login_xml(first: &str, last: &str, password: &str) -> String {
    LoginRequest {
        first: first.into(),
        last: last.into(),
        passwd: LoginRequest::hash_password(password),
        start: StartLocation::Last,
        channel: "Kestrel Test".into(),
        version: "0.1.0".into(),
        platform: "Lin".into(),
        mac: "00000000000000000000000000000000".into(),
        id0: "00000000000000000000000000000000".into(),
        agree_to_tos: true,
        read_critical: true,
        viewer_digest: None,
        options: vec![],
    }
    .to_xmlrpc()
}

/// Logs in over HTTP and returns the parsed answer.
pub async fn login(sim: &SimHandle, first: &str, last: &str, password: &str) -> LoginResponse {
    let a = http(
        sim.http_addr(),
        "POST",
        "/",
        "text/xml",
        login_xml(first, last, password).as_bytes(),
    )
    .await
    .expect("login request");
    assert_eq!(a.status, 200, "login answered: {}", a.body);
    LoginResponse::from_xmlrpc(&a.body).expect("login response parses")
}

/// Logs in and expects success.
pub async fn login_ok(sim: &SimHandle, first: &str, last: &str) -> LoginSuccess {
    match login(sim, first, last, &sim.config().password).await {
        LoginResponse::Success(s) => *s,
        LoginResponse::Refused(r) => panic!("login refused: {r:?}"),
    }
}

/// The path part of a capability URL.
pub fn path_of(url: &str) -> String {
    let rest = url.split_once("://").map_or(url, |(_, r)| r);
    rest.find('/')
        .map_or("/".to_string(), |i| rest[i..].to_string())
}

/// A viewer's circuit, raw.
pub struct RawClient {
    pub socket: UdpSocket,
    pub sim: SocketAddr,
    pub circuit: Circuit,
    pub login: LoginSuccess,
    /// Terrain patches received (x, y), duplicates ignored.
    pub patches: HashSet<(u32, u32)>,
    /// LayerData messages whose blobs decoded.
    pub layer_messages: usize,
    /// Prims known (local id → parent id), from full and compressed updates.
    pub prims: HashMap<u32, u32>,
    /// Object blocks received (full + compressed), duplicates included.
    pub object_blocks: usize,
    /// Compressed object blocks received.
    pub compressed_blocks: usize,
    /// Avatars known (local id → agent id).
    pub avatars: HashMap<u32, Uuid>,
    /// Ids killed.
    pub killed: Vec<u32>,
    /// Chat lines received (from name, text).
    pub chat: Vec<(String, String)>,
    /// Terse update blocks received.
    pub terse_blocks: usize,
    /// Latest terse position per local id.
    pub terse_positions: HashMap<u32, glam::Vec3>,
    /// SimStats messages received.
    pub sim_stats: usize,
    /// RegionHandshake's region name, once received.
    pub region_name: Option<String>,
    /// AgentMovementComplete's position, once received.
    pub arrived_at: Option<glam::Vec3>,
    /// LogoutReply received.
    pub logged_out: bool,
    /// Datagrams that did not decode.
    pub malformed: usize,
    scratch: Vec<u8>,
}

impl RawClient {
    /// A circuit to the simulator of `login` from a fresh local socket.
    pub async fn new(login: LoginSuccess) -> Self {
        let socket = UdpSocket::bind("127.0.0.1:0").await.expect("client socket");
        let sim = SocketAddr::from((login.sim_ip, login.sim_port));
        RawClient {
            socket,
            sim,
            circuit: Circuit::new(CircuitConfig::default()),
            login,
            patches: HashSet::new(),
            layer_messages: 0,
            prims: HashMap::new(),
            object_blocks: 0,
            compressed_blocks: 0,
            avatars: HashMap::new(),
            killed: Vec::new(),
            chat: Vec::new(),
            terse_blocks: 0,
            terse_positions: HashMap::new(),
            sim_stats: 0,
            region_name: None,
            arrived_at: None,
            logged_out: false,
            malformed: 0,
            scratch: Vec::new(),
        }
    }

    /// Sends one message.
    pub async fn send(&mut self, message: impl Into<Message<'static>>, reliability: Reliability) {
        let mut buf = Vec::new();
        Packet::new(SequenceNumber(0), message.into()).encode(&mut buf);
        self.circuit
            .send(&mut buf, reliability, Instant::now())
            .expect("window has room");
        self.socket.send_to(&buf, self.sim).await.expect("send");
    }

    /// Sends raw bytes (garbage tests).
    pub async fn send_raw(&self, bytes: &[u8]) {
        self.socket
            .send_to(bytes, self.sim)
            .await
            .expect("send raw");
    }

    /// `UseCircuitCode` then `CompleteAgentMovement`, as a viewer does.
    pub async fn open(&mut self) {
        let l = &self.login;
        let use_code = UseCircuitCode {
            circuit_code: m::use_circuit_code::CircuitCode {
                code: l.circuit_code,
                session_id: l.session_id,
                id: l.agent_id,
            },
        };
        let complete = CompleteAgentMovement {
            agent_data: m::complete_agent_movement::AgentData {
                agent_id: l.agent_id,
                session_id: l.session_id,
                circuit_code: l.circuit_code,
            },
        };
        self.send(use_code, Reliability::Reliable).await;
        self.send(complete, Reliability::Reliable).await;
    }

    /// Public chat on channel 0.
    pub async fn say(&mut self, text: &str) {
        let msg = ChatFromViewer {
            agent_data: m::chat_from_viewer::AgentData {
                agent_id: self.login.agent_id,
                session_id: self.login.session_id,
            },
            chat_data: m::chat_from_viewer::ChatData {
                message: VarBytes::from_text(text),
                r#type: 1,
                channel: 0,
            },
        };
        self.send(msg, Reliability::Reliable).await;
    }

    /// Walks with the given control flags and body rotation.
    pub async fn agent_update(&mut self, controls: u32, rotation: glam::Quat) {
        let msg = AgentUpdate {
            agent_data: m::agent_update::AgentData {
                agent_id: self.login.agent_id,
                session_id: self.login.session_id,
                body_rotation: rotation,
                head_rotation: rotation,
                control_flags: controls,
                far: 64.0,
                ..Default::default()
            },
        };
        self.send(msg, Reliability::Unreliable).await;
    }

    /// Asks for objects again.
    pub async fn request_objects(&mut self, ids: &[u32]) {
        let msg = RequestMultipleObjects {
            agent_data: m::request_multiple_objects::AgentData {
                agent_id: self.login.agent_id,
                session_id: self.login.session_id,
            },
            object_data: ids
                .iter()
                .map(|&id| m::request_multiple_objects::ObjectData {
                    cache_miss_type: 0,
                    id,
                })
                .collect(),
        };
        self.send(msg, Reliability::Reliable).await;
    }

    /// `LogoutRequest`.
    pub async fn logout(&mut self) {
        let msg = LogoutRequest {
            agent_data: m::logout_request::AgentData {
                agent_id: self.login.agent_id,
                session_id: self.login.session_id,
            },
        };
        self.send(msg, Reliability::Reliable).await;
    }

    /// Receives and handles datagrams (acking them) until `done` holds or
    /// the hang guard passes; returns whether `done` held.
    pub async fn pump_until(&mut self, mut done: impl FnMut(&RawClient) -> bool) -> bool {
        let guard = Instant::now() + HANG_GUARD;
        let mut buf = vec![0u8; 9000];
        loop {
            if done(self) {
                self.flush().await;
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
                self.on_datagram(&d).await;
            }
            self.flush().await;
        }
    }

    /// Handles datagrams for a while (for "nothing else should arrive" checks).
    pub async fn pump_for(&mut self, d: Duration) {
        let end = Instant::now() + d;
        let _ = self.pump_until(|_| Instant::now() >= end).await;
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

    async fn on_datagram(&mut self, d: &[u8]) {
        // Decode first, so garbage never reaches the reliability core.
        let mut scratch = std::mem::take(&mut self.scratch);
        let decoded = Packet::decode(d, &mut scratch).map(|p| p.message.into_owned());
        self.scratch = scratch;
        let Ok(message) = decoded else {
            self.malformed += 1;
            return;
        };
        match self.circuit.receive(d, Instant::now()) {
            Ok(Inbound::Deliver(_)) => {}
            Ok(_) => return,
            Err(_) => {
                self.malformed += 1;
                return;
            }
        }
        match message {
            Message::RegionHandshake(h) => {
                self.region_name = h.region_info.sim_name.text().map(str::to_string);
                let reply = RegionHandshakeReply {
                    agent_data: m::region_handshake_reply::AgentData {
                        agent_id: self.login.agent_id,
                        session_id: self.login.session_id,
                    },
                    region_info: m::region_handshake_reply::RegionInfo { flags: 0 },
                };
                self.send(reply, Reliability::Reliable).await;
            }
            Message::AgentMovementComplete(a) => self.arrived_at = Some(a.data.position),
            Message::LayerData(l) => {
                let patches = decode_land_patches(&l.layer_data.data).expect("terrain decodes");
                self.layer_messages += 1;
                for p in patches {
                    self.patches.insert((p.x, p.y));
                }
            }
            Message::ObjectUpdate(u) => {
                for b in &u.object_data {
                    if b.p_code == PCode::Avatar.code() {
                        self.avatars.insert(b.id, b.full_id);
                    } else {
                        self.object_blocks += 1;
                        self.prims.insert(b.id, b.parent_id);
                    }
                }
            }
            Message::ObjectUpdateCompressed(u) => {
                for b in &u.object_data {
                    let o = CompressedObject::decode(&b.data).expect("compressed object decodes");
                    self.object_blocks += 1;
                    self.compressed_blocks += 1;
                    self.prims.insert(o.local_id, o.parent_id.unwrap_or(0));
                }
            }
            Message::ImprovedTerseObjectUpdate(t) => {
                for b in &t.object_data {
                    let terse = kestrel_protocol::object_data::TerseUpdate::decode(&b.data)
                        .expect("terse decodes");
                    self.terse_blocks += 1;
                    self.terse_positions
                        .insert(terse.local_id, terse.motion.position);
                }
            }
            Message::KillObject(k) => {
                for b in &k.object_data {
                    self.killed.push(b.id);
                    self.prims.remove(&b.id);
                    self.avatars.remove(&b.id);
                }
            }
            Message::ChatFromSimulator(c) => {
                let from = c.chat_data.from_name.text_lossy().to_string();
                let text = c.chat_data.message.text_lossy().to_string();
                self.chat.push((from, text));
            }
            Message::SimStats(_) => self.sim_stats += 1,
            Message::LogoutReply(_) => self.logged_out = true,
            _ => {}
        }
    }
}

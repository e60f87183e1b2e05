//! The simulator's end of one viewer's circuit: the reliability core
//! (`kestrel_protocol::circuit`), the handshake's progress, a bounded queue
//! of messages waiting for the send window, and the region stream (terrain
//! then objects) paced by the number of reliable packets in flight.

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use kestrel_protocol::circuit::{Circuit, CircuitConfig, Output, Reliability};
use kestrel_protocol::messages::{
    Message, ObjectUpdate, ObjectUpdateCompressed, object_update, object_update_compressed,
};
use kestrel_protocol::packet::{HEADER_LEN, Packet, PacketFlags, SequenceNumber};
use kestrel_protocol::types::Uuid;

use super::avatar::Avatar;
use super::object_wire::{compressed_block, full_update_block};
use super::objects::{LocalId, UpdateKind};
use super::region::Region;
use super::region::RegionInfo;
use super::region_messages::{TIME_DILATION_ONE, TerrainBlobs, layer_data, region_handshake};
use super::state::Session;
use super::stats::SimStats;

/// Messages waiting for the send window, per circuit, at most.
pub const MAX_QUEUED: usize = 1024;

/// Reliable packets of the region stream in flight at once: the stream
/// waits for acks beyond this, so loss slows it rather than floods.
pub const STREAM_WINDOW: usize = 64;

/// Packets the region stream may add in one flush.
pub const STREAM_BURST: usize = 16;

/// Plain (pre-zerocoding) body bytes an object message is filled to.
pub const OBJECT_BATCH_BYTES: usize = 1000;

/// Largest datagram the simulator sends (before appended acks).
pub const MAX_PACKET: usize = 1200;

/// How long the region waits for `RegionHandshakeReply` before sending
/// `RegionHandshake` again. The reliability core already resends a handshake
/// that is not acked; this covers one that was acked (its datagram arrived)
/// but that the viewer never answered, e.g. because it was not yet listening.
pub const HANDSHAKE_REPEAT: Duration = Duration::from_secs(2);

/// `RegionHandshake` is sent at most this many times per circuit (the first
/// and the repeats); a viewer that never answers is left to time out.
pub const HANDSHAKE_SENDS: u32 = 5;

/// One message waiting to be sent.
#[derive(Debug)]
pub struct Outgoing {
    /// The message.
    pub message: Message<'static>,
    /// Whether it must be acked.
    pub reliability: Reliability,
}

/// What is left to send of the region to a newly arrived viewer.
#[derive(Debug)]
pub struct RegionStream {
    terrain: Arc<TerrainBlobs>,
    next_blob: usize,
    objects: VecDeque<LocalId>,
}

impl RegionStream {
    /// The whole region: every terrain blob, then every prim in table
    /// order (roots before their children).
    pub fn new(region: &Region, terrain: Arc<TerrainBlobs>) -> Self {
        RegionStream {
            terrain,
            next_blob: 0,
            objects: region.prims().iter().map(|p| p.local_id).collect(),
        }
    }

    /// True when everything has been handed to the circuit.
    pub fn is_done(&self) -> bool {
        self.next_blob >= self.terrain.blobs.len() && self.objects.is_empty()
    }

    /// Adds a prim created while the stream is still running.
    pub fn add_object(&mut self, id: LocalId) {
        self.objects.push_back(id);
    }

    /// Forgets a prim killed before it was sent.
    pub fn remove_object(&mut self, id: LocalId) -> bool {
        let before = self.objects.len();
        self.objects.retain(|&o| o != id);
        before != self.objects.len()
    }
}

/// Handshake progress.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Phase {
    /// `UseCircuitCode` accepted, `RegionHandshake` sent.
    Handshaking,
    /// The agent is in the region (movement completed).
    InWorld,
    /// `LogoutReply` sent; the circuit goes when it is acked (or soon after).
    Closing {
        /// When the logout began.
        since: Instant,
    },
}

/// The simulator's state for one viewer.
#[derive(Debug)]
pub struct AgentCircuit {
    /// The viewer's address.
    pub addr: SocketAddr,
    /// The login session it presented.
    pub session: Arc<Session>,
    /// Sequence numbers, acks, resends, duplicates, pings.
    pub core: Circuit,
    /// Where the handshake is.
    pub phase: Phase,
    /// `RegionHandshakeReply` arrived.
    pub handshake_replied: bool,
    /// `RegionHandshake` messages queued so far.
    pub handshakes_sent: u32,
    /// When to send `RegionHandshake` again if no reply has come.
    pub next_handshake: Instant,
    /// `CompleteAgentMovement` arrived.
    pub movement_completed: bool,
    /// The region still to send; `None` before it starts and after it ends.
    pub stream: Option<RegionStream>,
    /// Set once the whole region has been handed to the circuit.
    pub stream_done: bool,
    /// Messages waiting for the window.
    pub queue: VecDeque<Outgoing>,
    /// The agent's avatar, once it arrived.
    pub avatar: Option<Avatar>,
    /// The avatar moved or turned since the last terse update.
    pub avatar_dirty: bool,
    /// Bandwidth the viewer asked for (`AgentThrottle`), bits per second:
    /// resend, land, wind, cloud, task, texture, asset.
    pub throttle: Option<[f32; 7]>,
    /// When the circuit opened.
    pub opened: Instant,
    /// When to send the next `StartPingCheck`.
    pub next_ping: Instant,
}

impl AgentCircuit {
    /// A circuit for `session` at `addr`.
    pub fn new(addr: SocketAddr, session: Arc<Session>, now: Instant) -> Self {
        AgentCircuit {
            addr,
            session,
            core: Circuit::new(CircuitConfig::default()),
            phase: Phase::Handshaking,
            handshake_replied: false,
            handshakes_sent: 0,
            next_handshake: now,
            movement_completed: false,
            stream: None,
            stream_done: false,
            queue: VecDeque::new(),
            avatar: None,
            avatar_dirty: false,
            throttle: None,
            opened: now,
            next_ping: now,
        }
    }

    /// The agent's id.
    pub fn agent_id(&self) -> Uuid {
        self.session.agent_id
    }

    /// True when (agent, session) are this circuit's.
    pub fn owns(&self, agent_id: Uuid, session_id: Uuid) -> bool {
        agent_id == self.session.agent_id && session_id == self.session.session_id
    }

    /// True once the agent is in the region.
    pub fn in_world(&self) -> bool {
        self.phase == Phase::InWorld
    }

    /// Queues `RegionHandshake` and schedules its repeat (see
    /// [`HANDSHAKE_REPEAT`]).
    pub fn send_handshake(&mut self, info: &RegionInfo, now: Instant, stats: &SimStats) {
        if self.enqueue(region_handshake(info), Reliability::Reliable, stats) {
            stats.region_handshakes_sent.inc();
        }
        self.handshakes_sent += 1;
        self.next_handshake = now + HANDSHAKE_REPEAT;
    }

    /// True when `RegionHandshake` is due again: no reply yet, the circuit
    /// is not closing, and the attempts are not used up.
    fn handshake_due(&self, now: Instant) -> bool {
        !self.handshake_replied
            && !matches!(self.phase, Phase::Closing { .. })
            && self.handshakes_sent < HANDSHAKE_SENDS
            && now >= self.next_handshake
    }

    /// Queues a message; `false` (and counted) when the queue is full.
    pub fn enqueue(
        &mut self,
        message: impl Into<Message<'static>>,
        reliability: Reliability,
        stats: &SimStats,
    ) -> bool {
        if self.queue.len() >= MAX_QUEUED {
            stats.send_queue_overflow.inc();
            return false;
        }
        self.queue.push_back(Outgoing {
            message: message.into(),
            reliability,
        });
        true
    }

    /// Writes what is due now into `out` as (address, datagram) pairs:
    /// the core's resends, acks and ping echoes; queued messages while the
    /// window allows; then a burst of the region stream.
    pub fn flush(
        &mut self,
        now: Instant,
        region: &Region,
        stats: &SimStats,
        out: &mut Vec<(SocketAddr, Vec<u8>)>,
    ) {
        if self.handshake_due(now) {
            tracing::debug!(addr = %self.addr, sends = self.handshakes_sent, "sim: no RegionHandshakeReply yet, sending RegionHandshake again");
            self.send_handshake(region.info(), now, stats);
        }
        let mut buf = Vec::new();
        while let Some(o) = self.core.poll(now, &mut buf) {
            match o {
                Output::Transmit(kind) => {
                    if matches!(kind, kestrel_protocol::circuit::TransmitKind::Resend { .. }) {
                        stats.resends.inc();
                    }
                    out.push((self.addr, std::mem::take(&mut buf)));
                }
                Output::Lost(lost) => {
                    stats.reliable_abandoned.inc();
                    tracing::debug!(addr = %self.addr, sequence = ?lost.sequence, "sim: reliable packet abandoned");
                }
            }
        }
        while let Some(front) = self.queue.front() {
            if front.reliability == Reliability::Reliable && !self.core.can_send_reliable() {
                break;
            }
            let Some(o) = self.queue.pop_front() else {
                break;
            };
            self.send(o.message, o.reliability, now, stats, out);
        }
        self.stream_burst(now, region, stats, out);
    }

    fn stream_burst(
        &mut self,
        now: Instant,
        region: &Region,
        stats: &SimStats,
        out: &mut Vec<(SocketAddr, Vec<u8>)>,
    ) {
        let mut burst = 0;
        while burst < STREAM_BURST && self.core.in_flight() < STREAM_WINDOW && self.queue.is_empty()
        {
            let Some(stream) = self.stream.as_mut() else {
                return;
            };
            let t = region.clock(now);
            let message: Message<'static> = if stream.next_blob < stream.terrain.blobs.len() {
                let (blob, patches) = &stream.terrain.blobs[stream.next_blob];
                stream.next_blob += 1;
                stats.terrain_patches_sent.add(*patches as u64);
                layer_data(blob).into()
            } else if let Some(m) = object_batch(region, &mut stream.objects, t, stats) {
                m
            } else {
                self.stream = None;
                self.stream_done = true;
                return;
            };
            self.send(message, Reliability::Reliable, now, stats, out);
            burst += 1;
        }
    }

    /// Encodes and stamps one message (zerocoded only when that is smaller).
    pub fn send(
        &mut self,
        message: Message<'static>,
        reliability: Reliability,
        now: Instant,
        stats: &SimStats,
        out: &mut Vec<(SocketAddr, Vec<u8>)>,
    ) {
        let name = message.name();
        let mut packet = Packet::new(SequenceNumber(0), message);
        let mut buf = Vec::with_capacity(HEADER_LEN + packet.body_len() + 8);
        packet.encode(&mut buf);
        if packet.header.flags.is_zerocoded() && buf.len() > HEADER_LEN + packet.body_len() {
            packet.header.flags.set(PacketFlags::ZEROCODED, false);
            buf.clear();
            packet.encode(&mut buf);
        }
        if buf.len() > MAX_PACKET {
            stats.oversized_dropped.inc();
            tracing::warn!(
                message = name,
                bytes = buf.len(),
                "sim: message too large for one packet, dropped"
            );
            return;
        }
        match self.core.send(&mut buf, reliability, now) {
            Ok(_) => out.push((self.addr, buf)),
            Err(e) => {
                stats.send_queue_overflow.inc();
                tracing::debug!(message = name, error = %e, "sim: circuit refused a packet");
            }
        }
    }
}

/// Fills one object message from the front of `ids` (skipping prims that no
/// longer exist): full updates for landmarks, compressed ones for scenery.
/// `None` when `ids` is exhausted.
pub fn object_batch(
    region: &Region,
    ids: &mut VecDeque<LocalId>,
    t: f32,
    stats: &SimStats,
) -> Option<Message<'static>> {
    let handle = region.info().handle.0;
    let mut full: Vec<object_update::ObjectData<'static>> = Vec::new();
    let mut compressed: Vec<object_update_compressed::ObjectData<'static>> = Vec::new();
    let mut bytes = 0;
    let mut kind = None;
    while let Some(&id) = ids.front() {
        let Some(prim) = region.prim(id) else {
            ids.pop_front();
            continue;
        };
        let this = prim.update_kind;
        if kind.is_some_and(|k| k != this) || bytes >= OBJECT_BATCH_BYTES {
            break;
        }
        let added = match this {
            UpdateKind::Full => match full_update_block(prim, t) {
                Ok(b) => {
                    let len = b.encoded_len();
                    if bytes > 0 && bytes + len > OBJECT_BATCH_BYTES {
                        break;
                    }
                    full.push(b);
                    Some(len)
                }
                Err(e) => {
                    tracing::warn!(id = id.0, error = %e, "sim: prim does not encode, skipped");
                    None
                }
            },
            UpdateKind::Compressed => match compressed_block(prim, t, region.info().owner) {
                Ok(b) => {
                    let len = b.encoded_len();
                    if bytes > 0 && bytes + len > OBJECT_BATCH_BYTES {
                        break;
                    }
                    compressed.push(b);
                    Some(len)
                }
                Err(e) => {
                    tracing::warn!(id = id.0, error = %e, "sim: prim does not encode, skipped");
                    None
                }
            },
        };
        ids.pop_front();
        if let Some(len) = added {
            bytes += len;
            kind = Some(this);
            stats.object_updates_sent.inc();
        }
    }
    let region_data_full = object_update::RegionData {
        region_handle: handle,
        time_dilation: TIME_DILATION_ONE,
    };
    match kind? {
        UpdateKind::Full => Some(
            ObjectUpdate {
                region_data: region_data_full,
                object_data: full,
            }
            .into(),
        ),
        UpdateKind::Compressed => Some(
            ObjectUpdateCompressed {
                region_data: object_update_compressed::RegionData {
                    region_handle: handle,
                    time_dilation: TIME_DILATION_ONE,
                },
                object_data: compressed,
            }
            .into(),
        ),
    }
}

//! The sans-IO reliability core of one LLUDP circuit, used by both ends
//! (the viewer's `CircuitActor` and the embedded simulator).
//!
//! It owns sequence numbers, the reliable packets still unacked (kept as
//! bytes for verbatim resends with the `0x20` resent flag), the acks owed to
//! the peer, duplicate suppression, RTT estimation and ping bookkeeping. It
//! opens no socket and reads no clock: every call takes `now`, and the whole
//! state is `Clone`, so an actor can keep it in durable storage and resume
//! the circuit after a crash.
//!
//! # Using it
//! ```text
//! let mut c = Circuit::new(CircuitConfig::default());
//!
//! // Sending: encode a packet with its header (sequence and ack flag are
//! // overwritten; no appended acks yet), then let the core stamp it.
//! let seq = c.send(&mut datagram, Reliability::Reliable, now)?; // stamps seq, appends acks
//! socket.send(&datagram);
//!
//! // Receiving: decode the message first (Packet::decode). If it does not
//! // decode, c.reject(&datagram, now) counts it without letting its sequence
//! // number into the duplicate window. Otherwise:
//! match c.receive(&datagram, now) {
//!     Ok(Inbound::Deliver(info)) => { /* deliver the decoded message */ }
//!     Ok(Inbound::Duplicate(_)) => {}          // counted, re-acked, not delivered again
//!     Ok(Inbound::Handled(_control)) => {}     // PacketAck / StartPingCheck / CompletePingCheck
//!     Err(_frame_error) => {}                  // counted in `malformed`
//! }
//!
//! // Timers: after every event, and when `next_deadline()` passes.
//! while let Some(out) = c.poll(now, &mut buf) {
//!     match out {
//!         Output::Transmit(_) => socket.send(&buf),     // resend, PacketAck, ping echo
//!         Output::Lost(lost) => report(lost),           // past the retry limit
//!     }
//! }
//! let ping_id = c.start_ping(now, &mut buf); socket.send(&buf);
//! ```
//! The core answers `StartPingCheck` by itself (the echo comes out of
//! [`Circuit::poll`]), takes RTT samples from `CompletePingCheck` and from
//! acks of packets never resent (Karn's rule), and resends unacked reliable
//! packets after an RTT-based timeout that doubles per attempt. A packet
//! past [`CircuitConfig::max_resends`] is counted in `reliable_lost` and
//! handed back through [`Output::Lost`], never dropped silently.

mod acks;
mod resend;
mod rtt;
pub mod window;
pub mod wire;

#[cfg(test)]
mod tests;

use std::collections::VecDeque;
use std::time::{Duration, Instant};

pub use acks::PendingAcks;
pub use resend::{Due, ResendQueue, Unacked};
pub use rtt::{AVERAGED_PING_ALPHA, RtoConfig, RttEstimator};
pub use window::{Seen, SequenceWindow};
pub use wire::{Control, FrameInfo};

pub use crate::packet::SequenceNumber;

use crate::messages::Message;
use crate::packet::{Packet, PacketEncodeError};

use wire::{
    FLAG_ACKS, FLAG_RELIABLE, FLAG_RESENT, HEADER_LEN, MAX_ACKS_PER_LIST, SEQUENCE_MODULUS,
};

/// A datagram (or its control body) that is not a well-formed packet.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FrameError {
    /// Shorter than the 6-byte header.
    #[error("packet of {len} bytes is shorter than the 6-byte header")]
    TooShort {
        /// Datagram length.
        len: usize,
    },
    /// The extra-header length points past the end.
    #[error("extra header of {extra} bytes overruns the {len}-byte packet")]
    ExtraHeaderOverrun {
        /// Declared extra-header length.
        extra: usize,
        /// Datagram length.
        len: usize,
    },
    /// The appended-ack count points before the body.
    #[error("{count} appended acks overrun the {len}-byte packet")]
    AckTrailerOverrun {
        /// Declared ack count.
        count: usize,
        /// Datagram length.
        len: usize,
    },
    /// No message after the header.
    #[error("packet has no message body")]
    EmptyBody,
    /// A control message with a bad body.
    #[error("malformed {message}: {reason}")]
    Control {
        /// Which control message.
        message: &'static str,
        /// What was wrong.
        reason: &'static str,
    },
}

/// Why [`Circuit::send`] refused a packet.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SendError {
    /// The datagram is not a packet (too short, bad extra header).
    #[error("outgoing packet is not framed: {0}")]
    Frame(#[from] FrameError),
    /// The datagram already carries appended acks; the core appends them.
    #[error("outgoing packet already has appended acks")]
    AlreadyHasAcks,
    /// The message does not fit the wire limits.
    #[error("outgoing message cannot be encoded: {0}")]
    Encode(#[from] PacketEncodeError),
    /// Too many reliable packets unacked; retry after acks arrive.
    #[error("{in_flight} reliable packets are unacked (the limit); send later")]
    WindowFull {
        /// Packets in flight.
        in_flight: usize,
    },
}

/// Whether a packet must be acked (and resent until it is).
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Reliability {
    /// Fire and forget.
    Unreliable,
    /// Acked by the peer; resent until acked or the retry limit.
    Reliable,
}

/// Tunables of a circuit; every queue here is bounded by one of them.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct CircuitConfig {
    /// Largest datagram the core grows by appending acks.
    pub mtu: usize,
    /// Most reliable packets unacked at once.
    pub max_in_flight: usize,
    /// Most acks owed at once (beyond it the oldest is dropped and counted).
    pub max_pending_acks: usize,
    /// How long an ack may wait for a packet to ride on before it is sent
    /// alone in a `PacketAck`.
    pub ack_delay: Duration,
    /// This many acks owed go out in a `PacketAck` at once, without waiting
    /// for `ack_delay` (keeps a fast sender's window open).
    pub ack_batch: usize,
    /// Received sequences remembered for duplicate suppression.
    pub duplicate_window: u32,
    /// Resend-timeout parameters (the reference viewer's by default).
    pub rto: RtoConfig,
    /// Resends of one packet before it is given up as lost: after the last
    /// resend one more timeout passes, then it is reported lost. Default
    /// 12, where the reference viewer gives up after 3
    /// (`LL_DEFAULT_RELIABLE_RETRIES`): on a wire losing 20 % each way, 3
    /// retries abandon ~2 % of reliable packets (an object that never
    /// appears); a dead peer is ended by the circuit timeout anyway.
    pub max_resends: u32,
    /// Ping echoes queued at most (a flood of `StartPingCheck` beyond it is
    /// counted and not answered).
    pub max_ping_replies: usize,
}

impl Default for CircuitConfig {
    fn default() -> Self {
        CircuitConfig {
            mtu: 1200,
            max_in_flight: 1024,
            max_pending_acks: 2048,
            ack_delay: Duration::from_millis(50),
            ack_batch: 64,
            duplicate_window: 4096,
            rto: RtoConfig::default(),
            max_resends: 12,
            max_ping_replies: 8,
        }
    }
}

/// Running totals of one circuit.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct CircuitCounters {
    /// Datagrams received (malformed and duplicates included).
    pub packets_in: u64,
    /// Datagrams sent (resends, acks and pings included).
    pub packets_out: u64,
    /// Resends of reliable packets.
    pub resent: u64,
    /// Received packets already seen, not delivered again.
    pub duplicates_dropped: u64,
    /// Reliable packets given up after the retry limit.
    pub reliable_lost: u64,
    /// Ack ids sent (appended or in `PacketAck`).
    pub acks_sent: u64,
    /// Datagrams that were not well-formed packets or messages.
    pub malformed: u64,
    /// Acks dropped because too many were owed (the peer resends those).
    pub acks_overflowed: u64,
    /// `StartPingCheck`s not answered because too many echoes were queued.
    pub ping_replies_dropped: u64,
}

impl std::ops::Add for CircuitCounters {
    type Output = CircuitCounters;

    /// Field-wise sum (totals over several circuits of one session).
    fn add(self, o: CircuitCounters) -> CircuitCounters {
        CircuitCounters {
            packets_in: self.packets_in + o.packets_in,
            packets_out: self.packets_out + o.packets_out,
            resent: self.resent + o.resent,
            duplicates_dropped: self.duplicates_dropped + o.duplicates_dropped,
            reliable_lost: self.reliable_lost + o.reliable_lost,
            acks_sent: self.acks_sent + o.acks_sent,
            malformed: self.malformed + o.malformed,
            acks_overflowed: self.acks_overflowed + o.acks_overflowed,
            ping_replies_dropped: self.ping_replies_dropped + o.ping_replies_dropped,
        }
    }
}

/// What [`Circuit::receive`] made of a datagram.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Inbound {
    /// A new packet: decode its message and deliver it.
    Deliver(FrameInfo),
    /// Already received: dropped (re-acked if reliable).
    Duplicate(FrameInfo),
    /// A control message the core handled itself.
    Handled(Control),
}

/// Something [`Circuit::poll`] wants done.
#[derive(Debug)]
pub enum Output {
    /// Send the datagram written into the output buffer.
    Transmit(TransmitKind),
    /// A reliable packet given up after the retry limit.
    Lost(LostReliable),
}

/// Which datagram [`Output::Transmit`] carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TransmitKind {
    /// A `CompletePingCheck` echoing the peer's ping.
    PingReply {
        /// The echoed id.
        ping_id: u8,
    },
    /// A resend of an unacked reliable packet.
    Resend {
        /// Its sequence number.
        sequence: SequenceNumber,
        /// How many times it has now been resent.
        resends: u32,
    },
    /// A `PacketAck` with owed acks.
    PacketAck {
        /// How many ids it carries.
        acks: usize,
    },
}

/// A reliable packet the peer never acked.
#[derive(Debug, Clone)]
pub struct LostReliable {
    /// Its sequence number.
    pub sequence: SequenceNumber,
    /// The datagram as last sent (so the caller can say which message).
    pub datagram: Vec<u8>,
    /// Resends tried.
    pub resends: u32,
}

/// Pings sent and not yet echoed (bounded: ids are one byte and at most
/// [`MAX_OUTSTANDING_PINGS`] are remembered).
#[derive(Debug, Clone, Default)]
struct Pings {
    next_id: u8,
    outstanding: VecDeque<(u8, Instant)>,
    last_rtt: Option<Duration>,
}

/// Pings remembered while waiting for their echo.
pub const MAX_OUTSTANDING_PINGS: usize = 16;

/// The reliability state of one circuit. See the module docs.
#[derive(Debug, Clone)]
pub struct Circuit {
    config: CircuitConfig,
    next_sequence: u32,
    unacked: ResendQueue,
    pending_acks: PendingAcks,
    window: SequenceWindow,
    rtt: RttEstimator,
    pings: Pings,
    ping_replies: VecDeque<u8>,
    counters: CircuitCounters,
    last_received: Option<Instant>,
    scratch: Vec<u8>,
}

impl Circuit {
    /// A fresh circuit; the first packet sent gets sequence 1.
    pub fn new(config: CircuitConfig) -> Self {
        Circuit {
            next_sequence: 1,
            unacked: ResendQueue::new(config.max_in_flight),
            pending_acks: PendingAcks::new(config.max_pending_acks),
            window: SequenceWindow::new(config.duplicate_window),
            rtt: RttEstimator::new(config.rto),
            pings: Pings::default(),
            ping_replies: VecDeque::new(),
            counters: CircuitCounters::default(),
            last_received: None,
            scratch: Vec::new(),
            config,
        }
    }

    /// The configuration it runs with.
    pub fn config(&self) -> &CircuitConfig {
        &self.config
    }

    /// Running totals.
    pub fn counters(&self) -> CircuitCounters {
        self.counters
    }

    /// Smoothed RTT (pings and acks), once any sample arrived.
    pub fn rtt(&self) -> Option<Duration> {
        self.rtt.smoothed()
    }

    /// RTT of the last answered ping.
    pub fn ping_rtt(&self) -> Option<Duration> {
        self.pings.last_rtt
    }

    /// The current resend timeout (before per-packet backoff).
    pub fn rto(&self) -> Duration {
        self.rtt.rto()
    }

    /// Reliable packets sent and not acked yet.
    pub fn in_flight(&self) -> usize {
        self.unacked.len()
    }

    /// True when a reliable packet may be sent now.
    pub fn can_send_reliable(&self) -> bool {
        !self.unacked.is_full()
    }

    /// The reliable packets in flight, oldest first.
    pub fn unacked(&self) -> impl Iterator<Item = &Unacked> {
        self.unacked.iter()
    }

    /// Acks owed to the peer.
    pub fn pending_acks(&self) -> usize {
        self.pending_acks.len()
    }

    /// When the last datagram arrived (for the circuit timeout).
    pub fn last_received(&self) -> Option<Instant> {
        self.last_received
    }

    /// The sequence number the next packet gets.
    pub fn next_sequence(&self) -> SequenceNumber {
        SequenceNumber(self.next_sequence)
    }

    fn take_sequence(&mut self) -> SequenceNumber {
        let s = self.next_sequence;
        self.next_sequence = (s + 1) % SEQUENCE_MODULUS;
        SequenceNumber(s)
    }

    /// Stamps a framed outgoing packet in place: sets its sequence number and
    /// reliable flag (clearing the resent flag), appends owed acks that fit
    /// under the MTU, and keeps a copy when it is reliable. Returns its
    /// sequence number.
    pub fn send(
        &mut self,
        datagram: &mut Vec<u8>,
        reliability: Reliability,
        now: Instant,
    ) -> Result<SequenceNumber, SendError> {
        let info = wire::parse_frame(datagram)?;
        if info.flags & FLAG_ACKS != 0 {
            return Err(SendError::AlreadyHasAcks);
        }
        let reliable = reliability == Reliability::Reliable;
        if reliable && self.unacked.is_full() {
            return Err(SendError::WindowFull {
                in_flight: self.unacked.len(),
            });
        }
        let seq = self.take_sequence();
        datagram[1..5].copy_from_slice(&seq.0.to_be_bytes());
        datagram[0] &= !(FLAG_RESENT | FLAG_RELIABLE);
        if reliable {
            datagram[0] |= FLAG_RELIABLE;
        }
        self.append_owed_acks(datagram);
        if reliable {
            let entry = Unacked {
                sequence: seq,
                bytes: datagram.clone(),
                first_sent: now,
                resends: 0,
                deadline: now + self.rtt.rto(),
            };
            // Capacity was checked above.
            let _ = self.unacked.push(entry);
        }
        self.counters.packets_out += 1;
        Ok(seq)
    }

    /// Encodes `message` as a packet into `out` (replacing its contents),
    /// zerocoded when the template says so, then stamps it like [`Circuit::send`].
    pub fn send_message<'a>(
        &mut self,
        message: impl Into<Message<'a>>,
        reliability: Reliability,
        now: Instant,
        out: &mut Vec<u8>,
    ) -> Result<SequenceNumber, SendError> {
        out.clear();
        Packet::new(SequenceNumber(0), message).try_encode(out)?;
        self.send(out, reliability, now)
    }

    fn append_owed_acks(&mut self, datagram: &mut Vec<u8>) {
        if self.pending_acks.is_empty() {
            return;
        }
        let room = self.config.mtu.saturating_sub(datagram.len() + 1) / 4;
        let n = room.min(MAX_ACKS_PER_LIST).min(self.pending_acks.len());
        if n == 0 {
            return;
        }
        self.counters.acks_sent += n as u64;
        wire::append_acks(datagram, self.pending_acks.take(n));
    }

    /// Takes in one received datagram: counts it, applies its appended acks,
    /// suppresses duplicates (still acking them), handles control messages,
    /// and says whether the caller should decode and deliver it.
    pub fn receive(&mut self, datagram: &[u8], now: Instant) -> Result<Inbound, FrameError> {
        self.counters.packets_in += 1;
        let info = match wire::parse_frame(datagram) {
            Ok(i) => i,
            Err(e) => {
                self.counters.malformed += 1;
                return Err(e);
            }
        };
        if info.body_start == info.body_end {
            self.counters.malformed += 1;
            return Err(FrameError::EmptyBody);
        }
        self.last_received = Some(now);
        for ack in wire::appended_acks(datagram, &info) {
            self.on_ack(ack, now);
        }
        let seen = self.window.observe(info.sequence.0);
        if info.reliable() && !self.pending_acks.push(info.sequence, now) {
            self.counters.acks_overflowed += 1;
        }
        if seen != Seen::New {
            self.counters.duplicates_dropped += 1;
            return Ok(Inbound::Duplicate(info));
        }
        let mut scratch = std::mem::take(&mut self.scratch);
        let control = wire::parse_control(datagram, &info, &mut scratch);
        self.scratch = scratch;
        match control {
            Err(e) => {
                self.counters.malformed += 1;
                Err(e)
            }
            Ok(None) => Ok(Inbound::Deliver(info)),
            Ok(Some(c)) => {
                match &c {
                    Control::PacketAck(ids) => {
                        for &id in ids {
                            self.on_ack(id, now);
                        }
                    }
                    Control::StartPingCheck { ping_id, .. } => {
                        if self.ping_replies.len() >= self.config.max_ping_replies {
                            self.counters.ping_replies_dropped += 1;
                        } else {
                            self.ping_replies.push_back(*ping_id);
                        }
                    }
                    Control::CompletePingCheck { ping_id } => self.on_ping_echo(*ping_id, now),
                }
                Ok(Inbound::Handled(c))
            }
        }
    }

    /// Counts a delivered packet whose message failed to decode.
    pub fn record_malformed(&mut self) {
        self.counters.malformed += 1;
    }

    /// Takes in a datagram whose message does not decode (decode first, then
    /// call this instead of [`Circuit::receive`]): it is counted in
    /// `packets_in` and `malformed`, acked when it is a well-framed reliable
    /// packet (a resend would not decode either), and otherwise ignored. Its
    /// sequence number does not enter the duplicate window and its appended
    /// acks are not applied, so garbage with a random sequence number or ack
    /// list cannot make later genuine packets look like duplicates or drop
    /// unacked packets.
    pub fn reject(&mut self, datagram: &[u8], now: Instant) {
        self.counters.packets_in += 1;
        self.counters.malformed += 1;
        if let Ok(info) = wire::parse_frame(datagram)
            && info.reliable()
            && !self.pending_acks.push(info.sequence, now)
        {
            self.counters.acks_overflowed += 1;
        }
    }

    fn on_ack(&mut self, sequence: SequenceNumber, now: Instant) {
        if let Some(e) = self.unacked.ack(sequence)
            && e.resends == 0
        {
            self.rtt.sample(now.saturating_duration_since(e.first_sent));
        }
    }

    fn on_ping_echo(&mut self, ping_id: u8, now: Instant) {
        let q = &mut self.pings.outstanding;
        if let Some(i) = q.iter().position(|&(id, _)| id == ping_id) {
            let (_, sent) = q.remove(i).unwrap_or((ping_id, now));
            // Older pings than an echoed one will not be echoed any more.
            q.drain(..i);
            let rtt = now.saturating_duration_since(sent);
            self.pings.last_rtt = Some(rtt);
            self.rtt.sample(rtt);
        }
    }

    /// Writes a `StartPingCheck` (unreliable, with owed acks appended) into
    /// `out` and remembers when it left. Returns its ping id.
    pub fn start_ping(&mut self, now: Instant, out: &mut Vec<u8>) -> u8 {
        let id = self.pings.next_id;
        self.pings.next_id = id.wrapping_add(1);
        if self.pings.outstanding.len() >= MAX_OUTSTANDING_PINGS {
            self.pings.outstanding.pop_front();
        }
        self.pings.outstanding.push_back((id, now));
        let oldest = self.unacked.oldest().map_or(self.next_sequence, |s| s.0);
        wire::write_header(out, 0, 0);
        wire::write_start_ping_body(out, id, oldest);
        self.stamp_unreliable(out, now);
        id
    }

    fn stamp_unreliable(&mut self, out: &mut Vec<u8>, now: Instant) {
        // A bare header we just wrote is always framed and carries no acks.
        if self.send(out, Reliability::Unreliable, now).is_err() {
            debug_assert!(false, "control packet refused");
        }
    }

    /// The next thing to do at `now`: a ping echo, a resend, a `PacketAck`
    /// (when acks waited `ack_delay` or `ack_batch` are owed), or a report of a
    /// reliable packet given up. Datagrams are written into `out`. Call until
    /// it returns `None`.
    pub fn poll(&mut self, now: Instant, out: &mut Vec<u8>) -> Option<Output> {
        if let Some(ping_id) = self.ping_replies.pop_front() {
            wire::write_header(out, 0, 0);
            wire::write_complete_ping_body(out, ping_id);
            self.stamp_unreliable(out, now);
            return Some(Output::Transmit(TransmitKind::PingReply { ping_id }));
        }
        let rtt = &self.rtt;
        match self
            .unacked
            .poll_due(now, self.config.max_resends, |n| rtt.backoff(n))
        {
            Some(Due::Resend(e)) => {
                out.clear();
                out.extend_from_slice(&e.bytes);
                let kind = TransmitKind::Resend {
                    sequence: e.sequence,
                    resends: e.resends,
                };
                self.counters.resent += 1;
                self.counters.packets_out += 1;
                return Some(Output::Transmit(kind));
            }
            Some(Due::Lost(e)) => {
                self.counters.reliable_lost += 1;
                return Some(Output::Lost(LostReliable {
                    sequence: e.sequence,
                    datagram: e.bytes,
                    resends: e.resends,
                }));
            }
            None => {}
        }
        let acks_due = self.pending_acks.len() >= self.config.ack_batch.clamp(1, MAX_ACKS_PER_LIST)
            || self
                .pending_acks
                .oldest()
                .is_some_and(|t| now.saturating_duration_since(t) >= self.config.ack_delay);
        if acks_due && self.flush_acks(now, out) {
            let acks = out[HEADER_LEN + 4] as usize;
            return Some(Output::Transmit(TransmitKind::PacketAck { acks }));
        }
        None
    }

    /// Writes a `PacketAck` with up to 255 owed acks into `out` right away;
    /// `false` (and `out` untouched) when none is owed.
    pub fn flush_acks(&mut self, now: Instant, out: &mut Vec<u8>) -> bool {
        if self.pending_acks.is_empty() {
            return false;
        }
        let n = self.pending_acks.len().min(MAX_ACKS_PER_LIST);
        wire::write_header(out, 0, 0);
        wire::write_packet_ack_body(out, self.pending_acks.take(n));
        self.counters.acks_sent += n as u64;
        self.stamp_unreliable(out, now);
        true
    }

    /// When [`Circuit::poll`] next has something to do, if anything is
    /// pending (ping echoes due now, resends, owed acks).
    pub fn next_deadline(&self) -> Option<Instant> {
        // Echoes are owed since the ping arrived, i.e. since `last_received`.
        if !self.ping_replies.is_empty() && self.last_received.is_some() {
            return self.last_received;
        }
        let batch_full =
            self.pending_acks.len() >= self.config.ack_batch.clamp(1, MAX_ACKS_PER_LIST);
        let acks = self.pending_acks.oldest().map(|t| {
            if batch_full {
                t
            } else {
                t + self.config.ack_delay
            }
        });
        match (acks, self.unacked.earliest_deadline()) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }
}

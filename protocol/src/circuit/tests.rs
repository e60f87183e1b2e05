//! Tests of the circuit core: unit cases and a lossy-network property.

use super::*;
use proptest::prelude::*;

fn t0() -> Instant {
    Instant::now()
}

fn ms(n: u64) -> Duration {
    Duration::from_millis(n)
}

/// A framed Low-frequency test message (number 0xFFFF0001) carrying `id`.
fn message(id: u32) -> Vec<u8> {
    let mut d = vec![0, 0, 0, 0, 0, 0, 0xFF, 0xFF, 0x00, 0x01];
    d.extend_from_slice(&id.to_le_bytes());
    d
}

fn message_id(d: &[u8], info: &FrameInfo) -> u32 {
    let b = &d[info.body_start + 4..info.body_start + 8];
    u32::from_le_bytes([b[0], b[1], b[2], b[3]])
}

fn drain(c: &mut Circuit, now: Instant) -> Vec<(Vec<u8>, Output)> {
    let mut v = Vec::new();
    let mut buf = Vec::new();
    while let Some(o) = c.poll(now, &mut buf) {
        v.push((buf.clone(), o));
    }
    v
}

#[test]
fn send_stamps_sequence_and_flags() {
    let now = t0();
    let mut c = Circuit::new(CircuitConfig::default());
    let mut d = message(7);
    d[0] = FLAG_RESENT;
    assert_eq!(
        c.send(&mut d, Reliability::Reliable, now).unwrap(),
        SequenceNumber(1)
    );
    assert_eq!(d[0], FLAG_RELIABLE);
    assert_eq!(&d[1..5], &[0, 0, 0, 1]);
    let mut d = message(8);
    assert_eq!(
        c.send(&mut d, Reliability::Unreliable, now).unwrap(),
        SequenceNumber(2)
    );
    assert_eq!(d[0], 0);
    assert_eq!(c.in_flight(), 1);
    assert_eq!(c.counters().packets_out, 2);
    let mut short = vec![0, 1];
    assert!(matches!(
        c.send(&mut short, Reliability::Reliable, now),
        Err(SendError::Frame(FrameError::TooShort { len: 2 }))
    ));
}

#[test]
fn acks_ride_on_outgoing_packets_or_go_alone() {
    let now = t0();
    let mut a = Circuit::new(CircuitConfig::default());
    let mut b = Circuit::new(CircuitConfig::default());
    for i in 0..3 {
        let mut d = message(i);
        a.send(&mut d, Reliability::Reliable, now).unwrap();
        assert!(matches!(b.receive(&d, now), Ok(Inbound::Deliver(_))));
    }
    assert_eq!(b.pending_acks(), 3);
    // Not yet due: nothing to send.
    assert!(drain(&mut b, now + ms(10)).is_empty());
    let mut reply = message(100);
    b.send(&mut reply, Reliability::Unreliable, now).unwrap();
    assert_eq!(reply[0] & FLAG_ACKS, FLAG_ACKS);
    assert_eq!(*reply.last().unwrap(), 3);
    assert_eq!(b.counters().acks_sent, 3);
    assert!(matches!(
        a.receive(&reply, now + ms(40)),
        Ok(Inbound::Deliver(_))
    ));
    assert_eq!(a.in_flight(), 0);
    assert_eq!(a.rtt(), Some(ms(40)));

    // No room under the MTU: acks wait, then go as PacketAck.
    let mut d = message(4);
    a.send(&mut d, Reliability::Reliable, now).unwrap();
    b.receive(&d, now).unwrap();
    let mut big = message(5);
    big.resize(1200, 0xAB);
    b.send(&mut big, Reliability::Unreliable, now).unwrap();
    assert_eq!(big[0] & FLAG_ACKS, 0);
    let out = drain(&mut b, now + ms(50));
    assert_eq!(out.len(), 1);
    assert!(matches!(
        out[0].1,
        Output::Transmit(TransmitKind::PacketAck { acks: 1 })
    ));
    assert!(matches!(
        a.receive(&out[0].0, now + ms(60)),
        Ok(Inbound::Handled(Control::PacketAck(ref v))) if v == &[SequenceNumber(4)]
    ));
    assert_eq!(a.in_flight(), 0);
}

#[test]
fn resend_with_flag_then_lost_after_limit() {
    let now = t0();
    let config = CircuitConfig {
        max_resends: 2,
        ..CircuitConfig::default()
    };
    let mut a = Circuit::new(config);
    let mut d = message(1);
    a.send(&mut d, Reliability::Reliable, now).unwrap();
    // No sample yet: the averaged ping is 1000 ms, the timeout 5 × 1000 ms.
    assert!(drain(&mut a, now + ms(4999)).is_empty());
    let out = drain(&mut a, now + ms(5000));
    assert_eq!(out.len(), 1);
    assert!(matches!(
        out[0].1,
        Output::Transmit(TransmitKind::Resend {
            sequence: SequenceNumber(1),
            resends: 1
        })
    ));
    assert_eq!(out[0].0[0], FLAG_RELIABLE | FLAG_RESENT);
    assert_eq!(&out[0].0[1..], &d[1..]);
    // No backoff, as in the reference: the next resend 5000 ms later.
    assert!(drain(&mut a, now + ms(9999)).is_empty());
    assert_eq!(drain(&mut a, now + ms(10_000)).len(), 1);
    assert!(drain(&mut a, now + ms(14_999)).is_empty());
    let out = drain(&mut a, now + ms(15_000));
    assert_eq!(out.len(), 1);
    match &out[0].1 {
        Output::Lost(l) => {
            assert_eq!(l.sequence, SequenceNumber(1));
            assert_eq!(l.resends, 2);
        }
        other => panic!("expected a lost packet, got {other:?}"),
    }
    let c = a.counters();
    assert_eq!((c.resent, c.reliable_lost, c.packets_out), (2, 1, 3));
    assert_eq!(a.in_flight(), 0);
    assert_eq!(a.next_deadline(), None);
}

#[test]
fn duplicates_dropped_but_acked_again() {
    let now = t0();
    let mut a = Circuit::new(CircuitConfig::default());
    let mut b = Circuit::new(CircuitConfig::default());
    let mut d = message(1);
    a.send(&mut d, Reliability::Reliable, now).unwrap();
    assert!(matches!(b.receive(&d, now), Ok(Inbound::Deliver(_))));
    assert!(matches!(b.receive(&d, now), Ok(Inbound::Duplicate(_))));
    assert_eq!(b.counters().duplicates_dropped, 1);
    assert_eq!(b.pending_acks(), 2);
    assert_eq!(b.counters().packets_in, 2);
}

#[test]
fn window_full_is_an_error_not_a_drop() {
    let now = t0();
    let mut a = Circuit::new(CircuitConfig {
        max_in_flight: 2,
        ..CircuitConfig::default()
    });
    for i in 0..2 {
        a.send(&mut message(i), Reliability::Reliable, now).unwrap();
    }
    assert!(!a.can_send_reliable());
    assert_eq!(
        a.send(&mut message(3), Reliability::Reliable, now),
        Err(SendError::WindowFull { in_flight: 2 })
    );
    // Unreliable traffic still flows.
    assert!(
        a.send(&mut message(4), Reliability::Unreliable, now)
            .is_ok()
    );
}

#[test]
fn ping_round_trip_measures_rtt() {
    let now = t0();
    let mut a = Circuit::new(CircuitConfig::default());
    let mut b = Circuit::new(CircuitConfig::default());
    let mut ping = Vec::new();
    let id = a.start_ping(now, &mut ping);
    assert!(matches!(
        b.receive(&ping, now + ms(5)),
        Ok(Inbound::Handled(Control::StartPingCheck { ping_id, .. })) if ping_id == id
    ));
    assert_eq!(b.next_deadline(), Some(now + ms(5)));
    let out = drain(&mut b, now + ms(5));
    assert_eq!(out.len(), 1);
    assert!(matches!(
        out[0].1,
        Output::Transmit(TransmitKind::PingReply { .. })
    ));
    a.receive(&out[0].0, now + ms(30)).unwrap();
    assert_eq!(a.ping_rtt(), Some(ms(30)));
    assert_eq!(a.rtt(), Some(ms(30)));
    // A second echo of the same id is a duplicate packet, not a new sample.
    assert!(matches!(
        a.receive(&out[0].0, now + ms(90)),
        Ok(Inbound::Duplicate(_))
    ));
    assert_eq!(a.ping_rtt(), Some(ms(30)));
}

#[test]
fn malformed_datagrams_are_counted() {
    let now = t0();
    let mut b = Circuit::new(CircuitConfig::default());
    assert!(b.receive(&[1, 2, 3], now).is_err());
    assert!(b.receive(&[0, 0, 0, 0, 9, 0], now).is_err());
    assert!(
        b.receive(&[0, 0, 0, 0, 10, 0, 0xFF, 0xFF, 0xFF, 0xFB, 9], now)
            .is_err()
    );
    let mut ok = message(1);
    Circuit::new(CircuitConfig::default())
        .send(&mut ok, Reliability::Unreliable, now)
        .unwrap();
    assert!(matches!(b.receive(&ok, now), Ok(Inbound::Deliver(_))));
    b.record_malformed();
    let c = b.counters();
    assert_eq!((c.packets_in, c.malformed), (4, 4));
}

#[test]
fn cloned_state_resumes_without_loss() {
    let now = t0();
    let mut a = Circuit::new(CircuitConfig::default());
    let mut b = Circuit::new(CircuitConfig::default());
    for i in 0..5 {
        let mut d = message(i);
        a.send(&mut d, Reliability::Reliable, now).unwrap();
        if i % 2 == 0 {
            b.receive(&d, now).unwrap();
        }
    }
    // The "actor" crashes; its durable copy is taken over.
    let mut resumed = a.clone();
    drop(a);
    let mut delivered: Vec<u32> = vec![0, 2, 4];
    for (bytes, _) in drain(&mut resumed, now + ms(5000)) {
        if let Ok(Inbound::Deliver(info)) = b.receive(&bytes, now + ms(5000)) {
            delivered.push(message_id(&bytes, &info));
        }
    }
    delivered.sort();
    assert_eq!(delivered, vec![0, 1, 2, 3, 4]);
    assert_eq!(b.counters().duplicates_dropped, 3);
    assert_eq!(resumed.next_sequence(), SequenceNumber(6));
}

/// A tiny deterministic PRNG driven by a proptest seed.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn percent(&mut self, p: u64) -> bool {
        self.next() % 100 < p
    }
}

struct Wire {
    rng: Rng,
    loss: u64,
    dup: u64,
    jitter_ms: u64,
    in_flight: Vec<(Instant, usize, Vec<u8>)>,
}

impl Wire {
    fn transmit(&mut self, now: Instant, to: usize, bytes: &[u8]) {
        if self.rng.percent(self.loss) {
            return;
        }
        let copies = if self.rng.percent(self.dup) { 2 } else { 1 };
        for _ in 0..copies {
            let delay = 20 + self.rng.next() % (self.jitter_ms + 1);
            self.in_flight.push((now + ms(delay), to, bytes.to_vec()));
        }
    }
}

struct Outcome {
    delivered: [Vec<u32>; 2],
    lost: [Vec<u32>; 2],
    counters: [CircuitCounters; 2],
    finished: bool,
}

/// Two circuits exchanging `n` reliable messages each way over a lossy wire.
fn exchange(
    seed: u64,
    n: u32,
    loss: u64,
    dup: u64,
    jitter_ms: u64,
    config: CircuitConfig,
) -> Outcome {
    let start = t0();
    let mut ends = [Circuit::new(config.clone()), Circuit::new(config)];
    let mut wire = Wire {
        rng: Rng(seed | 1),
        loss,
        dup,
        jitter_ms,
        in_flight: Vec::new(),
    };
    let mut delivered = [Vec::new(), Vec::new()];
    let mut lost = [Vec::new(), Vec::new()];
    // Which message id each side's sequence carried, to name lost packets.
    let mut sent = [0u32, 0u32];
    let mut buf = Vec::new();
    let mut finished = false;
    for step in 0..40_000u64 {
        let now = start + ms(step * 10);
        for side in 0..2 {
            while sent[side] < n && ends[side].can_send_reliable() {
                let mut d = message(sent[side]);
                ends[side].send(&mut d, Reliability::Reliable, now).unwrap();
                wire.transmit(now, 1 - side, &d);
                sent[side] += 1;
                if !sent[side].is_multiple_of(7) {
                    break;
                }
            }
        }
        wire.in_flight.sort_by_key(|(t, _, _)| *t);
        let due = wire
            .in_flight
            .iter()
            .take_while(|(t, _, _)| *t <= now)
            .count();
        for (_, to, bytes) in wire.in_flight.drain(..due).collect::<Vec<_>>() {
            if let Ok(Inbound::Deliver(info)) = ends[to].receive(&bytes, now) {
                delivered[to].push(message_id(&bytes, &info));
            }
        }
        for side in 0..2 {
            while let Some(o) = ends[side].poll(now, &mut buf) {
                match o {
                    Output::Transmit(_) => wire.transmit(now, 1 - side, &buf),
                    Output::Lost(l) => {
                        let info = wire::parse_frame(&l.datagram).unwrap();
                        lost[side].push(message_id(&l.datagram, &info));
                    }
                }
            }
        }
        if sent == [n, n]
            && wire.in_flight.is_empty()
            && ends
                .iter()
                .all(|c| c.in_flight() == 0 && c.pending_acks() == 0)
        {
            finished = true;
            break;
        }
    }
    Outcome {
        delivered,
        lost,
        counters: [ends[0].counters(), ends[1].counters()],
        finished,
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    /// With a retry limit the loss rate cannot realistically exhaust, every
    /// reliable message arrives exactly once despite loss, duplication and
    /// reordering in both directions.
    #[test]
    fn lossy_wire_delivers_every_reliable_message_exactly_once(
        seed in any::<u64>(),
        n in 1u32..120,
        loss in 0u64..35,
        dup in 0u64..25,
        jitter in 0u64..200,
    ) {
        let config = CircuitConfig {
            max_resends: 40,
            max_in_flight: 64,
            // Timeouts between 100 ms and 800 ms, 300 ms before a sample.
            rto: RtoConfig {
                initial_ping: ms(60),
                ping_min: ms(20),
                ping_max: ms(160),
                min_timeout: ms(100),
                timeout_factor: 5,
            },
            ..CircuitConfig::default()
        };
        let o = exchange(seed, n, loss, dup, jitter, config);
        prop_assert!(o.finished, "the exchange did not settle");
        for side in 0..2 {
            prop_assert!(o.lost[side].is_empty());
            let mut got = o.delivered[side].clone();
            got.sort();
            prop_assert_eq!(got, (0..n).collect::<Vec<_>>());
            prop_assert_eq!(o.counters[side].reliable_lost, 0);
        }
    }

    /// With a retry limit that loss does exceed, nothing is delivered twice,
    /// everything not reported lost is delivered, and each loss is counted.
    #[test]
    fn retry_limit_losses_are_reported_never_silent(
        seed in any::<u64>(),
        n in 1u32..80,
        loss in 30u64..70,
        dup in 0u64..25,
    ) {
        let config = CircuitConfig {
            max_resends: 1,
            // Timeouts between 100 ms and 400 ms, 200 ms before a sample.
            rto: RtoConfig {
                initial_ping: ms(40),
                ping_min: ms(20),
                ping_max: ms(80),
                min_timeout: ms(100),
                timeout_factor: 5,
            },
            ..CircuitConfig::default()
        };
        let o = exchange(seed, n, loss, dup, 50, config);
        prop_assert!(o.finished, "the exchange did not settle");
        for side in 0..2 {
            let receiver = 1 - side;
            let mut got = o.delivered[receiver].clone();
            got.sort();
            let mut dedup = got.clone();
            dedup.dedup();
            prop_assert_eq!(&got, &dedup, "a message was delivered twice");
            for id in 0..n {
                if !o.lost[side].contains(&id) {
                    prop_assert!(got.contains(&id), "message {} neither delivered nor reported lost", id);
                }
            }
            prop_assert_eq!(o.counters[side].reliable_lost, o.lost[side].len() as u64);
        }
    }
}

/// The core's hand-written control packets agree with the generated codec,
/// both ways.
#[test]
fn control_packets_agree_with_generated_codec() {
    use crate::messages::{
        CompletePingCheck, Message, PacketAck, StartPingCheck, complete_ping_check, packet_ack,
    };
    use crate::packet::Packet;
    let now = t0();
    let mut a = Circuit::new(CircuitConfig::default());
    let mut b = Circuit::new(CircuitConfig::default());

    let mut ping = Vec::new();
    let id = a.start_ping(now, &mut ping);
    let mut scratch = Vec::new();
    let p = Packet::decode(&ping, &mut scratch).unwrap();
    match p.message {
        Message::StartPingCheck(StartPingCheck { ping_id }) => {
            assert_eq!(ping_id.ping_id, id);
            assert_eq!(ping_id.oldest_unacked, 1);
        }
        other => panic!("expected StartPingCheck, got {other:?}"),
    }

    // Acks owed by b go out as a PacketAck the codec reads.
    for i in 0..3 {
        let mut d = message(i);
        a.send(&mut d, Reliability::Reliable, now).unwrap();
        b.receive(&d, now).unwrap();
    }
    let mut out = Vec::new();
    assert!(b.flush_acks(now, &mut out));
    let p = Packet::decode(&out, &mut scratch).unwrap();
    match p.message {
        Message::PacketAck(PacketAck { packets }) => {
            let ids: Vec<u32> = packets.iter().map(|p| p.id).collect();
            assert_eq!(ids, vec![2, 3, 4]);
        }
        other => panic!("expected PacketAck, got {other:?}"),
    }

    // Codec-encoded PacketAck and CompletePingCheck are understood by the core.
    let ack = PacketAck {
        packets: (2..5).map(|id| packet_ack::Packets { id }).collect(),
    };
    let mut out = Vec::new();
    b.send_message(ack, Reliability::Unreliable, now, &mut out)
        .unwrap();
    assert!(matches!(
        a.receive(&out, now + ms(10)),
        Ok(Inbound::Handled(Control::PacketAck(_)))
    ));
    assert_eq!(a.in_flight(), 0);
    let echo = CompletePingCheck {
        ping_id: complete_ping_check::PingID { ping_id: id },
    };
    b.send_message(echo, Reliability::Unreliable, now, &mut out)
        .unwrap();
    a.receive(&out, now + ms(20)).unwrap();
    assert_eq!(a.ping_rtt(), Some(ms(20)));
}

/// Undecodable garbage with a far-away sequence number must not poison the
/// duplicate window (later genuine packets still deliver) nor apply acks.
#[test]
fn rejected_garbage_leaves_window_and_acks_alone() {
    let now = t0();
    let mut a = Circuit::new(CircuitConfig::default());
    let mut b = Circuit::new(CircuitConfig::default());
    let mut d = message(1);
    b.send(&mut d, Reliability::Reliable, now).unwrap();
    assert!(matches!(a.receive(&d, now), Ok(Inbound::Deliver(_))));
    // Garbage: reliable, sequence 0x800000 away, acking b's packet 1.
    let mut garbage = vec![
        FLAG_RELIABLE,
        0x80,
        0x00,
        0x00,
        0x00,
        0,
        0xFF,
        0xFF,
        0xFF,
        0x00,
    ];
    wire::append_acks(&mut garbage, [SequenceNumber(1)].into_iter());
    a.reject(&garbage, now);
    let mut d2 = message(2);
    b.send(&mut d2, Reliability::Reliable, now).unwrap();
    assert!(matches!(a.receive(&d2, now), Ok(Inbound::Deliver(_))));
    let c = a.counters();
    assert_eq!((c.packets_in, c.malformed, c.duplicates_dropped), (3, 1, 0));
    // Three acks owed: packet 1, the garbage (reliable), packet 2.
    assert_eq!(a.pending_acks(), 3);
    // b's own unacked packets were not touched by the garbage's acks.
    let mut c2 = Circuit::new(CircuitConfig::default());
    c2.send(&mut message(9), Reliability::Reliable, now)
        .unwrap();
    c2.reject(&garbage, now);
    assert_eq!(c2.in_flight(), 1);
}

//! Packet-level properties: arbitrary datagrams never panic the decoder;
//! well-formed packets round-trip with any flags, extra header and acks;
//! zerocoding round-trips and its expansion is bounded.

mod messages_support;

use kestrel_protocol::messages::{Message, VarBytes};
use kestrel_protocol::packet::{
    MAX_EXPANDED_LEN, Packet, PacketError, PacketFlags, SequenceNumber, ZeroDecodeError,
    peek_header, zero_decode, zero_encode,
};
use messages_support::{Floats, Rng, project_template, random_body};
use proptest::prelude::*;

/// Datagrams that look like packets often enough to get past the header:
/// a plausible header followed by random bytes, sometimes zerocoded.
fn datagram() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        proptest::collection::vec(any::<u8>(), 0..64),
        (
            any::<u8>(),
            any::<u32>(),
            0u8..4,
            proptest::collection::vec(any::<u8>(), 0..600)
        )
            .prop_map(|(flags, seq, extra, body)| {
                let mut d = vec![flags];
                d.extend_from_slice(&seq.to_be_bytes());
                d.push(extra);
                d.extend(body);
                d
            }),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1000))]

    #[test]
    fn arbitrary_datagrams_never_panic(d in datagram()) {
        let mut scratch = Vec::new();
        let decoded = Packet::decode(&d, &mut scratch);
        let peek = peek_header(&d);
        // Both read the same header and acks, or both fail on them.
        if let Ok(p) = &decoded {
            let peek = peek.as_ref().unwrap();
            prop_assert_eq!(peek.header, p.header);
            prop_assert_eq!(peek.acks.iter().collect::<Vec<_>>(), p.acks.clone());
            prop_assert_eq!(peek.message_id, Some(p.message.id()));
            prop_assert!(scratch.len() <= MAX_EXPANDED_LEN);
        }
    }

    /// Every message number of the template (483) followed by arbitrary
    /// bytes: decoding never panics, and what decodes re-encodes to bytes
    /// that decode and re-encode to the same bytes (compared as bytes:
    /// arbitrary floats include NaN).
    #[test]
    fn arbitrary_bodies_of_every_message_never_panic(seed in any::<u64>()) {
        // 1000 cases × 483 messages.
        let mut rng = Rng::new(seed);
        let mut body = Vec::new();
        let mut again = Vec::new();
        for info in kestrel_protocol::messages::MESSAGES {
            body.clear();
            info.id.encode(&mut body);
            let n = rng.below(160) as usize;
            rng.bytes(n, &mut body);
            if let Ok(m) = Message::decode(&body) {
                prop_assert_eq!(m.id(), info.id);
                again.clear();
                m.encode(&mut again);
                let back = Message::decode(&again);
                prop_assert!(back.is_ok(), "{} re-encoded does not decode", info.name);
                let mut twice = Vec::new();
                back.unwrap().encode(&mut twice);
                prop_assert_eq!(&twice, &again, "{} re-encodes differently", info.name);
            }
        }
    }

    #[test]
    fn zero_coding_round_trips(data in proptest::collection::vec(prop_oneof![Just(0u8), any::<u8>()], 0..2000)) {
        let mut enc = Vec::new();
        zero_encode(&data, &mut enc);
        prop_assert!(!enc.windows(2).any(|w| w == [0, 0]), "no empty runs");
        let mut dec = Vec::new();
        zero_decode(&enc, &mut dec, usize::MAX).unwrap();
        prop_assert_eq!(dec, data);
    }

    #[test]
    fn packets_round_trip(
        seed in any::<u64>(),
        seq in any::<u32>(),
        reliable in any::<bool>(),
        resent in any::<bool>(),
        zerocoded in any::<bool>(),
        extra in proptest::collection::vec(any::<u8>(), 0..4),
        acks in proptest::collection::vec(any::<u32>(), 0..20),
    ) {
        let t = project_template();
        let mut rng = Rng::new(seed);
        let def = &t.messages[rng.below(t.messages.len() as u64) as usize];
        let body = random_body(def, &mut rng, Floats::AnyBits);
        let message = Message::decode(&body).unwrap();
        let mut packet = Packet::new(SequenceNumber(seq), message)
            .with_acks(acks.iter().copied().map(SequenceNumber));
        packet.header.flags = packet.header.flags
            .with(PacketFlags::RELIABLE, reliable)
            .with(PacketFlags::RESENT, resent)
            .with(PacketFlags::ZEROCODED, zerocoded);
        packet.extra_header = VarBytes::borrowed(&extra);
        let mut wire = Vec::new();
        packet.try_encode(&mut wire).unwrap();
        let mut scratch = Vec::new();
        let back = Packet::decode(&wire, &mut scratch).unwrap();
        prop_assert_eq!(back.header.sequence, packet.header.sequence);
        prop_assert_eq!(back.header.flags.has_acks(), !acks.is_empty());
        prop_assert_eq!(back.header.flags.is_zerocoded(), zerocoded);
        prop_assert_eq!(back.header.flags.is_reliable(), reliable);
        prop_assert_eq!(&back.extra_header[..], &extra[..]);
        prop_assert_eq!(&back.acks, &packet.acks);
        let mut again = Vec::new();
        back.encode(&mut again);
        prop_assert_eq!(&again, &wire, "{}", def.name);
    }
}

#[test]
fn zero_expansion_past_the_limit_is_refused() {
    // 6-byte header (zerocoded), then 40 runs of 255 zeros = 10200 bytes.
    let mut d = vec![0x80, 0, 0, 0, 1, 0];
    for _ in 0..40 {
        d.extend_from_slice(&[0x00, 0xFF]);
    }
    let mut scratch = Vec::new();
    let err = Packet::decode(&d, &mut scratch).unwrap_err();
    assert!(
        matches!(
            err,
            PacketError::ZeroCode(ZeroDecodeError::TooLarge {
                limit: MAX_EXPANDED_LEN,
                ..
            })
        ),
        "{err}"
    );
    assert!(scratch.len() <= MAX_EXPANDED_LEN);
}

#[test]
fn malformed_frames_get_specific_errors() {
    let mut scratch = Vec::new();
    assert_eq!(
        Packet::decode(&[0x40, 0, 0, 0], &mut scratch).unwrap_err(),
        PacketError::TooShort { len: 4 }
    );
    // Acks flag with a count of 3 but only 5 bytes after the header.
    let err = Packet::decode(&[0x10, 0, 0, 0, 1, 0, 1, 0, 0, 0, 3], &mut scratch).unwrap_err();
    assert_eq!(
        err,
        PacketError::AcksTruncated {
            count: 3,
            needed: 13,
            available: 5
        }
    );
    // Extra header of 9 bytes, but only 1 byte follows the message number.
    let err = Packet::decode(&[0x00, 0, 0, 0, 1, 9, 1, 2], &mut scratch).unwrap_err();
    assert_eq!(
        err,
        PacketError::ExtraHeaderTruncated {
            len: 9,
            available: 1
        }
    );
    assert!(!err.is_unknown_message());
    // Zerocoded body ending in a lone 0x00.
    let err = Packet::decode(&[0x80, 0, 0, 0, 1, 0, 2, 0], &mut scratch).unwrap_err();
    assert_eq!(
        err,
        PacketError::ZeroCode(ZeroDecodeError::MissingCount { offset: 1 })
    );
    // A good frame whose message is cut short names the message.
    let err = Packet::decode(&[0x00, 0, 0, 0, 1, 0, 0x01, 7], &mut scratch).unwrap_err();
    let PacketError::Message(e) = err else {
        panic!("expected a message error");
    };
    assert_eq!(e.message, Some("StartPingCheck"));
    assert_eq!(e.field, Some("OldestUnacked"));
}

#[test]
fn peek_reads_unknown_messages_for_acking() {
    // Reliable, zerocoded, two acks, Low 1000 (0x03E8, not in the template).
    let d = [
        0xD0, 0, 0, 0, 42, 0, // flags zerocoded|reliable|acks, seq 42
        0xFF, 0xFF, 0x03, 0xE8, 0x00, 0x01, 0xAB, // FF FF 03 E8, one zero, a data byte
        0, 0, 0, 1, 0, 0, 0, 2, 2, // acks 1 and 2
    ];
    let mut scratch = Vec::new();
    let err = Packet::decode(&d, &mut scratch).unwrap_err();
    assert!(err.is_unknown_message(), "{err}");
    let peek = peek_header(&d).unwrap();
    assert_eq!(peek.header.sequence, SequenceNumber(42));
    assert!(peek.header.flags.is_reliable());
    assert_eq!(peek.acks.len(), 2);
    let id = peek.message_id.unwrap();
    assert_eq!(id.to_string(), "Low 1000");
}

#[test]
fn packet_json_round_trips_and_flags_keep_unknown_bits() {
    let d = [0x48, 0, 0, 0, 5, 0, 0x02, 7]; // reliable + unnamed bit 0x08
    let mut scratch = Vec::new();
    let p = Packet::decode(&d, &mut scratch).unwrap();
    let json = serde_json::to_string(&p).unwrap();
    assert_eq!(
        json,
        r#"{"header":{"flags":["reliable","0x08"],"sequence":5},"message":{"CompletePingCheck":{"ping_id":{"ping_id":7}}},"acks":[]}"#
    );
    let back: Packet<'static> = serde_json::from_str(&json).unwrap();
    assert_eq!(back, p);
    let mut out = Vec::new();
    back.encode(&mut out);
    assert_eq!(out, d);
}

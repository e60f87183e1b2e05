//! Golden datagrams worked out by hand from the wire rules. Each expected
//! byte string is written literally with a comment deriving it; the tests
//! check both directions (encode gives these bytes, decode gives the value).

use glam::Vec3;
use kestrel_protocol::messages::{
    CompletePingCheck, Message, ObjectUpdate, PacketAck, UseCircuitCode, VarBytes,
    complete_ping_check, object_update, packet_ack, use_circuit_code,
};
use kestrel_protocol::packet::{Packet, PacketFlags, SequenceNumber, peek_header};
use kestrel_protocol::types::Uuid;

fn round_trip(packet: &Packet<'_>, expected: &[u8]) {
    let mut out = Vec::new();
    packet.encode(&mut out);
    assert_eq!(out, expected, "encoded bytes");
    let mut scratch = Vec::new();
    let back = Packet::decode(expected, &mut scratch).expect("golden bytes decode");
    assert_eq!(&back, packet, "decoded value");
}

#[test]
fn use_circuit_code() {
    let session: Uuid = "11111111-2222-3333-4444-555555555555".parse().unwrap();
    let agent: Uuid = "a2e76fcd-9360-4f6d-a924-000000000003".parse().unwrap();
    let packet = Packet::new(
        SequenceNumber(1),
        UseCircuitCode {
            circuit_code: use_circuit_code::CircuitCode {
                code: 0x0102_0304,
                session_id: session,
                id: agent,
            },
        },
    )
    .reliable();
    #[rustfmt::skip]
    let expected = [
        0x40,                   // flags: reliable (UseCircuitCode is Unencoded)
        0x00, 0x00, 0x00, 0x01, // sequence 1, big-endian
        0x00,                   // no extra header
        0xFF, 0xFF, 0x00, 0x03, // Low 3: 0xFF 0xFF then 3 as big-endian u16
        0x04, 0x03, 0x02, 0x01, // Code 0x01020304, little-endian
        // SessionID: the 16 bytes in text order
        0x11, 0x11, 0x11, 0x11, 0x22, 0x22, 0x33, 0x33,
        0x44, 0x44, 0x55, 0x55, 0x55, 0x55, 0x55, 0x55,
        // ID (agent)
        0xA2, 0xE7, 0x6F, 0xCD, 0x93, 0x60, 0x4F, 0x6D,
        0xA9, 0x24, 0x00, 0x00, 0x00, 0x00, 0x00, 0x03,
    ];
    round_trip(&packet, &expected);
}

#[test]
fn packet_ack() {
    let packet = Packet::new(
        SequenceNumber(2),
        PacketAck {
            packets: vec![
                packet_ack::Packets { id: 5 },
                packet_ack::Packets { id: 0x0106 },
            ],
        },
    );
    #[rustfmt::skip]
    let expected = [
        0x00,                   // flags: none
        0x00, 0x00, 0x00, 0x02, // sequence 2
        0x00,                   // no extra header
        0xFF, 0xFF, 0xFF, 0xFB, // Fixed 0xFFFFFFFB, big-endian
        0x02,                   // Packets: Variable block count 2
        0x05, 0x00, 0x00, 0x00, // ID 5, little-endian U32
        0x06, 0x01, 0x00, 0x00, // ID 0x106
    ];
    round_trip(&packet, &expected);
}

#[test]
fn appended_acks() {
    let packet = Packet::new(
        SequenceNumber(9),
        CompletePingCheck {
            ping_id: complete_ping_check::PingID { ping_id: 5 },
        },
    )
    .reliable()
    .with_acks([SequenceNumber(0x0102_0304), SequenceNumber(7)]);
    #[rustfmt::skip]
    let expected = [
        0x50,                   // flags: reliable 0x40 | acks appended 0x10
        0x00, 0x00, 0x00, 0x09, // sequence 9
        0x00,                   // no extra header
        0x02,                   // High 2: CompletePingCheck
        0x05,                   // PingID 5
        0x01, 0x02, 0x03, 0x04, // ack 0x01020304, big-endian
        0x00, 0x00, 0x00, 0x07, // ack 7
        0x02,                   // ack count, last byte
    ];
    let mut out = Vec::new();
    packet.encode(&mut out);
    assert_eq!(out, expected);
    let mut scratch = Vec::new();
    let back = Packet::decode(&expected, &mut scratch).unwrap();
    assert_eq!(back.message, packet.message);
    assert_eq!(back.acks, packet.acks);
    // The decoded header shows the acks flag that encode set.
    assert_eq!(back.header.flags, PacketFlags::RELIABLE | PacketFlags::ACKS);

    let peek = peek_header(&expected).unwrap();
    assert_eq!(peek.header.sequence, SequenceNumber(9));
    assert!(peek.header.flags.is_reliable());
    let acks: Vec<_> = peek.acks.iter().collect();
    assert_eq!(acks, [SequenceNumber(0x0102_0304), SequenceNumber(7)]);
    assert_eq!(peek.message_id, Some(CompletePingCheck::ID));
}

fn golden_object_update() -> ObjectUpdate<'static> {
    let mut full_id = [0u8; 16];
    full_id[15] = 0x2A;
    ObjectUpdate {
        region_data: object_update::RegionData {
            region_handle: 0x0003_E800_0003_E800, // (256000, 256000)
            time_dilation: 0xFFFF,
        },
        object_data: vec![object_update::ObjectData {
            id: 0x11,
            full_id: Uuid(full_id),
            p_code: 9,
            material: 3,
            scale: Vec3::ONE,
            path_curve: 0x10,
            profile_curve: 0x01,
            path_scale_x: 100,
            path_scale_y: 100,
            text: VarBytes::from_text("Hi"),
            text_color: [0xFF; 4],
            ..Default::default()
        }],
    }
}

#[test]
fn zerocoded_object_update() {
    let packet = Packet::new(SequenceNumber(3), golden_object_update());
    assert!(
        packet.header.flags.is_zerocoded(),
        "ObjectUpdate is Zerocoded"
    );
    // Plain body, field by field (see the template), then zerocoded: every
    // run of n zero bytes becomes 0x00 n.
    #[rustfmt::skip]
    let expected = [
        0x80,                   // flags: zerocoded
        0x00, 0x00, 0x00, 0x03, // sequence 3 (header never zerocoded)
        0x00,                   // no extra header
        0x0C,                   // High 12: ObjectUpdate
        // RegionHandle 0x0003E8000003E800 LE = 00 E8 03 00 00 E8 03 00
        0x00, 0x01, 0xE8, 0x03, // 1 zero, E8 03
        0x00, 0x02, 0xE8, 0x03, // 2 zeros, E8 03
        0x00, 0x01,             // 1 zero (last byte of RegionHandle)
        0xFF, 0xFF,             // TimeDilation 0xFFFF
        0x01,                   // ObjectData: 1 block
        0x11,                   // ID 0x11 = 11 00 00 00 ...
        0x00, 0x13,             // ... 3 zeros + State 0 + 15 zero bytes of FullID = 19
        0x2A,                   // FullID last byte
        0x00, 0x04,             // CRC 0: 4 zeros
        0x09, 0x03,             // PCode 9, Material 3
        0x00, 0x03,             // ClickAction 0 + first 2 bytes of Scale.x (1.0 = 00 00 80 3F)
        0x80, 0x3F,
        0x00, 0x02, 0x80, 0x3F, // Scale.y
        0x00, 0x02, 0x80, 0x3F, // Scale.z
        0x00, 0x09,             // ObjectData len 0, ParentID 0, UpdateFlags 0: 1+4+4 = 9
        0x10, 0x01,             // PathCurve 0x10, ProfileCurve 1
        0x00, 0x04,             // PathBegin 0, PathEnd 0: 4 zeros
        0x64, 0x64,             // PathScaleX/Y 100
        0x00, 0x16,             // 9 zero path bytes + 6 zero profile bytes + lengths of
                                // TextureEntry(2) TextureAnim(1) NameValue(2) Data(2) = 22
        0x03, 0x48, 0x69,       // Text: length 3, "Hi" ...
        0x00, 0x01,             // ... and its NUL
        0xFF, 0xFF, 0xFF, 0xFF, // TextColor
        0x00, 0x45,             // MediaURL, PSBlock, ExtraParams lengths (3) + Sound 16 +
                                // OwnerID 16 + Gain 4 + Flags 1 + Radius 4 + JointType 1 +
                                // JointPivot 12 + JointAxisOrAnchor 12 = 69 zeros
    ];
    round_trip(&packet, &expected);
    // Variable fields of a zerocoded packet borrow from the scratch buffer.
    let mut scratch = Vec::new();
    let decoded = Packet::decode(&expected, &mut scratch).unwrap();
    let Message::ObjectUpdate(u) = &decoded.message else {
        panic!("not an ObjectUpdate");
    };
    assert!(u.object_data[0].text.is_borrowed());
    assert_eq!(u.object_data[0].text.text(), Some("Hi"));
    let peek = peek_header(&expected).unwrap();
    assert_eq!(peek.message_id, Some(ObjectUpdate::ID));
}

#[test]
fn extra_header_follows_the_message_number() {
    // Header byte 5 says 3 extra bytes; the reference reader finds them
    // after the message number and starts the blocks at 6 + 1 + 3.
    let packet = Packet {
        extra_header: VarBytes::borrowed(&[0xE1, 0xE2, 0xE3]),
        ..Packet::new(
            SequenceNumber(9),
            CompletePingCheck {
                ping_id: complete_ping_check::PingID { ping_id: 0x2A },
            },
        )
    };
    #[rustfmt::skip]
    let expected = [
        0x00,                   // flags: none (CompletePingCheck is Unencoded)
        0x00, 0x00, 0x00, 0x09, // sequence 9
        0x03,                   // 3 bytes of extra header
        0x02,                   // High 2: CompletePingCheck
        0xE1, 0xE2, 0xE3,       // the extra header
        0x2A,                   // PingID
    ];
    round_trip(&packet, &expected);
    let peek = peek_header(&expected).unwrap();
    assert_eq!(
        peek.message_id.map(|id| id.to_string()).as_deref(),
        Some("High 2")
    );
}

#[test]
fn zerocoded_extra_header_is_zerocoded_with_the_body() {
    // Zerocoding covers everything after byte 5: number, extra header and
    // blocks, so a zero in the extra header is run-length coded too.
    let mut packet = Packet {
        extra_header: VarBytes::borrowed(&[0x00, 0x00, 0x07]),
        ..Packet::new(
            SequenceNumber(10),
            CompletePingCheck {
                ping_id: complete_ping_check::PingID { ping_id: 0 },
            },
        )
    };
    packet.header.flags.set(PacketFlags::ZEROCODED, true);
    #[rustfmt::skip]
    let expected = [
        0x80,                   // flags: zerocoded
        0x00, 0x00, 0x00, 0x0A, // sequence 10
        0x03,                   // 3 bytes of extra header
        0x02,                   // High 2
        0x00, 0x02,             // extra header 00 00 (a run of two zeros)
        0x07,                   // extra header 07
        0x00, 0x01,             // PingID 0 (a run of one zero)
    ];
    round_trip(&packet, &expected);
}

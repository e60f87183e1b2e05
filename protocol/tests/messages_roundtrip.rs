//! Every generated message round-trips: wire → value → wire is byte-exact,
//! owned copies equal borrowed ones, and the JSON form survives a round trip.

mod messages_support;

use kestrel_protocol::messages::{self, DecodeErrorKind, Message, MessageId, MessageType};
use kestrel_protocol::template::Frequency;
use messages_support::{Floats, Rng, project_template, random_body};
use proptest::prelude::*;

#[test]
fn generated_table_matches_template() {
    let t = project_template();
    assert_eq!(messages::MESSAGES.len(), t.messages.len());
    for (info, def) in messages::MESSAGES.iter().zip(&t.messages) {
        assert_eq!(info.name, def.name);
        assert_eq!(info.id, MessageId::new(def.frequency, def.number));
        assert_eq!(
            messages::message_info(info.id).map(|i| i.name),
            Some(def.name.as_str())
        );
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(128))]

    /// Any field values, any float bits: decode then encode gives the same
    /// bytes, for every message of the template.
    #[test]
    fn wire_round_trip_is_exact(seed in any::<u64>()) {
        let t = project_template();
        let mut rng = Rng::new(seed);
        for def in &t.messages {
            let body = random_body(def, &mut rng, Floats::AnyBits);
            let msg = Message::decode(&body)
                .unwrap_or_else(|e| panic!("{} failed to decode: {e}", def.name));
            prop_assert_eq!(msg.name(), def.name.as_str());
            prop_assert_eq!(msg.number(), def.number);
            prop_assert_eq!(msg.frequency(), def.frequency);
            prop_assert_eq!(msg.encoded_len(), body.len(), "{}", def.name);
            let mut again = Vec::new();
            msg.try_encode(&mut again).unwrap();
            prop_assert_eq!(&again, &body, "{}", def.name);
            let mut owned_bytes = Vec::new();
            msg.into_owned().encode(&mut owned_bytes);
            prop_assert_eq!(&owned_bytes, &body, "{} (owned)", def.name);
        }
    }

    /// Exact floats: the owned copy equals the borrowed value, and the JSON
    /// form decodes to an equal value that encodes to the same bytes.
    #[test]
    fn owned_and_json_round_trip(seed in any::<u64>()) {
        let t = project_template();
        let mut rng = Rng::new(seed);
        for def in &t.messages {
            let body = random_body(def, &mut rng, Floats::Exact);
            let msg = Message::decode(&body).unwrap();
            let owned: Message<'static> = msg.clone().into_owned();
            prop_assert_eq!(&owned, &msg);
            let json = serde_json::to_string(&msg).unwrap();
            let back: Message<'static> = serde_json::from_str(&json)
                .unwrap_or_else(|e| panic!("{}: {e}\n{json}", def.name));
            prop_assert_eq!(&back, &msg, "{}", json);
            let mut again = Vec::new();
            back.encode(&mut again);
            prop_assert_eq!(&again, &body, "{}", def.name);
        }
    }

    /// Every strict prefix of a valid body either fails with an error naming
    /// the message, or (when only trailing Variable block counts are cut)
    /// decodes; it never panics.
    #[test]
    fn truncated_bodies_error_with_context(seed in any::<u64>()) {
        let t = project_template();
        let mut rng = Rng::new(seed);
        let def = &t.messages[rng.below(t.messages.len() as u64) as usize];
        let body = random_body(def, &mut rng, Floats::AnyBits);
        for cut in 0..body.len() {
            match Message::decode(&body[..cut]) {
                Ok(m) => prop_assert_eq!(m.name(), def.name.as_str()),
                Err(e) => {
                    let id_len = MessageId::new(def.frequency, def.number).encoded_len();
                    if cut >= id_len {
                        prop_assert_eq!(e.message, Some(def.name.as_str()));
                        prop_assert!(e.block.is_some());
                    }
                }
            }
        }
    }
}

#[test]
fn typed_decode_and_trait_facts() {
    use kestrel_protocol::messages::{CompletePingCheck, ObjectUpdate, StartPingCheck};
    assert_eq!(<ObjectUpdate<'static> as MessageType>::NAME, "ObjectUpdate");
    assert_eq!(
        <ObjectUpdate<'static> as MessageType>::FREQUENCY,
        Frequency::High
    );
    assert_eq!(<ObjectUpdate<'static> as MessageType>::NUMBER, 12);
    let update = Message::from(ObjectUpdate::default());
    assert!(update.trusted());
    assert!(update.zerocoded());
    assert_eq!(update.id(), <ObjectUpdate<'static> as MessageType>::ID);
    assert!(!Message::from(StartPingCheck::default()).zerocoded());
    assert!(!Message::from(StartPingCheck::default()).trusted());

    let ping = StartPingCheck {
        ping_id: messages::start_ping_check::PingID {
            ping_id: 9,
            oldest_unacked: 77,
        },
    };
    let mut body = Vec::new();
    ping.encode(&mut body);
    // High 1, PingID 9, OldestUnacked 77 little-endian.
    assert_eq!(body, [0x01, 9, 77, 0, 0, 0]);
    assert_eq!(StartPingCheck::decode(&body).unwrap(), ping);
    let msg = Message::decode(&body).unwrap();
    assert_eq!(StartPingCheck::from_message_ref(&msg), Some(&ping));
    assert_eq!(CompletePingCheck::from_message(msg.clone()), None);
    assert_eq!(StartPingCheck::from_message(msg), Some(ping.clone()));

    // The typed decoder refuses a body holding another message.
    let err = CompletePingCheck::decode(&body).unwrap_err();
    assert_eq!(
        err.kind,
        DecodeErrorKind::WrongMessage {
            found: MessageId::new(Frequency::High, 1)
        }
    );
}

#[test]
fn errors_name_message_block_and_field() {
    // UseCircuitCode (Low 3): Code (4 bytes), then SessionID cut short.
    let mut body = vec![0xFF, 0xFF, 0x00, 0x03, 1, 2, 3, 4];
    body.extend_from_slice(&[0xAA; 10]);
    let err = Message::decode(&body).unwrap_err();
    assert_eq!(err.message, Some("UseCircuitCode"));
    assert_eq!(err.block, Some("CircuitCode"));
    assert_eq!(err.field, Some("SessionID"));
    assert_eq!(err.offset, 8);
    assert_eq!(
        err.kind,
        DecodeErrorKind::Truncated {
            needed: 16,
            available: 10
        }
    );
    assert_eq!(
        err.to_string(),
        "UseCircuitCode.CircuitCode.SessionID at byte 8: needs 16 bytes, 10 left"
    );

    // KillObject (High 16) claiming 200 blocks of 4 bytes in 8 bytes.
    let err = Message::decode(&[16, 200, 1, 0, 0, 0, 2, 0, 0, 0]).unwrap_err();
    assert_eq!(err.message, Some("KillObject"));
    assert_eq!(err.block, Some("ObjectData"));
    assert_eq!(err.field, None);
    assert_eq!(
        err.kind,
        DecodeErrorKind::TooManyBlocks {
            count: 200,
            min_size: 4,
            available: 8
        }
    );

    // A number no template message has.
    let err = Message::decode(&[0xFF, 0xFF, 0x03, 0xE8]).unwrap_err();
    assert_eq!(
        err.kind,
        DecodeErrorKind::UnknownMessage(MessageId::new(Frequency::Low, 1000))
    );
    assert!(err.is_unknown_message());
    // An empty body.
    assert!(matches!(
        Message::decode(&[]).unwrap_err().kind,
        DecodeErrorKind::TruncatedMessageNumber { .. }
    ));
}

#[test]
fn missing_trailing_variable_count_reads_as_empty() {
    // KillObject with no count byte at all: zero blocks, as LL readers do.
    let Message::KillObject(k) = Message::decode(&[16]).unwrap() else {
        panic!("not KillObject");
    };
    assert!(k.object_data.is_empty());
}

#[test]
fn strict_encode_refuses_over_long_data_and_lenient_truncates() {
    use kestrel_protocol::messages::{
        KillObject, UUIDNameReply, VarBytes, kill_object, uuid_name_reply,
    };
    let reply = UUIDNameReply {
        uuid_name_block: vec![uuid_name_reply::UUIDNameBlock {
            first_name: VarBytes::owned(vec![b'x'; 300]),
            ..Default::default()
        }],
    };
    let mut out = vec![0xEE];
    let err = reply.try_encode(&mut out).unwrap_err();
    assert_eq!(err.message, "UUIDNameReply");
    assert_eq!(err.block, "UUIDNameBlock");
    assert_eq!(err.field, Some("FirstName"));
    assert_eq!(out, [0xEE], "nothing written on error");
    reply.encode(&mut out);
    assert_eq!(out.len() - 1, reply.encoded_len());
    let Message::UUIDNameReply(back) = Message::decode(&out[1..]).unwrap() else {
        panic!("not UUIDNameReply");
    };
    assert_eq!(back.uuid_name_block[0].first_name.len(), 255);

    let kill = KillObject {
        object_data: vec![kill_object::ObjectData { id: 1 }; 256],
    };
    assert!(kill.try_encode(&mut Vec::new()).is_err());
    let mut out = Vec::new();
    kill.encode(&mut out);
    assert_eq!(out[1], 255);
    assert_eq!(out.len(), 2 + 255 * 4);
}

#[test]
fn quaternion_sends_xyz_and_rebuilds_nonnegative_w() {
    use glam::Quat;
    use kestrel_protocol::messages::{AgentUpdate, agent_update};
    let q = Quat::from_rotation_z(1.0);
    let neg = -q; // same rotation, w < 0
    let msg = AgentUpdate {
        agent_data: agent_update::AgentData {
            body_rotation: neg,
            head_rotation: q,
            ..Default::default()
        },
    };
    let mut body = Vec::new();
    msg.encode(&mut body);
    let back = AgentUpdate::decode(&body).unwrap();
    for got in [back.agent_data.body_rotation, back.agent_data.head_rotation] {
        assert!(got.w >= 0.0);
        assert!(got.abs_diff_eq(q, 1e-6), "{got:?} vs {q:?}");
    }
}

#[test]
fn ipport_is_big_endian_and_ipaddr_network_order() {
    use kestrel_protocol::messages::{OpenCircuit, open_circuit};
    let msg = OpenCircuit {
        circuit_info: open_circuit::CircuitInfo {
            ip: std::net::Ipv4Addr::new(127, 0, 0, 1),
            port: 13000,
        },
    };
    let mut body = Vec::new();
    msg.encode(&mut body);
    // Fixed 0xFFFFFFFC, 127.0.0.1, 13000 = 0x32C8 big-endian.
    assert_eq!(body, [0xFF, 0xFF, 0xFF, 0xFC, 127, 0, 0, 1, 0x32, 0xC8]);
}

#[test]
fn var_bytes_json_form() {
    use kestrel_protocol::messages::VarBytes;
    let text = VarBytes::from_text("Hello");
    assert_eq!(serde_json::to_string(&text).unwrap(), "\"Hello\"");
    assert_eq!(text.text(), Some("Hello"));
    let bin = VarBytes::borrowed(&[1, 2, 0, 3]);
    assert_eq!(
        serde_json::to_string(&bin).unwrap(),
        r#"{"hex":"01020003"}"#
    );
    let back: VarBytes = serde_json::from_str(r#"{"hex":"01020003"}"#).unwrap();
    assert_eq!(back, bin);
    // No NUL: not text on the wire, so hex.
    assert_eq!(
        serde_json::to_string(&VarBytes::borrowed(b"abc")).unwrap(),
        r#"{"hex":"616263"}"#
    );
    assert!(serde_json::from_str::<VarBytes>(r#"{"hex":"zz"}"#).is_err());
}

#[test]
fn message_enum_is_no_larger_than_its_largest_inline_variant() {
    use kestrel_protocol::messages::{ChildAgentUpdate, ParcelProperties, RegionHandshake};
    use std::mem::size_of;
    // The two big, rare messages are boxed, so the enum is sized by
    // RegionHandshake (plus the tag), as it was with 48 messages.
    let size = size_of::<Message<'static>>();
    println!("size_of::<Message>() = {size}");
    assert!(size <= size_of::<RegionHandshake<'static>>() + 8, "{size}");
    assert!(size < size_of::<ChildAgentUpdate<'static>>());
    assert!(size < size_of::<ParcelProperties<'static>>());
    let boxed = Message::from(ChildAgentUpdate::default());
    assert_eq!(boxed.name(), "ChildAgentUpdate");
    assert_eq!(
        ChildAgentUpdate::from_message(boxed),
        Some(ChildAgentUpdate::default())
    );
}

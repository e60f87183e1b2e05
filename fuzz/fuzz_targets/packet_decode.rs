//! Fuzz target: packet and message decoding of arbitrary datagrams.
//!
//! Checks beyond "no panic": whatever decodes re-encodes to bytes that
//! decode again to the same bytes, and `peek_header` agrees with the full
//! decoder on header, acks and message id.
#![no_main]

use kestrel_protocol::messages::Message;
use kestrel_protocol::packet::{MAX_EXPANDED_LEN, Packet, peek_header};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    // The bytes as a bare message body too.
    if let Ok(m) = Message::decode(data) {
        let mut once = Vec::new();
        m.encode(&mut once);
        assert_eq!(once.len(), m.encoded_len());
        let again = Message::decode(&once).expect("re-encoded message decodes");
        let mut twice = Vec::new();
        again.encode(&mut twice);
        assert_eq!(once, twice);
    }

    let mut scratch = Vec::new();
    let peek = peek_header(data);
    let Ok(packet) = Packet::decode(data, &mut scratch) else {
        return;
    };
    let peek = peek.expect("peek succeeds where decode does");
    assert_eq!(peek.header, packet.header);
    assert!(peek.acks.iter().eq(packet.acks.iter().copied()));
    assert_eq!(peek.message_id, Some(packet.message.id()));

    let mut once = Vec::new();
    packet.encode(&mut once);
    let mut scratch2 = Vec::new();
    let again = Packet::decode(&once, &mut scratch2).expect("re-encoded packet decodes");
    let mut twice = Vec::new();
    again.encode(&mut twice);
    assert_eq!(once, twice);
    let owned = again.into_owned();
    let mut thrice = Vec::new();
    owned.encode(&mut thrice);
    assert_eq!(once, thrice);
    // `packet` borrowed `scratch`; its last use is above.
    assert!(scratch.len() <= MAX_EXPANDED_LEN);
});

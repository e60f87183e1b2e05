//! Malformed datagrams for robustness tests (`SimHandle::flood_malformed`):
//! each is wrong in a way a decoder must survive — too short, an ack
//! trailer longer than the packet, an unknown message number, a zerocoded
//! body that expands past the MTU, a known message cut short, an extra
//! header running past the end. None of them is a valid packet.

use super::rng::SplitMix64;

/// The kinds of garbage, in the order [`datagram`] cycles through them.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Garbage {
    /// 0..=5 random bytes: shorter than the header.
    TooShort,
    /// The acks flag with an ack count that overruns the packet.
    AckOverrun,
    /// A Low message number no template defines.
    UnknownMessage,
    /// A zerocoded body whose zero runs expand far past the MTU.
    ZeroBomb,
    /// `ObjectUpdate` (High 12) cut off inside its first block.
    Truncated,
    /// An extra-header length pointing past the end.
    ExtraHeaderOverrun,
}

impl Garbage {
    /// Every kind.
    pub const ALL: [Garbage; 6] = [
        Garbage::TooShort,
        Garbage::AckOverrun,
        Garbage::UnknownMessage,
        Garbage::ZeroBomb,
        Garbage::Truncated,
        Garbage::ExtraHeaderOverrun,
    ];

    /// The kinds a receiver must count as malformed: all but
    /// [`Garbage::UnknownMessage`], which is a well-framed packet whose
    /// message number no template defines. A peer acks and drops such a
    /// packet as an unknown message (Kestrel's viewer counts it apart from
    /// malformed ones), so [`datagram`] and the flood leave it out.
    pub const MALFORMED: [Garbage; 5] = [
        Garbage::TooShort,
        Garbage::AckOverrun,
        Garbage::ZeroBomb,
        Garbage::Truncated,
        Garbage::ExtraHeaderOverrun,
    ];
}

fn header(flags: u8, rng: &mut SplitMix64, extra: u8) -> Vec<u8> {
    let seq = (rng.next_u64() as u32) & 0x00FF_FFFF;
    let mut d = vec![flags];
    d.extend_from_slice(&seq.to_be_bytes());
    d.push(extra);
    d
}

/// One malformed datagram of the given kind.
pub fn of_kind(kind: Garbage, rng: &mut SplitMix64) -> Vec<u8> {
    match kind {
        Garbage::TooShort => {
            let n = rng.below(6);
            (0..n).map(|_| rng.next_u64() as u8).collect()
        }
        Garbage::AckOverrun => {
            let mut d = header(0x10, rng, 0);
            d.extend_from_slice(&[0x01, 0xAA, 0xBB]);
            d.push(200); // 200 acks would need 800 bytes
            d
        }
        Garbage::UnknownMessage => {
            let mut d = header(0x00, rng, 0);
            d.extend_from_slice(&[0xFF, 0xFF, 0x7A, 0x69]);
            d.extend((0..16).map(|_| rng.next_u64() as u8));
            d
        }
        Garbage::ZeroBomb => {
            let mut d = header(0x80, rng, 0);
            // Each 00 FF pair expands to 255 zero bytes.
            for _ in 0..64 {
                d.extend_from_slice(&[0x00, 0xFF]);
            }
            d
        }
        Garbage::Truncated => {
            let mut d = header(0x00, rng, 0);
            // ObjectUpdate: RegionData (10 bytes) then a block count of 1
            // and only a few bytes of the block.
            d.push(12);
            d.extend_from_slice(&[0; 10]);
            d.push(1);
            d.extend_from_slice(&[1, 2, 3]);
            d
        }
        Garbage::ExtraHeaderOverrun => {
            let mut d = header(0x00, rng, 250);
            d.extend_from_slice(&[0x01, 0x02, 0x03, 0x04]);
            d
        }
    }
}

/// A malformed datagram of a random kind (one of [`Garbage::MALFORMED`]).
pub fn datagram(rng: &mut SplitMix64) -> Vec<u8> {
    let kind = Garbage::MALFORMED[rng.below(Garbage::MALFORMED.len())];
    of_kind(kind, rng)
}

#[cfg(test)]
mod tests {
    use super::*;
    use kestrel_protocol::packet::Packet;

    #[test]
    fn no_garbage_decodes_as_a_packet() {
        let mut rng = SplitMix64::new(9);
        for kind in Garbage::ALL {
            for _ in 0..50 {
                let d = of_kind(kind, &mut rng);
                let mut scratch = Vec::new();
                assert!(
                    Packet::decode(&d, &mut scratch).is_err(),
                    "{kind:?} decoded: {d:?}"
                );
            }
        }
    }
}

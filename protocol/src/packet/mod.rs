//! Packet framing: header, zerocoding, appended acks, around one message.
//!
//! ```text
//! byte 0      flags (0x80 zerocoded, 0x40 reliable, 0x20 resent, 0x10 acks)
//! bytes 1..5  sequence number, big-endian u32
//! byte 5      extra-header length E
//! 1, 2 or 4   message number (frequency-coded)
//! E bytes     extra header (skipped; kept for re-encoding)
//! …           the message's blocks
//! 4·N bytes   appended acks, big-endian u32 each      (when flag 0x10)
//! 1 byte      N, the ack count                          (when flag 0x10)
//! ```
//!
//! The extra header lies *after* the message number, where Linden Lab's
//! reference reader looks for it (its decoder starts the blocks at
//! 6 + number length + E). When the zerocoded flag is set, everything after
//! the 6-byte header and before the appended acks (number, extra header and
//! blocks) is zerocoded, as the reference implementation does; the header
//! and acks never are. Expansion past [`MAX_EXPANDED_LEN`] is refused.

mod header;
mod zerocode;

pub use header::{PacketFlags, PacketHeader, SequenceNumber};
pub use zerocode::{MAX_EXPANDED_LEN, ZeroDecodeError, zero_decode, zero_encode};

use crate::messages::{DecodeError, DecodeErrorKind, EncodeError, Message, MessageId, VarBytes};
use std::cell::RefCell;

/// Bytes in the fixed header.
pub const HEADER_LEN: usize = 6;

/// A datagram that is not a well-formed packet.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PacketError {
    /// Shorter than the fixed header.
    #[error("datagram of {len} bytes is shorter than the {HEADER_LEN}-byte header")]
    TooShort {
        /// Datagram length.
        len: usize,
    },
    /// The appended-acks trailer does not fit after the header.
    #[error("{count} appended acks need {needed} bytes, only {available} follow the header")]
    AcksTruncated {
        /// The ack count (last byte).
        count: usize,
        /// Bytes the trailer needs (count byte included).
        needed: usize,
        /// Bytes after the header.
        available: usize,
    },
    /// The extra header runs past the (zero-decoded) body.
    #[error(
        "extra header of {len} bytes runs past the {available} body bytes after the message number"
    )]
    ExtraHeaderTruncated {
        /// Declared extra-header length.
        len: usize,
        /// Body bytes available after the message number.
        available: usize,
    },
    /// The zerocoded part is malformed or too large.
    #[error("zerocoded body: {0}")]
    ZeroCode(#[from] ZeroDecodeError),
    /// The message body does not decode.
    #[error("message: {0}")]
    Message(#[from] DecodeError),
}

impl PacketError {
    /// True only when the datagram is well framed but carries a message
    /// number the template does not define ([`DecodeErrorKind::UnknownMessage`]):
    /// a newer peer's message, not damage. A circuit may ack such a packet
    /// and drop it without counting it as malformed.
    pub fn is_unknown_message(&self) -> bool {
        matches!(
            self,
            PacketError::Message(DecodeError {
                kind: DecodeErrorKind::UnknownMessage(_),
                ..
            })
        )
    }
}

/// A packet that does not fit the wire limits (only from `try_encode`).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PacketEncodeError {
    /// The extra header is over 255 bytes.
    #[error("extra header of {0} bytes exceeds 255")]
    ExtraHeaderTooLong(usize),
    /// More than 255 appended acks.
    #[error("{0} appended acks exceed 255")]
    TooManyAcks(usize),
    /// The message exceeds a wire limit.
    #[error("message: {0}")]
    Message(#[from] EncodeError),
}

/// Appended acks as they lie in a datagram (big-endian u32s).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AckList<'a>(&'a [u8]);

impl<'a> AckList<'a> {
    /// Number of acks.
    pub fn len(&self) -> usize {
        self.0.len() / 4
    }

    /// True when there are none.
    pub fn is_empty(&self) -> bool {
        self.0.len() < 4
    }

    /// The acked sequence numbers, in wire order.
    pub fn iter(&self) -> impl ExactSizeIterator<Item = SequenceNumber> + 'a {
        self.0
            .chunks_exact(4)
            .map(|c| SequenceNumber(u32::from_be_bytes([c[0], c[1], c[2], c[3]])))
    }
}

/// What [`peek_header`] reads without decoding the message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PacketPeek<'a> {
    /// Flags and sequence number.
    pub header: PacketHeader,
    /// Appended acks (empty without the acks flag).
    pub acks: AckList<'a>,
    /// The message id, when the body is long enough to hold one (also for
    /// messages this crate does not know).
    pub message_id: Option<MessageId>,
}

/// The parts of a datagram, located but not decoded.
struct Split<'a> {
    header: PacketHeader,
    extra_len: usize,
    /// Extra header + body, possibly zerocoded.
    coded: &'a [u8],
    acks: AckList<'a>,
}

fn split(datagram: &[u8]) -> Result<Split<'_>, PacketError> {
    let Some((head, rest)) = datagram.split_first_chunk::<HEADER_LEN>() else {
        return Err(PacketError::TooShort {
            len: datagram.len(),
        });
    };
    let flags = PacketFlags::from_bits(head[0]);
    let sequence = SequenceNumber(u32::from_be_bytes([head[1], head[2], head[3], head[4]]));
    let extra_len = usize::from(head[5]);
    let (coded, acks) = if flags.has_acks() {
        let Some((&count, before)) = rest.split_last() else {
            return Err(PacketError::AcksTruncated {
                count: 0,
                needed: 1,
                available: 0,
            });
        };
        let count = usize::from(count);
        let Some(body_len) = before.len().checked_sub(count * 4) else {
            return Err(PacketError::AcksTruncated {
                count,
                needed: count * 4 + 1,
                available: rest.len(),
            });
        };
        let (coded, acks) = before.split_at(body_len);
        (coded, AckList(acks))
    } else {
        (rest, AckList(&[]))
    };
    Ok(Split {
        header: PacketHeader { flags, sequence },
        extra_len,
        coded,
        acks,
    })
}

/// Reads the header, appended acks and message id of a datagram without
/// decoding (or allocating for) its message: enough to ack a reliable
/// packet whose message is unknown or malformed.
pub fn peek_header(datagram: &[u8]) -> Result<PacketPeek<'_>, PacketError> {
    let s = split(datagram)?;
    let mut first = [0u8; 4];
    let n = if s.header.flags.is_zerocoded() {
        let mut it = zerocode::ZeroDecodeIter::new(s.coded);
        let mut n = 0;
        for slot in &mut first {
            match it.next() {
                Some(b) => {
                    *slot = b;
                    n += 1;
                }
                None => break,
            }
        }
        n
    } else {
        let n = s.coded.len().min(4);
        first[..n].copy_from_slice(&s.coded[..n]);
        n
    };
    let message_id = MessageId::decode(&first[..n]).ok().map(|(id, _)| id);
    Ok(PacketPeek {
        header: s.header,
        acks: s.acks,
        message_id,
    })
}

/// One packet: header, optional extra header, one message, appended acks.
///
/// Serde form (the JSON of `kestrel-packet`):
/// `{"header": {"flags": ["reliable"], "sequence": 1}, "message":
/// {"CompletePingCheck": {…}}, "acks": [5, 6]}`; `extra_header` appears only
/// when non-empty.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Packet<'a> {
    /// Flags and sequence number. On encode, the acks flag is set from
    /// `acks` and the zerocoded flag decides zerocoding.
    pub header: PacketHeader,
    /// Extra header bytes (normally none).
    #[serde(default, skip_serializing_if = "VarBytes::is_empty")]
    pub extra_header: VarBytes<'a>,
    /// The message.
    pub message: Message<'a>,
    /// Appended acks.
    #[serde(default)]
    pub acks: Vec<SequenceNumber>,
}

thread_local! {
    /// Plain body bytes waiting to be zerocoded; reused so steady-state
    /// encoding does not allocate.
    static ENCODE_SCRATCH: RefCell<Vec<u8>> = const { RefCell::new(Vec::new()) };
}

impl<'a> Packet<'a> {
    /// A packet for `message` with sequence number `sequence`, zerocoded
    /// when the template says the message is, not reliable, no acks.
    pub fn new(sequence: SequenceNumber, message: impl Into<Message<'a>>) -> Self {
        let message = message.into();
        let flags = PacketFlags::empty().with(PacketFlags::ZEROCODED, message.zerocoded());
        Packet {
            header: PacketHeader { flags, sequence },
            extra_header: VarBytes::empty(),
            message,
            acks: Vec::new(),
        }
    }

    /// The same packet with the reliable flag set.
    pub fn reliable(mut self) -> Self {
        self.header.flags.set(PacketFlags::RELIABLE, true);
        self
    }

    /// The same packet with the resent flag set.
    pub fn resent(mut self) -> Self {
        self.header.flags.set(PacketFlags::RESENT, true);
        self
    }

    /// The same packet carrying these appended acks.
    pub fn with_acks(mut self, acks: impl IntoIterator<Item = SequenceNumber>) -> Self {
        self.acks = acks.into_iter().collect();
        self
    }

    /// Decodes a datagram. Variable fields borrow from `datagram`, or from
    /// `scratch` when the packet is zerocoded (it is cleared and holds the
    /// expanded body). Never panics; every length is checked.
    pub fn decode(datagram: &'a [u8], scratch: &'a mut Vec<u8>) -> Result<Self, PacketError> {
        let s = split(datagram)?;
        let plain: &'a [u8] = if s.header.flags.is_zerocoded() {
            scratch.clear();
            zero_decode(s.coded, scratch, MAX_EXPANDED_LEN)?;
            let done: &'a Vec<u8> = scratch;
            done
        } else {
            s.coded
        };
        let (id, used) = MessageId::decode(plain)?;
        let after_number = &plain[used..];
        let Some(extra) = after_number.get(..s.extra_len) else {
            return Err(PacketError::ExtraHeaderTruncated {
                len: s.extra_len,
                available: after_number.len(),
            });
        };
        let message = Message::decode_blocks(plain, id, used + s.extra_len)?;
        Ok(Packet {
            header: s.header,
            extra_header: VarBytes::borrowed(extra),
            message,
            acks: s.acks.iter().collect(),
        })
    }

    /// Appends the datagram. Sets the acks flag exactly when `acks` is
    /// non-empty; zerocodes when the zerocoded flag is set. Data over the
    /// wire limits is truncated (see [`Self::try_encode`]).
    pub fn encode(&self, out: &mut Vec<u8>) {
        let _ = self.encode_with(out, false);
    }

    /// Appends the datagram, or fails without writing when the extra
    /// header, acks or message data exceed a wire limit.
    pub fn try_encode(&self, out: &mut Vec<u8>) -> Result<(), PacketEncodeError> {
        let start = out.len();
        let r = self.encode_with(out, true);
        if r.is_err() {
            out.truncate(start);
        }
        r
    }

    fn encode_with(&self, out: &mut Vec<u8>, strict: bool) -> Result<(), PacketEncodeError> {
        if strict && self.extra_header.len() > 255 {
            return Err(PacketEncodeError::ExtraHeaderTooLong(
                self.extra_header.len(),
            ));
        }
        if strict && self.acks.len() > 255 {
            return Err(PacketEncodeError::TooManyAcks(self.acks.len()));
        }
        let extra = &self.extra_header[..self.extra_header.len().min(255)];
        let acks = &self.acks[..self.acks.len().min(255)];
        let flags = self.header.flags.with(PacketFlags::ACKS, !acks.is_empty());
        out.reserve(HEADER_LEN + extra.len() + self.message.encoded_len() + 4 * acks.len() + 1);
        out.push(flags.bits());
        out.extend_from_slice(&self.header.sequence.0.to_be_bytes());
        out.push(extra.len() as u8);
        if flags.is_zerocoded() {
            ENCODE_SCRATCH.with(|cell| -> Result<(), PacketEncodeError> {
                // A re-entrant call (impossible today) would find the cell
                // borrowed; fall back to a fresh buffer rather than panic.
                let mut fresh = Vec::new();
                let mut guard = cell.try_borrow_mut();
                let plain = match guard.as_deref_mut() {
                    Ok(v) => v,
                    Err(_) => &mut fresh,
                };
                plain.clear();
                self.encode_message(plain, extra, strict)?;
                zero_encode(plain, out);
                Ok(())
            })?;
        } else {
            self.encode_message(out, extra, strict)?;
        }
        for a in acks {
            out.extend_from_slice(&a.0.to_be_bytes());
        }
        if !acks.is_empty() {
            out.push(acks.len() as u8);
        }
        Ok(())
    }

    /// Appends the message number, `extra`, then the message's blocks.
    fn encode_message(
        &self,
        out: &mut Vec<u8>,
        extra: &[u8],
        strict: bool,
    ) -> Result<(), PacketEncodeError> {
        let start = out.len();
        if strict {
            self.message.try_encode(out)?;
        } else {
            self.message.encode(out);
        }
        if !extra.is_empty() {
            // The extra header goes between the number and the blocks.
            let at = start + self.message.id().encoded_len();
            out.splice(at..at, extra.iter().copied());
        }
        Ok(())
    }

    /// Bytes of the extra header and message, unzerocoded.
    pub fn body_len(&self) -> usize {
        self.extra_header.len().min(255) + self.message.encoded_len()
    }

    /// A copy that owns all its bytes, to send to another thread.
    pub fn into_owned(self) -> Packet<'static> {
        Packet {
            header: self.header,
            extra_header: self.extra_header.into_owned(),
            message: self.message.into_owned(),
            acks: self.acks,
        }
    }
}

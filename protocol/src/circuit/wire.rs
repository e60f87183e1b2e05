//! The byte-level framing the reliability core needs: the 6-byte packet
//! header, appended acks, and the three fixed-layout control messages
//! (`PacketAck`, `StartPingCheck`, `CompletePingCheck`) the core answers by
//! itself. Every other message body is left to the generated codecs.
//!
//! Layout (all header integers big-endian):
//! `flags:u8 | sequence:u32 | extra_len:u8 | number:1|2|4 | extra[extra_len] | blocks | acks:u32* | ack_count:u8`.
//!
//! The extra header follows the message number, as in the reference reader
//! (see `crate::packet`); zerocoding covers number, extra header and blocks.

use super::FrameError;
use crate::packet::{SequenceNumber, zero_decode};

/// Header flag: the body is zerocoded.
pub const FLAG_ZEROCODED: u8 = 0x80;
/// Header flag: the sender wants this packet acked.
pub const FLAG_RELIABLE: u8 = 0x40;
/// Header flag: this is a resend of a packet sent before.
pub const FLAG_RESENT: u8 = 0x20;
/// Header flag: acks are appended after the body.
pub const FLAG_ACKS: u8 = 0x10;
/// Length of the fixed header (flags, sequence, extra-header length).
pub const HEADER_LEN: usize = 6;
/// Sequence numbers wrap at 2^24, as in the reference viewer.
pub const SEQUENCE_MODULUS: u32 = 0x0100_0000;

/// Message number of `PacketAck` (Fixed 0xFFFFFFFB) as it appears on the wire.
pub const PACKET_ACK_NUMBER: [u8; 4] = [0xFF, 0xFF, 0xFF, 0xFB];
/// Message number of `StartPingCheck` (High 1).
pub const START_PING_CHECK_NUMBER: u8 = 0x01;
/// Message number of `CompletePingCheck` (High 2).
pub const COMPLETE_PING_CHECK_NUMBER: u8 = 0x02;
/// Most acks one appended trailer or one `PacketAck` block list may carry
/// (the count is a single byte).
pub const MAX_ACKS_PER_LIST: usize = 255;

/// The parsed fixed part of a packet header plus where its body lies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FrameInfo {
    /// The raw flag byte.
    pub flags: u8,
    /// The sequence number as sent (not masked).
    pub sequence: SequenceNumber,
    /// Offset of the message body: its message number, right after the
    /// 6-byte header (byte 6). The extra header, when present, lies between
    /// the number and the blocks; for a zerocoded frame it is zerocoded
    /// with them.
    pub body_start: usize,
    /// Length of the extra header (header byte 5).
    pub extra_len: usize,
    /// End of the message body (start of the appended acks, if any).
    pub body_end: usize,
    /// Number of appended acks.
    pub ack_count: usize,
}

impl FrameInfo {
    /// True when the sender asked for an ack.
    pub fn reliable(&self) -> bool {
        self.flags & FLAG_RELIABLE != 0
    }
    /// True when this is a resend.
    pub fn resent(&self) -> bool {
        self.flags & FLAG_RESENT != 0
    }
    /// True when the body is zerocoded.
    pub fn zerocoded(&self) -> bool {
        self.flags & FLAG_ZEROCODED != 0
    }
}

/// Parses the header and the appended-ack trailer of `datagram`, bounding
/// every length against the datagram size.
pub fn parse_frame(datagram: &[u8]) -> Result<FrameInfo, FrameError> {
    if datagram.len() < HEADER_LEN {
        return Err(FrameError::TooShort {
            len: datagram.len(),
        });
    }
    let flags = datagram[0];
    let sequence = u32::from_be_bytes([datagram[1], datagram[2], datagram[3], datagram[4]]);
    let extra = datagram[5] as usize;
    let zerocoded = flags & FLAG_ZEROCODED != 0;
    let body_start = HEADER_LEN;
    let (body_end, ack_count) = if flags & FLAG_ACKS != 0 {
        // The count byte itself must lie after the body start.
        if datagram.len() <= body_start {
            return Err(FrameError::AckTrailerOverrun {
                count: 0,
                len: datagram.len(),
            });
        }
        let count = datagram[datagram.len() - 1] as usize;
        let trailer = count * 4 + 1;
        if body_start + trailer > datagram.len() {
            return Err(FrameError::AckTrailerOverrun {
                count,
                len: datagram.len(),
            });
        }
        (datagram.len() - trailer, count)
    } else {
        (datagram.len(), 0)
    };
    // Unzerocoded, the extra header must fit between the number and the
    // acks; zerocoded, only the decoder can tell.
    if !zerocoded && extra > 0 {
        let body = &datagram[body_start..body_end];
        if number_len(body) + extra > body.len() {
            return Err(FrameError::ExtraHeaderOverrun {
                extra,
                len: datagram.len(),
            });
        }
    }
    Ok(FrameInfo {
        flags,
        sequence: SequenceNumber(sequence),
        body_start,
        extra_len: extra,
        body_end,
        ack_count,
    })
}

/// Bytes the frequency-coded message number at the start of `body` takes
/// (1, 2 or 4), whether or not that many are present.
fn number_len(body: &[u8]) -> usize {
    match body {
        [0xFF, 0xFF, ..] => 4,
        [0xFF, ..] => 2,
        _ => 1,
    }
}

/// The appended acks of a parsed frame, in wire order.
pub fn appended_acks<'a>(
    datagram: &'a [u8],
    info: &FrameInfo,
) -> impl Iterator<Item = SequenceNumber> + 'a {
    let start = info.body_end;
    let end = start + info.ack_count * 4;
    datagram[start..end]
        .chunks_exact(4)
        .map(|c| SequenceNumber(u32::from_be_bytes([c[0], c[1], c[2], c[3]])))
}

/// Writes a bare header (no extra header) into `out`, replacing its contents.
pub fn write_header(out: &mut Vec<u8>, flags: u8, sequence: u32) {
    out.clear();
    out.push(flags);
    out.extend_from_slice(&sequence.to_be_bytes());
    out.push(0);
}

/// Appends `acks` as a trailer (big-endian ids, count byte) and sets the flag.
/// The caller guarantees `acks.len() <= 255` and that no trailer exists yet.
pub fn append_acks(datagram: &mut Vec<u8>, acks: impl ExactSizeIterator<Item = SequenceNumber>) {
    let n = acks.len();
    debug_assert!(n <= MAX_ACKS_PER_LIST);
    if n == 0 {
        return;
    }
    for a in acks {
        datagram.extend_from_slice(&a.0.to_be_bytes());
    }
    datagram.push(n as u8);
    datagram[0] |= FLAG_ACKS;
}

/// The control messages the core handles without the generated codecs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Control {
    /// `PacketAck`: ids of packets the peer received.
    PacketAck(Vec<SequenceNumber>),
    /// `StartPingCheck`: the peer asks for a `CompletePingCheck` echo.
    StartPingCheck {
        /// Echoed back.
        ping_id: u8,
        /// The peer's oldest unacked sequence (informational).
        oldest_unacked: u32,
    },
    /// `CompletePingCheck`: the echo of our `StartPingCheck`.
    CompletePingCheck {
        /// The id we sent.
        ping_id: u8,
    },
}

/// Recognises a control message in a frame's body; `Ok(None)` for any other
/// message. `scratch` receives the zero-decoded body when the frame is zerocoded.
pub fn parse_control(
    datagram: &[u8],
    info: &FrameInfo,
    scratch: &mut Vec<u8>,
) -> Result<Option<Control>, FrameError> {
    let raw = &datagram[info.body_start..info.body_end];
    let first = match raw.first() {
        Some(b) => *b,
        None => return Err(FrameError::EmptyBody),
    };
    let is_ack = raw.starts_with(&PACKET_ACK_NUMBER);
    if !is_ack && first != START_PING_CHECK_NUMBER && first != COMPLETE_PING_CHECK_NUMBER {
        return Ok(None);
    }
    let body: &[u8] = if info.zerocoded() {
        scratch.clear();
        zero_decode(raw, scratch, MAX_CONTROL_BODY + 255).map_err(|_| FrameError::Control {
            message: "control message",
            reason: "zerocoded body is truncated or too large",
        })?;
        scratch
    } else {
        raw
    };
    // The fields start after the number and the extra header.
    let fields = body
        .get(number_len(body) + info.extra_len..)
        .ok_or(FrameError::Control {
            message: "control message",
            reason: "extra header runs past the body",
        })?;
    if is_ack {
        let count = *fields.first().ok_or(FrameError::Control {
            message: "PacketAck",
            reason: "missing block count",
        })? as usize;
        let ids = fields.get(1..1 + count * 4).ok_or(FrameError::Control {
            message: "PacketAck",
            reason: "fewer ids than the block count says",
        })?;
        let acks = ids
            .chunks_exact(4)
            .map(|c| SequenceNumber(u32::from_le_bytes([c[0], c[1], c[2], c[3]])))
            .collect();
        Ok(Some(Control::PacketAck(acks)))
    } else if first == START_PING_CHECK_NUMBER {
        let b = fields.get(..5).ok_or(FrameError::Control {
            message: "StartPingCheck",
            reason: "body shorter than 5 bytes",
        })?;
        Ok(Some(Control::StartPingCheck {
            ping_id: b[0],
            oldest_unacked: u32::from_le_bytes([b[1], b[2], b[3], b[4]]),
        }))
    } else {
        let id = *fields.first().ok_or(FrameError::Control {
            message: "CompletePingCheck",
            reason: "missing PingID",
        })?;
        Ok(Some(Control::CompletePingCheck { ping_id: id }))
    }
}

/// Longest zero-decoded control body accepted (a full `PacketAck`).
const MAX_CONTROL_BODY: usize = 5 + MAX_ACKS_PER_LIST * 4;

/// Writes the body of a `PacketAck` carrying `acks` (at most 255) after the header already in `out`.
pub fn write_packet_ack_body(
    out: &mut Vec<u8>,
    acks: impl ExactSizeIterator<Item = SequenceNumber>,
) {
    out.extend_from_slice(&PACKET_ACK_NUMBER);
    out.push(acks.len() as u8);
    for a in acks {
        out.extend_from_slice(&a.0.to_le_bytes());
    }
}

/// Writes the body of a `StartPingCheck`.
pub fn write_start_ping_body(out: &mut Vec<u8>, ping_id: u8, oldest_unacked: u32) {
    out.push(START_PING_CHECK_NUMBER);
    out.push(ping_id);
    out.extend_from_slice(&oldest_unacked.to_le_bytes());
}

/// Writes the body of a `CompletePingCheck`.
pub fn write_complete_ping_body(out: &mut Vec<u8>, ping_id: u8) {
    out.push(COMPLETE_PING_CHECK_NUMBER);
    out.push(ping_id);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn frame_with_extra_header_and_acks() {
        let mut d = vec![FLAG_RELIABLE, 0, 0, 1, 2, 2, 0xAA, 0xBB, 0x05, 0x06];
        append_acks(
            &mut d,
            [SequenceNumber(7), SequenceNumber(0x01020304)].into_iter(),
        );
        let info = parse_frame(&d).unwrap();
        assert_eq!(info.sequence, SequenceNumber(0x0102));
        // The body starts at the message number (0xAA); the 2-byte extra
        // header (0xBB 0x05) follows it.
        assert_eq!(info.body_start, 6);
        assert_eq!(info.extra_len, 2);
        assert_eq!(
            &d[info.body_start..info.body_end],
            &[0xAA, 0xBB, 0x05, 0x06]
        );
        assert!(info.reliable() && !info.resent());
        assert_eq!(
            appended_acks(&d, &info).map(|s| s.0).collect::<Vec<_>>(),
            vec![7, 0x01020304]
        );
    }

    #[test]
    fn truncated_frames_are_errors() {
        assert!(matches!(
            parse_frame(&[0x40, 0, 0]),
            Err(FrameError::TooShort { len: 3 })
        ));
        assert!(matches!(
            parse_frame(&[0, 0, 0, 0, 1, 9, 1]),
            Err(FrameError::ExtraHeaderOverrun { extra: 9, .. })
        ));
        assert!(matches!(
            parse_frame(&[FLAG_ACKS, 0, 0, 0, 1, 0, 1, 2, 3]),
            Err(FrameError::AckTrailerOverrun { count: 3, .. })
        ));
        assert!(matches!(
            parse_frame(&[FLAG_ACKS, 0, 0, 0, 1, 0]),
            Err(FrameError::AckTrailerOverrun { count: 0, .. })
        ));
    }

    #[test]
    fn control_round_trip_and_zerocoded_ack() {
        let mut d = Vec::new();
        write_header(&mut d, 0, 5);
        write_packet_ack_body(&mut d, [SequenceNumber(1), SequenceNumber(2)].into_iter());
        let info = parse_frame(&d).unwrap();
        let mut s = Vec::new();
        assert_eq!(
            parse_control(&d, &info, &mut s).unwrap(),
            Some(Control::PacketAck(vec![
                SequenceNumber(1),
                SequenceNumber(2)
            ]))
        );

        // PacketAck [1] zerocoded: FF FF FF FB 01 01 00 03
        let z = [
            FLAG_ZEROCODED,
            0,
            0,
            0,
            6,
            0,
            0xFF,
            0xFF,
            0xFF,
            0xFB,
            0x01,
            0x01,
            0x00,
            0x03,
        ];
        let info = parse_frame(&z).unwrap();
        assert_eq!(
            parse_control(&z, &info, &mut s).unwrap(),
            Some(Control::PacketAck(vec![SequenceNumber(1)]))
        );

        let mut d = Vec::new();
        write_header(&mut d, 0, 6);
        write_start_ping_body(&mut d, 9, 77);
        let info = parse_frame(&d).unwrap();
        assert_eq!(
            parse_control(&d, &info, &mut s).unwrap(),
            Some(Control::StartPingCheck {
                ping_id: 9,
                oldest_unacked: 77
            })
        );
        let bad = [0, 0, 0, 0, 1, 0, 0xFF, 0xFF, 0xFF, 0xFB, 3, 1, 0, 0, 0];
        let info = parse_frame(&bad).unwrap();
        assert!(parse_control(&bad, &info, &mut s).is_err());
        let other = [0, 0, 0, 0, 1, 0, 0xFF, 0x01, 0x00];
        let info = parse_frame(&other).unwrap();
        assert_eq!(parse_control(&other, &info, &mut s).unwrap(), None);
    }
}

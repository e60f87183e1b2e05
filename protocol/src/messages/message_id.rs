//! Message numbers and their frequency coding on the wire.

use super::{DecodeError, DecodeErrorKind};
use crate::template::Frequency;
use std::fmt;

/// A message's identity on the wire: its frequency and number.
///
/// Coded as High: `n`; Medium: `0xFF n`; Low: `0xFF 0xFF` + big-endian u16;
/// Fixed: the big-endian u32 `0xFFFFFFxx`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct MessageId {
    /// The frequency class.
    pub frequency: Frequency,
    /// The number within the class (Fixed: the full `0xFFFFFFxx`).
    pub number: u32,
}

impl MessageId {
    /// A message id.
    pub const fn new(frequency: Frequency, number: u32) -> Self {
        MessageId { frequency, number }
    }

    /// Bytes the coded number takes (1, 2 or 4).
    pub const fn encoded_len(self) -> usize {
        match self.frequency {
            Frequency::High => 1,
            Frequency::Medium => 2,
            Frequency::Low | Frequency::Fixed => 4,
        }
    }

    /// Appends the frequency-coded number.
    pub fn encode(self, out: &mut Vec<u8>) {
        // Numbers are range-checked by the template parser; masking keeps a
        // hand-made id from spilling into the escape bytes.
        match self.frequency {
            Frequency::High => out.push(self.number as u8),
            Frequency::Medium => out.extend_from_slice(&[0xFF, self.number as u8]),
            Frequency::Low => {
                out.extend_from_slice(&[0xFF, 0xFF]);
                out.extend_from_slice(&(self.number as u16).to_be_bytes());
            }
            Frequency::Fixed => out.extend_from_slice(&(self.number | 0xFFFF_FF00).to_be_bytes()),
        }
    }

    /// Reads the frequency-coded number at the start of `body`; returns it
    /// and the bytes it took.
    pub fn decode(body: &[u8]) -> Result<(MessageId, usize), DecodeError> {
        let short = |needed: usize| DecodeError {
            message: None,
            block: None,
            field: None,
            offset: 0,
            kind: DecodeErrorKind::TruncatedMessageNumber {
                needed,
                available: body.len(),
            },
        };
        match body {
            [] => Err(short(1)),
            [n, ..] if *n != 0xFF => Ok((MessageId::new(Frequency::High, u32::from(*n)), 1)),
            [_] => Err(short(2)),
            [_, n, ..] if *n != 0xFF => Ok((MessageId::new(Frequency::Medium, u32::from(*n)), 2)),
            [_, _, 0xFF, n, ..] => Ok((
                MessageId::new(Frequency::Fixed, 0xFFFF_FF00 | u32::from(*n)),
                4,
            )),
            [_, _, hi, lo, ..] => Ok((
                MessageId::new(Frequency::Low, u32::from(u16::from_be_bytes([*hi, *lo]))),
                4,
            )),
            _ => Err(short(4)),
        }
    }
}

impl fmt::Display for MessageId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.frequency {
            Frequency::Fixed => write!(f, "Fixed 0x{:08X}", self.number),
            other => write!(f, "{other} {}", self.number),
        }
    }
}

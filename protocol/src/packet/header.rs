//! The 6-byte packet header: flags, sequence number, extra-header length.

use serde::de::{self, SeqAccess, Visitor};
use serde::ser::SerializeSeq;
use std::fmt;

/// The header's flag byte.
///
/// Serde form: a list of names (`["zerocoded", "reliable"]`); bits with no
/// name (the low nibble) appear as `"0x08"` and so on, so no bit is lost.
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct PacketFlags(u8);

const NAMES: [(u8, &str); 4] = [
    (0x80, "zerocoded"),
    (0x40, "reliable"),
    (0x20, "resent"),
    (0x10, "acks"),
];

impl PacketFlags {
    /// The body after the header is zerocoded.
    pub const ZEROCODED: PacketFlags = PacketFlags(0x80);
    /// The sender wants an ack.
    pub const RELIABLE: PacketFlags = PacketFlags(0x40);
    /// This is a resend of a reliable packet.
    pub const RESENT: PacketFlags = PacketFlags(0x20);
    /// Acks are appended after the body.
    pub const ACKS: PacketFlags = PacketFlags(0x10);

    /// No flags.
    pub const fn empty() -> Self {
        PacketFlags(0)
    }

    /// Flags from the wire byte; unnamed bits are kept.
    pub const fn from_bits(bits: u8) -> Self {
        PacketFlags(bits)
    }

    /// The wire byte.
    pub const fn bits(self) -> u8 {
        self.0
    }

    /// True when every bit of `other` is set.
    pub const fn contains(self, other: PacketFlags) -> bool {
        self.0 & other.0 == other.0
    }

    /// These flags with `other` set or cleared.
    pub const fn with(self, other: PacketFlags, on: bool) -> Self {
        if on {
            PacketFlags(self.0 | other.0)
        } else {
            PacketFlags(self.0 & !other.0)
        }
    }

    /// Sets or clears `other`.
    pub fn set(&mut self, other: PacketFlags, on: bool) {
        *self = self.with(other, on);
    }

    /// [`Self::ZEROCODED`] is set.
    pub const fn is_zerocoded(self) -> bool {
        self.contains(Self::ZEROCODED)
    }

    /// [`Self::RELIABLE`] is set.
    pub const fn is_reliable(self) -> bool {
        self.contains(Self::RELIABLE)
    }

    /// [`Self::RESENT`] is set.
    pub const fn is_resent(self) -> bool {
        self.contains(Self::RESENT)
    }

    /// [`Self::ACKS`] is set.
    pub const fn has_acks(self) -> bool {
        self.contains(Self::ACKS)
    }
}

impl std::ops::BitOr for PacketFlags {
    type Output = PacketFlags;

    fn bitor(self, rhs: PacketFlags) -> PacketFlags {
        PacketFlags(self.0 | rhs.0)
    }
}

impl fmt::Debug for PacketFlags {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "PacketFlags(")?;
        let mut first = true;
        for bit in (0..8).rev().map(|i| 1u8 << i).filter(|b| self.0 & b != 0) {
            if !first {
                f.write_str(" | ")?;
            }
            first = false;
            match NAMES.iter().find(|(b, _)| *b == bit) {
                Some((_, name)) => f.write_str(name)?,
                None => write!(f, "0x{bit:02x}")?,
            }
        }
        write!(f, ")")
    }
}

impl serde::Serialize for PacketFlags {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut seq = s.serialize_seq(Some(self.0.count_ones() as usize))?;
        for bit in (0..8).rev().map(|i| 1u8 << i).filter(|b| self.0 & b != 0) {
            match NAMES.iter().find(|(b, _)| *b == bit) {
                Some((_, name)) => seq.serialize_element(name)?,
                None => seq.serialize_element(&format!("0x{bit:02x}"))?,
            }
        }
        seq.end()
    }
}

struct FlagsVisitor;

impl<'de> Visitor<'de> for FlagsVisitor {
    type Value = PacketFlags;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a list of flag names: zerocoded, reliable, resent, acks, or 0xNN")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<PacketFlags, A::Error> {
        let mut bits = 0u8;
        while let Some(name) = seq.next_element::<String>()? {
            let bit = match NAMES.iter().find(|(_, n)| *n == name) {
                Some((b, _)) => *b,
                None => name
                    .strip_prefix("0x")
                    .and_then(|h| u8::from_str_radix(h, 16).ok())
                    .ok_or_else(|| de::Error::invalid_value(de::Unexpected::Str(&name), &self))?,
            };
            bits |= bit;
        }
        Ok(PacketFlags(bits))
    }
}

impl<'de> serde::Deserialize<'de> for PacketFlags {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_seq(FlagsVisitor)
    }
}

/// A packet's sequence number (big-endian u32 in the header; also the
/// value carried by acks).
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    PartialOrd,
    Ord,
    Default,
    serde::Serialize,
    serde::Deserialize,
)]
#[serde(transparent)]
pub struct SequenceNumber(pub u32);

impl SequenceNumber {
    /// The raw number.
    pub const fn get(self) -> u32 {
        self.0
    }
}

impl fmt::Display for SequenceNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl From<u32> for SequenceNumber {
    fn from(v: u32) -> Self {
        SequenceNumber(v)
    }
}

/// The fixed part of a packet header.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Default, serde::Serialize, serde::Deserialize,
)]
#[serde(deny_unknown_fields)]
pub struct PacketHeader {
    /// The flag byte.
    pub flags: PacketFlags,
    /// The sequence number.
    pub sequence: SequenceNumber,
}

//! The parsed form of a message template: messages, blocks, fields.
//!
//! Plain std Rust (no crate dependencies) so that `build.rs` can include it
//! with `#[path]` and generate code from the same definitions the library
//! checks at run time.

use std::fmt;

/// How often a message is expected, which decides how its number is coded
/// on the wire (High: 1 byte, Medium: 2, Low: 4, Fixed: 4).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Frequency {
    /// One byte on the wire: the number itself (1..=254).
    High,
    /// Two bytes: `0xFF`, number (1..=254).
    Medium,
    /// Four bytes: `0xFF 0xFF`, number as big-endian u16.
    Low,
    /// Four bytes: the full big-endian number `0xFFFFFFxx`.
    Fixed,
}

impl Frequency {
    /// The template keyword (`High`, `Medium`, `Low`, `Fixed`).
    pub fn keyword(self) -> &'static str {
        match self {
            Frequency::High => "High",
            Frequency::Medium => "Medium",
            Frequency::Low => "Low",
            Frequency::Fixed => "Fixed",
        }
    }

    /// The valid message numbers for this frequency, so the coded number
    /// cannot be mistaken for a longer one (0xFF is the escape byte).
    pub fn number_range(self) -> (u32, u32) {
        match self {
            Frequency::High | Frequency::Medium => (1, 0xFE),
            Frequency::Low => (1, 0xFEFF),
            Frequency::Fixed => (0xFFFF_FF00, 0xFFFF_FFFF),
        }
    }
}

impl fmt::Display for Frequency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.keyword())
    }
}

/// Whether only trusted peers (simulators, not viewers) may send it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Trust {
    /// `Trusted`: only accepted from trusted circuits.
    Trusted,
    /// `NotTrusted`: accepted from anyone.
    NotTrusted,
}

/// Whether the message body is zerocoded on the wire.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Encoding {
    /// `Unencoded`: sent as is.
    Unencoded,
    /// `Zerocoded`: runs of zero bytes are sent as `0x00, count`.
    Zerocoded,
}

/// A message's deprecation marker.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Deprecation {
    /// No marker: in current use.
    Current,
    /// `Deprecated`: should no longer be sent.
    Deprecated,
    /// `UDPDeprecated`: moved to the event queue / CAPS, UDP still accepted.
    UdpDeprecated,
    /// `UDPBlackListed`: must not be accepted over UDP.
    UdpBlackListed,
}

impl Deprecation {
    /// The template keyword, or `None` for [`Deprecation::Current`].
    pub fn keyword(self) -> Option<&'static str> {
        match self {
            Deprecation::Current => None,
            Deprecation::Deprecated => Some("Deprecated"),
            Deprecation::UdpDeprecated => Some("UDPDeprecated"),
            Deprecation::UdpBlackListed => Some("UDPBlackListed"),
        }
    }
}

/// How many times a block repeats in a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Cardinality {
    /// Exactly once.
    Single,
    /// Exactly N times (1..=255), no count on the wire.
    Multiple(u8),
    /// 0..=255 times, preceded by a one-byte count on the wire.
    Variable,
}

/// The width of a variable field's length prefix.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LengthPrefix {
    /// `Variable 1`: one-byte length, at most 255 bytes.
    One,
    /// `Variable 2`: two-byte little-endian length, at most 65535 bytes.
    Two,
}

impl LengthPrefix {
    /// Bytes taken by the prefix.
    pub fn width(self) -> usize {
        match self {
            LengthPrefix::One => 1,
            LengthPrefix::Two => 2,
        }
    }

    /// The longest data the prefix can describe.
    pub fn max_len(self) -> usize {
        match self {
            LengthPrefix::One => u8::MAX as usize,
            LengthPrefix::Two => u16::MAX as usize,
        }
    }
}

/// The type of one field, as named in the template.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FieldType {
    /// `Null`: no bytes.
    Null,
    /// `Fixed N`: exactly N opaque bytes.
    Fixed(u16),
    /// `Variable 1|2`: a length prefix then that many bytes.
    Variable(LengthPrefix),
    /// `U8`.
    U8,
    /// `U16` (little-endian).
    U16,
    /// `U32` (little-endian).
    U32,
    /// `U64` (little-endian).
    U64,
    /// `S8`.
    S8,
    /// `S16` (little-endian).
    S16,
    /// `S32` (little-endian).
    S32,
    /// `S64` (little-endian).
    S64,
    /// `F32` (little-endian IEEE 754).
    F32,
    /// `F64` (little-endian IEEE 754).
    F64,
    /// `LLVector3`: three F32.
    Vector3,
    /// `LLVector3d`: three F64.
    Vector3d,
    /// `LLVector4`: four F32.
    Vector4,
    /// `LLQuaternion`: three F32 (x, y, z); w is implied non-negative.
    Quaternion,
    /// `LLUUID`: 16 bytes.
    Uuid,
    /// `BOOL`: one byte, non-zero is true.
    Bool,
    /// `IPADDR`: four bytes in network order.
    IpAddr,
    /// `IPPORT`: a big-endian u16.
    IpPort,
}

impl FieldType {
    /// Bytes on the wire when the size is fixed; `None` for variable fields.
    pub fn fixed_size(self) -> Option<usize> {
        Some(match self {
            FieldType::Null => 0,
            FieldType::Fixed(n) => n as usize,
            FieldType::Variable(_) => return None,
            FieldType::U8 | FieldType::S8 | FieldType::Bool => 1,
            FieldType::U16 | FieldType::S16 | FieldType::IpPort => 2,
            FieldType::U32 | FieldType::S32 | FieldType::F32 | FieldType::IpAddr => 4,
            FieldType::U64 | FieldType::S64 | FieldType::F64 => 8,
            FieldType::Vector3 | FieldType::Quaternion => 12,
            FieldType::Vector3d => 24,
            FieldType::Vector4 | FieldType::Uuid => 16,
        })
    }

    /// The fewest bytes the field can take (the prefix for variable fields).
    pub fn min_size(self) -> usize {
        match self {
            FieldType::Variable(p) => p.width(),
            other => other.fixed_size().unwrap_or(0),
        }
    }
}

impl fmt::Display for FieldType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FieldType::Null => f.write_str("Null"),
            FieldType::Fixed(n) => write!(f, "Fixed {n}"),
            FieldType::Variable(p) => write!(f, "Variable {}", p.width()),
            FieldType::U8 => f.write_str("U8"),
            FieldType::U16 => f.write_str("U16"),
            FieldType::U32 => f.write_str("U32"),
            FieldType::U64 => f.write_str("U64"),
            FieldType::S8 => f.write_str("S8"),
            FieldType::S16 => f.write_str("S16"),
            FieldType::S32 => f.write_str("S32"),
            FieldType::S64 => f.write_str("S64"),
            FieldType::F32 => f.write_str("F32"),
            FieldType::F64 => f.write_str("F64"),
            FieldType::Vector3 => f.write_str("LLVector3"),
            FieldType::Vector3d => f.write_str("LLVector3d"),
            FieldType::Vector4 => f.write_str("LLVector4"),
            FieldType::Quaternion => f.write_str("LLQuaternion"),
            FieldType::Uuid => f.write_str("LLUUID"),
            FieldType::Bool => f.write_str("BOOL"),
            FieldType::IpAddr => f.write_str("IPADDR"),
            FieldType::IpPort => f.write_str("IPPORT"),
        }
    }
}

/// One field of a block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldDef {
    /// The field's name as written (`SessionID`).
    pub name: String,
    /// Its wire type.
    pub ty: FieldType,
}

/// One block of a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlockDef {
    /// The block's name as written (`AgentData`).
    pub name: String,
    /// How often it repeats.
    pub cardinality: Cardinality,
    /// Its fields, in wire order.
    pub fields: Vec<FieldDef>,
}

impl BlockDef {
    /// The fewest bytes one instance of the block takes on the wire.
    pub fn min_size(&self) -> usize {
        self.fields.iter().map(|f| f.ty.min_size()).sum()
    }

    /// True when any field has a variable length.
    pub fn has_variable_fields(&self) -> bool {
        self.fields
            .iter()
            .any(|f| matches!(f.ty, FieldType::Variable(_)))
    }
}

/// One message definition.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MessageDef {
    /// The message's name (`UseCircuitCode`).
    pub name: String,
    /// Its frequency class.
    pub frequency: Frequency,
    /// Its number within the frequency (Fixed: the full `0xFFFFFFxx`).
    pub number: u32,
    /// Trusted or not.
    pub trust: Trust,
    /// Zerocoded or not.
    pub encoding: Encoding,
    /// Deprecation marker.
    pub deprecation: Deprecation,
    /// Its blocks, in wire order.
    pub blocks: Vec<BlockDef>,
    /// The 1-based line where the definition starts.
    pub line: usize,
}

impl MessageDef {
    /// A block by name.
    pub fn block(&self, name: &str) -> Option<&BlockDef> {
        self.blocks.iter().find(|b| b.name == name)
    }
}

/// How many messages of each frequency a template defines.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct FrequencyCounts {
    /// Fixed messages.
    pub fixed: usize,
    /// High-frequency messages.
    pub high: usize,
    /// Medium-frequency messages.
    pub medium: usize,
    /// Low-frequency messages.
    pub low: usize,
}

impl FrequencyCounts {
    /// All messages.
    pub fn total(&self) -> usize {
        self.fixed + self.high + self.medium + self.low
    }
}

/// A whole parsed template.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Template {
    /// The `version` line's value (`"2.0"`), if present.
    pub version: Option<String>,
    /// Every message, in file order.
    pub messages: Vec<MessageDef>,
}

impl Template {
    /// A message by name.
    pub fn message(&self, name: &str) -> Option<&MessageDef> {
        self.messages.iter().find(|m| m.name == name)
    }

    /// Counts per frequency.
    pub fn counts(&self) -> FrequencyCounts {
        let mut c = FrequencyCounts::default();
        for m in &self.messages {
            match m.frequency {
                Frequency::Fixed => c.fixed += 1,
                Frequency::High => c.high += 1,
                Frequency::Medium => c.medium += 1,
                Frequency::Low => c.low += 1,
            }
        }
        c
    }
}

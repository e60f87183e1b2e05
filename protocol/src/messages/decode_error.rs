//! Errors from decoding and encoding message bodies.

use super::MessageId;
use std::fmt;

/// What was wrong with a message body.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum DecodeErrorKind {
    /// The body is too short to hold its frequency-coded message number.
    #[error("message number needs {needed} bytes, {available} present")]
    TruncatedMessageNumber {
        /// Bytes the number needs.
        needed: usize,
        /// Bytes present.
        available: usize,
    },
    /// No message in the project template has this number.
    #[error("unknown message {0}")]
    UnknownMessage(MessageId),
    /// The body holds a different message than the type asked for.
    #[error("body holds message {found}, not the requested one")]
    WrongMessage {
        /// The id found in the body.
        found: MessageId,
    },
    /// A field runs past the end of the body.
    #[error("needs {needed} bytes, {available} left")]
    Truncated {
        /// Bytes the field needs.
        needed: usize,
        /// Bytes left in the body.
        available: usize,
    },
    /// A Variable block's count cannot fit in what is left of the body.
    #[error("{count} blocks of at least {min_size} bytes each cannot fit in {available} bytes")]
    TooManyBlocks {
        /// The count read from the wire.
        count: usize,
        /// The smallest size of one block.
        min_size: usize,
        /// Bytes left in the body.
        available: usize,
    },
}

/// A message body that could not be decoded, with where it went wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct DecodeError {
    /// The message being decoded, once its number was known.
    pub message: Option<&'static str>,
    /// The block being decoded.
    pub block: Option<&'static str>,
    /// The field being decoded (`None` for a block count).
    pub field: Option<&'static str>,
    /// Byte offset in the body (which starts at the message number).
    pub offset: usize,
    /// What was wrong.
    pub kind: DecodeErrorKind,
}

impl DecodeError {
    /// True only for [`DecodeErrorKind::UnknownMessage`]: the number is not
    /// in the template, which says nothing about whether the bytes are
    /// damaged.
    pub fn is_unknown_message(&self) -> bool {
        matches!(self.kind, DecodeErrorKind::UnknownMessage(_))
    }
}

impl fmt::Display for DecodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.message, self.block, self.field) {
            (Some(m), Some(b), Some(fl)) => write!(f, "{m}.{b}.{fl}")?,
            (Some(m), Some(b), None) => write!(f, "{m}.{b} (block count)")?,
            (Some(m), None, _) => f.write_str(m)?,
            (None, ..) => f.write_str("message")?,
        }
        write!(f, " at byte {}: {}", self.offset, self.kind)
    }
}

/// Why a message could not be encoded exactly (only from `try_encode`;
/// `encode` truncates to the wire limits instead).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EncodeErrorKind {
    /// A variable field holds more bytes than its length prefix can say.
    #[error("{len} bytes exceed the {max}-byte limit of its length prefix")]
    FieldTooLong {
        /// The field's length.
        len: usize,
        /// The longest the prefix allows.
        max: usize,
    },
    /// A Variable block list holds more than 255 blocks.
    #[error("{count} blocks exceed the limit of 255")]
    TooManyBlocks {
        /// The number of blocks.
        count: usize,
    },
}

/// A message that does not fit the wire limits, with where.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}.{block}{}: {kind}", field.map(|f| format!(".{f}")).unwrap_or_default())]
pub struct EncodeError {
    /// The message.
    pub message: &'static str,
    /// The block.
    pub block: &'static str,
    /// The field (`None` for a block count).
    pub field: Option<&'static str>,
    /// What was wrong.
    pub kind: EncodeErrorKind,
}

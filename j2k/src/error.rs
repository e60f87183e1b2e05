//! The one error type of the crate.

/// Everything that can go wrong reading, decoding or encoding a JPEG 2000
/// codestream. Each variant says what was wrong and, for input bytes, where
/// (byte offset, marker), so a bad asset can be found again from a log line.
#[derive(thiserror::Error, Debug, Clone, PartialEq, Eq)]
pub enum J2kError {
    /// The bytes are not a raw J2K codestream (no SOC/SIZ at the start).
    #[error("not a JPEG 2000 codestream: {reason}")]
    NotACodestream {
        /// What was found instead.
        reason: String,
    },
    /// The input ends before a part the decoder cannot do without.
    #[error("codestream truncated at byte {offset} (of {len}): {needed}")]
    Truncated {
        /// Where the missing part would have started.
        offset: usize,
        /// How many bytes there were.
        len: usize,
        /// What was missing.
        needed: &'static str,
    },
    /// The image is larger than the caller's [`crate::Limits`] allow.
    #[error("image {width}x{height} is larger than the limit of {max} per side")]
    TooLarge {
        /// Width from the SIZ marker.
        width: u32,
        /// Height from the SIZ marker.
        height: u32,
        /// The largest side allowed.
        max: u32,
    },
    /// The image has more components than the caller's [`crate::Limits`] allow.
    #[error("image has {components} components, more than the limit of {max}")]
    TooManyComponents {
        /// Components from the SIZ marker.
        components: u16,
        /// The most allowed.
        max: u8,
    },
    /// A marker segment holds values that break the standard or each other.
    #[error("corrupt codestream at byte {offset} ({marker}): {reason}")]
    Corrupt {
        /// Offset of the offending marker segment.
        offset: usize,
        /// Name of the marker, e.g. "SIZ".
        marker: &'static str,
        /// What was wrong.
        reason: String,
    },
    /// A legal codestream that this crate does not decode (subsampled
    /// components, more than 16 bits per sample, too many tiles, ...).
    #[error("unsupported codestream at byte {offset} ({marker}): {reason}")]
    Unsupported {
        /// Offset of the marker segment that asks for it.
        offset: usize,
        /// Name of the marker.
        marker: &'static str,
        /// What is not supported.
        reason: String,
    },
    /// OpenJPEG refused the codestream after the header checks passed.
    #[error("decoder failed in {stage}: {messages}")]
    Decode {
        /// Which OpenJPEG call failed.
        stage: &'static str,
        /// The error messages OpenJPEG reported, joined.
        messages: String,
    },
    /// Encoding failed: bad arguments or an OpenJPEG error.
    #[error("encode failed: {reason}")]
    Encode {
        /// What went wrong.
        reason: String,
    },
}

impl J2kError {
    /// A short stable label for counters and metrics; never changes for a
    /// variant, whatever its message says.
    pub fn kind(&self) -> &'static str {
        match self {
            J2kError::NotACodestream { .. } => "not_j2k",
            J2kError::Truncated { .. } => "truncated",
            J2kError::TooLarge { .. } => "too_large",
            J2kError::TooManyComponents { .. } => "too_many_components",
            J2kError::Corrupt { .. } => "corrupt",
            J2kError::Unsupported { .. } => "unsupported",
            J2kError::Decode { .. } => "decode_failed",
            J2kError::Encode { .. } => "encode",
        }
    }
}

//! LLSD (Linden Lab Structured Data): the value type, its three
//! serializations and serde support.
//!
//! - [`Llsd`]: one value tree (undefined, boolean, integer, real, string,
//!   UUID, date, URI, binary, array, map).
//! - XML (`application/llsd+xml`): [`Llsd::from_xml`], [`Llsd::to_xml`].
//! - Binary (`application/llsd+binary`): [`Llsd::from_binary`],
//!   [`Llsd::to_binary`].
//! - Notation (`application/llsd+notation`): [`Llsd::from_notation`],
//!   [`Llsd::to_notation`].
//! - serde: [`to_value`] / [`from_value`] between Rust types and [`Llsd`],
//!   and the one-step helpers [`to_xml_string`], [`from_xml_str`],
//!   [`to_binary_bytes`], [`from_binary_slice`], [`to_notation_string`],
//!   [`from_notation_str`].
//! - [`caps`]: typed bodies of the seed capability and `EventQueueGet`.
//!
//! Every parser takes untrusted bytes: it never panics, refuses nesting
//! deeper than [`MAX_DEPTH`], checks every declared length against the
//! input that is left before allocating, and reports what was wrong and
//! where (byte offset; line and column for XML).
//!
//! This is written here rather than taken from a crate: the crates.io `llsd`
//! crate is GPL-3.0 and `serde-llsd` is LGPL, neither compatible with
//! Kestrel's MIT/Apache-2.0 licence.

mod binary;
pub mod caps;
mod date;
mod de;
mod notation;
mod ser;
mod value;
mod xml;
pub(crate) mod xml_tree;

use std::fmt;

pub use date::{Date, DateError};
pub use ser::{Uri, as_binary, as_uuid};
pub use value::{Llsd, LlsdMap, LlsdType};

/// Deepest container nesting (arrays and maps inside each other) a parser
/// accepts; deeper input is refused with [`ParseErrorKind::TooDeep`].
pub const MAX_DEPTH: usize = 128;

/// The header some writers put before binary LLSD; optional on read.
pub const BINARY_HEADER: &[u8] = b"<? LLSD/Binary ?>\n";

/// One of the three LLSD serializations.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    /// `application/llsd+xml`
    Xml,
    /// `application/llsd+binary`
    Binary,
    /// `application/llsd+notation`
    Notation,
}

impl Format {
    /// The MIME type of the serialization.
    pub fn mime_type(self) -> &'static str {
        match self {
            Format::Xml => "application/llsd+xml",
            Format::Binary => "application/llsd+binary",
            Format::Notation => "application/llsd+notation",
        }
    }

    /// The serialization named by a `Content-Type` value (parameters such
    /// as `; charset=utf-8` ignored; `text/xml` and `application/xml` count
    /// as XML, as simulators send them).
    pub fn from_mime_type(content_type: &str) -> Option<Format> {
        let base = content_type
            .split(';')
            .next()
            .unwrap_or("")
            .trim()
            .to_ascii_lowercase();
        match base.as_str() {
            "application/llsd+xml" | "application/xml" | "text/xml" => Some(Format::Xml),
            "application/llsd+binary" | "application/octet-stream" => Some(Format::Binary),
            "application/llsd+notation" => Some(Format::Notation),
            _ => None,
        }
    }
}

impl fmt::Display for Format {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Format::Xml => "XML",
            Format::Binary => "binary",
            Format::Notation => "notation",
        })
    }
}

/// What was wrong with LLSD input.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ParseErrorKind {
    /// The input ended early.
    #[error("input ends where {expected} was expected")]
    UnexpectedEof {
        /// What the parser was looking for.
        expected: &'static str,
    },
    /// A byte that cannot start or continue what was expected.
    #[error("unexpected byte {found:?} where {expected} was expected")]
    UnexpectedByte {
        /// The byte found, shown as a char when printable.
        found: char,
        /// What the parser was looking for.
        expected: &'static str,
    },
    /// Containers nested deeper than [`MAX_DEPTH`].
    #[error("containers nested deeper than {limit}")]
    TooDeep {
        /// The limit.
        limit: usize,
    },
    /// A length or count prefix larger than the input that is left.
    #[error("{what} declares {declared} but only {remaining} bytes are left")]
    LengthTooLong {
        /// Which prefix (e.g. "string length").
        what: &'static str,
        /// The declared length or count.
        declared: u64,
        /// Bytes left in the input.
        remaining: usize,
    },
    /// A negative length or count.
    #[error("{what} is negative ({declared})")]
    NegativeLength {
        /// Which prefix.
        what: &'static str,
        /// The declared value.
        declared: i64,
    },
    /// Text that is not valid UTF-8.
    #[error("{what} is not valid UTF-8")]
    InvalidUtf8 {
        /// Which value.
        what: &'static str,
    },
    /// A number that does not parse or does not fit.
    #[error("{what} {text:?} is not a valid number")]
    InvalidNumber {
        /// Which value ("integer", "real", "length").
        what: &'static str,
        /// The text found.
        text: String,
    },
    /// A boolean text that is none of the accepted spellings.
    #[error("boolean {text:?} is not one of 1, 0, true, false")]
    InvalidBoolean {
        /// The text found.
        text: String,
    },
    /// A UUID text that is not 8-4-4-4-12 hex digits.
    #[error("UUID {text:?} is not 8-4-4-4-12 hex digits")]
    InvalidUuid {
        /// The text found.
        text: String,
    },
    /// A date that is not ISO-8601 or out of range.
    #[error(transparent)]
    InvalidDate(#[from] DateError),
    /// Encoded binary that does not decode.
    #[error("{encoding} data does not decode: {detail}")]
    InvalidEncoding {
        /// "base64" or "base16".
        encoding: &'static str,
        /// The decoder's complaint.
        detail: String,
    },
    /// A binary encoding this reader does not implement.
    #[error("binary encoding {0:?} is not supported (base64 and base16 are)")]
    UnsupportedEncoding(String),
    /// Non-whitespace input after the value.
    #[error("data after the end of the value")]
    TrailingData,
    /// A header (`<? … ?>`) naming another format.
    #[error("header {0:?} is not an LLSD header for this format")]
    BadHeader(String),
    /// The XML is not well formed.
    #[error("malformed XML: {0}")]
    Xml(String),
    /// An element that does not belong here.
    #[error("unexpected element <{found}> where {expected} was expected")]
    UnexpectedElement {
        /// The element name.
        found: String,
        /// What was expected.
        expected: &'static str,
    },
    /// Text where only elements may appear.
    #[error("unexpected text {text:?} where {expected} was expected")]
    UnexpectedText {
        /// The first characters of the text.
        text: String,
        /// What was expected.
        expected: &'static str,
    },
    /// A map key without its value.
    #[error("map key {key:?} has no value")]
    MissingValue {
        /// The key.
        key: String,
    },
    /// A count prefix that disagrees with the elements found.
    #[error("{what} declares {declared} entries but holds {found}")]
    CountMismatch {
        /// Which container.
        what: &'static str,
        /// The declared count.
        declared: u64,
        /// Entries actually found before the close marker.
        found: u64,
    },
}

/// An LLSD parse failure: the format, where, and what.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub struct ParseError {
    /// Which serialization was being read.
    pub format: Format,
    /// Byte offset of the problem in the input.
    pub offset: usize,
    /// 1-based line and column, for XML input.
    pub line_col: Option<(usize, usize)>,
    /// What was wrong.
    #[source]
    pub kind: ParseErrorKind,
}

impl ParseError {
    pub(crate) fn at(format: Format, offset: usize, kind: ParseErrorKind) -> Self {
        ParseError {
            format,
            offset,
            line_col: None,
            kind,
        }
    }
}

impl fmt::Display for ParseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "LLSD {}: {} at byte {}",
            self.format, self.kind, self.offset
        )?;
        if let Some((line, col)) = self.line_col {
            write!(f, " (line {line}, column {col})")?;
        }
        Ok(())
    }
}

pub use ser::ValueError;

/// Either half of a one-step serde conversion failed.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum LlsdError {
    /// The text or bytes were not valid LLSD.
    #[error(transparent)]
    Parse(#[from] ParseError),
    /// The value did not fit the Rust type (or the Rust value has no LLSD form).
    #[error(transparent)]
    Value(#[from] ValueError),
}

impl Llsd {
    /// Parses an LLSD XML document (`<llsd>…</llsd>`).
    pub fn from_xml(text: &str) -> Result<Llsd, ParseError> {
        xml::parse(text)
    }

    /// Parses LLSD XML from bytes, which must be UTF-8.
    pub fn from_xml_bytes(bytes: &[u8]) -> Result<Llsd, ParseError> {
        let text = std::str::from_utf8(bytes).map_err(|e| {
            ParseError::at(
                Format::Xml,
                e.valid_up_to(),
                ParseErrorKind::InvalidUtf8 {
                    what: "XML document",
                },
            )
        })?;
        xml::parse(text)
    }

    /// Writes the value as a compact LLSD XML document with an XML
    /// declaration.
    pub fn to_xml(&self) -> String {
        xml::format(self)
    }

    /// Parses binary LLSD; the `<? LLSD/Binary ?>` header is optional.
    pub fn from_binary(bytes: &[u8]) -> Result<Llsd, ParseError> {
        binary::parse(bytes)
    }

    /// Writes the value as binary LLSD without a header.
    pub fn to_binary(&self) -> Vec<u8> {
        binary::format(self)
    }

    /// Writes the value as binary LLSD after [`BINARY_HEADER`].
    pub fn to_binary_with_header(&self) -> Vec<u8> {
        let mut out = BINARY_HEADER.to_vec();
        out.extend_from_slice(&binary::format(self));
        out
    }

    /// Parses LLSD notation (bytes: `s(N)` and `b(N)` may hold raw bytes);
    /// the `<? llsd/notation ?>` header is optional.
    pub fn from_notation(bytes: &[u8]) -> Result<Llsd, ParseError> {
        notation::parse(bytes)
    }

    /// Writes the value as LLSD notation text (binary as `b64"…"`).
    pub fn to_notation(&self) -> String {
        notation::format(self)
    }

    /// Parses `bytes` in the given serialization.
    pub fn parse(format: Format, bytes: &[u8]) -> Result<Llsd, ParseError> {
        match format {
            Format::Xml => Llsd::from_xml_bytes(bytes),
            Format::Binary => Llsd::from_binary(bytes),
            Format::Notation => Llsd::from_notation(bytes),
        }
    }

    /// Writes the value in the given serialization (binary without header).
    pub fn serialize_as(&self, format: Format) -> Vec<u8> {
        match format {
            Format::Xml => self.to_xml().into_bytes(),
            Format::Binary => self.to_binary(),
            Format::Notation => self.to_notation().into_bytes(),
        }
    }
}

/// Converts any serializable Rust value into an [`Llsd`] tree.
///
/// Structs and maps become maps, sequences and tuples arrays, `None` and
/// `()` undefined, integers that fit `i32` integers (wider ones reals when
/// exactly representable, else an error), `&[u8]`/`serde_bytes` binary.
/// Use [`Uri`], [`Date`], [`as_uuid`] or an [`Llsd`] field to produce the
/// typed scalars.
pub fn to_value<T: serde::Serialize + ?Sized>(value: &T) -> Result<Llsd, ValueError> {
    value.serialize(ser::ValueSerializer)
}

/// Converts an [`Llsd`] tree into a Rust value. Conversions follow LLSD's
/// tolerance where it is lossless (integers from integral reals or numeric
/// strings, strings from URIs, UUIDs and dates); errors name the path of
/// the offending value (`events[0].body.x`).
pub fn from_value<T: serde::de::DeserializeOwned>(value: Llsd) -> Result<T, ValueError> {
    T::deserialize(value)
}

/// Serializes a Rust value straight to an LLSD XML document.
pub fn to_xml_string<T: serde::Serialize + ?Sized>(value: &T) -> Result<String, ValueError> {
    Ok(to_value(value)?.to_xml())
}

/// Parses an LLSD XML document into a Rust value.
pub fn from_xml_str<T: serde::de::DeserializeOwned>(text: &str) -> Result<T, LlsdError> {
    Ok(from_value(Llsd::from_xml(text)?)?)
}

/// Serializes a Rust value straight to binary LLSD (no header).
pub fn to_binary_bytes<T: serde::Serialize + ?Sized>(value: &T) -> Result<Vec<u8>, ValueError> {
    Ok(to_value(value)?.to_binary())
}

/// Parses binary LLSD into a Rust value.
pub fn from_binary_slice<T: serde::de::DeserializeOwned>(bytes: &[u8]) -> Result<T, LlsdError> {
    Ok(from_value(Llsd::from_binary(bytes)?)?)
}

/// Serializes a Rust value straight to LLSD notation.
pub fn to_notation_string<T: serde::Serialize + ?Sized>(value: &T) -> Result<String, ValueError> {
    Ok(to_value(value)?.to_notation())
}

/// Parses LLSD notation into a Rust value.
pub fn from_notation_str<T: serde::de::DeserializeOwned>(text: &str) -> Result<T, LlsdError> {
    Ok(from_value(Llsd::from_notation(text.as_bytes())?)?)
}

/// Formats a real the way all three text forms share: the shortest text
/// that reads back to the same `f64`, and `nan`/`inf`/`-inf` for the
/// non-finite values.
pub(crate) fn format_real(v: f64) -> String {
    if v.is_nan() {
        "nan".into()
    } else if v.is_infinite() {
        if v > 0.0 { "inf".into() } else { "-inf".into() }
    } else {
        // `{:?}` is shortest-round-trip and switches to exponent form for
        // very large and small magnitudes, which every LLSD reader accepts.
        format!("{v:?}")
    }
}

/// Shows a byte as a char for error messages.
pub(crate) fn byte_char(b: u8) -> char {
    char::from(b)
}

//! One Rust type per message of `protocol/message_template.msg`, generated
//! by `build.rs`, and the [`Message`] enum of all of them.
//!
//! # Shape of the generated code
//!
//! For a template message `ObjectUpdate` with blocks `RegionData` (Single)
//! and `ObjectData` (Variable) there is:
//!
//! - `struct ObjectUpdate<'a> { region_data: object_update::RegionData,
//!   object_data: Vec<object_update::ObjectData<'a>> }` — one field per
//!   block, named in snake case. Single → the block struct, `Multiple N` →
//!   `[Block; N]`, `Variable` → `Vec<Block>` (at most 255 on the wire).
//! - a module `object_update` with one struct per block; field names are
//!   snake case (`SessionID` → `session_id`, `Type` → `r#type`).
//! - field types: `U8`…`S64`, `F32`, `F64` → the Rust integer/float;
//!   `BOOL` → `bool`; `LLUUID` → [`crate::types::Uuid`]; `LLVector3` →
//!   [`glam::Vec3`]; `LLVector3d` → [`glam::DVec3`]; `LLVector4` →
//!   [`glam::Vec4`]; `LLQuaternion` → [`glam::Quat`] (x, y, z on the wire, w
//!   rebuilt non-negative); `IPADDR` → [`std::net::Ipv4Addr`]; `IPPORT` →
//!   `u16` (big-endian on the wire); `Fixed N` → `[u8; N]`; `Variable 1|2`
//!   → [`VarBytes`], borrowed from the input.
//! - Only types that (transitively) hold a [`VarBytes`] carry a lifetime;
//!   `into_owned()` turns them into `'static` values for other threads.
//! - Inherent `decode(body)`, `encode(&self, out)`, `try_encode`,
//!   `encoded_len`, consts `NAME`, `ID`, `TRUSTED`, `ZEROCODED`, and the
//!   [`MessageType`] trait, so code can subscribe by type.
//!
//! A message body starts at the frequency-coded message number (what a
//! packet carries after its header, once zero-decoded). Decoding takes
//! untrusted bytes: it never panics, checks every length against what is
//! left, and allocates only for `Variable` block lists. Trailing bytes after
//! the last block are ignored (the reference reader does the same, which
//! lets senders append blocks), and a `Variable` block count missing at the
//! very end reads as zero blocks.

mod decode_error;
mod message_id;
mod var_bytes;
pub(crate) mod wire;

pub use crate::template::{Deprecation, Frequency};
pub use decode_error::{DecodeError, DecodeErrorKind, EncodeError, EncodeErrorKind};
pub use message_id::MessageId;
pub use var_bytes::{VarBytes, fixed_hex};

use wire::{Reader, Writer};

/// Implemented by every generated message struct: its template facts and
/// conversion to and from [`Message`].
///
/// Types without variable-length fields implement it for every `'a`; types
/// with them for their own `'a` (use `ObjectUpdate<'static>` for owned).
pub trait MessageType<'a>: Sized {
    /// The template name (`"ObjectUpdate"`).
    const NAME: &'static str;
    /// Frequency and number.
    const ID: MessageId;
    /// The frequency class.
    const FREQUENCY: Frequency;
    /// The number within the frequency.
    const NUMBER: u32;
    /// Whether only trusted peers may send it.
    const TRUSTED: bool;
    /// Whether its body is zerocoded on the wire.
    const ZEROCODED: bool;
    /// Its deprecation marker.
    const DEPRECATION: Deprecation;

    /// Wraps it in the [`Message`] enum.
    fn into_message(self) -> Message<'a>;

    /// Unwraps it from a [`Message`] holding this type.
    fn from_message(message: Message<'a>) -> Option<Self>;

    /// Borrows it from a [`Message`] holding this type.
    fn from_message_ref<'m>(message: &'m Message<'a>) -> Option<&'m Self>;
}

/// The template facts of one message, for lookups by id or name.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MessageInfo {
    /// The template name.
    pub name: &'static str,
    /// Frequency and number.
    pub id: MessageId,
    /// Whether only trusted peers may send it.
    pub trusted: bool,
    /// Whether its body is zerocoded on the wire.
    pub zerocoded: bool,
    /// Its deprecation marker.
    pub deprecation: Deprecation,
}

/// The facts of the project template's message with this id.
pub fn message_info(id: MessageId) -> Option<&'static MessageInfo> {
    MESSAGES.iter().find(|m| m.id == id)
}

/// The facts of the project template's message with this name.
pub fn message_info_by_name(name: &str) -> Option<&'static MessageInfo> {
    MESSAGES.iter().find(|m| m.name == name)
}

/// Writes `id` and the fields `body` writes, undoing a partial write on
/// error.
fn encode_message(
    out: &mut Vec<u8>,
    strict: bool,
    name: &'static str,
    id: MessageId,
    body: impl FnOnce(&mut Writer<'_>) -> Result<(), EncodeError>,
) -> Result<(), EncodeError> {
    let start = out.len();
    id.encode(out);
    let result = body(&mut Writer::new(out, strict, name));
    if result.is_err() {
        out.truncate(start);
    }
    result
}

/// Checks that `body` holds message `id` and returns a reader after the
/// number.
fn reader_for<'a>(
    body: &'a [u8],
    id: MessageId,
    name: &'static str,
) -> Result<Reader<'a>, DecodeError> {
    let (found, used) = MessageId::decode(body)?;
    if found != id {
        return Err(DecodeError {
            message: Some(name),
            block: None,
            field: None,
            offset: 0,
            kind: DecodeErrorKind::WrongMessage { found },
        });
    }
    Ok(Reader::new(body, used, name))
}

/// Runs a generated decoder, turning its [`wire::Fail`] into the error the
/// reader recorded.
fn decode_with<'a, T>(
    mut r: Reader<'a>,
    decode: impl FnOnce(&mut Reader<'a>) -> Result<T, wire::Fail>,
) -> Result<T, DecodeError> {
    decode(&mut r).map_err(|_| r.take_error())
}

fn unknown_message(id: MessageId) -> DecodeError {
    DecodeError {
        message: None,
        block: None,
        field: None,
        offset: 0,
        kind: DecodeErrorKind::UnknownMessage(id),
    }
}

/// The code `build.rs` generates; a module of its own so lints that do not
/// fit generated code can be allowed here only.
#[allow(clippy::derivable_impls)]
mod generated {
    include!(concat!(env!("OUT_DIR"), "/messages.rs"));
}

pub use generated::*;

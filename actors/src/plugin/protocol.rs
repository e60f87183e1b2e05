//! The framed stdio protocol between the supervisor and an isolated plugin.
//!
//! A frame is a 4-byte big-endian length `N` (at most [`MAX_FRAME_BYTES`])
//! followed by `N` bytes of JSON: a [`HostMessage`] on the child's stdin, a
//! [`ChildMessage`] on its stdout. The child's stderr is free text, logged
//! by the supervisor line by line.
//!
//! 1. The host sends `hello {protocol}`; the child answers `hello {protocol, info}`
//!    with its [`PluginInfo`]. Different versions: the plugin is disabled.
//! 2. The host sends numbered requests (`load`, `update`, `fixed_update`,
//!    `event`, `shutdown`); the child answers each, **in order**, with
//!    `done {seq, outputs}` (or `load_failed` / `panicked`, after which it exits).
//! 3. After answering `shutdown` the child exits with status 0. When its
//!    stdin closes it exits too.
//!
//! Anything else on stdout — a length over the limit, bytes that are not
//! JSON of the expected shape, an answer out of order — is a protocol error:
//! the supervisor kills that child and restarts it under the plugin's policy.

use std::io::{self, Read, Write};

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use thiserror::Error;

use super::api::{PluginEvent, PluginInfo, PluginOutput};

/// The protocol version spoken by this build.
pub const PROTOCOL_VERSION: u32 = 1;

/// Largest frame body accepted or sent.
pub const MAX_FRAME_BYTES: usize = 1 << 20;

/// Host → child.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum HostMessage {
    /// Version handshake (first frame).
    Hello {
        /// [`PROTOCOL_VERSION`] of the host.
        protocol: u32,
    },
    /// Call `on_load`.
    Load {
        /// Request number.
        seq: u64,
    },
    /// Call `update`.
    Update {
        /// Request number.
        seq: u64,
        /// Time since the previous update, µs.
        dt_us: u64,
    },
    /// Call `fixed_update`.
    FixedUpdate {
        /// Request number.
        seq: u64,
        /// The fixed step, µs.
        step_us: u64,
    },
    /// Call `on_event`.
    Event {
        /// Request number.
        seq: u64,
        /// The event.
        event: PluginEvent,
    },
    /// Call `shutdown`, answer, then exit.
    Shutdown {
        /// Request number.
        seq: u64,
    },
}

impl HostMessage {
    /// The request number (`None` for the handshake).
    pub fn seq(&self) -> Option<u64> {
        match self {
            Self::Hello { .. } => None,
            Self::Load { seq }
            | Self::Update { seq, .. }
            | Self::FixedUpdate { seq, .. }
            | Self::Event { seq, .. }
            | Self::Shutdown { seq } => Some(*seq),
        }
    }
}

/// Child → host.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ChildMessage {
    /// Version handshake answer with the plugin's declaration.
    Hello {
        /// [`PROTOCOL_VERSION`] of the child.
        protocol: u32,
        /// Name, version, capabilities.
        info: PluginInfo,
    },
    /// Request `seq` completed; what the callback asked for.
    Done {
        /// The request answered.
        seq: u64,
        /// Chat, overlay and log outputs.
        outputs: Vec<PluginOutput>,
    },
    /// `on_load` returned an error; the child exits next.
    LoadFailed {
        /// The request answered.
        seq: u64,
        /// The plugin's error.
        error: String,
    },
    /// The callback panicked; the child exits next.
    Panicked {
        /// The request answered.
        seq: u64,
        /// Panic message and location.
        detail: String,
    },
}

/// A frame that could not be read or written.
#[derive(Debug, Error)]
pub enum FrameError {
    /// The stream ended cleanly between frames.
    #[error("pipe closed")]
    Closed,
    /// The stream ended inside a frame.
    #[error("pipe closed inside a frame ({got} of {want} bytes)")]
    Truncated {
        /// Bytes read.
        got: usize,
        /// Bytes the frame needed.
        want: usize,
    },
    /// A length prefix over the limit (typically: garbage on the pipe).
    #[error(
        "frame length {len} exceeds the limit of {MAX_FRAME_BYTES} bytes (prefix bytes {prefix:02x?})"
    )]
    TooLarge {
        /// The length read.
        len: usize,
        /// The four prefix bytes.
        prefix: [u8; 4],
    },
    /// The body is not a valid message.
    #[error("frame of {len} bytes is not a valid message: {reason} (starts {preview:?})")]
    BadMessage {
        /// Body length.
        len: usize,
        /// What serde said.
        reason: String,
        /// The first bytes of the body, lossily as text.
        preview: String,
    },
    /// An I/O error.
    #[error("pipe I/O error: {0}")]
    Io(#[from] io::Error),
}

/// Serialize `msg` as one frame (length prefix included).
pub fn encode_frame<T: Serialize>(msg: &T) -> Result<Vec<u8>, FrameError> {
    let mut buf = vec![0u8; 4];
    serde_json::to_writer(&mut buf, msg).map_err(|e| FrameError::BadMessage {
        len: 0,
        reason: e.to_string(),
        preview: String::new(),
    })?;
    let len = buf.len() - 4;
    if len > MAX_FRAME_BYTES {
        return Err(FrameError::TooLarge {
            len,
            prefix: [0; 4],
        });
    }
    // len ≤ MAX_FRAME_BYTES < u32::MAX.
    buf[..4].copy_from_slice(&(len as u32).to_be_bytes());
    Ok(buf)
}

/// Write `msg` as one frame and flush.
pub fn write_frame<W: Write, T: Serialize>(out: &mut W, msg: &T) -> Result<(), FrameError> {
    let frame = encode_frame(msg)?;
    out.write_all(&frame)?;
    out.flush()?;
    Ok(())
}

fn read_full<R: Read>(input: &mut R, buf: &mut [u8]) -> Result<usize, io::Error> {
    let mut got = 0;
    while got < buf.len() {
        match input.read(&mut buf[got..]) {
            Ok(0) => break,
            Ok(n) => got += n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(got)
}

/// Read one frame and decode it as `T`. `buf` is reused between calls.
pub fn read_frame<R: Read, T: DeserializeOwned>(
    input: &mut R,
    buf: &mut Vec<u8>,
) -> Result<T, FrameError> {
    let mut prefix = [0u8; 4];
    match read_full(input, &mut prefix)? {
        0 => return Err(FrameError::Closed),
        4 => {}
        got => return Err(FrameError::Truncated { got, want: 4 }),
    }
    let len = u32::from_be_bytes(prefix) as usize;
    if len > MAX_FRAME_BYTES {
        return Err(FrameError::TooLarge { len, prefix });
    }
    buf.clear();
    buf.resize(len, 0);
    let got = read_full(input, buf)?;
    if got < len {
        return Err(FrameError::Truncated {
            got: got + 4,
            want: len + 4,
        });
    }
    serde_json::from_slice(buf).map_err(|e| FrameError::BadMessage {
        len,
        reason: e.to_string(),
        preview: String::from_utf8_lossy(&buf[..len.min(40)]).into_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plugin::api::{ChatRequest, EventKind};

    #[test]
    fn frames_round_trip() {
        let msgs = vec![
            ChildMessage::Hello {
                protocol: PROTOCOL_VERSION,
                info: PluginInfo::new("x", "1").sees(EventKind::Chat),
            },
            ChildMessage::Done {
                seq: 7,
                outputs: vec![PluginOutput::Chat(ChatRequest {
                    channel: 0,
                    text: "hi".into(),
                })],
            },
        ];
        let mut wire = Vec::new();
        for m in &msgs {
            write_frame(&mut wire, m).unwrap();
        }
        let mut r = wire.as_slice();
        let mut buf = Vec::new();
        for m in &msgs {
            let got: ChildMessage = read_frame(&mut r, &mut buf).unwrap();
            assert_eq!(&got, m);
        }
        assert!(matches!(
            read_frame::<_, ChildMessage>(&mut r, &mut buf),
            Err(FrameError::Closed)
        ));
    }

    #[test]
    fn garbage_is_an_error_not_a_panic() {
        let mut buf = Vec::new();
        let mut r: &[u8] = b"\xde\xad\xbe\xefgarbage";
        assert!(matches!(
            read_frame::<_, ChildMessage>(&mut r, &mut buf),
            Err(FrameError::TooLarge { .. })
        ));
        let mut r: &[u8] = b"\0\0\0\x05hello";
        let e = read_frame::<_, ChildMessage>(&mut r, &mut buf).unwrap_err();
        assert!(matches!(e, FrameError::BadMessage { len: 5, .. }), "{e}");
        let mut r: &[u8] = b"\0\0\0\x09{}";
        assert!(matches!(
            read_frame::<_, ChildMessage>(&mut r, &mut buf),
            Err(FrameError::Truncated { got: 6, want: 13 })
        ));
        let mut r: &[u8] = b"\0\0";
        assert!(matches!(
            read_frame::<_, ChildMessage>(&mut r, &mut buf),
            Err(FrameError::Truncated { got: 2, want: 4 })
        ));
    }
}

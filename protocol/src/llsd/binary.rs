//! Binary LLSD: one tag byte per value, big-endian lengths and numbers.
//!
//! | tag | value |
//! |-----|-------|
//! | `!` | undefined |
//! | `1` / `0` | true / false |
//! | `i` | integer, 4 bytes big-endian |
//! | `r` | real, 8 bytes big-endian IEEE 754 |
//! | `u` | UUID, 16 bytes |
//! | `s` / `l` / `b` | string / URI / binary: 4-byte big-endian length, then the bytes |
//! | `d` | date, 8 bytes **little-endian** f64 seconds (what the LL viewer and the python `llsd` package write) |
//! | `[` count … `]` | array: 4-byte big-endian count, the values, `]` |
//! | `{` count … `}` | map: 4-byte big-endian count, then `k` + length + key and a value per entry, `}` |
//!
//! Readers also accept `'…'`/`"…"` escaped strings as values and keys (the
//! python reader does); this writer never produces them.

use super::notation::read_delimited;
use super::{Date, Format, Llsd, LlsdMap, MAX_DEPTH, ParseError, ParseErrorKind, byte_char};
use crate::types::Uuid;

/// Upper bound on elements reserved up front from a count prefix; the rest
/// grows as elements actually arrive.
const MAX_PREALLOC: usize = 1024;

/// Parses binary LLSD with an optional `<? LLSD/Binary ?>` header.
pub(super) fn parse(input: &[u8]) -> Result<Llsd, ParseError> {
    let mut p = Parser {
        data: input,
        pos: skip_header(input, "llsd/binary", Format::Binary)?,
    };
    let value = p.value(0)?;
    // A trailing newline or spaces (HTTP bodies) is harmless; anything else
    // means the input was not what the sender meant.
    while p.pos < input.len() && input[p.pos].is_ascii_whitespace() {
        p.pos += 1;
    }
    if p.pos < input.len() {
        return Err(p.err(ParseErrorKind::TrailingData));
    }
    Ok(value)
}

/// Skips an optional `<? name ?>` header (case and spaces ignored, one
/// newline after it consumed) and returns where the value starts.
pub(super) fn skip_header(input: &[u8], name: &str, format: Format) -> Result<usize, ParseError> {
    if !input.starts_with(b"<?") {
        return Ok(0);
    }
    let window = &input[..input.len().min(64)];
    // Look for "?>" after the "<?" (in "<?>" the '?' must not count twice).
    let Some(close) = window[2..]
        .windows(2)
        .position(|w| w == b"?>")
        .map(|i| i + 2)
    else {
        return Err(ParseError::at(
            format,
            0,
            ParseErrorKind::BadHeader(String::from_utf8_lossy(window).into_owned()),
        ));
    };
    let inner = String::from_utf8_lossy(&input[2..close]);
    if !inner.trim().eq_ignore_ascii_case(name) {
        return Err(ParseError::at(
            format,
            0,
            ParseErrorKind::BadHeader(format!("<?{inner}?>")),
        ));
    }
    let mut pos = close + 2;
    if input[pos..].starts_with(b"\r\n") {
        pos += 2;
    } else if input[pos..].starts_with(b"\n") {
        pos += 1;
    }
    Ok(pos)
}

struct Parser<'a> {
    data: &'a [u8],
    pos: usize,
}

impl Parser<'_> {
    fn err(&self, kind: ParseErrorKind) -> ParseError {
        ParseError::at(Format::Binary, self.pos, kind)
    }

    fn remaining(&self) -> usize {
        self.data.len() - self.pos
    }

    fn take(&mut self, n: usize, expected: &'static str) -> Result<&[u8], ParseError> {
        if self.remaining() < n {
            return Err(self.err(ParseErrorKind::UnexpectedEof { expected }));
        }
        let s = &self.data[self.pos..self.pos + n];
        self.pos += n;
        Ok(s)
    }

    fn byte(&mut self, expected: &'static str) -> Result<u8, ParseError> {
        Ok(self.take(1, expected)?[0])
    }

    fn array<const N: usize>(&mut self, expected: &'static str) -> Result<[u8; N], ParseError> {
        let mut out = [0u8; N];
        out.copy_from_slice(self.take(N, expected)?);
        Ok(out)
    }

    /// A 4-byte big-endian length, checked against what is left.
    fn length(&mut self, what: &'static str) -> Result<usize, ParseError> {
        let at = self.pos;
        let n = u32::from_be_bytes(self.array::<4>(what)?);
        let n = usize::try_from(n).unwrap_or(usize::MAX);
        if n > self.remaining() {
            return Err(ParseError::at(
                Format::Binary,
                at,
                ParseErrorKind::LengthTooLong {
                    what,
                    declared: n as u64,
                    remaining: self.remaining(),
                },
            ));
        }
        Ok(n)
    }

    fn sized_bytes(&mut self, what: &'static str) -> Result<Vec<u8>, ParseError> {
        let n = self.length(what)?;
        Ok(self.take(n, what)?.to_vec())
    }

    fn sized_text(&mut self, what: &'static str) -> Result<String, ParseError> {
        let at = self.pos + 4;
        let bytes = self.sized_bytes(what)?;
        String::from_utf8(bytes).map_err(|e| {
            ParseError::at(
                Format::Binary,
                at + e.utf8_error().valid_up_to(),
                ParseErrorKind::InvalidUtf8 { what },
            )
        })
    }

    fn delimited_text(&mut self, delim: u8) -> Result<String, ParseError> {
        let (text, end) = read_delimited(self.data, self.pos, delim, Format::Binary)?;
        self.pos = end;
        Ok(text)
    }

    fn value(&mut self, depth: usize) -> Result<Llsd, ParseError> {
        let tag_at = self.pos;
        let tag = self.byte("a value tag")?;
        Ok(match tag {
            b'!' => Llsd::Undefined,
            b'1' => Llsd::Boolean(true),
            b'0' => Llsd::Boolean(false),
            b'i' => Llsd::Integer(i32::from_be_bytes(self.array("4 integer bytes")?)),
            b'r' => Llsd::Real(f64::from_be_bytes(self.array("8 real bytes")?)),
            b'u' => Llsd::Uuid(Uuid(self.array("16 UUID bytes")?)),
            b's' => Llsd::String(self.sized_text("string length")?),
            b'l' => Llsd::Uri(self.sized_text("URI length")?),
            b'b' => Llsd::Binary(self.sized_bytes("binary length")?),
            b'\'' | b'"' => Llsd::String(self.delimited_text(tag)?),
            b'd' => {
                let at = self.pos;
                let secs = f64::from_le_bytes(self.array("8 date bytes")?);
                Llsd::Date(Date::from_unix_seconds(secs).map_err(|e| {
                    ParseError::at(Format::Binary, at, ParseErrorKind::InvalidDate(e))
                })?)
            }
            b'[' => {
                let depth = self.enter(depth, tag_at)?;
                let count = self.length("array count")?;
                let mut items = Vec::with_capacity(count.min(MAX_PREALLOC));
                for _ in 0..count {
                    items.push(self.value(depth)?);
                }
                self.close(b']', "']' closing the array")?;
                Llsd::Array(items)
            }
            b'{' => {
                let depth = self.enter(depth, tag_at)?;
                let count = self.length("map count")?;
                let mut map = LlsdMap::new();
                for _ in 0..count {
                    let key = match self.byte("a map key ('k')")? {
                        b'k' | b's' => self.sized_text("key length")?,
                        d @ (b'\'' | b'"') => self.delimited_text(d)?,
                        other => {
                            self.pos -= 1;
                            return Err(self.err(ParseErrorKind::UnexpectedByte {
                                found: byte_char(other),
                                expected: "a map key ('k')",
                            }));
                        }
                    };
                    let value = self.value(depth)?;
                    map.insert(key, value);
                }
                self.close(b'}', "'}' closing the map")?;
                Llsd::Map(map)
            }
            other => {
                self.pos = tag_at;
                return Err(self.err(ParseErrorKind::UnexpectedByte {
                    found: byte_char(other),
                    expected: "a value tag (one of ! 1 0 i r u s l b d [ {)",
                }));
            }
        })
    }

    fn enter(&self, depth: usize, at: usize) -> Result<usize, ParseError> {
        if depth >= MAX_DEPTH {
            Err(ParseError::at(
                Format::Binary,
                at,
                ParseErrorKind::TooDeep { limit: MAX_DEPTH },
            ))
        } else {
            Ok(depth + 1)
        }
    }

    fn close(&mut self, marker: u8, expected: &'static str) -> Result<(), ParseError> {
        let b = self.byte(expected)?;
        if b != marker {
            self.pos -= 1;
            return Err(self.err(ParseErrorKind::UnexpectedByte {
                found: byte_char(b),
                expected,
            }));
        }
        Ok(())
    }
}

/// Writes binary LLSD without a header.
pub(super) fn format(value: &Llsd) -> Vec<u8> {
    let mut out = Vec::new();
    write(&mut out, value);
    out
}

fn write_len(out: &mut Vec<u8>, n: usize) {
    // Values are built from bounded inputs; nothing reaches 4 GiB.
    out.extend_from_slice(&(n as u32).to_be_bytes());
}

fn write_sized(out: &mut Vec<u8>, tag: u8, bytes: &[u8]) {
    out.push(tag);
    write_len(out, bytes.len());
    out.extend_from_slice(bytes);
}

fn write(out: &mut Vec<u8>, value: &Llsd) {
    match value {
        Llsd::Undefined => out.push(b'!'),
        Llsd::Boolean(b) => out.push(if *b { b'1' } else { b'0' }),
        Llsd::Integer(i) => {
            out.push(b'i');
            out.extend_from_slice(&i.to_be_bytes());
        }
        Llsd::Real(r) => {
            out.push(b'r');
            out.extend_from_slice(&r.to_be_bytes());
        }
        Llsd::Uuid(u) => {
            out.push(b'u');
            out.extend_from_slice(u.as_bytes());
        }
        Llsd::String(s) => write_sized(out, b's', s.as_bytes()),
        Llsd::Uri(s) => write_sized(out, b'l', s.as_bytes()),
        Llsd::Binary(b) => write_sized(out, b'b', b),
        Llsd::Date(d) => {
            out.push(b'd');
            out.extend_from_slice(&d.unix_seconds().to_le_bytes());
        }
        Llsd::Array(items) => {
            out.push(b'[');
            write_len(out, items.len());
            for item in items {
                write(out, item);
            }
            out.push(b']');
        }
        Llsd::Map(map) => {
            out.push(b'{');
            write_len(out, map.len());
            for (k, v) in map {
                write_sized(out, b'k', k.as_bytes());
                write(out, v);
            }
            out.push(b'}');
        }
    }
}

//! LLSD notation: a compact text form.
//!
//! ```text
//! undef     !
//! boolean   1 0 t f T F true false TRUE FALSE
//! integer   i42  i-7
//! real      r3.25  r-1e-7  rnan  rinf
//! uuid      u6bad258e-06f0-4ae2-9a7f-2f0e5d4e4a1c
//! string    'it\'s'  "say \"hi\""  s(5)"hello"   (escapes: \a \b \f \n \r \t \v \xHH, \c = c)
//! uri       l"http://example.com/"
//! date      d"2006-02-01T14:29:53.43Z"
//! binary    b64"aGVsbG8="  b16"68656C6C6F"  b(5)"hello"
//! array     [ value, value ]
//! map       { 'key': value, "key": value }
//! ```
//! Whitespace may separate tokens; like the reference readers, commas and
//! whitespace between array elements and map entries are interchangeable.

use base64::Engine;

use super::binary::skip_header;
use super::{
    Date, Format, Llsd, LlsdMap, MAX_DEPTH, ParseError, ParseErrorKind, byte_char, format_real,
};
use crate::types::Uuid;

/// Parses notation with an optional `<? llsd/notation ?>` header.
pub(super) fn parse(input: &[u8]) -> Result<Llsd, ParseError> {
    let mut p = Parser {
        data: input,
        pos: skip_header(input, "llsd/notation", Format::Notation)?,
    };
    p.skip_ws();
    let value = p.value(0)?;
    p.skip_ws();
    if p.pos < input.len() {
        return Err(p.err(ParseErrorKind::TrailingData));
    }
    Ok(value)
}

/// Reads an escaped string whose opening `delim` has been consumed; `start`
/// is the first byte after it. Returns the text and the offset after the
/// closing delimiter. Shared with the binary reader, which accepts these
/// strings too.
pub(super) fn read_delimited(
    data: &[u8],
    start: usize,
    delim: u8,
    format: Format,
) -> Result<(String, usize), ParseError> {
    let eof = |pos| {
        ParseError::at(
            format,
            pos,
            ParseErrorKind::UnexpectedEof {
                expected: "the closing quote of a string",
            },
        )
    };
    let mut out = Vec::new();
    let mut pos = start;
    loop {
        let Some(&b) = data.get(pos) else {
            return Err(eof(pos));
        };
        pos += 1;
        if b == delim {
            break;
        }
        if b != b'\\' {
            out.push(b);
            continue;
        }
        let Some(&e) = data.get(pos) else {
            return Err(eof(pos));
        };
        pos += 1;
        out.push(match e {
            b'a' => 0x07,
            b'b' => 0x08,
            b'f' => 0x0c,
            b'n' => b'\n',
            b'r' => b'\r',
            b't' => b'\t',
            b'v' => 0x0b,
            b'x' => {
                let hex = data.get(pos..pos + 2).ok_or_else(|| eof(pos))?;
                let digits = std::str::from_utf8(hex).ok();
                let byte = digits
                    .filter(|d| d.bytes().all(|c| c.is_ascii_hexdigit()))
                    .and_then(|d| u8::from_str_radix(d, 16).ok())
                    .ok_or_else(|| {
                        ParseError::at(
                            format,
                            pos,
                            ParseErrorKind::InvalidNumber {
                                what: "\\x escape",
                                text: String::from_utf8_lossy(hex).into_owned(),
                            },
                        )
                    })?;
                pos += 2;
                byte
            }
            other => other,
        });
    }
    let text = String::from_utf8(out).map_err(|e| {
        ParseError::at(
            format,
            start + e.utf8_error().valid_up_to(),
            ParseErrorKind::InvalidUtf8 { what: "string" },
        )
    })?;
    Ok((text, pos))
}

struct Parser<'a> {
    data: &'a [u8],
    pos: usize,
}

impl Parser<'_> {
    fn err(&self, kind: ParseErrorKind) -> ParseError {
        ParseError::at(Format::Notation, self.pos, kind)
    }

    fn err_at(&self, pos: usize, kind: ParseErrorKind) -> ParseError {
        ParseError::at(Format::Notation, pos, kind)
    }

    fn peek(&self) -> Option<u8> {
        self.data.get(self.pos).copied()
    }

    fn skip_ws(&mut self) {
        while self.peek().is_some_and(|b| b.is_ascii_whitespace()) {
            self.pos += 1;
        }
    }

    fn skip_ws_and_commas(&mut self) {
        while self
            .peek()
            .is_some_and(|b| b.is_ascii_whitespace() || b == b',')
        {
            self.pos += 1;
        }
    }

    fn next(&mut self, expected: &'static str) -> Result<u8, ParseError> {
        let b = self
            .peek()
            .ok_or_else(|| self.err(ParseErrorKind::UnexpectedEof { expected }))?;
        self.pos += 1;
        Ok(b)
    }

    fn expect(&mut self, want: u8, expected: &'static str) -> Result<(), ParseError> {
        let b = self.next(expected)?;
        if b != want {
            return Err(self.err_at(
                self.pos - 1,
                ParseErrorKind::UnexpectedByte {
                    found: byte_char(b),
                    expected,
                },
            ));
        }
        Ok(())
    }

    fn starts_with(&self, s: &[u8]) -> bool {
        self.data[self.pos..].starts_with(s)
    }

    /// The longest run of bytes satisfying `keep`, as text.
    fn run(&mut self, keep: impl Fn(u8) -> bool) -> &str {
        let start = self.pos;
        while self.peek().is_some_and(&keep) {
            self.pos += 1;
        }
        // Only ASCII bytes are kept by the callers' predicates.
        std::str::from_utf8(&self.data[start..self.pos]).unwrap_or("")
    }

    /// `(N)` size prefix of `s(N)` and `b(N)`, checked against what is left.
    fn size_prefix(&mut self, what: &'static str) -> Result<usize, ParseError> {
        self.expect(b'(', "'(' starting a size")?;
        let at = self.pos;
        let digits = self.run(|b| b.is_ascii_digit()).to_string();
        let n: usize = digits.parse().map_err(|_| {
            self.err_at(
                at,
                ParseErrorKind::InvalidNumber {
                    what,
                    text: digits.clone(),
                },
            )
        })?;
        self.expect(b')', "')' ending a size")?;
        // The data plus its two quotes must still be there.
        let remaining = self.data.len() - self.pos;
        if n.saturating_add(2) > remaining {
            return Err(self.err_at(
                at,
                ParseErrorKind::LengthTooLong {
                    what,
                    declared: n as u64,
                    remaining,
                },
            ));
        }
        Ok(n)
    }

    /// `"…"` or `'…'` holding exactly `n` raw bytes.
    fn raw_quoted(&mut self, n: usize) -> Result<&[u8], ParseError> {
        let quote = self.next("a quote before raw data")?;
        if quote != b'"' && quote != b'\'' {
            return Err(self.err_at(
                self.pos - 1,
                ParseErrorKind::UnexpectedByte {
                    found: byte_char(quote),
                    expected: "a quote before raw data",
                },
            ));
        }
        let start = self.pos;
        self.pos += n; // size_prefix checked n + 2 bytes remain
        self.expect(quote, "the closing quote after raw data")?;
        Ok(&self.data[start..start + n])
    }

    fn quoted_string(&mut self) -> Result<String, ParseError> {
        let quote = self.next("a quoted string")?;
        if quote != b'"' && quote != b'\'' {
            return Err(self.err_at(
                self.pos - 1,
                ParseErrorKind::UnexpectedByte {
                    found: byte_char(quote),
                    expected: "a quoted string",
                },
            ));
        }
        let (text, end) = read_delimited(self.data, self.pos, quote, Format::Notation)?;
        self.pos = end;
        Ok(text)
    }

    /// A string in any of its spellings: `'…'`, `"…"`, `s(N)"…"`.
    fn any_string(&mut self) -> Result<String, ParseError> {
        if self.peek() == Some(b's') {
            self.pos += 1;
            let n = self.size_prefix("string size")?;
            let at = self.pos + 1;
            let raw = self.raw_quoted(n)?.to_vec();
            return String::from_utf8(raw).map_err(|e| {
                self.err_at(
                    at + e.utf8_error().valid_up_to(),
                    ParseErrorKind::InvalidUtf8 { what: "string" },
                )
            });
        }
        self.quoted_string()
    }

    fn value(&mut self, depth: usize) -> Result<Llsd, ParseError> {
        let at = self.pos;
        let tag = self.peek().ok_or_else(|| {
            self.err(ParseErrorKind::UnexpectedEof {
                expected: "a value",
            })
        })?;
        Ok(match tag {
            b'!' => {
                self.pos += 1;
                Llsd::Undefined
            }
            b'1' | b'0' => {
                self.pos += 1;
                Llsd::Boolean(tag == b'1')
            }
            b't' | b'T' => {
                self.pos += if self.starts_with(b"true") || self.starts_with(b"TRUE") {
                    4
                } else {
                    1
                };
                Llsd::Boolean(true)
            }
            b'f' | b'F' => {
                self.pos += if self.starts_with(b"false") || self.starts_with(b"FALSE") {
                    5
                } else {
                    1
                };
                Llsd::Boolean(false)
            }
            b'i' => {
                self.pos += 1;
                let text = self
                    .run(|b| b.is_ascii_digit() || b == b'-' || b == b'+')
                    .to_string();
                Llsd::Integer(text.parse().map_err(|_| {
                    self.err_at(
                        at,
                        ParseErrorKind::InvalidNumber {
                            what: "integer",
                            text,
                        },
                    )
                })?)
            }
            b'r' => {
                self.pos += 1;
                let text = self
                    .run(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'-' | b'.'))
                    .to_string();
                Llsd::Real(text.parse().map_err(|_| {
                    self.err_at(at, ParseErrorKind::InvalidNumber { what: "real", text })
                })?)
            }
            b'u' => {
                self.pos += 1;
                let raw = self.data.get(self.pos..self.pos + 36).ok_or_else(|| {
                    self.err(ParseErrorKind::UnexpectedEof {
                        expected: "36 UUID characters",
                    })
                })?;
                let text = String::from_utf8_lossy(raw).into_owned();
                let uuid: Uuid = text
                    .parse()
                    .ok()
                    .filter(|_| raw.iter().all(|b| b.is_ascii_hexdigit() || *b == b'-'))
                    .ok_or_else(|| self.err_at(at, ParseErrorKind::InvalidUuid { text }))?;
                self.pos += 36;
                Llsd::Uuid(uuid)
            }
            b'\'' | b'"' | b's' => Llsd::String(self.any_string()?),
            b'l' => {
                self.pos += 1;
                Llsd::Uri(self.quoted_string()?)
            }
            b'd' => {
                self.pos += 1;
                let text = self.quoted_string()?;
                if text.is_empty() {
                    Llsd::Date(Date::EPOCH)
                } else {
                    Llsd::Date(
                        Date::parse_iso8601(&text)
                            .map_err(|e| self.err_at(at, ParseErrorKind::InvalidDate(e)))?,
                    )
                }
            }
            b'b' => {
                self.pos += 1;
                Llsd::Binary(self.binary(at)?)
            }
            b'[' => {
                let depth = self.enter(depth, at)?;
                self.pos += 1;
                let mut items = Vec::new();
                loop {
                    self.skip_ws_and_commas();
                    match self.peek() {
                        Some(b']') => {
                            self.pos += 1;
                            break;
                        }
                        None => {
                            return Err(self.err(ParseErrorKind::UnexpectedEof {
                                expected: "a value or ']' closing the array",
                            }));
                        }
                        Some(_) => items.push(self.value(depth)?),
                    }
                }
                Llsd::Array(items)
            }
            b'{' => {
                let depth = self.enter(depth, at)?;
                self.pos += 1;
                let mut map = LlsdMap::new();
                loop {
                    self.skip_ws_and_commas();
                    match self.peek() {
                        Some(b'}') => {
                            self.pos += 1;
                            break;
                        }
                        None => {
                            return Err(self.err(ParseErrorKind::UnexpectedEof {
                                expected: "a key or '}' closing the map",
                            }));
                        }
                        Some(b'\'' | b'"' | b's') => {}
                        Some(other) => {
                            return Err(self.err(ParseErrorKind::UnexpectedByte {
                                found: byte_char(other),
                                expected: "a quoted map key or '}'",
                            }));
                        }
                    }
                    let key = self.any_string()?;
                    self.skip_ws();
                    self.expect(b':', "':' after a map key")?;
                    self.skip_ws();
                    let value = self.value(depth)?;
                    map.insert(key, value);
                }
                Llsd::Map(map)
            }
            other => {
                return Err(self.err(ParseErrorKind::UnexpectedByte {
                    found: byte_char(other),
                    expected: "a value (! 1 0 t f i r u ' \" s l d b [ {)",
                }));
            }
        })
    }

    /// After `b`: `(N)"raw"`, `64"…"` or `16"…"`.
    fn binary(&mut self, at: usize) -> Result<Vec<u8>, ParseError> {
        if self.peek() == Some(b'(') {
            let n = self.size_prefix("binary size")?;
            return Ok(self.raw_quoted(n)?.to_vec());
        }
        let base = self.run(|b| b.is_ascii_digit()).to_string();
        let encoding = match base.as_str() {
            "64" => "base64",
            "16" => "base16",
            _ => {
                return Err(
                    self.err_at(at, ParseErrorKind::UnsupportedEncoding(format!("b{base}")))
                );
            }
        };
        let quote = self.next("a quote before encoded binary")?;
        if quote != b'"' && quote != b'\'' {
            return Err(self.err_at(
                self.pos - 1,
                ParseErrorKind::UnexpectedByte {
                    found: byte_char(quote),
                    expected: "a quote before encoded binary",
                },
            ));
        }
        let start = self.pos;
        let Some(len) = self.data[start..].iter().position(|&b| b == quote) else {
            return Err(self.err(ParseErrorKind::UnexpectedEof {
                expected: "the closing quote of encoded binary",
            }));
        };
        let compact: Vec<u8> = self.data[start..start + len]
            .iter()
            .copied()
            .filter(|b| !b.is_ascii_whitespace())
            .collect();
        self.pos = start + len + 1;
        let decoded = if encoding == "base64" {
            base64::engine::general_purpose::STANDARD
                .decode(&compact)
                .map_err(|e| e.to_string())
        } else {
            hex::decode(&compact).map_err(|e| e.to_string())
        };
        decoded.map_err(|detail| {
            self.err_at(start, ParseErrorKind::InvalidEncoding { encoding, detail })
        })
    }

    fn enter(&self, depth: usize, at: usize) -> Result<usize, ParseError> {
        if depth >= MAX_DEPTH {
            Err(self.err_at(at, ParseErrorKind::TooDeep { limit: MAX_DEPTH }))
        } else {
            Ok(depth + 1)
        }
    }
}

/// Writes notation text.
pub(super) fn format(value: &Llsd) -> String {
    let mut out = String::new();
    write(&mut out, value);
    out
}

/// Writes `s` between `quote`s, escaping the quote, backslash and control
/// characters (as `\xHH`, which every reader understands).
fn write_quoted(out: &mut String, s: &str, quote: char) {
    out.push(quote);
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            c if c == quote => {
                out.push('\\');
                out.push(c);
            }
            c if (c as u32) < 0x20 || c == '\u{7f}' => {
                out.push_str(&format!("\\x{:02x}", c as u32));
            }
            c => out.push(c),
        }
    }
    out.push(quote);
}

fn write(out: &mut String, value: &Llsd) {
    match value {
        Llsd::Undefined => out.push('!'),
        Llsd::Boolean(b) => out.push_str(if *b { "true" } else { "false" }),
        Llsd::Integer(i) => {
            out.push('i');
            out.push_str(&i.to_string());
        }
        Llsd::Real(r) => {
            out.push('r');
            out.push_str(&format_real(*r));
        }
        Llsd::Uuid(u) => {
            out.push('u');
            out.push_str(&u.to_string());
        }
        Llsd::String(s) => write_quoted(out, s, '\''),
        Llsd::Uri(s) => {
            out.push('l');
            write_quoted(out, s, '"');
        }
        Llsd::Date(d) => {
            out.push_str("d\"");
            out.push_str(&d.to_string());
            out.push('"');
        }
        Llsd::Binary(b) => {
            out.push_str("b64\"");
            out.push_str(&base64::engine::general_purpose::STANDARD.encode(b));
            out.push('"');
        }
        Llsd::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write(out, item);
            }
            out.push(']');
        }
        Llsd::Map(map) => {
            out.push('{');
            for (i, (k, v)) in map.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_quoted(out, k, '\'');
                out.push(':');
                write(out, v);
            }
            out.push('}');
        }
    }
}

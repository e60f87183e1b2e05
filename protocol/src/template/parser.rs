//! The template grammar's parser: text in, [`Template`] or a located error out.
//!
//! Grammar (whitespace-separated words, `//` comments to end of line):
//!
//! ```text
//! file    := [ "version" NUMBER ] message*
//! message := "{" NAME FREQ [NUMBER] TRUST ENCODING [DEPRECATION] block* "}"
//! block   := "{" NAME ( "Single" | "Multiple" COUNT | "Variable" ) field* "}"
//! field   := "{" NAME TYPE "}"
//! ```
//!
//! `NUMBER` is decimal or `0x` hex. A High/Medium/Low message without a
//! number gets the previous number of its frequency plus one (the version 1
//! convention); Fixed messages must carry theirs.

use super::model::{
    BlockDef, Cardinality, Deprecation, Encoding, FieldDef, FieldType, Frequency, LengthPrefix,
    MessageDef, Template, Trust,
};
use std::collections::HashMap;

/// What went wrong while reading a template.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TemplateErrorKind {
    /// The grammar wanted one thing and the text had another.
    #[error("expected {expected}, found {found}")]
    Expected {
        /// What the grammar allows here.
        expected: String,
        /// What the text has instead.
        found: String,
    },
    /// A number does not fit where it is used.
    #[error("{what} {value} is out of range (expected {min}..={max})")]
    OutOfRange {
        /// What the number is.
        what: &'static str,
        /// The value as written.
        value: String,
        /// Smallest allowed.
        min: u64,
        /// Largest allowed.
        max: u64,
    },
    /// Two messages share a name.
    #[error("expected a unique message name, found a second `{0}`")]
    DuplicateMessage(String),
    /// Two messages share a frequency and number.
    #[error("expected a unique number, but {frequency} {number} is already `{other}`")]
    DuplicateNumber {
        /// The frequency.
        frequency: Frequency,
        /// The number.
        number: u32,
        /// The message that already has it.
        other: String,
    },
    /// Two blocks of one message, or two fields of one block, share a name.
    #[error("expected a unique {what} name, found a second `{name}`")]
    DuplicateName {
        /// `block` or `field`.
        what: &'static str,
        /// The repeated name.
        name: String,
    },
}

/// A template error with its 1-based line and column.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{line}:{column}: {kind}")]
pub struct TemplateError {
    /// 1-based line.
    pub line: usize,
    /// 1-based column (in characters).
    pub column: usize,
    /// What was wrong.
    pub kind: TemplateErrorKind,
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Tok<'s> {
    Open,
    Close,
    Word(&'s str),
    Eof,
}

#[derive(Debug, Clone, Copy)]
struct Pos {
    line: usize,
    column: usize,
}

struct Lexer<'s> {
    src: &'s str,
    at: usize,
    line: usize,
    column: usize,
    peeked: Option<Result<(Tok<'s>, Pos), TemplateError>>,
}

fn is_word_char(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || c == '.'
}

fn describe(tok: &Tok<'_>) -> String {
    match tok {
        Tok::Open => "`{`".to_string(),
        Tok::Close => "`}`".to_string(),
        Tok::Word(w) => format!("`{w}`"),
        Tok::Eof => "end of file".to_string(),
    }
}

impl<'s> Lexer<'s> {
    fn new(src: &'s str) -> Self {
        Lexer {
            src,
            at: 0,
            line: 1,
            column: 1,
            peeked: None,
        }
    }

    fn bump(&mut self, c: char) {
        self.at += c.len_utf8();
        if c == '\n' {
            self.line += 1;
            self.column = 1;
        } else {
            self.column += 1;
        }
    }

    fn scan(&mut self) -> Result<(Tok<'s>, Pos), TemplateError> {
        loop {
            let rest = &self.src[self.at..];
            let Some(c) = rest.chars().next() else {
                return Ok((Tok::Eof, self.pos()));
            };
            if c.is_whitespace() {
                self.bump(c);
            } else if rest.starts_with("//") {
                for c in rest.chars().take_while(|&c| c != '\n') {
                    self.bump(c);
                }
            } else {
                break;
            }
        }
        let pos = self.pos();
        let rest = &self.src[self.at..];
        let c = rest.chars().next().unwrap_or('\0');
        match c {
            '{' => {
                self.bump(c);
                Ok((Tok::Open, pos))
            }
            '}' => {
                self.bump(c);
                Ok((Tok::Close, pos))
            }
            c if is_word_char(c) => {
                let len: usize = rest
                    .chars()
                    .take_while(|&c| is_word_char(c))
                    .map(char::len_utf8)
                    .sum();
                let word = &rest[..len];
                for c in word.chars() {
                    self.bump(c);
                }
                Ok((Tok::Word(word), pos))
            }
            other => Err(TemplateError {
                line: pos.line,
                column: pos.column,
                kind: TemplateErrorKind::Expected {
                    expected: "`{`, `}`, a word or a `//` comment".to_string(),
                    found: format!("{other:?}"),
                },
            }),
        }
    }

    fn pos(&self) -> Pos {
        Pos {
            line: self.line,
            column: self.column,
        }
    }

    fn peek(&mut self) -> Result<(Tok<'s>, Pos), TemplateError> {
        match &self.peeked {
            Some(t) => t.clone(),
            None => {
                let t = self.scan();
                self.peeked = Some(t.clone());
                t
            }
        }
    }

    fn next(&mut self) -> Result<(Tok<'s>, Pos), TemplateError> {
        match self.peeked.take() {
            Some(t) => t,
            None => self.scan(),
        }
    }
}

fn err_at(pos: Pos, kind: TemplateErrorKind) -> TemplateError {
    TemplateError {
        line: pos.line,
        column: pos.column,
        kind,
    }
}

fn expected(pos: Pos, what: &str, found: &Tok<'_>) -> TemplateError {
    err_at(
        pos,
        TemplateErrorKind::Expected {
            expected: what.to_string(),
            found: describe(found),
        },
    )
}

fn parse_number(word: &str) -> Option<u64> {
    if let Some(hex) = word.strip_prefix("0x").or_else(|| word.strip_prefix("0X")) {
        u64::from_str_radix(hex, 16).ok()
    } else if word.bytes().all(|b| b.is_ascii_digit()) {
        word.parse().ok()
    } else {
        None
    }
}

fn is_identifier(word: &str) -> bool {
    let mut chars = word.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_alphabetic() || c == '_')
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

struct Parser<'s> {
    lex: Lexer<'s>,
}

impl<'s> Parser<'s> {
    fn expect_open(&mut self, what: &str) -> Result<Pos, TemplateError> {
        match self.lex.next()? {
            (Tok::Open, pos) => Ok(pos),
            (tok, pos) => Err(expected(pos, what, &tok)),
        }
    }

    fn expect_close(&mut self, what: &str) -> Result<(), TemplateError> {
        match self.lex.next()? {
            (Tok::Close, _) => Ok(()),
            (tok, pos) => Err(expected(pos, what, &tok)),
        }
    }

    fn word(&mut self, what: &str) -> Result<(&'s str, Pos), TemplateError> {
        match self.lex.next()? {
            (Tok::Word(w), pos) => Ok((w, pos)),
            (tok, pos) => Err(expected(pos, what, &tok)),
        }
    }

    fn name(&mut self, what: &str) -> Result<(&'s str, Pos), TemplateError> {
        let (w, pos) = self.word(what)?;
        if is_identifier(w) {
            Ok((w, pos))
        } else {
            Err(expected(pos, what, &Tok::Word(w)))
        }
    }

    fn number(
        &mut self,
        what: &'static str,
        min: u64,
        max: u64,
    ) -> Result<(u64, Pos), TemplateError> {
        let (w, pos) = self.word(what)?;
        let value = parse_number(w).ok_or_else(|| expected(pos, what, &Tok::Word(w)))?;
        if value < min || value > max {
            return Err(err_at(
                pos,
                TemplateErrorKind::OutOfRange {
                    what,
                    value: w.to_string(),
                    min,
                    max,
                },
            ));
        }
        Ok((value, pos))
    }

    fn peek_word(&mut self) -> Result<Option<&'s str>, TemplateError> {
        Ok(match self.lex.peek()?.0 {
            Tok::Word(w) => Some(w),
            _ => None,
        })
    }

    fn template(&mut self) -> Result<Template, TemplateError> {
        let mut template = Template::default();
        if self.peek_word()? == Some("version") {
            self.lex.next()?;
            let (v, pos) = self.word("a version number such as `2.0`")?;
            if !v.bytes().all(|b| b.is_ascii_digit() || b == b'.')
                || !v.starts_with(|c: char| c.is_ascii_digit())
            {
                return Err(expected(
                    pos,
                    "a version number such as `2.0`",
                    &Tok::Word(v),
                ));
            }
            template.version = Some(v.to_string());
        }
        let mut last_number: HashMap<Frequency, u32> = HashMap::new();
        let mut by_name: HashMap<String, ()> = HashMap::new();
        let mut by_number: HashMap<(Frequency, u32), String> = HashMap::new();
        loop {
            match self.lex.peek()? {
                (Tok::Eof, _) => break,
                (Tok::Open, _) => {}
                (tok, pos) => {
                    return Err(expected(
                        pos,
                        "`{` starting a message, or end of file",
                        &tok,
                    ));
                }
            }
            let (msg, name_pos) = self.message(&mut last_number)?;
            if by_name.insert(msg.name.clone(), ()).is_some() {
                return Err(err_at(
                    name_pos,
                    TemplateErrorKind::DuplicateMessage(msg.name),
                ));
            }
            if let Some(other) = by_number.insert((msg.frequency, msg.number), msg.name.clone()) {
                return Err(err_at(
                    name_pos,
                    TemplateErrorKind::DuplicateNumber {
                        frequency: msg.frequency,
                        number: msg.number,
                        other,
                    },
                ));
            }
            template.messages.push(msg);
        }
        Ok(template)
    }

    fn message(
        &mut self,
        last_number: &mut HashMap<Frequency, u32>,
    ) -> Result<(MessageDef, Pos), TemplateError> {
        let open = self.expect_open("`{` starting a message")?;
        let (name, name_pos) = self.name("a message name")?;
        let (freq_word, freq_pos) = self.word("a frequency (High, Medium, Low or Fixed)")?;
        let frequency = match freq_word {
            "High" => Frequency::High,
            "Medium" => Frequency::Medium,
            "Low" => Frequency::Low,
            "Fixed" => Frequency::Fixed,
            other => {
                return Err(expected(
                    freq_pos,
                    "a frequency (High, Medium, Low or Fixed)",
                    &Tok::Word(other),
                ));
            }
        };
        let (min, max) = frequency.number_range();
        let explicit = match self.peek_word()? {
            Some(w) if w.starts_with(|c: char| c.is_ascii_digit()) => true,
            _ => frequency == Frequency::Fixed,
        };
        let number = if explicit {
            let what = match frequency {
                Frequency::Fixed => "a Fixed message number (0xFFFFFF00..=0xFFFFFFFF)",
                _ => "a message number",
            };
            self.number(what, u64::from(min), u64::from(max))?.0 as u32
        } else {
            let next = last_number.get(&frequency).map_or(min, |n| n + 1);
            if next > max {
                return Err(err_at(
                    freq_pos,
                    TemplateErrorKind::OutOfRange {
                        what: "implied message number",
                        value: next.to_string(),
                        min: u64::from(min),
                        max: u64::from(max),
                    },
                ));
            }
            next
        };
        last_number.insert(frequency, number);
        let (trust_word, trust_pos) = self.word("`Trusted` or `NotTrusted`")?;
        let trust = match trust_word {
            "Trusted" => Trust::Trusted,
            "NotTrusted" => Trust::NotTrusted,
            other => {
                return Err(expected(
                    trust_pos,
                    "`Trusted` or `NotTrusted`",
                    &Tok::Word(other),
                ));
            }
        };
        let (enc_word, enc_pos) = self.word("`Zerocoded` or `Unencoded`")?;
        let encoding = match enc_word {
            "Zerocoded" => Encoding::Zerocoded,
            "Unencoded" => Encoding::Unencoded,
            other => {
                return Err(expected(
                    enc_pos,
                    "`Zerocoded` or `Unencoded`",
                    &Tok::Word(other),
                ));
            }
        };
        let deprecation = match self.lex.peek()? {
            (Tok::Word("Deprecated"), _) => Deprecation::Deprecated,
            (Tok::Word("UDPDeprecated"), _) => Deprecation::UdpDeprecated,
            (Tok::Word("UDPBlackListed"), _) => Deprecation::UdpBlackListed,
            (Tok::Word(other), pos) => {
                return Err(expected(
                    pos,
                    "`Deprecated`, `UDPDeprecated`, `UDPBlackListed`, `{` or `}`",
                    &Tok::Word(other),
                ));
            }
            _ => Deprecation::Current,
        };
        if deprecation != Deprecation::Current {
            self.lex.next()?;
        }
        let mut blocks: Vec<BlockDef> = Vec::new();
        loop {
            match self.lex.peek()? {
                (Tok::Open, _) => {
                    let (block, pos) = self.block()?;
                    if blocks.iter().any(|b| b.name == block.name) {
                        return Err(err_at(
                            pos,
                            TemplateErrorKind::DuplicateName {
                                what: "block",
                                name: block.name,
                            },
                        ));
                    }
                    blocks.push(block);
                }
                (Tok::Close, _) => {
                    self.lex.next()?;
                    break;
                }
                (tok, pos) => {
                    return Err(expected(
                        pos,
                        "`{` starting a block or `}` ending the message",
                        &tok,
                    ));
                }
            }
        }
        Ok((
            MessageDef {
                name: name.to_string(),
                frequency,
                number,
                trust,
                encoding,
                deprecation,
                blocks,
                line: open.line,
            },
            name_pos,
        ))
    }

    fn block(&mut self) -> Result<(BlockDef, Pos), TemplateError> {
        self.expect_open("`{` starting a block")?;
        let (name, name_pos) = self.name("a block name")?;
        let (kind, kind_pos) = self.word("`Single`, `Multiple` or `Variable`")?;
        let cardinality = match kind {
            "Single" => Cardinality::Single,
            "Multiple" => {
                let (n, _) = self.number("a repeat count", 1, 255)?;
                Cardinality::Multiple(n as u8)
            }
            "Variable" => Cardinality::Variable,
            other => {
                return Err(expected(
                    kind_pos,
                    "`Single`, `Multiple` or `Variable`",
                    &Tok::Word(other),
                ));
            }
        };
        let mut fields: Vec<FieldDef> = Vec::new();
        loop {
            match self.lex.peek()? {
                (Tok::Open, _) => {
                    let (field, pos) = self.field()?;
                    if fields.iter().any(|f| f.name == field.name) {
                        return Err(err_at(
                            pos,
                            TemplateErrorKind::DuplicateName {
                                what: "field",
                                name: field.name,
                            },
                        ));
                    }
                    fields.push(field);
                }
                (Tok::Close, _) => {
                    self.lex.next()?;
                    break;
                }
                (tok, pos) => {
                    return Err(expected(
                        pos,
                        "`{` starting a field or `}` ending the block",
                        &tok,
                    ));
                }
            }
        }
        Ok((
            BlockDef {
                name: name.to_string(),
                cardinality,
                fields,
            },
            name_pos,
        ))
    }

    fn field(&mut self) -> Result<(FieldDef, Pos), TemplateError> {
        const TYPES: &str = "a field type (Null, Fixed, Variable, U8, U16, U32, U64, S8, S16, \
             S32, S64, F32, F64, LLVector3, LLVector3d, LLVector4, LLQuaternion, LLUUID, BOOL, \
             IPADDR, IPPORT)";
        self.expect_open("`{` starting a field")?;
        let (name, name_pos) = self.name("a field name")?;
        let (ty_word, ty_pos) = self.word(TYPES)?;
        let ty = match ty_word {
            "Null" => FieldType::Null,
            "Fixed" => FieldType::Fixed(self.number("a byte count", 1, 65535)?.0 as u16),
            "Variable" => {
                let (w, pos) = self.word("a length-prefix width (1 or 2)")?;
                match w {
                    "1" => FieldType::Variable(LengthPrefix::One),
                    "2" => FieldType::Variable(LengthPrefix::Two),
                    other => {
                        return Err(expected(
                            pos,
                            "a length-prefix width (1 or 2)",
                            &Tok::Word(other),
                        ));
                    }
                }
            }
            "U8" => FieldType::U8,
            "U16" => FieldType::U16,
            "U32" => FieldType::U32,
            "U64" => FieldType::U64,
            "S8" => FieldType::S8,
            "S16" => FieldType::S16,
            "S32" => FieldType::S32,
            "S64" => FieldType::S64,
            "F32" => FieldType::F32,
            "F64" => FieldType::F64,
            "LLVector3" => FieldType::Vector3,
            "LLVector3d" => FieldType::Vector3d,
            "LLVector4" => FieldType::Vector4,
            "LLQuaternion" => FieldType::Quaternion,
            "LLUUID" => FieldType::Uuid,
            "BOOL" => FieldType::Bool,
            "IPADDR" => FieldType::IpAddr,
            "IPPORT" => FieldType::IpPort,
            other => return Err(expected(ty_pos, TYPES, &Tok::Word(other))),
        };
        self.expect_close("`}` ending the field")?;
        Ok((
            FieldDef {
                name: name.to_string(),
                ty,
            },
            name_pos,
        ))
    }
}

/// Parses a whole template.
pub fn parse(src: &str) -> Result<Template, TemplateError> {
    Parser {
        lex: Lexer::new(src),
    }
    .template()
}

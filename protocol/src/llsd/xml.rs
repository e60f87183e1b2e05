//! LLSD XML: `<llsd>` holding one value element.
//!
//! Empty scalar elements mean the type's default (`<integer/>` is 0,
//! `<uuid/>` the nil UUID, `<date/>` the epoch); `<binary>` is base64
//! unless `encoding="base16"` says otherwise; whitespace between elements
//! is ignored, whitespace inside `<string>` is kept.

use base64::Engine;

use super::xml_tree::{self, Element, escape_text};
use super::{Date, Format, Llsd, LlsdMap, MAX_DEPTH, ParseError, ParseErrorKind, format_real};
use crate::types::Uuid;

/// Parses an LLSD XML document.
pub(super) fn parse(text: &str) -> Result<Llsd, ParseError> {
    let with_pos = |offset: usize, kind| ParseError {
        format: Format::Xml,
        offset,
        line_col: Some(xml_tree::line_col(text, offset)),
        kind,
    };
    let root = xml_tree::parse_document(text)
        .map_err(|e| with_pos(e.offset, ParseErrorKind::Xml(e.message)))?;
    parse_root(&root).map_err(|(offset, kind)| with_pos(offset, kind))
}

type Failure = (usize, ParseErrorKind);

fn parse_root(root: &Element) -> Result<Llsd, Failure> {
    if root.name != "llsd" {
        return Err((
            root.offset,
            ParseErrorKind::UnexpectedElement {
                found: root.name.clone(),
                expected: "the <llsd> document element",
            },
        ));
    }
    no_stray_text(root, "a value element")?;
    let mut values = root.elements();
    let Some(first) = values.next() else {
        // `<llsd/>` holds nothing: the undefined value.
        return Ok(Llsd::Undefined);
    };
    if let Some(extra) = values.next() {
        return Err((
            extra.offset,
            ParseErrorKind::UnexpectedElement {
                found: extra.name.clone(),
                expected: "the end of <llsd> (it holds one value)",
            },
        ));
    }
    parse_value(first, 0)
}

fn no_stray_text(e: &Element, expected: &'static str) -> Result<(), Failure> {
    match e.stray_text() {
        Some((text, offset)) => Err((
            offset,
            ParseErrorKind::UnexpectedText {
                text: text.chars().take(40).collect(),
                expected,
            },
        )),
        None => Ok(()),
    }
}

/// The text of a scalar element; a child element is an error.
fn scalar_text(e: &Element) -> Result<String, Failure> {
    e.leaf_text().map_err(|child| {
        (
            child.offset,
            ParseErrorKind::UnexpectedElement {
                found: child.name.clone(),
                expected: "text (scalars hold no elements)",
            },
        )
    })
}

fn parse_value(e: &Element, depth: usize) -> Result<Llsd, Failure> {
    let at = e.offset;
    match e.name.as_str() {
        "undef" => {
            scalar_text(e)?;
            Ok(Llsd::Undefined)
        }
        "boolean" => {
            let t = scalar_text(e)?;
            match t.trim() {
                "" | "0" | "false" | "FALSE" | "0.0" => Ok(Llsd::Boolean(false)),
                "1" | "true" | "TRUE" | "1.0" => Ok(Llsd::Boolean(true)),
                _ => Err((at, ParseErrorKind::InvalidBoolean { text: t })),
            }
        }
        "integer" => {
            let t = scalar_text(e)?;
            let s = t.trim();
            if s.is_empty() {
                return Ok(Llsd::Integer(0));
            }
            s.parse().map(Llsd::Integer).map_err(|_| {
                (
                    at,
                    ParseErrorKind::InvalidNumber {
                        what: "integer",
                        text: t.clone(),
                    },
                )
            })
        }
        "real" => {
            let t = scalar_text(e)?;
            let s = t.trim();
            if s.is_empty() {
                return Ok(Llsd::Real(0.0));
            }
            s.parse().map(Llsd::Real).map_err(|_| {
                (
                    at,
                    ParseErrorKind::InvalidNumber {
                        what: "real",
                        text: t.clone(),
                    },
                )
            })
        }
        "uuid" => {
            let t = scalar_text(e)?;
            let s = t.trim();
            if s.is_empty() {
                return Ok(Llsd::Uuid(Uuid::NIL));
            }
            s.parse()
                .map(Llsd::Uuid)
                .map_err(|_| (at, ParseErrorKind::InvalidUuid { text: t.clone() }))
        }
        "string" => Ok(Llsd::String(scalar_text(e)?)),
        "uri" => Ok(Llsd::Uri(scalar_text(e)?)),
        "date" => {
            let t = scalar_text(e)?;
            let s = t.trim();
            if s.is_empty() {
                return Ok(Llsd::Date(Date::EPOCH));
            }
            Date::parse_iso8601(s)
                .map(Llsd::Date)
                .map_err(|err| (at, ParseErrorKind::InvalidDate(err)))
        }
        "binary" => {
            let t = scalar_text(e)?;
            let compact: String = t.chars().filter(|c| !c.is_ascii_whitespace()).collect();
            match e.attr("encoding").map(str::trim) {
                None | Some("base64") | Some("") => base64::engine::general_purpose::STANDARD
                    .decode(compact.as_bytes())
                    .map(Llsd::Binary)
                    .map_err(|err| {
                        (
                            at,
                            ParseErrorKind::InvalidEncoding {
                                encoding: "base64",
                                detail: err.to_string(),
                            },
                        )
                    }),
                Some("base16") => {
                    hex::decode(compact.as_bytes())
                        .map(Llsd::Binary)
                        .map_err(|err| {
                            (
                                at,
                                ParseErrorKind::InvalidEncoding {
                                    encoding: "base16",
                                    detail: err.to_string(),
                                },
                            )
                        })
                }
                Some(other) => Err((at, ParseErrorKind::UnsupportedEncoding(other.to_string()))),
            }
        }
        "array" => {
            let depth = enter(depth, at)?;
            no_stray_text(e, "an array element")?;
            let mut items = Vec::new();
            for child in e.elements() {
                items.push(parse_value(child, depth)?);
            }
            Ok(Llsd::Array(items))
        }
        "map" => {
            let depth = enter(depth, at)?;
            no_stray_text(e, "<key> or a value element")?;
            let mut map = LlsdMap::new();
            let mut children = e.elements();
            while let Some(key_el) = children.next() {
                if key_el.name != "key" {
                    return Err((
                        key_el.offset,
                        ParseErrorKind::UnexpectedElement {
                            found: key_el.name.clone(),
                            expected: "<key>",
                        },
                    ));
                }
                let key = scalar_text(key_el)?;
                let Some(value_el) = children.next() else {
                    return Err((key_el.offset, ParseErrorKind::MissingValue { key }));
                };
                let value = parse_value(value_el, depth)?;
                // A repeated key keeps the last value, as LLSD readers do.
                map.insert(key, value);
            }
            Ok(Llsd::Map(map))
        }
        other => Err((
            at,
            ParseErrorKind::UnexpectedElement {
                found: other.to_string(),
                expected: "an LLSD value element",
            },
        )),
    }
}

fn enter(depth: usize, at: usize) -> Result<usize, Failure> {
    if depth >= MAX_DEPTH {
        Err((at, ParseErrorKind::TooDeep { limit: MAX_DEPTH }))
    } else {
        Ok(depth + 1)
    }
}

/// Writes a compact LLSD XML document.
pub(super) fn format(value: &Llsd) -> String {
    let mut out = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?><llsd>");
    write_value(&mut out, value);
    out.push_str("</llsd>");
    out
}

fn element(out: &mut String, name: &str, text: &str) {
    if text.is_empty() {
        out.push('<');
        out.push_str(name);
        out.push_str(" />");
    } else {
        out.push('<');
        out.push_str(name);
        out.push('>');
        escape_text(out, text);
        out.push_str("</");
        out.push_str(name);
        out.push('>');
    }
}

fn write_value(out: &mut String, value: &Llsd) {
    match value {
        Llsd::Undefined => out.push_str("<undef />"),
        Llsd::Boolean(b) => element(out, "boolean", if *b { "true" } else { "false" }),
        Llsd::Integer(i) => element(out, "integer", &i.to_string()),
        Llsd::Real(r) => element(out, "real", &format_real(*r)),
        Llsd::Uuid(u) => element(out, "uuid", &u.to_string()),
        // An empty string must stay a string, so `<string />` is fine.
        Llsd::String(s) => element(out, "string", s),
        Llsd::Uri(s) => element(out, "uri", s),
        Llsd::Date(d) => element(out, "date", &d.to_string()),
        Llsd::Binary(b) => {
            if b.is_empty() {
                out.push_str("<binary encoding=\"base64\" />");
            } else {
                out.push_str("<binary encoding=\"base64\">");
                out.push_str(&base64::engine::general_purpose::STANDARD.encode(b));
                out.push_str("</binary>");
            }
        }
        Llsd::Array(items) => {
            if items.is_empty() {
                out.push_str("<array />");
                return;
            }
            out.push_str("<array>");
            for item in items {
                write_value(out, item);
            }
            out.push_str("</array>");
        }
        Llsd::Map(map) => {
            if map.is_empty() {
                out.push_str("<map />");
                return;
            }
            out.push_str("<map>");
            for (k, v) in map {
                element(out, "key", k);
                write_value(out, v);
            }
            out.push_str("</map>");
        }
    }
}

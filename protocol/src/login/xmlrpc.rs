//! A small XML-RPC codec: the value model, `methodCall` and
//! `methodResponse` (parameters or fault), both read and written.
//!
//! Reading goes through the shared element tree ([`crate::llsd`]'s
//! `xml_tree`), so malformed input is reported with byte offset, line and
//! column; nesting of structs and arrays is bounded by [`MAX_DEPTH`].

use base64::Engine;

use crate::llsd::xml_tree::{self, Element, escape_text};

/// Deepest struct/array nesting accepted when reading.
pub const MAX_DEPTH: usize = 128;

/// One XML-RPC value.
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// `<string>` or bare text inside `<value>`.
    String(String),
    /// `<int>` / `<i4>` (and `<i8>` when it fits).
    Int(i32),
    /// `<boolean>` 1 or 0.
    Boolean(bool),
    /// `<double>`.
    Double(f64),
    /// `<base64>`, decoded.
    Base64(Vec<u8>),
    /// `<dateTime.iso8601>`, kept as its text (e.g. `19980717T14:08:55`).
    DateTime(String),
    /// `<struct>`: named members in document order.
    Struct(Vec<(String, Value)>),
    /// `<array><data>…</data></array>`.
    Array(Vec<Value>),
    /// `<nil/>` (a common extension).
    Nil,
}

impl Value {
    /// The member `name` of a struct (the last one if repeated).
    pub fn member(&self, name: &str) -> Option<&Value> {
        match self {
            Value::Struct(members) => members
                .iter()
                .rev()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v),
            _ => None,
        }
    }

    /// The text of a string value.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Value::String(s) => Some(s),
            _ => None,
        }
    }

    /// Short name of the value's type, for messages.
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::String(_) => "string",
            Value::Int(_) => "int",
            Value::Boolean(_) => "boolean",
            Value::Double(_) => "double",
            Value::Base64(_) => "base64",
            Value::DateTime(_) => "dateTime.iso8601",
            Value::Struct(_) => "struct",
            Value::Array(_) => "array",
            Value::Nil => "nil",
        }
    }
}

impl From<&str> for Value {
    fn from(v: &str) -> Self {
        Value::String(v.to_string())
    }
}

impl From<String> for Value {
    fn from(v: String) -> Self {
        Value::String(v)
    }
}

impl From<i32> for Value {
    fn from(v: i32) -> Self {
        Value::Int(v)
    }
}

impl From<bool> for Value {
    fn from(v: bool) -> Self {
        Value::Boolean(v)
    }
}

/// A `<fault>`: the server refused the call itself.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fault {
    /// `faultCode`.
    pub code: i32,
    /// `faultString`.
    pub message: String,
}

/// A `<methodCall>`.
#[derive(Debug, Clone, PartialEq)]
pub struct MethodCall {
    /// `<methodName>`.
    pub method_name: String,
    /// The `<param>` values in order.
    pub params: Vec<Value>,
}

/// A `<methodResponse>`: parameters, or a fault.
#[derive(Debug, Clone, PartialEq)]
pub enum MethodResponse {
    /// `<params>` (normally exactly one).
    Params(Vec<Value>),
    /// `<fault>`.
    Fault(Fault),
}

/// What was wrong with an XML-RPC document.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum XmlRpcErrorKind {
    /// Not well-formed XML.
    #[error("malformed XML: {0}")]
    Xml(String),
    /// An element that does not belong here.
    #[error("unexpected element <{found}> where {expected} was expected")]
    UnexpectedElement {
        /// The element found.
        found: String,
        /// What was expected.
        expected: &'static str,
    },
    /// A required child element is missing.
    #[error("<{parent}> has no {expected}")]
    Missing {
        /// The element lacking it.
        parent: String,
        /// What is missing.
        expected: &'static str,
    },
    /// Text where only elements belong.
    #[error("unexpected text {text:?} in <{parent}>")]
    UnexpectedText {
        /// The element holding the text.
        parent: String,
        /// The first characters of the text.
        text: String,
    },
    /// A scalar whose text does not parse as its type.
    #[error("<{element}> holds {text:?}, which is not a valid {element}")]
    BadScalar {
        /// The type element (`int`, `double`, …).
        element: String,
        /// The text found.
        text: String,
    },
    /// Structs/arrays nested deeper than [`MAX_DEPTH`].
    #[error("structs and arrays nested deeper than {0}")]
    TooDeep(usize),
    /// A `<fault>` that is not a struct with `faultCode` and `faultString`.
    #[error("fault is not a struct with faultCode and faultString")]
    BadFault,
}

/// An XML-RPC parse failure with its position.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("XML-RPC: {kind} at line {line}, column {column} (byte {offset})")]
pub struct XmlRpcError {
    /// Byte offset of the problem.
    pub offset: usize,
    /// 1-based line.
    pub line: usize,
    /// 1-based column (characters).
    pub column: usize,
    /// What was wrong.
    #[source]
    pub kind: XmlRpcErrorKind,
}

type Failure = (usize, XmlRpcErrorKind);

fn located(text: &str, (offset, kind): Failure) -> XmlRpcError {
    let (line, column) = xml_tree::line_col(text, offset);
    XmlRpcError {
        offset,
        line,
        column,
        kind,
    }
}

fn document(text: &str, root_name: &'static str) -> Result<Element, XmlRpcError> {
    let root = xml_tree::parse_document(text)
        .map_err(|e| located(text, (e.offset, XmlRpcErrorKind::Xml(e.message))))?;
    if root.name != root_name {
        return Err(located(
            text,
            (
                root.offset,
                XmlRpcErrorKind::UnexpectedElement {
                    found: root.name.clone(),
                    expected: root_name,
                },
            ),
        ));
    }
    Ok(root)
}

impl MethodCall {
    /// Parses a `<methodCall>` document.
    pub fn parse(text: &str) -> Result<MethodCall, XmlRpcError> {
        let root = document(text, "methodCall")?;
        read_call(&root).map_err(|f| located(text, f))
    }

    /// Writes the call as an XML document.
    pub fn to_xml(&self) -> String {
        let mut out = String::from("<?xml version=\"1.0\"?><methodCall><methodName>");
        escape_text(&mut out, &self.method_name);
        out.push_str("</methodName>");
        write_params(&mut out, &self.params);
        out.push_str("</methodCall>");
        out
    }
}

impl MethodResponse {
    /// Parses a `<methodResponse>` document.
    pub fn parse(text: &str) -> Result<MethodResponse, XmlRpcError> {
        let root = document(text, "methodResponse")?;
        read_response(&root).map_err(|f| located(text, f))
    }

    /// Writes the response as an XML document.
    pub fn to_xml(&self) -> String {
        let mut out = String::from("<?xml version=\"1.0\"?><methodResponse>");
        match self {
            MethodResponse::Params(params) => write_params(&mut out, params),
            MethodResponse::Fault(f) => {
                out.push_str("<fault>");
                write_value(
                    &mut out,
                    &Value::Struct(vec![
                        ("faultCode".into(), Value::Int(f.code)),
                        ("faultString".into(), Value::String(f.message.clone())),
                    ]),
                );
                out.push_str("</fault>");
            }
        }
        out.push_str("</methodResponse>");
        out
    }
}

fn only_elements(e: &Element) -> Result<(), Failure> {
    match e.stray_text() {
        Some((text, offset)) => Err((
            offset,
            XmlRpcErrorKind::UnexpectedText {
                parent: e.name.clone(),
                text: text.chars().take(40).collect(),
            },
        )),
        None => Ok(()),
    }
}

fn leaf(e: &Element) -> Result<String, Failure> {
    e.leaf_text().map_err(|child| {
        (
            child.offset,
            XmlRpcErrorKind::UnexpectedElement {
                found: child.name.clone(),
                expected: "text",
            },
        )
    })
}

fn read_call(root: &Element) -> Result<MethodCall, Failure> {
    only_elements(root)?;
    let mut method_name = None;
    let mut params = Vec::new();
    for child in root.elements() {
        match child.name.as_str() {
            "methodName" => method_name = Some(leaf(child)?.trim().to_string()),
            "params" => params = read_params(child)?,
            other => {
                return Err((
                    child.offset,
                    XmlRpcErrorKind::UnexpectedElement {
                        found: other.to_string(),
                        expected: "<methodName> or <params>",
                    },
                ));
            }
        }
    }
    let method_name = method_name.ok_or((
        root.offset,
        XmlRpcErrorKind::Missing {
            parent: "methodCall".into(),
            expected: "<methodName>",
        },
    ))?;
    Ok(MethodCall {
        method_name,
        params,
    })
}

fn read_response(root: &Element) -> Result<MethodResponse, Failure> {
    only_elements(root)?;
    let mut children = root.elements();
    let Some(body) = children.next() else {
        return Err((
            root.offset,
            XmlRpcErrorKind::Missing {
                parent: "methodResponse".into(),
                expected: "<params> or <fault>",
            },
        ));
    };
    if let Some(extra) = children.next() {
        return Err((
            extra.offset,
            XmlRpcErrorKind::UnexpectedElement {
                found: extra.name.clone(),
                expected: "the end of <methodResponse>",
            },
        ));
    }
    match body.name.as_str() {
        "params" => Ok(MethodResponse::Params(read_params(body)?)),
        "fault" => {
            only_elements(body)?;
            let value_el = single_child(body, "value", "<value>")?;
            let value = read_value(value_el, 0)?;
            let code = match value.member("faultCode") {
                Some(Value::Int(c)) => *c,
                Some(Value::String(s)) => s
                    .trim()
                    .parse()
                    .map_err(|_| (body.offset, XmlRpcErrorKind::BadFault))?,
                _ => return Err((body.offset, XmlRpcErrorKind::BadFault)),
            };
            let message = match value.member("faultString") {
                Some(Value::String(s)) => s.clone(),
                _ => return Err((body.offset, XmlRpcErrorKind::BadFault)),
            };
            Ok(MethodResponse::Fault(Fault { code, message }))
        }
        other => Err((
            body.offset,
            XmlRpcErrorKind::UnexpectedElement {
                found: other.to_string(),
                expected: "<params> or <fault>",
            },
        )),
    }
}

/// The one child element of `e`, which must be named `name`.
fn single_child<'a>(
    e: &'a Element,
    name: &str,
    expected: &'static str,
) -> Result<&'a Element, Failure> {
    let mut kids = e.elements();
    let child = kids.next().ok_or((
        e.offset,
        XmlRpcErrorKind::Missing {
            parent: e.name.clone(),
            expected,
        },
    ))?;
    if child.name != name {
        return Err((
            child.offset,
            XmlRpcErrorKind::UnexpectedElement {
                found: child.name.clone(),
                expected,
            },
        ));
    }
    if let Some(extra) = kids.next() {
        return Err((
            extra.offset,
            XmlRpcErrorKind::UnexpectedElement {
                found: extra.name.clone(),
                expected: "nothing more",
            },
        ));
    }
    Ok(child)
}

fn read_params(params: &Element) -> Result<Vec<Value>, Failure> {
    only_elements(params)?;
    let mut out = Vec::new();
    for param in params.elements() {
        if param.name != "param" {
            return Err((
                param.offset,
                XmlRpcErrorKind::UnexpectedElement {
                    found: param.name.clone(),
                    expected: "<param>",
                },
            ));
        }
        only_elements(param)?;
        let value = single_child(param, "value", "<value>")?;
        out.push(read_value(value, 0)?);
    }
    Ok(out)
}

fn bad_scalar(e: &Element, text: &str) -> Failure {
    (
        e.offset,
        XmlRpcErrorKind::BadScalar {
            element: e.name.clone(),
            text: text.chars().take(60).collect(),
        },
    )
}

/// Reads a `<value>` element.
fn read_value(value: &Element, depth: usize) -> Result<Value, Failure> {
    let mut kids = value.elements();
    let Some(typed) = kids.next() else {
        // No type element: the text is a string, whitespace and all.
        return Ok(Value::String(leaf(value)?));
    };
    only_elements(value)?;
    if let Some(extra) = kids.next() {
        return Err((
            extra.offset,
            XmlRpcErrorKind::UnexpectedElement {
                found: extra.name.clone(),
                expected: "the end of <value> (one type element)",
            },
        ));
    }
    let deeper = || {
        if depth >= MAX_DEPTH {
            Err((typed.offset, XmlRpcErrorKind::TooDeep(MAX_DEPTH)))
        } else {
            Ok(depth + 1)
        }
    };
    Ok(match typed.name.as_str() {
        "string" => Value::String(leaf(typed)?),
        "int" | "i4" | "i8" => {
            let t = leaf(typed)?;
            Value::Int(t.trim().parse().map_err(|_| bad_scalar(typed, &t))?)
        }
        "boolean" => {
            let t = leaf(typed)?;
            match t.trim() {
                "1" | "true" => Value::Boolean(true),
                "0" | "false" => Value::Boolean(false),
                _ => return Err(bad_scalar(typed, &t)),
            }
        }
        "double" => {
            let t = leaf(typed)?;
            Value::Double(t.trim().parse().map_err(|_| bad_scalar(typed, &t))?)
        }
        "base64" => {
            let t = leaf(typed)?;
            let compact: String = t.chars().filter(|c| !c.is_ascii_whitespace()).collect();
            Value::Base64(
                base64::engine::general_purpose::STANDARD
                    .decode(compact.as_bytes())
                    .map_err(|_| bad_scalar(typed, &t))?,
            )
        }
        "dateTime.iso8601" => Value::DateTime(leaf(typed)?.trim().to_string()),
        "nil" => {
            leaf(typed)?;
            Value::Nil
        }
        "struct" => {
            let depth = deeper()?;
            only_elements(typed)?;
            let mut members = Vec::new();
            for member in typed.elements() {
                if member.name != "member" {
                    return Err((
                        member.offset,
                        XmlRpcErrorKind::UnexpectedElement {
                            found: member.name.clone(),
                            expected: "<member>",
                        },
                    ));
                }
                only_elements(member)?;
                let mut name = None;
                let mut val = None;
                for part in member.elements() {
                    match part.name.as_str() {
                        "name" if name.is_none() => name = Some(leaf(part)?),
                        "value" if val.is_none() => val = Some(read_value(part, depth)?),
                        _ => {
                            return Err((
                                part.offset,
                                XmlRpcErrorKind::UnexpectedElement {
                                    found: part.name.clone(),
                                    expected: "one <name> and one <value>",
                                },
                            ));
                        }
                    }
                }
                let missing = |expected| {
                    (
                        member.offset,
                        XmlRpcErrorKind::Missing {
                            parent: "member".into(),
                            expected,
                        },
                    )
                };
                members.push((
                    name.ok_or_else(|| missing("<name>"))?,
                    val.ok_or_else(|| missing("<value>"))?,
                ));
            }
            Value::Struct(members)
        }
        "array" => {
            let depth = deeper()?;
            only_elements(typed)?;
            let data = single_child(typed, "data", "<data>")?;
            only_elements(data)?;
            let mut items = Vec::new();
            for item in data.elements() {
                if item.name != "value" {
                    return Err((
                        item.offset,
                        XmlRpcErrorKind::UnexpectedElement {
                            found: item.name.clone(),
                            expected: "<value>",
                        },
                    ));
                }
                items.push(read_value(item, depth)?);
            }
            Value::Array(items)
        }
        other => {
            return Err((
                typed.offset,
                XmlRpcErrorKind::UnexpectedElement {
                    found: other.to_string(),
                    expected: "an XML-RPC type element",
                },
            ));
        }
    })
}

fn write_params(out: &mut String, params: &[Value]) {
    out.push_str("<params>");
    for p in params {
        out.push_str("<param>");
        write_value(out, p);
        out.push_str("</param>");
    }
    out.push_str("</params>");
}

fn tagged(out: &mut String, tag: &str, text: &str) {
    out.push('<');
    out.push_str(tag);
    out.push('>');
    escape_text(out, text);
    out.push_str("</");
    out.push_str(tag);
    out.push('>');
}

/// Writes one `<value>` element.
pub(crate) fn write_value(out: &mut String, value: &Value) {
    out.push_str("<value>");
    match value {
        Value::String(s) => tagged(out, "string", s),
        Value::Int(i) => tagged(out, "int", &i.to_string()),
        Value::Boolean(b) => tagged(out, "boolean", if *b { "1" } else { "0" }),
        // `Display` writes plain decimals (XML-RPC allows no exponent), the
        // shortest text that reads back to the same bits.
        Value::Double(d) => tagged(out, "double", &d.to_string()),
        Value::Base64(b) => tagged(
            out,
            "base64",
            &base64::engine::general_purpose::STANDARD.encode(b),
        ),
        Value::DateTime(s) => tagged(out, "dateTime.iso8601", s),
        Value::Nil => out.push_str("<nil/>"),
        Value::Struct(members) => {
            out.push_str("<struct>");
            for (name, v) in members {
                out.push_str("<member>");
                tagged(out, "name", name);
                write_value(out, v);
                out.push_str("</member>");
            }
            out.push_str("</struct>");
        }
        Value::Array(items) => {
            out.push_str("<array><data>");
            for v in items {
                write_value(out, v);
            }
            out.push_str("</data></array>");
        }
    }
    out.push_str("</value>");
}

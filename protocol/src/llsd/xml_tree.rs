//! A small element tree read with `quick-xml`, shared by the LLSD XML reader
//! and the XML-RPC codec: both formats are tiny element vocabularies where a
//! tree with byte offsets is simpler to interpret (and to report errors
//! against) than a stream of events.
//!
//! The reader never expands custom entities (`quick-xml` does not), ignores
//! comments, processing instructions and the DOCTYPE, and refuses element
//! nesting deeper than [`MAX_ELEMENT_DEPTH`]. It builds the tree with an
//! explicit stack, so hostile nesting cannot exhaust the call stack.

use quick_xml::Reader;
use quick_xml::events::Event;

/// Deepest element nesting the tree reader accepts. Both formats nest a few
/// elements per value level (XML-RPC: value/struct/member), so this leaves
/// room for the 128 value levels the interpreters allow.
pub(crate) const MAX_ELEMENT_DEPTH: usize = 600;

/// One element with its attributes and children.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Element {
    /// The element name as written (with any prefix).
    pub name: String,
    /// Attributes, unescaped, in document order.
    pub attrs: Vec<(String, String)>,
    /// Child elements and text runs in document order.
    pub children: Vec<Node>,
    /// Byte offset of the `<` that opens the element.
    pub offset: usize,
}

/// A child of an [`Element`].
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Node {
    /// A nested element.
    Element(Element),
    /// A run of character data (text, references and CDATA merged).
    Text {
        /// The unescaped text.
        text: String,
        /// Byte offset where the run starts.
        offset: usize,
    },
}

/// A reader failure: what went wrong and at which byte.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct TreeError {
    /// Byte offset of the problem.
    pub offset: usize,
    /// What went wrong.
    pub message: String,
}

impl Element {
    /// The value of attribute `name`, if present.
    pub fn attr(&self, name: &str) -> Option<&str> {
        self.attrs
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// Child elements, skipping text.
    pub fn elements(&self) -> impl Iterator<Item = &Element> {
        self.children.iter().filter_map(|n| match n {
            Node::Element(e) => Some(e),
            Node::Text { .. } => None,
        })
    }

    /// The first text run that is not only XML whitespace, with its offset.
    pub fn stray_text(&self) -> Option<(&str, usize)> {
        self.children.iter().find_map(|n| match n {
            Node::Text { text, offset } if !is_xml_whitespace(text) => {
                Some((text.as_str(), *offset))
            }
            _ => None,
        })
    }

    /// All text of a leaf element; `Err` with the first child element when
    /// there is one.
    pub fn leaf_text(&self) -> Result<String, &Element> {
        let mut out = String::new();
        for n in &self.children {
            match n {
                Node::Text { text, .. } => out.push_str(text),
                Node::Element(e) => return Err(e),
            }
        }
        Ok(out)
    }
}

/// True when `s` holds only the four XML whitespace characters.
pub(crate) fn is_xml_whitespace(s: &str) -> bool {
    s.bytes().all(|b| matches!(b, b' ' | b'\t' | b'\r' | b'\n'))
}

/// 1-based line and column (in characters) of byte `offset` in `text`.
pub(crate) fn line_col(text: &str, offset: usize) -> (usize, usize) {
    let mut end = offset.min(text.len());
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    let before = &text[..end];
    let line = before.bytes().filter(|&b| b == b'\n').count() + 1;
    let line_start = before.rfind('\n').map_or(0, |i| i + 1);
    let column = before[line_start..].chars().count() + 1;
    (line, column)
}

/// Escapes text for element content: `&`, `<`, `>` always, and characters
/// that XML 1.0 cannot carry literally (controls, and `\r`, which readers
/// would fold into `\n`) as character references.
pub(crate) fn escape_text(out: &mut String, s: &str) {
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '\t' | '\n' => out.push(c),
            c if (c as u32) < 0x20 || c == '\u{7f}' || c == '\u{fffe}' || c == '\u{ffff}' => {
                out.push_str(&format!("&#x{:X};", c as u32));
            }
            c => out.push(c),
        }
    }
}

/// Reads a whole document and returns its root element.
///
/// Text outside the root must be whitespace; exactly one root is allowed.
pub(crate) fn parse_document(input: &str) -> Result<Element, TreeError> {
    let mut reader = Reader::from_str(input);
    {
        let config = reader.config_mut();
        config.expand_empty_elements = true;
        config.trim_text(false);
        config.check_end_names = true;
    }
    // Open elements, innermost last.
    let mut stack: Vec<Element> = Vec::new();
    let mut root: Option<Element> = None;
    // Pending text run and where it started.
    let mut text = String::new();
    let mut text_start: Option<usize> = None;

    loop {
        let start = usize::try_from(reader.buffer_position()).unwrap_or(usize::MAX);
        let event = match reader.read_event() {
            Ok(ev) => ev,
            Err(e) => {
                return Err(TreeError {
                    offset: usize::try_from(reader.error_position()).unwrap_or(start),
                    message: e.to_string(),
                });
            }
        };
        let is_text = matches!(
            event,
            Event::Text(_) | Event::CData(_) | Event::GeneralRef(_)
        );
        if !is_text {
            flush_text(&mut stack, &mut text, &mut text_start)?;
        }
        match event {
            Event::Start(e) => {
                if stack.len() >= MAX_ELEMENT_DEPTH {
                    return Err(TreeError {
                        offset: start,
                        message: format!("elements nested deeper than {MAX_ELEMENT_DEPTH}"),
                    });
                }
                if root.is_some() && stack.is_empty() {
                    return Err(TreeError {
                        offset: start,
                        message: "a second root element after the document element".into(),
                    });
                }
                let name = String::from_utf8_lossy(e.name().as_ref()).into_owned();
                let mut attrs = Vec::new();
                for a in e.attributes() {
                    let a = a.map_err(|err| TreeError {
                        offset: start,
                        message: format!("bad attribute in <{name}>: {err}"),
                    })?;
                    let key = String::from_utf8_lossy(a.key.as_ref()).into_owned();
                    let value = a.unescape_value().map_err(|err| TreeError {
                        offset: start,
                        message: format!("bad attribute value in <{name}>: {err}"),
                    })?;
                    attrs.push((key, value.into_owned()));
                }
                stack.push(Element {
                    name,
                    attrs,
                    children: Vec::new(),
                    offset: start,
                });
            }
            Event::End(_) => {
                // quick-xml has checked that the names match.
                let Some(done) = stack.pop() else {
                    return Err(TreeError {
                        offset: start,
                        message: "closing tag without an open element".into(),
                    });
                };
                match stack.last_mut() {
                    Some(parent) => parent.children.push(Node::Element(done)),
                    None => root = Some(done),
                }
            }
            Event::Empty(_) => {
                // expand_empty_elements turns these into Start + End.
            }
            Event::Text(t) => {
                let s = t.xml10_content().map_err(|err| TreeError {
                    offset: start,
                    message: format!("undecodable text: {err}"),
                })?;
                text_start.get_or_insert(start);
                text.push_str(&s);
            }
            Event::CData(c) => {
                let s = c.decode().map_err(|err| TreeError {
                    offset: start,
                    message: format!("undecodable CDATA: {err}"),
                })?;
                text_start.get_or_insert(start);
                text.push_str(&s);
            }
            Event::GeneralRef(r) => {
                let name = r.decode().map_err(|err| TreeError {
                    offset: start,
                    message: format!("undecodable reference: {err}"),
                })?;
                let resolved = resolve_reference(&name).ok_or_else(|| TreeError {
                    offset: start,
                    message: format!("unknown or invalid reference &{name};"),
                })?;
                text_start.get_or_insert(start);
                text.push_str(&resolved);
            }
            Event::Comment(_) | Event::Decl(_) | Event::PI(_) | Event::DocType(_) => {}
            Event::Eof => break,
        }
    }
    if let Some(open) = stack.last() {
        return Err(TreeError {
            offset: input.len(),
            message: format!("document ends inside <{}>", open.name),
        });
    }
    root.ok_or(TreeError {
        offset: input.len(),
        message: "no root element".into(),
    })
}

/// Resolves `&name;`: the five predefined entities and character references
/// (decimal or `x` hex). U+0000 is accepted so that LLSD strings holding NUL
/// survive a round trip through our own writer.
fn resolve_reference(name: &str) -> Option<String> {
    if let Some(num) = name.strip_prefix('#') {
        let code = match num.strip_prefix('x').or_else(|| num.strip_prefix('X')) {
            Some(hex) if !hex.is_empty() && hex.len() <= 8 => u32::from_str_radix(hex, 16).ok()?,
            Some(_) => return None,
            None if !num.is_empty() && num.len() <= 10 => num.parse().ok()?,
            None => return None,
        };
        return char::from_u32(code).map(String::from);
    }
    quick_xml::escape::resolve_predefined_entity(name).map(str::to_string)
}

/// Moves the pending text run into the innermost open element; outside the
/// root it must be whitespace.
fn flush_text(
    stack: &mut [Element],
    text: &mut String,
    text_start: &mut Option<usize>,
) -> Result<(), TreeError> {
    let Some(offset) = text_start.take() else {
        return Ok(());
    };
    let run = std::mem::take(text);
    match stack.last_mut() {
        Some(parent) => parent.children.push(Node::Text { text: run, offset }),
        None if is_xml_whitespace(&run) => {}
        None => {
            return Err(TreeError {
                offset,
                message: "text outside the document element".into(),
            });
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_tree_with_entities_and_offsets() {
        let doc =
            "<?xml version=\"1.0\"?>\n<a x=\"1&amp;2\"><b>t&lt;&#x41;<![CDATA[<c>]]></b><c/></a>";
        let root = parse_document(doc).unwrap();
        assert_eq!(root.name, "a");
        assert_eq!(root.attr("x"), Some("1&2"));
        let kids: Vec<_> = root.elements().collect();
        assert_eq!(kids.len(), 2);
        assert_eq!(kids[0].leaf_text().unwrap(), "t<A<c>");
        assert_eq!(kids[1].name, "c");
        assert_eq!(line_col(doc, root.offset), (2, 1));
    }

    #[test]
    fn refuses_bad_documents() {
        for doc in ["", "<a>", "<a></b>", "<a/><b/>", "x<a/>", "<a>&foo;</a>"] {
            assert!(parse_document(doc).is_err(), "{doc:?} accepted");
        }
        let deep = "<a>".repeat(MAX_ELEMENT_DEPTH + 1);
        let err = parse_document(&deep).unwrap_err();
        assert!(err.message.contains("deeper"), "{err:?}");
    }
}

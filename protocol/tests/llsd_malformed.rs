//! Malformed LLSD of many kinds: each is refused with the right kind of
//! error at the right place.

use kestrel_protocol::llsd::{Format, Llsd, ParseError, ParseErrorKind};

fn binary_err(bytes: &[u8]) -> ParseError {
    match Llsd::from_binary(bytes) {
        Ok(v) => panic!("{bytes:?} parsed as {v:?}"),
        Err(e) => e,
    }
}

fn notation_err(text: &str) -> ParseError {
    match Llsd::from_notation(text.as_bytes()) {
        Ok(v) => panic!("{text:?} parsed as {v:?}"),
        Err(e) => e,
    }
}

fn xml_err(text: &str) -> ParseError {
    match Llsd::from_xml(text) {
        Ok(v) => panic!("{text:?} parsed as {v:?}"),
        Err(e) => e,
    }
}

#[test]
fn binary_errors() {
    let e = binary_err(b"");
    assert!(matches!(e.kind, ParseErrorKind::UnexpectedEof { .. }));
    assert_eq!(e.format, Format::Binary);

    // A string claiming 2 GiB: refused before any allocation.
    let e = binary_err(b"s\x7f\xff\xff\xffabc");
    assert_eq!(
        e.kind,
        ParseErrorKind::LengthTooLong {
            what: "string length",
            declared: 0x7fff_ffff,
            remaining: 3
        }
    );
    assert_eq!(e.offset, 1);

    // An array claiming 4 billion elements in 5 bytes.
    let e = binary_err(b"[\xff\xff\xff\xff!]");
    assert!(matches!(
        e.kind,
        ParseErrorKind::LengthTooLong {
            what: "array count",
            ..
        }
    ));

    // Count says 2, only one element before ']'.
    let e = binary_err(b"[\0\0\0\x02i\0\0\0\x01]");
    assert!(
        matches!(e.kind, ParseErrorKind::UnexpectedByte { found: ']', .. }),
        "{e}"
    );
    assert_eq!(e.offset, 10);

    // Count says 1, two elements.
    let e = binary_err(b"[\0\0\0\x01!!]");
    assert!(matches!(
        e.kind,
        ParseErrorKind::UnexpectedByte { found: '!', .. }
    ));
    assert_eq!(e.offset, 6);

    // Map key without 'k'.
    let e = binary_err(b"{\0\0\0\x01x\0\0\0\x01a!}");
    assert!(matches!(
        e.kind,
        ParseErrorKind::UnexpectedByte { found: 'x', .. }
    ));
    assert_eq!(e.offset, 5);

    // Unknown tag.
    let e = binary_err(b"[\0\0\0\x01z]");
    assert!(matches!(
        e.kind,
        ParseErrorKind::UnexpectedByte { found: 'z', .. }
    ));
    assert_eq!(e.offset, 5);

    // Truncated integer, real, UUID.
    assert!(matches!(
        binary_err(b"i\0\0").kind,
        ParseErrorKind::UnexpectedEof { .. }
    ));
    assert!(matches!(
        binary_err(b"r\0\0\0\0").kind,
        ParseErrorKind::UnexpectedEof { .. }
    ));
    assert!(matches!(
        binary_err(b"u0123456789").kind,
        ParseErrorKind::UnexpectedEof { .. }
    ));

    // Invalid UTF-8 in a string, position of the bad byte.
    let e = binary_err(b"s\0\0\0\x03a\xffb");
    assert!(matches!(e.kind, ParseErrorKind::InvalidUtf8 { .. }));
    assert_eq!(e.offset, 6);

    // A date that is NaN or past year 9999.
    let mut nan_date = vec![b'd'];
    nan_date.extend_from_slice(&f64::NAN.to_le_bytes());
    assert!(matches!(
        binary_err(&nan_date).kind,
        ParseErrorKind::InvalidDate(_)
    ));
    let mut far = vec![b'd'];
    far.extend_from_slice(&1e15f64.to_le_bytes());
    assert!(matches!(
        binary_err(&far).kind,
        ParseErrorKind::InvalidDate(_)
    ));

    // Data after the value; a wrong header.
    let e = binary_err(b"!!");
    assert_eq!((e.kind, e.offset), (ParseErrorKind::TrailingData, 1));
    assert!(matches!(
        binary_err(b"<? llsd/notation ?>\n!").kind,
        ParseErrorKind::BadHeader(_)
    ));
    assert!(matches!(
        binary_err(b"<? LLSD/Binary").kind,
        ParseErrorKind::BadHeader(_)
    ));
    // Found by fuzzing: in "<?>" the '?' must not serve as opener and closer.
    assert!(matches!(
        binary_err(b"<?>\n!").kind,
        ParseErrorKind::BadHeader(_)
    ));
    assert!(matches!(
        notation_err("<?>!").kind,
        ParseErrorKind::BadHeader(_)
    ));
    // Trailing whitespace is fine.
    assert_eq!(
        Llsd::from_binary(b"i\0\0\0\x05\n").unwrap(),
        Llsd::Integer(5)
    );
}

#[test]
fn notation_errors() {
    let cases: &[(&str, usize)] = &[
        ("{'a' i1}", 5),                              // missing ':'
        ("{a:i1}", 1),                                // unquoted key
        ("[i1", 3),                                   // unclosed array
        ("{'a':i1", 7),                               // unclosed map
        ("'abc", 4),                                  // unterminated string
        ("ixyz", 0),                                  // not an integer
        ("i99999999999", 0),                          // integer overflow
        ("r1.2.3", 0),                                // not a real
        ("u1234", 1),                                 // short UUID
        ("u6bad258e-06f0-4ae2-9a7f-2f0e5d4e4aZZ", 0), // bad hex
        ("s(10)\"abc\"", 2),                          // size beyond the input
        ("s(99999999999999999999999)\"\"", 2),        // size overflows
        ("s(3)'abc\"", 8),                            // wrong closing quote
        ("b99\"xx\"", 0),                             // unknown base
        ("b64\"!!!!\"", 4),                           // bad base64
        ("b16\"0g\"", 4),                             // bad hex
        ("b(5000000000)\"\"", 2),                     // raw binary beyond the input
        ("d\"2006-13-01T00:00:00Z\"", 0),             // month 13
        ("l'unterminated", 14),                       // URI without closing quote
        ("'\\x4'", 3),                                // short \x escape
        ("x", 0),                                     // unknown token
        ("", 0),                                      // nothing at all
        ("!!", 1),                                    // trailing data
        ("<? llsd/xml ?>\n!", 0),                     // wrong header
    ];
    for &(text, offset) in cases {
        let e = notation_err(text);
        assert_eq!(e.format, Format::Notation);
        assert_eq!(e.offset, offset, "{text:?}: {e}");
    }
    assert!(matches!(
        notation_err("'\u{7f}\\xff'").kind,
        ParseErrorKind::InvalidUtf8 { .. }
    ));
    assert!(matches!(
        notation_err("b85\"x\"").kind,
        ParseErrorKind::UnsupportedEncoding(_)
    ));
    // The header is optional and accepted in either case.
    assert_eq!(
        Llsd::from_notation(b"<? LLSD/Notation ?>\ni5").unwrap(),
        Llsd::Integer(5)
    );
}

#[test]
fn xml_errors_carry_line_and_column() {
    let doc = "<?xml version=\"1.0\"?>\n<llsd>\n  <map>\n    <key>n</key><integer>12x</integer>\n  </map>\n</llsd>";
    let e = xml_err(doc);
    assert!(
        matches!(
            e.kind,
            ParseErrorKind::InvalidNumber {
                what: "integer",
                ..
            }
        ),
        "{e}"
    );
    assert_eq!(e.line_col, Some((4, 17)));
    assert!(e.to_string().contains("line 4, column 17"), "{e}");

    type Check = fn(&ParseErrorKind) -> bool;
    let cases: &[(&str, Check)] = &[
        (
            "<llsd><map><key>a</key></map></llsd>",
            |k| matches!(k, ParseErrorKind::MissingValue { key } if key == "a"),
        ),
        ("<llsd><map><integer>1</integer></map></llsd>", |k| {
            matches!(k, ParseErrorKind::UnexpectedElement { .. })
        }),
        (
            "<llsd><foo/></llsd>",
            |k| matches!(k, ParseErrorKind::UnexpectedElement { found, .. } if found == "foo"),
        ),
        ("<llsd><array>text</array></llsd>", |k| {
            matches!(k, ParseErrorKind::UnexpectedText { .. })
        }),
        ("<llsd><string>a</llsd>", |k| {
            matches!(k, ParseErrorKind::Xml(_))
        }),
        ("<llsd><string>a</string>", |k| {
            matches!(k, ParseErrorKind::Xml(_))
        }),
        ("<notllsd/>", |k| {
            matches!(k, ParseErrorKind::UnexpectedElement { .. })
        }),
        ("<llsd><integer/><integer/></llsd>", |k| {
            matches!(k, ParseErrorKind::UnexpectedElement { .. })
        }),
        ("<llsd><boolean>maybe</boolean></llsd>", |k| {
            matches!(k, ParseErrorKind::InvalidBoolean { .. })
        }),
        ("<llsd><real>1,5</real></llsd>", |k| {
            matches!(k, ParseErrorKind::InvalidNumber { .. })
        }),
        ("<llsd><uuid>not-a-uuid</uuid></llsd>", |k| {
            matches!(k, ParseErrorKind::InvalidUuid { .. })
        }),
        ("<llsd><date>yesterday</date></llsd>", |k| {
            matches!(k, ParseErrorKind::InvalidDate(_))
        }),
        ("<llsd><binary>@@@@</binary></llsd>", |k| {
            matches!(
                k,
                ParseErrorKind::InvalidEncoding {
                    encoding: "base64",
                    ..
                }
            )
        }),
        (
            "<llsd><binary encoding=\"base85\">xx</binary></llsd>",
            |k| matches!(k, ParseErrorKind::UnsupportedEncoding(_)),
        ),
        ("<llsd><integer><integer/></integer></llsd>", |k| {
            matches!(k, ParseErrorKind::UnexpectedElement { .. })
        }),
        ("<llsd><string>&bogus;</string></llsd>", |k| {
            matches!(k, ParseErrorKind::Xml(_))
        }),
        ("<llsd/>trailing", |k| matches!(k, ParseErrorKind::Xml(_))),
        ("", |k| matches!(k, ParseErrorKind::Xml(_))),
    ];
    for (doc, check) in cases {
        let e = xml_err(doc);
        assert!(check(&e.kind), "{doc}: {e}");
        assert!(e.offset <= doc.len());
        assert!(e.line_col.is_some());
    }
    // Not UTF-8 at all.
    let e = Llsd::from_xml_bytes(b"<llsd><string>\xff</string></llsd>").unwrap_err();
    assert_eq!(e.offset, 14);
}

//! Property tests: every LLSD value survives each serialization, and no
//! input of any shape makes a parser panic.

use kestrel_protocol::llsd::{Date, Format, Llsd, MAX_DEPTH, ParseErrorKind};
use kestrel_protocol::types::Uuid;
use proptest::collection::{btree_map, vec};
use proptest::prelude::*;

/// Structural equality with reals compared bit for bit (so `-0.0 != 0.0`);
/// NaN equals NaN, and with `nan_bits` its payload must match too (binary
/// keeps it, text formats write just `nan`).
fn same(a: &Llsd, b: &Llsd, nan_bits: bool) -> bool {
    match (a, b) {
        (Llsd::Real(x), Llsd::Real(y)) => {
            if x.is_nan() && y.is_nan() && !nan_bits {
                true
            } else {
                x.to_bits() == y.to_bits()
            }
        }
        (Llsd::Array(x), Llsd::Array(y)) => {
            x.len() == y.len() && x.iter().zip(y).all(|(p, q)| same(p, q, nan_bits))
        }
        (Llsd::Map(x), Llsd::Map(y)) => {
            x.len() == y.len()
                && x.iter()
                    .zip(y)
                    .all(|((k1, v1), (k2, v2))| k1 == k2 && same(v1, v2, nan_bits))
        }
        _ => a == b,
    }
}

fn arb_date() -> impl Strategy<Value = Date> {
    // Whole seconds across years 0000-9999 plus any fraction.
    (-62_167_219_200i64..253_402_300_700i64, 0.0f64..1.0).prop_map(|(whole, frac)| {
        Date::from_unix_seconds(whole as f64 + frac).expect("generated in range")
    })
}

/// Strings: arbitrary Unicode, or short runs of the characters each format
/// must escape (quotes, backslash, markup, controls, CR, NUL, separators).
fn arb_text() -> impl Strategy<Value = String> {
    let tricky: Vec<char> = "\0\u{1}\t\n\r\u{1f}\u{7f} '\"\\<>&;[]{}:,!#x0aé☺\u{fffe}\u{10ffff}"
        .chars()
        .collect();
    prop_oneof![
        any::<String>(),
        vec(prop::sample::select(tricky), 0..16).prop_map(String::from_iter),
    ]
}

fn arb_leaf() -> impl Strategy<Value = Llsd> {
    prop_oneof![
        Just(Llsd::Undefined),
        any::<bool>().prop_map(Llsd::Boolean),
        any::<i32>().prop_map(Llsd::Integer),
        any::<f64>().prop_map(Llsd::Real),
        arb_text().prop_map(Llsd::String),
        any::<[u8; 16]>().prop_map(|b| Llsd::Uuid(Uuid(b))),
        arb_date().prop_map(Llsd::Date),
        arb_text().prop_map(Llsd::Uri),
        vec(any::<u8>(), 0..40).prop_map(Llsd::Binary),
    ]
}

fn arb_llsd() -> impl Strategy<Value = Llsd> {
    arb_leaf().prop_recursive(5, 96, 8, |inner| {
        prop_oneof![
            vec(inner.clone(), 0..8).prop_map(Llsd::Array),
            btree_map(arb_text(), inner, 0..8).prop_map(Llsd::Map),
        ]
    })
}

fn nested_arrays(levels: usize) -> Llsd {
    let mut v = Llsd::Integer(7);
    for _ in 0..levels {
        v = Llsd::Array(vec![v]);
    }
    v
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(300))]

    #[test]
    fn xml_round_trip(v in arb_llsd()) {
        let text = v.to_xml();
        let back = Llsd::from_xml(&text).map_err(|e| TestCaseError::fail(format!("{e}\n{text}")))?;
        prop_assert!(same(&v, &back, false), "{v:?}\n{text}\n{back:?}");
    }

    #[test]
    fn binary_round_trip_is_bit_exact(v in arb_llsd()) {
        let bytes = v.to_binary();
        let back = Llsd::from_binary(&bytes).map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert!(same(&v, &back, true), "{v:?}\n{back:?}");
        let with_header = Llsd::from_binary(&v.to_binary_with_header())
            .map_err(|e| TestCaseError::fail(e.to_string()))?;
        prop_assert!(same(&v, &with_header, true));
    }

    #[test]
    fn notation_round_trip(v in arb_llsd()) {
        let text = v.to_notation();
        let back = Llsd::from_notation(text.as_bytes()).map_err(|e| TestCaseError::fail(format!("{e}\n{text}")))?;
        prop_assert!(same(&v, &back, false), "{v:?}\n{text}\n{back:?}");
    }

    #[test]
    fn formats_agree_with_each_other(v in arb_llsd()) {
        let via_xml = Llsd::from_xml(&v.to_xml()).unwrap();
        let via_notation = Llsd::from_notation(via_xml.to_notation().as_bytes()).unwrap();
        let via_binary = Llsd::from_binary(&via_notation.to_binary()).unwrap();
        prop_assert!(same(&v, &via_binary, false));
        for format in [Format::Xml, Format::Binary, Format::Notation] {
            let back = Llsd::parse(format, &v.serialize_as(format)).unwrap();
            prop_assert!(same(&v, &back, false), "{format}");
        }
    }

    /// Binary LLSD is self-delimiting: every strict prefix is an error that
    /// points inside the input.
    #[test]
    fn binary_prefixes_are_errors(v in arb_llsd()) {
        let bytes = v.to_binary();
        let step = (bytes.len() / 64).max(1);
        for cut in (0..bytes.len()).step_by(step) {
            match Llsd::from_binary(&bytes[..cut]) {
                Ok(parsed) => prop_assert!(false, "prefix {cut}/{} parsed as {parsed:?}", bytes.len()),
                Err(e) => prop_assert!(e.offset <= cut, "offset {} beyond prefix {cut}", e.offset),
            }
        }
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in vec(any::<u8>(), 0..512)) {
        for format in [Format::Xml, Format::Binary, Format::Notation] {
            if let Err(e) = Llsd::parse(format, &bytes) {
                prop_assert!(e.offset <= bytes.len(), "{format}: offset {} > {}", e.offset, bytes.len());
                prop_assert_eq!(e.format, format);
            }
        }
    }

    #[test]
    fn arbitrary_text_never_panics(text in "\\PC{0,300}") {
        for format in [Format::Xml, Format::Notation] {
            if let Err(e) = Llsd::parse(format, text.as_bytes()) {
                prop_assert!(e.offset <= text.len());
            }
        }
    }

    /// Damaged documents (a byte replaced, removed or inserted) are parsed
    /// or refused, never a panic, and errors point inside the input.
    #[test]
    fn damaged_documents_never_panic(
        v in arb_llsd(),
        pos in any::<prop::sample::Index>(),
        byte in any::<u8>(),
        how in 0u8..3,
    ) {
        for format in [Format::Xml, Format::Binary, Format::Notation] {
            let mut doc = v.serialize_as(format);
            let i = pos.index(doc.len() + 1);
            match how {
                0 if i < doc.len() => doc[i] = byte,
                1 if i < doc.len() => { doc.remove(i); }
                _ => doc.insert(i, byte),
            }
            if let Err(e) = Llsd::parse(format, &doc) {
                prop_assert!(e.offset <= doc.len());
            }
        }
    }
}

#[test]
fn nesting_is_bounded_in_every_format() {
    let ok = nested_arrays(MAX_DEPTH);
    let too_deep = nested_arrays(MAX_DEPTH + 1);
    for format in [Format::Xml, Format::Binary, Format::Notation] {
        let back = Llsd::parse(format, &ok.serialize_as(format)).unwrap();
        assert_eq!(back, ok, "{format}");
        let err = Llsd::parse(format, &too_deep.serialize_as(format)).unwrap_err();
        assert_eq!(
            err.kind,
            ParseErrorKind::TooDeep { limit: MAX_DEPTH },
            "{format}: {err}"
        );
    }
    // Hostile nesting far past the limit is refused without exhausting the
    // stack.
    let bomb = "[".repeat(1_000_000);
    assert!(matches!(
        Llsd::from_notation(bomb.as_bytes()).unwrap_err().kind,
        ParseErrorKind::TooDeep { .. }
    ));
    let bomb: Vec<u8> = std::iter::repeat_n(*b"[\0\0\0\x01", 200_000)
        .flatten()
        .collect();
    assert!(matches!(
        Llsd::from_binary(&bomb).unwrap_err().kind,
        ParseErrorKind::TooDeep { .. }
    ));
    let bomb = "<llsd>".to_string() + &"<array>".repeat(200_000);
    assert!(Llsd::from_xml(&bomb).is_err());
}

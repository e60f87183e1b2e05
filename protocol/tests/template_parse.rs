//! The template parser reads the full grammar and reports malformed input
//! with line, column and what was expected.

use kestrel_protocol::template::{
    self, Cardinality, Deprecation, Encoding, FieldType, Frequency, FrequencyCounts, LengthPrefix,
    TemplateErrorKind, Trust,
};
use std::path::Path;

#[test]
fn reads_the_whole_reference_template() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("reference/message_template.msg");
    let src = std::fs::read_to_string(&path).unwrap();
    let t = template::parse(&src).unwrap_or_else(|e| panic!("{}:{e}", path.display()));
    assert_eq!(t.version.as_deref(), Some("2.0"));
    assert_eq!(
        t.counts(),
        FrequencyCounts {
            fixed: 3,
            high: 32,
            medium: 17,
            low: 431
        }
    );
    assert_eq!(t.messages.len(), 483);
    let ack = t.message("PacketAck").unwrap();
    assert_eq!((ack.frequency, ack.number), (Frequency::Fixed, 0xFFFF_FFFB));
    let open = t.message("OpenCircuit").unwrap();
    assert_eq!(open.deprecation, Deprecation::UdpBlackListed);
    let update = t.message("ObjectUpdate").unwrap();
    assert_eq!(update.trust, Trust::Trusted);
    assert_eq!(update.encoding, Encoding::Zerocoded);
    let data = update.block("ObjectData").unwrap();
    assert_eq!(data.cardinality, Cardinality::Variable);
    assert_eq!(data.fields.len(), 46);
    let color = data.fields.iter().find(|f| f.name == "TextColor").unwrap();
    assert_eq!(color.ty, FieldType::Fixed(4));
    let test = t.message("TestMessage").unwrap();
    assert_eq!(
        test.block("NeighborBlock").unwrap().cardinality,
        Cardinality::Multiple(4)
    );
}

const EVERY_FEATURE: &str = r#"
// a comment before the version
version 1.0
{
    First High NotTrusted Unencoded        // no number: High 1
    {
        Types Single
        {   A Null }  { B Fixed 3 } { C Variable 1 } { D Variable 2 }
        {   E U8 } { F U16 } { G U32 } { H U64 }
        {   I S8 } { J S16 } { K S32 } { L S64 }
        {   M F32 } { N F64 }
        {   O LLVector3 } { P LLVector3d } { Q LLVector4 } { R LLQuaternion }
        {   S LLUUID } { T BOOL } { U IPADDR } { V IPPORT }
    }
}
{ Second High NotTrusted Zerocoded Deprecated }          // High 2
{ Third Medium 0x10 Trusted Unencoded UDPDeprecated
    { Many Multiple 2 { X U8 } }
    { Some Variable { Y U8 } }
}
{ Fourth Low 300 Trusted Zerocoded UDPBlackListed }
{ Fifth Low Trusted Zerocoded }                          // Low 301
{ Sixth Fixed 0xFFFFFFF0 NotTrusted Unencoded }
"#;

#[test]
fn reads_every_grammar_feature() {
    let t = template::parse(EVERY_FEATURE).unwrap();
    assert_eq!(t.version.as_deref(), Some("1.0"));
    let ids: Vec<_> = t
        .messages
        .iter()
        .map(|m| (m.name.as_str(), m.frequency, m.number))
        .collect();
    assert_eq!(
        ids,
        [
            ("First", Frequency::High, 1),
            ("Second", Frequency::High, 2),
            ("Third", Frequency::Medium, 16),
            ("Fourth", Frequency::Low, 300),
            ("Fifth", Frequency::Low, 301),
            ("Sixth", Frequency::Fixed, 0xFFFF_FFF0),
        ]
    );
    let deps: Vec<_> = t.messages.iter().map(|m| m.deprecation).collect();
    assert_eq!(
        deps,
        [
            Deprecation::Current,
            Deprecation::Deprecated,
            Deprecation::UdpDeprecated,
            Deprecation::UdpBlackListed,
            Deprecation::Current,
            Deprecation::Current
        ]
    );
    let types: Vec<FieldType> = t.messages[0].blocks[0]
        .fields
        .iter()
        .map(|f| f.ty)
        .collect();
    assert_eq!(
        types,
        [
            FieldType::Null,
            FieldType::Fixed(3),
            FieldType::Variable(LengthPrefix::One),
            FieldType::Variable(LengthPrefix::Two),
            FieldType::U8,
            FieldType::U16,
            FieldType::U32,
            FieldType::U64,
            FieldType::S8,
            FieldType::S16,
            FieldType::S32,
            FieldType::S64,
            FieldType::F32,
            FieldType::F64,
            FieldType::Vector3,
            FieldType::Vector3d,
            FieldType::Vector4,
            FieldType::Quaternion,
            FieldType::Uuid,
            FieldType::Bool,
            FieldType::IpAddr,
            FieldType::IpPort,
        ]
    );
    assert_eq!(
        t.messages[0].blocks[0].min_size(),
        3 + 1 + 2 + 15 + 15 + 12 + 12 + 24 + 16 + 12 + 16 + 1 + 4 + 2
    );
    assert_eq!(
        t.messages[2].blocks[0].cardinality,
        Cardinality::Multiple(2)
    );
    assert_eq!(t.messages[2].encoding, Encoding::Unencoded);
    assert_eq!(t.messages[1].encoding, Encoding::Zerocoded);
}

/// Parses `src`, expecting an error at `line:column` whose text contains
/// `needle`.
fn fails_at(src: &str, line: usize, column: usize, needle: &str) -> TemplateErrorKind {
    let err = template::parse(src).expect_err("should not parse");
    assert_eq!((err.line, err.column), (line, column), "{err}");
    let text = err.to_string();
    assert!(text.contains(needle), "{text:?} should contain {needle:?}");
    assert!(text.starts_with(&format!("{line}:{column}: ")), "{text}");
    err.kind
}

#[test]
fn malformed_templates_report_line_column_and_expectation() {
    fails_at(
        "{ A Sometimes NotTrusted Unencoded }",
        1,
        5,
        "expected a frequency",
    );
    fails_at(
        "{ A Low 1 Maybe Unencoded }",
        1,
        11,
        "expected `Trusted` or `NotTrusted`",
    );
    fails_at(
        "{ A Low 1 Trusted Squashed }",
        1,
        19,
        "expected `Zerocoded` or `Unencoded`",
    );
    fails_at(
        "{ A Low 1 Trusted Unencoded Obsolete }",
        1,
        29,
        "`Deprecated`",
    );
    fails_at(
        "{ A Low 1 Trusted Unencoded\n  { B Twice { C U8 } }\n}",
        2,
        7,
        "`Single`, `Multiple` or `Variable`",
    );
    fails_at(
        "{ A Low 1 Trusted Unencoded\n  { B Single { C U33 } }\n}",
        2,
        18,
        "expected a field type",
    );
    fails_at(
        "{ A Low 1 Trusted Unencoded\n  { B Single { C Variable 3 } }\n}",
        2,
        27,
        "1 or 2",
    );
    fails_at(
        "{ A Low 1 Trusted Unencoded\n  { B Multiple { C U8 } }\n}",
        2,
        16,
        "expected a repeat count",
    );
    fails_at(
        "{ A Low 1 Trusted Unencoded\n  { B Single { C U8 }\n",
        3,
        1,
        "found end of file",
    );
    fails_at(
        "{ A Low 1 Trusted Unencoded\n  { B Single { C U8 U8 } }\n}",
        2,
        21,
        "`}` ending the field",
    );
    fails_at("version\n", 2, 1, "version number");
    fails_at("Message", 1, 1, "`{` starting a message");
    fails_at("{ A Low 1 NotTrusted Unencoded } ;", 1, 34, "found ';'");
    fails_at(
        "{ 9A Low 1 NotTrusted Unencoded }",
        1,
        3,
        "expected a message name",
    );
    fails_at(
        "{ A Fixed NotTrusted Unencoded }",
        1,
        11,
        "Fixed message number",
    );
}

#[test]
fn semantic_errors_are_located() {
    let kind = fails_at("{ A High 255 NotTrusted Unencoded }", 1, 10, "out of range");
    assert!(matches!(kind, TemplateErrorKind::OutOfRange { .. }));
    fails_at(
        "{ A Fixed 0x1234 NotTrusted Unencoded }",
        1,
        11,
        "out of range",
    );
    fails_at("{ A Low 70000 NotTrusted Unencoded }", 1, 9, "out of range");
    let kind = fails_at(
        "{ A Low 1 NotTrusted Unencoded }\n{ A Low 2 NotTrusted Unencoded }",
        2,
        3,
        "second `A`",
    );
    assert_eq!(kind, TemplateErrorKind::DuplicateMessage("A".into()));
    fails_at(
        "{ A Low 1 NotTrusted Unencoded }\n{ B Low 1 NotTrusted Unencoded }",
        2,
        3,
        "Low 1 is already `A`",
    );
    fails_at(
        "{ A Low 1 NotTrusted Unencoded { B Single { C U8 } { C U8 } } }",
        1,
        54,
        "unique field name",
    );
    fails_at(
        "{ A Low 1 NotTrusted Unencoded { B Single } { B Single } }",
        1,
        47,
        "unique block name",
    );
}

#[test]
fn garbage_never_panics() {
    // A few hostile inputs; the fuzz target template_parse covers the rest.
    for src in [
        "{",
        "}",
        "{{{{",
        "// only a comment",
        "\u{0}",
        "{ A Low 99999999999999999999 X Y }",
        "é",
    ] {
        let _ = template::parse(src);
    }
    assert!(template::parse("").unwrap().messages.is_empty());
}

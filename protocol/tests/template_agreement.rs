//! The project template agrees with the reference template (the in-project
//! copy under `protocol/reference/`) field by field for every message, and
//! defines every message of the reference.

use kestrel_protocol::template::{self, Template};
use std::path::Path;

fn reference() -> Template {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("reference/message_template.msg");
    let src = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read reference {}: {e}", path.display()));
    template::parse(&src).unwrap_or_else(|e| panic!("{}:{e}", path.display()))
}

fn project() -> Template {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("message_template.msg");
    let src = std::fs::read_to_string(&path).unwrap();
    assert_eq!(
        src,
        template::PROJECT_TEMPLATE,
        "compiled-in copy is current"
    );
    template::parse(&src).unwrap_or_else(|e| panic!("{}:{e}", path.display()))
}

#[test]
fn every_project_message_matches_the_reference() {
    let reference = reference();
    let project = project();
    for m in &project.messages {
        let r = reference
            .message(&m.name)
            .unwrap_or_else(|| panic!("{} is not in the reference template", m.name));
        assert_eq!(m.frequency, r.frequency, "{}: frequency", m.name);
        assert_eq!(m.number, r.number, "{}: number", m.name);
        assert_eq!(m.trust, r.trust, "{}: trust", m.name);
        assert_eq!(m.encoding, r.encoding, "{}: encoding", m.name);
        assert_eq!(m.deprecation, r.deprecation, "{}: deprecation", m.name);
        assert_eq!(m.blocks.len(), r.blocks.len(), "{}: block count", m.name);
        for (b, rb) in m.blocks.iter().zip(&r.blocks) {
            assert_eq!(b.name, rb.name, "{}: block order", m.name);
            assert_eq!(
                b.cardinality, rb.cardinality,
                "{}.{}: cardinality",
                m.name, b.name
            );
            assert_eq!(
                b.fields, rb.fields,
                "{}.{}: fields and sizes",
                m.name, b.name
            );
        }
    }
}

#[test]
fn project_template_defines_every_reference_message() {
    let reference = reference();
    let project = project();
    for r in &reference.messages {
        assert!(
            project.message(&r.name).is_some(),
            "{} (reference {} {}) missing from the project template",
            r.name,
            r.frequency,
            r.number
        );
    }
    assert_eq!(project.messages.len(), reference.messages.len());
    assert_eq!(project.counts(), reference.counts());
    assert_eq!(project.messages.len(), 483);
}

#[test]
fn project_template_has_the_messages_viewer_and_simulator_exchange() {
    let project = project();
    let required = [
        "PacketAck",
        "UseCircuitCode",
        "OpenCircuit",
        "CloseCircuit",
        "StartPingCheck",
        "CompletePingCheck",
        "CompleteAgentMovement",
        "AgentMovementComplete",
        "RegionHandshake",
        "RegionHandshakeReply",
        "AgentUpdate",
        "AgentThrottle",
        "AgentHeightWidth",
        "SetAlwaysRun",
        "ObjectUpdate",
        "ObjectUpdateCompressed",
        "ObjectUpdateCached",
        "ImprovedTerseObjectUpdate",
        "KillObject",
        "RequestMultipleObjects",
        "LayerData",
        "SimStats",
        "SimulatorViewerTimeMessage",
        "ChatFromViewer",
        "ChatFromSimulator",
        "LogoutRequest",
        "LogoutReply",
        "RequestImage",
        "ImageData",
        "ImagePacket",
        "ImageNotInDatabase",
        "TransferRequest",
        "TransferInfo",
        "TransferPacket",
        "CoarseLocationUpdate",
        "UUIDNameRequest",
        "UUIDNameReply",
        "AgentDataUpdateRequest",
        "RegionInfo",
        "EconomyDataRequest",
    ];
    for name in required {
        assert!(
            project.message(name).is_some(),
            "{name} missing from the project template"
        );
    }
}

#[test]
fn a_changed_definition_is_caught() {
    // The comparison above is only useful if a real difference shows: edit
    // one field size in a copy of the project template and compare again.
    let reference = reference();
    let changed = template::PROJECT_TEMPLATE
        .replace("{   PingID          U8  }", "{   PingID          U16 }");
    assert_ne!(changed, template::PROJECT_TEMPLATE);
    let project = template::parse(&changed).unwrap();
    let differs = project.messages.iter().any(|m| {
        let r = reference.message(&m.name).unwrap();
        m.blocks != r.blocks
    });
    assert!(differs);
}

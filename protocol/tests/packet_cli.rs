//! The `kestrel-packet` tool, run as a user would.

use std::path::Path;
use std::process::{Command, Output};

fn tool(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_kestrel-packet"))
        .args(args)
        .output()
        .expect("run kestrel-packet")
}

fn stdout(o: &Output) -> String {
    assert!(
        o.status.success(),
        "failed: {}",
        String::from_utf8_lossy(&o.stderr)
    );
    String::from_utf8(o.stdout.clone())
        .unwrap()
        .trim()
        .to_string()
}

#[test]
fn template_counts_the_reference() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("reference/message_template.msg");
    let o = tool(&["template", path.to_str().unwrap()]);
    assert_eq!(
        stdout(&o),
        "messages: 483 (fixed 3, high 32, medium 17, low 431)"
    );
}

#[test]
fn template_reports_file_line_column() {
    let dir = std::env::temp_dir().join(format!("kestrel-packet-test-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let bad = dir.join("bad.msg");
    std::fs::write(
        &bad,
        "version 2.0\n{\n    Foo Low 1 NotTrusted Zerocoded\n    { Bar Sometimes }\n}\n",
    )
    .unwrap();
    let o = tool(&["template", bad.to_str().unwrap()]);
    assert!(!o.status.success());
    let err = String::from_utf8_lossy(&o.stderr);
    assert_eq!(
        err.trim(),
        format!(
            "{}:4:11: expected `Single`, `Multiple` or `Variable`, found `Sometimes`",
            bad.display()
        )
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn decode_of_encode_is_the_identity() {
    let packets = [
        // Unencoded, reliable, with acks.
        r#"{"header":{"flags":["reliable","acks"],"sequence":7},"message":{"UseCircuitCode":{"circuit_code":{"code":1234,"session_id":"00000000-0000-0000-0000-000000000001","id":"a2e76fcd-9360-4f6d-a924-000000000003"}}},"acks":[1,2]}"#,
        // Zerocoded with text and binary variable fields.
        r#"{"header":{"flags":["zerocoded"],"sequence":3},"message":{"ImprovedTerseObjectUpdate":{"region_data":{"region_handle":1099511628032000,"time_dilation":65535},"object_data":[{"data":{"hex":"0100000000"},"texture_entry":"face"}]}},"acks":[]}"#,
        // Fixed-number message with an IP address and big-endian port.
        r#"{"header":{"flags":[],"sequence":0},"message":{"OpenCircuit":{"circuit_info":{"ip":"127.0.0.1","port":13000}}},"acks":[]}"#,
    ];
    for json in packets {
        let hex = stdout(&tool(&["encode", json]));
        let decoded = stdout(&tool(&["decode", &hex]));
        let a: serde_json::Value = serde_json::from_str(json).unwrap();
        let b: serde_json::Value = serde_json::from_str(&decoded).unwrap();
        assert_eq!(a, b, "hex {hex}");
        // And encode of decode gives the same datagram back.
        assert_eq!(stdout(&tool(&["encode", &decoded])), hex);
    }
}

#[test]
fn encode_without_header_follows_the_template() {
    // ChatFromViewer is Zerocoded in the template: flag 0x80 is set and the
    // body is zerocoded; no header given means sequence 0.
    let json = r#"{"message":{"ChatFromViewer":{"agent_data":{"agent_id":"00000000-0000-0000-0000-000000000001","session_id":"00000000-0000-0000-0000-000000000002"},"chat_data":{"message":"hi","type":1,"channel":0}}}}"#;
    let hex = stdout(&tool(&["encode", json]));
    assert_eq!(
        hex,
        // 80 | seq 0 | 00 | FF FF 00(1) 50 | 15 zeros 01 | 15 zeros 02 |
        // len 03 00(1) | "hi" 00(1) | type 01 | channel 00(4)
        "800000000000ffff000150000f01000f020300016869000101 0004".replace(' ', "")
    );
}

#[test]
fn bad_input_is_an_error_not_a_panic() {
    for args in [
        ["decode", "zz"],
        ["decode", "4000"],
        ["decode", "0000000001000a"],
        ["encode", "{"],
        ["encode", r#"{"message":{"NoSuchMessage":{}}}"#],
    ] {
        let o = tool(&args);
        assert_eq!(o.status.code(), Some(1), "{args:?}");
        assert!(!o.stderr.is_empty());
        assert!(!String::from_utf8_lossy(&o.stderr).contains("panicked"));
    }
}

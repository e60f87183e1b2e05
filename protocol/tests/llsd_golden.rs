//! Hand-written LLSD documents in each format, read and written.

use kestrel_protocol::llsd::caps::{
    EventQueueGetRequest, EventQueueGetResponse, SeedCapabilityRequest, SeedCapabilityResponse,
};
use kestrel_protocol::llsd::{self, Date, Llsd, LlsdMap};
use kestrel_protocol::types::Uuid;

fn uuid(s: &str) -> Uuid {
    s.parse().unwrap()
}

/// An `EventQueueGet` answer as an OpenSimulator region sends it after
/// login: the neighbour announcement and the agent's seed for it.
const EVENT_QUEUE_RESPONSE: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<llsd>
  <map>
    <key>events</key>
    <array>
      <map>
        <key>message</key>
        <string>EnableSimulator</string>
        <key>body</key>
        <map>
          <key>SimulatorInfo</key>
          <array>
            <map>
              <key>Handle</key>
              <binary encoding="base64">AAPoAAAD6QA=</binary>
              <key>IP</key>
              <binary encoding="base64">fwAAAQ==</binary>
              <key>Port</key>
              <integer>9001</integer>
            </map>
          </array>
        </map>
      </map>
      <map>
        <key>message</key>
        <string>EstablishAgentCommunication</string>
        <key>body</key>
        <map>
          <key>agent-id</key>
          <uuid>6bad258e-06f0-4ae2-9a7f-2f0e5d4e4a1c</uuid>
          <key>sim-ip-and-port</key>
          <string>127.0.0.1:9001</string>
          <key>seed-capability</key>
          <uri>http://127.0.0.1:9001/CAPS/5f3a1c7e-0000-4000-8000-00000000beef0000/</uri>
        </map>
      </map>
    </array>
    <key>id</key>
    <integer>1</integer>
  </map>
</llsd>
"#;

#[test]
fn event_queue_response_xml() {
    let parsed: EventQueueGetResponse = llsd::from_xml_str(EVENT_QUEUE_RESPONSE).unwrap();
    assert_eq!(parsed.id, 1);
    assert_eq!(parsed.events.len(), 2);
    let enable = &parsed.events[0];
    assert_eq!(enable.message, "EnableSimulator");
    let info = enable.body.get("SimulatorInfo").unwrap().at(0).unwrap();
    // Handle: global x 256000 and y 256256 as two big-endian u32s.
    assert_eq!(
        info.get("Handle").unwrap().as_binary().unwrap(),
        &[0x00, 0x03, 0xe8, 0x00, 0x00, 0x03, 0xe9, 0x00]
    );
    assert_eq!(
        info.get("IP").unwrap().as_binary().unwrap(),
        &[127, 0, 0, 1]
    );
    assert_eq!(info.get("Port"), Some(&Llsd::Integer(9001)));

    let establish = &parsed.events[1];
    assert_eq!(establish.message, "EstablishAgentCommunication");
    assert_eq!(
        establish.body.get("agent-id"),
        Some(&Llsd::Uuid(uuid("6bad258e-06f0-4ae2-9a7f-2f0e5d4e4a1c")))
    );
    // The URI keeps its LLSD type inside the untyped body.
    assert!(
        matches!(establish.body.get("seed-capability"), Some(Llsd::Uri(u)) if u.ends_with("beef0000/"))
    );

    // Typed body access through serde.
    #[derive(serde::Deserialize)]
    struct Establish {
        #[serde(rename = "agent-id")]
        agent_id: Uuid,
        #[serde(rename = "sim-ip-and-port")]
        sim: String,
    }
    let body: Establish = establish.body_as().unwrap();
    assert_eq!(body.agent_id, uuid("6bad258e-06f0-4ae2-9a7f-2f0e5d4e4a1c"));
    assert_eq!(body.sim, "127.0.0.1:9001");

    // Written back and read again, nothing changes.
    let again: EventQueueGetResponse =
        llsd::from_xml_str(&llsd::to_xml_string(&parsed).unwrap()).unwrap();
    assert_eq!(again, parsed);
}

#[test]
fn event_queue_request_xml() {
    let first = EventQueueGetRequest {
        ack: None,
        done: false,
    };
    assert_eq!(
        llsd::to_xml_string(&first).unwrap(),
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><llsd><map><key>ack</key><undef />\
         <key>done</key><boolean>false</boolean></map></llsd>"
    );
    let later = EventQueueGetRequest {
        ack: Some(41),
        done: true,
    };
    let text = llsd::to_xml_string(&later).unwrap();
    assert!(
        text.contains("<key>ack</key><integer>41</integer>"),
        "{text}"
    );
    assert_eq!(
        llsd::from_xml_str::<EventQueueGetRequest>(&text).unwrap(),
        later
    );
    // A viewer that omits `done` means false.
    let bare: EventQueueGetRequest =
        llsd::from_xml_str("<llsd><map><key>ack</key><integer>3</integer></map></llsd>").unwrap();
    assert_eq!(
        bare,
        EventQueueGetRequest {
            ack: Some(3),
            done: false
        }
    );
}

#[test]
fn seed_capability_request_and_response_xml() {
    let req = SeedCapabilityRequest::new(["EventQueueGet", "GetTexture", "UpdateAgentInformation"]);
    assert_eq!(
        llsd::to_xml_string(&req).unwrap(),
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><llsd><array><string>EventQueueGet</string>\
         <string>GetTexture</string><string>UpdateAgentInformation</string></array></llsd>"
    );
    // Regions answer with strings (OpenSimulator) or URIs; both read.
    let response = r#"<?xml version="1.0" encoding="utf-8"?>
<llsd><map>
  <key>EventQueueGet</key><string>http://127.0.0.1:9000/CAPS/EQG/0b1d8c44-1c1a-4b5b-8b0f-5e4d0c8a7e21/</string>
  <key>GetTexture</key><uri>http://127.0.0.1:9000/CAPS/a5d3f7e2-8c0b-4f1e-9d27-3b6c4e5f6a7b/</uri>
</map></llsd>"#;
    let caps: SeedCapabilityResponse = llsd::from_xml_str(response).unwrap();
    assert_eq!(caps.0.len(), 2);
    assert_eq!(
        caps.url("EventQueueGet"),
        Some("http://127.0.0.1:9000/CAPS/EQG/0b1d8c44-1c1a-4b5b-8b0f-5e4d0c8a7e21/")
    );
    assert!(caps.url("GetTexture").unwrap().ends_with("3b6c4e5f6a7b/"));
    assert_eq!(caps.url("UpdateAgentInformation"), None);
}

#[test]
fn xml_empty_elements_mean_defaults() {
    let doc = r#"<llsd><array>
        <undef/><boolean/><integer/><real/><uuid/><string/><date/><uri/><binary/><array/><map/>
        <boolean>1</boolean><boolean>true</boolean><boolean>0</boolean>
        <real>nan</real><real>-inf</real><real> 2.5e3 </real>
        <binary encoding="base16">DEADbeef</binary>
        <binary>
          aGVs
          bG8=
        </binary>
        <string>  kept  &amp; &lt;escaped&gt; &#x263A;</string>
        <date>2006-02-01T14:29:53.43Z</date>
    </array></llsd>"#;
    let v = Llsd::from_xml(doc).unwrap();
    let a = v.as_array().unwrap();
    assert_eq!(a[0], Llsd::Undefined);
    assert_eq!(a[1], Llsd::Boolean(false));
    assert_eq!(a[2], Llsd::Integer(0));
    assert_eq!(a[3], Llsd::Real(0.0));
    assert_eq!(a[4], Llsd::Uuid(Uuid::NIL));
    assert_eq!(a[5], Llsd::String(String::new()));
    assert_eq!(a[6], Llsd::Date(Date::EPOCH));
    assert_eq!(a[7], Llsd::Uri(String::new()));
    assert_eq!(a[8], Llsd::Binary(vec![]));
    assert_eq!(a[9], Llsd::Array(vec![]));
    assert_eq!(a[10], Llsd::Map(LlsdMap::new()));
    assert_eq!(
        &a[11..14],
        &[
            Llsd::Boolean(true),
            Llsd::Boolean(true),
            Llsd::Boolean(false)
        ]
    );
    assert!(a[14].as_real().unwrap().is_nan());
    assert_eq!(a[15], Llsd::Real(f64::NEG_INFINITY));
    assert_eq!(a[16], Llsd::Real(2500.0));
    assert_eq!(a[17], Llsd::Binary(vec![0xde, 0xad, 0xbe, 0xef]));
    assert_eq!(a[18], Llsd::Binary(b"hello".to_vec()));
    assert_eq!(a[19], Llsd::String("  kept  & <escaped> \u{263a}".into()));
    assert!((a[20].as_date().unwrap().unix_seconds() - 1_138_804_193.43).abs() < 1e-6);
    assert_eq!(Llsd::from_xml("<llsd/>").unwrap(), Llsd::Undefined);
}

#[test]
fn xml_written_form() {
    let v = Llsd::new_map()
        .with("name", "a<b & c")
        .with(
            "id",
            Uuid::from_u128(0x6bad258e_06f0_4ae2_9a7f_2f0e5d4e4a1c),
        )
        .with("n", 3)
        .with("r", 0.5)
        .with("ctl", "\r\u{1}")
        .with("bin", vec![1u8, 2, 3]);
    assert_eq!(
        v.to_xml(),
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?><llsd><map>\
         <key>bin</key><binary encoding=\"base64\">AQID</binary>\
         <key>ctl</key><string>&#xD;&#x1;</string>\
         <key>id</key><uuid>6bad258e-06f0-4ae2-9a7f-2f0e5d4e4a1c</uuid>\
         <key>n</key><integer>3</integer>\
         <key>name</key><string>a&lt;b &amp; c</string>\
         <key>r</key><real>0.5</real></map></llsd>"
    );
}

/// A login-style notation document: spaces, commas (one trailing), nested
/// maps and arrays, single-quoted keys.
const NOTATION_SAMPLE: &str = "[
  {'destination':l\"http://secondlife.com\"},
  {'version':i1},
  {
    'agent_id':u3c115e51-04f4-523c-9fa6-98aff1034730,
    'session_id':u2c585cec-038c-40b0-b42e-a25ebab4d132,
    'circuit_code':i1075,
    'first_name':'Phoenix',
    'last_name':'Linden',
    'position':[r70.9247,r254.378,r38.7304],
    'look_at':[r-0.043753,r-0.999042,r0],
    'granters':[ua2e76fcd-9360-4f6d-a924-000000000003],
    'attachment_data':
    [
      {
        'attachment_point':i2,
        'item_id':ud6852c11-a74e-309a-0462-50533f1ef9b3,
        'asset_id':uc69b29b1-8944-58ae-a7c5-2ca7b23e22fb
      },
    ]
  }
]";

#[test]
fn notation_login_sample() {
    let v = Llsd::from_notation(NOTATION_SAMPLE.as_bytes()).unwrap();
    let a = v.as_array().unwrap();
    assert_eq!(a.len(), 3);
    assert_eq!(
        a[0].get("destination"),
        Some(&Llsd::Uri("http://secondlife.com".into()))
    );
    assert_eq!(a[1].get("version"), Some(&Llsd::Integer(1)));
    let agent = &a[2];
    assert_eq!(agent.get("circuit_code"), Some(&Llsd::Integer(1075)));
    assert_eq!(
        agent.get("first_name").and_then(Llsd::as_str),
        Some("Phoenix")
    );
    assert_eq!(
        agent.get("agent_id").and_then(Llsd::as_uuid),
        Some(uuid("3c115e51-04f4-523c-9fa6-98aff1034730"))
    );
    let look: Vec<f64> = agent
        .get("look_at")
        .unwrap()
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x.as_real().unwrap())
        .collect();
    assert_eq!(look, vec![-0.043753, -0.999042, 0.0]);
    let attachment = agent.get("attachment_data").unwrap().at(0).unwrap();
    assert_eq!(attachment.get("attachment_point"), Some(&Llsd::Integer(2)));
}

#[test]
fn notation_every_spelling() {
    // b(4) holds four raw bytes: NUL, 0xFF, ']' and '}'.
    let mut bytes = br#"{
        'undef':!, 'one':1, 'zero':0, 't':t, 'T':T, 'true':true, 'TRUE':TRUE,
        'f':f, 'F':F, 'false':false, 'FALSE':FALSE,
        'int':i-42, 'real':r-1.5e-3, 'nan':rnan, 'inf':rinf,
        "dq":"say \"hi\"", 'sq':'it\'s', 'esc':'\x41\n\t\\\q',
        s(3)"raw":s(7)"a'b\"c}",
        'uri':l"http://x/?a=\"b\"", 'date':d"2006-02-01T14:29:53Z", 'nodate':d"",
        'b64':b64"aGVsbG8=", 'b16':b16"DEADbeef", 'braw':b(4)""#
        .to_vec();
    bytes.extend_from_slice(&[0, 0xff, b']', b'}']);
    bytes.extend_from_slice(br#"", 'uuid':u00000000-0000-0000-0000-000000000000 }"#);
    let v = Llsd::from_notation(&bytes).unwrap();
    let get = |k: &str| v.get(k).cloned().unwrap_or_else(|| panic!("no {k}"));
    assert_eq!(get("undef"), Llsd::Undefined);
    for k in ["one", "t", "T", "true", "TRUE"] {
        assert_eq!(get(k), Llsd::Boolean(true), "{k}");
    }
    for k in ["zero", "f", "F", "false", "FALSE"] {
        assert_eq!(get(k), Llsd::Boolean(false), "{k}");
    }
    assert_eq!(get("int"), Llsd::Integer(-42));
    assert_eq!(get("real"), Llsd::Real(-1.5e-3));
    assert!(get("nan").as_real().unwrap().is_nan());
    assert_eq!(get("inf"), Llsd::Real(f64::INFINITY));
    assert_eq!(get("dq"), Llsd::String("say \"hi\"".into()));
    assert_eq!(get("sq"), Llsd::String("it's".into()));
    assert_eq!(get("esc"), Llsd::String("A\n\t\\q".into()));
    assert_eq!(get("raw"), Llsd::String("a'b\\\"c}".into()));
    assert_eq!(get("uri"), Llsd::Uri("http://x/?a=\"b\"".into()));
    assert_eq!(
        get("date").as_date().unwrap().unix_seconds(),
        1_138_804_193.0
    );
    assert_eq!(get("nodate"), Llsd::Date(Date::EPOCH));
    assert_eq!(get("b64"), Llsd::Binary(b"hello".to_vec()));
    assert_eq!(get("b16"), Llsd::Binary(vec![0xde, 0xad, 0xbe, 0xef]));
    assert_eq!(get("braw"), Llsd::Binary(vec![0, 0xff, b']', b'}']));
    assert_eq!(get("uuid"), Llsd::Uuid(Uuid::NIL));
}

#[test]
fn notation_written_form() {
    let v = Llsd::Array(vec![
        Llsd::Undefined,
        Llsd::Boolean(true),
        Llsd::Integer(-3),
        Llsd::Real(0.25),
        Llsd::String("it's \\ \u{1}é".into()),
        Llsd::Uri("http://a/\"q\"".into()),
        Llsd::Date(Date::from_unix_seconds(1_138_804_193.5).unwrap()),
        Llsd::Binary(b"hi".to_vec()),
        Llsd::new_map().with("k'1", Llsd::Array(vec![])),
    ]);
    assert_eq!(
        v.to_notation(),
        r#"[!,true,i-3,r0.25,'it\'s \\ \x01é',l"http://a/\"q\"",d"2006-02-01T14:29:53.5Z",b64"aGk=",{'k\'1':[]}]"#
    );
}

/// Binary sample, byte by byte. Map entries are written in key order.
#[rustfmt::skip]
const BINARY_SAMPLE: &[u8] = &[
    b'{', 0, 0, 0, 4,                     // map, 4 entries
      b'k', 0, 0, 0, 3, b'a', b'g', b'e', // key "age"
      b'i', 0, 0, 0x01, 0x2c,             // integer 300
      b'k', 0, 0, 0, 4, b'd', b'a', b't', b'a', // key "data"
      b'[', 0, 0, 0, 4,                   // array, 4 elements
        b'r', 0x3f, 0xf8, 0, 0, 0, 0, 0, 0, // real 1.5 (big-endian)
        b'd', 0, 0, 0x40, 0x78, 0x31, 0xf8, 0xd0, 0x41, // date 2006-02-01T14:29:53Z (little-endian f64)
        b'b', 0, 0, 0, 2, 0xca, 0xfe,     // binary [ca fe]
        b'!',                             // undefined
      b']',
      b'k', 0, 0, 0, 2, b'i', b'd',       // key "id"
      b'u', 0x6b, 0xad, 0x25, 0x8e, 0x06, 0xf0, 0x4a, 0xe2,
            0x9a, 0x7f, 0x2f, 0x0e, 0x5d, 0x4e, 0x4a, 0x1c, // uuid 6bad258e-…-2f0e5d4e4a1c
      b'k', 0, 0, 0, 4, b'n', b'a', b'm', b'e', // key "name"
      b's', 0, 0, 0, 3, b'B', b'o', b'b', // string "Bob"
    b'}',
];

fn binary_sample_value() -> Llsd {
    Llsd::new_map()
        .with("age", 300)
        .with(
            "data",
            Llsd::Array(vec![
                Llsd::Real(1.5),
                Llsd::Date(Date::parse_iso8601("2006-02-01T14:29:53Z").unwrap()),
                Llsd::Binary(vec![0xca, 0xfe]),
                Llsd::Undefined,
            ]),
        )
        .with("id", uuid("6bad258e-06f0-4ae2-9a7f-2f0e5d4e4a1c"))
        .with("name", "Bob")
}

#[test]
fn binary_sample_reads_and_writes() {
    let expected = binary_sample_value();
    assert_eq!(Llsd::from_binary(BINARY_SAMPLE).unwrap(), expected);
    assert_eq!(expected.to_binary(), BINARY_SAMPLE);
    // With either header spelling in front.
    for header in [&b"<? LLSD/Binary ?>\n"[..], b"<?llsd/binary?>\n"] {
        let mut doc = header.to_vec();
        doc.extend_from_slice(BINARY_SAMPLE);
        assert_eq!(Llsd::from_binary(&doc).unwrap(), expected);
    }
    assert!(
        expected
            .to_binary_with_header()
            .starts_with(b"<? LLSD/Binary ?>\n")
    );
    // Booleans and the delimited-string form some writers use.
    assert_eq!(
        Llsd::from_binary(b"[\0\0\0\x031'it\\'s'0]").unwrap(),
        Llsd::Array(vec![
            Llsd::Boolean(true),
            Llsd::String("it's".into()),
            Llsd::Boolean(false)
        ])
    );
}

//! The XML-RPC login call: requests and responses, both directions.

use std::net::Ipv4Addr;

use kestrel_protocol::login::xmlrpc::{Fault, MethodCall, MethodResponse, Value, XmlRpcErrorKind};
use kestrel_protocol::login::{
    HomeLocation, LoginError, LoginRefusal, LoginRequest, LoginResponse, LoginSuccess,
    StartLocation,
};
use kestrel_protocol::types::Uuid;
use proptest::collection::vec;
use proptest::prelude::*;

fn request() -> LoginRequest {
    LoginRequest {
        first: "Test".into(),
        last: "User".into(),
        passwd: LoginRequest::hash_password("password"),
        start: StartLocation::Region {
            name: "Kestrel Island & Co".into(),
            x: 128.0,
            y: 64.5,
            z: 22.0,
        },
        channel: "Kestrel".into(),
        version: "0.1.0.0".into(),
        platform: "Lin".into(),
        mac: "00000000000000000000000000000000".into(),
        id0: "11111111111111111111111111111111".into(),
        agree_to_tos: true,
        read_critical: false,
        viewer_digest: None,
        options: vec!["inventory-root".into(), "buddy-list".into()],
    }
}

#[test]
fn password_hash_is_dollar_one_md5() {
    assert_eq!(
        LoginRequest::hash_password("password"),
        "$1$5f4dcc3b5aa765d61d8327deb882cf99"
    );
}

#[test]
fn request_round_trip() {
    let req = request();
    let xml = req.to_xmlrpc();
    assert!(xml.contains("<methodName>login_to_simulator</methodName>"));
    assert!(xml.contains("<name>start</name><value><string>uri:Kestrel Island %26 Co&amp;128&amp;64.5&amp;22</string>"), "{xml}");
    assert!(xml.contains("<name>agree_to_tos</name><value><boolean>1</boolean></value>"));
    assert_eq!(LoginRequest::from_xmlrpc(&xml).unwrap(), req);

    let mut home = req.clone();
    home.start = StartLocation::Home;
    home.viewer_digest = Some("09d93740-8f37-c418-fbf2-2a78c7b0d1ea".into());
    assert_eq!(LoginRequest::from_xmlrpc(&home.to_xmlrpc()).unwrap(), home);
}

/// A request as older viewers write it: indented, booleans as strings, bare
/// text values, extra members the simulator ignores.
#[test]
fn request_from_a_viewer() {
    let xml = r#"<?xml version="1.0"?>
<methodCall>
  <methodName>login_to_simulator</methodName>
  <params>
    <param>
      <value>
        <struct>
          <member><name>first</name><value><string>Justin</string></value></member>
          <member><name>last</name><value>Clark-Casey</value></member>
          <member><name>passwd</name><value><string>$1$5f4dcc3b5aa765d61d8327deb882cf99</string></value></member>
          <member><name>start</name><value><string>last</string></value></member>
          <member><name>version</name><value><string>Second Life Release 1.23.4.123908</string></value></member>
          <member><name>channel</name><value><string>Second Life Release</string></value></member>
          <member><name>platform</name><value><string>Lin</string></value></member>
          <member><name>mac</name><value><string>aabbccddeeff</string></value></member>
          <member><name>id0</name><value><string>00112233</string></value></member>
          <member><name>agree_to_tos</name><value><string>true</string></value></member>
          <member><name>last_exec_event</name><value><int>0</int></value></member>
          <member>
            <name>options</name>
            <value><array><data>
              <value><string>inventory-root</string></value>
              <value><string>login-flags</string></value>
            </data></array></value>
          </member>
        </struct>
      </value>
    </param>
  </params>
</methodCall>"#;
    let req = LoginRequest::from_xmlrpc(xml).unwrap();
    assert_eq!(req.first, "Justin");
    assert_eq!(req.last, "Clark-Casey");
    assert_eq!(req.start, StartLocation::Last);
    assert!(req.agree_to_tos);
    assert!(!req.read_critical);
    assert_eq!(req.options, vec!["inventory-root", "login-flags"]);
    assert_eq!(req.viewer_digest, None);
}

#[test]
fn request_errors() {
    let mut call = MethodCall::parse(&request().to_xmlrpc()).unwrap();
    call.method_name = "get_grid_info".into();
    assert!(matches!(
        LoginRequest::from_xmlrpc(&call.to_xml()),
        Err(LoginError::WrongMethod { found }) if found == "get_grid_info"
    ));
    let no_pass = request()
        .to_xmlrpc()
        .replace("<name>passwd</name>", "<name>password</name>");
    assert!(matches!(
        LoginRequest::from_xmlrpc(&no_pass),
        Err(LoginError::MissingField { field: "passwd" })
    ));
    let bad_start = request().to_xmlrpc().replace("uri:Kestrel", "url:Kestrel");
    assert!(matches!(
        LoginRequest::from_xmlrpc(&bad_start),
        Err(LoginError::InvalidField { field, .. }) if field == "start"
    ));
    let bad_options = request().to_xmlrpc().replace(
        "<value><string>buddy-list</string></value>",
        "<value><int>4</int></value>",
    );
    assert!(matches!(
        LoginRequest::from_xmlrpc(&bad_options),
        Err(LoginError::InvalidField { field, .. }) if field == "options"
    ));
    let no_params = "<methodCall><methodName>login_to_simulator</methodName></methodCall>";
    assert!(matches!(
        LoginRequest::from_xmlrpc(no_params),
        Err(LoginError::NoStruct { what: "request" })
    ));
}

#[test]
fn start_locations() {
    for (text, loc) in [
        ("home", StartLocation::Home),
        ("last", StartLocation::Last),
        (
            "uri:Da Boom&128&128&30",
            StartLocation::Region {
                name: "Da Boom".into(),
                x: 128.0,
                y: 128.0,
                z: 30.0,
            },
        ),
        (
            "uri:A%26B%25&1.5&2&3",
            StartLocation::Region {
                name: "A&B%".into(),
                x: 1.5,
                y: 2.0,
                z: 3.0,
            },
        ),
    ] {
        let parsed: StartLocation = text.parse().unwrap();
        assert_eq!(parsed, loc, "{text}");
        assert_eq!(parsed.to_string().parse::<StartLocation>().unwrap(), loc);
    }
    for bad in [
        "uri:Region&1&2",
        "uri:R&x&2&3",
        "uri:R%zz&1&2&3",
        "somewhere",
        "uri:R&1&2&inf",
    ] {
        assert!(bad.parse::<StartLocation>().is_err(), "{bad}");
    }
}

/// A success response shaped like OpenSimulator's `LLLoginResponse`
/// (members in hash order, nested arrays of structs, LLSD-notation strings).
const OPENSIM_SUCCESS: &str = r#"<?xml version="1.0" encoding="utf-8"?>
<methodResponse>
  <params>
    <param>
      <value>
        <struct>
          <member><name>look_at</name><value><string>[r0.99949799999999999756,r0.03166859999999999814,r0]</string></value></member>
          <member><name>agent_access_max</name><value><string>A</string></value></member>
          <member><name>seconds_since_epoch</name><value><i4>1718000000</i4></value></member>
          <member><name>region_y</name><value><i4>256000</i4></value></member>
          <member><name>region_x</name><value><i4>256256</i4></value></member>
          <member><name>login-flags</name><value><array><data><value><struct>
            <member><name>daylight_savings</name><value><string>N</string></value></member>
            <member><name>stipend_since_login</name><value><string>N</string></value></member>
            <member><name>gendered</name><value><string>Y</string></value></member>
            <member><name>ever_logged_in</name><value><string>Y</string></value></member>
          </struct></value></data></array></value></member>
          <member><name>circuit_code</name><value><i4>-1294967296</i4></value></member>
          <member><name>sim_port</name><value><i4>9000</i4></value></member>
          <member><name>home</name><value><string>{'region_handle':[r256256,r256000], 'position':[r128.5,r127,r21.25], 'look_at':[r1,r0,r0]}</string></value></member>
          <member><name>sim_ip</name><value><string>127.0.0.1</string></value></member>
          <member><name>inventory-root</name><value><array><data><value><struct>
            <member><name>folder_id</name><value><string>9f1a0b47-7d5b-4c4e-8e2a-0c6f0f1d2e3a</string></value></member>
          </struct></value></data></array></value></member>
          <member><name>start_location</name><value><string>last</string></value></member>
          <member><name>seed_capability</name><value><string>http://127.0.0.1:9000/CAPS/8a1f37b2-58e4-4b7c-9fd9-3c8a5b1b2c3d0000/</string></value></member>
          <member><name>agent_access</name><value><string>M</string></value></member>
          <member><name>first_name</name><value><string>Test</string></value></member>
          <member><name>last_name</name><value><string>User</string></value></member>
          <member><name>message</name><value><string>Welcome to OpenSim!</string></value></member>
          <member><name>agent_id</name><value><string>a2e76fcd-9360-4f6d-a924-000000000003</string></value></member>
          <member><name>session_id</name><value><string>5e5c2f3a-1b2c-4d5e-8f90-a1b2c3d4e5f6</string></value></member>
          <member><name>secure_session_id</name><value><string>0f0e0d0c-0b0a-0908-0706-050403020100</string></value></member>
          <member><name>buddy-list</name><value><array><data /></array></value></member>
          <member><name>login</name><value><string>true</string></value></member>
        </struct>
      </value>
    </param>
  </params>
</methodResponse>"#;

#[test]
fn opensim_success_parses() {
    let s = LoginResponse::from_xmlrpc(OPENSIM_SUCCESS)
        .unwrap()
        .into_result()
        .unwrap();
    assert_eq!(
        s.agent_id,
        "a2e76fcd-9360-4f6d-a924-000000000003".parse().unwrap()
    );
    assert_eq!(
        s.session_id,
        "5e5c2f3a-1b2c-4d5e-8f90-a1b2c3d4e5f6".parse().unwrap()
    );
    assert_eq!(
        s.secure_session_id,
        "0f0e0d0c-0b0a-0908-0706-050403020100".parse().unwrap()
    );
    assert_eq!(
        (s.first_name.as_str(), s.last_name.as_str()),
        ("Test", "User")
    );
    // -1294967296 as an i32 is 3000000000 as a u32.
    assert_eq!(s.circuit_code, 3_000_000_000);
    assert_eq!(s.sim_ip, Ipv4Addr::new(127, 0, 0, 1));
    assert_eq!(s.sim_port, 9000);
    assert_eq!((s.region_x, s.region_y), (256_256, 256_000));
    assert_eq!(s.region_handle(), (256_256u64 << 32) | 256_000);
    assert!(s.seed_capability.starts_with("http://127.0.0.1:9000/CAPS/"));
    assert_eq!(s.look_at, [0.999498, 0.0316686, 0.0]);
    assert_eq!(s.message, "Welcome to OpenSim!");
    assert_eq!(s.agent_access, "M");
    assert_eq!(s.start_location, "last");
    assert_eq!(
        s.home,
        Some(HomeLocation {
            region_x: 256_256,
            region_y: 256_000,
            position: [128.5, 127.0, 21.25],
            look_at: [1.0, 0.0, 0.0],
        })
    );
    assert_eq!(s.seconds_since_epoch, Some(1_718_000_000));
    assert_eq!(
        s.inventory_root,
        Some("9f1a0b47-7d5b-4c4e-8e2a-0c6f0f1d2e3a".parse().unwrap())
    );
    let extra: Vec<&str> = s.extra.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(extra, vec!["agent_access_max", "login-flags", "buddy-list"]);
}

fn success() -> LoginSuccess {
    LoginSuccess {
        agent_id: Uuid::from_u128(1),
        session_id: Uuid::from_u128(2),
        secure_session_id: Uuid::from_u128(3),
        first_name: "Kestrel".into(),
        last_name: "Resident".into(),
        circuit_code: 0xdead_beef,
        sim_ip: Ipv4Addr::LOCALHOST,
        sim_port: 13000,
        region_x: 256_000,
        region_y: 256_000,
        seed_capability: "http://127.0.0.1:13001/caps/seed/abc".into(),
        look_at: [0.5, -0.5, 0.0],
        message: "Hello & <welcome>".into(),
        agent_access: "M".into(),
        start_location: "last".into(),
        home: Some(HomeLocation {
            region_x: 256_000,
            region_y: 256_000,
            position: [128.0, 128.0, 25.5],
            look_at: [0.0, 1.0, 0.0],
        }),
        seconds_since_epoch: Some(3_000_000_000),
        inventory_root: Some(Uuid::from_u128(4)),
        extra: vec![(
            "login-flags".into(),
            Value::Array(vec![Value::Struct(vec![(
                "ever_logged_in".into(),
                "Y".into(),
            )])]),
        )],
    }
}

#[test]
fn success_round_trip() {
    let response = LoginResponse::Success(Box::new(success()));
    let xml = response.to_xmlrpc();
    assert!(xml.contains("<name>login</name><value><string>true</string></value>"));
    assert!(
        xml.contains("<name>look_at</name><value><string>[r0.5,r-0.5,r0]</string>"),
        "{xml}"
    );
    assert_eq!(LoginResponse::from_xmlrpc(&xml).unwrap(), response);
}

#[test]
fn refusal_is_its_own_variant() {
    let xml = r#"<?xml version="1.0"?><methodResponse><params><param><value><struct>
        <member><name>reason</name><value><string>key</string></value></member>
        <member><name>message</name><value><string>Could not authenticate your avatar. Please check your username and password, and check the grid if problems persist.</string></value></member>
        <member><name>login</name><value><string>false</string></value></member>
    </struct></value></param></params></methodResponse>"#;
    let r = LoginResponse::from_xmlrpc(xml).unwrap();
    let LoginResponse::Refused(refusal) = &r else {
        panic!("not a refusal: {r:?}");
    };
    assert_eq!(refusal.reason, "key");
    assert!(refusal.message.starts_with("Could not authenticate"));
    match r.into_result() {
        Err(LoginError::Refused { reason, message }) => {
            assert_eq!(reason, "key");
            assert!(message.contains("password"));
        }
        other => panic!("{other:?}"),
    }
    let written = LoginResponse::Refused(LoginRefusal {
        reason: "presence".into(),
        message: "You appear to be already logged in.".into(),
    });
    assert_eq!(
        LoginResponse::from_xmlrpc(&written.to_xmlrpc()).unwrap(),
        written
    );
}

#[test]
fn fault_is_an_error() {
    let fault = MethodResponse::Fault(Fault {
        code: 4,
        message: "Too many parameters".into(),
    });
    let xml = fault.to_xml();
    assert_eq!(MethodResponse::parse(&xml).unwrap(), fault);
    assert_eq!(
        LoginResponse::from_xmlrpc(&xml),
        Err(LoginError::Fault {
            code: 4,
            message: "Too many parameters".into()
        })
    );
}

#[test]
fn malformed_responses_say_what_and_where() {
    let e = LoginResponse::from_xmlrpc("<methodResponse>\n  <params>\n    <param><value><int>x1</int></value></param>\n  </params>\n</methodResponse>").unwrap_err();
    let LoginError::XmlRpc(x) = &e else {
        panic!("{e:?}")
    };
    assert!(
        matches!(&x.kind, XmlRpcErrorKind::BadScalar { element, text } if element == "int" && text == "x1")
    );
    assert_eq!((x.line, x.column), (3, 19));
    assert!(e.to_string().contains("line 3, column 19"), "{e}");

    let broken = [
        "",
        "<methodResponse>",
        "<methodResponse><params></methodResponse>",
        "<methodCall/>",
        "<methodResponse><params><param><value><struct><member><name>a</name></member></struct></value></param></params></methodResponse>",
        "<methodResponse><params><param><value><array><value/></array></value></param></params></methodResponse>",
        "<methodResponse><params><param><value><bogus/></value></param></params></methodResponse>",
        "<methodResponse><params><param><value><boolean>2</boolean></value></param></params></methodResponse>",
        "<methodResponse><params><param><value><base64>!!</base64></value></param></params></methodResponse>",
        "<methodResponse><fault><value><int>1</int></value></fault></methodResponse>",
        "<methodResponse><params/><fault/></methodResponse>",
    ];
    for doc in broken {
        assert!(
            matches!(LoginResponse::from_xmlrpc(doc), Err(LoginError::XmlRpc(_))),
            "{doc}"
        );
    }
    // Well-formed XML-RPC that is not a usable login answer.
    let cut = OPENSIM_SUCCESS.replace(
        "<member><name>sim_ip</name><value><string>127.0.0.1</string></value></member>",
        "",
    );
    assert!(matches!(
        LoginResponse::from_xmlrpc(&cut),
        Err(LoginError::MissingField { field: "sim_ip" })
    ));
    let bad_ip =
        OPENSIM_SUCCESS.replace("<string>127.0.0.1</string>", "<string>localhost</string>");
    assert!(
        matches!(LoginResponse::from_xmlrpc(&bad_ip), Err(LoginError::InvalidField { field, .. }) if field == "sim_ip")
    );
    let bad_port = OPENSIM_SUCCESS.replace("<i4>9000</i4>", "<i4>70000</i4>");
    assert!(
        matches!(LoginResponse::from_xmlrpc(&bad_port), Err(LoginError::InvalidField { field, .. }) if field == "sim_port")
    );
    let bad_id = OPENSIM_SUCCESS.replace("a2e76fcd-9360-4f6d-a924-000000000003", "nobody");
    assert!(
        matches!(LoginResponse::from_xmlrpc(&bad_id), Err(LoginError::InvalidField { field, .. }) if field == "agent_id")
    );
    let bad_look = OPENSIM_SUCCESS.replace(
        "[r0.99949799999999999756,r0.03166859999999999814,r0]",
        "[r1,r2]",
    );
    assert!(
        matches!(LoginResponse::from_xmlrpc(&bad_look), Err(LoginError::InvalidField { field, .. }) if field == "look_at")
    );
    let no_login = OPENSIM_SUCCESS.replace(
        "<member><name>login</name><value><string>true</string></value></member>",
        "",
    );
    assert!(matches!(
        LoginResponse::from_xmlrpc(&no_login),
        Err(LoginError::MissingField { field: "login" })
    ));
    // An unreadable home is kept as-is rather than failing the login.
    let odd_home = OPENSIM_SUCCESS.replace("{'region_handle'", "{'regionhandle'");
    let s = LoginResponse::from_xmlrpc(&odd_home)
        .unwrap()
        .into_result()
        .unwrap();
    assert_eq!(s.home, None);
    assert!(s.extra.iter().any(|(k, _)| k == "home"));
}

/// Arbitrary Unicode, or short runs of characters XML must escape.
fn arb_text() -> impl Strategy<Value = String> {
    let tricky: Vec<char> = "\0\u{1}\t\n\r \"'<>&;#x]]é".chars().collect();
    prop_oneof![
        any::<String>(),
        vec(prop::sample::select(tricky), 0..16).prop_map(String::from_iter),
    ]
}

fn arb_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        arb_text().prop_map(Value::String),
        any::<i32>().prop_map(Value::Int),
        any::<bool>().prop_map(Value::Boolean),
        any::<f64>()
            .prop_filter("NaN never equals itself", |d| !d.is_nan())
            .prop_map(Value::Double),
        vec(any::<u8>(), 0..32).prop_map(Value::Base64),
        "[0-9]{8}T[0-9]{2}:[0-9]{2}:[0-9]{2}".prop_map(Value::DateTime),
        Just(Value::Nil),
    ];
    leaf.prop_recursive(4, 64, 6, |inner| {
        prop_oneof![
            vec(inner.clone(), 0..6).prop_map(Value::Array),
            vec((arb_text(), inner), 0..6).prop_map(Value::Struct),
        ]
    })
}

proptest! {
    #[test]
    fn xmlrpc_values_round_trip(params in vec(arb_value(), 0..4), name in "[A-Za-z_.]{1,20}") {
        let call = MethodCall { method_name: name, params: params.clone() };
        prop_assert_eq!(MethodCall::parse(&call.to_xml()).unwrap(), call);
        let resp = MethodResponse::Params(params);
        prop_assert_eq!(MethodResponse::parse(&resp.to_xml()).unwrap(), resp);
    }

    #[test]
    fn login_request_round_trips(
        first in arb_text(), last in arb_text(), pass in any::<String>(),
        options in vec(arb_text(), 0..4), tos in any::<bool>(),
    ) {
        let mut req = request();
        req.first = first;
        req.last = last;
        req.passwd = LoginRequest::hash_password(&pass);
        req.options = options;
        req.agree_to_tos = tos;
        prop_assert_eq!(LoginRequest::from_xmlrpc(&req.to_xmlrpc()).unwrap(), req);
    }

    #[test]
    fn arbitrary_text_never_panics(text in "\\PC{0,400}") {
        let _ = LoginResponse::from_xmlrpc(&text);
        if let Err(LoginError::XmlRpc(e)) = LoginRequest::from_xmlrpc(&text) {
            prop_assert!(e.offset <= text.len());
        }
    }

    #[test]
    fn damaged_responses_never_panic(pos in any::<prop::sample::Index>(), byte in 0x20u8..0x7f) {
        let mut doc = OPENSIM_SUCCESS.as_bytes().to_vec();
        let i = pos.index(doc.len());
        doc[i] = byte;
        // Printable ASCII replacing a byte of an ASCII document stays UTF-8.
        let text = std::str::from_utf8(&doc).unwrap();
        if let Err(LoginError::XmlRpc(e)) = LoginResponse::from_xmlrpc(text) {
            prop_assert!(e.offset <= text.len());
        }
    }
}

//! The simulator's HTTP side over real loopback sockets: XML-RPC login
//! (success, refusal, malformed), the seed capability, SimulatorFeatures,
//! and the event queue's long poll.

mod sim_support;

use kestrel::sim::login::agent_id_for;
use kestrel_protocol::llsd::caps::{
    EventQueueGetRequest, EventQueueGetResponse, SeedCapabilityRequest, SeedCapabilityResponse,
};
use kestrel_protocol::llsd::{self, Llsd, LlsdType};
use kestrel_protocol::login::LoginResponse;
use kestrel_protocol::login::xmlrpc::{MethodResponse, Value};
use sim_support::*;

#[tokio::test]
async fn login_succeeds_with_the_password_and_describes_the_region() {
    let sim = start(clean_config(20)).await;
    let ok = login_ok(&sim, "Ada", "Lovelace").await;
    assert_eq!(ok.first_name, "Ada");
    assert_eq!(ok.last_name, "Lovelace");
    assert_eq!(
        ok.agent_id,
        agent_id_for("Ada", "Lovelace"),
        "agent id is deterministic from the name"
    );
    assert_eq!(ok.sim_ip, std::net::Ipv4Addr::LOCALHOST);
    assert_eq!(ok.sim_port, sim.udp_addr().port());
    assert_eq!((ok.region_x, ok.region_y), (256_000, 256_000));
    assert!(
        ok.seed_capability
            .starts_with(&format!("http://{}/caps/", sim.http_addr()))
    );
    assert_ne!(ok.session_id, ok.secure_session_id);
    assert!(ok.message.contains("Kestrel Bay"), "MOTD: {}", ok.message);
    assert!(ok.home.is_some());

    // A second login of the same name: same agent, new session and code.
    let again = login_ok(&sim, "ada", "lovelace").await;
    assert_eq!(again.agent_id, ok.agent_id);
    assert_ne!(again.session_id, ok.session_id);
    assert_ne!(again.circuit_code, ok.circuit_code);
    assert_eq!(sim.sessions(), 1, "the second login replaced the first");
    assert_eq!(sim.stats().logins_accepted, 2);
}

#[tokio::test]
async fn a_wrong_password_is_refused_the_way_a_grid_does() {
    let sim = start(clean_config(0)).await;
    match login(&sim, "Ada", "Lovelace", "not-the-password").await {
        LoginResponse::Refused(r) => {
            assert_eq!(r.reason, "key");
            assert!(!r.message.is_empty());
        }
        LoginResponse::Success(_) => panic!("a wrong password logged in"),
    }
    let s = sim.stats();
    assert_eq!((s.logins_accepted, s.logins_refused), (0, 1));
    assert_eq!(sim.sessions(), 0);
}

#[tokio::test]
async fn malformed_login_bodies_get_a_400_with_the_reason() {
    let sim = start(clean_config(0)).await;
    let a = http(
        sim.http_addr(),
        "POST",
        "/",
        "text/xml",
        b"<methodCall><oops",
    )
    .await
    .unwrap();
    assert_eq!(a.status, 400);
    assert!(a.body.contains("not XML-RPC"), "{}", a.body);
    let wrong = "<?xml version=\"1.0\"?><methodCall><methodName>get_weather</methodName><params/></methodCall>";
    let a = http(sim.http_addr(), "POST", "/", "text/xml", wrong.as_bytes())
        .await
        .unwrap();
    assert_eq!(a.status, 400);
    assert!(a.body.contains("get_weather"), "{}", a.body);
    let a = http(
        sim.http_addr(),
        "POST",
        "/",
        "text/xml",
        &[0xff, 0xfe, 0x00],
    )
    .await
    .unwrap();
    assert_eq!(a.status, 400);
    let a = http(sim.http_addr(), "GET", "/", "text/plain", b"")
        .await
        .unwrap();
    assert_eq!(a.status, 405);
    let a = http(sim.http_addr(), "POST", "/nowhere", "text/plain", b"")
        .await
        .unwrap();
    assert_eq!(a.status, 404);
    assert_eq!(sim.stats().logins_refused, 3);
    // The server is still serving.
    login_ok(&sim, "Still", "Here").await;
}

#[tokio::test]
async fn the_seed_capability_grants_what_the_region_serves() {
    let sim = start(clean_config(0)).await;
    let ok = login_ok(&sim, "Grace", "Hopper").await;
    let seed = path_of(&ok.seed_capability);
    let request = SeedCapabilityRequest::new([
        "EventQueueGet",
        "SimulatorFeatures",
        "GetTexture",
        "FetchInventory2",
    ]);
    let body = llsd::to_value(&request).unwrap().to_xml();
    let a = http(
        sim.http_addr(),
        "POST",
        &seed,
        "application/llsd+xml",
        body.as_bytes(),
    )
    .await
    .unwrap();
    assert_eq!(a.status, 200, "{}", a.body);
    let granted: SeedCapabilityResponse = llsd::from_xml_str(&a.body).unwrap();
    let mut names: Vec<&String> = granted.0.keys().collect();
    names.sort();
    assert_eq!(names, ["EventQueueGet", "GetTexture", "SimulatorFeatures"]);

    let features = granted.url("SimulatorFeatures").unwrap();
    let a = http(
        sim.http_addr(),
        "GET",
        &path_of(features),
        "text/plain",
        b"",
    )
    .await
    .unwrap();
    assert_eq!(a.status, 200);
    let f = Llsd::from_xml(&a.body).unwrap();
    assert_eq!(f.get("MeshRezEnabled").and_then(Llsd::as_bool), Some(false));

    // Bad bodies and unknown seeds.
    let a = http(
        sim.http_addr(),
        "POST",
        &seed,
        "application/llsd+xml",
        b"<llsd><map>",
    )
    .await
    .unwrap();
    assert_eq!(a.status, 400);
    let a = http(
        sim.http_addr(),
        "POST",
        &seed,
        "application/llsd+xml",
        b"<llsd><integer>5</integer></llsd>",
    )
    .await
    .unwrap();
    assert_eq!(a.status, 400);
    let a = http(
        sim.http_addr(),
        "POST",
        "/caps/0123456789abcdef0123456789abcdef",
        "application/llsd+xml",
        body.as_bytes(),
    )
    .await
    .unwrap();
    assert_eq!(a.status, 404);
}

#[tokio::test]
async fn the_event_queue_times_out_with_502_and_refuses_bad_polls() {
    let sim = start(clean_config(0)).await;
    let ok = login_ok(&sim, "Alan", "Turing").await;
    let eq = format!("{}/eq", path_of(&ok.seed_capability));
    let poll = llsd::to_value(&EventQueueGetRequest {
        ack: None,
        done: false,
    })
    .unwrap()
    .to_xml();
    // Nobody has arrived in the region, so nothing is queued: the poll is
    // held for the configured 300 ms and answered 502.
    let a = http(
        sim.http_addr(),
        "POST",
        &eq,
        "application/llsd+xml",
        poll.as_bytes(),
    )
    .await
    .unwrap();
    assert_eq!(a.status, 502, "{}", a.body);
    assert_eq!(sim.stats().eq_timeouts, 1);
    let a = http(
        sim.http_addr(),
        "POST",
        &eq,
        "application/llsd+xml",
        b"not llsd",
    )
    .await
    .unwrap();
    assert_eq!(a.status, 400);
    let a = http(
        sim.http_addr(),
        "POST",
        "/caps/0123456789abcdef0123456789abcdef/eq",
        "application/llsd+xml",
        poll.as_bytes(),
    )
    .await
    .unwrap();
    assert_eq!(a.status, 404);
    // `done` closes the queue; later polls are 404.
    let done = llsd::to_value(&EventQueueGetRequest {
        ack: None,
        done: true,
    })
    .unwrap()
    .to_xml();
    let a = http(
        sim.http_addr(),
        "POST",
        &eq,
        "application/llsd+xml",
        done.as_bytes(),
    )
    .await
    .unwrap();
    assert_eq!(a.status, 404);
    let a = http(
        sim.http_addr(),
        "POST",
        &eq,
        "application/llsd+xml",
        poll.as_bytes(),
    )
    .await
    .unwrap();
    assert_eq!(a.status, 404);
}

#[tokio::test]
async fn arriving_in_the_region_queues_parcel_properties_on_the_event_queue() {
    let sim = start(clean_config(12)).await;
    let ok = login_ok(&sim, "Ada", "Lovelace").await;
    let eq = format!("{}/eq", path_of(&ok.seed_capability));
    let mut client = RawClient::new(ok).await;
    client.open().await;
    assert!(
        client.pump_until(|c| c.arrived_at.is_some()).await,
        "arrived"
    );
    let poll = llsd::to_value(&EventQueueGetRequest {
        ack: None,
        done: false,
    })
    .unwrap()
    .to_xml();
    let a = http(
        sim.http_addr(),
        "POST",
        &eq,
        "application/llsd+xml",
        poll.as_bytes(),
    )
    .await
    .unwrap();
    assert_eq!(a.status, 200, "{}", a.body);
    let r: EventQueueGetResponse = llsd::from_xml_str(&a.body).unwrap();
    assert_eq!(r.events.len(), 1);
    assert_eq!(r.events[0].message, "ParcelProperties");
    check_parcel_properties(&r.events[0].body, 12);
    // Not acknowledged: the same batch again. Acknowledged: nothing more.
    let again = http(
        sim.http_addr(),
        "POST",
        &eq,
        "application/llsd+xml",
        poll.as_bytes(),
    )
    .await
    .unwrap();
    let r2: EventQueueGetResponse = llsd::from_xml_str(&again.body).unwrap();
    assert_eq!(r2, r);
    let ack = llsd::to_value(&EventQueueGetRequest {
        ack: Some(r.id),
        done: false,
    })
    .unwrap()
    .to_xml();
    let a = http(
        sim.http_addr(),
        "POST",
        &eq,
        "application/llsd+xml",
        ack.as_bytes(),
    )
    .await
    .unwrap();
    assert_eq!(a.status, 502);
    let s = sim.stats();
    assert_eq!((s.eq_batches, s.eq_events_sent, s.eq_timeouts), (2, 2, 1));
}

/// Every block and field OpenSimulator 0.9.2 puts in the `ParcelProperties`
/// event, with the LLSD type it gives each (`U32` as 4-byte binary, as the
/// viewer reads it).
const PARCEL_BLOCKS: &[(&str, &[(&str, LlsdType)])] = {
    use LlsdType::*;
    &[
        (
            "ParcelData",
            &[
                ("LocalID", Integer),
                ("AABBMax", Array),
                ("AABBMin", Array),
                ("Area", Integer),
                ("AuctionID", Integer),
                ("AuthBuyerID", Uuid),
                ("Bitmap", Binary),
                ("Category", Integer),
                ("ClaimDate", Date),
                ("ClaimPrice", Integer),
                ("Desc", String),
                ("ParcelFlags", Binary),
                ("GroupID", Uuid),
                ("GroupPrims", Integer),
                ("IsGroupOwned", Boolean),
                ("LandingType", Integer),
                ("MaxPrims", Integer),
                ("MediaID", Uuid),
                ("MediaURL", String),
                ("MediaAutoScale", Boolean),
                ("MusicURL", String),
                ("Name", String),
                ("OtherCleanTime", Integer),
                ("OtherCount", Integer),
                ("OtherPrims", Integer),
                ("OwnerID", Uuid),
                ("OwnerPrims", Integer),
                ("ParcelPrimBonus", Real),
                ("PassHours", Real),
                ("PassPrice", Integer),
                ("PublicCount", Integer),
                ("RegionDenyAnonymous", Boolean),
                ("RegionDenyIdentified", Boolean),
                ("RegionDenyTransacted", Boolean),
                ("RegionPushOverride", Boolean),
                ("RentPrice", Integer),
                ("RequestResult", Integer),
                ("SalePrice", Integer),
                ("SelectedPrims", Integer),
                ("SelfCount", Integer),
                ("SequenceID", Integer),
                ("SimWideMaxPrims", Integer),
                ("SimWideTotalPrims", Integer),
                ("SnapSelection", Boolean),
                ("SnapshotID", Uuid),
                ("Status", Integer),
                ("TotalPrims", Integer),
                ("UserLocation", Array),
                ("UserLookAt", Array),
                ("SeeAVs", Boolean),
                ("AnyAVSounds", Boolean),
                ("GroupAVSounds", Boolean),
            ],
        ),
        (
            "MediaData",
            &[
                ("MediaDesc", String),
                ("MediaHeight", Integer),
                ("MediaWidth", Integer),
                ("MediaLoop", Boolean),
                ("MediaType", String),
                ("ObscureMedia", Boolean),
                ("ObscureMusic", Boolean),
            ],
        ),
        ("ParcelExtendedFlags", &[("Flags", Binary)]),
        (
            "AgeVerificationBlock",
            &[("RegionDenyAgeUnverified", Boolean)],
        ),
        (
            "ParcelEnvironmentBlock",
            &[
                ("ParcelEnvironmentVersion", Integer),
                ("RegionAllowEnvironmentOverride", Boolean),
            ],
        ),
        (
            "RegionAllowAccessBlock",
            &[("RegionAllowAccessOverride", Boolean)],
        ),
    ]
};

/// A `U32` as the viewer reads it from LLSD: 4 bytes, big-endian.
fn llsd_u32(v: &Llsd) -> u32 {
    let b: [u8; 4] = v
        .as_binary()
        .and_then(|b| b.try_into().ok())
        .unwrap_or_else(|| panic!("a U32 is 4 bytes of binary: {v:?}"));
    u32::from_be_bytes(b)
}

/// Checks a `ParcelProperties` body for the one parcel covering a region
/// with `prims` prims: every block an array of one map holding exactly the
/// fields OpenSimulator sends, each of its type, with sensible values.
fn check_parcel_properties(body: &Llsd, prims: i32) {
    let blocks = body.as_map().expect("the body is a map");
    let names: Vec<&str> = PARCEL_BLOCKS.iter().map(|(b, _)| *b).collect();
    let mut got: Vec<&str> = blocks.keys().map(String::as_str).collect();
    got.sort_unstable();
    let mut want = names.clone();
    want.sort_unstable();
    assert_eq!(got, want, "the event's blocks");
    for (block, fields) in PARCEL_BLOCKS {
        let list = body
            .get(block)
            .and_then(Llsd::as_array)
            .unwrap_or_else(|| panic!("{block} is an array"));
        assert_eq!(list.len(), 1, "{block} holds one map");
        let map = list[0]
            .as_map()
            .unwrap_or_else(|| panic!("{block}[0] is a map"));
        let mut got: Vec<&str> = map.keys().map(String::as_str).collect();
        got.sort_unstable();
        let mut want: Vec<&str> = fields.iter().map(|(f, _)| *f).collect();
        want.sort_unstable();
        assert_eq!(got, want, "the fields of {block}");
        for (field, ty) in *fields {
            let v = list[0].get(field).unwrap();
            assert_eq!(v.llsd_type(), *ty, "{block}.{field} is {ty}: {v:?}");
        }
    }
    let p = body.get("ParcelData").and_then(|d| d.at(0)).unwrap();
    let int = |k: &str| p.get(k).and_then(Llsd::as_integer).unwrap();
    assert_eq!(int("Area"), 65536);
    assert_eq!(int("TotalPrims"), prims);
    assert_eq!(int("SimWideTotalPrims"), prims);
    assert!(int("MaxPrims") >= prims);
    // One bit per 4 m cell: 64 x 64 cells, all in this parcel.
    let bitmap = p.get("Bitmap").and_then(Llsd::as_binary).unwrap();
    assert_eq!(bitmap.len(), 512);
    assert!(bitmap.iter().all(|&b| b == 0xFF));
    let reals = |k: &str| -> Vec<f64> {
        p.get(k)
            .and_then(Llsd::as_array)
            .unwrap()
            .iter()
            .map(|r| r.as_real().expect("a vector of reals"))
            .collect()
    };
    assert_eq!(reals("AABBMin")[..2], [0.0, 0.0]);
    assert_eq!(reals("AABBMax")[..2], [256.0, 256.0]);
    let at = reals("UserLocation");
    assert_eq!(at.len(), 3);
    assert!((0.0..256.0).contains(&at[0]) && (0.0..256.0).contains(&at[1]));
    // Flying is allowed (the viewer reads the flag from the 4-byte form).
    let flags = llsd_u32(p.get("ParcelFlags").unwrap());
    assert_ne!(flags & 1, 0, "AllowFly in {flags:#010x}");
    let extended = body
        .get("ParcelExtendedFlags")
        .and_then(|d| d.at(0))
        .and_then(|m| m.get("Flags"))
        .unwrap();
    assert_eq!(llsd_u32(extended), 0);
    let claimed = p.get("ClaimDate").and_then(Llsd::as_date).unwrap();
    assert!(claimed.unix_seconds() > 0.0, "claimed after 1970");
}

#[tokio::test]
async fn circuit_codes_are_non_negative_ints_and_open_circuits() {
    let sim = start(clean_config(4)).await;
    let mut codes = Vec::new();
    for i in 0..200 {
        let last = format!("Coder{i}");
        let a = http(
            sim.http_addr(),
            "POST",
            "/",
            "text/xml",
            login_xml("Circuit", &last, &sim.config().password).as_bytes(),
        )
        .await
        .expect("login request");
        assert_eq!(a.status, 200, "{}", a.body);
        let MethodResponse::Params(params) = MethodResponse::parse(&a.body).expect("XML-RPC")
        else {
            panic!("a fault: {}", a.body);
        };
        // As the wire carries it: an XML-RPC int, i.e. a signed 32-bit value.
        let Some(Value::Int(code)) = params.first().and_then(|v| v.member("circuit_code")) else {
            panic!("circuit_code is an int: {}", a.body);
        };
        assert!(*code >= 0, "circuit_code {code} is negative");
        let LoginResponse::Success(ok) = LoginResponse::from_xmlrpc(&a.body).expect("parses")
        else {
            panic!("login refused: {}", a.body);
        };
        assert_eq!(i64::from(ok.circuit_code), i64::from(*code));
        codes.push((*code, ok));
    }
    let distinct: std::collections::HashSet<i32> = codes.iter().map(|(c, _)| *c).collect();
    assert_eq!(distinct.len(), codes.len(), "every login its own code");
    // The largest codes (those most at risk of a sign flip) open circuits.
    codes.sort_unstable_by_key(|(c, _)| *c);
    for (code, ok) in codes.into_iter().rev().take(4) {
        let mut c = RawClient::new(*ok).await;
        c.open().await;
        assert!(
            c.pump_until(|c| c.region_name.is_some() && c.arrived_at.is_some())
                .await,
            "the circuit of a code near {code} completes the handshake"
        );
    }
}

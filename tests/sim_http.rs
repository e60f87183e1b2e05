//! The simulator's HTTP side over real loopback sockets: XML-RPC login
//! (success, refusal, malformed), the seed capability, SimulatorFeatures,
//! and the event queue's long poll.

mod sim_support;

use kestrel::sim::login::agent_id_for;
use kestrel_protocol::llsd::caps::{
    EventQueueGetRequest, EventQueueGetResponse, SeedCapabilityRequest, SeedCapabilityResponse,
};
use kestrel_protocol::llsd::{self, Llsd};
use kestrel_protocol::login::LoginResponse;
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
    assert_eq!(names, ["EventQueueGet", "SimulatorFeatures"]);

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
    let parcel = &r.events[0]
        .body
        .get("ParcelData")
        .and_then(|d| d.at(0))
        .cloned()
        .unwrap();
    assert_eq!(parcel.get("Area").and_then(Llsd::as_integer), Some(65536));
    assert_eq!(
        parcel.get("TotalPrims").and_then(Llsd::as_integer),
        Some(12)
    );
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

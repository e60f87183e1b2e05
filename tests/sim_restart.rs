//! Kill and restart: the region stops answering, comes back on the same
//! ports, and viewers get back in by logging in again or by presenting
//! their old circuit code.

mod sim_support;

use std::time::Duration;

use sim_support::*;

async fn whole_region(c: &mut RawClient, prims: usize) {
    let done = c
        .pump_until(|c| c.patches.len() == 256 && c.prims.len() == prims && !c.avatars.is_empty())
        .await;
    assert!(
        done,
        "got {} patches, {} prims",
        c.patches.len(),
        c.prims.len()
    );
}

#[tokio::test]
async fn a_killed_region_stops_answering_and_restarts_on_the_same_ports() {
    let sim = start(clean_config(30)).await;
    let (http, udp) = (sim.http_addr(), sim.udp_addr());
    let ok = login_ok(&sim, "Ada", "Lovelace").await;
    let mut c = RawClient::new(ok.clone()).await;
    c.open().await;
    whole_region(&mut c, 30).await;

    sim.kill().await;
    assert!(!sim.is_running().await);
    sim.kill().await; // a second kill does nothing
    assert!(http_refused(http).await, "the login port is closed");
    c.say("anyone?").await;
    c.pump_for(Duration::from_millis(300)).await;
    assert!(
        !c.chat.iter().any(|(_, t)| t == "anyone?"),
        "no echo from a dead region"
    );
    assert!(sim.flood_malformed(1).await.is_err());
    assert!(sim.circuits().await.is_empty());

    sim.restart().await.expect("restarts");
    sim.restart().await.expect("a second restart does nothing");
    assert_eq!((sim.http_addr(), sim.udp_addr()), (http, udp));
    assert!(sim.is_running().await);

    // Back in by logging in again.
    let again = login_ok(&sim, "Ada", "Lovelace").await;
    let mut fresh = RawClient::new(again).await;
    fresh.open().await;
    whole_region(&mut fresh, 30).await;
    let s = sim.stats();
    assert_eq!((s.kills, s.restarts), (1, 1));
    assert_eq!(s.circuits_opened, 2);
}

#[tokio::test]
async fn the_old_circuit_code_is_accepted_after_a_restart() {
    let sim = start(clean_config(30)).await;
    let ok = login_ok(&sim, "Grace", "Hopper").await;
    let mut c = RawClient::new(ok.clone()).await;
    c.open().await;
    whole_region(&mut c, 30).await;
    sim.kill().await;
    sim.restart().await.expect("restarts");
    assert_eq!(sim.sessions(), 1, "the login session outlived the region");
    // A fresh circuit (new sequence numbers) with the code issued before.
    let mut back = RawClient::new(ok).await;
    back.open().await;
    whole_region(&mut back, 30).await;
    assert_eq!(back.region_name.as_deref(), Some("Kestrel Bay"));
}

async fn http_refused(addr: std::net::SocketAddr) -> bool {
    tokio::net::TcpStream::connect(addr).await.is_err()
}

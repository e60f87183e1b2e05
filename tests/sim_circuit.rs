//! The simulator's UDP circuit with a raw client over loopback: the
//! handshake, the whole region (terrain and objects, counted exactly
//! against the simulator's statistics), chat, movement, re-requests,
//! malformed datagrams both ways, and logout.

mod sim_support;

use glam::Quat;
use kestrel::sim::SimHandle;
use kestrel::sim::avatar::control;
use kestrel::sim::garbage::{Garbage, of_kind};
use kestrel::sim::rng::SplitMix64;
use sim_support::*;

async fn arrive(sim: &SimHandle, first: &str) -> RawClient {
    let ok = login_ok(sim, first, "Tester").await;
    let mut c = RawClient::new(ok).await;
    c.open().await;
    c
}

/// Waits until the client holds every patch and prim and the simulator
/// has handed the whole region to the circuit and had it all acked.
async fn receive_region(sim: &SimHandle, c: &mut RawClient, prims: usize) {
    let done = c
        .pump_until(|c| c.patches.len() == 256 && c.prims.len() == prims && !c.avatars.is_empty())
        .await;
    assert!(
        done,
        "got {} patches, {} prims",
        c.patches.len(),
        c.prims.len()
    );
    let mut settled = false;
    for _ in 0..500 {
        let circuits = sim.circuits().await;
        if circuits
            .iter()
            .any(|i| i.agent_id == c.login.agent_id && i.region_sent && i.in_flight == 0)
        {
            settled = true;
            break;
        }
        c.pump_for(std::time::Duration::from_millis(20)).await;
    }
    assert!(settled, "the simulator finished sending the region");
}

#[tokio::test]
async fn the_handshake_delivers_all_terrain_and_every_object_exactly_once() {
    let sim = start(clean_config(300)).await;
    let mut c = arrive(&sim, "Ada").await;
    receive_region(&sim, &mut c, 300).await;
    let s = sim.stats();

    assert_eq!(c.region_name.as_deref(), Some("Kestrel Bay"));
    let arrived = c.arrived_at.expect("AgentMovementComplete");
    assert!(arrived.z > 20.0, "standing above the water: {arrived}");

    assert_eq!(c.patches.len(), 256);
    assert_eq!(s.terrain_patches_sent, 256);
    assert_eq!(s.region_prims, 300);
    assert_eq!(c.prims.len(), 300);
    assert_eq!(c.object_blocks, 300, "each prim arrived exactly once");
    assert_eq!(
        s.object_updates_sent, 301,
        "300 prims and the agent's own avatar"
    );
    assert!(
        c.compressed_blocks > 0 && c.compressed_blocks < 300,
        "both update kinds: {}",
        c.compressed_blocks
    );
    for (&id, &parent) in &c.prims {
        assert!(
            parent == 0 || c.prims.contains_key(&parent),
            "prim {id}'s parent {parent} is in the region"
        );
    }
    assert_eq!(
        c.avatars.values().copied().collect::<Vec<_>>(),
        [c.login.agent_id]
    );
    assert!(
        c.chat
            .iter()
            .any(|(_, t)| t == "Welcome to Kestrel Bay, Ada!"),
        "{:?}",
        c.chat
    );
    assert_eq!((s.circuits_opened, s.live_circuits), (1, 1));
    assert_eq!(s.malformed_in, 0);
    assert_eq!(c.malformed, 0);
}

#[tokio::test]
async fn moving_prims_and_walking_avatars_get_terse_updates() {
    let sim = start(clean_config(300)).await;
    let mut c = arrive(&sim, "Walker").await;
    receive_region(&sim, &mut c, 300).await;
    let me = *c.avatars.keys().next().expect("own avatar");
    let start = c.arrived_at.expect("arrived");
    // Walk north for a while.
    c.agent_update(
        control::AT_POS,
        Quat::from_rotation_z(std::f32::consts::FRAC_PI_2),
    )
    .await;
    let moved = c
        .pump_until(|c| {
            c.terse_positions
                .get(&me)
                .is_some_and(|p| p.y > start.y + 2.0)
        })
        .await;
    assert!(
        moved,
        "the avatar walked north: {:?}",
        c.terse_positions.get(&me)
    );
    let p = c.terse_positions[&me];
    assert!(
        (p.x - start.x).abs() < 0.2,
        "straight north: {p} from {start}"
    );
    c.agent_update(0, Quat::from_rotation_z(std::f32::consts::FRAC_PI_2))
        .await;
    // The boats and birds move too.
    let movers = c
        .pump_until(|c| c.terse_positions.keys().filter(|&&id| id != me).count() >= 5)
        .await;
    assert!(movers, "terse updates for moving prims");
    assert!(
        c.terse_positions
            .keys()
            .all(|id| *id == me || c.prims.contains_key(id))
    );
    assert!(sim.stats().terse_updates_sent >= c.terse_blocks as u64);
}

#[tokio::test]
async fn chat_is_echoed_to_everyone_in_the_region() {
    let sim = start(clean_config(20)).await;
    let mut a = arrive(&sim, "Ada").await;
    receive_region(&sim, &mut a, 20).await;
    let mut b = arrive(&sim, "Bob").await;
    receive_region(&sim, &mut b, 20).await;
    // Each sees both avatars.
    assert!(a.pump_until(|c| c.avatars.len() == 2).await);
    assert_eq!(b.avatars.len(), 2);

    a.say("hello bay").await;
    let heard = |c: &RawClient| {
        c.chat
            .iter()
            .any(|(f, t)| f == "Ada Tester" && t == "hello bay")
    };
    assert!(a.pump_until(heard).await, "the speaker hears the echo");
    assert!(b.pump_until(heard).await, "the other avatar hears it");
    assert_eq!(sim.stats().chat_echoed, 1);

    // Bob leaves: Ada is told his avatar is gone.
    let bob_avatar = *b
        .avatars
        .iter()
        .find(|(_, a)| **a == b.login.agent_id)
        .expect("Bob's avatar")
        .0;
    b.logout().await;
    assert!(b.pump_until(|c| c.logged_out).await, "LogoutReply");
    assert!(
        a.pump_until(|c| c.killed.contains(&bob_avatar)).await,
        "KillObject for Bob's avatar"
    );
    let s = sim.stats();
    assert_eq!(s.circuits_logged_out, 1);
    assert_eq!(sim.sessions(), 1);
}

#[tokio::test]
async fn requested_objects_are_sent_again() {
    let sim = start(clean_config(40)).await;
    let mut c = arrive(&sim, "Ada").await;
    receive_region(&sim, &mut c, 40).await;
    let before = (c.object_blocks, sim.stats().object_updates_sent);
    let ids: Vec<u32> = {
        let mut v: Vec<u32> = c.prims.keys().copied().collect();
        v.sort_unstable();
        v.truncate(3);
        v
    };
    c.request_objects(&[ids[0], ids[1], ids[2], 999_999]).await;
    assert!(c.pump_until(|c| c.object_blocks == before.0 + 3).await);
    assert_eq!(
        sim.stats().object_updates_sent,
        before.1 + 3,
        "three re-sent, the unknown id ignored"
    );
}

/// Every kind of garbage, with sequence numbers far from the real ones.
fn garbage(n: usize) -> Vec<Vec<u8>> {
    let mut rng = SplitMix64::new(5);
    (0..n)
        .map(|i| {
            let mut d = of_kind(Garbage::ALL[i % Garbage::ALL.len()], &mut rng);
            if d.len() >= 5 {
                d[1..5].copy_from_slice(&(0x00F0_0000u32 + i as u32).to_be_bytes());
            }
            d
        })
        .collect()
}

#[tokio::test]
async fn malformed_datagrams_are_counted_and_do_not_disturb_a_live_circuit() {
    let sim = start(clean_config(120)).await;
    let mut c = arrive(&sim, "Ada").await;
    // Let the region stream start, then throw garbage into the circuit
    // from the viewer's own address and from a stranger.
    assert!(c.pump_until(|c| c.patches.len() >= 32).await);
    let junk = garbage(60);
    for d in &junk {
        c.send_raw(d).await;
    }
    let stranger = tokio::net::UdpSocket::bind("127.0.0.1:0").await.unwrap();
    for d in junk.iter().take(24) {
        stranger.send_to(d, sim.udp_addr()).await.unwrap();
    }
    receive_region(&sim, &mut c, 120).await;
    c.say("still here").await;
    assert!(
        c.pump_until(|c| c.chat.iter().any(|(_, t)| t == "still here"))
            .await
    );

    let s = sim.stats();
    assert_eq!(s.malformed_in, 84, "every garbage datagram counted once");
    assert_eq!(s.stray_in, 0);
    let info = sim.circuits().await;
    assert_eq!(info[0].counters.malformed, 60, "the circuit's own count");
    assert_eq!(c.object_blocks, 120);
    assert_eq!(c.patches.len(), 256);
}

#[tokio::test]
async fn flood_malformed_sends_exactly_n_garbage_datagrams_to_each_viewer() {
    let sim = start(clean_config(10)).await;
    let mut c = arrive(&sim, "Ada").await;
    receive_region(&sim, &mut c, 10).await;
    let sent = sim.flood_malformed(50).await.expect("region running");
    assert_eq!(sent, 50);
    assert!(
        c.pump_until(|c| c.malformed == 50).await,
        "the client saw {} malformed",
        c.malformed
    );
    assert_eq!(sim.stats().malformed_sent, 50);
    // The circuit still works afterwards.
    c.say("after the flood").await;
    assert!(
        c.pump_until(|c| c.chat.iter().any(|(_, t)| t == "after the flood"))
            .await
    );
}

#[tokio::test]
async fn a_stranger_cannot_open_a_circuit_with_a_made_up_code() {
    let sim = start(clean_config(0)).await;
    let ok = login_ok(&sim, "Ada", "Lovelace").await;
    let mut forged = ok.clone();
    forged.circuit_code = ok.circuit_code.wrapping_add(1);
    let mut c = RawClient::new(forged).await;
    c.open().await;
    c.pump_for(std::time::Duration::from_millis(300)).await;
    assert!(
        c.region_name.is_none(),
        "no RegionHandshake for a forged code"
    );
    let s = sim.stats();
    assert_eq!(s.circuits_opened, 0);
    assert_eq!(
        s.stray_in, 2,
        "UseCircuitCode refused, CompleteAgentMovement from nowhere"
    );
}

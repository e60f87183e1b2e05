//! Wire impairment: the seeded pipeline on its own (counts follow the
//! seed's schedule exactly, rates land within tolerance), and a whole
//! region delivered to a raw client through loss, duplication, reordering
//! and delay in both directions.

mod sim_support;

use std::time::{Duration, Instant};

use kestrel::sim::ImpairmentConfig;
use kestrel::sim::impairment::{Fate, FateSchedule, Impairment};
use sim_support::*;

fn config(
    loss: f64,
    duplicate: f64,
    reorder_window: usize,
    latency_ms: u64,
    seed: u64,
) -> ImpairmentConfig {
    ImpairmentConfig {
        loss,
        duplicate,
        reorder_window,
        latency_ms,
        seed,
    }
}

#[test]
fn impairment_counts_match_the_seeds_schedule() {
    let c = config(0.2, 0.05, 8, 40, 7);
    let mut imp = Impairment::new(&c, 2);
    let mut schedule = FateSchedule::new(&c, 2);
    let t0 = Instant::now();
    let (mut lost, mut dups) = (0u64, 0u64);
    let mut delivered = Vec::new();
    for i in 0..10_000u32 {
        let now = t0 + Duration::from_micros(u64::from(i) * 100);
        imp.push(now, i);
        match schedule.next_fate() {
            Fate::Lost => lost += 1,
            Fate::Duplicated => dups += 1,
            Fate::Delivered => {}
        }
        while let Some(v) = imp.poll(now) {
            delivered.push(v);
        }
    }
    let end = t0 + Duration::from_secs(10);
    while let Some(v) = imp.poll(end) {
        delivered.push(v);
    }
    let s = imp.stats();
    assert_eq!(s.offered, 10_000);
    assert_eq!(s.lost, lost);
    assert_eq!(s.duplicated, dups);
    assert_eq!(s.overflowed, 0);
    assert_eq!(s.delivered, 10_000 - lost + dups);
    assert_eq!(delivered.len() as u64, s.delivered);
    assert_eq!(imp.in_flight(), 0);
    // Rates: 20 % ± 1.5 %, 5 % of survivors ± 1 %.
    assert!((1850..=2150).contains(&lost), "lost {lost}");
    assert!((320..=480).contains(&dups), "duplicated {dups}");
    assert!(s.reordered > 0);
}

#[test]
fn directions_and_seeds_have_independent_schedules() {
    let c = config(0.5, 0.0, 0, 0, 1);
    let fates = |seed: u64, stream: u64| {
        let mut s = FateSchedule::new(&ImpairmentConfig { seed, ..c.clone() }, stream);
        (0..64).map(|_| s.next_fate()).collect::<Vec<_>>()
    };
    assert_eq!(fates(1, 1), fates(1, 1));
    assert_ne!(fates(1, 1), fates(1, 2));
    assert_ne!(fates(1, 1), fates(2, 1));
}

#[tokio::test]
async fn the_region_arrives_whole_through_an_impaired_wire() {
    let mut cfg = clean_config(100);
    cfg.impairment = config(0.1, 0.05, 4, 5, 7);
    let sim = start(cfg).await;
    let ok = login_ok(&sim, "Ada", "Lossy").await;
    let mut c = RawClient::new(ok).await;
    c.open().await;
    let done = c
        .pump_until(|c| c.patches.len() == 256 && c.prims.len() == 100 && !c.avatars.is_empty())
        .await;
    assert!(
        done,
        "got {} patches, {} prims",
        c.patches.len(),
        c.prims.len()
    );
    let s = sim.stats();
    assert_eq!(
        c.object_blocks, 100,
        "duplicates and resends are suppressed"
    );
    assert_eq!(
        s.terrain_patches_sent, 256,
        "patches are counted once however often resent"
    );
    assert!(
        s.impairment_out.lost > 0 && s.impairment_in.lost > 0,
        "{:?}",
        s
    );
    assert!(s.impairment_out.duplicated > 0);
    assert!(s.resends > 0, "lost reliable packets were resent");
}

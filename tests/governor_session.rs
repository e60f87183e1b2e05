//! The governor in a live session: the profile it publishes reaches the
//! region as the circuit's bandwidth budget (`AgentThrottle`), at login and
//! after every change, over loopback against the embedded region.

use std::time::{Duration, Instant};

use kestrel::app::{LoginTarget, Session, SessionOptions};
use kestrel::config::{PerformanceProfile, ProfileTable};
use kestrel::governor::{GovernorSpawn, SetProfile, Thresholds};
use kestrel::sim::SimConfig;

/// The total bandwidth the region was asked for, kbit/s (none yet: 0).
fn region_throttle_kbps(session: &Session, rt: &tokio::runtime::Runtime) -> u32 {
    let sim = session.embedded().expect("the embedded region");
    let circuits = rt.block_on(sim.circuits());
    circuits
        .first()
        .and_then(|c| c.throttle)
        .map_or(0, |t| (t.iter().sum::<f32>() / 1000.0).round() as u32)
}

fn wait_for_throttle(session: &Session, rt: &tokio::runtime::Runtime, kbps: u32) {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let now = region_throttle_kbps(session, rt);
        if now == kbps {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "the region was asked for {now} kbit/s, not {kbps}"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn the_profile_in_force_sets_the_regions_throttle() {
    let table = ProfileTable::built_in();
    let options = SessionOptions {
        governor: GovernorSpawn::new(PerformanceProfile::High, Thresholds::built_in()),
        ..SessionOptions::default()
    };
    let session = Session::start_with(LoginTarget::Embedded(SimConfig::default()), options)
        .expect("start the session");
    session.connect(Duration::from_secs(30)).expect("connect");
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();

    wait_for_throttle(&session, &rt, table.high.bandwidth_kbps);
    session
        .governor
        .addr
        .try_send(SetProfile(PerformanceProfile::Low))
        .unwrap();
    wait_for_throttle(&session, &rt, table.low.bandwidth_kbps);
    assert_eq!(
        session.governor.settings.load().profile,
        PerformanceProfile::Low
    );
    assert!(session.shutdown(), "logged out");
}

//! A profile chosen while the viewer runs is applied live: the next frames
//! are drawn with its settings (here, Low's shorter draw distance draws
//! fewer objects than High's), rendered on lavapipe against the embedded
//! region over loopback.

use std::time::Duration;

use kestrel::app::{HeadlessViewer, LoginTarget, Session, SessionOptions, wait_for_region};
use kestrel::config::{PerformanceProfile, ProfileTable};
use kestrel::governor::{Cause, GovernorSpawn, SetProfile, Thresholds};
use kestrel::render::HeadlessRenderer;
use kestrel::sim::SimConfig;

#[test]
fn choosing_low_while_running_shortens_the_draw_distance_of_the_next_frames() {
    let table = ProfileTable::built_in();
    let options = SessionOptions {
        governor: GovernorSpawn::new(PerformanceProfile::High, Thresholds::built_in()),
        ..SessionOptions::default()
    };
    let session =
        Session::start_with(LoginTarget::Embedded(SimConfig::default()), options).expect("session");
    session.connect(Duration::from_secs(60)).expect("connect");
    wait_for_region(&session, Duration::from_secs(30));
    // The renderer starts on defaults; the viewer gives it the governor's High.
    let renderer = HeadlessRenderer::new(320, 180).expect("an adapter (lavapipe in CI)");
    let mut viewer = HeadlessViewer::new(renderer);

    let mut high = 0;
    for _ in 0..5 {
        high = viewer.frame(&session).expect("frame").stats.instances_drawn;
    }
    assert_eq!(
        viewer.renderer().renderer().settings().draw_distance_m,
        table.high.draw_distance_m
    );
    assert!(high > 0, "the region is drawn");

    session
        .governor
        .addr
        .try_send(SetProfile(PerformanceProfile::Low))
        .expect("the governor takes the choice");
    let mut low = None;
    for _ in 0..200 {
        let drawn = viewer.frame(&session).expect("frame").stats.instances_drawn;
        let active = session.governor.settings.load();
        if active.profile == PerformanceProfile::Low
            && active.cause == Cause::User
            && viewer.renderer().renderer().settings().draw_distance_m == table.low.draw_distance_m
        {
            low = Some(drawn);
            break;
        }
        std::thread::sleep(Duration::from_millis(10));
    }
    let low = low.expect("Low reached the renderer within 200 frames");
    assert!(low > 0, "the village is inside even Low's draw distance");
    assert!(
        low < high,
        "Low ({} m) draws fewer objects than High ({} m): {low} vs {high}",
        table.low.draw_distance_m,
        table.high.draw_distance_m
    );
    assert!(session.shutdown(), "logged out");
}

//! The ScalingGovernor actor on the real runtime: frames in through the
//! render thread's feed and as messages, a published profile change out
//! (through `Latest` and to a subscriber), live tuning, the on/off switch,
//! Save/Revert, and a crash that loses nothing.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use kestrel::config::{ConfigDir, PerformanceProfile, ProfileTable};
use kestrel::governor::{
    ActiveSettings, Cause, FrameSample, GovernorHandle, GovernorSpawn, Reason, RevertThresholds,
    SaveThresholds, SetEnabled, SetProfile, SetThresholds, Subscribe, Thresholds, Transition,
};
use kestrel_actors::prelude::*;
use kestrel_actors::{FaultSpec, telemetry::FrameTiming};

use PerformanceProfile::{Balanced, High, Low};

fn wait_until(what: &str, mut f: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while !f() {
        assert!(Instant::now() < deadline, "timed out waiting for: {what}");
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// Records every settings message it gets.
struct SettingsSink;

impl SupervisedActor for SettingsSink {
    type Durable = Arc<Mutex<Vec<ActiveSettings>>>;
    fn start(_: &mut Durable<Self::Durable>, _: &mut Ctx<'_, Self>) -> Self {
        SettingsSink
    }
}

impl Handles<ActiveSettings> for SettingsSink {
    fn handle(
        &mut self,
        msg: &ActiveSettings,
        d: &mut Durable<Self::Durable>,
        _: &mut Ctx<'_, Self>,
    ) {
        d.lock().unwrap().push(*msg);
    }
}

/// Small windows so tests feed few frames: slow > 12 ms, headroom < 7 ms,
/// down after 1 s, up after 2 s, 0.5 s cooldown.
fn thresholds() -> Thresholds {
    Thresholds {
        target_frame_ms: 10.0,
        down_margin: 0.2,
        up_margin: 0.3,
        down_window_ms: 1000,
        up_window_ms: 2000,
        cooldown_ms: 500,
        ..Thresholds::built_in()
    }
}

/// `n` back-to-back frames of `ms` after `t0`; answers the last end time.
fn feed(gov: &GovernorHandle, t0: f64, n: usize, ms: f64) -> f64 {
    let mut t = t0;
    for _ in 0..n {
        t += ms;
        assert!(gov.feed.record(FrameSample::new(t, ms)), "feed full");
    }
    t
}

#[test]
fn frames_from_the_render_thread_publish_a_profile_change() {
    let rt = ActorRuntime::start(ActorsConfig::default()).unwrap();
    let seen = Arc::new(Mutex::new(Vec::new()));
    let sink = rt
        .spawn::<SettingsSink>("settings-sink", seen.clone())
        .unwrap();
    let gov = GovernorSpawn::new(High, thresholds()).spawn(&rt).unwrap();
    assert_eq!(gov.addr.name().as_str(), "governor");
    let first = *gov.settings.load();
    assert_eq!(
        (first.profile, first.generation, first.cause),
        (High, 0, Cause::Start)
    );
    gov.addr
        .ask_blocking(Subscribe(sink.recipient()))
        .unwrap()
        .unwrap();

    // Telemetry's frame timing (CPU 6 ms, GPU 20 ms over two passes): GPU-bound, slow.
    const PASSES: &[&str] = &["terrain", "prims"];
    let mut timing = FrameTiming::new(0, 6.0);
    timing.gpu_pass_names = PASSES;
    timing.gpu_pass_ms[0] = 5.0;
    timing.gpu_pass_ms[1] = 15.0;
    let mut t = 0.0;
    for _ in 0..60 {
        t += 20.0;
        assert!(gov.feed.record(FrameSample::from_timing(t, &timing)));
    }
    wait_until("the step down is published", || {
        gov.settings.load().profile == Balanced
    });
    let now = *gov.settings.load();
    assert_eq!(now.generation, 1);
    assert_eq!(now.settings, ProfileTable::built_in().balanced);
    // The first frame (t = 20) starts the clock; the 1 s window is full at t = 1020.
    match now.cause {
        Cause::Governor(Transition {
            t_ms,
            from: High,
            to: Balanced,
            why: Reason::Overload { slow_share, .. },
        }) => {
            assert_eq!(t_ms, 1020.0);
            assert_eq!(slow_share, 1.0);
        }
        other => panic!("unexpected cause {other:?}"),
    }
    // The subscriber got the start settings and the change, in order.
    wait_until("the subscriber hears of it", || {
        seen.lock().unwrap().len() == 2
    });
    let got = seen.lock().unwrap().clone();
    assert_eq!((got[0].profile, got[0].generation), (High, 0));
    assert_eq!(got[1], now);
    wait_until("the status shows it", || {
        let s = gov.status.load();
        s.recent.len() == 1 && s.samples_seen == 60
    });
    let st = gov.status.load_full();
    assert_eq!(
        (st.profile, st.generation, st.subscribers),
        (Balanced, 1, 1)
    );
    assert_eq!((st.feed_dropped, st.broadcasts_refused), (0, 0));
    drop(rt);
}

#[test]
fn switch_tuning_user_choice_and_save_revert() {
    let rt = ActorRuntime::start(ActorsConfig::default()).unwrap();
    let gov = GovernorSpawn::new(High, thresholds()).spawn(&rt).unwrap();

    // Off: slow frames change nothing (sent as messages, so `ask` tells us they were handled).
    gov.addr.ask_blocking(SetEnabled(false)).unwrap();
    let mut t = 0.0;
    for _ in 0..200 {
        t += 20.0;
        gov.addr.ask_blocking(FrameSample::new(t, 20.0)).unwrap();
    }
    assert_eq!(gov.settings.load().profile, High);
    assert!(!gov.status.load().enabled);
    // On again: the pause's frames are forgotten; it takes a full window of new ones.
    gov.addr.ask_blocking(SetEnabled(true)).unwrap();
    t = feed(&gov, t, 60, 20.0);
    wait_until("step down after re-enabling", || {
        gov.settings.load().profile == Balanced
    });
    assert!(matches!(
        gov.settings.load().cause,
        Cause::Governor(Transition { t_ms, .. }) if t_ms == 4000.0 + 20.0 + 1000.0
    ));

    // Live tuning: a bad value is refused; a good one is in force at once.
    let mut bad = thresholds();
    bad.up_window_ms = 10;
    let e = gov
        .addr
        .ask_blocking(SetThresholds(bad))
        .unwrap()
        .unwrap_err();
    assert_eq!(e.field, "up_window_ms");
    let mut tuned = thresholds();
    tuned.min_profile = Balanced;
    gov.addr
        .ask_blocking(SetThresholds(tuned))
        .unwrap()
        .unwrap();
    assert_eq!(gov.status.load().thresholds, tuned);
    // With Balanced as the floor, more overload moves nothing.
    for _ in 0..150 {
        t += 20.0;
        gov.addr.ask_blocking(FrameSample::new(t, 20.0)).unwrap();
    }
    assert_eq!(gov.settings.load().profile, Balanced);

    // Save, tune again, Revert: the saved ones come back.
    let dir =
        ConfigDir(std::env::temp_dir().join(format!("kestrel-gov-actor-{}", std::process::id())));
    let _ = std::fs::remove_dir_all(&dir.0);
    let path = gov
        .addr
        .ask_blocking(SaveThresholds(dir.clone()))
        .unwrap()
        .unwrap();
    assert_eq!(Thresholds::load(&path).unwrap(), tuned);
    gov.addr
        .ask_blocking(SetThresholds(thresholds()))
        .unwrap()
        .unwrap();
    let back = gov
        .addr
        .ask_blocking(RevertThresholds(dir.clone()))
        .unwrap()
        .unwrap();
    assert_eq!(back, tuned);
    assert_eq!(gov.status.load().thresholds, tuned);

    // The user picks Low: published, with the user as the cause.
    gov.addr.ask_blocking(SetProfile(Low)).unwrap();
    let s = *gov.settings.load();
    assert_eq!((s.profile, s.cause), (Low, Cause::User));
    assert_eq!(s.settings, ProfileTable::built_in().low);
    let _ = std::fs::remove_dir_all(&dir.0);
    drop(rt);
}

#[test]
fn a_crash_loses_neither_the_profile_nor_the_windows() {
    let rt = ActorRuntime::start(ActorsConfig::default()).unwrap();
    let gov = GovernorSpawn::new(High, thresholds()).spawn(&rt).unwrap();
    // Half a window of slow frames…
    let mut t = 0.0;
    for _ in 0..30 {
        t += 20.0;
        gov.addr.ask_blocking(FrameSample::new(t, 20.0)).unwrap();
    }
    // …then the handler crashes on the next message, which is retried after the restart.
    gov.addr
        .control(Control::SetFaults(FaultSpec {
            panic_nth: Some(1),
            ..FaultSpec::default()
        }))
        .unwrap();
    for _ in 0..30 {
        t += 20.0;
        gov.addr.ask_blocking(FrameSample::new(t, 20.0)).unwrap();
    }
    let c = gov.addr.metrics().counters();
    assert_eq!((c.crashes, c.restarts), (1, 1));
    // The step comes at exactly the frame it would have without the crash.
    let s = *gov.settings.load();
    assert_eq!(s.profile, Balanced);
    assert!(matches!(s.cause, Cause::Governor(Transition { t_ms, .. }) if t_ms == 1020.0));
    drop(rt);
}

//! The governor's decisions on traces: the shipped traces give exact
//! transition sequences, a noisy load around the target never oscillates, a
//! sustained overload steps down within the down window, and recovery steps
//! up only after the longer up window.

use std::path::PathBuf;

use kestrel::config::PerformanceProfile::{self, Balanced, High, Low};
use kestrel::governor::synth::{self, Rng};
use kestrel::governor::{
    FrameSample, GovernorCore, Reason, Thresholds, Transition, read_trace, replay, write_trace,
};

fn trace_path(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("config/traces")
        .join(format!("{name}.csv"))
}

fn steps(tr: &[Transition]) -> Vec<(PerformanceProfile, PerformanceProfile)> {
    tr.iter().map(|t| (t.from, t.to)).collect()
}

fn shipped(name: &str) -> Vec<FrameSample> {
    read_trace(&trace_path(name)).unwrap_or_else(|e| panic!("{e}"))
}

/// Back-to-back frames from `t0` for `ms`, each costing `cost(rng)`.
fn frames(out: &mut Vec<FrameSample>, ms: f64, rng: &mut Rng, cost: impl Fn(&mut Rng) -> f64) {
    let t0 = out.last().map_or(0.0, |s| s.t_ms);
    let mut t = t0;
    while t < t0 + ms {
        let c = cost(rng).max(1.0);
        t += c;
        out.push(FrameSample::new(t, c));
    }
}

/// No more than one change per cooldown (in fact per cooldown + down
/// window), and never back to where it came from within a window.
fn assert_no_oscillation(tr: &[Transition], th: &Thresholds) {
    for w in tr.windows(2) {
        let gap = w[1].t_ms - w[0].t_ms;
        assert!(
            gap >= f64::from(th.cooldown_ms + th.down_window_ms),
            "two changes {gap} ms apart: {w:?}"
        );
        if w[1].to == w[0].from {
            let window = if w[0].to < w[0].from {
                th.up_window_ms // down, then back up
            } else {
                th.down_window_ms // up, then back down
            };
            assert!(
                gap >= f64::from(th.cooldown_ms + window),
                "back and forth within {window} ms: {w:?}"
            );
        }
    }
}

#[test]
fn shipped_traces_are_the_generator_output() {
    let write = std::env::var_os("KESTREL_WRITE_TRACES").is_some();
    for (name, samples) in synth::shipped() {
        let mut text = Vec::new();
        write_trace(&mut text, &samples).unwrap();
        let path = trace_path(name);
        if write {
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, &text).unwrap();
        }
        let committed = std::fs::read(&path).unwrap_or_else(|e| {
            panic!(
                "{}: {e} (regenerate: KESTREL_WRITE_TRACES=1 cargo test --test governor_traces)",
                path.display()
            )
        });
        assert!(
            committed == text,
            "{} is not what the generator makes (regenerate with KESTREL_WRITE_TRACES=1)",
            path.display()
        );
        assert_eq!(shipped(name), samples, "{name} does not read back exactly");
    }
}

#[test]
fn steady_trace_never_moves_from_any_start() {
    let th = Thresholds::built_in();
    let s = shipped("steady");
    for start in PerformanceProfile::BUILT_IN {
        let r = replay(&s, &th, start);
        assert!(
            r.transitions.is_empty(),
            "from {start}: {:?}",
            r.transitions
        );
        assert_eq!(r.final_profile, start);
    }
}

#[test]
fn spike_trace_ignores_the_short_spike_steps_down_on_the_long_one_and_back_up() {
    let th = Thresholds::built_in();
    let r = replay(&shipped("spike"), &th, High);
    assert_eq!(
        steps(&r.transitions),
        vec![(High, Balanced), (Balanced, High)]
    );
    // The 45 ms spike starts at 20 s; half the 2 s window is slow after ~1 s.
    let down = r.transitions[0];
    assert!((20_950.0..=21_100.0).contains(&down.t_ms), "{down:?}");
    assert!(matches!(down.why, Reason::Overload { slow_share, .. } if slow_share >= 0.5));
    // 9 ms frames from 35 s: 90% of an 8 s window after ~7.2 s.
    let up = r.transitions[1];
    assert!((42_150.0..=42_250.0).contains(&up.t_ms), "{up:?}");
    assert!(
        matches!(up.why, Reason::Headroom { fast_share, window_ms, .. }
        if fast_share >= 0.9 && window_ms == 8000.0)
    );
    assert_eq!(r.final_profile, High);
}

#[test]
fn degradation_trace_steps_down_twice_as_the_gpu_load_grows() {
    let th = Thresholds::built_in();
    let s = shipped("degradation");
    // The trace is GPU-bound: its CPU times alone never exceed the target.
    assert!(s.iter().all(|f| f.frame_ms < th.target_frame_ms));
    let r = replay(&s, &th, High);
    assert_eq!(
        steps(&r.transitions),
        vec![(High, Balanced), (Balanced, Low)]
    );
    // The mean GPU time crosses the 19.17 ms limit at 27.5 s; with 1 ms of
    // noise, half the window's time is in slow frames within a second of that.
    let (a, b) = (r.transitions[0], r.transitions[1]);
    assert!((26_500.0..=28_500.0).contains(&a.t_ms), "{a:?}");
    // Still overloaded: the next step as soon as the cooldown and a full window allow.
    let gap = b.t_ms - a.t_ms;
    assert!((3500.0..3550.0).contains(&gap), "{gap}");
    assert_eq!(r.final_profile, Low);
}

#[test]
fn noisy_trace_holds_still_from_any_start() {
    let th = Thresholds::built_in();
    let s = shipped("noisy");
    // It is noisy: a good number of frames are over the slow limit.
    let slow = s
        .iter()
        .filter(|f| f.cost_ms() > th.slow_limit_ms())
        .count();
    assert!(slow * 20 > s.len(), "{slow} of {}", s.len());
    for start in PerformanceProfile::BUILT_IN {
        let r = replay(&s, &th, start);
        assert!(
            r.transitions.is_empty(),
            "from {start}: {:?}",
            r.transitions
        );
    }
}

#[test]
fn noisy_loads_around_the_target_never_oscillate() {
    let th = Thresholds::built_in();
    let target = th.target_frame_ms;
    for seed in 0..12u64 {
        for mean in [0.8, 0.9, 1.0, 1.05, 1.1, 1.2] {
            let mut rng = Rng::new(seed * 100 + (mean * 100.0) as u64);
            let mut s = Vec::new();
            frames(&mut s, 90_000.0, &mut rng, |r| {
                if r.unit() < 0.03 {
                    target * (1.5 + 1.5 * r.unit())
                } else {
                    target * mean + r.noise(0.15 * target)
                }
            });
            for start in PerformanceProfile::BUILT_IN {
                let tr = replay(&s, &th, start).transitions;
                assert_no_oscillation(&tr, &th);
                // An open-loop load never reverses: nothing gets cheaper after a step.
                assert!(
                    tr.windows(2)
                        .all(|w| (w[0].to < w[0].from) == (w[1].to < w[1].from)),
                    "seed {seed} mean {mean}: {tr:?}"
                );
                if mean <= 1.0 {
                    assert!(
                        tr.is_empty(),
                        "seed {seed} mean {mean} from {start}: {tr:?}"
                    );
                }
            }
        }
    }
}

/// A load that answers the profile: each frame costs `base × factor(profile)`
/// with 10% noise (sd). Returns the transitions.
fn closed_loop(
    th: &Thresholds,
    base_ms: f64,
    factor: impl Fn(PerformanceProfile) -> f64,
    duration_ms: f64,
    seed: u64,
) -> Vec<Transition> {
    let mut core = GovernorCore::new(*th, High);
    let mut rng = Rng::new(seed);
    let (mut t, mut out) = (0.0, Vec::new());
    while t < duration_ms {
        let mean = base_ms * factor(core.profile());
        let c = (mean + rng.noise(0.1 * mean)).max(1.0);
        t += c;
        out.extend(core.observe(t, c));
    }
    out
}

#[test]
fn closed_loop_settles_on_the_profile_that_meets_the_target() {
    let th = Thresholds::built_in();
    // High costs 1.4× the target, Balanced 0.84×: step down once and stay.
    let factor = |p| match p {
        High => 1.0,
        Balanced => 0.6,
        _ => 0.4,
    };
    for seed in 0..8 {
        let tr = closed_loop(&th, 1.4 * th.target_frame_ms, factor, 300_000.0, seed);
        assert_eq!(steps(&tr), vec![(High, Balanced)], "seed {seed}");
        assert!(tr[0].t_ms <= 2_100.0, "{:?}", tr[0]);
    }
}

/// The steps up among `tr`.
fn ups(tr: &[Transition]) -> Vec<&Transition> {
    tr.iter().filter(|t| t.to > t.from).collect()
}

#[test]
fn closed_loop_between_two_profiles_backs_off_instead_of_flapping() {
    // High costs 1.3× the target (slow), Balanced 0.585× (headroom): the load
    // sits between two profiles, the case that flaps without the backoff.
    let factor = |p| match p {
        High => 1.0,
        Balanced => 0.45,
        _ => 0.3,
    };
    let th = Thresholds::built_in();
    let base = 1.3 * th.target_frame_ms;
    let mut no_backoff = th;
    no_backoff.max_up_backoff = 0;
    for seed in 0..4 {
        let tr = closed_loop(&th, base, factor, 300_000.0, seed);
        let flat = closed_loop(&no_backoff, base, factor, 300_000.0, seed);
        assert_no_oscillation(&tr, &th);
        assert_no_oscillation(&flat, &no_backoff);
        let (with, without) = (ups(&tr), ups(&flat));
        // Without backoff it retries every cooldown + up window (~11.5 s);
        // with it, waits double each time: 8, 16, 32, 64, 64 … s.
        assert!(without.len() >= 20, "seed {seed}: {}", without.len());
        assert!(with.len() <= 6, "seed {seed}: {}", with.len());
        let gaps: Vec<f64> = with.windows(2).map(|w| w[1].t_ms - w[0].t_ms).collect();
        assert!(gaps.windows(2).all(|g| g[1] >= g[0] - 50.0), "{gaps:?}");
        // Every step up is undone: High really is too expensive.
        assert!(tr.iter().all(|t| t.to != Low), "{tr:?}");
    }
}

#[test]
fn sustained_overload_steps_down_within_the_window() {
    let th = Thresholds::built_in();
    let mut rng = Rng::new(9);
    let mut s = Vec::new();
    frames(&mut s, 10_000.0, &mut rng, |r| 13.0 + r.noise(0.5));
    let overload_from = s.last().unwrap().t_ms;
    frames(&mut s, 10_000.0, &mut rng, |r| 30.0 + r.noise(1.0));
    let tr = replay(&s, &th, High).transitions;
    assert_eq!(tr[0].from, High);
    let after = tr[0].t_ms - overload_from;
    assert!(
        after > 0.0 && after <= f64::from(th.down_window_ms),
        "stepped down {after} ms after the overload began"
    );
    // Half the window's time must be slow: not before ~1 s of it.
    assert!(after >= th.down_fraction * f64::from(th.down_window_ms) - 40.0);
}

#[test]
fn recovery_steps_up_only_after_the_longer_window() {
    let th = Thresholds::built_in();
    let mut rng = Rng::new(10);
    let mut s = Vec::new();
    frames(&mut s, 10_000.0, &mut rng, |r| 30.0 + r.noise(1.0));
    let relief_from = s.last().unwrap().t_ms;
    frames(&mut s, 30_000.0, &mut rng, |r| 8.0 + r.noise(0.5));
    let tr = replay(&s, &th, Low).transitions;
    assert_eq!(steps(&tr)[..1], [(Low, Balanced)]);
    let after = tr[0].t_ms - relief_from;
    // Headroom must fill up_fraction of the whole up window (8 s), so not
    // before 7.2 s of it — well past the down window — and not much later.
    let up = f64::from(th.up_window_ms);
    assert!(after >= th.up_fraction * up, "{after}");
    assert!(after > f64::from(th.down_window_ms));
    assert!(after <= up, "{after}");
    // The next step up needs its own cooldown and full up window.
    assert!(tr[1].t_ms - tr[0].t_ms >= f64::from(th.cooldown_ms + th.up_window_ms));
}

//! A frame-loop-like thread is not slowed by a plugin that panics in a loop.
//!
//! A simulated 60 Hz loop (fixed CPU work per frame, plus a read of the
//! plugins snapshot as the editor would do, then sleep to the next frame)
//! alternately with the plugin supervisor running no plugins and with
//! `faulty:panic-every-update` (restarted without limit and without backoff,
//! so it panics continuously), for a few rounds each. Prints the iteration
//! time of both conditions and the ratio.
//!
//! `cargo bench -p kestrel-actors --bench plugins -- [--frames N] [--rounds R] [--faulty K]`

use std::hint::black_box;
use std::time::{Duration, Instant};

use kestrel_actors::plugin::{PluginSupervisor, PluginSupervisorConfig, PluginsSnapshot};
use kestrel_actors::{Backoff, bus::Latest};

const FRAME: Duration = Duration::from_micros(16_667);

struct Stats {
    mean_us: f64,
    p50_us: f64,
    p99_us: f64,
    max_us: f64,
    late_frames: usize,
}

fn stats(mut v: Vec<f64>, late_frames: usize) -> Stats {
    v.sort_by(f64::total_cmp);
    let pick = |q: f64| v[((v.len() - 1) as f64 * q).round() as usize];
    Stats {
        mean_us: v.iter().sum::<f64>() / v.len() as f64,
        p50_us: pick(0.5),
        p99_us: pick(0.99),
        max_us: *v.last().unwrap_or(&0.0),
        late_frames,
    }
}

/// Fixed CPU work standing in for a frame's CPU side (about 2 ms on a 2020s desktop core).
fn frame_work(buf: &mut [u64]) -> u64 {
    let mut acc = 0x9e37_79b9_7f4a_7c15u64;
    for _ in 0..240 {
        for x in buf.iter_mut() {
            acc = acc.rotate_left(5) ^ *x;
            *x = x.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(acc);
        }
    }
    acc
}

/// Run the loop for `frames` frames; returns per-iteration busy times (µs) and late frames.
fn frame_loop(frames: usize, latest: &Latest<PluginsSnapshot>) -> (Vec<f64>, usize) {
    let mut buf: Vec<u64> = (0..16_384u64).collect();
    let mut times = Vec::with_capacity(frames);
    let mut late = 0;
    let mut next = Instant::now() + FRAME;
    // First read registers this thread with the snapshot bus.
    black_box(latest.load().plugins.len());
    for _ in 0..frames {
        let t0 = Instant::now();
        black_box(frame_work(&mut buf));
        let snap = latest.load();
        black_box((snap.plugins.len(), snap.events_total));
        drop(snap);
        let busy = t0.elapsed();
        times.push(busy.as_secs_f64() * 1e6);
        let now = Instant::now();
        if now > next {
            late += 1;
            next = now + FRAME;
        } else {
            std::thread::sleep(next - now);
            next += FRAME;
        }
    }
    (times, late)
}

/// One run of `frames` frames with `faulty` panicking plugins loaded; returns
/// the samples, late frames, and the panics caught meanwhile.
fn run(frames: usize, faulty: usize) -> (Vec<f64>, usize, u64) {
    let mut config = PluginSupervisorConfig::default();
    // Restart forever, at once: the plugin panics on every update of every incarnation.
    config.policy.max_restarts = u32::MAX;
    config.policy.backoff = Backoff {
        initial: Duration::ZERO,
        factor: 1.0,
        max: Duration::ZERO,
    };
    let sup = PluginSupervisor::start(config).expect("start supervisor");
    for _ in 0..faulty {
        sup.load_str("faulty:panic-every-update")
            .expect("load faulty");
    }
    let latest = sup.latest();
    let s = std::thread::scope(|scope| {
        std::thread::Builder::new()
            .name("frame-loop".into())
            .spawn_scoped(scope, || frame_loop(frames, &latest))
            .expect("spawn frame loop")
            .join()
            .expect("frame loop")
    });
    let snap = sup.snapshot();
    let crashes = snap.plugins.iter().map(|r| r.status.crashes).sum();
    drop(snap);
    sup.shutdown();
    (s.0, s.1, crashes)
}

fn main() {
    let mut frames = 300;
    let mut rounds = 3;
    let mut faulty = 1;
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        let mut value = |d: usize| args.next().and_then(|v| v.parse().ok()).unwrap_or(d);
        match a.as_str() {
            "--frames" => frames = value(frames),
            "--rounds" => rounds = value(rounds),
            "--faulty" => faulty = value(faulty),
            // Flags cargo bench passes to every bench binary.
            _ => {}
        }
    }
    let (frames, rounds) = (frames.max(10), rounds.max(1));
    let cores = std::thread::available_parallelism().map_or(0, |n| n.get());
    println!(
        "plugins bench: {rounds} rounds of {frames} frames at 60 Hz per condition, alternating; {cores} cores"
    );
    let (mut base, mut with) = (Vec::new(), Vec::new());
    let (mut base_late, mut with_late, mut panics) = (0, 0, 0);
    for round in 1..=rounds {
        let (b, bl, _) = run(frames, 0);
        let (w, wl, p) = run(frames, faulty);
        let mean = |v: &[f64]| v.iter().sum::<f64>() / v.len() as f64;
        println!(
            "  round {round}: mean {:.1} µs without, {:.1} µs with ({p} panics)",
            mean(&b),
            mean(&w)
        );
        base.extend(b);
        with.extend(w);
        base_late += bl;
        with_late += wl;
        panics += p;
    }
    let base = stats(base, base_late);
    let with = stats(with, with_late);
    let row = |label: &str, s: &Stats| {
        println!(
            "{label:<34} iteration mean {:>8.1} µs  p50 {:>8.1}  p99 {:>8.1}  max {:>8.1}  late frames {}",
            s.mean_us, s.p50_us, s.p99_us, s.max_us, s.late_frames
        );
    };
    row("no plugins", &base);
    row(&format!("{faulty} × faulty:panic-every-update"), &with);
    let seconds = (rounds * frames) as f64 / 60.0;
    println!(
        "panics caught while measuring: {panics} ({:.0}/s)",
        panics as f64 / seconds
    );
    println!(
        "ratio with/without: mean {:.3}  p50 {:.3}  p99 {:.3}",
        with.mean_us / base.mean_us,
        with.p50_us / base.p50_us,
        with.p99_us / base.p99_us
    );
    println!(
        "{{\"bench\":\"plugins\",\"frames\":{},\"faulty\":{faulty},\"base_mean_us\":{:.1},\"base_p50_us\":{:.1},\"base_p99_us\":{:.1},\"faulty_mean_us\":{:.1},\"faulty_p50_us\":{:.1},\"faulty_p99_us\":{:.1},\"panics\":{panics},\"ratio_mean\":{:.3},\"ratio_p50\":{:.3},\"ratio_p99\":{:.3}}}",
        rounds * frames,
        base.mean_us,
        base.p50_us,
        base.p99_us,
        with.mean_us,
        with.p50_us,
        with.p99_us,
        with.mean_us / base.mean_us,
        with.p50_us / base.p50_us,
        with.p99_us / base.p99_us
    );
}

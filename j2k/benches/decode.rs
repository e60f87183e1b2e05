//! Texture decode throughput: `kestrel_j2k::decode` (OpenJPEG in process)
//! on textures of 256² to 2048² encoded like Second Life assets, whole and
//! from the byte prefixes the viewer fetches; the pure-Rust
//! `hayro-jpeg2000` on the same codestreams; the `opj_decompress` command
//! line tool on the same codestreams written to files; decoding many
//! textures on rayon pools of 1..=all cores; and how many bytes the viewer
//! fetches against the file size.
//!
//! Criterion measures the core rows (wall time); a figures table is printed
//! at the end from a separate median-of-runs timing in CPU time: the
//! thread's own for our in-process decoders, the child process's user+sys
//! for `opj_decompress`. CPU time is what "per core" means, and unlike wall
//! time it hardly moves when other builds share the machine. Run with
//! `cargo bench -p kestrel-j2k --bench decode`. Under `cargo test` (no
//! `--bench` argument) everything runs once on the 256² texture only, so
//! the bench cannot rot and costs nothing.

#[path = "../tests/common/mod.rs"]
mod common;

use std::hint::black_box;
use std::path::Path;
use std::process::Command;
use std::time::{Duration, Instant};

use criterion::{BenchmarkId, Criterion, Throughput};
use hayro_jpeg2000::{DecodeSettings, DecoderContext, Image};
use kestrel_j2k::{EncodeOptions, Limits, decode, encode, legacy_prefix_len, prefix_len};
use rayon::prelude::*;

/// One test texture: its pixels and the codestream encoded from them.
struct Texture {
    side: u32,
    pixels: Vec<u8>,
    j2c: Vec<u8>,
}

impl Texture {
    fn new(side: u32) -> Texture {
        // Noisy, so the file reaches the 8:1 rate like a photographic
        // texture; a smooth image would be a few KB and decode unrealistically
        // fast.
        let pixels = common::detailed(side, side, 4);
        let j2c = encode(
            &pixels,
            side,
            side,
            4,
            &EncodeOptions::like_second_life(side, side),
        )
        .expect("bench texture encodes");
        Texture { side, pixels, j2c }
    }

    fn prefix(&self, discard: u8) -> &[u8] {
        let len = prefix_len(self.side, self.side, 4, discard);
        &self.j2c[..len.min(self.j2c.len())]
    }

    fn megapixels_at(&self, discard: u8) -> f64 {
        let s = f64::from(self.side.div_ceil(1 << discard));
        s * s / 1e6
    }
}

/// Decodes with hayro-jpeg2000, asking for the resolution of `discard`.
fn hayro_decode(j2c: &[u8], side: u32, discard: u8) -> Result<(u32, u32, Vec<u8>), String> {
    let settings = DecodeSettings {
        target_resolution: (discard > 0).then(|| (side >> discard, side >> discard)),
        ..DecodeSettings::default()
    };
    let image = Image::new(j2c, &settings).map_err(|e| format!("{e:?}"))?;
    let mut ctx = DecoderContext::default();
    let decoded = image.decode(&mut ctx).map_err(|e| format!("{e:?}"))?;
    let data = decoded.data_u8();
    // hayro reports the full size; the reduced size follows from the data.
    let side_out = side.div_ceil(1 << discard);
    Ok((side_out, side_out, data))
}

/// CPU time consumed so far by the calling thread.
fn thread_cpu() -> Duration {
    let mut ts = libc::timespec {
        tv_sec: 0,
        tv_nsec: 0,
    };
    // SAFETY: clock_gettime writes one timespec; a failure leaves zeros.
    unsafe { libc::clock_gettime(libc::CLOCK_THREAD_CPUTIME_ID, &mut ts) };
    Duration::new(ts.tv_sec as u64, ts.tv_nsec as u32)
}

/// User + system CPU time of this process (all threads) or of its waited
/// children.
fn rusage_cpu(who: i32) -> Duration {
    // SAFETY: getrusage fills a plain struct.
    let ru = unsafe {
        let mut ru = std::mem::zeroed::<libc::rusage>();
        libc::getrusage(who, &mut ru);
        ru
    };
    let tv = |t: libc::timeval| Duration::new(t.tv_sec as u64, t.tv_usec as u32 * 1000);
    tv(ru.ru_utime) + tv(ru.ru_stime)
}

/// The 1-minute load average, printed next to wall-time figures.
fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .ok()
        .and_then(|s| s.split_whitespace().next().map(str::to_string))
        .unwrap_or_else(|| "?".into())
}

/// Median thread CPU time of `f` over runs filling `budget` of wall time
/// (at least `min_runs`).
fn median_time(budget: Duration, min_runs: usize, mut f: impl FnMut()) -> Duration {
    let mut times = Vec::new();
    let start = Instant::now();
    while times.len() < min_runs || start.elapsed() < budget {
        let t = thread_cpu();
        f();
        times.push(thread_cpu().saturating_sub(t));
        if times.len() >= 10_000 {
            break;
        }
    }
    times.sort();
    times[times.len() / 2]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

/// Mean absolute difference of two RGBA buffers of equal size, or None.
fn mae(a: &[u8], b: &[u8]) -> Option<f64> {
    (a.len() == b.len()).then(|| common::mean_abs_error(a, b))
}

/// Per-file decode CPU time of `opj_decompress` in its batch mode
/// (`-ImgDir`): `copies` copies of the codestream in a directory, one
/// process decoding them all single-threaded to RAW files, its user+sys CPU
/// time minus that of the same command on an empty directory (process start
/// and library load), divided by `copies`. Median of `runs`. None when the
/// tool is not installed or fails.
fn opj_decompress_per_file(tex: &Texture, copies: usize, runs: usize) -> Option<Duration> {
    let root = std::env::temp_dir().join(format!("kestrel-j2k-bench-{}", std::process::id()));
    let full = root.join(format!("tex{}", tex.side));
    let empty = root.join("empty");
    let run = |dir: &Path| -> Option<Duration> {
        // The tool writes its outputs next to the inputs; remove them so the
        // next run reads only codestreams.
        for e in std::fs::read_dir(dir).ok()?.flatten() {
            if e.path().extension().is_some_and(|x| x == "raw") {
                let _ = std::fs::remove_file(e.path());
            }
        }
        let before = rusage_cpu(libc::RUSAGE_CHILDREN);
        let out = Command::new("opj_decompress")
            .arg("-ImgDir")
            .arg(dir)
            .args(["-OutFor", "RAW", "-threads", "1", "-quiet"])
            .output()
            .ok()?;
        let elapsed = rusage_cpu(libc::RUSAGE_CHILDREN).saturating_sub(before);
        // An empty directory makes it exit non-zero; that run is only the
        // start-up cost, so its status is not checked.
        let _ = out;
        Some(elapsed)
    };
    std::fs::create_dir_all(&full).ok()?;
    std::fs::create_dir_all(&empty).ok()?;
    for i in 0..copies {
        std::fs::write(full.join(format!("t{i}.j2k")), &tex.j2c).ok()?;
    }
    // Warm the page cache and check the tool runs at all.
    run(&full)?;
    let decoded = std::fs::read_dir(&full)
        .ok()?
        .flatten()
        .filter(|e| e.path().extension().is_some_and(|x| x == "raw"))
        .count();
    if decoded != copies {
        eprintln!("opj_decompress decoded {decoded} of {copies} files; row skipped");
        return None;
    }
    let mut base = Vec::new();
    let mut batch = Vec::new();
    for _ in 0..runs {
        base.push(run(&empty)?);
        batch.push(run(&full)?);
    }
    base.sort();
    batch.sort();
    let _ = std::fs::remove_dir_all(&root);
    let per = batch[runs / 2].saturating_sub(base[runs / 2]) / copies as u32;
    Some(per)
}

fn opj_decompress_available() -> bool {
    Command::new("opj_decompress").arg("-h").output().is_ok()
}

/// Decodes `count` textures on a rayon pool of `threads` threads; returns
/// the wall time and the process CPU time spent.
fn pool_decode(j2c: &[u8], count: usize, threads: usize) -> (Duration, Duration) {
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .expect("rayon pool");
    pool.install(|| {
        let cpu = rusage_cpu(libc::RUSAGE_SELF);
        let t = Instant::now();
        (0..count).into_par_iter().for_each(|_| {
            black_box(decode(black_box(j2c), 0, &Limits::default()).expect("decodes"));
        });
        (
            t.elapsed(),
            rusage_cpu(libc::RUSAGE_SELF).saturating_sub(cpu),
        )
    })
}

fn main() {
    let full_run = std::env::args().any(|a| a == "--bench");
    let sides: &[u32] = if full_run {
        &[256, 512, 1024, 2048]
    } else {
        &[256]
    };
    let budget = if full_run {
        Duration::from_millis(1500)
    } else {
        Duration::ZERO
    };
    let textures: Vec<Texture> = sides.iter().map(|&s| Texture::new(s)).collect();

    let mut c = Criterion::default()
        .sample_size(if full_run { 20 } else { 10 })
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(3))
        .configure_from_args();
    {
        let mut g = c.benchmark_group("texture_decode");
        for tex in &textures {
            g.throughput(Throughput::Elements(
                u64::from(tex.side) * u64::from(tex.side),
            ));
            g.bench_with_input(BenchmarkId::new("kestrel_full", tex.side), tex, |b, t| {
                b.iter(|| decode(black_box(&t.j2c), 0, &Limits::default()).unwrap())
            });
            g.bench_with_input(BenchmarkId::new("hayro_full", tex.side), tex, |b, t| {
                b.iter(|| hayro_decode(black_box(&t.j2c), t.side, 0).unwrap())
            });
            let d2 = u64::from(tex.side / 4) * u64::from(tex.side / 4);
            g.throughput(Throughput::Elements(d2));
            g.bench_with_input(
                BenchmarkId::new("kestrel_prefix_d2", tex.side),
                tex,
                |b, t| b.iter(|| decode(black_box(t.prefix(2)), 2, &Limits::default()).unwrap()),
            );
        }
        g.finish();
    }
    c.final_summary();

    let min_runs = if full_run { 5 } else { 1 };
    println!();
    println!(
        "## Figures (one thread, median CPU time per decode; MP/s = output megapixels per CPU-second)"
    );
    println!();
    println!(
        "| texture | file bytes | kestrel full | kestrel prefix d0 | kestrel prefix d2 (at 1/4) | hayro full | hayro prefix d2 (at 1/4) | opj_decompress full |"
    );
    println!("|---|---|---|---|---|---|---|---|");
    let have_opj = opj_decompress_available();
    for tex in &textures {
        let cell =
            |d: Duration, mp: f64| format!("{:.2} ms, {:.1} MP/s", ms(d), mp / d.as_secs_f64());
        let full = median_time(budget, min_runs, || {
            black_box(decode(&tex.j2c, 0, &Limits::default()).unwrap());
        });
        let p0 = median_time(budget, min_runs, || {
            black_box(decode(tex.prefix(0), 0, &Limits::default()).unwrap());
        });
        let p2 = median_time(budget, min_runs, || {
            black_box(decode(tex.prefix(2), 2, &Limits::default()).unwrap());
        });
        let hayro_full = median_time(budget, min_runs, || {
            black_box(hayro_decode(&tex.j2c, tex.side, 0).unwrap());
        });
        let hayro_p2 = match hayro_decode(tex.prefix(2), tex.side, 2) {
            Ok(_) => cell(
                median_time(budget, min_runs, || {
                    black_box(hayro_decode(tex.prefix(2), tex.side, 2).ok());
                }),
                tex.megapixels_at(2),
            ),
            Err(e) => format!("error: {e}"),
        };
        let opj = if !have_opj {
            "not installed".to_string()
        } else if !full_run {
            "skipped in test mode".to_string()
        } else {
            // Enough files that decoding dominates process start.
            let copies = (64 * 256 * 256 / (tex.side * tex.side) as usize).max(4);
            match opj_decompress_per_file(tex, copies, 5) {
                Some(d) => cell(d, tex.megapixels_at(0)),
                None => "failed".to_string(),
            }
        };
        println!(
            "| {0}² RGBA | {1} | {2} | {3} | {4} | {5} | {6} | {7} |",
            tex.side,
            tex.j2c.len(),
            cell(full, tex.megapixels_at(0)),
            cell(p0, tex.megapixels_at(0)),
            cell(p2, tex.megapixels_at(2)),
            cell(hayro_full, tex.megapixels_at(0)),
            hayro_p2,
            opj,
        );
    }
    if !have_opj {
        println!();
        println!(
            "note: opj_decompress not found (Debian: libopenjp2-tools); its column is skipped"
        );
    }

    println!();
    println!("## Truncated codestreams: mean abs error (0..255) against the original pixels");
    println!();
    println!("| texture | bytes kept | kestrel d0 | hayro d0 | kestrel d2 | hayro d2 |");
    println!("|---|---|---|---|---|---|");
    for tex in &textures {
        let original = common::to_rgba(&tex.pixels, 4);
        // The reference at discard 2 is our own whole-file decode at that
        // size: there is no "original" at a quarter size.
        let reference_d2 = decode(&tex.j2c, 2, &Limits::default()).unwrap().rgba;
        for percent in [100usize, 50, 25, 10, 5] {
            let keep = tex.j2c.len() * percent / 100;
            let bytes = &tex.j2c[..keep];
            let ours = |d: u8, reference: &[u8]| match decode(bytes, d, &Limits::default()) {
                Ok(img) => {
                    mae(&img.rgba, reference).map_or("size mismatch".into(), |e| format!("{e:.2}"))
                }
                Err(e) => format!("error: {}", e.kind()),
            };
            let theirs = |d: u8, reference: &[u8]| match hayro_decode(bytes, tex.side, d) {
                Ok((_, _, data)) => mae(&data, reference)
                    .map_or(format!("size mismatch ({} bytes)", data.len()), |e| {
                        format!("{e:.2}")
                    }),
                Err(e) => format!("error: {e}"),
            };
            println!(
                "| {}² | {percent}% ({keep} B) | {} | {} | {} | {} |",
                tex.side,
                ours(0, &original),
                theirs(0, &original),
                ours(2, &reference_d2),
                theirs(2, &reference_d2),
            );
        }
    }

    println!();
    println!("## Bytes fetched per texture against the full file (prefix_len / file size)");
    println!();
    println!(
        "| texture | file bytes | d0 | d1 | d2 | d3 | d4 | d5 | legacy d0 | legacy d2 | legacy d5 |"
    );
    println!("|---|---|---|---|---|---|---|---|---|---|---|");
    for tex in &textures {
        let frac = |len: usize| {
            let f = len as f64 / tex.j2c.len() as f64;
            if f >= 1.0 {
                format!("whole ({len})")
            } else {
                format!("{:.0}% ({len})", f * 100.0)
            }
        };
        let cur: Vec<String> = (0..=5u8)
            .map(|d| frac(prefix_len(tex.side, tex.side, 4, d)))
            .collect();
        println!(
            "| {}² | {} | {} | {} | {} | {} |",
            tex.side,
            tex.j2c.len(),
            cur.join(" | "),
            frac(legacy_prefix_len(tex.side, tex.side, 4, 0)),
            frac(legacy_prefix_len(tex.side, tex.side, 4, 2)),
            frac(legacy_prefix_len(tex.side, tex.side, 4, 5)),
        );
    }

    println!();
    println!("## Rayon scaling: 512² RGBA textures decoded whole, one per task");
    println!();
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let tex = textures
        .iter()
        .find(|t| t.side == 512)
        .unwrap_or(&textures[0]);
    let count = if full_run { 96 } else { 4 };
    let mut threads = vec![1usize];
    while threads.last().copied().unwrap_or(1) * 2 < cores {
        let next = threads.last().copied().unwrap_or(1) * 2;
        threads.push(next);
    }
    if cores > 1 {
        threads.push(cores);
    }
    println!("| threads | textures | wall ms | MP/s (wall) | speed-up | CPU ms per texture |");
    println!("|---|---|---|---|---|---|");
    let mut one = None;
    for &n in &threads {
        let mut runs: Vec<(Duration, Duration)> = (0..min_runs.max(1))
            .map(|_| pool_decode(&tex.j2c, count, n))
            .collect();
        runs.sort();
        let (wall, cpu) = runs[runs.len() / 2];
        let mp = tex.megapixels_at(0) * count as f64 / wall.as_secs_f64();
        let base = *one.get_or_insert(mp);
        println!(
            "| {n} | {count} × {}² | {:.1} | {mp:.1} | {:.2}× | {:.2} |",
            tex.side,
            ms(wall),
            mp / base,
            ms(cpu) / count as f64
        );
    }
    println!();
    println!(
        "machine: {cores} logical cores, 1-minute load average {} at the end",
        load_average()
    );
}

//! The viewer in a real window (under Xvfb in `scripts/test.sh`): it logs in
//! to the embedded region, draws frames with the editor open, records its
//! frame-time trace and closes itself after `--frames`; the trace it wrote
//! replays through the governor. A headless render run records its frames
//! the same way.

use std::path::Path;
use std::process::Command;

use kestrel::governor::read_trace;

const KESTREL: &str = env!("CARGO_BIN_EXE_kestrel");

fn require_display() {
    assert!(
        std::env::var_os("DISPLAY").is_some() || std::env::var_os("WAYLAND_DISPLAY").is_some(),
        "this test opens a window: run it under a display (scripts/test.sh uses xvfb-run)"
    );
}

/// An empty scratch directory for one test.
fn fresh_dir(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("kestrel-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The viewer, with its settings kept in `dir` (never the user's own).
fn kestrel(dir: &Path) -> Command {
    let mut c = Command::new(KESTREL);
    c.env("KESTREL_CONFIG_DIR", dir.join("config"));
    c
}

#[test]
fn a_window_session_records_a_replayable_trace() {
    require_display();
    let dir = fresh_dir("window");
    let trace = dir.join("trace.csv");
    let out = kestrel(&dir)
        .args([
            "--frames", "40", "--editor", "--width", "480", "--height", "270",
        ])
        .arg("--record-trace")
        .arg(&trace)
        .output()
        .expect("run kestrel");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "kestrel failed: {stderr}");
    assert!(!stderr.contains("panicked"), "{stderr}");

    let samples = read_trace(&trace).expect("the trace reads back");
    assert_eq!(samples.len(), 40, "one row per frame");
    assert!(samples.windows(2).all(|w| w[0].t_ms < w[1].t_ms));
    assert!(samples.iter().all(|s| s.frame_ms > 0.0));
    // First launch saved the detected profile for next time.
    assert!(Path::new(&dir.join("config").join("settings.toml")).exists());

    let replay = Command::new(KESTREL)
        .args(["governor", "replay", "--trace"])
        .arg(&trace)
        .output()
        .expect("run the replay");
    assert!(
        replay.status.success(),
        "{}",
        String::from_utf8_lossy(&replay.stderr)
    );
    let stdout = String::from_utf8_lossy(&replay.stdout);
    let summary: serde_json::Value =
        serde_json::from_str(stdout.lines().last().expect("a summary line")).unwrap();
    assert!(
        summary["transitions"].is_u64() && summary["final"].is_string(),
        "{summary}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_headless_render_run_records_its_frames_too() {
    let dir = fresh_dir("headless-trace");
    let trace = dir.join("trace.csv");
    let out = kestrel(&dir)
        .args([
            "--headless",
            "--frames",
            "12",
            "--width",
            "160",
            "--height",
            "90",
        ])
        .arg("--record-trace")
        .arg(&trace)
        .output()
        .expect("run kestrel");
    assert!(
        out.status.success(),
        "kestrel failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let samples = read_trace(&trace).expect("the trace reads back");
    assert_eq!(samples.len(), 12, "one row per rendered frame");

    // Without frames there is nothing to record: refused, with the reason.
    let out = kestrel(&dir)
        .args(["--headless", "--record-trace"])
        .arg(dir.join("never.csv"))
        .output()
        .expect("run kestrel");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("add --frames N"));
    let _ = std::fs::remove_dir_all(&dir);
}

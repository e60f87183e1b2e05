//! What a new user meets first, run as they run it: the `kestrel` binary with
//! mistakes on purpose (each refused with one line on stderr that names what
//! is wrong, once, with no source path, exit status ≠ 0), and a run that
//! succeeds leaving stderr free of errors and escape codes when it is a file.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

const KESTREL: &str = env!("CARGO_BIN_EXE_kestrel");

/// An empty scratch directory for one test.
fn fresh_dir(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("kestrel-first-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// The viewer with an empty config dir of its own (a first launch), and no
/// `RUST_LOG` from the caller: the defaults a user gets.
fn kestrel(dir: &Path, args: &[&str]) -> Output {
    Command::new(KESTREL)
        .env("KESTREL_CONFIG_DIR", dir.join("config"))
        .env_remove("RUST_LOG")
        .args(args)
        .output()
        .expect("run kestrel")
}

/// The run failed with exactly one line on stderr, naming `what`, with no
/// path into any source file; returns that line.
fn refused(out: &Output, what: &str) -> String {
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(!out.status.success(), "accepted; stderr: {stderr}");
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(lines.len(), 1, "one line on stderr, got: {stderr}");
    let line = lines[0].to_owned();
    assert!(line.contains(what), "{what:?} not named in: {line}");
    assert!(!line.contains(".rs:"), "a source path in: {line}");
    assert!(!line.contains('\u{1b}'), "escape codes in: {line}");
    line
}

#[test]
fn mistakes_on_the_command_line_are_one_line_that_names_the_flag() {
    let dir = fresh_dir("flags");
    let line = refused(
        &kestrel(
            &dir,
            &[
                "--headless",
                "--login-uri",
                "htp:/x",
                "--first",
                "a",
                "--last",
                "b",
                "--password",
                "c",
            ],
        ),
        "--login-uri",
    );
    assert!(
        line.contains("http://"),
        "says what a URI looks like: {line}"
    );
    assert!(!line.contains("unreachable"), "{line}");

    let line = refused(&kestrel(&dir, &["--seconds", "-5"]), "--seconds");
    assert!(line.contains("-5"), "{line}");

    // One limit on the embedded region's objects, one message, both ways in.
    let viewer = refused(
        &kestrel(&dir, &["--headless", "--sim-objects", "999999"]),
        "999999",
    );
    let sim = refused(&kestrel(&dir, &["sim", "--objects", "999999"]), "999999");
    let reason = |l: &str| l.rsplit_once("': ").map(|(_, r)| r.to_owned());
    assert_eq!(reason(&viewer), reason(&sim), "{viewer} / {sim}");
    assert!(viewer.contains("--sim-objects") && sim.contains("--objects"));

    // The plot's format is checked before the replay runs: nothing on stdout.
    let trace = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("config/traces/spike.csv");
    let out = kestrel(
        &dir,
        &[
            "governor",
            "replay",
            "--trace",
            trace.to_str().unwrap(),
            "--plot",
            dir.join("out.jpg").to_str().unwrap(),
        ],
    );
    refused(&out, "--plot");
    assert!(out.stdout.is_empty(), "the replay ran anyway");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_login_that_fails_is_said_once() {
    let dir = fresh_dir("login");
    // Nothing listens on port 1.
    let out = kestrel(
        &dir,
        &[
            "--headless",
            "--login-uri",
            "http://127.0.0.1:1/",
            "--first",
            "Ann",
            "--last",
            "Avatar",
            "--password",
            "secret",
            "--seconds",
            "1",
        ],
    );
    let line = refused(&out, "unreachable");
    assert!(line.contains("127.0.0.1:1"), "{line}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn no_display_says_what_to_do_instead() {
    let dir = fresh_dir("nodisplay");
    let out = Command::new(KESTREL)
        .env("KESTREL_CONFIG_DIR", dir.join("config"))
        .env_remove("RUST_LOG")
        .env_remove("DISPLAY")
        .env_remove("WAYLAND_DISPLAY")
        .env_remove("WAYLAND_SOCKET")
        .args(["--frames", "1"])
        .output()
        .expect("run kestrel");
    let line = refused(&out, "no display");
    assert!(line.contains("--headless"), "{line}");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_run_that_succeeds_leaves_stderr_quiet_when_it_is_a_file() {
    let dir = fresh_dir("quiet");
    let err_path = dir.join("err.txt");
    let err = std::fs::File::create(&err_path).unwrap();
    let out = Command::new(KESTREL)
        .env("KESTREL_CONFIG_DIR", dir.join("config"))
        .env_remove("RUST_LOG")
        .args(["--headless", "--seconds", "3"])
        .stderr(err)
        .output()
        .expect("run kestrel");
    let stderr = std::fs::read_to_string(&err_path).unwrap();
    assert!(
        out.status.success(),
        "the run failed: {stderr}{}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert!(
        !stderr.contains('\u{1b}'),
        "escape codes on stderr: {stderr:?}"
    );
    let lower = stderr.to_ascii_lowercase();
    assert!(
        !lower.contains("error"),
        "errors on the stderr of a run that succeeded: {stderr}"
    );
    // The JSON says how long the run stayed connected, measured.
    let json: serde_json::Value =
        serde_json::from_str(String::from_utf8_lossy(&out.stdout).trim()).unwrap();
    let secs = json["connected_secs"].as_f64().expect("connected_secs");
    assert!(secs >= 3.0, "connected for {secs} s of a 3 s run");

    // A render run measures it too (it was the constant 0 before).
    let out = kestrel(
        &dir,
        &[
            "--headless",
            "--frames",
            "2",
            "--width",
            "64",
            "--height",
            "48",
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let json: serde_json::Value =
        serde_json::from_str(String::from_utf8_lossy(&out.stdout).trim()).unwrap();
    let secs = json["connected_secs"]
        .as_f64()
        .expect("connected_secs in the render run's JSON");
    assert!(secs > 0.0, "connected_secs {secs}");
    let _ = std::fs::remove_dir_all(&dir);
}

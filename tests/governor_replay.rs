//! `kestrel governor replay` as a user runs it: its JSON lines, its plots,
//! its refusal of bad traces (with the line) and bad configs (file:line:col),
//! and saving/reverting tuned thresholds.

use std::path::{Path, PathBuf};

use clap::Parser;
use kestrel::config::{ConfigDir, ConfigError, PerformanceProfile};
use kestrel::governor::{
    GovernorError, ReplayArgs, Thresholds, TraceError, parse_trace, run_replay,
};

/// A fresh directory for one test.
fn temp_dir(name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("kestrel-gov-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}

fn shipped(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("config/traces")
        .join(format!("{name}.csv"))
}

fn args(trace: &Path) -> ReplayArgs {
    ReplayArgs {
        trace: trace.to_path_buf(),
        config: None,
        start: None,
        plot: None,
    }
}

#[derive(Parser)]
struct Cli {
    #[command(flatten)]
    replay: ReplayArgs,
}

#[test]
fn command_line_flags_parse() {
    let cli = Cli::try_parse_from([
        "replay", "--trace", "t.csv", "--config", "g.toml", "--start", "balanced", "--plot",
        "o.png",
    ])
    .unwrap();
    assert_eq!(cli.replay.trace, PathBuf::from("t.csv"));
    assert_eq!(cli.replay.config, Some(PathBuf::from("g.toml")));
    assert_eq!(cli.replay.start, Some(PerformanceProfile::Balanced));
    assert_eq!(cli.replay.plot, Some(PathBuf::from("o.png")));
    assert!(Cli::try_parse_from(["replay", "--trace", "t.csv", "--start", "custom"]).is_err());
    assert!(Cli::try_parse_from(["replay", "--trace", "t.csv", "--start", "ultra"]).is_err());
    assert!(
        Cli::try_parse_from(["replay"]).is_err(),
        "--trace is required"
    );
    // A format it cannot write is refused while parsing, before any replay.
    let e = Cli::try_parse_from(["replay", "--trace", "t.csv", "--plot", "o.jpg"])
        .err()
        .expect("--plot o.jpg refused");
    let text = e.to_string();
    assert!(
        text.contains("--plot") && text.contains("must end in .svg or .png"),
        "{text}"
    );
}

#[test]
fn slow_frames_far_above_the_target_are_inside_the_plot() {
    // A trace as a software adapter records it: 23–370 ms frames against a
    // 16.7 ms target, far above the old 3× cap of the axis.
    let dir = temp_dir("slow-plot");
    let trace = dir.join("slow.csv");
    let mut csv = String::from("t_ms,frame_ms,gpu_ms,memory_pressure\n");
    let mut t = 0.0;
    let mut costs = Vec::new();
    for i in 0..200 {
        let cost = 23.0 + f64::from(i * 37 % 348);
        t += cost;
        costs.push(cost);
        csv.push_str(&format!("{t},{cost},,\n"));
    }
    std::fs::write(&trace, csv).unwrap();
    let dearest = costs.iter().copied().fold(0.0, f64::max);
    assert_eq!(dearest, 370.0);

    let samples = kestrel::governor::read_trace(&trace).unwrap();
    let (top, step) = kestrel::governor::plot::y_axis(&samples, &Thresholds::default());
    assert!(
        top >= dearest,
        "the y axis stops at {top} ms, below {dearest} ms"
    );
    assert!(
        top < dearest + step + 1e-9,
        "one step of room at most: {top}"
    );

    let mut a = args(&trace);
    let svg = dir.join("slow.svg");
    a.plot = Some(svg.clone());
    run_replay(&a, &mut Vec::new()).unwrap();
    let text = std::fs::read_to_string(&svg).unwrap();
    assert!(
        text.contains(&format!(">{top}<")),
        "the top tick {top} is labelled on the axis"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn replay_prints_one_json_line_per_transition_then_a_summary() {
    let mut out = Vec::new();
    let summary = run_replay(&args(&shipped("spike")), &mut out).unwrap();
    let text = String::from_utf8(out).unwrap();
    let lines: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{l}: {e}")))
        .collect();
    assert_eq!(lines.len(), 3, "{text}");
    assert_eq!(lines[0]["from"], "High");
    assert_eq!(lines[0]["to"], "Balanced");
    assert_eq!(lines[0]["t_ms"].as_f64(), Some(summary.transitions[0].t_ms));
    assert!(
        lines[0]["why"].as_str().unwrap().contains("over 19.17 ms"),
        "{text}"
    );
    assert_eq!(lines[1]["from"], "Balanced");
    assert_eq!(lines[1]["to"], "High");
    assert!(
        lines[1]["why"].as_str().unwrap().contains("under 11.67 ms"),
        "{text}"
    );
    assert_eq!(
        lines[2],
        serde_json::json!({"transitions": 2, "final": "High"})
    );
    // Only those keys, in that order, as the tool's contract says.
    assert!(text.lines().next().unwrap().starts_with(r#"{"t_ms":"#));
}

#[test]
fn start_and_config_change_the_replay() {
    let dir = temp_dir("start");
    // From Low the degradation trace has nowhere to go.
    let mut a = args(&shipped("degradation"));
    a.start = Some(PerformanceProfile::Low);
    let mut out = Vec::new();
    let s = run_replay(&a, &mut out).unwrap();
    assert!(s.transitions.is_empty());
    assert_eq!(
        String::from_utf8(out).unwrap(),
        "{\"transitions\":0,\"final\":\"Low\"}\n"
    );
    // A governor that never goes below Balanced stops after one step.
    let cfg = dir.join("g.toml");
    std::fs::write(&cfg, "min_profile = \"balanced\"\n").unwrap();
    let mut a = args(&shipped("degradation"));
    a.config = Some(cfg);
    let s = run_replay(&a, &mut Vec::new()).unwrap();
    assert_eq!(s.transitions.len(), 1);
    assert_eq!(s.final_profile, PerformanceProfile::Balanced);
}

#[test]
fn plots_mark_every_transition() {
    let dir = temp_dir("plot");
    let svg = dir.join("spike.svg");
    let png_path = dir.join("spike.png");
    for p in [&svg, &png_path] {
        let mut a = args(&shipped("spike"));
        a.plot = Some(p.clone());
        run_replay(&a, &mut Vec::new()).unwrap();
    }
    let text = std::fs::read_to_string(&svg).unwrap();
    assert!(text.starts_with("<svg"));
    assert!(text.trim_end().ends_with("</svg>"));
    assert!(
        text.contains("High→Balanced 21."),
        "transition label missing"
    );
    assert!(
        text.contains("Balanced→High 42."),
        "transition label missing"
    );
    assert!(text.contains("slow &gt; 19.17 ms"));

    // The PNG: decode it and find the two purple markers across the plot's middle row.
    let decoder = png::Decoder::new(std::io::BufReader::new(
        std::fs::File::open(&png_path).unwrap(),
    ));
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut buf).unwrap();
    assert_eq!((info.width, info.height), (1200, 520));
    assert_eq!(info.color_type, png::ColorType::Rgb);
    let row = 260usize;
    let purple: Vec<usize> = (0..info.width as usize)
        .filter(|x| {
            let i = (row * info.width as usize + x) * 3;
            buf[i..i + 3] == [106, 27, 154]
        })
        .collect();
    assert_eq!(purple.len(), 2, "{purple:?}");
    // 21 s and 42.2 s of a 60 s trace across the 1100 px plot area from x = 70.
    let expect = |t_s: f64| 70.0 + t_s / 60.0 * 1100.0;
    assert!((purple[0] as f64 - expect(21.0)).abs() < 4.0, "{purple:?}");
    assert!((purple[1] as f64 - expect(42.2)).abs() < 4.0, "{purple:?}");

    let mut a = args(&shipped("spike"));
    a.plot = Some(dir.join("spike.jpg"));
    let e = run_replay(&a, &mut Vec::new()).unwrap_err();
    assert!(e.to_string().contains("must end in .svg or .png"), "{e}");
}

/// Parses `text` as a trace and answers the error's line and message.
fn row_error(text: &str) -> (usize, String) {
    match parse_trace(Path::new("t.csv"), text) {
        Err(TraceError::Row { line, message, .. }) => (line, message),
        other => panic!("expected a row error, got {other:?}"),
    }
}

#[test]
fn bad_trace_rows_are_refused_with_their_line() {
    let (line, msg) = row_error("t_ms,frame_ms\n16,16\n32,abc\n");
    assert_eq!(
        (line, msg.as_str()),
        (3, "column frame_ms: \"abc\" is not a number")
    );
    let (line, msg) = row_error("t_ms,frame_ms\n16,16\n\n# note\n32,16,7\n");
    assert_eq!(line, 5);
    assert!(msg.contains("expected 2 columns"), "{msg}");
    let (line, msg) = row_error("t_ms,frame_ms\n16,16\n10,16\n");
    assert_eq!(line, 3);
    assert!(msg.contains("earlier than the previous row"), "{msg}");
    let (line, msg) = row_error("t_ms,frame_ms\n16,0\n");
    assert_eq!(line, 2);
    assert!(msg.contains("frame_ms: 0 is outside"), "{msg}");
    let (line, msg) = row_error("t_ms,frame_ms\n16,inf\n");
    assert_eq!(line, 2);
    assert!(msg.contains("not a finite number"), "{msg}");
    let (line, msg) = row_error("t_ms,frame_ms,gpu_ms\n16,16,-3\n");
    assert_eq!(line, 2);
    assert!(msg.contains("gpu_ms: -3 is negative"), "{msg}");
    let (line, msg) = row_error("time,frame_ms\n16,16\n");
    assert_eq!(line, 1);
    assert!(msg.contains("no \"t_ms\" column"), "{msg}");
    let (line, msg) = row_error("t_ms,frame_ms\n");
    assert_eq!(line, 1);
    assert!(msg.contains("no rows"), "{msg}");
    let (_, msg) = row_error("");
    assert!(msg.contains("no header"), "{msg}");

    // Through the tool: the file name and line lead the message.
    let dir = temp_dir("badrow");
    let bad = dir.join("bad.csv");
    std::fs::write(&bad, "t_ms,frame_ms\n1,1\n2,1\n3,x1\n").unwrap();
    let e = run_replay(&args(&bad), &mut Vec::new()).unwrap_err();
    assert!(matches!(
        e,
        GovernorError::Trace(TraceError::Row { line: 4, .. })
    ));
    assert_eq!(
        e.to_string(),
        format!(
            "{}:4: column frame_ms: \"x1\" is not a number",
            bad.display()
        )
    );
    let e = run_replay(&args(&dir.join("missing.csv")), &mut Vec::new()).unwrap_err();
    assert!(
        matches!(e, GovernorError::Trace(TraceError::Io { .. })),
        "{e}"
    );
}

/// Parses thresholds and answers the error's line and column.
fn config_error(text: &str) -> (usize, usize, String) {
    match Thresholds::parse(Path::new("g.toml"), text) {
        Err(ConfigError::Parse {
            line,
            column,
            message,
            ..
        }) => (line, column, message),
        other => panic!("expected a parse error, got {other:?}"),
    }
}

#[test]
fn bad_config_is_refused_with_file_line_and_column() {
    let (l, c, m) = config_error("cooldown_ms = 100\ntarget_frame_ms = \"fast\"\n");
    assert_eq!((l, c), (2, 19), "{m}");
    let (l, c, m) = config_error("cooldown_ms = 100\n\nwindow_ms = 3\n");
    assert_eq!((l, c), (3, 1), "{m}");
    assert!(m.contains("unknown field `window_ms`"), "{m}");
    let (l, c, m) = config_error("cooldown_ms = 100\nup_window_ms = 500\n");
    assert_eq!((l, c), (2, 16), "{m}");
    assert!(m.starts_with("up_window_ms: 500 is outside"), "{m}");
    let (l, c, m) = config_error("min_profile = \"high\"\nmax_profile = \"low\"\n");
    assert_eq!((l, c), (2, 15), "{m}");
    let (l, _, m) = config_error("max_profile = \"custom\"\n");
    assert_eq!(l, 1);
    assert!(m.contains("must be low, balanced or high"), "{m}");
    let (l, c, _) = config_error("down_fraction = 0.0\n");
    assert_eq!((l, c), (1, 17));
    let (l, _, m) = config_error("target_frame_ms = 16.6\n[extra]\n");
    assert_eq!(l, 2, "{m}");

    // Through the tool: file:line:col leads the message.
    let dir = temp_dir("badcfg");
    let cfg = dir.join("governor.toml");
    std::fs::write(&cfg, "# tuned\ndown_margin = -1.0\n").unwrap();
    let mut a = args(&shipped("steady"));
    a.config = Some(cfg.clone());
    let e = run_replay(&a, &mut Vec::new()).unwrap_err();
    assert_eq!(
        e.to_string(),
        format!("{}:2:15: down_margin: -1 is outside 0..10", cfg.display())
    );
}

#[test]
fn saved_thresholds_load_back_and_revert_restores_them() {
    let dir = ConfigDir(temp_dir("save"));
    // Nothing saved yet: the shipped thresholds.
    assert_eq!(Thresholds::load_user(&dir).unwrap(), Thresholds::built_in());
    let mut t = Thresholds::built_in();
    t.target_frame_ms = 8.333;
    t.cooldown_ms = 3000;
    t.max_profile = PerformanceProfile::Balanced;
    let path = t.save_user(&dir).unwrap();
    assert_eq!(path, dir.0.join("governor.toml"));
    assert_eq!(Thresholds::load_user(&dir).unwrap(), t);
    // The saved file is ordinary TOML a user can edit.
    let text = std::fs::read_to_string(&path).unwrap();
    assert!(text.contains("target_frame_ms = 8.333"), "{text}");
    assert!(text.contains("max_profile = \"balanced\""), "{text}");
    // Invalid values are never saved.
    let mut bad = t;
    bad.up_fraction = 2.0;
    assert!(matches!(
        bad.save_user(&dir),
        Err(ConfigError::Invalid { .. })
    ));
    assert_eq!(Thresholds::load_user(&dir).unwrap(), t);
    // A hand-broken file is refused with its position.
    std::fs::write(&path, "cooldown_ms = -5\n").unwrap();
    let e = Thresholds::load_user(&dir).unwrap_err();
    assert!(
        e.to_string().starts_with(&format!("{}:1:", path.display())),
        "{e}"
    );
}

//! `kestrel governor replay`: runs a recorded trace through the governor's
//! decision logic and prints every profile change as a JSON line, then a
//! summary line; optionally draws the trace with the changes marked.
//!
//! A replay is open-loop: the trace's frame times are what was recorded,
//! so frames after a simulated step down do not get cheaper. It answers
//! "when would these thresholds have acted on this load", which is what
//! tuning them needs.

use std::io::Write;
use std::path::PathBuf;

use serde::Serialize;

use crate::config::PerformanceProfile;

use super::core::{FrameSample, GovernorCore, Transition};
use super::error::GovernorError;
use super::plot;
use super::thresholds::Thresholds;
use super::trace::read_trace;

/// Arguments of `kestrel governor replay`.
#[derive(Debug, Clone, PartialEq, clap::Args)]
pub struct ReplayArgs {
    /// The frame-time trace: CSV with a header and at least `t_ms,frame_ms`.
    #[arg(long, value_name = "FILE")]
    pub trace: PathBuf,
    /// Governor thresholds (TOML); default: the shipped `config/governor.toml`.
    #[arg(long, value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// The profile in force when the trace starts (Low, Balanced or High);
    /// default: the thresholds' `max_profile`.
    #[arg(long, value_name = "PROFILE", value_parser = parse_built_in)]
    pub start: Option<PerformanceProfile>,
    /// Draw frame time and the profile changes to this file (.svg or .png).
    #[arg(long, value_name = "OUT", value_parser = parse_plot_path)]
    pub plot: Option<PathBuf>,
}

/// `--plot` is checked before the replay runs: only the formats it can write.
fn parse_plot_path(s: &str) -> Result<PathBuf, String> {
    let path = PathBuf::from(s);
    match super::plot::PlotFormat::from_path(&path) {
        Some(_) => Ok(path),
        None => Err("the plot file must end in .svg or .png".into()),
    }
}

/// `--start` accepts the built-in profiles only: the governor does not move Custom.
fn parse_built_in(s: &str) -> Result<PerformanceProfile, String> {
    match s.parse::<PerformanceProfile>()? {
        PerformanceProfile::Custom => Err(
            "the governor does not move a Custom profile; start at Low, Balanced or High".into(),
        ),
        p => Ok(p),
    }
}

/// What a replay found.
#[derive(Debug, Clone, PartialEq)]
pub struct ReplaySummary {
    /// The profile at the start.
    pub start: PerformanceProfile,
    /// Every change, in order.
    pub transitions: Vec<Transition>,
    /// The profile at the end.
    pub final_profile: PerformanceProfile,
    /// Frames replayed.
    pub frames: usize,
}

/// One transition as printed.
#[derive(Serialize)]
struct TransitionLine {
    t_ms: f64,
    from: &'static str,
    to: &'static str,
    why: String,
}

/// The closing line.
#[derive(Serialize)]
struct SummaryLine {
    transitions: usize,
    #[serde(rename = "final")]
    final_profile: &'static str,
}

/// Replays `samples` through a governor with `thresholds` starting at `start`.
pub fn replay(
    samples: &[FrameSample],
    thresholds: &Thresholds,
    start: PerformanceProfile,
) -> ReplaySummary {
    let mut core = GovernorCore::new(*thresholds, start);
    let transitions = samples
        .iter()
        .filter_map(|s| core.observe_sample(s))
        .collect();
    ReplaySummary {
        start,
        transitions,
        final_profile: core.profile(),
        frames: samples.len(),
    }
}

/// Writes a transition as the JSON line the replay prints (no newline).
pub fn transition_json(t: &Transition) -> String {
    let line = TransitionLine {
        t_ms: t.t_ms,
        from: t.from.name(),
        to: t.to.name(),
        why: t.why.to_string(),
    };
    // A struct of numbers and strings always serialises.
    serde_json::to_string(&line).unwrap_or_default()
}

/// Runs `kestrel governor replay`: reads the trace and thresholds, prints one
/// JSON line per transition and a summary line to `out`, draws the plot if asked.
pub fn run_replay(args: &ReplayArgs, out: &mut dyn Write) -> Result<ReplaySummary, GovernorError> {
    let thresholds = match &args.config {
        Some(path) => Thresholds::load(path)?,
        None => Thresholds::built_in(),
    };
    let samples = read_trace(&args.trace)?;
    let start = args.start.unwrap_or(thresholds.max_profile);
    let summary = replay(&samples, &thresholds, start);
    for t in &summary.transitions {
        writeln!(out, "{}", transition_json(t)).map_err(GovernorError::Output)?;
    }
    let line = SummaryLine {
        transitions: summary.transitions.len(),
        final_profile: summary.final_profile.name(),
    };
    let text = serde_json::to_string(&line).unwrap_or_default();
    writeln!(out, "{text}").map_err(GovernorError::Output)?;
    if let Some(path) = &args.plot {
        let title = args
            .trace
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        plot::write_plot(path, &title, &samples, &thresholds, &summary)?;
    }
    Ok(summary)
}

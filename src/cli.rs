//! The command line: `kestrel [OPTIONS]`, `kestrel sim …`, `kestrel governor replay …`.

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

use crate::config::PerformanceProfile;
use crate::sim::SimConfig;

/// Kestrel: a viewer for Second Life-compatible worlds. With no login
/// options it starts the embedded region on loopback and logs in to it.
#[derive(Debug, Parser)]
#[command(name = "kestrel", version, about, long_about = None)]
pub struct Cli {
    /// A tool instead of the viewer.
    #[command(subcommand)]
    pub command: Option<Command>,
    /// The viewer's options.
    #[command(flatten)]
    pub view: ViewArgs,
    /// More log lines on stderr: `-v` progress (info), `-vv` debug. By
    /// default only warnings and errors; `RUST_LOG` overrides both.
    #[arg(short, long, global = true, action = clap::ArgAction::Count)]
    pub verbose: u8,
}

impl Cli {
    /// The log filter for this run when `RUST_LOG` is not set.
    pub fn log_filter(&self) -> &'static str {
        match self.verbose {
            0 => "warn",
            1 => "info,wgpu_core=warn,wgpu_hal=warn,naga=warn",
            _ => "debug,wgpu_core=info,wgpu_hal=info,naga=info",
        }
    }
}

/// Kestrel's subcommands.
#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the embedded region simulator on its own (prints its login URI).
    Sim(SimConfig),
    /// The ScalingGovernor's offline tools.
    #[command(subcommand)]
    Governor(GovernorCommand),
}

/// `kestrel governor …`.
#[derive(Debug, Subcommand)]
pub enum GovernorCommand {
    /// Replay a frame-time trace through the governor: one JSON line per
    /// profile change, then a summary line; optionally plot it.
    Replay(crate::governor::ReplayArgs),
}

/// How the viewer runs.
#[derive(Debug, Clone, Args)]
pub struct ViewArgs {
    /// No window: connect, (optionally) render offscreen, print one JSON line.
    #[arg(long)]
    pub headless: bool,
    /// The grid's login URI (`http://` or `https://`); without it the
    /// embedded region is used.
    #[arg(long, requires_all = ["first", "last", "password"], value_parser = parse_login_uri)]
    pub login_uri: Option<String>,
    /// Avatar first name.
    #[arg(long)]
    pub first: Option<String>,
    /// Avatar last name.
    #[arg(long)]
    pub last: Option<String>,
    /// Password (for the embedded region: its `--password`, default `kestrel`).
    #[arg(long)]
    pub password: Option<String>,
    /// Headless: seconds to stay connected (circuit-only run), or the longest
    /// wait for the region's content before rendering (with --frames).
    #[arg(long, default_value_t = 10.0, value_parser = parse_seconds, allow_negative_numbers = true)]
    pub seconds: f64,
    /// Headless: render this many frames offscreen after the region arrived.
    /// Window: close after this many frames (scripted runs, trace recording).
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..))]
    pub frames: Option<u32>,
    /// Headless: write the last frame to this PNG file.
    #[arg(long, requires = "headless")]
    pub screenshot: Option<PathBuf>,
    /// Window or offscreen width, pixels.
    #[arg(long, default_value_t = 1280, value_parser = clap::value_parser!(u32).range(16..=8192))]
    pub width: u32,
    /// Window or offscreen height, pixels.
    #[arg(long, default_value_t = 720, value_parser = clap::value_parser!(u32).range(16..=8192))]
    pub height: u32,
    /// Window: open with the editor panels shown (F1 toggles them).
    /// Headless: draw every editor panel into the rendered frames.
    #[arg(long)]
    pub editor: bool,
    /// Record every frame's time (and GPU time) as a governor trace: CSV
    /// with the header `t_ms,frame_ms,gpu_ms,memory_pressure`, replayable
    /// with `kestrel governor replay --trace FILE`.
    #[arg(long, value_name = "FILE")]
    pub record_trace: Option<std::path::PathBuf>,
    /// Window: open on the login screen (fields prefilled from --login-uri,
    /// --first, --last) instead of logging in from the command line; it also
    /// offers "Use the embedded region".
    #[arg(long, conflicts_with = "headless")]
    pub login_screen: bool,
    /// Use this performance profile now (and save it).
    #[arg(long, value_parser = parse_profile)]
    pub profile: Option<PerformanceProfile>,
    /// Load a plugin: an in-process example by name (`chat-logger`,
    /// `region-stats`, `faulty`) or an isolated plugin by executable path,
    /// with comma-separated ARGS after a colon (`faulty:panic-every-update`).
    /// Repeatable.
    #[arg(long = "plugin", value_name = "NAME_OR_PATH[:ARGS]")]
    pub plugins: Vec<String>,
    /// Also trust the certificates in this PEM file for `https://` logins
    /// and capabilities (a grid with its own certificate authority, or a
    /// `kestrel sim --tls --tls-cert-out FILE`). Repeatable.
    #[arg(long = "ca-cert", value_name = "FILE")]
    pub ca_certs: Vec<PathBuf>,
    /// Impair the embedded region's wire: loss, duplication, reordering, latency.
    #[command(flatten)]
    pub embedded: EmbeddedArgs,
}

/// Options for the embedded region when the viewer starts it.
#[derive(Debug, Clone, Args)]
pub struct EmbeddedArgs {
    /// Number of prims in the embedded region.
    #[arg(long = "sim-objects", default_value_t = 300, value_parser = crate::sim::config::parse_object_count)]
    pub objects: usize,
    /// Serve the embedded region's login and capabilities over `https://`
    /// (a self-signed certificate this viewer run trusts).
    #[arg(long = "sim-tls")]
    pub tls: bool,
    /// Wire impairment, applied both ways at the embedded region.
    #[command(flatten)]
    pub impairment: crate::sim::config::ImpairmentConfig,
}

fn parse_seconds(s: &str) -> Result<f64, String> {
    let v: f64 = s
        .parse()
        .map_err(|_| format!("{s:?} is not a number of seconds"))?;
    if !(0.0..=86_400.0).contains(&v) {
        return Err(format!("{v} is outside 0..86400 seconds"));
    }
    Ok(v)
}

/// A login URI a viewer can use: `http://` or `https://`, then a host.
fn parse_login_uri(s: &str) -> Result<String, String> {
    let example = "e.g. http://127.0.0.1:9000/";
    let Some((scheme, rest)) = s.split_once("://") else {
        return Err(format!(
            "not a URI: it must start with http:// or https:// ({example})"
        ));
    };
    if !scheme.eq_ignore_ascii_case("http") && !scheme.eq_ignore_ascii_case("https") {
        return Err(format!(
            "the scheme {scheme:?} is not http or https ({example})"
        ));
    }
    let host = rest.split(['/', '?', '#']).next().unwrap_or("");
    if host.is_empty() || host.starts_with(':') {
        return Err(format!("no host after {scheme}:// ({example})"));
    }
    Ok(s.to_owned())
}

fn parse_profile(s: &str) -> Result<PerformanceProfile, String> {
    s.parse()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A login to `uri` with every name and password flag given.
    fn login_args(uri: &str) -> [&str; 9] {
        [
            "kestrel",
            "--login-uri",
            uri,
            "--first",
            "a",
            "--last",
            "b",
            "--password",
            "c",
        ]
    }

    #[test]
    fn bad_arguments_are_refused_with_a_reason() {
        let e = Cli::try_parse_from(["kestrel", "--seconds=-3"]).unwrap_err();
        assert!(e.to_string().contains("outside 0..86400"), "{e}");
        let e = Cli::try_parse_from(["kestrel", "--profile", "ultra"]).unwrap_err();
        assert!(e.to_string().contains("unknown profile"), "{e}");
        let e = Cli::try_parse_from(["kestrel", "--login-uri", "http://x/"]).unwrap_err();
        assert!(e.to_string().contains("--first"), "{e}");
        let e = Cli::try_parse_from(["kestrel", "--screenshot", "a.png"]).unwrap_err();
        assert!(e.to_string().contains("--headless"), "{e}");
        let e = Cli::try_parse_from(["kestrel", "--frames", "0"]).unwrap_err();
        assert!(e.to_string().contains("--frames"), "{e}");
        // A negative number is a bad value of its flag, not a stray argument.
        let e = Cli::try_parse_from(["kestrel", "--seconds", "-5"]).unwrap_err();
        let text = e.to_string();
        assert!(
            text.contains("--seconds") && text.contains("outside 0..86400"),
            "{e}"
        );
        for (uri, why) in [
            ("htp:/x", "must start with http:// or https://"),
            ("ftp://grid.example/", "not http or https"),
            ("http:///login", "no host"),
        ] {
            let e = Cli::try_parse_from(login_args(uri)).unwrap_err();
            let text = e.to_string();
            assert!(
                text.contains("--login-uri") && text.contains(why),
                "{uri}: {e}"
            );
        }
        let cli = Cli::try_parse_from(login_args("https://grid.example:8002/")).unwrap();
        assert_eq!(
            cli.view.login_uri.as_deref(),
            Some("https://grid.example:8002/")
        );
    }

    #[test]
    fn no_arguments_means_the_embedded_region_in_a_window() {
        let cli = Cli::try_parse_from(["kestrel"]).unwrap();
        assert!(cli.command.is_none());
        assert!(!cli.view.headless);
        assert!(cli.view.login_uri.is_none());
    }
}

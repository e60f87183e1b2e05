//! The simulator's configuration: ports, region name, password, demo content
//! size and wire impairment. Derives [`clap::Args`] so the `kestrel sim`
//! subcommand can flatten it; every field has a default that gives a working
//! loopback region.

use std::time::Duration;

/// Everything the embedded simulator can be told at start.
///
/// The defaults describe a clean loopback region called "Kestrel Bay" that
/// accepts any avatar name with the password `kestrel`.
#[derive(Debug, Clone, PartialEq, clap::Args)]
pub struct SimConfig {
    /// Port for both the HTTP login/capability server (TCP) and the region's
    /// UDP circuit; 0 picks a free TCP port and then the same number for UDP
    /// when it is free (any free UDP port otherwise).
    #[arg(long, default_value_t = 0)]
    pub port: u16,

    /// The region's name, shown by the viewer.
    #[arg(long = "region", default_value = "Kestrel Bay")]
    pub region_name: String,

    /// The password every avatar logs in with (any first/last name works).
    #[arg(long, default_value = "kestrel")]
    pub password: String,

    /// Number of prims in the demo region (landmarks first, then scattered
    /// trees and rocks to reach exactly this many).
    #[arg(long = "objects", default_value_t = 300, value_parser = parse_object_count)]
    pub object_count: usize,

    /// Number of distinct textures the region's content wears and serves
    /// (1..=1024); by default `clamp(objects / 64, 16, 400)`.
    #[arg(long = "textures", value_name = "N", value_parser = parse_texture_count)]
    pub textures: Option<usize>,

    /// Seed of the demo region's terrain and object layout.
    #[arg(long, default_value_t = 1)]
    pub world_seed: u64,

    /// Seconds between "a prim expires and a new one appears" events; 0 turns
    /// the churn off (the region's object set then never changes).
    #[arg(long, default_value_t = 20)]
    pub churn_secs: u64,

    /// Longest time an EventQueueGet poll is held open before the simulator
    /// answers "no events" (HTTP 502, as OpenSimulator does), in milliseconds.
    #[arg(long, default_value_t = 25_000, value_parser = parse_eq_timeout)]
    pub event_queue_timeout_ms: u64,

    /// Serve login and capabilities over `https://` with a self-signed
    /// certificate made at start (see `--tls-cert-out`).
    #[arg(long)]
    pub tls: bool,

    /// With `--tls`: write the region's certificate here as PEM, for a
    /// viewer's `--ca-cert`.
    #[arg(long, value_name = "FILE", requires = "tls")]
    pub tls_cert_out: Option<std::path::PathBuf>,

    /// Float three white boards (one textured, two plain white) over the
    /// spawn point, for tests that check textures on rendered pixels.
    #[arg(long, hide = true)]
    pub texture_boards: bool,

    /// Wire impairment applied to datagrams in both directions.
    #[command(flatten)]
    pub impairment: ImpairmentConfig,
}

impl Default for SimConfig {
    fn default() -> Self {
        SimConfig {
            port: 0,
            region_name: "Kestrel Bay".to_string(),
            password: DEFAULT_PASSWORD.to_string(),
            object_count: 300,
            textures: None,
            world_seed: 1,
            churn_secs: 20,
            event_queue_timeout_ms: 25_000,
            tls: false,
            tls_cert_out: None,
            texture_boards: false,
            impairment: ImpairmentConfig::default(),
        }
    }
}

/// The password the simulator accepts when none is configured.
pub const DEFAULT_PASSWORD: &str = "kestrel";

impl SimConfig {
    /// The event-queue hold time as a [`Duration`].
    pub fn event_queue_timeout(&self) -> Duration {
        Duration::from_millis(self.event_queue_timeout_ms)
    }

    /// The number of content textures: `textures`, or by default
    /// `clamp(objects / 64, 16, 400)`.
    pub fn texture_count(&self) -> usize {
        self.textures
            .unwrap_or_else(|| super::assets::default_texture_count(self.object_count))
    }

    /// The churn period, `None` when churn is off.
    pub fn churn_period(&self) -> Option<Duration> {
        (self.churn_secs > 0).then(|| Duration::from_secs(self.churn_secs))
    }
}

/// Seeded wire impairment: what fraction of datagrams is lost or duplicated,
/// how many may be held back and released out of order, and a fixed delay.
/// Applied separately to each direction (each has its own random stream
/// derived from the seed).
#[derive(Debug, Clone, PartialEq, clap::Args)]
pub struct ImpairmentConfig {
    /// Fraction of datagrams dropped, 0.0..=1.0.
    #[arg(long = "loss", default_value_t = 0.0, value_parser = parse_fraction)]
    pub loss: f64,

    /// Fraction of datagrams delivered twice, 0.0..=1.0.
    #[arg(long = "dup", default_value_t = 0.0, value_parser = parse_fraction)]
    pub duplicate: f64,

    /// How many datagrams may be held back and released in random order
    /// (0 keeps the order).
    #[arg(long = "reorder", default_value_t = 0, value_parser = parse_reorder_window)]
    pub reorder_window: usize,

    /// Fixed one-way delay added to every datagram, in milliseconds.
    #[arg(long = "latency-ms", default_value_t = 0, value_parser = parse_latency)]
    pub latency_ms: u64,

    /// Seed of the impairment schedule (same seed, same traffic: same drops).
    #[arg(long = "seed", default_value_t = 7)]
    pub seed: u64,
}

impl Default for ImpairmentConfig {
    fn default() -> Self {
        ImpairmentConfig {
            loss: 0.0,
            duplicate: 0.0,
            reorder_window: 0,
            latency_ms: 0,
            seed: 7,
        }
    }
}

impl ImpairmentConfig {
    /// True when no datagram is ever dropped, duplicated, delayed or reordered.
    pub fn is_clean(&self) -> bool {
        self.loss == 0.0
            && self.duplicate == 0.0
            && self.reorder_window == 0
            && self.latency_ms == 0
    }

    /// Checks the ranges (for configs built in code rather than parsed).
    pub fn validate(&self) -> Result<(), String> {
        check_fraction("loss", self.loss)?;
        check_fraction("dup", self.duplicate)?;
        if self.reorder_window > MAX_REORDER_WINDOW {
            return Err(format!(
                "reorder window {} is larger than {MAX_REORDER_WINDOW}",
                self.reorder_window
            ));
        }
        if self.latency_ms > MAX_LATENCY_MS {
            return Err(format!(
                "latency {} ms is more than {MAX_LATENCY_MS} ms",
                self.latency_ms
            ));
        }
        Ok(())
    }
}

/// Largest accepted reorder window.
pub const MAX_REORDER_WINDOW: usize = 256;
/// Largest accepted added latency (ten seconds).
pub const MAX_LATENCY_MS: u64 = 10_000;
/// Largest accepted demo object count.
pub const MAX_OBJECTS: usize = 20_000;

fn check_fraction(name: &str, v: f64) -> Result<(), String> {
    if v.is_finite() && (0.0..=1.0).contains(&v) {
        Ok(())
    } else {
        Err(format!(
            "{name} must be a fraction between 0.0 and 1.0, got {v}"
        ))
    }
}

fn parse_fraction(s: &str) -> Result<f64, String> {
    let v: f64 = s
        .trim()
        .parse()
        .map_err(|_| format!("{s:?} is not a number (expected a fraction like 0.2)"))?;
    check_fraction("value", v)?;
    Ok(v)
}

fn parse_reorder_window(s: &str) -> Result<usize, String> {
    let v: usize = s
        .trim()
        .parse()
        .map_err(|_| format!("{s:?} is not a packet count"))?;
    if v > MAX_REORDER_WINDOW {
        return Err(format!(
            "at most {MAX_REORDER_WINDOW} packets can be held back"
        ));
    }
    Ok(v)
}

fn parse_latency(s: &str) -> Result<u64, String> {
    let v: u64 = s
        .trim()
        .parse()
        .map_err(|_| format!("{s:?} is not a whole number of milliseconds"))?;
    if v > MAX_LATENCY_MS {
        return Err(format!("latency is limited to {MAX_LATENCY_MS} ms"));
    }
    Ok(v)
}

/// `--objects` (and the viewer's `--sim-objects`): a count up to [`MAX_OBJECTS`].
pub fn parse_object_count(s: &str) -> Result<usize, String> {
    let v: usize = s
        .trim()
        .parse()
        .map_err(|_| format!("{s:?} is not an object count"))?;
    if v > MAX_OBJECTS {
        return Err(format!("at most {MAX_OBJECTS} objects"));
    }
    Ok(v)
}

fn parse_texture_count(s: &str) -> Result<usize, String> {
    let v: usize = s
        .trim()
        .parse()
        .map_err(|_| format!("{s:?} is not a texture count"))?;
    let (lo, hi) = (
        super::assets::catalogue::MIN_TEXTURES,
        super::assets::catalogue::MAX_TEXTURES,
    );
    if !(lo..=hi).contains(&v) {
        return Err(format!("the texture count must be between {lo} and {hi}"));
    }
    Ok(v)
}

fn parse_eq_timeout(s: &str) -> Result<u64, String> {
    let v: u64 = s
        .trim()
        .parse()
        .map_err(|_| format!("{s:?} is not a whole number of milliseconds"))?;
    if !(10..=120_000).contains(&v) {
        return Err("the event-queue timeout must be between 10 and 120000 ms".to_string());
    }
    Ok(v)
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Parser)]
    struct Cli {
        #[command(flatten)]
        sim: SimConfig,
    }

    #[test]
    fn defaults_match_default_impl() {
        let cli = Cli::try_parse_from(["sim"]).expect("no arguments parse");
        assert_eq!(cli.sim, SimConfig::default());
        assert_eq!(cli.sim.password, "kestrel");
        assert_eq!(cli.sim.region_name, "Kestrel Bay");
    }

    #[test]
    fn impairment_flags_parse() {
        let cli = Cli::try_parse_from([
            "sim",
            "--loss",
            "0.2",
            "--dup",
            "0.05",
            "--reorder",
            "8",
            "--latency-ms",
            "40",
            "--seed",
            "9",
            "--objects",
            "50",
            "--textures",
            "40",
        ])
        .expect("valid flags parse");
        let i = &cli.sim.impairment;
        assert_eq!(
            (i.loss, i.duplicate, i.reorder_window, i.latency_ms, i.seed),
            (0.2, 0.05, 8, 40, 9)
        );
        assert_eq!(cli.sim.object_count, 50);
        assert_eq!(cli.sim.texture_count(), 40);
    }

    #[test]
    fn the_texture_count_follows_the_object_count_by_default() {
        let count = |objects| {
            SimConfig {
                object_count: objects,
                ..SimConfig::default()
            }
            .texture_count()
        };
        assert_eq!(count(300), 16);
        assert_eq!(count(20_000), 312);
        assert_eq!(SimConfig::default().textures, None);
    }

    #[test]
    fn bad_values_are_refused_with_a_reason() {
        for (arg, flag) in [
            ("--loss=1.5", "--loss"),
            ("--loss=abc", "--loss"),
            ("--dup=-0.1", "--dup"),
            ("--reorder=100000", "--reorder"),
            ("--latency-ms=99999999", "--latency-ms"),
            ("--objects=1000000", "--objects"),
            ("--textures=0", "--textures"),
            ("--textures=5000", "--textures"),
        ] {
            let err = match Cli::try_parse_from(["sim", arg]) {
                Ok(_) => panic!("{arg} should be refused"),
                Err(e) => e.to_string(),
            };
            assert!(err.contains(flag), "error names the flag: {err}");
        }
    }
}

//! Chaos demo: numbered messages flow through a pipeline of supervised
//! actors (ingest → transform → sink) under random panics, stalls past the
//! watchdog and full mailboxes. Ends by printing one JSON line; `lost`
//! (messages neither handled by the sink nor dead-lettered) is computed from
//! the counters, and `missing` is checked number by number.
//!
//! ```text
//! cargo run -p kestrel-actors --example chaos -- --seconds 5 --panic-rate 0.01 --seed 7
//! ```

#[path = "chaos/pipeline.rs"]
mod pipeline;

use clap::Parser;
use pipeline::ChaosOptions;

#[derive(Parser, Debug)]
#[command(about = "Pass numbered messages through supervised actors under random faults")]
struct Args {
    /// How long to keep sending.
    #[arg(long, default_value_t = 5.0, value_parser = positive_secs)]
    seconds: f64,
    /// Probability that a handling attempt panics (each stage).
    #[arg(long, default_value_t = 0.01, value_parser = probability)]
    panic_rate: f64,
    /// Probability that a handling attempt stalls past the watchdog (default: the panic rate).
    #[arg(long, value_parser = probability)]
    stall_rate: Option<f64>,
    /// Seed of the fault draws.
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// Mailbox capacity of each stage (small, so mailboxes fill up).
    #[arg(long, default_value_t = 32, value_parser = clap::value_parser!(u32).range(1..))]
    capacity: u32,
    /// Restart intensity: at most this many restarts per stage …
    #[arg(long, default_value_t = 1000)]
    max_restarts: u32,
    /// … within this many seconds (beyond it the stage is disabled).
    #[arg(long, default_value_t = 1.0, value_parser = positive_secs)]
    window_secs: f64,
}

fn probability(s: &str) -> Result<f64, String> {
    let p: f64 = s.parse().map_err(|_| format!("`{s}` is not a number"))?;
    if (0.0..=1.0).contains(&p) {
        Ok(p)
    } else {
        Err(format!("{p} is not a probability between 0 and 1"))
    }
}

fn positive_secs(s: &str) -> Result<f64, String> {
    let v: f64 = s.parse().map_err(|_| format!("`{s}` is not a number"))?;
    if v.is_finite() && v > 0.0 && v < 1e6 {
        Ok(v)
    } else {
        Err(format!("{v} is not a positive number of seconds"))
    }
}

fn main() {
    let args = Args::parse();
    let options = ChaosOptions {
        seconds: args.seconds,
        panic_rate: args.panic_rate,
        stall_rate: args.stall_rate.unwrap_or(args.panic_rate),
        seed: args.seed,
        capacity: args.capacity as usize,
        max_restarts: args.max_restarts,
        window_secs: args.window_secs,
    };
    match pipeline::run(&options) {
        Ok(report) => match serde_json::to_string(&report) {
            Ok(line) => println!("{line}"),
            Err(e) => {
                eprintln!("chaos: cannot print the report: {e}");
                std::process::exit(1);
            }
        },
        Err(e) => {
            eprintln!("chaos: {e}");
            std::process::exit(1);
        }
    }
}

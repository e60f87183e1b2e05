//! The chaos pipeline loses nothing, whatever the seed: every message is
//! handled by the sink or dead-lettered, counted and checked number by number.

#[path = "../examples/chaos/pipeline.rs"]
#[allow(dead_code, missing_docs)]
mod pipeline;

use pipeline::{ChaosOptions, run};

fn chaos(seed: u64, panic_rate: f64, stall_rate: f64, max_restarts: u32) -> pipeline::ChaosReport {
    let report = run(&ChaosOptions {
        seconds: 0.7,
        panic_rate,
        stall_rate,
        seed,
        capacity: 8,
        max_restarts,
        window_secs: 1.0,
    })
    .expect("chaos run");
    assert_eq!(report.lost, 0, "{report:?}");
    assert_eq!(report.missing, Some(0), "{report:?}");
    assert_eq!(report.duplicates, 0, "{report:?}");
    assert_eq!(
        report.handled + report.dead_letters,
        report.sent,
        "{report:?}"
    );
    report
}

#[test]
fn nothing_is_lost_under_panics_stalls_and_full_mailboxes() {
    for seed in [1, 2, 3] {
        let r = chaos(seed, 0.05, 0.02, 10_000);
        assert!(r.crashes > 0 && r.restarts > 0, "faults happened: {r:?}");
        assert!(r.source_full_refusals > 0, "mailboxes filled: {r:?}");
    }
}

#[test]
fn nothing_is_lost_when_poison_messages_and_disabled_stages_dead_letter() {
    // Half the attempts panic: some messages crash three times (poison), and
    // with a low intensity stages get disabled, so the rest is dead-lettered.
    let r = chaos(9, 0.5, 0.0, 20);
    assert!(r.dead_letters > 0, "{r:?}");
}

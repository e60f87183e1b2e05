//! The telemetry actor publishes one snapshot of every actor and the frame
//! timings, rebuilds it only when something changed, and appends JSON lines.

mod common;

use std::time::Duration;

use common::*;
use kestrel_actors::prelude::*;
use kestrel_actors::telemetry::{self, FrameTiming, TelemetryConfig};
use kestrel_actors::{ActorState, SpawnOptions};

#[test]
fn snapshot_gathers_actors_and_frames_and_is_rebuilt_only_on_change() {
    let rt = ActorRuntime::start(ActorsConfig::default()).unwrap();
    let path = std::env::temp_dir().join(format!(
        "kestrel-telemetry-{}-{:?}.jsonl",
        std::process::id(),
        std::thread::current().id()
    ));
    let _ = std::fs::remove_file(&path);
    let tele = telemetry::spawn_with(
        &rt,
        TelemetryConfig {
            jsonl_path: Some(path.clone()),
            ..TelemetryConfig::default()
        },
    )
    .unwrap();
    let mut s = settings(16);
    s.faults.panic_nth = Some(2);
    let a = rt
        .spawn_with::<Counter>(
            "counter",
            CounterState::default(),
            SpawnOptions::new().settings(s),
        )
        .unwrap();
    for i in 0..5 {
        a.ask_blocking(Work(i)).unwrap();
    }

    wait_until("snapshot shows the counter", || {
        tele.latest
            .load()
            .actor("counter")
            .is_some_and(|c| c.handled == 5 && c.depth == 0)
    });
    let snap = tele.latest.load_full();
    let c = snap.actor("counter").unwrap();
    assert_eq!(
        (c.enqueued, c.crashes, c.restarts, c.capacity),
        (5, 1, 1, 16)
    );
    assert_eq!(c.state, ActorState::Running);
    assert_eq!(c.wait.count, 5);
    assert!(c.last_fault.is_some());
    assert!(snap.actor("telemetry").is_some());

    // Nothing changes: no new snapshot, however many ticks pass.
    let version = tele.latest.version();
    std::thread::sleep(Duration::from_millis(450));
    assert_eq!(tele.latest.version(), version, "rebuilt without a change");

    // Frames from the render thread's sink and from a message both count.
    const PASSES: &[&str] = &["shadow", "opaque"];
    for f in 0..3 {
        let mut t = FrameTiming::new(f, 2.0);
        t.gpu_pass_names = PASSES;
        t.gpu_pass_ms[1] = 4.0;
        tele.frames.record(t);
    }
    tele.addr.try_send(FrameTiming::new(3, 6.0)).unwrap();
    wait_until("frames summarised", || {
        tele.latest.load().frames.frames_total == 4
    });
    let snap = tele.latest.load_full();
    assert!(snap.seq > 1);
    assert_eq!(snap.frames.last_frame, 3);
    assert_eq!(snap.frames.cpu_ms.max, 6.0);

    // Every published snapshot was appended as one JSON line.
    let seq = snap.seq;
    wait_until("JSON lines written", || {
        std::fs::read_to_string(&path).is_ok_and(|t| t.lines().count() as u64 >= seq)
    });
    let text = std::fs::read_to_string(&path).unwrap();
    let seqs: Vec<u64> = text
        .lines()
        .map(|l| {
            serde_json::from_str::<serde_json::Value>(l).unwrap()["seq"]
                .as_u64()
                .unwrap()
        })
        .collect();
    assert_eq!(seqs, (1..=seqs.len() as u64).collect::<Vec<_>>());
    let _ = std::fs::remove_file(&path);
}

//! The Actors panel driven headless: egui runs on synthetic input (no
//! window), the test finds the "panic" button in a real actor's row of the
//! rendered panel, clicks it with pointer events at the button's place, and
//! the next telemetry snapshots show that actor's crash and restart.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

mod egui_support;

use egui_support::{UiDriver, button_in_row};
use kestrel::editor::panels::ActorsPanel;
use kestrel::editor::panels::actors::RATE_WINDOW_MS;
use kestrel_actors::prelude::*;
use kestrel_actors::telemetry::{self, TelemetrySnapshot};
use kestrel_actors::{ActorState, FaultKind, MailboxSnapshot};

struct Tick;
impl Message for Tick {
    type Result = ();
}

#[derive(Default)]
struct Seen {
    ticks: u64,
}

/// A plain actor that counts the ticks it is sent.
struct Worker;

impl SupervisedActor for Worker {
    type Durable = Seen;
    fn start(_durable: &mut Durable<Seen>, _ctx: &mut Ctx<'_, Self>) -> Self {
        Worker
    }
}

impl Handles<Tick> for Worker {
    fn handle(&mut self, _msg: &Tick, durable: &mut Durable<Seen>, _ctx: &mut Ctx<'_, Self>) {
        durable.ticks += 1;
    }
}

/// Waits for a snapshot whose `worker` row satisfies `done`.
fn wait_for(
    latest: &Latest<TelemetrySnapshot>,
    what: &str,
    done: impl Fn(&MailboxSnapshot) -> bool,
) -> Arc<TelemetrySnapshot> {
    let end = Instant::now() + Duration::from_secs(20);
    loop {
        let snap = latest.load_full();
        if snap.actor("worker").is_some_and(&done) {
            return snap;
        }
        assert!(
            Instant::now() < end,
            "no snapshot with {what}: {:?}",
            snap.actor("worker")
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn clicking_panic_in_the_actors_panel_crashes_and_restarts_that_actor() {
    kestrel_actors::install_panic_hook();
    let runtime = ActorRuntime::start(ActorsConfig::builtin()).expect("runtime");
    let handle = runtime.handle();
    let worker: Addr<Worker> = handle.spawn("worker", Seen::default()).expect("worker");
    let tel = telemetry::spawn(&handle).expect("telemetry");
    let registry = Arc::clone(handle.registry());

    // Keep the worker busy so the injected panic has a message to hit.
    let stop = Arc::new(AtomicBool::new(false));
    let feeder = {
        let stop = Arc::clone(&stop);
        std::thread::spawn(move || {
            while !stop.load(Ordering::Relaxed) {
                let _ = worker.try_send(Tick);
                std::thread::sleep(Duration::from_millis(5));
            }
        })
    };

    let before = wait_for(&tel.latest, "ticks handled", |w| w.handled > 0);
    let w = before.actor("worker").expect("worker row");
    assert_eq!((w.crashes, w.restarts), (0, 0));

    let driver = UiDriver::new(1900.0, 700.0);
    let mut panel = ActorsPanel::new();
    let mut ui = |ui: &mut egui::Ui| panel.ui(ui, &before, &registry);
    // Two frames so the grid has measured its columns.
    driver.frame(vec![], &mut ui);
    let texts = driver.frame(vec![], &mut ui);
    let at = button_in_row(&texts, "worker", "panic").expect("a panic button in the worker row");
    assert!(
        button_in_row(&texts, "telemetry", "panic").is_some_and(|p| p != at),
        "the telemetry actor has its own row and button"
    );
    driver.click(at, &mut ui);
    assert_eq!(
        panel.last_action(),
        Some(&Ok("panic → worker".to_owned())),
        "the click reached the worker's panic button"
    );

    let after = wait_for(&tel.latest, "a crash and a restart", |w| {
        w.crashes == 1 && w.restarts == 1 && w.state == ActorState::Running
    });
    let w = after.actor("worker").expect("worker row");
    let fault = w.last_fault.as_ref().expect("last fault recorded");
    assert_eq!(fault.kind, FaultKind::Panic);
    assert!(fault.detail.contains("injected fault"), "{}", fault.detail);
    let t = after.actor("telemetry").expect("telemetry row");
    assert_eq!((t.crashes, t.restarts), (0, 0), "only the worker was hit");

    // The panel shows the fault in the worker's row (the second frame has
    // the grid's columns re-measured for the wider cell).
    let mut ui = |ui: &mut egui::Ui| panel.ui(ui, &after, &registry);
    driver.frame(vec![], &mut ui);
    let texts = driver.frame(vec![], &mut ui);
    let row_y = texts
        .iter()
        .find(|(t, _)| t == "worker")
        .expect("row")
        .1
        .center()
        .y;
    assert!(
        texts
            .iter()
            .any(|(t, r)| t.starts_with("panic @") && (r.center().y - row_y).abs() < 8.0),
        "the last fault is shown in the worker's row"
    );
    // Snapshots a rate window apart seen: the worker's rates (fed every 5 ms) are measured.
    let end = Instant::now() + Duration::from_secs(20);
    let later = loop {
        let snap = tel.latest.load_full();
        if snap.at_ms >= before.at_ms + RATE_WINDOW_MS {
            break snap;
        }
        assert!(Instant::now() < end, "no later snapshot");
        std::thread::sleep(Duration::from_millis(20));
    };
    panel.observe(&later);
    let (in_rate, handled_rate) = panel.rates("worker").expect("the worker's history");
    assert!(
        in_rate > 0.0 && handled_rate > 0.0,
        "{in_rate} {handled_rate}"
    );

    // "restart" restarts it once more, without a crash.
    let at = button_in_row(&texts, "worker", "restart").expect("a restart button");
    let mut ui = |ui: &mut egui::Ui| panel.ui(ui, &after, &registry);
    driver.click(at, &mut ui);
    assert_eq!(
        panel.last_action(),
        Some(&Ok("restart → worker".to_owned()))
    );
    let restarted = wait_for(&tel.latest, "a second restart", |w| {
        w.restarts == 2 && w.state == ActorState::Running
    });
    assert_eq!(restarted.actor("worker").map(|w| w.crashes), Some(1));

    stop.store(true, Ordering::Relaxed);
    feeder.join().expect("feeder");
    runtime.shutdown();
}

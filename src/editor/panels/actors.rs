//! The Actors panel: one row per actor of the latest telemetry snapshot
//! (state, mailbox, counters, latencies, last fault) with buttons that break
//! or restart the actor through its supervisor's `Control` commands.

use std::collections::VecDeque;

use egui::{Color32, RichText, Ui};
use egui_plot::{Legend, Line, Plot, PlotPoint};
use kestrel_actors::telemetry::TelemetrySnapshot;
use kestrel_actors::{
    ActorName, ActorState, Control, ControlError, FaultKind, FaultSpec, LatencySummary,
    MailboxSnapshot, Registry,
};

/// Seconds of history the plots show.
pub const ACTOR_HISTORY_S: f64 = 60.0;

/// Points kept per actor and series (a snapshot every 100 ms at most).
const HISTORY_POINTS: usize = 600;

/// The window over which in/s and handled/s are measured, ms.
pub const RATE_WINDOW_MS: u64 = 1000;

/// How long the "stall" button makes the next handler sleep. Longer than the
/// default watchdog (500 ms) so the stall shows as a hang.
pub const STALL_MS: u64 = 1000;

/// What a button in an actor's row does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ActorAction {
    /// The actor's next handled message panics (caught, counted, restarted).
    Panic,
    /// The actor's next handled message sleeps [`STALL_MS`] first.
    Stall,
    /// Disable the actor and start it again from its durable state (messages
    /// arriving in between are dead-lettered, as for any disabled actor).
    Restart,
    /// Stop injecting faults.
    ClearFaults,
}

impl ActorAction {
    /// Every action, in button order.
    pub const ALL: [ActorAction; 4] = [
        ActorAction::Panic,
        ActorAction::Stall,
        ActorAction::Restart,
        ActorAction::ClearFaults,
    ];

    /// The button's label.
    pub fn label(self) -> &'static str {
        match self {
            ActorAction::Panic => "panic",
            ActorAction::Stall => "stall",
            ActorAction::Restart => "restart",
            ActorAction::ClearFaults => "clear",
        }
    }

    /// The button's tooltip.
    fn help(self) -> &'static str {
        match self {
            ActorAction::Panic => {
                "Make the next handled message panic (supervisor restarts the actor)"
            }
            ActorAction::Stall => {
                "Make the next handled message stall 1 s (past the watchdog: a hang)"
            }
            ActorAction::Restart => "Disable the actor, then start it again from its durable state",
            ActorAction::ClearFaults => "Stop injecting faults into this actor",
        }
    }

    /// Sends the action's control commands to actor `name`.
    pub fn apply(self, registry: &Registry, name: &str) -> Result<(), ControlError> {
        match self {
            ActorAction::Panic => registry.control(
                name,
                Control::SetFaults(FaultSpec {
                    panic_nth: Some(1),
                    ..FaultSpec::default()
                }),
            ),
            ActorAction::Stall => registry.control(
                name,
                Control::SetFaults(FaultSpec {
                    stall_ms: Some(STALL_MS),
                    ..FaultSpec::default()
                }),
            ),
            ActorAction::Restart => {
                registry.control(name, Control::Disable)?;
                registry.control(name, Control::Enable)
            }
            ActorAction::ClearFaults => registry.control(name, Control::ClearFaults),
        }
    }
}

/// One actor's figures over the last [`ACTOR_HISTORY_S`] seconds.
#[derive(Debug)]
struct ActorHistory {
    name: ActorName,
    /// (at ms, enqueued, handled) where the current rate window began.
    last: Option<(u64, u64, u64)>,
    /// Messages arriving and handled per second over the last full
    /// [`RATE_WINDOW_MS`] (messages come in bursts: a shorter window
    /// would read 0 between them).
    in_rate: f64,
    handled_rate: f64,
    /// Mailbox depth (x: seconds on the telemetry clock).
    depth: VecDeque<PlotPoint>,
    /// Messages handled per second.
    throughput: VecDeque<PlotPoint>,
}

impl ActorHistory {
    fn new(name: ActorName) -> Self {
        ActorHistory {
            name,
            last: None,
            in_rate: 0.0,
            handled_rate: 0.0,
            depth: VecDeque::with_capacity(HISTORY_POINTS),
            throughput: VecDeque::with_capacity(HISTORY_POINTS),
        }
    }

    fn record(&mut self, at_ms: u64, a: &MailboxSnapshot) {
        let x = at_ms as f64 / 1000.0;
        push(&mut self.depth, PlotPoint::new(x, a.depth as f64));
        match self.last {
            Some((t0, enq0, handled0)) if at_ms.saturating_sub(t0) >= RATE_WINDOW_MS => {
                let dt = at_ms.saturating_sub(t0) as f64 / 1000.0;
                self.in_rate = a.enqueued.saturating_sub(enq0) as f64 / dt;
                self.handled_rate = a.handled.saturating_sub(handled0) as f64 / dt;
                self.last = Some((at_ms, a.enqueued, a.handled));
                push(&mut self.throughput, PlotPoint::new(x, self.handled_rate));
            }
            Some(_) => {}
            None => self.last = Some((at_ms, a.enqueued, a.handled)),
        }
    }
}

/// Keeps the last [`ACTOR_HISTORY_S`] seconds, never more than [`HISTORY_POINTS`].
fn push(series: &mut VecDeque<PlotPoint>, p: PlotPoint) {
    while series.len() >= HISTORY_POINTS
        || series.front().is_some_and(|f| p.x - f.x > ACTOR_HISTORY_S)
    {
        series.pop_front();
    }
    series.push_back(p);
}

/// The Actors panel's own state: each actor's history and what it last did.
#[derive(Debug, Default)]
pub struct ActorsPanel {
    /// The outcome of the last button press, shown under the table.
    last_action: Option<Result<String, String>>,
    /// The snapshot last folded into the history.
    seen_seq: Option<u64>,
    /// One history per actor ever seen, in the order first seen.
    history: Vec<ActorHistory>,
}

impl ActorsPanel {
    /// A panel with nothing done yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// The outcome of the last button press (`Err` holds the error text).
    pub fn last_action(&self) -> Option<&Result<String, String>> {
        self.last_action.as_ref()
    }

    /// Folds a snapshot into the history (once per snapshot; the panel calls
    /// it when drawn, a hidden panel's owner may call it every frame).
    pub fn observe(&mut self, snapshot: &TelemetrySnapshot) {
        if self.seen_seq == Some(snapshot.seq) {
            return;
        }
        self.seen_seq = Some(snapshot.seq);
        for a in &snapshot.actors {
            let i = match self.history.iter().position(|h| h.name == a.name) {
                Some(i) => i,
                None => {
                    self.history.push(ActorHistory::new(a.name.clone()));
                    self.history.len() - 1
                }
            };
            self.history[i].record(snapshot.at_ms, a);
        }
    }

    /// Messages per second arriving at and handled by `actor`, over the last
    /// full [`RATE_WINDOW_MS`] of snapshots observed.
    pub fn rates(&self, actor: &str) -> Option<(f64, f64)> {
        self.history
            .iter()
            .find(|h| h.name.as_str() == actor)
            .map(|h| (h.in_rate, h.handled_rate))
    }

    /// Draws the table from `snapshot` (borrowed, never copied) and sends the
    /// pressed buttons' commands through `registry`.
    pub fn ui(&mut self, ui: &mut Ui, snapshot: &TelemetrySnapshot, registry: &Registry) {
        self.observe(snapshot);
        ui.horizontal(|ui| {
            ui.label(format!("snapshot #{}", snapshot.seq));
            ui.separator();
            ui.label(format!(
                "dead letters {} (held {}, evicted {})",
                snapshot.dead_letters.total,
                snapshot.dead_letters.held,
                snapshot.dead_letters.evicted
            ));
            ui.separator();
            ui.label(format!("escalations {}", snapshot.escalations));
        });
        if snapshot.actors.is_empty() {
            ui.label("No telemetry yet.");
        }
        let mut pressed = None;
        const HEADERS: [&str; 15] = [
            "actor",
            "state",
            "depth/cap",
            "in/s",
            "handled/s",
            "handled",
            "refused",
            "dead",
            "crashes",
            "hangs",
            "restarts",
            "wait p50/p99 µs",
            "handle p50/p99 µs",
            "last fault",
            "",
        ];
        super::table(ui, "actors_grid", &HEADERS, |ui| {
            for actor in &snapshot.actors {
                let rates = self.rates(actor.name.as_str()).unwrap_or((0.0, 0.0));
                if let Some(action) = row(ui, actor, rates) {
                    pressed = Some((actor.name.as_str(), action));
                }
                ui.end_row();
            }
        });
        self.plots(ui);
        if let Some((name, action)) = pressed {
            self.last_action = Some(match action.apply(registry, name) {
                Ok(()) => Ok(format!("{} → {name}", action.label())),
                Err(e) => Err(format!("{} → {name}: {e}", action.label())),
            });
        }
        match &self.last_action {
            Some(Ok(text)) => {
                ui.label(format!("sent: {text}"));
            }
            Some(Err(text)) => {
                ui.colored_label(Color32::LIGHT_RED, format!("failed: {text}"));
            }
            None => {}
        }
    }
}

/// The plots' least height, points.
const PLOT_HEIGHT: f32 = 130.0;
/// One legend entry's height, points (egui's default body text and spacing).
const LEGEND_ROW: f32 = 19.0;

impl ActorsPanel {
    /// Depth and throughput of every actor over the last minute.
    fn plots(&mut self, ui: &mut Ui) {
        // Tall enough for the legend's row per actor, which egui_plot draws
        // inside the plot and clips at its border.
        let height = PLOT_HEIGHT.max(self.history.len() as f32 * LEGEND_ROW + 16.0);
        ui.columns(2, |cols| {
            for (col, (id, title, depth)) in cols.iter_mut().zip([
                ("actors_depth", "mailbox depth", true),
                ("actors_throughput", "handled / s", false),
            ]) {
                col.label(title);
                Plot::new(id)
                    .height(height)
                    .include_y(0.0)
                    .legend(Legend::default())
                    .allow_zoom(false)
                    .allow_drag(false)
                    .allow_scroll(false)
                    .show(col, |plot| {
                        for h in &mut self.history {
                            let series = if depth {
                                &mut h.depth
                            } else {
                                &mut h.throughput
                            };
                            plot.line(Line::new(h.name.as_str(), &*series.make_contiguous()));
                        }
                    });
            }
        });
    }
}

/// One actor's row; returns the button pressed.
fn row(
    ui: &mut Ui,
    a: &MailboxSnapshot,
    (in_rate, handled_rate): (f64, f64),
) -> Option<ActorAction> {
    ui.monospace(a.name.as_str());
    let (state, colour) = match a.state {
        ActorState::Starting => ("starting", Color32::YELLOW),
        ActorState::Running => ("running", Color32::LIGHT_GREEN),
        ActorState::BackingOff => ("backing off", Color32::ORANGE),
        ActorState::Disabled => ("disabled", Color32::LIGHT_RED),
    };
    ui.colored_label(colour, state);
    ui.label(format!("{}/{}", a.depth, a.capacity));
    ui.label(format!("{in_rate:.0}"));
    ui.label(format!("{handled_rate:.0}"));
    ui.label(a.handled.to_string());
    ui.label(a.refused.to_string());
    ui.label(a.dead_lettered.to_string());
    counter(ui, a.crashes);
    counter(ui, a.hangs);
    counter(ui, a.restarts);
    ui.label(latency(&a.wait));
    ui.label(latency(&a.handling));
    match &a.last_fault {
        Some(f) => {
            let kind = match f.kind {
                FaultKind::Panic => "panic",
                FaultKind::StartPanic => "start panic",
                FaultKind::Hang => "hang",
            };
            ui.label(RichText::new(format!("{kind} @{} ms", f.at_ms)).color(Color32::ORANGE))
                .on_hover_text(format!("{} (incarnation {})", f.detail, f.incarnation));
        }
        None => {
            ui.label("—");
        }
    }
    let mut pressed = None;
    ui.horizontal(|ui| {
        for action in ActorAction::ALL {
            if ui
                .small_button(action.label())
                .on_hover_text(action.help())
                .clicked()
            {
                pressed = Some(action);
            }
        }
    });
    pressed
}

fn counter(ui: &mut Ui, n: u64) {
    if n == 0 {
        ui.label("0");
    } else {
        ui.colored_label(Color32::ORANGE, n.to_string());
    }
}

fn latency(s: &LatencySummary) -> String {
    if s.count == 0 {
        "—".to_owned()
    } else {
        format!("{:.0}/{:.0}", s.p50_us, s.p99_us)
    }
}

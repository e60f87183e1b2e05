//! The Governor panel: the profile in force and its history over the last
//! minute, frame cost against the governor's limits, the recent transitions
//! with their reasons, and every threshold as a live control. Save writes the
//! thresholds to the user's `governor.toml`, Revert reads it back (both done
//! by the governor actor, off the render thread).

use egui::{Color32, Ui};
use egui_plot::{HLine, Line, Plot, PlotPoint, VLine};
use kestrel_actors::Addr;

use crate::config::{ConfigDir, PerformanceProfile};
use crate::governor::{
    FileOutcome, GovernorStatus, RevertThresholds, SaveThresholds, ScalingGovernor, SetEnabled,
    SetThresholds, Thresholds,
};

/// Seconds of history the plots show.
pub const HISTORY_S: f64 = 60.0;

/// History points: one per [`BUCKET_MS`] over [`HISTORY_S`].
const HISTORY_POINTS: usize = 600;

/// Frames are folded into buckets of this length (the worst frame is kept).
const BUCKET_MS: f64 = HISTORY_S * 1000.0 / HISTORY_POINTS as f64;

/// What a control in the panel asked the governor to do.
#[derive(Debug, Clone, PartialEq)]
pub enum GovernorAction {
    /// Turn it on or off.
    Enable(bool),
    /// New thresholds (already validated).
    Thresholds(Thresholds),
    /// Save the thresholds to the user's config.
    Save,
    /// Restore the saved thresholds.
    Revert,
}

/// The panel's state: the history and the thresholds being edited.
#[derive(Debug)]
pub struct GovernorPanel {
    /// Worst frame cost per bucket (x: seconds, y: ms).
    frames: Vec<PlotPoint>,
    /// The profile per bucket (x: seconds, y: level, Low = 0).
    profiles: Vec<PlotPoint>,
    /// The bucket being filled: (start ms, worst ms, profile).
    open: Option<(f64, f64, PerformanceProfile)>,
    /// The thresholds as edited; reset whenever the governor's change
    /// without an edit from here (a Revert, another editor).
    draft: Thresholds,
    /// The governor's thresholds at the last frame.
    seen: Option<Thresholds>,
    /// The thresholds last sent that the governor has not published yet:
    /// while it catches up (a drag sends many), its older values must not
    /// overwrite the draft under the user's pointer.
    pending: Option<Thresholds>,
    /// Why the draft is not in force.
    invalid: Option<String>,
}

impl Default for GovernorPanel {
    fn default() -> Self {
        Self::new()
    }
}

/// The plot level of a profile (Custom above High: it is the user's own).
fn level(p: PerformanceProfile) -> f64 {
    match p {
        PerformanceProfile::Low => 0.0,
        PerformanceProfile::Balanced => 1.0,
        PerformanceProfile::High => 2.0,
        PerformanceProfile::Custom => 3.0,
    }
}

impl GovernorPanel {
    /// An empty history.
    pub fn new() -> Self {
        GovernorPanel {
            frames: Vec::with_capacity(HISTORY_POINTS),
            profiles: Vec::with_capacity(HISTORY_POINTS),
            open: None,
            draft: Thresholds::built_in(),
            seen: None,
            pending: None,
            invalid: None,
        }
    }

    /// Records a frame (every frame, shown or not): when it ended (ms on
    /// the governor's clock), its cost, and the profile it was drawn with.
    pub fn record(&mut self, t_ms: f64, cost_ms: f64, profile: PerformanceProfile) {
        match &mut self.open {
            Some((start, worst, p)) if t_ms - *start < BUCKET_MS => {
                *worst = worst.max(cost_ms);
                *p = profile;
            }
            _ => {
                if let Some((start, worst, p)) = self.open.take() {
                    let x = start / 1000.0;
                    push(&mut self.frames, PlotPoint::new(x, worst));
                    push(&mut self.profiles, PlotPoint::new(x, level(p)));
                }
                self.open = Some((t_ms, cost_ms, profile));
            }
        }
    }

    /// The thresholds as edited in the panel (what it last sent, when valid).
    pub fn draft(&self) -> &Thresholds {
        &self.draft
    }

    /// Points held for the plots.
    pub fn len(&self) -> usize {
        self.frames.len()
    }

    /// True before the first full bucket.
    pub fn is_empty(&self) -> bool {
        self.frames.is_empty()
    }

    /// Draws the panel from the governor's status; what the user changed is
    /// sent to `governor` (never blocking) and returned.
    pub fn ui(
        &mut self,
        ui: &mut Ui,
        status: &GovernorStatus,
        governor: &Addr<ScalingGovernor>,
        config_dir: Option<&ConfigDir>,
    ) -> Option<GovernorAction> {
        if self.pending == Some(status.thresholds) {
            self.pending = None;
        }
        if self.pending.is_none() && self.seen != Some(status.thresholds) {
            self.draft = status.thresholds;
            self.invalid = None;
        }
        self.seen = Some(status.thresholds);
        let mut action = None;
        ui.horizontal(|ui| {
            let mut enabled = status.enabled;
            if ui.checkbox(&mut enabled, "Governor on").changed() {
                action = Some(GovernorAction::Enable(enabled));
            }
            ui.label(format!(
                "profile {} · generation {} · {} frames seen · {} dropped · up-window backoff ×{}",
                status.profile,
                status.generation,
                status.samples_seen,
                status.feed_dropped,
                1u32 << status.up_backoff.min(16)
            ));
        });
        self.plots(ui, status);
        transitions_ui(ui, status);
        ui.separator();
        if let Some(t) = self.thresholds_ui(ui) {
            action = Some(GovernorAction::Thresholds(t));
        }
        ui.horizontal(|ui| match config_dir {
            Some(_) => {
                if ui
                    .button("Save")
                    .on_hover_text("Write these thresholds to your governor.toml")
                    .clicked()
                {
                    action = Some(GovernorAction::Save);
                }
                if ui
                    .button("Revert")
                    .on_hover_text("Restore the thresholds saved in your governor.toml")
                    .clicked()
                {
                    action = Some(GovernorAction::Revert);
                }
                file_outcome_ui(ui, status.last_file_outcome.as_ref());
            }
            None => {
                ui.label("No config directory: thresholds apply to this run only.");
            }
        });
        if let Some(a) = &action {
            let sent = send(governor, a, config_dir);
            match a {
                GovernorAction::Thresholds(t) if sent => self.pending = Some(*t),
                // What the governor publishes next is the file's: show it.
                GovernorAction::Revert => self.pending = None,
                _ => {}
            }
        }
        action
    }

    fn plots(&self, ui: &mut Ui, status: &GovernorStatus) {
        let t = &status.thresholds;
        let (frames, profiles) = (&self.frames[..], &self.profiles[..]);
        let recent = &status.recent[..];
        Plot::new("governor_frames")
            .height(120.0)
            .include_y(0.0)
            .include_y(t.slow_limit_ms() * 1.5)
            .allow_zoom(false)
            .allow_drag(false)
            .allow_scroll(false)
            .show(ui, |plot| {
                plot.line(Line::new("worst frame ms (100 ms buckets)", frames));
                plot.hline(HLine::new("target", t.target_frame_ms).color(Color32::GRAY));
                plot.hline(HLine::new("slow above", t.slow_limit_ms()).color(Color32::LIGHT_RED));
                plot.hline(
                    HLine::new("headroom below", t.headroom_limit_ms()).color(Color32::LIGHT_GREEN),
                );
                for tr in recent {
                    plot.vline(VLine::new(tr.to.name(), tr.t_ms / 1000.0));
                }
            });
        Plot::new("governor_profile")
            .height(70.0)
            .include_y(-0.2)
            .include_y(3.2)
            .allow_zoom(false)
            .allow_drag(false)
            .allow_scroll(false)
            .show(ui, |plot| {
                plot.line(Line::new(
                    "profile (0 Low · 1 Balanced · 2 High · 3 Custom)",
                    profiles,
                ));
            });
    }

    /// The thresholds as controls; answers them when an edit left them valid.
    fn thresholds_ui(&mut self, ui: &mut Ui) -> Option<Thresholds> {
        let d = &mut self.draft;
        let mut changed = false;
        egui::Grid::new("governor_thresholds")
            .num_columns(2)
            .striped(true)
            .show(ui, |ui| {
                let mut row = |ui: &mut Ui, name: &str, w: egui::DragValue<'_>| {
                    ui.label(name);
                    changed |= ui.add(w).changed();
                    ui.end_row();
                };
                row(
                    ui,
                    "target_frame_ms",
                    egui::DragValue::new(&mut d.target_frame_ms)
                        .range(1.0..=200.0)
                        .speed(0.1),
                );
                row(
                    ui,
                    "down_margin",
                    egui::DragValue::new(&mut d.down_margin)
                        .range(0.0..=2.0)
                        .speed(0.01),
                );
                row(
                    ui,
                    "up_margin",
                    egui::DragValue::new(&mut d.up_margin)
                        .range(0.0..=0.95)
                        .speed(0.01),
                );
                row(
                    ui,
                    "down_window_ms",
                    egui::DragValue::new(&mut d.down_window_ms)
                        .range(100..=60_000)
                        .speed(50),
                );
                row(
                    ui,
                    "down_fraction",
                    egui::DragValue::new(&mut d.down_fraction)
                        .range(0.01..=1.0)
                        .speed(0.01),
                );
                row(
                    ui,
                    "up_window_ms",
                    egui::DragValue::new(&mut d.up_window_ms)
                        .range(100..=60_000)
                        .speed(50),
                );
                row(
                    ui,
                    "up_fraction",
                    egui::DragValue::new(&mut d.up_fraction)
                        .range(0.01..=1.0)
                        .speed(0.01),
                );
                row(
                    ui,
                    "cooldown_ms",
                    egui::DragValue::new(&mut d.cooldown_ms)
                        .range(0..=60_000)
                        .speed(50),
                );
                row(
                    ui,
                    "memory_pressure_limit",
                    egui::DragValue::new(&mut d.memory_pressure_limit)
                        .range(0.1..=4.0)
                        .speed(0.01),
                );
                row(
                    ui,
                    "max_up_backoff",
                    egui::DragValue::new(&mut d.max_up_backoff)
                        .range(0..=8)
                        .speed(0.1),
                );
                for (name, value) in [
                    ("min_profile", &mut d.min_profile),
                    ("max_profile", &mut d.max_profile),
                ] {
                    ui.label(name);
                    egui::ComboBox::from_id_salt(name)
                        .selected_text(value.name())
                        .show_ui(ui, |ui| {
                            for p in PerformanceProfile::BUILT_IN {
                                changed |= ui.selectable_value(value, p, p.name()).changed();
                            }
                        });
                    ui.end_row();
                }
            });
        if let Some(why) = &self.invalid {
            ui.colored_label(Color32::LIGHT_RED, why);
        }
        if !changed {
            return None;
        }
        match self.draft.validate() {
            Ok(()) => {
                self.invalid = None;
                Some(self.draft)
            }
            Err(e) => {
                self.invalid = Some(format!("not applied: {e}"));
                None
            }
        }
    }
}

/// What happened to the last file the governor wrote or read.
pub(crate) fn file_outcome_ui(ui: &mut Ui, outcome: Option<&FileOutcome>) {
    match outcome {
        Some(FileOutcome::Done(text)) => {
            ui.label(text);
        }
        Some(FileOutcome::Failed(text)) => {
            ui.colored_label(Color32::LIGHT_RED, text);
        }
        None => {}
    }
}

/// The recent transitions, newest first.
fn transitions_ui(ui: &mut Ui, status: &GovernorStatus) {
    egui::CollapsingHeader::new(format!("Transitions ({})", status.recent.len()))
        .id_salt("governor_transitions")
        .default_open(true)
        .show(ui, |ui| {
            if status.recent.is_empty() {
                ui.label("none yet");
            }
            for t in status.recent.iter().rev() {
                ui.label(format!(
                    "{:>9.1} s  {} → {}  {}",
                    t.t_ms / 1000.0,
                    t.from,
                    t.to,
                    t.why
                ));
            }
        });
}

/// Sends the command; answers whether the governor's mailbox took it (a
/// full one refuses and counts it: the user sees nothing change and can
/// try again).
fn send(
    governor: &Addr<ScalingGovernor>,
    action: &GovernorAction,
    dir: Option<&ConfigDir>,
) -> bool {
    let sent = match (action, dir) {
        (GovernorAction::Enable(on), _) => governor.try_send(SetEnabled(*on)).map_err(drop),
        (GovernorAction::Thresholds(t), _) => governor.try_send(SetThresholds(*t)).map_err(drop),
        (GovernorAction::Save, Some(d)) => {
            governor.try_send(SaveThresholds(d.clone())).map_err(drop)
        }
        (GovernorAction::Revert, Some(d)) => {
            governor.try_send(RevertThresholds(d.clone())).map_err(drop)
        }
        (GovernorAction::Save | GovernorAction::Revert, None) => Err(()),
    };
    sent.is_ok()
}

fn push(history: &mut Vec<PlotPoint>, p: PlotPoint) {
    if history.len() == HISTORY_POINTS {
        history.remove(0);
    }
    history.push(p);
}

//! The Plugins panel: one row per plugin of the supervisor's latest
//! [`PluginsSnapshot`] (name, version, kind, state, faults, restarts,
//! events, last fault) with Restart / Enable / Disable buttons, and
//! [`plugin_overlays_ui`], the corner where plugins' overlay text is drawn.
//!
//! Both run on the render thread: they read the borrowed snapshot and send
//! commands through [`PluginControl`]'s `try_*` methods, which queue the
//! command and return at once; the supervisor's answer is picked up on a
//! later frame.

use egui::{Align2, Color32, RichText, Ui};
use kestrel_actors::plugin::{
    PendingControl, PluginControl, PluginId, PluginKind, PluginRow, PluginState, PluginsSnapshot,
};

/// Answers still awaited at once; a press beyond forgets the oldest (its
/// command still runs, only its answer is not shown).
const MAX_PENDING: usize = 8;

/// Longest overlay text shown per plugin, in characters (the API allows 4096 bytes).
const OVERLAY_CHARS: usize = 400;

/// Longest last-fault text shown in a row (the whole one is in its tooltip).
const FAULT_CHARS: usize = 80;

/// What a button in a plugin's row does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PluginAction {
    /// Replace the plugin with a fresh incarnation (its restart intensity reset).
    Restart,
    /// Start a disabled plugin again.
    Enable,
    /// Stop the plugin; it stays listed, disabled.
    Disable,
}

impl PluginAction {
    /// Every action, in button order.
    pub const ALL: [PluginAction; 3] = [
        PluginAction::Restart,
        PluginAction::Enable,
        PluginAction::Disable,
    ];

    /// The button's label.
    pub fn label(self) -> &'static str {
        match self {
            PluginAction::Restart => "Restart",
            PluginAction::Enable => "Enable",
            PluginAction::Disable => "Disable",
        }
    }

    fn help(self) -> &'static str {
        match self {
            PluginAction::Restart => {
                "Reload: shut this incarnation down and start a fresh one (restart count reset)"
            }
            PluginAction::Enable => "Start the disabled plugin again",
            PluginAction::Disable => "Shut the plugin down; it stays listed, disabled",
        }
    }

    /// Whether the button does anything for a plugin in `state`.
    fn applies(self, state: PluginState) -> bool {
        match self {
            PluginAction::Restart => true,
            PluginAction::Enable => state == PluginState::Disabled,
            PluginAction::Disable => state != PluginState::Disabled,
        }
    }

    /// Queues the action for plugin `id` (never waits).
    pub fn apply(
        self,
        control: &PluginControl,
        id: PluginId,
    ) -> Result<PendingControl, kestrel_actors::plugin::TryControlError> {
        match self {
            PluginAction::Restart => control.try_reload(id),
            PluginAction::Enable => control.try_enable(id),
            PluginAction::Disable => control.try_disable(id),
        }
    }
}

/// The Plugins panel's own state: what it last did and the answers it awaits.
#[derive(Debug, Default)]
pub struct PluginsPanel {
    /// The outcome of the last button press, shown under the table.
    last_action: Option<Result<String, String>>,
    /// Commands sent and not yet answered, with their description.
    pending: Vec<(String, PendingControl)>,
}

impl PluginsPanel {
    /// A panel with nothing done yet.
    pub fn new() -> Self {
        Self::default()
    }

    /// The outcome of the last button press: `Ok("Disable → chat-logger")`
    /// once queued (and `… done` once the supervisor answered), `Err` with
    /// the reason when it was refused.
    pub fn last_action(&self) -> Option<&Result<String, String>> {
        self.last_action.as_ref()
    }

    /// Draws the table from `snapshot` (borrowed, never copied) and queues
    /// the pressed buttons' commands through `control`. Never blocks.
    pub fn ui(&mut self, ui: &mut Ui, snapshot: &PluginsSnapshot, control: &PluginControl) {
        self.poll_answers();
        ui.horizontal(|ui| {
            ui.label(format!("snapshot #{}", snapshot.seq));
            ui.separator();
            ui.label(format!(
                "watchdog events {} (evicted {})",
                snapshot.events_total, snapshot.events_evicted
            ));
            ui.separator();
            ui.label(format!("events refused {}", snapshot.input_refused));
            ui.separator();
            ui.label(format!("abandoned threads {}", snapshot.abandoned_threads));
        });
        if snapshot.plugins.is_empty() {
            ui.label("No plugins loaded (use --plugin NAME_OR_PATH[:ARGS]).");
        }
        let mut pressed = None;
        const HEADERS: [&str; 10] = [
            "plugin",
            "version",
            "kind",
            "state",
            "crashes",
            "hangs",
            "restarts",
            "events delivered/dropped",
            "last fault",
            "",
        ];
        super::table(ui, "plugins_grid", &HEADERS, |ui| {
            for plugin in &snapshot.plugins {
                if let Some(action) = row(ui, plugin) {
                    pressed = Some((plugin.id, plugin.status.name.as_str(), action));
                }
                ui.end_row();
            }
        });
        if let Some((id, name, action)) = pressed {
            let what = format!("{} → {name}", action.label());
            self.last_action = Some(match action.apply(control, id) {
                Ok(pending) => {
                    if self.pending.len() >= MAX_PENDING {
                        self.pending.remove(0);
                    }
                    self.pending.push((what.clone(), pending));
                    Ok(what)
                }
                Err(e) => Err(format!("{what}: {e}")),
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

    /// Takes the answers that have come; a refusal replaces the last action's text.
    fn poll_answers(&mut self) {
        let mut i = 0;
        while i < self.pending.len() {
            match self.pending[i].1.poll() {
                None => i += 1,
                Some(answer) => {
                    let (what, _) = self.pending.remove(i);
                    self.last_action = Some(match answer {
                        Ok(()) => Ok(format!("{what} done")),
                        Err(e) => Err(format!("{what}: {e}")),
                    });
                }
            }
        }
    }
}

/// One plugin's row; returns the button pressed.
fn row(ui: &mut Ui, p: &PluginRow) -> Option<PluginAction> {
    ui.monospace(p.status.name.as_str());
    ui.label(p.version.as_str());
    ui.label(match p.status.kind {
        PluginKind::InProcess => "in-process",
        PluginKind::Isolated => "isolated",
    });
    let (state, colour) = state_text(p.status.state);
    ui.colored_label(colour, state);
    counter(ui, p.status.crashes);
    counter(ui, p.status.hangs);
    counter(ui, p.status.restarts);
    ui.label(format!("{}/{}", p.events_delivered, p.events_dropped));
    match &p.last_fault {
        Some(f) => {
            ui.label(RichText::new(clip(f, FAULT_CHARS)).color(Color32::LIGHT_RED))
                .on_hover_text(f);
        }
        None => {
            ui.label("—");
        }
    }
    let mut pressed = None;
    ui.horizontal(|ui| {
        for action in PluginAction::ALL {
            let button = egui::Button::new(action.label()).small();
            if ui
                .add_enabled(action.applies(p.status.state), button)
                .on_hover_text(action.help())
                .clicked()
            {
                pressed = Some(action);
            }
        }
    });
    pressed
}

/// A plugin state's label and colour.
pub fn state_text(state: PluginState) -> (&'static str, Color32) {
    match state {
        PluginState::Loading => ("loading", Color32::YELLOW),
        PluginState::Running => ("running", Color32::LIGHT_GREEN),
        PluginState::Hung => ("hung", Color32::LIGHT_RED),
        PluginState::BackingOff => ("backing off", Color32::ORANGE),
        PluginState::Disabled => ("disabled", Color32::LIGHT_RED),
    }
}

fn counter(ui: &mut Ui, n: u64) {
    if n == 0 {
        ui.label("0");
    } else {
        ui.colored_label(Color32::ORANGE, n.to_string());
    }
}

/// Draws every plugin's overlay text in a small box in the bottom-right corner
/// of the screen (nothing when no plugin has one). Call it once per frame
/// with the supervisor's latest snapshot; it reads, never blocks.
pub fn plugin_overlays_ui(ctx: &egui::Context, snapshot: &PluginsSnapshot) {
    let mut overlays = snapshot
        .plugins
        .iter()
        .filter_map(|p| Some((p.status.name.as_str(), p.overlay.as_deref()?)))
        .filter(|(_, text)| !text.is_empty())
        .peekable();
    if overlays.peek().is_none() {
        return;
    }
    egui::Area::new(egui::Id::unique("plugin_overlays"))
        .anchor(Align2::RIGHT_BOTTOM, [-10.0, -10.0])
        .order(egui::Order::Foreground)
        .interactable(false)
        .show(ctx, |ui| {
            egui::Frame::popup(ui.style()).show(ui, |ui| {
                ui.set_max_width(420.0);
                for (name, text) in overlays {
                    ui.horizontal_wrapped(|ui| {
                        ui.label(RichText::new(name).strong());
                        ui.label(clip(text, OVERLAY_CHARS));
                    });
                }
            });
        });
}

/// `text` cut to at most `chars` characters (with an ellipsis when cut).
fn clip(text: &str, chars: usize) -> String {
    match text.char_indices().nth(chars) {
        Some((at, _)) => format!("{}…", &text[..at]),
        None => text.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_overlays_are_clipped_on_a_character_boundary() {
        assert_eq!(clip("héllo", 2), "hé…");
        assert_eq!(clip("abc", 3), "abc");
        assert_eq!(clip("", 3), "");
    }

    #[test]
    fn buttons_apply_to_the_states_they_change() {
        use PluginAction::*;
        assert!(Enable.applies(PluginState::Disabled));
        assert!(!Enable.applies(PluginState::Running));
        assert!(Disable.applies(PluginState::Running));
        assert!(Disable.applies(PluginState::BackingOff));
        assert!(!Disable.applies(PluginState::Disabled));
        assert!(Restart.applies(PluginState::Disabled));
    }
}

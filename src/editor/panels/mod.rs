//! The editor's panels, each drawn from the snapshots the actors publish.

pub mod actors;
pub mod assets;
pub mod frame;
pub mod governor;
pub mod network;
pub mod plugins;
pub mod preferences;

pub use actors::{ActorAction, ActorsPanel, STALL_MS};
pub use assets::{AssetsPanel, human_bytes, memory_text};
pub use frame::{FRAME_HISTORY, FramePanel};
pub use governor::{GovernorAction, GovernorPanel};
pub use network::{loss_estimate, network_ui, state_text};
pub use plugins::{PluginAction, PluginsPanel, plugin_overlays_ui};
pub use preferences::{PreferencesAction, PreferencesPanel};

/// A striped table that scrolls sideways: a bold header row, then the rows
/// `body` adds (each ended with `ui.end_row()`).
pub(crate) fn table(
    ui: &mut egui::Ui,
    id: &str,
    headers: &[&str],
    body: impl FnOnce(&mut egui::Ui),
) {
    egui::ScrollArea::horizontal().id_salt(id).show(ui, |ui| {
        egui::Grid::new(id)
            .striped(true)
            .spacing([10.0, 4.0])
            .show(ui, |ui| {
                for h in headers {
                    ui.strong(*h);
                }
                ui.end_row();
                body(ui);
            });
    });
}

//! The editor's panels, each drawn from the snapshots the actors publish.

pub mod actors;
pub mod frame;
pub mod governor;
pub mod network;
pub mod plugins;
pub mod preferences;

pub use actors::{ActorAction, ActorsPanel, STALL_MS};
pub use frame::{FRAME_HISTORY, FramePanel};
pub use governor::{GovernorAction, GovernorPanel};
pub use network::{loss_estimate, network_ui, state_text};
pub use plugins::{PluginAction, PluginsPanel, plugin_overlays_ui};
pub use preferences::{PreferencesAction, PreferencesPanel};

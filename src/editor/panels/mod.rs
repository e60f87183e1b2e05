//! The editor's panels, each drawn from the snapshots the actors publish.

pub mod actors;
pub mod frame;
pub mod network;

pub use actors::{ActorAction, ActorsPanel, STALL_MS};
pub use frame::{FRAME_HISTORY, FramePanel};
pub use network::{network_ui, state_text};

//! Local chat: what is said near the avatar, and what the user says.
//!
//! * [`actor`]: the [`ChatActor`], subscribed to the circuit's
//!   `ChatFromSimulator`; it keeps the last [`CHAT_HISTORY`] lines and
//!   publishes them as one [`ChatLog`] snapshot, and sends the user's lines
//!   ([`Say`]) as `ChatFromViewer`.
//! * [`wire`]: the `ChatFromViewer` message a line becomes (shared with the
//!   plugins' chat, which the plugin bridge sends).
//!
//! The chat window that shows the log and takes the user's line is in the
//! editor ([`crate::editor::ChatWindow`]).

pub mod actor;
pub mod wire;

pub use actor::{
    CHAT_ACTOR, CHAT_HISTORY, ChatActor, ChatHandle, ChatLog, ChatSession, Say, spawn_chat,
};
pub use wire::{heard, say};

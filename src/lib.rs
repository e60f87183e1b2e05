//! The Kestrel viewer: app loop, renderer passes, editor panels, configuration
//! and the embedded region simulator.

pub mod alloc_stats;
pub mod app;
pub mod assets;
pub mod chat;
pub mod cli;
pub mod config;
pub mod editor;
pub mod governor;
pub mod mesh;
pub mod render;
pub mod scene;
pub mod sim;

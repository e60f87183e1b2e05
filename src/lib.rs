//! The Kestrel viewer: app loop, renderer passes, editor panels, configuration
//! and the embedded region simulator.

pub mod config;
pub mod mesh;
pub mod render;
pub mod sim;

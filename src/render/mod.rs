//! The renderer: wgpu passes drawing a [`RenderScene`] (terrain, instanced
//! opaque prims, sky, an optional UI overlay) into a window or an offscreen
//! texture. One module per pass under `passes/`, one WGSL file per pass under
//! `shaders/`. See docs/RENDERING.md.
//!
//! World coordinates are Second Life's: x east, y north, z up, metres.
//!
//! The render thread never waits: [`Renderer::render`] records and submits a
//! frame without blocking on the GPU, GPU timings come back asynchronously a
//! couple of frames late, and steady-state frames reuse every buffer.

pub mod batch;
pub mod camera;
pub mod demo;
mod detail_texture;
pub mod error;
mod globals;
pub mod gpu;
mod gpu_timer;
mod growable;
pub mod headless;
pub mod image;
pub mod mesh_store;
pub mod orbit;
mod passes;
pub mod renderer;
pub mod scene;
pub mod settings;
pub mod stats;
pub mod window;

pub use batch::{CullCounts, CullParams, InstanceBatch, InstanceBatcher, InstanceRaw, MeshBounds};
pub use camera::{Camera, Frustum, NEAR_PLANE_M};
pub use error::RenderError;
pub use gpu::{AdapterKind, AdapterSummary, GpuContext};
pub use headless::{HEADLESS_FORMAT, HeadlessRenderer};
pub use image::RgbaImage;
pub use mesh_store::{MeshRejected, validate_mesh};
pub use orbit::OrbitCamera;
pub use passes::overlay::{OverlayPass, OverlayTarget};
pub use renderer::Renderer;
pub use scene::{
    Environment, MeshKey, MeshUpload, PrimInstance, RenderScene, SkyColours, TerrainSource,
};
pub use settings::{Filtering, RenderSettings, ShaderQuality};
pub use stats::{FrameStats, GpuTimings, PassName};
pub use window::{AppControl, WindowApp, WindowFrame, WindowOptions, run_window};

//! The renderer: wgpu passes drawing a [`RenderScene`] (sky, terrain with
//! its detail textures, textured prims per face — opaque, then blended back
//! to front — and an optional UI overlay) into a window or an offscreen
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
pub mod faces;
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
pub mod texture_store;
pub mod window;

pub use batch::{
    CullCounts, CullParams, InstanceBatch, InstanceBatcher, InstanceRaw, MeshBounds,
    VisibleInstance,
};
pub use camera::{Camera, Frustum, NEAR_PLANE_M};
pub use error::RenderError;
pub use faces::{FaceBatcher, FaceCounts, FaceInstanceRaw, FaceRun, FaceView};
pub use gpu::{AdapterKind, AdapterSummary, GpuContext};
pub use headless::{HEADLESS_FORMAT, HeadlessRenderer};
pub use image::RgbaImage;
pub use mesh_store::{MeshRejected, validate_mesh};
pub use orbit::OrbitCamera;
pub use passes::overlay::{OverlayPass, OverlayTarget};
pub use renderer::Renderer;
pub use scene::{
    Environment, FaceLook, MeshKey, MeshUpload, PrimInstance, RenderScene, SkyColours,
    TerrainSource, TerrainTextures, TextureImage, TextureKey, TextureUpload,
};
pub use settings::{Filtering, RenderSettings, ShaderQuality};
pub use stats::{FrameStats, GpuTimings, PassName};
pub use texture_store::{TextureBinding, TextureRejected, TextureStats, validate_texture};
pub use window::{AppControl, WindowApp, WindowFrame, WindowOptions, run_window};

//! The scene: the region's objects and terrain.
//!
//! [`SceneActor`] (on the actor runtime) folds the circuit's object and
//! terrain messages into [`SceneTables`], builds prim and terrain meshes on
//! the rayon pool and publishes [`SceneDelta`]s (coalesced by object id) and
//! a [`TerrainSnapshot`]. [`SceneView`] is the render thread's side: it
//! drains the deltas within a budget and gives the renderer a
//! `RenderScene` without blocking.
//!
//! The actor lives in the viewer crate rather than `kestrel-actors` because
//! it uses the mesher and the renderer's scene types.

mod actor;
mod delta;
pub mod looks;
mod meshes;
mod tables;
mod view;

pub use actor::{
    AgentPose, AttachAssets, AttachCircuit, SceneActor, SceneDurable, SceneHandle, SceneSpawnError,
    SetLodBias, build_region_terrain, scene_message_ids, spawn_scene,
};
pub use delta::{SceneDelta, SceneStats, TerrainSnapshot};
pub use meshes::{MeshCache, lod_for, mesh_key};
pub use tables::{AVATAR_COLOUR, Changes, LocalId, PATCH_COUNT, SceneObject, SceneTables};
pub use view::SceneView;

//! What the SceneActor tells the render thread: one change per object,
//! coalesced by object id when the render side is behind.

use std::sync::Arc;

use glam::Mat4;
use kestrel_actors::bus::Keyed;

use super::tables::LocalId;
use crate::mesh::MeshData;
use crate::render::{FaceLook, MeshKey};

/// The latest state of one object, for drawing.
#[derive(Debug, Clone)]
pub enum SceneDelta {
    /// The object is (now) drawn with this mesh, transform and colour.
    Object {
        /// The object.
        id: LocalId,
        /// Its mesh's key (shared by every object of the same shape and LOD).
        mesh_key: MeshKey,
        /// The mesh, so the render thread can upload it the first time it sees the key.
        mesh: Arc<MeshData>,
        /// Object → region transform, scale included.
        model: Mat4,
        /// Default face colour.
        colour: [f32; 4],
        /// Every face's look (texture, colour, mapping).
        faces: Arc<[FaceLook]>,
    },
    /// The object is gone.
    Removed {
        /// The object.
        id: LocalId,
    },
}

impl Keyed for SceneDelta {
    type Key = LocalId;

    fn key(&self) -> LocalId {
        match self {
            SceneDelta::Object { id, .. } | SceneDelta::Removed { id } => *id,
        }
    }
}

/// The terrain mesh as the render thread takes it.
#[derive(Debug, Clone, Default)]
pub struct TerrainSnapshot {
    /// Bumped on every rebuild (0: no terrain yet).
    pub version: u64,
    /// Region-space triangles.
    pub mesh: Arc<MeshData>,
    /// Patches received so far (of 256).
    pub patches: usize,
}

/// Counters the SceneActor publishes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize)]
pub struct SceneStats {
    /// Objects in the tables.
    pub objects: usize,
    /// Terrain patches received (of 256).
    pub terrain_patches: usize,
    /// Distinct meshes built.
    pub meshes: usize,
    /// Payloads that failed to decode.
    pub malformed: u64,
    /// Objects asked for again with RequestMultipleObjects.
    pub requested: u64,
}

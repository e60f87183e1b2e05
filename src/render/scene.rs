//! What the render thread hands the renderer each frame. Everything is borrowed
//! or shared (`Arc`): building a [`RenderScene`] copies nothing and the renderer
//! never blocks on it.

use std::sync::Arc;

use glam::{Mat4, Vec3};

use crate::mesh::MeshData;

/// Names an uploaded mesh; instances refer to meshes by key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct MeshKey(pub u64);

/// A mesh to upload (or replace) under a key before this frame draws.
///
/// Uploading is idempotent: handing the same `Arc` again under the same key is
/// noticed (pointer identity) and costs nothing, so a caller may keep an upload
/// in its scene until it is sure the renderer has seen it.
#[derive(Debug, Clone)]
pub struct MeshUpload {
    /// The key instances will use.
    pub key: MeshKey,
    /// The CPU mesh (object space).
    pub mesh: Arc<MeshData>,
}

/// One opaque prim to draw.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PrimInstance {
    /// Which uploaded mesh to draw.
    pub mesh: MeshKey,
    /// Object → world transform, scale included.
    pub model: Mat4,
    /// Linear RGBA; alpha is ignored by the opaque pass.
    pub colour: [f32; 4],
}

/// The terrain mesh in world coordinates with a version that changes whenever
/// the mesh does; the renderer re-uploads only on a new version.
#[derive(Debug, Clone, Copy)]
pub struct TerrainSource<'a> {
    /// Bumped by the producer on every change.
    pub version: u64,
    /// World-space terrain triangles.
    pub mesh: &'a MeshData,
}

/// Sky colours, linear RGB.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SkyColours {
    /// Straight up.
    pub zenith: [f32; 3],
    /// At the horizon; also the fog colour and the clear colour.
    pub horizon: [f32; 3],
    /// Below the horizon (seen past the edge of the terrain).
    pub ground: [f32; 3],
}

/// Lighting and sky for a frame.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Environment {
    /// Direction *toward* the sun (need not be normalised; zero means straight up).
    pub sun_direction: Vec3,
    /// Sunlight colour and intensity, linear RGB.
    pub sun_colour: [f32; 3],
    /// Ambient light, linear RGB.
    pub ambient_colour: [f32; 3],
    /// Sky gradient.
    pub sky: SkyColours,
}

impl Default for Environment {
    fn default() -> Self {
        Environment {
            sun_direction: Vec3::new(0.4, 0.3, 0.85),
            sun_colour: [1.0, 0.95, 0.85],
            ambient_colour: [0.25, 0.28, 0.33],
            sky: SkyColours {
                zenith: [0.12, 0.28, 0.62],
                horizon: [0.62, 0.74, 0.88],
                ground: [0.30, 0.30, 0.32],
            },
        }
    }
}

/// One frame's worth of world for the renderer.
#[derive(Debug, Clone, Copy, Default)]
pub struct RenderScene<'a> {
    /// Terrain, if any is known yet.
    pub terrain: Option<TerrainSource<'a>>,
    /// Meshes to upload before drawing (applied in order; a later upload of a key wins).
    pub mesh_uploads: &'a [MeshUpload],
    /// Meshes to free (applied after the uploads).
    pub mesh_removals: &'a [MeshKey],
    /// Prims to draw this frame, in any order.
    pub instances: &'a [PrimInstance],
    /// Sun and sky.
    pub environment: Environment,
}

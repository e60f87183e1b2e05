//! CPU-side meshes the renderer uploads: prim volumes built from their
//! path/profile parameters and the terrain mesh built from the heightfield.
//! Built on the rayon pool by actors, never on the render thread.
//! The construction is described in `docs/MESHING.md`.

use bytemuck::{Pod, Zeroable};

mod cap;
mod lod;
mod params;
mod path;
mod prim;
mod profile;
pub mod terrain;

pub use lod::Lod;
pub use prim::{PrimFace, PrimFaceKind, PrimVolume, build_prim_mesh, build_prim_volume, prim_lods};
pub use terrain::{
    TerrainMeshError, TileCoord, build_terrain_mesh, build_terrain_tile, tiles_for_patch,
};

/// One vertex as the renderer's vertex buffers hold it.
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Pod, Zeroable)]
pub struct Vertex {
    /// Object-space position, metres.
    pub position: [f32; 3],
    /// Unit normal.
    pub normal: [f32; 3],
    /// Texture coordinate.
    pub uv: [f32; 2],
}

/// An indexed triangle list (counter-clockwise front faces).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct MeshData {
    /// The vertices.
    pub vertices: Vec<Vertex>,
    /// Three indices into `vertices` per triangle.
    pub indices: Vec<u32>,
    /// Index ranges of the mesh's faces in texture-entry order (prims: one per
    /// prim face, so each can carry its own texture). Empty: the whole mesh is
    /// one face.
    pub faces: Vec<FaceRange>,
}

/// The indices of one face: `indices[first..first + count]`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct FaceRange {
    /// First index of the face's triangles.
    pub first: u32,
    /// Number of indices (three per triangle).
    pub count: u32,
}

impl MeshData {
    /// The face ranges, or one range over the whole mesh when none were recorded.
    pub fn face_ranges(&self) -> impl Iterator<Item = FaceRange> + '_ {
        let whole = FaceRange {
            first: 0,
            count: self.indices.len() as u32,
        };
        let single = self.faces.is_empty().then_some(whole);
        self.faces.iter().copied().chain(single)
    }
}

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
}

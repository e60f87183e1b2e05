//! CPU-side meshes the renderer uploads: prim volumes built from their
//! path/profile parameters and the terrain mesh built from the heightfield.
//! Built on the rayon pool by actors, never on the render thread.

use bytemuck::{Pod, Zeroable};

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
    pub vertices: Vec<Vertex>,
    pub indices: Vec<u32>,
}

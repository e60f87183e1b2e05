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

/// Names a texture the renderer holds: the asset's UUID as a number.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TextureKey(pub u128);

/// Decoded texels and their mip chain, ready to upload (built off the render
/// thread, on the rayon pool).
#[derive(Debug, Clone, PartialEq)]
pub struct TextureImage {
    /// Width of the largest level, texels.
    pub width: u32,
    /// Height of the largest level, texels.
    pub height: u32,
    /// RGBA8 (sRGB) levels, largest first, rows top to bottom; level `i` is
    /// `max(1, width >> i) × max(1, height >> i)` texels. A chain may stop
    /// before 1×1.
    pub mips: Vec<Vec<u8>>,
    /// Some texel has alpha below 255: faces showing it are blended.
    pub has_alpha: bool,
}

impl TextureImage {
    /// Bytes of all levels together (what uploading it costs).
    pub fn byte_size(&self) -> usize {
        self.mips.iter().map(Vec::len).sum()
    }
}

/// A texture to upload (or replace: a sharper level of the same texture comes
/// under the same key) before this frame draws.
#[derive(Debug, Clone)]
pub struct TextureUpload {
    /// The key faces use.
    pub key: TextureKey,
    /// The texels.
    pub image: Arc<TextureImage>,
}

/// How one face of a prim looks: its texture-entry face, decoded.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FaceLook {
    /// The face's texture; `None` draws the colour alone. A texture that is
    /// not (yet) resident draws as a grey placeholder.
    pub texture: Option<TextureKey>,
    /// Linear RGBA multiplied with the texture; alpha below 1 draws the face
    /// in the blended pass, after the opaque ones.
    pub colour: [f32; 4],
    /// Texture repeats per face along u and v (the texture entry's scale),
    /// applied about the face's centre.
    pub repeats: [f32; 2],
    /// Texture offset along u and v, as the texture entry gives it (Second
    /// Life's sign: a positive offset slides the picture left and down).
    pub offset: [f32; 2],
    /// Texture rotation, radians; positive turns the picture
    /// counter-clockwise on the face. Applied before the repeats, as Second
    /// Life does (see `render::faces::uv_transform`).
    pub rotation: f32,
    /// Unlit: drawn at full brightness whatever the light.
    pub fullbright: bool,
}

impl FaceLook {
    /// An untextured face of `colour`.
    pub fn plain(colour: [f32; 4]) -> FaceLook {
        FaceLook {
            texture: None,
            colour,
            repeats: [1.0, 1.0],
            offset: [0.0, 0.0],
            rotation: 0.0,
            fullbright: false,
        }
    }
}

/// One prim to draw.
#[derive(Debug, Clone, PartialEq)]
pub struct PrimInstance {
    /// Which uploaded mesh to draw.
    pub mesh: MeshKey,
    /// Object → world transform, scale included.
    pub model: Mat4,
    /// Linear RGBA of faces that `faces` says nothing about.
    pub colour: [f32; 4],
    /// Per face in texture-entry order (the mesh's `faces`); faces past the
    /// end look like the last entry, or plain `colour` when empty. Shared: every
    /// object that looks the same holds the same `Arc`.
    pub faces: Arc<[FaceLook]>,
}

impl PrimInstance {
    /// An instance whose every face is plain `colour`.
    pub fn plain(mesh: MeshKey, model: Mat4, colour: [f32; 4]) -> PrimInstance {
        PrimInstance {
            mesh,
            model,
            colour,
            faces: Arc::from(Vec::new()),
        }
    }

    /// How face `i` looks.
    pub fn face(&self, i: usize) -> FaceLook {
        self.faces
            .get(i)
            .or(self.faces.last())
            .copied()
            .unwrap_or(FaceLook::plain(self.colour))
    }
}

/// The region's terrain texturing from its handshake: four detail textures
/// blended by height, the reference viewer's way.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TerrainTextures {
    /// Detail textures, lowest ground first.
    pub detail: [TextureKey; 4],
    /// Height where the blend starts, at the region's SW, NW, SE, NE corners
    /// (TerrainStartHeight00, 01, 10, 11), metres.
    pub start_height: [f32; 4],
    /// Height over which the blend goes through all four textures, at the same
    /// corners (TerrainHeightRange00..11), metres.
    pub height_range: [f32; 4],
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
    /// Textures to upload before drawing (the caller keeps them within the
    /// frame's upload budget; a later upload of a key replaces the texels).
    pub texture_uploads: &'a [TextureUpload],
    /// Textures to free (applied after the uploads).
    pub texture_removals: &'a [TextureKey],
    /// Terrain texturing; `None` keeps the generated detail.
    pub terrain_textures: Option<TerrainTextures>,
    /// Sun and sky.
    pub environment: Environment,
}

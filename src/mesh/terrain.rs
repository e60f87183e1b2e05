//! The terrain mesh: a regular grid over the region's heightfield, built
//! whole or per 64 m tile so that a changed 16 m patch rebuilds only the
//! tiles it touches.
//!
//! Conventions: the heightfield is `size × size` samples, row-major
//! (`heights[y * size + x]`), one sample per metre, x east, y north, z up;
//! vertex positions are region metres. The grid spans 0..=size metres on
//! both axes; the far edge (x or y = size), which belongs to the
//! neighbouring region, extrapolates the last slope. Texture coordinates
//! are the position over the region size (0..1 across the region), so a
//! region-wide map can be sampled directly and detail textures repeat with
//! a scale in the shader.

use glam::Vec3;
use thiserror::Error;

use super::{MeshData, Vertex};

/// Samples per side of a standard region.
pub const REGION_SIZE: usize = 256;
/// Samples per side of a LayerData patch (the unit the simulator updates).
pub const PATCH_SIZE: usize = 16;
/// Metres per side of a terrain tile (the unit that is rebuilt).
pub const TILE_SIZE: usize = 64;

/// A terrain tile's position in tiles from the region's south-west corner.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct TileCoord {
    /// Tiles east.
    pub x: u32,
    /// Tiles north.
    pub y: u32,
}

/// Why a terrain mesh could not be built.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum TerrainMeshError {
    /// The heightfield is not `size × size` samples.
    #[error("heightfield has {actual} samples, expected {size}×{size} = {expected}")]
    WrongSampleCount {
        /// Samples given.
        actual: usize,
        /// Samples needed.
        expected: usize,
        /// Region size in samples.
        size: usize,
    },
    /// The region size is too small to mesh or not a whole number of strides/tiles.
    #[error("region size {size} is not a positive multiple of {unit} ({what})")]
    BadSize {
        /// Region size in samples.
        size: usize,
        /// What it must be a multiple of.
        unit: usize,
        /// Which constraint failed.
        what: &'static str,
    },
    /// The stride is zero or does not divide the meshed span.
    #[error("stride {stride} does not divide the {span} m span (must be at least 1)")]
    BadStride {
        /// Requested stride.
        stride: usize,
        /// Metres the grid spans.
        span: usize,
    },
    /// The tile or patch lies outside the region.
    #[error("{what} ({x}, {y}) is outside a region of {size} samples")]
    OutOfRegion {
        /// "tile" or "patch".
        what: &'static str,
        /// Column.
        x: u32,
        /// Row.
        y: u32,
        /// Region size in samples.
        size: usize,
    },
}

/// A validated view of the heightfield.
struct Field<'a> {
    heights: &'a [f32],
    size: usize,
}

impl Field<'_> {
    fn new(heights: &[f32], size: usize) -> Result<Field<'_>, TerrainMeshError> {
        if size < 2 {
            return Err(TerrainMeshError::BadSize {
                size,
                unit: 2,
                what: "at least two samples per side",
            });
        }
        let expected = size.checked_mul(size).ok_or(TerrainMeshError::BadSize {
            size,
            unit: 1,
            what: "sample count overflows",
        })?;
        if heights.len() != expected {
            return Err(TerrainMeshError::WrongSampleCount {
                actual: heights.len(),
                expected,
                size,
            });
        }
        Ok(Field { heights, size })
    }

    /// Height of sample (x, y); non-finite samples read as 0.
    #[inline]
    fn sample(&self, x: usize, y: usize) -> f32 {
        let h = self.heights[y * self.size + x];
        if h.is_finite() { h } else { 0.0 }
    }

    /// Height at grid coordinate (x, y), each in 0..=size. The far edge
    /// (x or y = size) continues the last slope: it belongs to the
    /// neighbouring region, whose heights a lone region does not have.
    #[inline]
    fn at(&self, x: usize, y: usize) -> f32 {
        let n = self.size;
        match (x == n, y == n) {
            (false, false) => self.sample(x, y),
            (true, _) => 2.0 * self.at(n - 1, y) - self.at(n - 2, y),
            (false, true) => 2.0 * self.sample(x, n - 1) - self.sample(x, n - 2),
        }
    }

    /// Unit normal at (x, y) from central differences `step` metres apart
    /// (one-sided at the region's edges).
    fn normal(&self, x: usize, y: usize, step: usize) -> Vec3 {
        let edge = self.size; // the grid spans 0..=size
        let (x0, x1) = (x.saturating_sub(step), (x + step).min(edge));
        let (y0, y1) = (y.saturating_sub(step), (y + step).min(edge));
        let dx = (self.at(x1, y) - self.at(x0, y)) / (x1 - x0) as f32;
        let dy = (self.at(x, y1) - self.at(x, y0)) / (y1 - y0) as f32;
        Vec3::new(-dx, -dy, 1.0).normalize()
    }
}

/// Builds the whole region's terrain as one mesh with a vertex every
/// `stride` metres: `(size / stride + 1)²` vertices, `2 × (size / stride)²`
/// triangles.
pub fn build_terrain_mesh(
    heights: &[f32],
    size: usize,
    stride: usize,
) -> Result<MeshData, TerrainMeshError> {
    let field = Field::new(heights, size)?;
    check_stride(stride, size)?;
    Ok(grid(&field, 0, 0, size, stride))
}

/// Builds one `TILE_SIZE`-metre tile (vertices in region metres, so tiles
/// need no transform): `(64 / stride + 1)²` vertices. Normals are computed
/// from the whole field, so neighbouring tiles shade seamlessly.
pub fn build_terrain_tile(
    heights: &[f32],
    size: usize,
    tile: TileCoord,
    stride: usize,
) -> Result<MeshData, TerrainMeshError> {
    let field = Field::new(heights, size)?;
    check_tiled(size)?;
    check_stride(stride, TILE_SIZE)?;
    let tiles = (size / TILE_SIZE) as u32;
    if tile.x >= tiles || tile.y >= tiles {
        return Err(TerrainMeshError::OutOfRegion {
            what: "tile",
            x: tile.x,
            y: tile.y,
            size,
        });
    }
    Ok(grid(
        &field,
        tile.x as usize * TILE_SIZE,
        tile.y as usize * TILE_SIZE,
        TILE_SIZE,
        stride,
    ))
}

/// The tiles whose meshes change when LayerData patch (`patch_x`,
/// `patch_y`) changes: its own tile, plus the neighbour across any tile
/// edge the patch touches (tiles share their edge vertices, and normals
/// read one sample across).
pub fn tiles_for_patch(
    size: usize,
    patch_x: u32,
    patch_y: u32,
) -> Result<Vec<TileCoord>, TerrainMeshError> {
    check_tiled(size)?;
    let patches = (size / PATCH_SIZE) as u32;
    if patch_x >= patches || patch_y >= patches {
        return Err(TerrainMeshError::OutOfRegion {
            what: "patch",
            x: patch_x,
            y: patch_y,
            size,
        });
    }
    let per_tile = (TILE_SIZE / PATCH_SIZE) as u32;
    let tiles = (size / TILE_SIZE) as u32;
    let span = |p: u32| {
        let t = p / per_tile;
        let lo = if p.is_multiple_of(per_tile) && t > 0 {
            t - 1
        } else {
            t
        };
        let hi = if p % per_tile == per_tile - 1 && t + 1 < tiles {
            t + 1
        } else {
            t
        };
        lo..=hi
    };
    let mut out = Vec::with_capacity(4);
    for y in span(patch_y) {
        for x in span(patch_x) {
            out.push(TileCoord { x, y });
        }
    }
    Ok(out)
}

fn check_stride(stride: usize, span: usize) -> Result<(), TerrainMeshError> {
    if stride == 0 || !span.is_multiple_of(stride) {
        return Err(TerrainMeshError::BadStride { stride, span });
    }
    Ok(())
}

fn check_tiled(size: usize) -> Result<(), TerrainMeshError> {
    if size == 0 || !size.is_multiple_of(TILE_SIZE) {
        return Err(TerrainMeshError::BadSize {
            size,
            unit: TILE_SIZE,
            what: "whole tiles",
        });
    }
    Ok(())
}

/// A grid of `span / stride + 1` vertices per side starting at (x0, y0).
fn grid(field: &Field<'_>, x0: usize, y0: usize, span: usize, stride: usize) -> MeshData {
    let n = span / stride + 1;
    let inv = 1.0 / field.size as f32;
    let mut vertices = Vec::with_capacity(n * n);
    for j in 0..n {
        let y = y0 + j * stride;
        for i in 0..n {
            let x = x0 + i * stride;
            let h = field.at(x, y);
            vertices.push(Vertex {
                position: [x as f32, y as f32, h],
                normal: field.normal(x, y, stride).to_array(),
                uv: [x as f32 * inv, y as f32 * inv],
            });
        }
    }
    let cells = n - 1;
    let mut indices = Vec::with_capacity(cells * cells * 6);
    for j in 0..cells {
        for i in 0..cells {
            let a = (j * n + i) as u32;
            let (b, c, d) = (a + 1, a + n as u32 + 1, a + n as u32);
            // Counter-clockwise seen from above (+Z).
            indices.extend_from_slice(&[a, b, c, a, c, d]);
        }
    }
    MeshData {
        vertices,
        indices,
        faces: Vec::new(),
    }
}

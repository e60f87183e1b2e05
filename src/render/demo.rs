//! A self-contained scene (rolling terrain, unit cube, fields of cubes) for
//! tests, benchmarks and a screenshot when no world is connected. Not used by
//! the frame loop.

use glam::{Mat4, Quat, Vec3};

use crate::mesh::{MeshData, Vertex};

use super::scene::{MeshKey, PrimInstance};

/// Side of a region, metres.
pub const REGION_SIZE_M: f32 = 256.0;

/// A 1 m cube centred on the origin, 24 vertices (flat normals), CCW faces outward.
pub fn unit_cube() -> MeshData {
    // (normal, u axis, v axis) per face; u × v = normal keeps the winding CCW from outside.
    let faces = [
        (Vec3::X, Vec3::Y, Vec3::Z),
        (Vec3::NEG_X, Vec3::NEG_Y, Vec3::Z),
        (Vec3::Y, Vec3::NEG_X, Vec3::Z),
        (Vec3::NEG_Y, Vec3::X, Vec3::Z),
        (Vec3::Z, Vec3::X, Vec3::Y),
        (Vec3::NEG_Z, Vec3::NEG_X, Vec3::Y),
    ];
    let mut mesh = MeshData::default();
    for (n, u, v) in faces {
        let base = mesh.vertices.len() as u32;
        for (su, sv) in [(-1.0, -1.0), (1.0, -1.0), (1.0, 1.0), (-1.0, 1.0)] {
            let p = (n + u * su + v * sv) * 0.5;
            mesh.vertices.push(Vertex {
                position: p.to_array(),
                normal: n.to_array(),
                // v runs down the image (row 0 on top), so the picture
                // stands upright on the sides.
                uv: [(su + 1.0) * 0.5, (1.0 - sv) * 0.5],
            });
        }
        mesh.indices
            .extend_from_slice(&[base, base + 1, base + 2, base, base + 2, base + 3]);
    }
    mesh
}

/// Terrain height of the demo landscape at (`x`, `y`): gentle hills around 24 m.
pub fn terrain_height(x: f32, y: f32) -> f32 {
    24.0 + 3.0 * (x / 23.0).sin() * (y / 31.0).cos() + 1.5 * (x / 11.0 + y / 17.0).sin()
}

/// A region-sized heightfield mesh of [`terrain_height`] with `cells` quads per side.
pub fn rolling_terrain(cells: u32) -> MeshData {
    let cells = cells.max(1);
    let step = REGION_SIZE_M / cells as f32;
    let side = cells + 1;
    let mut mesh = MeshData::default();
    for j in 0..side {
        for i in 0..side {
            let (x, y) = (i as f32 * step, j as f32 * step);
            let e = 0.5;
            let dx = (terrain_height(x + e, y) - terrain_height(x - e, y)) / (2.0 * e);
            let dy = (terrain_height(x, y + e) - terrain_height(x, y - e)) / (2.0 * e);
            mesh.vertices.push(Vertex {
                position: [x, y, terrain_height(x, y)],
                normal: Vec3::new(-dx, -dy, 1.0).normalize().to_array(),
                uv: [x / REGION_SIZE_M, y / REGION_SIZE_M],
            });
        }
    }
    for j in 0..cells {
        for i in 0..cells {
            let a = j * side + i;
            let (b, c, d) = (a + 1, a + side + 1, a + side);
            mesh.indices.extend_from_slice(&[a, b, c, a, c, d]);
        }
    }
    mesh
}

/// `count` cubes of mesh `key` on a square grid over the region, standing on
/// the demo terrain, with varied size, rotation and colour.
pub fn cube_field(key: MeshKey, count: usize) -> Vec<PrimInstance> {
    let per_row = (count as f32).sqrt().ceil().max(1.0) as usize;
    let spacing = REGION_SIZE_M / per_row as f32;
    (0..count)
        .map(|n| {
            let (i, j) = (n % per_row, n / per_row);
            let x = (i as f32 + 0.5) * spacing;
            let y = (j as f32 + 0.5) * spacing;
            let size = 0.5 + (n % 7) as f32 * 0.25;
            let model = Mat4::from_scale_rotation_translation(
                Vec3::splat(size),
                Quat::from_rotation_z(n as f32 * 0.37),
                Vec3::new(x, y, terrain_height(x, y) + size * 0.5),
            );
            let t = (n % 11) as f32 / 10.0;
            PrimInstance {
                mesh: key,
                model,
                colour: [0.3 + 0.6 * t, 0.5, 0.9 - 0.6 * t, 1.0],
                faces: Default::default(),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::mesh_store::validate_mesh;

    #[test]
    fn cube_faces_wind_counter_clockwise_seen_from_outside() {
        let m = unit_cube();
        assert_eq!((m.vertices.len(), m.indices.len()), (24, 36));
        for tri in m.indices.chunks_exact(3) {
            let p = |i: u32| Vec3::from(m.vertices[i as usize].position);
            let face_normal = (p(tri[1]) - p(tri[0])).cross(p(tri[2]) - p(tri[0]));
            let n = Vec3::from(m.vertices[tri[0] as usize].normal);
            assert!(face_normal.dot(n) > 0.0);
        }
        let b = validate_mesh(&m).unwrap();
        assert!((b.radius - 0.75f32.sqrt()).abs() < 1e-5);
    }

    #[test]
    fn terrain_faces_up() {
        let m = rolling_terrain(8);
        assert_eq!(m.vertices.len(), 81);
        for tri in m.indices.chunks_exact(3) {
            let p = |i: u32| Vec3::from(m.vertices[i as usize].position);
            assert!((p(tri[1]) - p(tri[0])).cross(p(tri[2]) - p(tri[0])).z > 0.0);
        }
    }
}

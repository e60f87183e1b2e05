//! The terrain mesh: grid sizes per stride, normals from the heightfield,
//! per-tile builds that match the whole-region mesh, and which tiles a
//! changed patch invalidates.

use glam::Vec3;
use kestrel::mesh::terrain::{PATCH_SIZE, REGION_SIZE, TILE_SIZE};
use kestrel::mesh::{
    MeshData, TerrainMeshError, TileCoord, build_terrain_mesh, build_terrain_tile, tiles_for_patch,
};

const N: usize = REGION_SIZE;

fn field(f: impl Fn(usize, usize) -> f32) -> Vec<f32> {
    (0..N * N).map(|i| f(i % N, i / N)).collect()
}

fn normal(m: &MeshData, i: usize) -> Vec3 {
    Vec3::from_array(m.vertices[i].normal)
}

#[test]
fn vertex_and_triangle_counts_per_stride() {
    // The grid spans 0..=256 m: 256/stride + 1 vertices per side,
    // 2 triangles per cell.
    let flat = field(|_, _| 20.0);
    for (stride, side) in [(1usize, 257usize), (2, 129), (4, 65)] {
        let m = build_terrain_mesh(&flat, N, stride).unwrap();
        assert_eq!(m.vertices.len(), side * side, "stride {stride}");
        let cells = (side - 1) * (side - 1);
        assert_eq!(m.indices.len(), cells * 6, "stride {stride}");
        assert!(m.indices.iter().all(|&i| (i as usize) < m.vertices.len()));
        let last = m.vertices.last().unwrap().position;
        assert_eq!(last, [256.0, 256.0, 20.0]);
    }
}

#[test]
fn flat_field_normals_point_up_and_triangles_face_up() {
    let m = build_terrain_mesh(&field(|_, _| 21.5), N, 2).unwrap();
    for v in &m.vertices {
        assert_eq!(v.normal, [0.0, 0.0, 1.0]);
        assert_eq!(v.position[2], 21.5);
    }
    for t in m.indices.chunks_exact(3) {
        let p = |k: usize| Vec3::from_array(m.vertices[t[k] as usize].position);
        assert!(
            (p(1) - p(0)).cross(p(2) - p(0)).z > 0.0,
            "triangle faces down"
        );
    }
}

#[test]
fn slope_normals_tilt_against_the_rise() {
    // Rising 0.5 m per metre east and 0.25 m per metre south:
    // normal ∝ (-0.5, +0.25, 1) everywhere, edges included.
    let m =
        build_terrain_mesh(&field(|x, y| 10.0 + 0.5 * x as f32 - 0.25 * y as f32), N, 1).unwrap();
    let expected = Vec3::new(-0.5, 0.25, 1.0).normalize();
    for i in 0..m.vertices.len() {
        assert!(
            normal(&m, i).distance(expected) < 1e-5,
            "vertex {i}: {} vs {expected}",
            normal(&m, i)
        );
    }
    // The east edge (x = 256) continues the slope.
    assert_eq!(m.vertices[256].position, [256.0, 0.0, 138.0]);
}

#[test]
fn a_ridge_tilts_normals_away_from_its_crest() {
    let m = build_terrain_mesh(&field(|x, _| 30.0 - (x as f32 - 128.0).abs()), N, 1).unwrap();
    let west = normal(&m, 100); // x = 100, rising towards the crest
    let east = normal(&m, 150);
    let crest = normal(&m, 128);
    assert!(west.x < -0.5 && west.z > 0.5, "{west}");
    assert!(east.x > 0.5 && east.z > 0.5, "{east}");
    assert!(crest.distance(Vec3::Z) < 1e-6, "{crest}");
}

#[test]
fn tiles_reproduce_the_whole_region_mesh() {
    let heights = field(|x, y| (x as f32 * 0.07).sin() * 4.0 + (y as f32 * 0.05).cos() * 3.0);
    for stride in [1, 2, 4] {
        let whole = build_terrain_mesh(&heights, N, stride).unwrap();
        let side = N / stride + 1;
        for ty in 0..4u32 {
            for tx in 0..4u32 {
                let tile =
                    build_terrain_tile(&heights, N, TileCoord { x: tx, y: ty }, stride).unwrap();
                let tside = TILE_SIZE / stride + 1;
                assert_eq!(tile.vertices.len(), tside * tside);
                for j in 0..tside {
                    for i in 0..tside {
                        let gx = tx as usize * TILE_SIZE / stride + i;
                        let gy = ty as usize * TILE_SIZE / stride + j;
                        assert_eq!(
                            tile.vertices[j * tside + i],
                            whole.vertices[gy * side + gx],
                            "stride {stride} tile ({tx},{ty}) vertex ({i},{j})"
                        );
                    }
                }
            }
        }
    }
}

#[test]
fn patch_to_tile_mapping() {
    let t = |x, y| TileCoord { x, y };
    assert_eq!(tiles_for_patch(N, 1, 2).unwrap(), vec![t(0, 0)]);
    assert_eq!(tiles_for_patch(N, 0, 0).unwrap(), vec![t(0, 0)]);
    assert_eq!(tiles_for_patch(N, 15, 15).unwrap(), vec![t(3, 3)]);
    assert_eq!(tiles_for_patch(N, 3, 1).unwrap(), vec![t(0, 0), t(1, 0)]);
    assert_eq!(
        tiles_for_patch(N, 4, 4).unwrap(),
        vec![t(0, 0), t(1, 0), t(0, 1), t(1, 1)]
    );
    assert!(matches!(
        tiles_for_patch(N, 16, 0),
        Err(TerrainMeshError::OutOfRegion { .. })
    ));
}

#[test]
fn a_changed_patch_changes_only_the_tiles_it_maps_to() {
    let before = field(|x, y| (x * 3 + y * 5) as f32 * 0.01);
    for (px, py) in [(0u32, 0u32), (3, 4), (5, 6), (7, 8), (12, 15)] {
        let mut after = before.clone();
        for y in 0..PATCH_SIZE {
            for x in 0..PATCH_SIZE {
                let (gx, gy) = (px as usize * PATCH_SIZE + x, py as usize * PATCH_SIZE + y);
                after[gy * N + gx] += 3.0 + x as f32;
            }
        }
        let listed = tiles_for_patch(N, px, py).unwrap();
        for ty in 0..4u32 {
            for tx in 0..4u32 {
                let tile = TileCoord { x: tx, y: ty };
                let a = build_terrain_tile(&before, N, tile, 1).unwrap();
                let b = build_terrain_tile(&after, N, tile, 1).unwrap();
                if a != b {
                    assert!(
                        listed.contains(&tile),
                        "patch ({px},{py}) changed unlisted {tile:?}"
                    );
                }
            }
        }
        // The patch's own tile always changes.
        let own = TileCoord {
            x: px / 4,
            y: py / 4,
        };
        assert_ne!(
            build_terrain_tile(&before, N, own, 1).unwrap(),
            build_terrain_tile(&after, N, own, 1).unwrap()
        );
    }
}

#[test]
fn bad_input_is_an_error_not_a_panic() {
    let flat = field(|_, _| 0.0);
    assert!(matches!(
        build_terrain_mesh(&flat[1..], N, 1),
        Err(TerrainMeshError::WrongSampleCount { actual, expected: 65536, .. }) if actual == 65535
    ));
    assert!(matches!(
        build_terrain_mesh(&flat, N, 0),
        Err(TerrainMeshError::BadStride { .. })
    ));
    assert!(matches!(
        build_terrain_mesh(&flat, N, 3),
        Err(TerrainMeshError::BadStride { .. })
    ));
    assert!(matches!(
        build_terrain_tile(&flat, N, TileCoord { x: 4, y: 0 }, 1),
        Err(TerrainMeshError::OutOfRegion { .. })
    ));
    assert!(matches!(
        build_terrain_mesh(&[], 0, 1),
        Err(TerrainMeshError::BadSize { .. })
    ));
    let e = build_terrain_mesh(&flat, N, 3).unwrap_err().to_string();
    assert!(e.contains("stride 3"), "{e}");
    // Non-finite samples read as sea level rather than poisoning the mesh.
    let mut bad = flat.clone();
    bad[300] = f32::NAN;
    let m = build_terrain_mesh(&bad, N, 1).unwrap();
    assert!(
        m.vertices
            .iter()
            .all(|v| v.position.iter().chain(&v.normal).all(|x| x.is_finite()))
    );
}

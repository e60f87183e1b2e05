//! Meshing throughput: every standard prim at every LOD, and the terrain
//! (whole region and one tile) at each stride.

use std::hint::black_box;

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use kestrel::mesh::{Lod, TileCoord, build_prim_mesh, build_terrain_mesh, build_terrain_tile};
use kestrel_protocol::object_data::{HoleShape, PathCurve, PrimShape, ProfileShape};

fn shapes() -> Vec<(&'static str, PrimShape)> {
    let line = |profile| PrimShape {
        profile,
        ..PrimShape::BOX
    };
    let circular = |profile, hole_y| PrimShape {
        path: PathCurve::Circle,
        profile,
        path_scale_y: hole_y,
        ..PrimShape::BOX
    };
    vec![
        ("box", PrimShape::BOX),
        ("cylinder", line(ProfileShape::Circle)),
        (
            "prism",
            PrimShape {
                path_scale_x: 0.0,
                path_shear_x: -0.5,
                ..PrimShape::BOX
            },
        ),
        ("sphere", circular(ProfileShape::HalfCircle, 1.0)),
        ("torus", circular(ProfileShape::Circle, 0.25)),
        ("tube", circular(ProfileShape::Square, 0.25)),
        ("ring", circular(ProfileShape::EqualTriangle, 0.25)),
        (
            "twisted hollow cut torus",
            PrimShape {
                path_twist: 1.0,
                profile_hollow: 0.6,
                hole: HoleShape::Square,
                path_begin: 0.1,
                profile_end: 0.8,
                ..circular(ProfileShape::Circle, 0.25)
            },
        ),
    ]
}

fn prims(c: &mut Criterion) {
    let mut group = c.benchmark_group("prim");
    for (name, shape) in shapes() {
        for lod in Lod::ALL {
            group.bench_with_input(
                BenchmarkId::new(name, format!("{lod:?}")),
                &shape,
                |b, s| b.iter(|| build_prim_mesh(black_box(s), lod)),
            );
        }
    }
    group.finish();
}

fn terrain(c: &mut Criterion) {
    let n = 256;
    let heights: Vec<f32> = (0..n * n)
        .map(|i| {
            let (x, y) = ((i % n) as f32, (i / n) as f32);
            20.0 + (x * 0.05).sin() * 6.0 + (y * 0.031).cos() * 4.0
        })
        .collect();
    let mut group = c.benchmark_group("terrain");
    for stride in [1, 2, 4] {
        group.bench_with_input(BenchmarkId::new("region", stride), &stride, |b, &s| {
            b.iter(|| build_terrain_mesh(black_box(&heights), n, s))
        });
        group.bench_with_input(BenchmarkId::new("tile", stride), &stride, |b, &s| {
            b.iter(|| build_terrain_tile(black_box(&heights), n, TileCoord { x: 1, y: 2 }, s))
        });
    }
    group.finish();
}

criterion_group!(benches, prims, terrain);
criterion_main!(benches);

//! Prim volume meshes: closed shapes are watertight and face outward,
//! normals agree with the surface, counts per LOD match the construction,
//! and no parameter combination produces NaN or escapes its bounds.

use std::collections::HashMap;

use glam::Vec3;
use kestrel::mesh::{Lod, MeshData, PrimFaceKind, build_prim_mesh, build_prim_volume, prim_lods};
use kestrel_protocol::object_data::{HoleShape, PathCurve, PrimShape, ProfileShape};
use proptest::prelude::*;

// ---- the standard prims, as SL's build tools create them ----

fn line(profile: ProfileShape) -> PrimShape {
    PrimShape {
        profile,
        ..PrimShape::BOX
    }
}

fn circular(profile: ProfileShape, hole_y: f32) -> PrimShape {
    PrimShape {
        path: PathCurve::Circle,
        profile,
        path_scale_y: hole_y,
        ..PrimShape::BOX
    }
}

fn cube() -> PrimShape {
    PrimShape::BOX
}
fn cylinder() -> PrimShape {
    line(ProfileShape::Circle)
}
/// SL's "Prism": a square extruded to an edge (top size X 0, shear -0.5).
fn prism() -> PrimShape {
    PrimShape {
        path_scale_x: 0.0,
        path_shear_x: -0.5,
        ..PrimShape::BOX
    }
}
/// A straight triangular extrusion.
fn tri_prism() -> PrimShape {
    line(ProfileShape::EqualTriangle)
}
fn sphere() -> PrimShape {
    circular(ProfileShape::HalfCircle, 1.0)
}
fn torus() -> PrimShape {
    circular(ProfileShape::Circle, 0.25)
}
fn tube() -> PrimShape {
    circular(ProfileShape::Square, 0.25)
}
fn ring() -> PrimShape {
    circular(ProfileShape::EqualTriangle, 0.25)
}

fn all_shapes() -> Vec<(&'static str, PrimShape)> {
    vec![
        ("box", cube()),
        ("cylinder", cylinder()),
        ("prism", prism()),
        ("triangular prism", tri_prism()),
        ("sphere", sphere()),
        ("torus", torus()),
        ("tube", tube()),
        ("ring", ring()),
    ]
}

/// Each shape with each family of parameters the build tools expose.
fn variants(base: PrimShape) -> Vec<(String, PrimShape)> {
    let circle = base.path == PathCurve::Circle;
    let mut out = vec![("plain".to_string(), base)];
    let mut add = |name: &str, f: &dyn Fn(&mut PrimShape)| {
        let mut s = base;
        f(&mut s);
        out.push((name.to_string(), s));
    };
    add("path cut", &|s| {
        s.path_begin = 0.25;
        s.path_end = 0.75;
    });
    add("profile cut", &|s| {
        s.profile_begin = 0.2;
        s.profile_end = 0.7;
    });
    add("profile cut past half", &|s| {
        s.profile_begin = 0.05;
        s.profile_end = 0.9;
    });
    for hole in [
        HoleShape::Same,
        HoleShape::Circle,
        HoleShape::Square,
        HoleShape::Triangle,
    ] {
        add(&format!("hollow {hole:?}"), &|s| {
            s.hole = hole;
            s.profile_hollow = 0.5;
        });
        add(&format!("hollow 95% {hole:?} + both cuts"), &|s| {
            s.hole = hole;
            s.profile_hollow = 0.95;
            s.path_begin = 0.2;
            s.path_end = 0.8;
            s.profile_begin = 0.1;
            s.profile_end = 0.85;
        });
    }
    // Twisting a revolved profile wider than its path radius passes it
    // through the axis (self-intersecting, like in SL), so twisted tori get
    // a round cross-section; a sphere (radius 0) cannot twist cleanly.
    // A twisted full revolution is capped at both ends, which meet
    // back to back: twists that are not a multiple of the profile's
    // segment angle keep the two caps' vertices apart, so the welded
    // watertightness check sees two caps rather than one fused sheet.
    let sphere = circle && base.path_scale_y >= 1.0;
    let twist_ready = |s: &mut PrimShape| {
        if circle {
            s.path_scale_x = s.path_scale_y;
        }
    };
    if !sphere {
        add("twist", &|s| {
            twist_ready(s);
            s.path_twist_begin = -0.2;
            s.path_twist = 0.45;
        });
        add("twist + hollow + cut", &|s| {
            twist_ready(s);
            s.path_twist = 0.45;
            s.profile_hollow = 0.4;
            s.profile_begin = 0.3;
        });
    }
    add("shear", &|s| {
        s.path_shear_x = 0.25;
        s.path_shear_y = -0.2;
    });
    if circle {
        add("taper", &|s| {
            s.path_taper_x = 0.5;
            s.path_taper_y = -0.4;
        });
        add("hole size", &|s| {
            s.path_scale_x = 0.6;
            s.path_scale_y = 0.4;
        });
        add("revolutions + radius offset + skew", &|s| {
            s.path_revolutions = 2.0;
            s.path_radius_offset = 0.5;
            s.path_skew = 0.2;
            s.path_scale_y = s.path_scale_y.min(0.25);
        });
    } else {
        add("taper", &|s| {
            s.path_scale_x = 0.4;
            s.path_scale_y = 1.6;
        });
        add("top size 0 (apex)", &|s| {
            s.path_scale_x = 0.0;
            s.path_scale_y = 0.0;
        });
    }
    out
}

// ---- mesh checks ----

fn pos(m: &MeshData, i: u32) -> Vec3 {
    Vec3::from_array(m.vertices[i as usize].position)
}

fn triangles(m: &MeshData) -> impl Iterator<Item = [u32; 3]> + '_ {
    m.indices.chunks_exact(3).map(|t| [t[0], t[1], t[2]])
}

/// Vertex ids merged by position (within 1e-5), so split-normal copies and
/// seams count as one point.
fn weld(m: &MeshData) -> Vec<u32> {
    const CELL: f32 = 1e-4;
    let mut cells: HashMap<[i64; 3], Vec<u32>> = HashMap::new();
    let mut rep = Vec::with_capacity(m.vertices.len());
    for (i, v) in m.vertices.iter().enumerate() {
        let p = Vec3::from_array(v.position);
        let key = (p / CELL).round().as_i64vec3().to_array();
        let mut found = None;
        'search: for dx in -1..=1 {
            for dy in -1..=1 {
                for dz in -1..=1 {
                    let k = [key[0] + dx, key[1] + dy, key[2] + dz];
                    if let Some(ids) = cells.get(&k) {
                        for &j in ids {
                            if pos(m, j).distance(p) <= 1e-5 {
                                found = Some(rep[j as usize]);
                                break 'search;
                            }
                        }
                    }
                }
            }
        }
        rep.push(found.unwrap_or(i as u32));
        cells.entry(key).or_default().push(i as u32);
    }
    rep
}

/// Every edge of the welded mesh is shared by exactly two triangles that
/// traverse it in opposite directions (closed and consistently wound).
/// Triangles that weld to a point or a line cover nothing and are skipped.
/// A `pinched` shape (walls that meet at zero thickness, like a hollow
/// prism's top edge) may have more sheets meet at an edge, but every edge
/// must still be used as often forward as backward: the surface is closed.
fn assert_watertight(name: &str, m: &MeshData, pinched: bool) {
    let rep = weld(m);
    let mut directed: HashMap<(u32, u32), u32> = HashMap::new();
    for t in triangles(m) {
        let w = t.map(|i| rep[i as usize]);
        if w[0] == w[1] || w[1] == w[2] || w[0] == w[2] {
            continue;
        }
        for k in 0..3 {
            *directed.entry((w[k], w[(k + 1) % 3])).or_default() += 1;
        }
    }
    assert!(!directed.is_empty(), "{name}: no triangles");
    for (&(a, b), &n) in &directed {
        let back = directed.get(&(b, a)).copied().unwrap_or(0);
        let ok = if pinched {
            n == back
        } else {
            n == 1 && back == 1
        };
        assert!(
            ok,
            "{name}: edge {:?}-{:?} used {n}× forward and {back}× backward",
            pos(m, a),
            pos(m, b)
        );
    }
}

/// Signed volume by the divergence theorem (positive when faces point out).
fn signed_volume(m: &MeshData) -> f32 {
    triangles(m)
        .map(|[a, b, c]| pos(m, a).dot(pos(m, b).cross(pos(m, c))) / 6.0)
        .sum()
}

fn assert_finite_and_valid(name: &str, m: &MeshData) {
    assert_eq!(m.indices.len() % 3, 0, "{name}: index count");
    for &i in &m.indices {
        assert!(
            (i as usize) < m.vertices.len(),
            "{name}: index {i} out of range"
        );
    }
    for v in &m.vertices {
        let all = v.position.iter().chain(&v.normal).chain(&v.uv);
        assert!(
            all.clone().all(|x| x.is_finite()),
            "{name}: non-finite {v:?}"
        );
        let n = Vec3::from_array(v.normal).length();
        assert!((n - 1.0).abs() < 1e-3, "{name}: normal length {n}");
    }
}

/// Every triangle faces the way its vertex normals say the surface faces
/// (its normal agrees with the sum of its corners' normals), and, when
/// `every_corner`, with each corner's normal on its own. The per-corner
/// form only holds where the surface bends less than ~150° between
/// neighbouring vertices: a coarse, tapered or twisted smooth face with a
/// sharp ridge (the tips of the torus's flat ellipse at Lowest) has
/// corners whose smooth normal is legitimately more than 90° from one of
/// the facets beside them.
fn assert_normals_agree(name: &str, m: &MeshData, every_corner: bool) {
    for [a, b, c] in triangles(m) {
        let n = (pos(m, b) - pos(m, a)).cross(pos(m, c) - pos(m, a));
        if n.length() < 1e-7 {
            continue; // a sliver has no reliable facing
        }
        let n = n.normalize();
        let normal = |i: u32| Vec3::from_array(m.vertices[i as usize].normal);
        let sum = normal(a) + normal(b) + normal(c);
        assert!(
            sum.dot(n) > 0.0,
            "{name}: triangle {} {} {} faces {n}, its vertex normals {sum}",
            pos(m, a),
            pos(m, b),
            pos(m, c)
        );
        if every_corner {
            for i in [a, b, c] {
                assert!(
                    normal(i).dot(n) > 0.0,
                    "{name}: vertex normal {} opposes triangle normal {n} at {}",
                    normal(i),
                    pos(m, i)
                );
            }
        }
    }
}

fn bounds(m: &MeshData) -> (Vec3, Vec3) {
    m.vertices.iter().fold(
        (Vec3::splat(f32::MAX), Vec3::splat(f32::MIN)),
        |(lo, hi), v| {
            let p = Vec3::from_array(v.position);
            (lo.min(p), hi.max(p))
        },
    )
}

fn counts(m: &MeshData) -> (usize, usize) {
    (m.vertices.len(), m.indices.len() / 3)
}

// ---- tests ----

#[test]
fn every_closed_shape_is_watertight_outward_and_smooth_where_it_should_be() {
    let mut checked = 0;
    for (shape_name, base) in all_shapes() {
        for (variant, shape) in variants(base) {
            for lod in Lod::ALL {
                let name = format!("{shape_name} / {variant} / {lod:?}");
                let m = build_prim_mesh(&shape, lod);
                assert_finite_and_valid(&name, &m);
                // SL's prism narrows to an edge: hollowed, its outer and
                // inner walls meet there at zero thickness.
                let pinched = shape_name == "prism" && shape.profile_hollow > 0.0;
                assert_watertight(&name, &m, pinched);
                let vol = signed_volume(&m);
                assert!(vol > 1e-4, "{name}: signed volume {vol} (inside out?)");
                let crisp = !pinched
                    && !["twist", "taper", "shear", "top size", "revolutions"]
                        .iter()
                        .any(|w| variant.contains(w));
                assert_normals_agree(&name, &m, crisp);
                checked += 1;
            }
        }
    }
    assert!(checked > 300, "only {checked} meshes checked");
}

#[test]
fn volumes_match_the_solids_they_approximate() {
    // Unit cube and (at High LOD) a 24-gon cylinder and sphere.
    let v = signed_volume(&build_prim_mesh(&cube(), Lod::High));
    assert!((v - 1.0).abs() < 1e-5, "box volume {v}");
    let n = 24.0f32;
    let polygon_area = 0.5 * n * 0.25 * (std::f32::consts::TAU / n).sin();
    let v = signed_volume(&build_prim_mesh(&cylinder(), Lod::High));
    assert!(
        (v - polygon_area).abs() < 1e-4,
        "cylinder volume {v} vs {polygon_area}"
    );
    let v = signed_volume(&build_prim_mesh(&sphere(), Lod::High));
    let ball = std::f32::consts::PI / 6.0;
    assert!(
        v < ball && v > 0.95 * ball,
        "sphere volume {v} vs ball {ball}"
    );
    // Hollow 50% removes a quarter of a box's volume.
    let hollow = PrimShape {
        profile_hollow: 0.5,
        ..cube()
    };
    let v = signed_volume(&build_prim_mesh(&hollow, Lod::Low));
    assert!((v - 0.75).abs() < 1e-5, "hollow box volume {v}");
    // Cutting the path in half halves a cylinder.
    let cut = PrimShape {
        path_end: 0.5,
        ..cylinder()
    };
    let full = signed_volume(&build_prim_mesh(&cylinder(), Lod::Medium));
    let half = signed_volume(&build_prim_mesh(&cut, Lod::Medium));
    assert!(
        (half - full / 2.0).abs() < 1e-5,
        "cut {half} vs full {full}"
    );
}

#[test]
fn box_has_24_vertices_and_12_triangles_at_every_lod() {
    // Six flat quads with their own vertices (split normals at the edges):
    // 4 sides × 2 profile points × 2 path rings = 16, plus 4 per cap = 24;
    // 2 triangles per quad = 12. An untwisted line needs no subdivision.
    for (lod, m) in Lod::ALL.iter().zip(prim_lods(&cube())) {
        assert_eq!(counts(&m), (24, 12), "{lod:?}");
    }
    let kinds: Vec<_> = build_prim_volume(&cube(), Lod::High)
        .faces
        .iter()
        .map(|f| (f.kind, f.index_count))
        .collect();
    assert_eq!(
        kinds,
        vec![
            (PrimFaceKind::Top, 6),
            (PrimFaceKind::Outer { side: 0 }, 6),
            (PrimFaceKind::Outer { side: 1 }, 6),
            (PrimFaceKind::Outer { side: 2 }, 6),
            (PrimFaceKind::Outer { side: 3 }, 6),
            (PrimFaceKind::Bottom, 6),
        ]
    );
}

#[test]
fn box_faces_are_flat_with_axis_normals() {
    let m = build_prim_mesh(&cube(), Lod::Medium);
    for v in &m.vertices {
        let n = Vec3::from_array(v.normal);
        let p = Vec3::from_array(v.position);
        // The normal is a unit axis and the vertex lies on that face's plane.
        let axis = n.abs().max_element();
        assert!((axis - 1.0).abs() < 1e-6, "normal {n}");
        assert!((p.dot(n) - 0.5).abs() < 1e-6, "vertex {p} off its face {n}");
    }
    let (lo, hi) = bounds(&m);
    assert_eq!((lo, hi), (Vec3::splat(-0.5), Vec3::splat(0.5)));
}

#[test]
fn cylinder_counts_per_lod() {
    // n = 6, 9, 15, 24 circle segments. Side: n+1 points (the seam point
    // repeats, for the texture) × 2 rings; each cap: n points. Vertices
    // 2(n+1) + 2n = 4n+2. Triangles: 2n on the side, n-2 per cap = 4n-4.
    let expected = [(26, 20), (38, 32), (62, 56), (98, 92)];
    for (lod, m) in Lod::ALL.iter().zip(prim_lods(&cylinder())) {
        assert_eq!(counts(&m), expected[lod.index()], "{lod:?}");
    }
}

#[test]
fn sphere_counts_per_lod() {
    // Half-circle profile of h = 3, 4, 7, 12 segments (h+1 points) swept
    // over s = 6, 9, 15, 24 steps (s+1 rings, the last closing the loop).
    // Vertices (h+1)(s+1). Of the 2hs grid triangles, the two per step
    // touching a pole collapse and are dropped: 2s(h-1). No caps or walls.
    let expected = [(28, 24), (50, 54), (128, 180), (325, 528)];
    for (lod, m) in Lod::ALL.iter().zip(prim_lods(&sphere())) {
        assert_eq!(counts(&m), expected[lod.index()], "{lod:?}");
    }
}

#[test]
fn torus_counts_per_lod() {
    // Circle profile n = 6, 9, 15, 24 and circular path s = n steps:
    // (n+1)² vertices, 2n² triangles, no caps.
    let expected = [(49, 72), (100, 162), (256, 450), (625, 1152)];
    for (lod, m) in Lod::ALL.iter().zip(prim_lods(&torus())) {
        assert_eq!(counts(&m), expected[lod.index()], "{lod:?}");
    }
}

#[test]
fn tube_counts_per_lod() {
    // Square profile on a circular path: each side is split by
    // floor(0.66 × detail) = 0, 0, 1, 2 extra points so it bends with the
    // path: 4 faces × (split+2) points × (s+1) rings, s = 6, 9, 15, 24;
    // triangles 4 × (split+1) × 2s.
    let expected = [(56, 48), (80, 72), (192, 240), (400, 576)];
    for (lod, m) in Lod::ALL.iter().zip(prim_lods(&tube())) {
        assert_eq!(counts(&m), expected[lod.index()], "{lod:?}");
    }
}

#[test]
fn twisted_box_gets_path_steps() {
    // Half a turn: floor(1 × 3.5 × (detail - 0.5)) + 2 = 3, 5, 9, 14 rings,
    // and split 0, 0, 1, 2. Sides 4 × (split+2) × rings; caps 4(split+1) each.
    let s = PrimShape {
        path_twist: 1.0,
        ..cube()
    };
    let expected = [
        (4 * 2 * 3 + 8),
        (4 * 2 * 5 + 8),
        (4 * 3 * 9 + 16),
        (4 * 4 * 14 + 24),
    ];
    for (lod, m) in Lod::ALL.iter().zip(prim_lods(&s)) {
        assert_eq!(m.vertices.len(), expected[lod.index()], "{lod:?}");
    }
}

#[test]
fn counts_strictly_increase_with_lod_for_curved_shapes() {
    for (name, base) in all_shapes() {
        if name == "box" || name == "prism" || name == "triangular prism" {
            continue;
        }
        for (variant, shape) in variants(base) {
            let lods = prim_lods(&shape);
            for w in lods.windows(2) {
                assert!(
                    w[1].vertices.len() > w[0].vertices.len()
                        && w[1].indices.len() > w[0].indices.len(),
                    "{name} / {variant}: {:?} then {:?}",
                    counts(&w[0]),
                    counts(&w[1])
                );
            }
        }
    }
}

#[test]
fn standard_shapes_fill_but_stay_inside_the_unit_box() {
    for (name, shape) in all_shapes() {
        let triangular = matches!(shape.profile, ProfileShape::EqualTriangle);
        let (lo, hi) = bounds(&build_prim_mesh(&shape, Lod::High));
        assert!(
            lo.cmpge(Vec3::splat(-0.5 - 1e-6)).all() && hi.cmple(Vec3::splat(0.5 + 1e-6)).all(),
            "{name}: bounds {lo} .. {hi}"
        );
        // Square and round profiles reach the box on at least two axes.
        // SL's triangle (radius 0.5 about the centre) does not fill it.
        let touching = (hi - lo).to_array().iter().filter(|e| **e > 0.999).count();
        assert!(triangular || touching >= 2, "{name}: extent {}", hi - lo);
    }
}

#[test]
fn sphere_vertices_lie_on_the_sphere_with_radial_normals() {
    let m = build_prim_mesh(&sphere(), Lod::High);
    for v in &m.vertices {
        let p = Vec3::from_array(v.position);
        assert!((p.length() - 0.5).abs() < 1e-5, "{p}");
        let n = Vec3::from_array(v.normal);
        assert!(n.dot(p.normalize()) > 0.97, "normal {n} at {p}");
    }
}

#[test]
fn meshing_is_deterministic() {
    for (_, shape) in all_shapes() {
        for lod in Lod::ALL {
            assert_eq!(build_prim_mesh(&shape, lod), build_prim_mesh(&shape, lod));
        }
    }
}

#[test]
fn degenerate_parameters_are_clamped_not_fatal() {
    let cases = [
        PrimShape {
            path_begin: 0.7,
            path_end: 0.3,
            ..cylinder()
        },
        PrimShape {
            path_begin: 0.5,
            path_end: 0.5,
            ..torus()
        },
        PrimShape {
            profile_hollow: 0.99,
            hole: HoleShape::Square,
            ..cylinder()
        },
        PrimShape {
            profile_hollow: f32::NAN,
            path_twist: f32::INFINITY,
            path_scale_x: f32::NAN,
            ..tube()
        },
    ];
    for (i, shape) in cases.iter().enumerate() {
        for lod in Lod::ALL {
            let name = format!("case {i} {lod:?}");
            let m = build_prim_mesh(shape, lod);
            assert_finite_and_valid(&name, &m);
            assert_watertight(&name, &m, false);
            assert!(signed_volume(&m) > 0.0, "{name}");
        }
    }
    // NaN reads as the default: the same mesh as the plain tube.
    assert_eq!(
        build_prim_mesh(&cases[3], Lod::Low),
        build_prim_mesh(&tube(), Lod::Low)
    );
}

// ---- randomized parameters ----

fn float(lo: f32, hi: f32) -> impl Strategy<Value = f32> {
    prop_oneof![
        3 => lo..=hi,
        1 => Just(lo),
        1 => Just(hi),
        1 => Just(0.0f32),
        1 => prop_oneof![
            Just(f32::NAN),
            Just(f32::INFINITY),
            Just(f32::NEG_INFINITY),
            Just(-1e30f32),
            Just(1e30f32),
            (lo - 2.0)..(hi + 2.0),
        ],
    ]
}

fn any_shape() -> impl Strategy<Value = PrimShape> {
    let enums = (
        prop_oneof![
            Just(PathCurve::Line),
            Just(PathCurve::Circle),
            Just(PathCurve::Circle2),
            Just(PathCurve::Test),
            Just(PathCurve::Flexible),
        ],
        prop_oneof![
            Just(ProfileShape::Circle),
            Just(ProfileShape::Square),
            Just(ProfileShape::IsoTriangle),
            Just(ProfileShape::EqualTriangle),
            Just(ProfileShape::RightTriangle),
            Just(ProfileShape::HalfCircle),
        ],
        prop_oneof![
            Just(HoleShape::Same),
            Just(HoleShape::Circle),
            Just(HoleShape::Square),
            Just(HoleShape::Triangle),
        ],
    );
    let path = (
        float(0.0, 1.0),
        float(0.0, 1.0),
        float(0.0, 2.0),
        float(0.0, 2.0),
        float(-0.5, 0.5),
        float(-0.5, 0.5),
        float(-1.0, 1.0),
        float(-1.0, 1.0),
    );
    let circle = (
        float(-1.0, 1.0),
        float(-1.0, 1.0),
        float(-1.0, 1.0),
        float(1.0, 4.0),
        float(-1.0, 1.0),
    );
    let profile = (float(0.0, 1.0), float(0.0, 1.0), float(0.0, 0.99));
    (enums, path, circle, profile).prop_map(
        |((pc, ps, hs), (pb, pe, sx, sy, hx, hy, tw, twb), (ro, tx, ty, rev, sk), (fb, fe, ho))| {
            PrimShape {
                path: pc,
                profile: ps,
                hole: hs,
                path_begin: pb,
                path_end: pe,
                path_scale_x: sx,
                path_scale_y: sy,
                path_shear_x: hx,
                path_shear_y: hy,
                path_twist: tw,
                path_twist_begin: twb,
                path_radius_offset: ro,
                path_taper_x: tx,
                path_taper_y: ty,
                path_revolutions: rev,
                path_skew: sk,
                profile_begin: fb,
                profile_end: fe,
                profile_hollow: ho,
            }
        },
    )
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 400, ..ProptestConfig::default() })]

    #[test]
    fn any_parameters_give_a_finite_bounded_mesh(shape in any_shape()) {
        for lod in Lod::ALL {
            let name = format!("{shape:?} {lod:?}");
            let m = build_prim_mesh(&shape, lod);
            assert_finite_and_valid(&name, &m);
            // Twist can turn a corner (0.71 from the axis) onto an axis and
            // shear moves the top by up to 0.5; nothing goes further.
            if m.vertices.is_empty() {
                continue; // a zero-size prim (hole size 0 × 0) has no surface
            }
            let (lo, hi) = bounds(&m);
            let reach = lo.abs().max(hi.abs()).max_element();
            prop_assert!(reach <= 1.25, "{}: reach {}", name, reach);
            let plain = |v: f32| v == 0.0;
            if [shape.path_twist, shape.path_twist_begin, shape.path_shear_x, shape.path_shear_y]
                .into_iter()
                .all(plain)
            {
                prop_assert!(reach <= 0.5 + 1e-5, "{}: untwisted, unsheared reach {}", name, reach);
            }
        }
    }
}

//! Prim volumes: a profile swept along a path into an indexed mesh, the
//! way Second Life's `LLVolume` builds them, at unit size (-0.5..0.5).

use glam::{Vec2, Vec3};
use kestrel_protocol::object_data::PrimShape;

use super::cap::triangulate_cap;
use super::lod::Lod;
use super::params::{PathKind, VolumeParams};
use super::path::{Path, Ring, build_path};
use super::profile::{Cap, ProfileFace, ProfileFaceKind, build_profile};
use super::{FaceRange, MeshData, Vertex};

/// Which part of a prim a face is. The position of a face in
/// [`PrimVolume::faces`] is its texture-entry index (SL's order: top cap,
/// outer sides, hollow, bottom cap, cut walls; absent faces are skipped).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PrimFaceKind {
    /// The cap where the path ends (the top of a box).
    Top,
    /// An outer side; `side` is the profile edge (0 for round profiles).
    Outer {
        /// Profile edge index (0..4 for squares, 0..3 for triangles).
        side: u8,
    },
    /// The hollow's wall.
    Inner,
    /// The cap where the path begins (the bottom of a box).
    Bottom,
    /// The profile-cut wall at the cut's begin.
    ProfileBegin,
    /// The profile-cut wall at the cut's end.
    ProfileEnd,
}

/// A contiguous run of triangles belonging to one prim face.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PrimFace {
    /// What the face is.
    pub kind: PrimFaceKind,
    /// First index (into [`MeshData::indices`]) of the face's triangles.
    pub first_index: u32,
    /// Number of indices (three per triangle).
    pub index_count: u32,
}

/// A prim mesh with its faces (for per-face textures).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct PrimVolume {
    /// All faces' vertices and triangles.
    pub mesh: MeshData,
    /// The faces in texture-entry order.
    pub faces: Vec<PrimFace>,
}

/// Builds the unit-size mesh of `shape` at `lod`. Pure and deterministic;
/// out-of-range or non-finite parameters are clamped, never rejected.
pub fn build_prim_mesh(shape: &PrimShape, lod: Lod) -> MeshData {
    let volume = build_prim_volume(shape, lod);
    let mut mesh = volume.mesh;
    mesh.faces = volume
        .faces
        .iter()
        .map(|f| FaceRange {
            first: f.first_index,
            count: f.index_count,
        })
        .collect();
    mesh
}

/// [`build_prim_mesh`] at every level, coarsest first (index = [`Lod::index`]).
pub fn prim_lods(shape: &PrimShape) -> [MeshData; 4] {
    Lod::ALL.map(|lod| build_prim_mesh(shape, lod))
}

/// Builds the unit-size mesh of `shape` at `lod`, with its face ranges.
pub fn build_prim_volume(shape: &PrimShape, lod: Lod) -> PrimVolume {
    let params = VolumeParams::from_shape(shape);
    let detail = lod.detail();
    let split = params.split(detail);
    let profile = build_profile(&params, detail, split);
    let path = build_path(&params, detail, split, profile.turn_segments);

    let mut b = Builder {
        // The profile's points were turned half a turn for circular paths
        // (see `build_profile`); SL maps cap texture coordinates from the
        // unturned profile.
        cap_uv_turned: params.path == PathKind::Circle,
        ..Builder::default()
    };
    let first = path.rings[0];
    let last = path.rings[path.rings.len() - 1];
    if !path.closed {
        b.cap(&profile.cap, &last, true);
    }
    let mut walls = Vec::new();
    let mut i = 0;
    while i < profile.faces.len() {
        let face = &profile.faces[i];
        match face.kind {
            ProfileFaceKind::Outer { side } => {
                let start = b.mesh.indices.len();
                b.side(face, &path);
                b.finish_face(PrimFaceKind::Outer { side }, start);
                i += 1;
            }
            ProfileFaceKind::Inner => {
                // The hollow is one prim face even when its polygon edges
                // are shaded flat.
                let start = b.mesh.indices.len();
                while i < profile.faces.len() && profile.faces[i].kind == ProfileFaceKind::Inner {
                    b.side(&profile.faces[i], &path);
                    i += 1;
                }
                b.finish_face(PrimFaceKind::Inner, start);
            }
            ProfileFaceKind::CutBegin | ProfileFaceKind::CutEnd => {
                walls.push(face);
                i += 1;
            }
        }
    }
    if !path.closed {
        b.cap(&profile.cap, &first, false);
    }
    for wall in walls {
        let start = b.mesh.indices.len();
        b.side(wall, &path);
        let kind = if wall.kind == ProfileFaceKind::CutBegin {
            PrimFaceKind::ProfileBegin
        } else {
            PrimFaceKind::ProfileEnd
        };
        b.finish_face(kind, start);
    }
    PrimVolume {
        mesh: b.mesh,
        faces: b.faces,
    }
}

/// Accumulates faces into one mesh.
#[derive(Default)]
struct Builder {
    mesh: MeshData,
    faces: Vec<PrimFace>,
    /// Scratch: per-vertex normal sums of the face being built.
    acc: Vec<Vec3>,
    /// Cap points are the profile turned half a turn: undo it for UVs.
    cap_uv_turned: bool,
}

/// Twice the triangle's area along its normal.
#[inline]
fn tri_normal(a: Vec3, b: Vec3, c: Vec3) -> Vec3 {
    (b - a).cross(c - a)
}

/// The interior angles at `a`, `b` and `c`.
fn corner_angles(a: Vec3, b: Vec3, c: Vec3) -> [f32; 3] {
    let angle = |p: Vec3, q: Vec3, r: Vec3| {
        let (u, v) = ((q - p).normalize_or_zero(), (r - p).normalize_or_zero());
        u.dot(v).clamp(-1.0, 1.0).acos()
    };
    [angle(a, b, c), angle(b, c, a), angle(c, a, b)]
}

/// Whether two corners coincide: such a triangle has no edges worth
/// keeping and is dropped. (Collinear triangles with distinct corners are
/// kept: where a cap collapses to a line they still stitch its edges.)
#[inline]
fn collapsed(a: Vec3, b: Vec3, c: Vec3) -> bool {
    a == b || b == c || a == c
}

fn pos(v: &Vertex) -> Vec3 {
    Vec3::from_array(v.position)
}

impl Builder {
    /// Records the face made of the indices pushed since `start`, if any.
    fn finish_face(&mut self, kind: PrimFaceKind, start: usize) {
        let count = self.mesh.indices.len() - start;
        if count > 0 {
            self.faces.push(PrimFace {
                kind,
                first_index: start as u32,
                index_count: count as u32,
            });
        }
    }

    /// Sweeps one profile face along the path: a grid of rings × points,
    /// two triangles per cell, normals smoothed within the face.
    fn side(&mut self, face: &ProfileFace, path: &Path) {
        let m = face.points.len();
        let r = path.rings.len();
        if m < 2 || r < 2 {
            return;
        }
        let base = self.mesh.vertices.len();
        self.mesh.vertices.reserve(m * r);
        for ring in &path.rings {
            // Texture V runs top to bottom (wgpu's convention): the path
            // start is the bottom of the image.
            let v = 1.0 - ring.t;
            for (p, &u) in face.points.iter().zip(&face.u) {
                self.mesh.vertices.push(Vertex {
                    position: ring.apply(*p).to_array(),
                    normal: [0.0; 3],
                    uv: [u, v],
                });
            }
        }
        self.acc.clear();
        self.acc.resize(m * r, Vec3::ZERO);
        let index_start = self.mesh.indices.len();
        for ri in 0..r - 1 {
            for i in 0..m - 1 {
                let a = ri * m + i;
                let (b, c, d) = (a + 1, a + m + 1, a + m);
                // Split along the shorter diagonal: a twisted cell leans,
                // and its long diagonal would cut across the surface.
                let v = &self.mesh.vertices;
                let ac = pos(&v[base + a]).distance_squared(pos(&v[base + c]));
                let bd = pos(&v[base + b]).distance_squared(pos(&v[base + d]));
                if bd < ac * (1.0 - 1e-4) {
                    self.grid_triangle(base, [a, b, d]);
                    self.grid_triangle(base, [b, c, d]);
                } else {
                    self.grid_triangle(base, [a, b, c]);
                    self.grid_triangle(base, [a, c, d]);
                }
            }
        }
        if self.mesh.indices.len() == index_start {
            // Every cell collapsed (a cut wall lying on the axis of a
            // sphere): the face covers nothing, drop its vertices.
            self.mesh.vertices.truncate(base);
            return;
        }
        self.weld_seams(base, m, r, face.closed, path.closed);
        for ri in 0..r {
            for i in 0..m {
                let n = self.acc[ri * m + i];
                let n = if n.length_squared() > 1e-24 {
                    n.normalize()
                } else {
                    fallback_normal(face, i, &path.rings[ri])
                };
                self.mesh.vertices[base + ri * m + i].normal = n.to_array();
            }
        }
    }

    /// Emits a triangle of the face grid (local indices) unless it is
    /// collapsed, adding its unit normal to each corner weighted by the
    /// corner's angle. (Angle weighting, unlike area weighting, lets a
    /// big face not drown a small one: at the tip of a flat ellipse both
    /// sides count equally, so the normal stays between them.)
    fn grid_triangle(&mut self, base: usize, t: [usize; 3]) {
        let v = &self.mesh.vertices;
        let [a, b, c] = t.map(|k| pos(&v[base + k]));
        if collapsed(a, b, c) {
            return;
        }
        let weights = corner_angles(a, b, c);
        let n = tri_normal(a, b, c).normalize_or_zero();
        for (&k, w) in t.iter().zip(weights) {
            self.acc[k] += n * w;
            self.mesh.indices.push((base + k) as u32);
        }
    }

    /// Shares normal sums between grid vertices that are the same surface
    /// point: a collapsed column (a sphere's pole), the seam of a closed
    /// path (first ring = last ring) and of a closed profile loop.
    fn weld_seams(
        &mut self,
        base: usize,
        m: usize,
        r: usize,
        face_closed: bool,
        path_closed: bool,
    ) {
        let verts = &self.mesh.vertices[base..base + m * r];
        for i in 0..m {
            let p0 = verts[i].position;
            if (1..r).all(|ri| {
                let q = verts[ri * m + i].position;
                q[0] == p0[0] && q[1] == p0[1] && q[2] == p0[2]
            }) {
                let sum: Vec3 = (0..r).map(|ri| self.acc[ri * m + i]).sum();
                for ri in 0..r {
                    self.acc[ri * m + i] = sum;
                }
            }
        }
        if path_closed {
            for i in 0..m {
                let sum = self.acc[i] + self.acc[(r - 1) * m + i];
                self.acc[i] = sum;
                self.acc[(r - 1) * m + i] = sum;
            }
        }
        if face_closed {
            for ri in 0..r {
                let sum = self.acc[ri * m] + self.acc[ri * m + m - 1];
                self.acc[ri * m] = sum;
                self.acc[ri * m + m - 1] = sum;
            }
        }
    }

    /// Adds an end cap on `ring`: facing along the path at its end (`top`),
    /// against it at its start.
    fn cap(&mut self, cap: &Cap, ring: &Ring, top: bool) {
        let (points, tris) = triangulate_cap(cap);
        let normal = if top { ring.tangent() } else { -ring.tangent() };
        let normal = normal.normalize_or(Vec3::Z).to_array();
        let base = self.mesh.vertices.len();
        for p in &points {
            // Planar mapping of the profile square, as SL's
            // LLVolumeFace::createCap: (x + 0.5, y + 0.5) in GL's t-up
            // texture space on the top, t mirrored (0.5 - y) on the bottom
            // so the picture reads correctly from below. Our v runs down
            // (v = 1 - t): top v = 0.5 - y, bottom v = 0.5 + y.
            let q = if self.cap_uv_turned { -*p } else { *p };
            let v = if top { 0.5 - q.y } else { 0.5 + q.y };
            self.mesh.vertices.push(Vertex {
                position: ring.apply(*p).to_array(),
                normal,
                uv: [q.x + 0.5, v],
            });
        }
        let start = self.mesh.indices.len();
        for t in tris {
            let t = if top { t } else { [t[0], t[2], t[1]] };
            let v = &self.mesh.vertices;
            let [a, b, c] = t.map(|k| pos(&v[base + k as usize]));
            if collapsed(a, b, c) {
                continue;
            }
            self.mesh.indices.extend(t.map(|k| base as u32 + k));
        }
        if self.mesh.indices.len() == start {
            self.mesh.vertices.truncate(base);
            return;
        }
        let kind = if top {
            PrimFaceKind::Top
        } else {
            PrimFaceKind::Bottom
        };
        self.finish_face(kind, start);
    }
}

/// A normal for a vertex whose triangles all have zero area (a collapsed
/// edge): the profile edge's outward normal carried by the ring.
fn fallback_normal(face: &ProfileFace, i: usize, ring: &Ring) -> Vec3 {
    let m = face.points.len();
    let d: Vec2 = face.points[(i + 1).min(m - 1)] - face.points[i.saturating_sub(1)];
    let n = ring.rot * Vec3::new(d.y, -d.x, 0.0);
    n.normalize_or(ring.tangent())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// UV of the vertex of `face` at `pos` (unit box coordinates).
    fn uv_at(volume: &PrimVolume, face: PrimFaceKind, pos: [f32; 3]) -> [f32; 2] {
        let f = volume
            .faces
            .iter()
            .find(|f| f.kind == face)
            .unwrap_or_else(|| panic!("no {face:?}"));
        let range = f.first_index as usize..(f.first_index + f.index_count) as usize;
        volume.mesh.indices[range]
            .iter()
            .map(|&i| volume.mesh.vertices[i as usize])
            .find(|v| Vec3::from(v.position).distance(Vec3::from(pos)) < 1e-5)
            .unwrap_or_else(|| panic!("{face:?} has no vertex at {pos:?}"))
            .uv
    }

    #[test]
    fn box_uvs_follow_the_reference_viewer() {
        // Texture v runs down the image (row 0 at the top), SL's t runs up.
        let b = build_prim_volume(&PrimShape::BOX, Lod::High);
        // Top: x+0.5, 0.5-y: upright seen from above with north up.
        assert_eq!(uv_at(&b, PrimFaceKind::Top, [-0.5, -0.5, 0.5]), [0.0, 1.0]);
        assert_eq!(uv_at(&b, PrimFaceKind::Top, [0.5, 0.5, 0.5]), [1.0, 0.0]);
        // Bottom: x+0.5, 0.5+y (SL mirrors t, not s).
        assert_eq!(
            uv_at(&b, PrimFaceKind::Bottom, [-0.5, -0.5, -0.5]),
            [0.0, 0.0]
        );
        assert_eq!(
            uv_at(&b, PrimFaceKind::Bottom, [0.5, 0.5, -0.5]),
            [1.0, 1.0]
        );
        // The south side (side 0): u west to east, the image's bottom at the
        // bottom of the box.
        let side = PrimFaceKind::Outer { side: 0 };
        assert_eq!(uv_at(&b, side, [-0.5, -0.5, -0.5]), [0.0, 1.0]);
        assert_eq!(uv_at(&b, side, [0.5, -0.5, 0.5]), [1.0, 0.0]);
    }

    #[test]
    fn circular_path_caps_map_the_unturned_profile() {
        // SL sweeps circular paths with a half turn in the path's rotation
        // and maps caps from the unturned profile point p: top UV
        // (p.x + 0.5, 0.5 - p.y). With hole size 1 the path radius is 0; the
        // top cap (path end, half a revolution) then lies at
        // (-p.x, p.y, 0) after our turned profile (-p) is rotated by π
        // about x, so its UV is (0.5 - x, 0.5 - y).
        let mut shape = PrimShape::BOX;
        shape.path = kestrel_protocol::object_data::PathCurve::Circle;
        shape.path_end = 0.5;
        let v = build_prim_volume(&shape, Lod::Low);
        let top = v
            .faces
            .iter()
            .find(|f| f.kind == PrimFaceKind::Top)
            .unwrap();
        let range = top.first_index as usize..(top.first_index + top.index_count) as usize;
        for &i in &v.mesh.indices[range] {
            let vert = v.mesh.vertices[i as usize];
            let [x, y, _] = vert.position;
            let want = [0.5 - x, 0.5 - y];
            assert!(
                (vert.uv[0] - want[0]).abs() < 1e-5 && (vert.uv[1] - want[1]).abs() < 1e-5,
                "{:?} has uv {:?}, want {want:?}",
                vert.position,
                vert.uv
            );
        }
    }
}

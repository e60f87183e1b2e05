//! The 2D cross-section a prim sweeps along its path: the outer outline
//! (possibly cut), the hollow's outline, the walls that close a cut, and
//! the polygon that caps an open path.
//!
//! Coordinates are in the unit profile square (-0.5..0.5). Outlines run
//! counter-clockwise for the outer boundary, so "right of the direction of
//! travel" is always outward from the material.

use std::f64::consts::TAU;

use glam::Vec2;
use kestrel_protocol::object_data::{HoleShape, ProfileShape};

use super::params::{PathKind, VolumeParams};

/// Circle segments per unit of detail (SL's `MIN_DETAIL_FACES`).
const MIN_DETAIL_FACES: f32 = 6.0;
/// Radius that puts a square's corners at ±0.5.
const SQUARE_RADIUS: f64 = std::f64::consts::FRAC_1_SQRT_2;
/// A cut fraction closer than this to a vertex snaps to the vertex (SL).
const SNAP_FRACTION: f32 = 0.01;
/// Safety margin keeping a hollow strictly inside the outer outline.
const HOLLOW_MARGIN: f32 = 0.99;

/// Which prim face a profile segment sweeps into.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ProfileFaceKind {
    /// Outer side; `side` is the polygon edge (0 for circles).
    Outer { side: u8 },
    /// The hollow's wall.
    Inner,
    /// The cut wall that ends at the cut's begin.
    CutBegin,
    /// The cut wall that starts at the cut's end.
    CutEnd,
}

/// One smoothly shaded run of profile points; faces meet at hard edges.
#[derive(Debug, Clone)]
pub(crate) struct ProfileFace {
    pub kind: ProfileFaceKind,
    pub points: Vec<Vec2>,
    /// Texture U of each point.
    pub u: Vec<f32>,
    /// The last point repeats the first (a closed smooth loop's seam).
    pub closed: bool,
}

/// How an end cap of the swept volume is triangulated.
#[derive(Debug, Clone)]
pub(crate) enum Cap {
    /// A convex polygon, counter-clockwise, no repeated point.
    Convex(Vec<Vec2>),
    /// A polygon star-shaped about `center`: the outer run, then the center.
    Fan { outer: Vec<Vec2>, center: Vec2 },
    /// The band between the outer run and the hollow's run, both in order
    /// of increasing profile parameter; `closed` when each ends on its start.
    Ring {
        outer: Vec<Vec2>,
        hole: Vec<Vec2>,
        closed: bool,
    },
}

/// A profile ready to sweep.
#[derive(Debug, Clone)]
pub(crate) struct Profile {
    /// Outer faces, then inner faces, then the cut walls (SL's face order).
    pub faces: Vec<ProfileFace>,
    pub cap: Cap,
    /// Segments the finest outline would have over a whole turn (how far
    /// the profile may twist between rings before its quads fold).
    pub turn_segments: u32,
}

/// A point on an outline with its profile parameter.
#[derive(Debug, Clone, Copy)]
struct PPoint {
    pos: Vec2,
    t: f32,
    /// Lies on a polygon vertex (where flat faces split).
    corner: bool,
}

/// A regular polygon (a circle at some resolution), possibly covering only
/// part of a turn (`ang_scale` 0.5 for half circles).
#[derive(Debug, Clone, Copy)]
struct NGon {
    sides: u32,
    /// Angle of vertex 0, in turns.
    offset: f64,
    /// Fraction of a turn the whole outline spans.
    ang_scale: f64,
    radius: f64,
    /// Each edge is its own flat face (polygons) rather than one smooth face.
    flat: bool,
}

impl NGon {
    fn polygon(sides: u32, offset: f64, radius: f64) -> Self {
        NGon {
            sides,
            offset,
            ang_scale: 1.0,
            radius,
            flat: true,
        }
    }

    fn circle(sides: u32, offset: f64) -> Self {
        // Radius 0.5 at every resolution keeps the volume inside its box.
        NGon {
            sides: sides.max(3),
            offset,
            ang_scale: 1.0,
            radius: 0.5,
            flat: false,
        }
    }

    /// Segments over a whole turn, extra split points included.
    fn turn_segments(&self, split: u32) -> u32 {
        let per_edge = if self.flat { split + 1 } else { 1 };
        (f64::from(self.sides * per_edge) / self.ang_scale).round() as u32
    }

    fn half(self) -> Self {
        NGon {
            ang_scale: 0.5,
            ..self
        }
    }

    /// Vertex `k`, computed in f64 and snapped so that axis-aligned values
    /// are exact (square corners at exactly ±0.5, zeros exactly zero).
    fn vertex(&self, k: i64) -> Vec2 {
        let k = if self.ang_scale >= 1.0 {
            k.rem_euclid(i64::from(self.sides))
        } else {
            k
        };
        let a = TAU * (k as f64 / f64::from(self.sides) * self.ang_scale + self.offset);
        let snap = |v: f64| if v.abs() < 1e-9 { 0.0 } else { v as f32 };
        Vec2::new(snap(a.cos() * self.radius), snap(a.sin() * self.radius))
    }

    /// The whole outline's vertices (closed polygon; for a partial turn the
    /// closing edge is the chord between its ends).
    fn full_outline(&self) -> Vec<Vec2> {
        let n = if self.ang_scale >= 1.0 {
            self.sides
        } else {
            self.sides + 1
        };
        (0..i64::from(n)).map(|k| self.vertex(k)).collect()
    }

    /// The outline between profile parameters `begin` and `end` (0..1 over
    /// the whole outline): the cut points, every vertex strictly between
    /// them, and `split` evenly spaced extra points on every edge.
    fn points(&self, begin: f32, end: f32, split: u32) -> Vec<PPoint> {
        let sides = self.sides as f32;
        let sb = begin * sides;
        let se = end * sides;
        let k0 = sb.floor();
        let mut out: Vec<PPoint> =
            Vec::with_capacity(self.sides as usize * (split as usize + 1) + 2);
        let push = |out: &mut Vec<PPoint>, p: PPoint| {
            if let Some(&last) = out.last() {
                for s in 1..=split {
                    let f = s as f32 / (split + 1) as f32;
                    out.push(PPoint {
                        pos: last.pos.lerp(p.pos, f),
                        t: last.t + (p.t - last.t) * f,
                        corner: false,
                    });
                }
            }
            out.push(p);
        };
        let frac_b = sb - k0;
        if frac_b < 1.0 - SNAP_FRACTION {
            let k = k0 as i64;
            let pos = if frac_b <= 1e-6 {
                self.vertex(k)
            } else {
                self.vertex(k).lerp(self.vertex(k + 1), frac_b)
            };
            push(
                &mut out,
                PPoint {
                    pos,
                    t: begin,
                    corner: frac_b <= 1e-6,
                },
            );
        }
        let mut k = k0 as i64 + 1;
        while (k as f32) < se {
            push(
                &mut out,
                PPoint {
                    pos: self.vertex(k),
                    t: k as f32 / sides,
                    corner: true,
                },
            );
            k += 1;
        }
        let frac_e = se - (k - 1) as f32;
        if frac_e > SNAP_FRACTION || out.len() < 2 {
            let pos = if frac_e >= 1.0 - 1e-6 {
                self.vertex(k)
            } else {
                self.vertex(k - 1).lerp(self.vertex(k), frac_e)
            };
            push(
                &mut out,
                PPoint {
                    pos,
                    t: end,
                    corner: frac_e >= 1.0 - 1e-6,
                },
            );
        }
        if out.len() < 2 {
            // Unreachable with cuts at least MIN_CUT wide; keep two points
            // anyway so a face always has an edge.
            let a = self
                .vertex(k0 as i64)
                .lerp(self.vertex(k0 as i64 + 1), frac_b.min(1.0));
            out = vec![
                PPoint {
                    pos: a,
                    t: begin,
                    corner: false,
                },
                PPoint {
                    pos: self.vertex(k),
                    t: end,
                    corner: false,
                },
            ];
        }
        out
    }
}

/// Largest factor the hole outline can be scaled by while staying inside
/// the outer outline (both convex and centred on the origin).
fn max_hollow(outer: &NGon, hole: &NGon) -> f32 {
    let poly = outer.full_outline();
    let mut best = f32::MAX;
    for v in hole.full_outline() {
        let len = v.length();
        if len < 1e-6 {
            continue;
        }
        if let Some(dist) = ray_to_outline(v / len, &poly) {
            best = best.min(dist / len);
        }
    }
    if best == f32::MAX { 1.0 } else { best }
}

/// Distance from the origin along `dir` to the first edge of `poly` hit.
fn ray_to_outline(dir: Vec2, poly: &[Vec2]) -> Option<f32> {
    let mut best: Option<f32> = None;
    for (i, &a) in poly.iter().enumerate() {
        let e = poly[(i + 1) % poly.len()] - a;
        let denom = dir.perp_dot(e);
        if denom.abs() < 1e-12 {
            continue;
        }
        let s = a.perp_dot(e) / denom;
        let w = a.perp_dot(dir) / denom;
        if s > 1e-6 && (-1e-5..=1.0 + 1e-5).contains(&w) {
            best = Some(best.map_or(s, |b: f32| b.min(s)));
        }
    }
    best
}

/// The outer and hole outlines for a profile shape, and the factor SL
/// scales the hollow by for it (triangles use half, since a triangle
/// fills less of its box).
fn outlines(p: &VolumeParams, detail: f32) -> (NGon, NGon, f32) {
    let hollow = p.hollow > 0.0;
    let circle_detail = MIN_DETAIL_FACES * detail;
    match p.profile {
        ProfileShape::Square => {
            let outer = NGon::polygon(4, -0.375, SQUARE_RADIUS);
            let hole = match p.hole {
                HoleShape::Same | HoleShape::Square => outer,
                HoleShape::Circle => NGon::circle(circle_detail as u32, -0.375),
                // SL's (admittedly odd) offset for this combination.
                HoleShape::Triangle => NGon::polygon(3, -0.375, 0.5),
            };
            (outer, hole, 1.0)
        }
        ProfileShape::IsoTriangle | ProfileShape::EqualTriangle | ProfileShape::RightTriangle => {
            let outer = NGon::polygon(3, 0.0, 0.5);
            let hole = match p.hole {
                HoleShape::Same | HoleShape::Triangle => outer,
                HoleShape::Circle => NGon::circle(circle_detail as u32, 0.0),
                HoleShape::Square => NGon::polygon(4, 0.0, SQUARE_RADIUS),
            };
            (outer, hole, 0.5)
        }
        ProfileShape::Circle => {
            // A square hollow snaps the circle to a multiple of four sides
            // so the hole's corners line up with circle vertices.
            let sides = if hollow && p.hole == HoleShape::Square {
                (circle_detail / 4.0).ceil() * 4.0
            } else {
                circle_detail
            } as u32;
            let outer = NGon::circle(sides, 0.0);
            let hole = match p.hole {
                HoleShape::Same | HoleShape::Circle => outer,
                HoleShape::Square => NGon::polygon(4, 0.0, SQUARE_RADIUS),
                HoleShape::Triangle => NGon::polygon(3, 0.0, 0.5),
            };
            (outer, hole, 1.0)
        }
        ProfileShape::HalfCircle => {
            let half_detail = circle_detail * 0.5;
            let sides = if hollow && p.hole == HoleShape::Square {
                (half_detail / 2.0).ceil() * 2.0
            } else {
                half_detail
            } as u32;
            let outer = NGon::circle(sides, 0.5).half();
            let hole = match p.hole {
                HoleShape::Same | HoleShape::Circle => outer,
                HoleShape::Square => NGon::polygon(2, 0.5, SQUARE_RADIUS).half(),
                HoleShape::Triangle => NGon::polygon(3, 0.5, 0.5).half(),
            };
            (outer, hole, 1.0)
        }
    }
}

/// Splits an outline into faces: one per polygon edge for flat outlines,
/// a single smooth face otherwise. `inner` reverses each face (and their
/// order) so the hollow's walls face into the hole.
///
/// Texture U is SL's (LLProfile::generate, LLVolumeFace::createSide): on the
/// outside, the profile parameter times the number of sides, less the
/// side's start (0..1 per polygon side), or the parameter itself around a
/// circle. On the hollow, the hole's parameter times the box hollow
/// (`inner_u_scale`: SL scales the hole's points, texture coordinate
/// included, by the hollow), running backwards along the hollow's walls, so
/// the whole hollow shows one stretch of `inner_u_scale` of the texture,
/// mirrored as seen from inside (as in SL).
fn outline_faces(
    pts: &[PPoint],
    ngon: &NGon,
    inner: bool,
    inner_u_scale: f32,
    closed: bool,
    out: &mut Vec<ProfileFace>,
) {
    let mut faces = Vec::new();
    let sides = ngon.sides as f32;
    if ngon.flat {
        let mut start = 0;
        for i in 1..pts.len() {
            if pts[i].corner || i == pts.len() - 1 {
                let run = &pts[start..=i];
                let mid = 0.5 * (run[0].t + run[run.len() - 1].t);
                let side = (mid * sides).floor();
                let u = if inner {
                    run.iter().map(|q| q.t * inner_u_scale).collect()
                } else {
                    run.iter()
                        .map(|q| (q.t * sides - side).clamp(0.0, 1.0))
                        .collect()
                };
                let kind = if inner {
                    ProfileFaceKind::Inner
                } else {
                    ProfileFaceKind::Outer { side: side as u8 }
                };
                faces.push(ProfileFace {
                    kind,
                    points: run.iter().map(|q| q.pos).collect(),
                    u,
                    closed: false,
                });
                start = i;
            }
        }
    } else {
        faces.push(ProfileFace {
            kind: if inner {
                ProfileFaceKind::Inner
            } else {
                ProfileFaceKind::Outer { side: 0 }
            },
            points: pts.iter().map(|q| q.pos).collect(),
            u: if inner {
                pts.iter().map(|q| q.t * inner_u_scale).collect()
            } else {
                pts.iter().map(|q| q.t).collect()
            },
            closed,
        });
    }
    if inner {
        faces.reverse();
        for f in &mut faces {
            f.points.reverse();
            f.u.reverse();
        }
    }
    out.extend(faces);
}

/// Builds the profile for `p` at `detail`, with `split` extra points per
/// flat edge.
pub(crate) fn build_profile(p: &VolumeParams, detail: f32, split: u32) -> Profile {
    let (outer_ngon, hole_ngon, hollow_factor) = outlines(p, detail);
    let half = p.profile == ProfileShape::HalfCircle;
    let (begin, end) = (p.profile_begin, p.profile_end);
    // A full outline closes on itself; a half circle never does (its
    // diameter is closed by the cut walls).
    let closed = !half && begin <= 0.0 && end >= 1.0;

    let mut hollow = p.hollow * hollow_factor;
    if hollow > 0.0 {
        hollow = hollow.min(HOLLOW_MARGIN * max_hollow(&outer_ngon, &hole_ngon));
    }
    let split_for = |n: &NGon| if n.flat { split } else { 0 };

    let mut outer = outer_ngon.points(begin, end, split_for(&outer_ngon));
    let mut hole = if hollow > 0.0 {
        let mut h = hole_ngon.points(begin, end, split_for(&hole_ngon));
        for q in &mut h {
            q.pos *= hollow;
        }
        h
    } else {
        Vec::new()
    };
    if closed {
        // Make the seam exact: the last point is the first.
        let first = outer[0].pos;
        if let Some(last) = outer.last_mut() {
            last.pos = first;
        }
        if let Some(&h0) = hole.first()
            && let Some(last) = hole.last_mut()
        {
            last.pos = h0.pos;
        }
    }
    // SL turns the profile half a turn on circular paths; negating both
    // coordinates is that rotation, exactly.
    if p.path == PathKind::Circle {
        for q in outer.iter_mut().chain(hole.iter_mut()) {
            q.pos = -q.pos;
        }
    }

    let mut faces = Vec::new();
    outline_faces(&outer, &outer_ngon, false, 0.0, closed, &mut faces);
    if !hole.is_empty() {
        // SL's box hollow (before our fit limit, which only moves points).
        let inner_u_scale = p.hollow * hollow_factor;
        outline_faces(&hole, &hole_ngon, true, inner_u_scale, closed, &mut faces);
    }
    let center = Vec2::ZERO;
    let (o_first, o_last) = (outer[0].pos, outer[outer.len() - 1].pos);
    if !closed {
        let (begin_wall, end_wall) = match (hole.first(), hole.last()) {
            (Some(h_first), Some(h_last)) => ([h_first.pos, o_first], [o_last, h_last.pos]),
            _ => ([center, o_first], [o_last, center]),
        };
        faces.push(ProfileFace {
            kind: ProfileFaceKind::CutBegin,
            points: begin_wall.to_vec(),
            u: vec![0.0, 1.0],
            closed: false,
        });
        faces.push(ProfileFace {
            kind: ProfileFaceKind::CutEnd,
            points: end_wall.to_vec(),
            u: vec![0.0, 1.0],
            closed: false,
        });
    }

    let outer_pos: Vec<Vec2> = outer.iter().map(|q| q.pos).collect();
    let cap = if !hole.is_empty() {
        Cap::Ring {
            outer: outer_pos,
            hole: hole.iter().map(|q| q.pos).collect(),
            closed,
        }
    } else if closed {
        let mut poly = outer_pos;
        poly.pop();
        Cap::Convex(poly)
    } else {
        Cap::Fan {
            outer: outer_pos,
            center,
        }
    };
    let mut turn_segments = outer_ngon.turn_segments(split_for(&outer_ngon));
    if !hole.is_empty() {
        turn_segments = turn_segments.max(hole_ngon.turn_segments(split_for(&hole_ngon)));
    }
    Profile {
        faces,
        cap,
        turn_segments,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use kestrel_protocol::object_data::PrimShape;

    fn params(f: impl FnOnce(&mut PrimShape)) -> VolumeParams {
        let mut s = PrimShape::BOX;
        f(&mut s);
        VolumeParams::from_shape(&s)
    }

    #[test]
    fn square_corners_are_exact() {
        let prof = build_profile(&params(|_| {}), 1.0, 0);
        let corners: Vec<Vec2> = prof.faces.iter().map(|f| f.points[0]).collect();
        assert_eq!(
            corners,
            vec![
                Vec2::new(-0.5, -0.5),
                Vec2::new(0.5, -0.5),
                Vec2::new(0.5, 0.5),
                Vec2::new(-0.5, 0.5)
            ]
        );
        assert!(matches!(prof.cap, Cap::Convex(ref p) if p.len() == 4));
    }

    #[test]
    fn cut_square_has_partial_sides_and_walls() {
        // 0.125..0.625: half of side 0, side 1, and half of side 2.
        let prof = build_profile(
            &params(|s| {
                s.profile_begin = 0.125;
                s.profile_end = 0.625;
            }),
            1.0,
            0,
        );
        let kinds: Vec<_> = prof.faces.iter().map(|f| f.kind).collect();
        assert_eq!(
            kinds,
            vec![
                ProfileFaceKind::Outer { side: 0 },
                ProfileFaceKind::Outer { side: 1 },
                ProfileFaceKind::Outer { side: 2 },
                ProfileFaceKind::CutBegin,
                ProfileFaceKind::CutEnd
            ]
        );
        assert_eq!(prof.faces[0].points[0], Vec2::new(0.0, -0.5));
        assert_eq!(prof.faces[0].u, vec![0.5, 1.0]);
    }

    #[test]
    fn hollow_u_is_the_hole_parameter_times_the_hollow_running_backwards() {
        // SL: the hole's texture coordinate is scaled with its points, and
        // the hole is walked backwards (LLProfile::addHole).
        let prof = build_profile(&params(|s| s.profile_hollow = 0.5), 1.0, 0);
        let inner: Vec<f32> = prof
            .faces
            .iter()
            .filter(|f| f.kind == ProfileFaceKind::Inner)
            .flat_map(|f| f.u.iter().copied())
            .collect();
        assert_eq!(inner.first(), Some(&0.5));
        assert_eq!(inner.last(), Some(&0.0));
        assert!(inner.windows(2).all(|w| w[0] >= w[1]), "{inner:?}");
        // Outer sides: 0..1 per side.
        let outer = &prof.faces[0];
        assert_eq!(outer.u, vec![0.0, 1.0]);
    }

    #[test]
    fn square_hole_in_circle_is_kept_inside() {
        let p = params(|s| {
            s.profile = ProfileShape::Circle;
            s.hole = HoleShape::Square;
            s.profile_hollow = 0.99;
        });
        let prof = build_profile(&p, 1.0, 0);
        let Cap::Ring { hole, .. } = &prof.cap else {
            panic!("hollow profile must cap as a ring")
        };
        // Diamond corners at 0.707 × hollow must stay within the radius 0.5 circle.
        assert!(hole.iter().all(|h| h.length() < 0.5));
    }
}

//! Triangulating the polygon that closes an open path's ends.

use glam::Vec2;

use super::profile::Cap;

/// Twice the signed area of triangle `a b c` (positive when counter-clockwise).
fn area2(a: Vec2, b: Vec2, c: Vec2) -> f32 {
    (b - a).perp_dot(c - a)
}

/// The cap's distinct points and its counter-clockwise triangles (indices
/// into those points), in the profile plane.
pub(crate) fn triangulate_cap(cap: &Cap) -> (Vec<Vec2>, Vec<[u32; 3]>) {
    match cap {
        Cap::Convex(poly) => (poly.clone(), strip(poly.len())),
        Cap::Fan { outer, center } => {
            let mut points = outer.clone();
            points.push(*center);
            let c = outer.len() as u32;
            let tris = (0..outer.len().saturating_sub(1) as u32)
                .map(|i| [c, i, i + 1])
                .collect();
            (points, tris)
        }
        Cap::Ring {
            outer,
            hole,
            closed,
        } => ring(outer, hole, *closed),
    }
}

/// A convex polygon of `n` points, triangulated by alternating from both
/// ends (better shaped triangles than a fan from one vertex).
fn strip(n: usize) -> Vec<[u32; 3]> {
    let mut tris = Vec::with_capacity(n.saturating_sub(2));
    if n < 3 {
        return tris;
    }
    let (mut l, mut r) = (0u32, n as u32 - 1);
    let mut from_left = true;
    while r - l >= 2 {
        if from_left {
            tris.push([l, l + 1, r]);
            l += 1;
        } else {
            tris.push([l, r - 1, r]);
            r -= 1;
        }
        from_left = !from_left;
    }
    tris
}

/// The band between two runs that advance together around the profile.
/// First zips them, at each step taking the triangle that is
/// counter-clockwise and, if both are, the one with the shorter new
/// diagonal. A zip of counter-clockwise triangles bounded by the band's
/// outline covers it exactly once; where the band is too thin for that
/// (a hollow almost touching the outline), it is ear-clipped instead.
fn ring(outer: &[Vec2], hole: &[Vec2], closed: bool) -> (Vec<Vec2>, Vec<[u32; 3]>) {
    let (no, nh) = (outer.len(), hole.len());
    // A closed run repeats its first point last; the cap reuses the first.
    let o_unique = if closed { no - 1 } else { no };
    let h_unique = if closed { nh - 1 } else { nh };
    let mut points = Vec::with_capacity(o_unique + h_unique);
    points.extend_from_slice(&outer[..o_unique]);
    points.extend_from_slice(&hole[..h_unique]);
    let o_id = |i: usize| (i % o_unique) as u32;
    let h_id = |j: usize| (o_unique + j % h_unique) as u32;

    let mut tris = Vec::with_capacity(no + nh);
    let (mut i, mut j) = (0, 0);
    while i + 1 < no || j + 1 < nh {
        let advance_outer = if i + 1 == no {
            false
        } else if j + 1 == nh {
            true
        } else {
            let a_ok = area2(outer[i], outer[i + 1], hole[j]) > 0.0;
            let b_ok = area2(outer[i], hole[j + 1], hole[j]) > 0.0;
            match (a_ok, b_ok) {
                (true, false) => true,
                (false, true) => false,
                _ => {
                    outer[i + 1].distance_squared(hole[j]) <= outer[i].distance_squared(hole[j + 1])
                }
            }
        };
        if advance_outer {
            tris.push([o_id(i), o_id(i + 1), h_id(j)]);
            i += 1;
        } else {
            tris.push([o_id(i), h_id(j + 1), h_id(j)]);
            j += 1;
        }
    }
    let valid = tris.iter().all(|t| {
        let [a, b, c] = t.map(|k| points[k as usize]);
        area2(a, b, c) > 0.0
    });
    if !valid {
        // The band's outline as one simple polygon: the outer run, then
        // the hole backwards; a closed band is opened by a bridge between
        // the two runs' first points (both at profile parameter 0).
        let mut poly: Vec<u32> = (0..o_unique as u32).collect();
        if closed {
            poly.push(0);
            poly.push(o_unique as u32);
        }
        poly.extend((0..h_unique as u32).rev().map(|j| o_unique as u32 + j));
        if let Some(clipped) = ear_clip(&points, poly) {
            tris = clipped;
        }
    }
    (points, tris)
}

/// Ear-clips the simple counter-clockwise polygon `poly` (indices into
/// `points`; a bridge may repeat points). `None` if it finds no ear
/// (numerically degenerate input).
fn ear_clip(points: &[Vec2], mut poly: Vec<u32>) -> Option<Vec<[u32; 3]>> {
    let p = |k: u32| points[k as usize];
    let mut tris = Vec::with_capacity(poly.len().saturating_sub(2));
    while poly.len() > 3 {
        let n = poly.len();
        let ear = (0..n).find(|&i| {
            let (a, b, c) = (poly[(i + n - 1) % n], poly[i], poly[(i + 1) % n]);
            let (pa, pb, pc) = (p(a), p(b), p(c));
            if area2(pa, pb, pc) <= 0.0 {
                return false;
            }
            // No other outline point inside or on the ear (a point equal
            // to a corner, like a bridge's twin, does not count).
            poly.iter().all(|&k| {
                let q = p(k);
                q == pa
                    || q == pb
                    || q == pc
                    || area2(pa, pb, q) < 0.0
                    || area2(pb, pc, q) < 0.0
                    || area2(pc, pa, q) < 0.0
            })
        })?;
        tris.push([poly[(ear + n - 1) % n], poly[ear], poly[(ear + 1) % n]]);
        poly.remove(ear);
    }
    if poly.len() == 3 {
        tris.push([poly[0], poly[1], poly[2]]);
    }
    Some(tris)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strip_covers_a_convex_polygon_counter_clockwise() {
        let sq = vec![
            Vec2::new(-0.5, -0.5),
            Vec2::new(0.5, -0.5),
            Vec2::new(0.5, 0.5),
            Vec2::new(-0.5, 0.5),
        ];
        let (pts, tris) = triangulate_cap(&Cap::Convex(sq));
        assert_eq!(tris.len(), 2);
        let total: f32 = tris
            .iter()
            .map(|t| area2(pts[t[0] as usize], pts[t[1] as usize], pts[t[2] as usize]))
            .inspect(|a| assert!(*a > 0.0))
            .sum();
        assert!((total - 2.0).abs() < 1e-6, "area {total}");
    }

    #[test]
    fn thin_bands_are_still_covered_exactly_once() {
        // A 24-gon hole almost touching a triangle's sides: the zip alone
        // would fold; every triangle must be counter-clockwise and the
        // areas must add up to the band's.
        let tri: Vec<Vec2> = (0..=3)
            .map(|k| {
                let a = std::f32::consts::TAU * k as f32 / 3.0;
                Vec2::new(a.cos(), a.sin()) * 0.5
            })
            .collect();
        let circle: Vec<Vec2> = (0..=24)
            .map(|k| {
                let a = std::f32::consts::TAU * k as f32 / 24.0;
                Vec2::new(a.cos(), a.sin()) * 0.2375
            })
            .collect();
        let mut outer = tri;
        outer[3] = outer[0];
        let mut hole = circle;
        hole[24] = hole[0];
        let poly_area =
            |pts: &[Vec2]| 0.5 * pts.windows(2).map(|w| w[0].perp_dot(w[1])).sum::<f32>();
        let band = poly_area(&outer) - poly_area(&hole);
        let (pts, tris) = triangulate_cap(&Cap::Ring {
            outer,
            hole,
            closed: true,
        });
        let total: f32 = tris
            .iter()
            .map(|t| area2(pts[t[0] as usize], pts[t[1] as usize], pts[t[2] as usize]))
            .inspect(|a| assert!(*a > 0.0, "clockwise triangle"))
            .sum::<f32>()
            * 0.5;
        assert!((total - band).abs() < 1e-5, "area {total} vs band {band}");
    }

    #[test]
    fn ring_covers_the_band_between_squares() {
        let outer: Vec<Vec2> = [(-1., -1.), (1., -1.), (1., 1.), (-1., 1.), (-1., -1.)]
            .iter()
            .map(|&(x, y)| Vec2::new(x, y) * 0.5)
            .collect();
        let hole: Vec<Vec2> = outer.iter().map(|p| *p * 0.5).collect();
        let (pts, tris) = triangulate_cap(&Cap::Ring {
            outer,
            hole,
            closed: true,
        });
        assert_eq!(pts.len(), 8);
        assert_eq!(tris.len(), 8);
        let total: f32 = tris
            .iter()
            .map(|t| area2(pts[t[0] as usize], pts[t[1] as usize], pts[t[2] as usize]))
            .inspect(|a| assert!(*a > 0.0))
            .sum::<f32>()
            * 0.5;
        assert!((total - 0.75).abs() < 1e-6, "area {total}");
    }
}

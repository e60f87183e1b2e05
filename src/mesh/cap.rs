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

/// The band between two runs that advance together around the profile:
/// zips them, at each step taking the triangle that is counter-clockwise
/// and, if both are, the one with the shorter new diagonal.
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
    (points, tris)
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

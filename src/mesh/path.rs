//! The path a profile is swept along: a list of rings, each placing the
//! 2D profile in object space (position, rotation, per-axis scale).

use std::f32::consts::{PI, TAU};

use glam::{Mat3, Vec2, Vec3};

use super::params::{PathKind, VolumeParams};

/// Path steps per unit of detail on a circular path (SL's `MIN_DETAIL_FACES`).
const MIN_DETAIL_FACES: f32 = 6.0;
/// Extra path points per unit of twist per unit of detail (SL's factor).
const TWIST_DETAIL: f32 = 3.5;
/// Interior path points closer than this to a cut are dropped (slivers).
const MIN_STEP: f32 = 1e-4;

/// One placement of the profile along the path.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Ring {
    pub pos: Vec3,
    /// Orthonormal; maps the profile plane (XY) and the path tangent (Z).
    pub rot: Mat3,
    pub scale: Vec2,
    /// Path parameter (0..1), used as the texture V source.
    pub t: f32,
}

impl Ring {
    /// Where profile point `p` lands on this ring.
    #[inline]
    pub(crate) fn apply(&self, p: Vec2) -> Vec3 {
        self.pos + self.rot * Vec3::new(p.x * self.scale.x, p.y * self.scale.y, 0.0)
    }

    /// The direction the path continues in (the end cap's outward normal).
    pub(crate) fn tangent(&self) -> Vec3 {
        self.rot.z_axis
    }
}

/// The rings of a path; `closed` when the last ring is the first again
/// (a full, untapered revolution), so no end caps are needed.
#[derive(Debug, Clone)]
pub(crate) struct Path {
    pub rings: Vec<Ring>,
    pub closed: bool,
}

/// Builds the path for `p` at `detail`. `turn_segments` is the profile's
/// resolution over a whole turn: a twisting path gets at least one ring
/// per profile segment of twist, so its quads never fold over (SL's count
/// alone can twist a 6-sided profile 67° between two rings).
pub(crate) fn build_path(p: &VolumeParams, detail: f32, split: u32, turn_segments: u32) -> Path {
    match p.path {
        PathKind::Line => line_path(p, detail, split, turn_segments),
        PathKind::Circle => circle_path(p, detail, turn_segments),
    }
}

/// Path steps needed so the profile turns at most one of its segments per
/// step, for a twist of `turns` whole turns.
fn twist_steps(turns: f32, turn_segments: u32) -> u32 {
    (turns * turn_segments as f32).ceil() as u32
}

fn lerp(a: f32, b: f32, t: f32) -> f32 {
    a + (b - a) * t
}

/// A straight extrusion from z = -0.5 (t = 0) to z = +0.5 (t = 1), with
/// top shear, taper (top size) and twist (1.0 = half a turn).
fn line_path(p: &VolumeParams, detail: f32, split: u32, turn_segments: u32) -> Path {
    let twist_mag = (p.twist_end - p.twist_begin).abs();
    // Twist over the cut part of the path, in turns (1.0 = half a turn).
    let cut_twist = 0.5 * twist_mag * (p.path_end - p.path_begin);
    let np = ((twist_mag * TWIST_DETAIL * (detail - 0.5)).floor() as u32 + 2)
        .max(split + 2)
        .max(twist_steps(cut_twist, turn_segments) + 1);
    // Top size above 1 shrinks the bottom instead of growing the top.
    let begin_scale = Vec2::new(
        if p.scale.x > 1.0 {
            2.0 - p.scale.x
        } else {
            1.0
        },
        if p.scale.y > 1.0 {
            2.0 - p.scale.y
        } else {
            1.0
        },
    );
    let end_scale = Vec2::new(p.scale.x.min(1.0), p.scale.y.min(1.0));
    let rings = (0..np)
        .map(|i| {
            let t = if i + 1 == np {
                p.path_end
            } else {
                lerp(p.path_begin, p.path_end, i as f32 / (np - 1) as f32)
            };
            let angle = PI * lerp(p.twist_begin, p.twist_end, t);
            Ring {
                pos: Vec3::new(p.shear.x * t, p.shear.y * t, t - 0.5),
                rot: if angle == 0.0 {
                    Mat3::IDENTITY
                } else {
                    Mat3::from_rotation_z(angle)
                },
                scale: begin_scale.lerp(end_scale, t),
                t,
            }
        })
        .collect();
    Path {
        rings,
        closed: false,
    }
}

/// A revolution about the X axis starting at +Y, with hole size, radius
/// offset, taper, skew, revolutions, top shear and twist (1.0 = a turn).
fn circle_path(p: &VolumeParams, detail: f32, turn_segments: u32) -> Path {
    let twist_mag = (p.twist_end - p.twist_begin).abs();
    let per_turn = (MIN_DETAIL_FACES * detail + twist_mag * TWIST_DETAIL * (detail - 0.5)).floor();
    // `sides` spans the whole (uncut) path, over which the full twist
    // (1.0 = a turn) happens.
    let sides = ((per_turn * p.revolutions).floor() as u32)
        .max(3)
        .max(twist_steps(twist_mag, turn_segments));

    let skew_mag = p.skew.abs();
    let hole = Vec2::new(p.scale.x * (1.0 - skew_mag), p.scale.y);
    // Negative taper tapers the start instead of the end.
    let taper_range = |taper: f32| {
        let end = 1.0 - taper;
        if end > 1.0 {
            (2.0 - end, 1.0)
        } else {
            (1.0, end)
        }
    };
    let (tx_begin, tx_end) = taper_range(p.taper.x);
    let (ty_begin, ty_end) = taper_range(p.taper.y);
    // The profile's radial size eats into the path radius, so the whole
    // revolution stays within the unit box (a sphere has radius 0).
    let mut radius_begin = 0.5 * (1.0 - hole.y);
    let mut radius_end = radius_begin;
    if p.radius_offset < 0.0 {
        radius_begin *= 1.0 + p.radius_offset;
    } else {
        radius_end *= 1.0 - p.radius_offset;
    }

    let closed = p.path_end - p.path_begin >= 1.0
        && skew_mag <= 1e-3
        && (tx_end - tx_begin).abs() <= 1e-3
        && (ty_end - ty_begin).abs() <= 1e-3
        && (radius_end - radius_begin).abs() <= 1e-3
        && p.twist_begin == p.twist_end
        && p.revolutions == 1.0;

    let ring_at = |t: f32| {
        let angle = TAU * p.revolutions * t;
        let radius = lerp(radius_begin, radius_end, t);
        let (sin, cos) = angle.sin_cos();
        let (s, c) = (sin * radius, cos * radius);
        let twist = TAU * lerp(p.twist_begin, p.twist_end, t);
        let around = Mat3::from_rotation_x(angle);
        Ring {
            pos: Vec3::new(
                p.shear.x * s + lerp(-p.skew, p.skew, t) * 0.5,
                c + p.shear.y * s,
                s,
            ),
            rot: if twist == 0.0 {
                around
            } else {
                around * Mat3::from_rotation_z(twist)
            },
            scale: Vec2::new(
                hole.x * lerp(tx_begin, tx_end, t),
                hole.y * lerp(ty_begin, ty_end, t),
            ),
            t,
        }
    };

    let mut rings = Vec::with_capacity(sides as usize + 2);
    rings.push(ring_at(p.path_begin));
    // Interior points sit on the fixed 1/sides grid, so a cut moves only
    // the end rings (SL does the same).
    let mut k = (p.path_begin * sides as f32).floor() as u32 + 1;
    loop {
        let t = k as f32 / sides as f32;
        if t >= p.path_end - MIN_STEP {
            break;
        }
        if t > p.path_begin + MIN_STEP {
            rings.push(ring_at(t));
        }
        k += 1;
    }
    let last = if closed {
        Ring {
            t: p.path_end,
            ..rings[0]
        }
    } else {
        ring_at(p.path_end)
    };
    rings.push(last);
    Path { rings, closed }
}

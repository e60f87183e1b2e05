//! A prim's shape parameters, made safe to mesh: every float finite and
//! inside the range the construction is defined for, cuts non-empty.

use glam::Vec2;
use kestrel_protocol::object_data::{HoleShape, PathCurve, PrimShape, ProfileShape};

/// Smallest path or profile cut range kept (SL's build tools keep 2 %).
pub(crate) const MIN_CUT: f32 = 0.02;
/// A cut range at least this wide is treated as uncut (closed), like SL does.
const FULL_CUT: f32 = 0.99;
/// Largest hollow, as a fraction of the profile.
pub(crate) const MAX_HOLLOW: f32 = 0.99;

/// The two sweeps the mesher knows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum PathKind {
    /// Straight extrusion along +Z (line, flexible and test paths).
    Line,
    /// Revolution about the X axis (circle and circle2 paths).
    Circle,
}

/// Sanitized volume parameters; see [`PrimShape`] for their meaning.
#[derive(Debug, Clone, Copy)]
pub(crate) struct VolumeParams {
    pub path: PathKind,
    pub profile: ProfileShape,
    pub hole: HoleShape,
    pub path_begin: f32,
    pub path_end: f32,
    /// Line: top size 0..2 (1 = no taper). Circle: hole size 0..1.
    pub scale: Vec2,
    pub shear: Vec2,
    pub twist_begin: f32,
    pub twist_end: f32,
    pub radius_offset: f32,
    pub taper: Vec2,
    pub revolutions: f32,
    pub skew: f32,
    pub profile_begin: f32,
    pub profile_end: f32,
    pub hollow: f32,
}

/// `v` clamped into `lo..=hi`, or `default` when it is NaN or infinite.
fn clean(v: f32, default: f32, lo: f32, hi: f32) -> f32 {
    if v.is_finite() {
        v.clamp(lo, hi)
    } else {
        default
    }
}

/// A begin/end cut pair made valid: both in 0..1, in order, at least
/// [`MIN_CUT`] apart, and snapped to the full range when nearly full.
fn cut_range(begin: f32, end: f32) -> (f32, f32) {
    let mut b = clean(begin, 0.0, 0.0, 1.0);
    let mut e = clean(end, 1.0, 0.0, 1.0);
    if e < b {
        std::mem::swap(&mut b, &mut e);
    }
    if e - b < MIN_CUT {
        e = (b + MIN_CUT).min(1.0);
        b = e - MIN_CUT;
    }
    if e - b >= FULL_CUT {
        (0.0, 1.0)
    } else {
        (b, e)
    }
}

impl VolumeParams {
    /// Clamp every parameter of `shape` into range; never fails.
    pub(crate) fn from_shape(shape: &PrimShape) -> Self {
        let path = match shape.path {
            PathCurve::Circle | PathCurve::Circle2 => PathKind::Circle,
            PathCurve::Line | PathCurve::Test | PathCurve::Flexible => PathKind::Line,
        };
        // Circular paths read the scale as a hole size, which only means
        // something up to 1 (a sphere).
        let max_scale = match path {
            PathKind::Line => 2.0,
            PathKind::Circle => 1.0,
        };
        let (path_begin, path_end) = cut_range(shape.path_begin, shape.path_end);
        let (profile_begin, profile_end) = cut_range(shape.profile_begin, shape.profile_end);
        let mut revolutions = clean(shape.path_revolutions, 1.0, 1.0, 4.0);
        if (revolutions - 1.0).abs() < 1e-3 {
            revolutions = 1.0;
        }
        VolumeParams {
            path,
            profile: shape.profile,
            hole: shape.hole,
            path_begin,
            path_end,
            scale: Vec2::new(
                clean(shape.path_scale_x, 1.0, 0.0, max_scale),
                clean(shape.path_scale_y, 1.0, 0.0, max_scale),
            ),
            shear: Vec2::new(
                clean(shape.path_shear_x, 0.0, -0.5, 0.5),
                clean(shape.path_shear_y, 0.0, -0.5, 0.5),
            ),
            twist_begin: clean(shape.path_twist_begin, 0.0, -1.0, 1.0),
            twist_end: clean(shape.path_twist, 0.0, -1.0, 1.0),
            radius_offset: clean(shape.path_radius_offset, 0.0, -1.0, 1.0),
            taper: Vec2::new(
                clean(shape.path_taper_x, 0.0, -1.0, 1.0),
                clean(shape.path_taper_y, 0.0, -1.0, 1.0),
            ),
            revolutions,
            skew: clean(shape.path_skew, 0.0, -1.0, 1.0),
            profile_begin,
            profile_end,
            hollow: clean(shape.profile_hollow, 0.0, 0.0, MAX_HOLLOW),
        }
    }

    /// Whether the twist changes along the path (which bends flat faces).
    pub(crate) fn is_twisted(&self) -> bool {
        self.twist_end != self.twist_begin
    }

    /// Whether the profile is a polygon (square or triangle).
    pub(crate) fn polygonal_profile(&self) -> bool {
        !matches!(
            self.profile,
            ProfileShape::Circle | ProfileShape::HalfCircle
        )
    }

    /// How many extra points subdivide each flat profile edge. SL splits
    /// them by `floor(detail × 0.66)` so twisted and revolved flat faces
    /// bend smoothly; a straight untwisted extrusion keeps them planar, so
    /// splitting it would only add vertices (SL splits those too, for its
    /// old per-vertex lighting), and SL never splits tapered polygons.
    pub(crate) fn split(&self, detail: f32) -> u32 {
        let tapered = self.scale != Vec2::ONE;
        if self.path == PathKind::Line
            && (!self.is_twisted() || (tapered && self.polygonal_profile()))
        {
            0
        } else {
            (detail * 0.66).floor() as u32
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reversed_and_empty_cuts_become_valid() {
        assert_eq!(cut_range(0.8, 0.2), (0.2, 0.8));
        let (b, e) = cut_range(0.5, 0.5);
        assert!((e - b - MIN_CUT).abs() < 1e-6 && b >= 0.0 && e <= 1.0);
        let (b, e) = cut_range(1.0, 1.0);
        assert!((e - 1.0).abs() < 1e-6 && (b - (1.0 - MIN_CUT)).abs() < 1e-6);
        assert_eq!(cut_range(f32::NAN, f32::INFINITY), (0.0, 1.0));
        assert_eq!(cut_range(0.004, 0.998), (0.0, 1.0));
    }

    #[test]
    fn nan_and_out_of_range_values_are_clamped() {
        let mut s = PrimShape::BOX;
        s.profile_hollow = 5.0;
        s.path_twist = f32::NAN;
        s.path_scale_x = -3.0;
        s.path_revolutions = 0.0;
        let p = VolumeParams::from_shape(&s);
        assert_eq!(p.hollow, MAX_HOLLOW);
        assert_eq!(p.twist_end, 0.0);
        assert_eq!(p.scale.x, 0.0);
        assert_eq!(p.revolutions, 1.0);
    }
}

//! The quantized integer form of a prim's shape, as the `ObjectUpdate`
//! fields (and the compressed update) carry it, and its mapping to
//! [`PrimShape`].
//!
//! Quanta: cuts and hollow step 1/50000; scale, shear, twist, radius
//! offset, taper and skew step 0.01; revolutions step 0.015. Path and
//! profile *end* are sent as `50000 - end·50000` and scale as
//! `200 - scale·100`, so the common values (end 1, scale 1) are small.

use super::reader::WireReader;
use super::{HoleShape, ObjectDataError, PathCurve, PrimShape, ProfileShape};

const CUT_QUANTA: f64 = 0.00002;
const CUT_STEPS: i32 = 50_000;
const SCALE_QUANTA: f64 = 0.01;
const REV_QUANTA: f64 = 0.015;
const HOLLOW_QUANTA: f64 = 0.00002;
/// Largest hollow a prim may have.
const MAX_HOLLOW: f64 = 0.99;

/// Bytes of the shape in a compressed update.
pub const PRIM_SHAPE_WIRE_LEN: usize = 23;

/// The raw integer shape fields of `ObjectUpdate` (same names, same types;
/// `PathShearX/Y` are `U8` in the template but hold signed values).
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, Default, serde::Serialize, serde::Deserialize,
)]
pub struct PrimShapeWire {
    /// `PathCurve`.
    pub path_curve: u8,
    /// `ProfileCurve`: profile shape (low nibble) | hole shape (high nibble).
    pub profile_curve: u8,
    /// `PathBegin`: begin / 0.00002.
    pub path_begin: u16,
    /// `PathEnd`: (1 - end) / 0.00002.
    pub path_end: u16,
    /// `PathScaleX`: 200 - scale / 0.01.
    pub path_scale_x: u8,
    /// `PathScaleY`.
    pub path_scale_y: u8,
    /// `PathShearX`: shear / 0.01 as a signed byte.
    pub path_shear_x: u8,
    /// `PathShearY`.
    pub path_shear_y: u8,
    /// `PathTwist`: twist / 0.01.
    pub path_twist: i8,
    /// `PathTwistBegin`.
    pub path_twist_begin: i8,
    /// `PathRadiusOffset`: offset / 0.01.
    pub path_radius_offset: i8,
    /// `PathTaperX`: taper / 0.01.
    pub path_taper_x: i8,
    /// `PathTaperY`.
    pub path_taper_y: i8,
    /// `PathRevolutions`: (revolutions - 1) / 0.015.
    pub path_revolutions: u8,
    /// `PathSkew`: skew / 0.01.
    pub path_skew: i8,
    /// `ProfileBegin`: begin / 0.00002.
    pub profile_begin: u16,
    /// `ProfileEnd`: (1 - end) / 0.00002.
    pub profile_end: u16,
    /// `ProfileHollow`: hollow / 0.00002.
    pub profile_hollow: u16,
}

/// Shape fields that name no known curve.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PrimShapeError {
    /// `PathCurve` is not 0x10, 0x20, 0x30, 0x40 or 0x80.
    #[error("PathCurve: unknown path curve {0:#04x}")]
    UnknownPathCurve(u8),
    /// The low nibble of `ProfileCurve` is above 5.
    #[error("ProfileCurve: unknown profile shape {low} (low nibble of {0:#04x})", low = .0 & 0x0F)]
    UnknownProfileShape(u8),
    /// The high nibble of `ProfileCurve` is above 3.
    #[error("ProfileCurve: unknown hole shape {high} (high nibble of {0:#04x})", high = .0 >> 4)]
    UnknownHoleShape(u8),
}

fn clamp(v: f64, lo: f64, hi: f64) -> f64 {
    if v.is_finite() {
        v.clamp(lo, hi)
    } else {
        lo.max(0.0).min(hi)
    }
}

fn cut_begin(wire: u16) -> f32 {
    clamp(f64::from(wire) * CUT_QUANTA, 0.0, 1.0) as f32
}

fn cut_end(wire: u16) -> f32 {
    clamp(
        f64::from(CUT_STEPS - i32::from(wire)) * CUT_QUANTA,
        0.0,
        1.0,
    ) as f32
}

fn signed(wire: i8, lo: f64, hi: f64) -> f32 {
    clamp(f64::from(wire) * SCALE_QUANTA, lo, hi) as f32
}

fn pack_begin(v: f32) -> u16 {
    (clamp(f64::from(v), 0.0, 1.0) / CUT_QUANTA).round() as u16
}

fn pack_end(v: f32) -> u16 {
    (CUT_STEPS - (clamp(f64::from(v), 0.0, 1.0) / CUT_QUANTA).round() as i32) as u16
}

fn pack_signed(v: f32, lo: f64, hi: f64) -> i8 {
    (clamp(f64::from(v), lo, hi) / SCALE_QUANTA).round() as i8
}

impl PrimShape {
    /// Decodes the wire fields, clamping each value into its documented
    /// range. Unknown curve codes are an error naming the field.
    pub fn from_wire(w: &PrimShapeWire) -> Result<PrimShape, PrimShapeError> {
        let path = PathCurve::from_code(w.path_curve)
            .ok_or(PrimShapeError::UnknownPathCurve(w.path_curve))?;
        let profile = ProfileShape::from_code(w.profile_curve & 0x0F)
            .ok_or(PrimShapeError::UnknownProfileShape(w.profile_curve))?;
        let hole = HoleShape::from_code(w.profile_curve & 0xF0)
            .ok_or(PrimShapeError::UnknownHoleShape(w.profile_curve))?;
        let scale = |b: u8| clamp(f64::from(200 - i32::from(b)) * SCALE_QUANTA, 0.0, 2.0) as f32;
        Ok(PrimShape {
            path,
            profile,
            hole,
            path_begin: cut_begin(w.path_begin),
            path_end: cut_end(w.path_end),
            path_scale_x: scale(w.path_scale_x),
            path_scale_y: scale(w.path_scale_y),
            path_shear_x: signed(w.path_shear_x as i8, -0.5, 0.5),
            path_shear_y: signed(w.path_shear_y as i8, -0.5, 0.5),
            path_twist: signed(w.path_twist, -1.0, 1.0),
            path_twist_begin: signed(w.path_twist_begin, -1.0, 1.0),
            path_radius_offset: signed(w.path_radius_offset, -1.0, 1.0),
            path_taper_x: signed(w.path_taper_x, -1.0, 1.0),
            path_taper_y: signed(w.path_taper_y, -1.0, 1.0),
            path_revolutions: clamp(1.0 + f64::from(w.path_revolutions) * REV_QUANTA, 1.0, 4.0)
                as f32,
            path_skew: signed(w.path_skew, -1.0, 1.0),
            profile_begin: cut_begin(w.profile_begin),
            profile_end: cut_end(w.profile_end),
            profile_hollow: clamp(f64::from(w.profile_hollow) * HOLLOW_QUANTA, 0.0, MAX_HOLLOW)
                as f32,
        })
    }

    /// Quantizes the shape into its wire fields (values are clamped into
    /// their ranges first; non-finite values become the range's nearest
    /// neutral value).
    pub fn to_wire(&self) -> PrimShapeWire {
        let scale =
            |v: f32| (200 - (clamp(f64::from(v), 0.0, 2.0) / SCALE_QUANTA).round() as i32) as u8;
        PrimShapeWire {
            path_curve: self.path.code(),
            profile_curve: self.profile.code() | self.hole.code(),
            path_begin: pack_begin(self.path_begin),
            path_end: pack_end(self.path_end),
            path_scale_x: scale(self.path_scale_x),
            path_scale_y: scale(self.path_scale_y),
            path_shear_x: pack_signed(self.path_shear_x, -0.5, 0.5) as u8,
            path_shear_y: pack_signed(self.path_shear_y, -0.5, 0.5) as u8,
            path_twist: pack_signed(self.path_twist, -1.0, 1.0),
            path_twist_begin: pack_signed(self.path_twist_begin, -1.0, 1.0),
            path_radius_offset: pack_signed(self.path_radius_offset, -1.0, 1.0),
            path_taper_x: pack_signed(self.path_taper_x, -1.0, 1.0),
            path_taper_y: pack_signed(self.path_taper_y, -1.0, 1.0),
            path_revolutions: ((clamp(f64::from(self.path_revolutions), 1.0, 4.0) - 1.0)
                / REV_QUANTA)
                .round() as u8,
            path_skew: pack_signed(self.path_skew, -1.0, 1.0),
            profile_begin: pack_begin(self.profile_begin),
            profile_end: pack_end(self.profile_end),
            profile_hollow: (clamp(f64::from(self.profile_hollow), 0.0, MAX_HOLLOW) / HOLLOW_QUANTA)
                .round() as u16,
        }
    }
}

impl PrimShapeWire {
    /// Appends the 23-byte compressed-update layout: the path fields
    /// (curve, begin, end, scale X/Y, shear X/Y, twist, twist begin, radius
    /// offset, taper X/Y, revolutions, skew) then the profile fields
    /// (curve, begin, end, hollow), little-endian.
    pub fn write(&self, out: &mut Vec<u8>) {
        out.push(self.path_curve);
        out.extend_from_slice(&self.path_begin.to_le_bytes());
        out.extend_from_slice(&self.path_end.to_le_bytes());
        out.extend_from_slice(&[
            self.path_scale_x,
            self.path_scale_y,
            self.path_shear_x,
            self.path_shear_y,
            self.path_twist as u8,
            self.path_twist_begin as u8,
            self.path_radius_offset as u8,
            self.path_taper_x as u8,
            self.path_taper_y as u8,
            self.path_revolutions,
            self.path_skew as u8,
            self.profile_curve,
        ]);
        out.extend_from_slice(&self.profile_begin.to_le_bytes());
        out.extend_from_slice(&self.profile_end.to_le_bytes());
        out.extend_from_slice(&self.profile_hollow.to_le_bytes());
    }

    /// Reads the 23-byte layout written by [`PrimShapeWire::write`].
    pub fn read(bytes: &[u8]) -> Result<PrimShapeWire, ObjectDataError> {
        Self::read_from(&mut WireReader::new(bytes))
    }

    pub(crate) fn read_from(r: &mut WireReader<'_>) -> Result<PrimShapeWire, ObjectDataError> {
        Ok(PrimShapeWire {
            path_curve: r.u8("ObjectUpdateCompressed.Data.PathCurve")?,
            path_begin: r.u16("ObjectUpdateCompressed.Data.PathBegin")?,
            path_end: r.u16("ObjectUpdateCompressed.Data.PathEnd")?,
            path_scale_x: r.u8("ObjectUpdateCompressed.Data.PathScaleX")?,
            path_scale_y: r.u8("ObjectUpdateCompressed.Data.PathScaleY")?,
            path_shear_x: r.u8("ObjectUpdateCompressed.Data.PathShearX")?,
            path_shear_y: r.u8("ObjectUpdateCompressed.Data.PathShearY")?,
            path_twist: r.u8("ObjectUpdateCompressed.Data.PathTwist")? as i8,
            path_twist_begin: r.u8("ObjectUpdateCompressed.Data.PathTwistBegin")? as i8,
            path_radius_offset: r.u8("ObjectUpdateCompressed.Data.PathRadiusOffset")? as i8,
            path_taper_x: r.u8("ObjectUpdateCompressed.Data.PathTaperX")? as i8,
            path_taper_y: r.u8("ObjectUpdateCompressed.Data.PathTaperY")? as i8,
            path_revolutions: r.u8("ObjectUpdateCompressed.Data.PathRevolutions")?,
            path_skew: r.u8("ObjectUpdateCompressed.Data.PathSkew")? as i8,
            profile_curve: r.u8("ObjectUpdateCompressed.Data.ProfileCurve")?,
            profile_begin: r.u16("ObjectUpdateCompressed.Data.ProfileBegin")?,
            profile_end: r.u16("ObjectUpdateCompressed.Data.ProfileEnd")?,
            profile_hollow: r.u16("ObjectUpdateCompressed.Data.ProfileHollow")?,
        })
    }
}

//! Object motion blobs: `ObjectUpdate.ObjectData` and
//! `ImprovedTerseObjectUpdate.ObjectData`.
//!
//! `ObjectUpdate.ObjectData` is told apart by its length alone:
//!
//! | bytes | layout |
//! |------:|--------|
//! | 76 | collision plane `Vec4` + the 60-byte form |
//! | 60 | position, velocity, acceleration, rotation (x, y, z of a unit quaternion, w ≥ 0), angular velocity: `Vec3` of `f32` each |
//! | 48 | collision plane `Vec4` + the 32-byte form |
//! | 32 | the same five values as `u16`: position x/y in −½w..1½w, z in min..max height, velocity/acceleration/angular velocity in ±w, rotation as 4 components in ±1 |
//! | 16 | the 32-byte form with `u8`s |
//!
//! (w = region width.) The terse blob is `local_id u32, state u8,
//! is_avatar u8, [collision plane Vec4 when avatar], position Vec3 f32,
//! velocity 3×u16 (±128), acceleration 3×u16 (±64), rotation 4×u16 (±1),
//! angular velocity 3×u16 (±64)`: 44 bytes, 60 for avatars.
//!
//! A `u16` maps `lo..=hi` onto 0..=65535 (rounded); decoding snaps values
//! within one step of zero to exactly zero, as LL's `U16_to_F32` does.

use glam::{Quat, Vec3, Vec4};

use super::ObjectDataError;
use super::reader::{WireReader, put_vec3, put_vec4};

/// Where an object is and how it moves.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ObjectMotion {
    /// Position relative to the region (or to the parent when linked), m.
    pub position: Vec3,
    /// Velocity, m/s.
    pub velocity: Vec3,
    /// Acceleration, m/s².
    pub acceleration: Vec3,
    /// Orientation (unit quaternion).
    pub rotation: Quat,
    /// Angular velocity, rad/s.
    pub angular_velocity: Vec3,
}

impl Default for ObjectMotion {
    fn default() -> Self {
        ObjectMotion {
            position: Vec3::ZERO,
            velocity: Vec3::ZERO,
            acceleration: Vec3::ZERO,
            rotation: Quat::IDENTITY,
            angular_velocity: Vec3::ZERO,
        }
    }
}

/// The value ranges of the quantized (32/48/16-byte) `ObjectUpdate` forms.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct QuantRanges {
    /// Region width in metres.
    pub region_width: f32,
    /// Lowest z a quantized position can hold.
    pub min_height: f32,
    /// Highest z a quantized position can hold.
    pub max_height: f32,
}

impl Default for QuantRanges {
    /// A standard region: 256 m wide, heights −256..4096 m (the viewer's
    /// `-width` and `MAX_OBJECT_Z`).
    fn default() -> Self {
        QuantRanges {
            region_width: 256.0,
            min_height: -256.0,
            max_height: 4096.0,
        }
    }
}

/// Which number format an `ObjectUpdate.ObjectData` blob uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MotionPrecision {
    /// 60 / 76 bytes of `f32`.
    F32,
    /// 32 / 48 bytes of `u16`.
    U16,
    /// 16 bytes of `u8` (no collision plane form exists).
    U8,
}

/// The decoded `ObjectUpdate.ObjectData` field.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ObjectUpdateMotion {
    /// The motion.
    pub motion: ObjectMotion,
    /// An avatar's foot collision plane (normal xyz, distance w).
    pub collision_plane: Option<Vec4>,
    /// The number format it came in (or is to be sent in).
    pub precision: MotionPrecision,
}

fn bad_length(what: &'static str, len: usize, expected: &'static str) -> ObjectDataError {
    ObjectDataError::BadLength {
        what,
        len,
        expected,
    }
}

fn check_finite(v: &[f32], field: &'static str) -> Result<(), ObjectDataError> {
    if v.iter().all(|c| c.is_finite()) {
        Ok(())
    } else {
        Err(ObjectDataError::Unencodable {
            field,
            reason: "value is not finite",
        })
    }
}

fn check_motion(m: &ObjectMotion, prefix: Prefix) -> Result<(), ObjectDataError> {
    check_finite(&m.position.to_array(), prefix.position)?;
    check_finite(&m.velocity.to_array(), prefix.velocity)?;
    check_finite(&m.acceleration.to_array(), prefix.acceleration)?;
    check_finite(&m.rotation.to_array(), prefix.rotation)?;
    check_finite(&m.angular_velocity.to_array(), prefix.angular_velocity)
}

/// Field names for error messages, per message.
#[derive(Clone, Copy)]
struct Prefix {
    plane: &'static str,
    position: &'static str,
    velocity: &'static str,
    acceleration: &'static str,
    rotation: &'static str,
    angular_velocity: &'static str,
}

const FULL: Prefix = Prefix {
    plane: "ObjectUpdate.ObjectData.CollisionPlane",
    position: "ObjectUpdate.ObjectData.Position",
    velocity: "ObjectUpdate.ObjectData.Velocity",
    acceleration: "ObjectUpdate.ObjectData.Acceleration",
    rotation: "ObjectUpdate.ObjectData.Rotation",
    angular_velocity: "ObjectUpdate.ObjectData.AngularVelocity",
};

const TERSE: Prefix = Prefix {
    plane: "ImprovedTerseObjectUpdate.ObjectData.CollisionPlane",
    position: "ImprovedTerseObjectUpdate.ObjectData.Position",
    velocity: "ImprovedTerseObjectUpdate.ObjectData.Velocity",
    acceleration: "ImprovedTerseObjectUpdate.ObjectData.Acceleration",
    rotation: "ImprovedTerseObjectUpdate.ObjectData.Rotation",
    angular_velocity: "ImprovedTerseObjectUpdate.ObjectData.AngularVelocity",
};

/// The quaternion whose x, y, z are `v` and whose w ≥ 0 makes it unit
/// length (LL's `unpackFromVector3`; |v| > 1 yields w = 0, normalized).
pub fn quat_from_xyz(v: Vec3) -> Quat {
    let t = 1.0 - v.length_squared();
    if t > 0.0 {
        Quat::from_xyzw(v.x, v.y, v.z, t.sqrt())
    } else {
        let q = Quat::from_xyzw(v.x, v.y, v.z, 0.0);
        if q.length_squared() > 0.0 {
            q.normalize()
        } else {
            Quat::IDENTITY
        }
    }
}

/// The x, y, z of `q` normalized and flipped so w ≥ 0 (the same rotation);
/// a non-finite or zero quaternion packs as the identity.
pub fn quat_to_xyz(q: Quat) -> Vec3 {
    let q = normalized(q);
    let q = if q.w < 0.0 { -q } else { q };
    Vec3::new(q.x, q.y, q.z)
}

/// `q` scaled to unit length. Quaternions already unit to within float
/// rounding are returned untouched, so a decoded rotation re-encodes to the
/// same bytes.
fn normalized(q: Quat) -> Quat {
    let len2 = q.length_squared();
    if !q.is_finite() || len2 <= 1e-12 {
        Quat::IDENTITY
    } else if (len2 - 1.0).abs() > 1e-6 {
        q.normalize()
    } else {
        q
    }
}

/// Quantizes `v` in `lo..=hi` to 0..=`steps`.
fn quantize(v: f32, lo: f32, hi: f32, steps: f32) -> f32 {
    // `clamp` panics on an empty or NaN range; such ranges quantize to 0.
    if lo.partial_cmp(&hi) != Some(std::cmp::Ordering::Less) {
        return 0.0;
    }
    let v = if v.is_finite() {
        v.clamp(lo, hi)
    } else {
        0.0f32.clamp(lo, hi)
    };
    ((v - lo) / (hi - lo) * steps).round()
}

fn dequantize(q: f32, lo: f32, hi: f32, steps: f32) -> f32 {
    let delta = hi - lo;
    let v = q / steps * delta + lo;
    // Zero is not on the grid for symmetric ranges; snap it back.
    if v.abs() < delta / steps { 0.0 } else { v }
}

fn to_u16(v: f32, lo: f32, hi: f32) -> u16 {
    quantize(v, lo, hi, 65535.0) as u16
}

fn from_u16(q: u16, lo: f32, hi: f32) -> f32 {
    dequantize(f32::from(q), lo, hi, 65535.0)
}

fn to_u8(v: f32, lo: f32, hi: f32) -> u8 {
    quantize(v, lo, hi, 255.0) as u8
}

fn from_u8(q: u8, lo: f32, hi: f32) -> f32 {
    dequantize(f32::from(q), lo, hi, 255.0)
}

/// The 16 quantized components of the 32/16-byte forms, in wire order
/// (position, velocity, acceleration, rotation xyzw, angular velocity),
/// each with its range.
fn quantized_ranges(r: &QuantRanges) -> [(f32, f32); 16] {
    let w = r.region_width;
    let xy = (-0.5 * w, 1.5 * w);
    let z = (r.min_height, r.max_height);
    let sym = (-w, w);
    let unit = (-1.0, 1.0);
    [
        xy, xy, z, sym, sym, sym, sym, sym, sym, unit, unit, unit, unit, sym, sym, sym,
    ]
}

/// Field name of quantized component `i` (wire order as above).
fn component_field(i: usize, p: Prefix) -> &'static str {
    match i {
        0..=2 => p.position,
        3..=5 => p.velocity,
        6..=8 => p.acceleration,
        9..=12 => p.rotation,
        _ => p.angular_velocity,
    }
}

/// Motion from 16 dequantized components (wire order).
fn motion_from_components(c: &[f32; 16]) -> ObjectMotion {
    ObjectMotion {
        position: Vec3::new(c[0], c[1], c[2]),
        velocity: Vec3::new(c[3], c[4], c[5]),
        acceleration: Vec3::new(c[6], c[7], c[8]),
        rotation: normalized(Quat::from_xyzw(c[9], c[10], c[11], c[12])),
        angular_velocity: Vec3::new(c[13], c[14], c[15]),
    }
}

/// The 16 components of a motion (wire order), rotation normalized.
fn motion_components(m: &ObjectMotion) -> [f32; 16] {
    let q = normalized(m.rotation);
    let (p, v, a, w) = (m.position, m.velocity, m.acceleration, m.angular_velocity);
    [
        p.x, p.y, p.z, v.x, v.y, v.z, a.x, a.y, a.z, q.x, q.y, q.z, q.w, w.x, w.y, w.z,
    ]
}

impl ObjectUpdateMotion {
    /// Decodes `ObjectUpdate.ObjectData` (76, 60, 48, 32 or 16 bytes);
    /// `ranges` matter only for the quantized forms.
    pub fn decode(bytes: &[u8], ranges: &QuantRanges) -> Result<Self, ObjectDataError> {
        let (has_plane, precision) = match bytes.len() {
            76 => (true, MotionPrecision::F32),
            60 => (false, MotionPrecision::F32),
            48 => (true, MotionPrecision::U16),
            32 => (false, MotionPrecision::U16),
            16 => (false, MotionPrecision::U8),
            n => {
                return Err(bad_length(
                    "ObjectUpdate.ObjectData",
                    n,
                    "76, 60, 48, 32 or 16",
                ));
            }
        };
        let mut r = WireReader::new(bytes);
        let collision_plane = if has_plane {
            Some(r.vec4(FULL.plane)?)
        } else {
            None
        };
        let motion = match precision {
            MotionPrecision::F32 => ObjectMotion {
                position: r.vec3(FULL.position)?,
                velocity: r.vec3(FULL.velocity)?,
                acceleration: r.vec3(FULL.acceleration)?,
                rotation: quat_from_xyz(r.vec3(FULL.rotation)?),
                angular_velocity: r.vec3(FULL.angular_velocity)?,
            },
            MotionPrecision::U16 | MotionPrecision::U8 => {
                let table = quantized_ranges(ranges);
                let mut c = [0.0f32; 16];
                for (i, (slot, (lo, hi))) in c.iter_mut().zip(table).enumerate() {
                    let field = component_field(i, FULL);
                    *slot = if precision == MotionPrecision::U16 {
                        from_u16(r.u16(field)?, lo, hi)
                    } else {
                        from_u8(r.u8(field)?, lo, hi)
                    };
                }
                motion_from_components(&c)
            }
        };
        Ok(ObjectUpdateMotion {
            motion,
            collision_plane,
            precision,
        })
    }

    /// Encodes in `self.precision` (76/60, 48/32 or 16 bytes). Quantized
    /// values are clamped into `ranges`. Fails for non-finite values and for
    /// a collision plane with `U8` precision, which has no such layout.
    pub fn encode(&self, ranges: &QuantRanges) -> Result<Vec<u8>, ObjectDataError> {
        check_motion(&self.motion, FULL)?;
        let mut out = Vec::with_capacity(76);
        if let Some(plane) = self.collision_plane {
            if self.precision == MotionPrecision::U8 {
                return Err(ObjectDataError::Unencodable {
                    field: FULL.plane,
                    reason: "the 16-byte form has no collision plane",
                });
            }
            check_finite(&plane.to_array(), FULL.plane)?;
            put_vec4(&mut out, plane);
        }
        let m = &self.motion;
        match self.precision {
            MotionPrecision::F32 => {
                put_vec3(&mut out, m.position);
                put_vec3(&mut out, m.velocity);
                put_vec3(&mut out, m.acceleration);
                put_vec3(&mut out, quat_to_xyz(m.rotation));
                put_vec3(&mut out, m.angular_velocity);
            }
            MotionPrecision::U16 => {
                for (v, (lo, hi)) in motion_components(m)
                    .into_iter()
                    .zip(quantized_ranges(ranges))
                {
                    out.extend_from_slice(&to_u16(v, lo, hi).to_le_bytes());
                }
            }
            MotionPrecision::U8 => {
                for (v, (lo, hi)) in motion_components(m)
                    .into_iter()
                    .zip(quantized_ranges(ranges))
                {
                    out.push(to_u8(v, lo, hi));
                }
            }
        }
        Ok(out)
    }
}

/// Velocity range of the terse update, m/s.
const TERSE_VELOCITY: (f32, f32) = (-128.0, 128.0);
/// Acceleration range of the terse update, m/s².
const TERSE_ACCELERATION: (f32, f32) = (-64.0, 64.0);
/// Angular velocity range of the terse update, rad/s.
const TERSE_ANGULAR: (f32, f32) = (-64.0, 64.0);

/// Ranges of the 13 quantized terse components (velocity, acceleration,
/// rotation xyzw, angular velocity).
const TERSE_RANGES: [(f32, f32); 13] = [
    TERSE_VELOCITY,
    TERSE_VELOCITY,
    TERSE_VELOCITY,
    TERSE_ACCELERATION,
    TERSE_ACCELERATION,
    TERSE_ACCELERATION,
    (-1.0, 1.0),
    (-1.0, 1.0),
    (-1.0, 1.0),
    (-1.0, 1.0),
    TERSE_ANGULAR,
    TERSE_ANGULAR,
    TERSE_ANGULAR,
];

/// One `ImprovedTerseObjectUpdate.ObjectData` blob.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TerseUpdate {
    /// The object's region-local id.
    pub local_id: u32,
    /// The object's state byte (attachment point for attachments).
    pub state: u8,
    /// `Some` for avatars: the foot collision plane.
    pub collision_plane: Option<Vec4>,
    /// The motion; velocity, acceleration, rotation and angular velocity
    /// are quantized to 16 bits on the wire.
    pub motion: ObjectMotion,
}

impl TerseUpdate {
    /// Length of a prim's terse blob.
    pub const PRIM_LEN: usize = 44;
    /// Length of an avatar's terse blob.
    pub const AVATAR_LEN: usize = 60;

    /// True for an avatar's update.
    pub fn is_avatar(&self) -> bool {
        self.collision_plane.is_some()
    }

    /// Decodes a terse blob (44 bytes, or 60 with the avatar flag).
    pub fn decode(bytes: &[u8]) -> Result<TerseUpdate, ObjectDataError> {
        const WHAT: &str = "ImprovedTerseObjectUpdate.ObjectData";
        if bytes.len() != Self::PRIM_LEN && bytes.len() != Self::AVATAR_LEN {
            return Err(bad_length(WHAT, bytes.len(), "44 (prim) or 60 (avatar)"));
        }
        let mut r = WireReader::new(bytes);
        let local_id = r.u32("ImprovedTerseObjectUpdate.ObjectData.LocalID")?;
        let state = r.u8("ImprovedTerseObjectUpdate.ObjectData.State")?;
        let avatar = r.u8("ImprovedTerseObjectUpdate.ObjectData.IsAvatar")? != 0;
        let expected = if avatar {
            Self::AVATAR_LEN
        } else {
            Self::PRIM_LEN
        };
        if bytes.len() != expected {
            return Err(bad_length(
                WHAT,
                bytes.len(),
                if avatar {
                    "60 when the avatar flag is set"
                } else {
                    "44 when the avatar flag is clear"
                },
            ));
        }
        let collision_plane = if avatar {
            Some(r.vec4(TERSE.plane)?)
        } else {
            None
        };
        let position = r.vec3(TERSE.position)?;
        let mut c = [0.0f32; 16];
        c[0..3].copy_from_slice(&position.to_array());
        for (i, (lo, hi)) in TERSE_RANGES.into_iter().enumerate() {
            let field = component_field(i + 3, TERSE);
            c[i + 3] = from_u16(r.u16(field)?, lo, hi);
        }
        Ok(TerseUpdate {
            local_id,
            state,
            collision_plane,
            motion: motion_from_components(&c),
        })
    }

    /// Encodes the blob (quantized values clamped into their ranges).
    pub fn encode(&self) -> Result<Vec<u8>, ObjectDataError> {
        check_motion(&self.motion, TERSE)?;
        let mut out = Vec::with_capacity(Self::AVATAR_LEN);
        out.extend_from_slice(&self.local_id.to_le_bytes());
        out.push(self.state);
        out.push(u8::from(self.is_avatar()));
        if let Some(plane) = self.collision_plane {
            check_finite(&plane.to_array(), TERSE.plane)?;
            put_vec4(&mut out, plane);
        }
        put_vec3(&mut out, self.motion.position);
        let c = motion_components(&self.motion);
        for (v, (lo, hi)) in c[3..].iter().zip(TERSE_RANGES) {
            out.extend_from_slice(&to_u16(*v, lo, hi).to_le_bytes());
        }
        Ok(out)
    }
}

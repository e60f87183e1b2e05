//! The simulator's objects: prims with a shape, a place, a colour and
//! (for a few) a motion; ids; and the small vocabulary the demo layout is
//! written in (shape edits, materials, colours).

use glam::{Quat, Vec3};
use kestrel_protocol::object_data::{HoleShape, ObjectMaterial, PrimShape};
use kestrel_protocol::texture_entry::TextureEntry;
use kestrel_protocol::types::Uuid;

/// A region-local object id (`ID` / `LocalID` on the wire).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct LocalId(pub u32);

/// A colour, linear 0..1 per channel with alpha.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Rgba(pub [f32; 4]);

impl Rgba {
    /// An opaque colour from 8-bit sRGB-ish channels (what a builder types in).
    pub const fn rgb8(r: u8, g: u8, b: u8) -> Rgba {
        Rgba([r as f32 / 255.0, g as f32 / 255.0, b as f32 / 255.0, 1.0])
    }

    /// The same colour with another alpha.
    pub const fn with_alpha(self, a: f32) -> Rgba {
        Rgba([self.0[0], self.0[1], self.0[2], a])
    }
}

/// Shape edits applied on top of a standard prim's defaults.
pub trait ShapeEdit {
    /// Hollow (0..0.95) with the given hole shape.
    fn hollow(self, amount: f32, hole: HoleShape) -> Self;
    /// Path cut (begin, end), 0..1.
    fn path_cut(self, begin: f32, end: f32) -> Self;
    /// Profile cut (begin, end), 0..1.
    fn profile_cut(self, begin: f32, end: f32) -> Self;
    /// Twist (begin, end) in -1..1 (half turns).
    fn twist(self, begin: f32, end: f32) -> Self;
    /// Taper: the top's size as a fraction (0..2) of the bottom's.
    fn top_size(self, x: f32, y: f32) -> Self;
}

impl ShapeEdit for PrimShape {
    fn hollow(mut self, amount: f32, hole: HoleShape) -> Self {
        self.profile_hollow = amount.clamp(0.0, 0.95);
        self.hole = hole;
        self
    }
    fn path_cut(mut self, begin: f32, end: f32) -> Self {
        self.path_begin = begin;
        self.path_end = end;
        self
    }
    fn profile_cut(mut self, begin: f32, end: f32) -> Self {
        self.profile_begin = begin;
        self.profile_end = end;
        self
    }
    fn twist(mut self, begin: f32, end: f32) -> Self {
        self.path_twist_begin = begin;
        self.path_twist = end;
        self
    }
    fn top_size(mut self, x: f32, y: f32) -> Self {
        self.path_scale_x = x;
        self.path_scale_y = y;
        self
    }
}

/// How a moving prim moves. Positions are a pure function of time, so the
/// simulator needs no physics and every viewer sees the same motion.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Motion {
    /// Circles `centre` at `radius` metres, one turn per `period` seconds,
    /// turning with the orbit; `bob` metres of vertical sway.
    Orbit {
        /// Centre of the circle, region metres.
        centre: Vec3,
        /// Radius, metres.
        radius: f32,
        /// Seconds per turn (negative turns clockwise).
        period: f32,
        /// Phase at t = 0, radians.
        phase: f32,
        /// Vertical sway amplitude, metres.
        bob: f32,
    },
    /// Turns in place about `axis`, one turn per `period` seconds.
    Spin {
        /// Unit axis, region frame.
        axis: Vec3,
        /// Seconds per turn.
        period: f32,
    },
}

/// Where a moving prim is at a moment: what a terse update carries.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Pose {
    /// Position, region metres (for a root prim).
    pub position: Vec3,
    /// Velocity, metres per second.
    pub velocity: Vec3,
    /// Rotation.
    pub rotation: Quat,
    /// Angular velocity, radians per second.
    pub angular_velocity: Vec3,
}

impl Motion {
    /// The pose at `t` seconds for a prim whose resting pose is
    /// (`position`, `rotation`).
    pub fn pose_at(&self, t: f32, position: Vec3, rotation: Quat) -> Pose {
        match *self {
            Motion::Orbit {
                centre,
                radius,
                period,
                phase,
                bob,
            } => {
                let w = std::f32::consts::TAU / period;
                let a = phase + w * t;
                let (s, c) = a.sin_cos();
                let sway = bob * (t * 1.3).sin();
                let position = centre + Vec3::new(c * radius, s * radius, sway);
                let velocity =
                    Vec3::new(-s * radius * w, c * radius * w, bob * 1.3 * (t * 1.3).cos());
                // Turn with the orbit: the resting rotation is the pose at t = 0.
                Pose {
                    position,
                    velocity,
                    rotation: (Quat::from_rotation_z(w * t) * rotation).normalize(),
                    angular_velocity: Vec3::new(0.0, 0.0, w),
                }
            }
            Motion::Spin { axis, period } => {
                let w = std::f32::consts::TAU / period;
                let axis = axis.try_normalize().unwrap_or(Vec3::Z);
                Pose {
                    position,
                    velocity: Vec3::ZERO,
                    rotation: (Quat::from_axis_angle(axis, w * t) * rotation).normalize(),
                    angular_velocity: axis * w,
                }
            }
        }
    }
}

/// Which object message introduces a prim to a viewer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UpdateKind {
    /// A full `ObjectUpdate` block.
    Full,
    /// An `ObjectUpdateCompressed` blob (the demo sends scenery this way,
    /// so viewers exercise both decoders).
    Compressed,
}

/// One prim of the region.
#[derive(Debug, Clone, PartialEq)]
pub struct Prim {
    /// Region-local id.
    pub local_id: LocalId,
    /// Global id.
    pub full_id: Uuid,
    /// The root of its linkset, `None` for a root (or unlinked) prim.
    pub parent: Option<LocalId>,
    /// A name, for the editor's object list.
    pub name: String,
    /// Volume parameters.
    pub shape: PrimShape,
    /// Size, metres.
    pub scale: Vec3,
    /// Position: region metres for a root, relative to the root for a child.
    pub position: Vec3,
    /// Rotation: absolute for a root, relative to the root for a child.
    pub rotation: Quat,
    /// Colour of the default face (what its texture is multiplied by:
    /// white for most, a tint or a translucent alpha for a few); the same
    /// as `faces.default_face().color`.
    pub colour: Rgba,
    /// Full-bright faces (lamps).
    pub fullbright: bool,
    /// Every face's texture, colour and mapping, as the TextureEntry sends
    /// them (the default face wears a library texture; a few faces differ).
    pub faces: TextureEntry,
    /// Material (collision sounds; `Light` for lamps).
    pub material: ObjectMaterial,
    /// How it moves, if it does (roots only).
    pub motion: Option<Motion>,
    /// How it is sent to viewers.
    pub update_kind: UpdateKind,
}

impl Prim {
    /// The pose at `t` seconds (the resting pose for a prim that does not move).
    pub fn pose_at(&self, t: f32) -> Pose {
        match &self.motion {
            Some(m) => m.pose_at(t, self.position, self.rotation),
            None => Pose {
                position: self.position,
                velocity: Vec3::ZERO,
                rotation: self.rotation,
                angular_velocity: Vec3::ZERO,
            },
        }
    }
}

/// The UUID of the demo region's prim with `local_id`: a fixed prefix and the
/// id, so ids are stable across runs and restarts.
pub fn prim_uuid(local_id: LocalId) -> Uuid {
    Uuid::from_u128(0x6b65_7374_7265_6c00_0000_0000_0000_0000 | local_id.0 as u128)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn orbit_velocity_is_the_derivative_of_position() {
        let m = Motion::Orbit {
            centre: Vec3::new(100.0, 100.0, 20.0),
            radius: 10.0,
            period: 30.0,
            phase: 0.3,
            bob: 0.5,
        };
        let dt = 1e-3;
        let a = m.pose_at(2.0, Vec3::ZERO, Quat::IDENTITY);
        let b = m.pose_at(2.0 + dt, Vec3::ZERO, Quat::IDENTITY);
        let numeric = (b.position - a.position) / dt;
        assert!(
            (numeric - a.velocity).length() < 0.05,
            "{numeric} vs {}",
            a.velocity
        );
        assert!(
            (a.position.truncate() - Vec3::new(100.0, 100.0, 0.0).truncate()).length() - 10.0
                < 1e-3
        );
    }

    #[test]
    fn prim_uuids_are_distinct_and_stable() {
        assert_ne!(prim_uuid(LocalId(1)), prim_uuid(LocalId(2)));
        assert_eq!(prim_uuid(LocalId(7)), prim_uuid(LocalId(7)));
    }
}

//! An agent's avatar in the region: where it stands and how `AgentUpdate`
//! control flags move it (walk, run, fly, turn), following the ground.

use glam::{Quat, Vec2, Vec3};

use super::region::Region;
use super::terrain::{REGION_SIZE, WATER_HEIGHT};

/// The viewer's `AGENT_CONTROL_*` bits the simulator acts on.
pub mod control {
    /// Forward.
    pub const AT_POS: u32 = 0x0000_0001;
    /// Backward.
    pub const AT_NEG: u32 = 0x0000_0002;
    /// Strafe left.
    pub const LEFT_POS: u32 = 0x0000_0004;
    /// Strafe right.
    pub const LEFT_NEG: u32 = 0x0000_0008;
    /// Up (jump / fly up).
    pub const UP_POS: u32 = 0x0000_0010;
    /// Down (crouch / fly down).
    pub const UP_NEG: u32 = 0x0000_0020;
    /// Run (double-tap forward).
    pub const FAST_AT: u32 = 0x0000_0400;
    /// Flying.
    pub const FLY: u32 = 0x0000_2000;
    /// Stop at once.
    pub const STOP: u32 = 0x0000_4000;
    /// Nudge forward.
    pub const NUDGE_AT_POS: u32 = 0x0008_0000;
    /// Nudge backward.
    pub const NUDGE_AT_NEG: u32 = 0x0010_0000;
    /// Nudge left.
    pub const NUDGE_LEFT_POS: u32 = 0x0020_0000;
    /// Nudge right.
    pub const NUDGE_LEFT_NEG: u32 = 0x0040_0000;
}

/// Walking speed, m/s.
pub const WALK_SPEED: f32 = 3.2;
/// Running speed, m/s.
pub const RUN_SPEED: f32 = 5.1;
/// Flying speed, m/s.
pub const FLY_SPEED: f32 = 10.0;
/// Height of the avatar's centre above its feet, metres.
pub const HALF_HEIGHT: f32 = 0.95;
/// Highest an avatar may fly, metres.
pub const MAX_ALTITUDE: f32 = 4096.0;

/// An avatar's state.
#[derive(Debug, Clone, PartialEq)]
pub struct Avatar {
    /// Region-local object id.
    pub local_id: u32,
    /// Centre, region metres.
    pub position: Vec3,
    /// Current velocity, m/s.
    pub velocity: Vec3,
    /// Body rotation (from the viewer's `AgentUpdate`).
    pub rotation: Quat,
    /// Last control flags.
    pub controls: u32,
    /// Flying.
    pub flying: bool,
}

impl Avatar {
    /// An avatar standing at `position` facing `look_at`.
    pub fn new(local_id: u32, position: Vec3, look_at: Vec3) -> Self {
        let yaw = look_at.y.atan2(look_at.x);
        Avatar {
            local_id,
            position,
            velocity: Vec3::ZERO,
            rotation: Quat::from_rotation_z(yaw),
            controls: 0,
            flying: false,
        }
    }

    /// Takes in an `AgentUpdate`: the body rotation and control flags.
    /// Returns true when the rotation changed visibly.
    pub fn apply_update(&mut self, body_rotation: Quat, controls: u32) -> bool {
        let rotation = if body_rotation.is_finite() && body_rotation.length_squared() > 0.5 {
            body_rotation.normalize()
        } else {
            self.rotation
        };
        let turned = rotation.angle_between(self.rotation) > 0.02;
        self.rotation = rotation;
        self.controls = controls;
        self.flying = controls & control::FLY != 0;
        turned
    }

    /// Moves the avatar for `dt` seconds. Returns true when it moved.
    pub fn step(&mut self, region: &Region, dt: f32) -> bool {
        let c = self.controls;
        let has = |bit: u32| c & bit != 0;
        let mut local = Vec3::ZERO;
        if has(control::AT_POS) || has(control::NUDGE_AT_POS) {
            local.x += 1.0;
        }
        if has(control::AT_NEG) || has(control::NUDGE_AT_NEG) {
            local.x -= 1.0;
        }
        if has(control::LEFT_POS) || has(control::NUDGE_LEFT_POS) {
            local.y += 1.0;
        }
        if has(control::LEFT_NEG) || has(control::NUDGE_LEFT_NEG) {
            local.y -= 1.0;
        }
        if self.flying {
            if has(control::UP_POS) {
                local.z += 1.0;
            }
            if has(control::UP_NEG) {
                local.z -= 1.0;
            }
        }
        let speed = if self.flying {
            FLY_SPEED
        } else if has(control::FAST_AT) {
            RUN_SPEED
        } else {
            WALK_SPEED
        };
        let before = self.position;
        // Walking ignores the body's pitch: move in the horizontal plane.
        let forward = (self.rotation * Vec3::X)
            .truncate()
            .try_normalize()
            .unwrap_or(Vec2::X);
        let left = Vec2::new(-forward.y, forward.x);
        let horizontal = forward * local.x + left * local.y;
        let dir = Vec3::new(horizontal.x, horizontal.y, local.z).normalize_or_zero();
        self.velocity = if has(control::STOP) {
            Vec3::ZERO
        } else {
            dir * speed
        };
        let mut p = self.position + self.velocity * dt;
        let max = REGION_SIZE as f32 - 0.5;
        p.x = p.x.clamp(0.5, max);
        p.y = p.y.clamp(0.5, max);
        let floor = self.ground(region, p.truncate()) + HALF_HEIGHT;
        p.z = if self.flying {
            p.z.clamp(floor, MAX_ALTITUDE)
        } else {
            floor
        };
        self.position = p;
        if (p - before).length_squared() < 1e-8 {
            self.velocity = Vec3::ZERO;
            false
        } else {
            true
        }
    }

    /// Height of the ground under a point; avatars wade on the sea bed
    /// but float at the surface when it is deeper than they are tall.
    pub fn ground(&self, region: &Region, xy: Vec2) -> f32 {
        region
            .ground_at(xy)
            .max(WATER_HEIGHT - 2.0 * HALF_HEIGHT + 0.2)
    }

    /// Height of the feet's support under the avatar.
    pub fn foot_height(&self, region: &Region) -> f32 {
        self.ground(region, self.position.truncate())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Instant;

    #[test]
    fn walking_forward_moves_along_the_body_rotation_and_follows_the_ground() {
        let region = Region::new("T", 1, 0, Instant::now());
        let spawn = region.info().spawn;
        let mut a = Avatar::new(1, spawn, Vec3::X);
        a.apply_update(
            Quat::from_rotation_z(std::f32::consts::FRAC_PI_2),
            control::AT_POS,
        );
        assert!(a.step(&region, 1.0));
        let moved = a.position - spawn;
        assert!((moved.y - WALK_SPEED).abs() < 1e-3, "walked north: {moved}");
        assert!(moved.x.abs() < 1e-3);
        let ground = a.foot_height(&region);
        assert!((a.position.z - ground - HALF_HEIGHT).abs() < 1e-4);
        a.apply_update(Quat::from_rotation_z(std::f32::consts::FRAC_PI_2), 0);
        assert!(!a.step(&region, 1.0), "no controls, no motion");
    }

    #[test]
    fn avatars_stay_inside_the_region() {
        let region = Region::new("T", 1, 0, Instant::now());
        let mut a = Avatar::new(1, Vec3::new(1.0, 1.0, 30.0), Vec3::X);
        a.apply_update(
            Quat::from_rotation_z(std::f32::consts::PI),
            control::AT_POS | control::FLY,
        );
        for _ in 0..100 {
            a.step(&region, 0.1);
        }
        assert!(a.position.x >= 0.5 && a.position.y >= 0.5);
    }
}

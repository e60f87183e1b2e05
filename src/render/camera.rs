//! The camera (Z-up, right-handed world: x east, y north, z up, metres) and the
//! view frustum used to cull instances.

use glam::{Mat4, Vec3, Vec4};

/// Nearest distance the camera draws, metres.
pub const NEAR_PLANE_M: f32 = 0.2;

/// Keeps the view direction off the poles, where the up vector degenerates.
const MAX_PITCH_RAD: f32 = 89.0 * std::f32::consts::PI / 180.0;

/// A perspective camera in world coordinates.
///
/// The far plane is not part of the camera: it is the draw distance from
/// [`crate::render::RenderSettings`].
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Camera {
    /// Eye position, region metres.
    pub position: Vec3,
    /// Heading in radians: 0 looks east (+x), π/2 looks north (+y).
    pub yaw: f32,
    /// Elevation in radians: positive looks up; clamped to ±89°.
    pub pitch: f32,
    /// Vertical field of view in radians.
    pub fov_y: f32,
    /// Width over height of the target.
    pub aspect: f32,
}

impl Default for Camera {
    fn default() -> Self {
        Camera {
            position: Vec3::new(128.0, 128.0, 40.0),
            yaw: 0.0,
            pitch: 0.0,
            fov_y: 60f32.to_radians(),
            aspect: 16.0 / 9.0,
        }
    }
}

impl Camera {
    /// A camera at `position` looking at `target`.
    pub fn look_at(position: Vec3, target: Vec3, fov_y: f32, aspect: f32) -> Camera {
        let d = target - position;
        let horizontal = (d.x * d.x + d.y * d.y).sqrt();
        let yaw = if horizontal > 0.0 {
            d.y.atan2(d.x)
        } else {
            0.0
        };
        let pitch = d.z.atan2(horizontal);
        Camera {
            position,
            yaw,
            pitch,
            fov_y,
            aspect,
        }
    }

    /// Unit vector the camera looks along.
    pub fn forward(&self) -> Vec3 {
        let pitch = self.pitch.clamp(-MAX_PITCH_RAD, MAX_PITCH_RAD);
        let (sy, cy) = self.yaw.sin_cos();
        let (sp, cp) = pitch.sin_cos();
        Vec3::new(cy * cp, sy * cp, sp)
    }

    /// World → view transform (right-handed, Z up).
    pub fn view(&self) -> Mat4 {
        Mat4::look_to_rh(self.position, self.forward(), Vec3::Z)
    }

    /// View → clip transform with wgpu's 0..1 depth range and the far plane at `far`.
    pub fn projection(&self, far: f32) -> Mat4 {
        let aspect = if self.aspect.is_finite() && self.aspect > 0.0 {
            self.aspect
        } else {
            1.0
        };
        let fov = if self.fov_y.is_finite() {
            self.fov_y.clamp(1f32.to_radians(), 170f32.to_radians())
        } else {
            60f32.to_radians()
        };
        Mat4::perspective_rh(fov, aspect, NEAR_PLANE_M, far.max(NEAR_PLANE_M * 2.0))
    }

    /// World → clip transform.
    pub fn view_projection(&self, far: f32) -> Mat4 {
        self.projection(far) * self.view()
    }
}

/// Six planes bounding what a view-projection matrix can see; each plane is
/// `(normal, d)` with the normal pointing inside and unit length.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Frustum {
    planes: [Vec4; 6],
}

impl Frustum {
    /// Extracts the planes from a world → clip matrix (depth range 0..1).
    pub fn from_view_projection(m: Mat4) -> Frustum {
        let r0 = m.row(0);
        let r1 = m.row(1);
        let r2 = m.row(2);
        let r3 = m.row(3);
        let raw = [
            r3 + r0, // left
            r3 - r0, // right
            r3 + r1, // bottom
            r3 - r1, // top
            r2,      // near (z >= 0)
            r3 - r2, // far
        ];
        let planes = raw.map(|p| {
            let len = p.truncate().length();
            if len > 0.0 { p / len } else { p }
        });
        Frustum { planes }
    }

    /// Whether a sphere is at least partly inside.
    pub fn intersects_sphere(&self, centre: Vec3, radius: f32) -> bool {
        self.planes
            .iter()
            .all(|p| p.truncate().dot(centre) + p.w >= -radius)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn yaw_zero_looks_east_and_quarter_turn_looks_north() {
        let mut c = Camera::default();
        assert!((c.forward() - Vec3::X).length() < 1e-6);
        c.yaw = std::f32::consts::FRAC_PI_2;
        assert!((c.forward() - Vec3::Y).length() < 1e-6);
    }

    #[test]
    fn look_at_points_at_the_target() {
        let c = Camera::look_at(Vec3::ZERO, Vec3::new(10.0, 10.0, 5.0), 1.0, 1.0);
        let want = Vec3::new(10.0, 10.0, 5.0).normalize();
        assert!((c.forward() - want).length() < 1e-5);
    }

    #[test]
    fn frustum_keeps_what_is_ahead_and_drops_what_is_behind_or_past_far() {
        let c = Camera {
            position: Vec3::ZERO,
            ..Camera::default()
        };
        let f = Frustum::from_view_projection(c.view_projection(100.0));
        assert!(f.intersects_sphere(Vec3::new(50.0, 0.0, 0.0), 1.0));
        assert!(!f.intersects_sphere(Vec3::new(-50.0, 0.0, 0.0), 1.0));
        assert!(!f.intersects_sphere(Vec3::new(150.0, 0.0, 0.0), 1.0));
        // Straddling the far plane counts as visible.
        assert!(f.intersects_sphere(Vec3::new(100.5, 0.0, 0.0), 1.0));
        // Far off to the side.
        assert!(!f.intersects_sphere(Vec3::new(10.0, 80.0, 0.0), 1.0));
    }

    #[test]
    fn up_in_the_world_is_up_on_screen() {
        let c = Camera {
            position: Vec3::ZERO,
            ..Camera::default()
        };
        let clip = c.view_projection(100.0) * Vec4::new(10.0, 0.0, 2.0, 1.0);
        assert!(clip.y / clip.w > 0.0);
        // North (+y) is on the left when looking east.
        let clip = c.view_projection(100.0) * Vec4::new(10.0, 2.0, 0.0, 1.0);
        assert!(clip.x / clip.w < 0.0);
    }
}

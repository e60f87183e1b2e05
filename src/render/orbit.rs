//! A minimal orbit camera: drag with the left mouse button to orbit a target,
//! scroll to zoom. Everything else about input belongs to the caller.

use glam::Vec3;
use winit::event::{ElementState, MouseButton, MouseScrollDelta, WindowEvent};

use super::camera::Camera;

/// Radians of orbit per pixel dragged.
const RADIANS_PER_PIXEL: f32 = 0.005;
/// Zoom factor per wheel line.
const ZOOM_PER_LINE: f32 = 0.9;
/// Pixels of touchpad scroll that count as one wheel line.
const PIXELS_PER_LINE: f32 = 40.0;

/// Orbits a target point; turn it into a [`Camera`] with [`OrbitCamera::camera`].
#[derive(Debug, Clone, PartialEq)]
pub struct OrbitCamera {
    /// The point looked at.
    pub target: Vec3,
    /// Eye distance from the target, metres.
    pub distance: f32,
    /// Heading of the view direction, radians (0 = looking east).
    pub yaw: f32,
    /// Elevation of the view direction, radians (negative = looking down).
    pub pitch: f32,
    /// Closest zoom, metres.
    pub min_distance: f32,
    /// Farthest zoom, metres.
    pub max_distance: f32,
    dragging: bool,
    last_cursor: Option<(f64, f64)>,
}

impl OrbitCamera {
    /// Looks at `target` from `distance` metres, heading `yaw`, looking down by `-pitch`.
    pub fn new(target: Vec3, distance: f32, yaw: f32, pitch: f32) -> OrbitCamera {
        OrbitCamera {
            target,
            distance,
            yaw,
            pitch,
            min_distance: 1.0,
            max_distance: 2048.0,
            dragging: false,
            last_cursor: None,
        }
    }

    /// Feeds one window event; returns true when the orbit camera used it.
    pub fn handle_event(&mut self, event: &WindowEvent) -> bool {
        match event {
            WindowEvent::MouseInput {
                state,
                button: MouseButton::Left,
                ..
            } => {
                self.dragging = *state == ElementState::Pressed;
                true
            }
            WindowEvent::CursorMoved { position, .. } => {
                let now = (position.x, position.y);
                let used = if let (true, Some(last)) = (self.dragging, self.last_cursor) {
                    self.drag((now.0 - last.0) as f32, (now.1 - last.1) as f32);
                    true
                } else {
                    false
                };
                self.last_cursor = Some(now);
                used
            }
            WindowEvent::CursorLeft { .. } => {
                self.last_cursor = None;
                false
            }
            WindowEvent::MouseWheel { delta, .. } => {
                let lines = match delta {
                    MouseScrollDelta::LineDelta(_, y) => *y,
                    MouseScrollDelta::PixelDelta(p) => p.y as f32 / PIXELS_PER_LINE,
                };
                self.zoom(lines);
                true
            }
            _ => false,
        }
    }

    /// Orbits by a drag of `dx`, `dy` pixels (right and down positive).
    pub fn drag(&mut self, dx: f32, dy: f32) {
        self.yaw -= dx * RADIANS_PER_PIXEL;
        self.pitch = (self.pitch + dy * RADIANS_PER_PIXEL).clamp(-1.5, 1.5);
    }

    /// Zooms in by `lines` wheel lines (negative zooms out).
    pub fn zoom(&mut self, lines: f32) {
        if lines.is_finite() {
            self.distance = (self.distance * ZOOM_PER_LINE.powf(lines))
                .clamp(self.min_distance, self.max_distance);
        }
    }

    /// The camera this orbit describes.
    pub fn camera(&self, fov_y: f32, aspect: f32) -> Camera {
        let look = Camera {
            position: self.target,
            yaw: self.yaw,
            pitch: self.pitch,
            fov_y,
            aspect,
        };
        Camera {
            position: self.target - look.forward() * self.distance,
            ..look
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn camera_looks_at_the_target_from_the_distance() {
        let o = OrbitCamera::new(Vec3::new(128.0, 128.0, 20.0), 30.0, 0.3, -0.4);
        let c = o.camera(1.0, 1.0);
        assert!((c.position.distance(o.target) - 30.0).abs() < 1e-3);
        let to_target = (o.target - c.position).normalize();
        assert!((c.forward() - to_target).length() < 1e-5);
    }

    #[test]
    fn zoom_is_clamped() {
        let mut o = OrbitCamera::new(Vec3::ZERO, 10.0, 0.0, 0.0);
        o.zoom(1000.0);
        assert_eq!(o.distance, o.min_distance);
        o.zoom(-10000.0);
        assert_eq!(o.distance, o.max_distance);
        o.zoom(f32::NAN);
        assert_eq!(o.distance, o.max_distance);
    }
}

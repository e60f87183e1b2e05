//! The windowed viewer: draws the scene each frame, follows the agent with
//! an orbit camera, and turns keys into agent movement.
//!
//! Keys: W/↑ forward, S/↓ back, A/← and D/→ turn, E/PgUp up, C/PgDn down,
//! F toggles flying, Esc quits. Drag with the left mouse button to orbit,
//! wheel to zoom.

use std::time::Instant;

use glam::{Quat, Vec3};
use kestrel_actors::circuit::{AgentCamera, AgentControl, ControlFlags};
use winit::event::{ElementState, KeyEvent, WindowEvent};
use winit::keyboard::{KeyCode, PhysicalKey};
use winit::window::Window;

use super::headless::FOV_Y;
use super::session::{AppError, Session};
use crate::config::PerformanceSettings;
use crate::render::{
    AppControl, Environment, OrbitCamera, WindowApp, WindowFrame, WindowOptions, run_window,
};
use crate::scene::SceneView;

/// Turning speed while A/D is held, radians per second.
const TURN_RATE: f32 = 1.8;

/// The movement keys held down.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
struct Keys {
    forward: bool,
    back: bool,
    left: bool,
    right: bool,
    up: bool,
    down: bool,
}

struct ViewerWindow<'a> {
    session: &'a Session,
    view: SceneView,
    orbit: OrbitCamera,
    keys: Keys,
    fly: bool,
    yaw: f32,
    sent: Option<AgentControl>,
    last_frame: Instant,
}

impl ViewerWindow<'_> {
    fn flags(&self) -> ControlFlags {
        let k = self.keys;
        let mut f = ControlFlags::default();
        for (held, flag) in [
            (k.forward, ControlFlags::AT_POS),
            (k.back, ControlFlags::AT_NEG),
            (k.left, ControlFlags::TURN_LEFT),
            (k.right, ControlFlags::TURN_RIGHT),
            (k.up, ControlFlags::UP_POS),
            (k.down, ControlFlags::UP_NEG),
            (self.fly, ControlFlags::FLY),
        ] {
            if held {
                f = f.with(flag);
            }
        }
        f
    }

    fn key(&mut self, event: &KeyEvent) -> AppControl {
        let down = event.state == ElementState::Pressed;
        let PhysicalKey::Code(code) = event.physical_key else {
            return AppControl::Continue;
        };
        match code {
            KeyCode::KeyW | KeyCode::ArrowUp => self.keys.forward = down,
            KeyCode::KeyS | KeyCode::ArrowDown => self.keys.back = down,
            KeyCode::KeyA | KeyCode::ArrowLeft => self.keys.left = down,
            KeyCode::KeyD | KeyCode::ArrowRight => self.keys.right = down,
            KeyCode::KeyE | KeyCode::PageUp => self.keys.up = down,
            KeyCode::KeyC | KeyCode::PageDown => self.keys.down = down,
            KeyCode::KeyF if down && !event.repeat => self.fly = !self.fly,
            KeyCode::Escape if down => return AppControl::Exit,
            _ => {}
        }
        AppControl::Continue
    }

    /// Sends the controls when they changed (the circuit repeats the last
    /// ones in every AgentUpdate).
    fn send_controls(&mut self, camera_at: Vec3, camera_pos: Vec3) {
        let body = Quat::from_rotation_z(self.yaw);
        let at = (camera_at - camera_pos).normalize_or(Vec3::X);
        let left = Vec3::Z.cross(at).normalize_or(Vec3::Y);
        let control = AgentControl {
            flags: self.flags(),
            body_rotation: body,
            head_rotation: Quat::IDENTITY,
            camera: AgentCamera {
                center: camera_pos,
                at,
                left,
                up: at.cross(left),
                far: 256.0,
            },
        };
        // Re-send only on a change of keys or a visible turn, not every frame.
        let changed = self
            .sent
            .is_none_or(|s| s.flags != control.flags || s.body_rotation.angle_between(body) > 0.02);
        if changed {
            self.session.control(control);
            self.sent = Some(control);
        }
    }
}

impl WindowApp for ViewerWindow<'_> {
    fn window_event(&mut self, _window: &Window, event: &WindowEvent) -> AppControl {
        self.orbit.handle_event(event);
        match event {
            WindowEvent::KeyboardInput { event, .. } => self.key(event),
            WindowEvent::CloseRequested => AppControl::Exit,
            _ => AppControl::Continue,
        }
    }

    fn draw(&mut self, frame: &mut WindowFrame<'_>) {
        let now = Instant::now();
        let dt = (now - self.last_frame).as_secs_f32().min(0.1);
        self.last_frame = now;
        if self.keys.left {
            self.yaw += TURN_RATE * dt;
        }
        if self.keys.right {
            self.yaw -= TURN_RATE * dt;
        }
        self.view.update(&self.session.scene);
        let agent = *self.session.scene.agent.load();
        if agent.known {
            self.orbit.target = agent.position + Vec3::Z;
        }
        let camera = self.orbit.camera(FOV_Y, frame.aspect());
        frame.render(
            &self.view.render_scene(Environment::default()),
            &camera,
            None,
        );
        self.view.frame_done();
        self.send_controls(self.orbit.target, camera.position);
    }
}

/// Runs the viewer in a window until it is closed.
pub fn run_windowed(
    session: &Session,
    settings: &PerformanceSettings,
    width: u32,
    height: u32,
) -> Result<(), AppError> {
    let options = WindowOptions {
        title: format!("Kestrel — {}", session.login.login_uri),
        width,
        height,
        vsync: true,
        settings: super::render_settings(settings),
    };
    let mut app = ViewerWindow {
        session,
        view: SceneView::new(2048),
        orbit: OrbitCamera::new(Vec3::new(128.0, 128.0, 25.0), 30.0, -2.3, 0.35),
        keys: Keys::default(),
        fly: false,
        yaw: 0.0,
        sent: None,
        last_frame: Instant::now(),
    };
    run_window(options, &mut app)?;
    Ok(())
}

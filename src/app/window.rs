//! The windowed viewer: draws the scene each frame, follows the agent with
//! an orbit camera, and turns keys into agent movement.
//!
//! Keys: W/↑ forward, S/↓ back, A/← and D/→ turn, E/PgUp up, C/PgDn down,
//! F toggles flying, Enter opens local chat (Esc closes it), Esc quits,
//! F1 shows or hides the editor. Drag with the
//! left mouse button to orbit, wheel to zoom. Input that egui takes (a click
//! on a panel, typing into a text box) does not reach the avatar or camera.
//!
//! The window opens either on a connected session or on the login screen,
//! which logs in on its own thread; the scene shows once the session arrives.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use glam::{Quat, Vec3};
use kestrel_actors::circuit::{AgentCamera, AgentControl, ControlFlags};
use kestrel_actors::plugin::PluginControl;
use kestrel_actors::telemetry::FrameSink;
use winit::event::{ElementState, KeyEvent, WindowEvent};
use winit::keyboard::{KeyCode, PhysicalKey};
use winit::window::Window;

use super::frame_figures::{frame_timing, record_in_editor};
use super::headless::FOV_Y;
use super::session::{AppError, Session};
use super::settings_follower::SettingsFollower;
use crate::config::{ConfigDir, PerformanceSettings};
use crate::editor::{ChatWindow, Editor, EditorSources, EguiPass, WindowStart};
use crate::governor::{FrameSample, TraceRecorder};
use crate::render::{
    AppControl, Environment, GpuContext, OrbitCamera, OverlayPass, Renderer, WindowApp,
    WindowFrame, WindowOptions, run_window,
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

struct ViewerWindow {
    session: Option<Session>,
    login: Option<crate::editor::LoginScreen>,
    egui: Option<EguiPass>,
    editor: Editor,
    sources: EditorSources,
    frames: Option<FrameSink>,
    /// Local chat (Enter opens it, Esc closes it).
    chat: ChatWindow,
    /// A session connected before the window opened, attached on the first frame.
    pending: Option<Session>,
    view: SceneView,
    orbit: OrbitCamera,
    keys: Keys,
    fly: bool,
    /// The avatar's heading (radians from east), turned by A/D.
    yaw: f32,
    /// Whether the camera has been put behind the avatar yet.
    placed: bool,
    sent: Option<AgentControl>,
    last_frame: Instant,
    /// The governor's clock: frame times are ms since the window opened.
    started: Instant,
    /// Gives the renderer the governor's settings when they change.
    settings: SettingsFollower,
    /// `--record-trace`: every frame's sample, written off the render thread.
    trace: Option<TraceRecorder>,
    /// Frames drawn, and how many to draw before closing (`--frames`).
    drawn: u64,
    exit_after: Option<u64>,
}

impl ViewerWindow {
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
        if changed && let Some(session) = &self.session {
            session.control(control);
            self.sent = Some(control);
        }
    }

    /// Takes over a connected session: the editor reads its telemetry
    /// (started here on the session's runtime), registry and circuit.
    fn attach(&mut self, mut session: Session, window: &Window) {
        let runtime = session.net.runtime.handle();
        match kestrel_actors::telemetry::spawn(&runtime) {
            Ok(t) => {
                self.sources.telemetry = Some(t.latest);
                self.frames = Some(t.frames);
            }
            Err(e) => tracing::warn!("telemetry actor did not start: {e}"),
        }
        self.sources.registry = Some(Arc::clone(runtime.registry()));
        self.sources.circuit = Some(session.net.circuit.stats.clone());
        self.sources.governor = Some(session.governor.clone());
        self.sources.assets = Some(session.assets.stats.clone());
        if let Some(demand) = session.demand.take() {
            self.view.set_demand(demand);
        }
        window.set_title(&format!("Kestrel — {}", session.login.login_uri));
        self.session = Some(session);
        self.login = None;
    }

    /// Whether an event egui saw should still reach the camera and avatar.
    /// Releases always do (a key or button held before egui took focus must
    /// not stay held); cursor moves do (the orbit only turns during its own drag).
    fn passes_through(event: &WindowEvent, consumed: bool) -> bool {
        if !consumed {
            return true;
        }
        match event {
            WindowEvent::KeyboardInput { event, .. } => event.state == ElementState::Released,
            WindowEvent::MouseInput { state, .. } => *state == ElementState::Released,
            WindowEvent::CursorMoved { .. } | WindowEvent::CursorLeft { .. } => true,
            _ => false,
        }
    }
}

impl WindowApp for ViewerWindow {
    fn started(&mut self, gpu: &GpuContext, window: &Arc<Window>, renderer: &mut Renderer) {
        self.egui = Some(EguiPass::new(&gpu.device, window, renderer.color_format()));
    }

    fn window_event(&mut self, window: &Window, event: &WindowEvent) -> AppControl {
        if matches!(event, WindowEvent::CloseRequested) {
            return AppControl::Exit;
        }
        if let WindowEvent::KeyboardInput { event: key, .. } = event
            && key.state == ElementState::Pressed
            && !key.repeat
            && key.physical_key == PhysicalKey::Code(KeyCode::F1)
        {
            self.editor.toggle();
            return AppControl::Continue;
        }
        // Enter opens the chat (the key goes no further: it must not also
        // reach the new input line); Esc closes it before it would quit.
        if let WindowEvent::KeyboardInput { event: key, .. } = event
            && key.state == ElementState::Pressed
            && !key.repeat
            && self.session.is_some()
        {
            let code = key.physical_key;
            if !self.chat.is_open()
                && (code == PhysicalKey::Code(KeyCode::Enter)
                    || code == PhysicalKey::Code(KeyCode::NumpadEnter))
            {
                self.chat.open();
                return AppControl::Continue;
            }
            if self.chat.is_open() && code == PhysicalKey::Code(KeyCode::Escape) {
                self.chat.close();
                return AppControl::Continue;
            }
        }
        let consumed = match &mut self.egui {
            Some(egui) => egui.on_window_event(window, event),
            None => false,
        };
        if !Self::passes_through(event, consumed) {
            return AppControl::Continue;
        }
        self.orbit.handle_event(event);
        match event {
            WindowEvent::KeyboardInput { event, .. } if self.session.is_some() => self.key(event),
            WindowEvent::KeyboardInput { event, .. }
                if event.physical_key == PhysicalKey::Code(KeyCode::Escape)
                    && event.state == ElementState::Pressed =>
            {
                AppControl::Exit
            }
            _ => AppControl::Continue,
        }
    }

    fn draw(&mut self, frame: &mut WindowFrame<'_>) {
        let work_started = Instant::now();
        let allocs_before = crate::alloc_stats::thread_counts();
        let arrived = match self.pending.take() {
            Some(s) => Some(s),
            None => self.login.as_mut().and_then(|l| l.poll()),
        };
        if let Some(session) = arrived {
            self.attach(session, frame.window());
        }
        let now = Instant::now();
        let dt = (now - self.last_frame).as_secs_f32().min(0.1);
        self.last_frame = now;
        if self.keys.left {
            self.yaw += TURN_RATE * dt;
        }
        if self.keys.right {
            self.yaw -= TURN_RATE * dt;
        }
        if let Some(session) = &self.session {
            // The governor's (or the user's) latest settings reach the
            // renderer here, between frames.
            self.settings.follow(&session.governor, frame.renderer());
            self.view.update(&session.scene);
            self.view.update_textures(&session.assets);
            let agent = *session.scene.agent.load();
            if agent.known {
                if !self.placed {
                    // First sight of our avatar: stand behind it, facing its way,
                    // and start turning from its heading rather than east.
                    let forward = agent.rotation * Vec3::X;
                    self.yaw = forward.y.atan2(forward.x);
                    self.orbit.yaw = self.yaw;
                    self.placed = true;
                }
                self.orbit.target = agent.position + Vec3::Z;
            }
        }
        let camera = self.orbit.camera(FOV_Y, frame.aspect());
        let ViewerWindow {
            login,
            egui,
            editor,
            sources,
            view,
            chat,
            session,
            ..
        } = self;
        // egui allocates even for an empty UI: run it only when something
        // is on screen, so an idle frame with nothing shown allocates nothing.
        let show_ui = login.is_some() || chat.is_open() || editor.wants_frame(sources);
        if let Some(egui) = egui.as_mut() {
            if show_ui {
                egui.run(frame.window(), |ui| {
                    if let Some(login) = login.as_mut() {
                        login.ui(ui);
                    }
                    editor.ui(ui, sources);
                    if let Some(s) = session.as_ref() {
                        chat.ui(ui.ctx(), &s.chat.log.load(), &s.chat.addr);
                    }
                });
            } else {
                egui.skip();
            }
        }
        let overlay = egui
            .as_mut()
            .filter(|_| show_ui)
            .map(|e| e as &mut dyn OverlayPass);
        let stats = frame.render(&view.render_scene(Environment::default()), &camera, overlay);
        view.frame_done();
        view.report_demand(frame.renderer().texture_demand());
        let gpu_ms = stats.gpu.map(|g| g.total_ms());
        record_in_editor(editor, &stats);
        if let Some(sink) = &self.frames {
            // With the `alloc-stats` feature: what this frame's own code allocated.
            let allocs =
                allocs_before.and_then(|b| Some(crate::alloc_stats::thread_counts()?.since(&b)));
            sink.record(frame_timing(&stats, allocs.as_ref()));
        }
        // The frame's work (scene, UI, recording, submit), without the wait
        // for vsync that follows: a vsync-bound interval would hide headroom.
        let sample = FrameSample {
            t_ms: self.started.elapsed().as_secs_f64() * 1e3,
            frame_ms: work_started.elapsed().as_secs_f64() * 1e3,
            gpu_ms: gpu_ms.map(f64::from),
            memory_pressure: None,
        };
        if let Some(trace) = &self.trace {
            trace.record(sample);
        }
        if let Some(session) = &self.session {
            session.governor.feed.record(sample);
            let profile = session.governor.settings.load().profile;
            editor.record_governed(sample.t_ms, sample.cost_ms(), profile);
        }
        self.send_controls(self.orbit.target, camera.position);
        self.drawn += 1;
        if self.exit_after.is_some_and(|n| self.drawn >= n) {
            frame.request_exit();
        }
    }
}

/// How the viewer window runs.
#[derive(Clone)]
pub struct WindowedOptions {
    /// Window size, pixels.
    pub width: u32,
    /// Window size, pixels.
    pub height: u32,
    /// Open with the editor shown.
    pub editor_open: bool,
    /// Where the editor saves the governor's thresholds.
    pub config_dir: Option<ConfigDir>,
    /// `--record-trace FILE`: write every frame's time as a governor trace.
    pub record_trace: Option<PathBuf>,
    /// `--frames N`: close the window after this many frames.
    pub exit_after_frames: Option<u64>,
    /// The plugins, for the editor's panel and their overlays.
    pub plugins: Option<PluginControl>,
}

/// Frames the trace recorder buffers before it drops (4 s at 240 fps).
pub(crate) const TRACE_BUFFER: usize = 1024;

/// Runs the viewer in a window until it is closed: on a connected session,
/// or on the login screen. Shuts the session down at the end. `settings`
/// are the renderer's until a session's governor says otherwise.
pub fn run_windowed(
    start: WindowStart,
    settings: &PerformanceSettings,
    options: WindowedOptions,
) -> Result<(), AppError> {
    let WindowedOptions {
        width,
        height,
        editor_open,
        config_dir,
        record_trace,
        exit_after_frames,
        plugins,
    } = options;
    let trace = match record_trace {
        Some(path) => Some(TraceRecorder::create(&path, TRACE_BUFFER)?),
        None => None,
    };
    let (session, login) = match start {
        WindowStart::Connected(session) => (Some(session), None),
        WindowStart::LoginScreen(login) => (None, Some(login)),
    };
    let title = match &session {
        Some(s) => format!("Kestrel — {}", s.login.login_uri),
        None => "Kestrel — log in".to_owned(),
    };
    let options = WindowOptions {
        title,
        width,
        height,
        vsync: true,
        settings: super::render_settings(settings),
    };
    let mut app = ViewerWindow {
        session: None,
        login,
        egui: None,
        editor: Editor::new(editor_open),
        sources: EditorSources {
            config_dir,
            plugins,
            ..EditorSources::default()
        },
        frames: None,
        pending: session,
        chat: ChatWindow::new(),
        view: SceneView::new(2048),
        orbit: OrbitCamera::new(Vec3::new(128.0, 128.0, 25.0), 14.0, -2.3, -0.3),
        keys: Keys::default(),
        fly: false,
        yaw: 0.0,
        placed: false,
        sent: None,
        last_frame: Instant::now(),
        started: Instant::now(),
        settings: SettingsFollower::new(),
        trace,
        drawn: 0,
        exit_after: exit_after_frames,
    };
    let result = run_window(options, &mut app);
    // A session that never reached a frame (the window failed to open) is
    // still shut down.
    for session in [app.session.take(), app.pending.take()]
        .into_iter()
        .flatten()
    {
        session.shutdown();
    }
    if let Some(trace) = app.trace.take() {
        match trace.finish() {
            Ok(stats) => tracing::info!(?stats, "frame-time trace written"),
            Err(e) => tracing::warn!("frame-time trace: {e}"),
        }
    }
    Ok(result?)
}

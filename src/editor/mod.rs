//! The editor: egui drawn in the viewer window ([`EguiPass`]), the login
//! screen ([`LoginScreen`]) and the panels toggled with F1 ([`Editor`]).
//!
//! Panels read the `Arc` snapshots the actors publish (`Latest::load`, no
//! lock, no copy) and act only through non-blocking control commands, so the
//! editor never makes a frame wait.

pub mod egui_pass;
pub mod login_screen;
pub mod panels;

use std::sync::Arc;

use egui::Ui;
use kestrel_actors::Registry;
use kestrel_actors::bus::Latest;
use kestrel_actors::circuit::CircuitStats;
use kestrel_actors::telemetry::TelemetrySnapshot;

pub use egui_pass::EguiPass;
pub use login_screen::{DEFAULT_LOGIN_URI, LoginForm, LoginFormError, LoginScreen, LoginState};
use panels::{ActorsPanel, FramePanel, network_ui};

/// What the editor reads: every source is optional (before login there is
/// no circuit; telemetry may be missing if its actor could not start).
#[derive(Clone, Default)]
pub struct EditorSources {
    /// The telemetry actor's snapshot.
    pub telemetry: Option<Latest<TelemetrySnapshot>>,
    /// The runtime's registry (to send control commands).
    pub registry: Option<Arc<Registry>>,
    /// The circuit's stats.
    pub circuit: Option<Latest<CircuitStats>>,
}

/// The editor's tabs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EditorTab {
    /// Every actor's mailbox and supervision figures.
    Actors,
    /// The circuit.
    Network,
    /// Frame times.
    Frame,
}

/// The editor window and its panels.
#[derive(Debug)]
pub struct Editor {
    open: bool,
    tab: EditorTab,
    actors: ActorsPanel,
    frame: FramePanel,
}

impl Editor {
    /// An editor, shown or hidden.
    pub fn new(open: bool) -> Self {
        Editor {
            open,
            tab: EditorTab::Actors,
            actors: ActorsPanel::new(),
            frame: FramePanel::new(),
        }
    }

    /// Shows or hides it (F1).
    pub fn toggle(&mut self) {
        self.open = !self.open;
    }

    /// Whether it is shown.
    pub fn is_open(&self) -> bool {
        self.open
    }

    /// Records a frame's times for the Frame panel (every frame, even hidden).
    pub fn record_frame(&mut self, frame: u64, cpu_ms: f32, gpu_ms: Option<f32>) {
        self.frame.record(frame, cpu_ms, gpu_ms);
    }

    /// Draws the editor window when it is open.
    pub fn ui(&mut self, ui: &mut Ui, sources: &EditorSources) {
        if !self.open {
            return;
        }
        let mut open = self.open;
        egui::Window::new("Editor (F1)")
            .open(&mut open)
            .default_width(1000.0)
            .default_pos([10.0, 10.0])
            .resizable(true)
            .show(ui.ctx(), |ui| {
                ui.horizontal(|ui| {
                    for (tab, name) in [
                        (EditorTab::Actors, "Actors"),
                        (EditorTab::Network, "Network"),
                        (EditorTab::Frame, "Frame"),
                    ] {
                        ui.selectable_value(&mut self.tab, tab, name);
                    }
                });
                ui.separator();
                self.tab_ui(ui, sources);
            });
        self.open = open;
    }

    fn tab_ui(&mut self, ui: &mut Ui, sources: &EditorSources) {
        match self.tab {
            EditorTab::Actors => match (&sources.telemetry, &sources.registry) {
                (Some(t), Some(r)) => {
                    let snapshot = t.load();
                    self.actors.ui(ui, &snapshot, r);
                }
                _ => {
                    ui.label("No telemetry: not connected yet.");
                }
            },
            EditorTab::Network => match &sources.circuit {
                Some(c) => network_ui(ui, &c.load()),
                None => {
                    ui.label("No circuit: not connected yet.");
                }
            },
            EditorTab::Frame => {
                let telemetry = sources.telemetry.as_ref().map(|t| t.load());
                self.frame.ui(ui, telemetry.as_ref().map(|t| &t.frames));
            }
        }
    }
}

/// What the viewer window opens on.
pub enum WindowStart {
    /// A session already connected (credentials on the command line, or the
    /// embedded region).
    Connected(crate::app::Session),
    /// The login screen; the scene shows once it has connected.
    LoginScreen(LoginScreen),
}

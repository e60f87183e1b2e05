//! The editor: egui drawn in the viewer window ([`EguiPass`]), the login
//! screen ([`LoginScreen`]) and the panels toggled with F1 ([`Editor`]).
//!
//! Panels read the `Arc` snapshots the actors publish (`Latest::load`, no
//! lock, no copy) and act only through non-blocking control commands, so the
//! editor never makes a frame wait.

pub mod chat_window;
pub mod egui_pass;
pub mod login_screen;
pub mod panels;

use std::sync::Arc;

use egui::Ui;
use kestrel_actors::Registry;
use kestrel_actors::bus::Latest;
use kestrel_actors::circuit::CircuitStats;
use kestrel_actors::telemetry::TelemetrySnapshot;

use crate::config::{ConfigDir, PerformanceProfile};
use crate::governor::GovernorHandle;
use kestrel_actors::plugin::PluginControl;

pub use chat_window::ChatWindow;
pub use egui_pass::EguiPass;
pub use login_screen::{DEFAULT_LOGIN_URI, LoginForm, LoginFormError, LoginScreen, LoginState};
use panels::{
    ActorsPanel, AssetsPanel, FramePanel, GovernorPanel, PluginsPanel, PreferencesPanel,
    network_ui, plugin_overlays_ui,
};

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
    /// The ScalingGovernor (Governor and Preferences panels).
    pub governor: Option<GovernorHandle>,
    /// Where Save writes the governor's thresholds (`None`: this run only).
    pub config_dir: Option<ConfigDir>,
    /// The plugins (their snapshot and non-blocking controls).
    pub plugins: Option<PluginControl>,
    /// The AssetActor's counters (Assets panel).
    pub assets: Option<Latest<crate::assets::AssetStats>>,
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
    /// The ScalingGovernor: profile history and thresholds.
    Governor,
    /// The performance profile and its settings.
    Preferences,
    /// Every plugin's state and faults, with restart/enable/disable.
    Plugins,
    /// The AssetActor: texture fetches, decodes, cache, memory, failures.
    Assets,
}

impl EditorTab {
    /// Every tab, in the order shown.
    pub const ALL: [EditorTab; 7] = [
        EditorTab::Actors,
        EditorTab::Network,
        EditorTab::Frame,
        EditorTab::Governor,
        EditorTab::Preferences,
        EditorTab::Plugins,
        EditorTab::Assets,
    ];

    /// The tab's title.
    pub fn name(self) -> &'static str {
        match self {
            EditorTab::Actors => "Actors",
            EditorTab::Network => "Network",
            EditorTab::Frame => "Frame",
            EditorTab::Governor => "Governor",
            EditorTab::Preferences => "Preferences",
            EditorTab::Plugins => "Plugins",
            EditorTab::Assets => "Assets",
        }
    }
}

/// The editor window and its panels.
#[derive(Debug)]
pub struct Editor {
    open: bool,
    /// Every panel in its own window at once, instead of one tabbed window.
    all: bool,
    tab: EditorTab,
    actors: ActorsPanel,
    frame: FramePanel,
    governor: GovernorPanel,
    preferences: PreferencesPanel,
    plugins: PluginsPanel,
    assets: AssetsPanel,
}

impl Editor {
    /// An editor, shown or hidden.
    pub fn new(open: bool) -> Self {
        Editor {
            open,
            all: false,
            tab: EditorTab::Actors,
            actors: ActorsPanel::new(),
            frame: FramePanel::new(),
            governor: GovernorPanel::new(),
            preferences: PreferencesPanel::new(),
            plugins: PluginsPanel::new(),
            assets: AssetsPanel::new(),
        }
    }

    /// Shows every panel at once, each in its own window (or back to one
    /// tabbed window).
    pub fn show_all(&mut self, all: bool) {
        self.all = all;
    }

    /// Switches the tabbed window to `tab`.
    pub fn select(&mut self, tab: EditorTab) {
        self.tab = tab;
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

    /// Records the GPU time of each pass for the Frame panel.
    pub fn record_gpu_passes(&mut self, gpu: &crate::render::GpuTimings) {
        self.frame.record_passes(gpu);
    }

    /// Records what the governor saw of a frame for the Governor panel's
    /// history (every frame, even hidden): when it ended (ms on the
    /// governor's clock), its cost and the profile in force.
    pub fn record_governed(&mut self, t_ms: f64, cost_ms: f64, profile: PerformanceProfile) {
        self.governor.record(t_ms, cost_ms, profile);
    }

    /// Whether anything of the editor is on screen this frame: the editor
    /// window, or a plugin's overlay text (egui need not run otherwise).
    pub fn wants_frame(&self, sources: &EditorSources) -> bool {
        self.open
            || sources.plugins.as_ref().is_some_and(|p| {
                p.latest()
                    .load()
                    .plugins
                    .iter()
                    .any(|r| r.overlay.is_some())
            })
    }

    /// Draws the plugins' overlays (always) and the editor window when it is open.
    pub fn ui(&mut self, ui: &mut Ui, sources: &EditorSources) {
        if let Some(plugins) = &sources.plugins {
            plugin_overlays_ui(ui.ctx(), &plugins.latest().load());
        }
        if !self.open {
            return;
        }
        let mut open = self.open;
        if self.all {
            // Tiled two rows down over the screen (four across for seven
            // panels), each panel its own window (resizable, scrolling
            // inside), so all of them stay on screen.
            let screen = ui.ctx().content_rect();
            let rows = 2;
            let cols = EditorTab::ALL.len().div_ceil(rows);
            let cell = egui::vec2(screen.width() / cols as f32, screen.height() / rows as f32);
            for (i, tab) in EditorTab::ALL.into_iter().enumerate() {
                let at = egui::pos2(
                    screen.left() + cell.x * (i % cols) as f32,
                    screen.top() + cell.y * (i / cols) as f32,
                );
                let rect = egui::Rect::from_min_size(at, cell).shrink(6.0);
                egui::Window::new(tab.name())
                    .open(&mut open)
                    .default_rect(rect)
                    .resizable(true)
                    .vscroll(true)
                    .hscroll(true)
                    .show(ui.ctx(), |ui| self.tab_ui(ui, tab, sources));
            }
        } else {
            // Tall enough for the Actors panel at the README's 1280×960;
            // longer panels scroll inside.
            let screen = ui.ctx().content_rect();
            egui::Window::new("Editor (F1)")
                .open(&mut open)
                .default_width(1240.0)
                .default_height((screen.height() * 0.62).max(200.0))
                .max_height(screen.height() - 20.0)
                .default_pos([10.0, 10.0])
                .resizable(true)
                .vscroll(true)
                .show(ui.ctx(), |ui| {
                    ui.horizontal(|ui| {
                        for tab in EditorTab::ALL {
                            ui.selectable_value(&mut self.tab, tab, tab.name());
                        }
                    });
                    ui.separator();
                    self.tab_ui(ui, self.tab, sources);
                });
        }
        self.open = open;
    }

    fn tab_ui(&mut self, ui: &mut Ui, tab: EditorTab, sources: &EditorSources) {
        match tab {
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
            EditorTab::Governor => match &sources.governor {
                Some(g) => {
                    let status = g.status.load();
                    self.governor
                        .ui(ui, &status, &g.addr, sources.config_dir.as_ref());
                }
                None => {
                    ui.label("No governor: not connected yet.");
                }
            },
            EditorTab::Plugins => match &sources.plugins {
                Some(c) => {
                    let snapshot = c.latest().load();
                    self.plugins.ui(ui, &snapshot, c);
                }
                None => {
                    ui.label("No plugin supervisor.");
                }
            },
            EditorTab::Assets => match &sources.assets {
                Some(a) => self.assets.ui(ui, &a.load()),
                None => {
                    ui.label("no asset actor");
                }
            },
            EditorTab::Preferences => match &sources.governor {
                Some(g) => {
                    let (status, active) = (g.status.load(), g.settings.load());
                    self.preferences.ui(ui, &status, &active, &g.addr);
                }
                None => {
                    ui.label("No session yet: preferences apply once connected.");
                }
            },
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

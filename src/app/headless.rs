//! `kestrel --headless`: the circuit-only run (log in, stay, report) and the
//! render run (log in, wait for the region, render N frames offscreen, save a
//! screenshot, report). Both end with one JSON line on stdout.
//!
//! The render run's frames are those of [`HeadlessViewer`], the render
//! thread of a viewer without a window (the editor included with
//! `--editor`); built with the `alloc-stats` feature it also reports the
//! render thread's heap allocations per frame.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use kestrel_actors::circuit::HeadlessReport;
use kestrel_actors::telemetry::FrameSink;

use super::frame_figures::{frame_timing, record_in_editor};
use super::settings_follower::SettingsFollower;
use serde::Serialize;

use super::session::{AppError, LoginTarget, Session, SessionOptions};
use crate::alloc_stats::{self, AllocCounts};
use crate::assets::TextureFigures;
use crate::config::PerformanceSettings;
use crate::editor::egui_pass::headless_input;
use crate::editor::{Editor, EditorSources, EguiPass};
use crate::governor::{FrameSample, TraceRecorder};
use crate::render::{
    Camera, Environment, FrameStats, HEADLESS_FORMAT, HeadlessRenderer, OverlayPass,
};
use crate::scene::SceneView;

/// The circuit-only run's JSON line: the circuit's report plus the textures'.
#[derive(Debug, Clone, Serialize)]
pub struct CircuitRunReport {
    /// The circuit's figures.
    #[serde(flatten)]
    pub circuit: HeadlessReport,
    /// What the AssetActor fetched and decoded during the run.
    pub textures: TextureFigures,
}

/// The render run's JSON line: the circuit's report plus frame figures.
#[derive(Debug, Clone, Serialize)]
pub struct RenderReport {
    /// The circuit's figures.
    #[serde(flatten)]
    pub circuit: HeadlessReport,
    /// What the AssetActor fetched and decoded during the run.
    pub textures: TextureFigures,
    /// Texture levels the frames uploaded to the GPU (textures arriving
    /// while the frames ran).
    pub textures_uploaded: u64,
    /// Objects the render thread drew from (its copy of the scene).
    pub objects_drawn: usize,
    /// Frames rendered.
    pub frames: u32,
    /// Median frame time (render + GPU finish), ms.
    pub frame_ms_p50: f64,
    /// 99th percentile frame time, ms.
    pub frame_ms_p99: f64,
    /// Median CPU time recording and submitting a frame, ms.
    pub cpu_ms_p50: f64,
    /// The adapter rendered on.
    pub adapter: String,
    /// Where the screenshot went.
    pub screenshot: Option<PathBuf>,
    /// Mean heap allocations per frame by Kestrel's code on the render
    /// thread, over the frames after [`alloc_warmup_frames`]. Absent unless
    /// built with the `alloc-stats` feature.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub allocs_per_frame: Option<f64>,
    /// Mean bytes those allocations requested per frame.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub alloc_bytes_per_frame: Option<f64>,
    /// Mean heap allocations per frame inside wgpu calls (wgpu-core, the
    /// driver, egui-wgpu) on the render thread, same frames.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub wgpu_allocs_per_frame: Option<f64>,
    /// Mean bytes those allocations requested per frame.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub wgpu_alloc_bytes_per_frame: Option<f64>,
}

/// Field of view of the viewer's camera, radians.
pub const FOV_Y: f32 = 1.0;

/// The circuit-only headless run: log in, stay `seconds`, report.
pub fn run_headless_circuit(
    target: LoginTarget,
    seconds: f64,
    options: SessionOptions,
) -> Result<CircuitRunReport, AppError> {
    // The same session as the window's (plugins see its events), without a renderer.
    let session = Session::start_with(target, options)?;
    session.connect(CONNECT_DEADLINE)?;
    let connected_at = Instant::now();
    std::thread::sleep(Duration::from_secs_f64(seconds));
    let connected_secs = connected_at.elapsed().as_secs_f64();
    let census = session.net.census()?;
    let stats = session.net.circuit.stats.clone();
    let textures = TextureFigures::from(&*session.assets.stats.load_full());
    let logged_out = session.shutdown();
    Ok(CircuitRunReport {
        circuit: HeadlessReport::new(&stats.load_full(), census, logged_out, connected_secs),
        textures,
    })
}

/// Frames the trace recorder buffers before it drops (as the window's).
const TRACE_BUFFER: usize = super::window::TRACE_BUFFER;

/// How long a headless run waits for login and the handshake.
const CONNECT_DEADLINE: Duration = Duration::from_secs(60);

/// The camera a headless run looks through: from the south-west corner,
/// high up, toward the middle of the region.
pub fn overview_camera(aspect: f32) -> Camera {
    // Above the village's south-east edge looking across it toward the
    // stone circle: the village sits inside even the Low draw distance, the
    // hills and the circle beyond it only inside Balanced and High.
    Camera::look_at(
        glam::Vec3::new(140.0, 92.0, 46.0),
        glam::Vec3::new(100.0, 140.0, 24.0),
        FOV_Y,
        aspect,
    )
}

/// What a headless render run does beyond logging in.
#[derive(Debug, Clone, PartialEq)]
pub struct HeadlessRenderOptions {
    /// Longest wait for the region to arrive, seconds.
    pub wait_seconds: f64,
    /// Frames to render (at least 1).
    pub frames: u32,
    /// Target size in pixels.
    pub size: (u32, u32),
    /// Where to save the last frame as PNG.
    pub screenshot: Option<PathBuf>,
    /// Draw the editor with every panel open on top of the scene.
    pub editor: bool,
    /// `--record-trace FILE`: every frame's time as a governor trace.
    pub record_trace: Option<PathBuf>,
}

/// Frames left out of the allocation means at the start of a run: the
/// larger of [`ALLOC_WARMUP_MIN_FRAMES`] and a tenth of the run, always
/// leaving at least one frame measured. The first frames upload meshes,
/// grow the render thread's vectors and fill egui's caches.
pub fn alloc_warmup_frames(frames: u32) -> u32 {
    (frames / 10)
        .max(ALLOC_WARMUP_MIN_FRAMES)
        .min(frames.saturating_sub(1))
}

/// The fewest frames [`alloc_warmup_frames`] leaves out.
pub const ALLOC_WARMUP_MIN_FRAMES: u32 = 60;

/// The render run.
pub fn run_headless_render(
    target: LoginTarget,
    settings: PerformanceSettings,
    options: &HeadlessRenderOptions,
    session: SessionOptions,
) -> Result<RenderReport, AppError> {
    let (width, height) = options.size;
    let frames = options.frames.max(1);
    let renderer =
        HeadlessRenderer::with_settings(width, height, super::render_settings(&settings))?;
    let adapter = renderer.gpu().summary.name.clone();
    tracing::info!(%adapter, "offscreen renderer ready");

    let mut session = Session::start_with(target, session)?;
    session.connect(CONNECT_DEADLINE)?;
    let connected_at = Instant::now();
    wait_for_region(&session, Duration::from_secs_f64(options.wait_seconds));

    let mut viewer = HeadlessViewer::new(renderer);
    if let Some(demand) = session.demand.take() {
        viewer.attach_demand(demand);
    }
    if options.editor {
        viewer.open_editor(&session);
    }
    let warmup = alloc_warmup_frames(frames);
    let mut allocs = AllocMean::default();
    let mut frame_ms = Vec::with_capacity(frames as usize);
    let mut cpu_ms = Vec::with_capacity(frames as usize);
    let trace = match &options.record_trace {
        Some(path) => Some(TraceRecorder::create(path, TRACE_BUFFER)?),
        None => None,
    };
    let started = Instant::now();
    for i in 0..frames {
        let record = viewer.frame(&session)?;
        if let Some(trace) = &trace {
            trace.record(FrameSample {
                t_ms: started.elapsed().as_secs_f64() * 1e3,
                frame_ms: record.frame_ms,
                gpu_ms: record.stats.gpu.map(|g| f64::from(g.total_ms())),
                memory_pressure: None,
            });
        }
        frame_ms.push(record.frame_ms);
        cpu_ms.push(f64::from(record.stats.cpu_ms));
        if i >= warmup
            && let Some(a) = record.allocs
        {
            allocs.add(&a);
        }
    }
    if let Some(trace) = trace {
        let stats = trace.finish()?;
        tracing::info!(?stats, "frame-time trace written");
    }
    if let Some(path) = &options.screenshot {
        viewer.renderer().save_png(path)?;
        tracing::info!(path = %path.display(), "screenshot written");
    }
    let objects_drawn = viewer.object_count();
    let textures_uploaded = viewer.textures_uploaded();
    drop(viewer);
    let textures = TextureFigures::from(&*session.assets.stats.load_full());
    let census = session.net.census()?;
    let stats = (*session.net.circuit.stats.load_full()).clone();
    let connected_secs = connected_at.elapsed().as_secs_f64();
    let logged_out = {
        let s = session;
        s.shutdown()
    };
    let circuit = HeadlessReport::new(&stats, census, logged_out, connected_secs);
    Ok(RenderReport {
        circuit,
        textures,
        textures_uploaded,
        objects_drawn,
        frames,
        frame_ms_p50: percentile(&mut frame_ms, 0.50),
        frame_ms_p99: percentile(&mut frame_ms, 0.99),
        cpu_ms_p50: percentile(&mut cpu_ms, 0.50),
        adapter,
        screenshot: options.screenshot.clone(),
        allocs_per_frame: allocs.mean(|a| a.kestrel_allocs),
        alloc_bytes_per_frame: allocs.mean(|a| a.kestrel_bytes),
        wgpu_allocs_per_frame: allocs.mean(|a| a.wgpu_allocs),
        wgpu_alloc_bytes_per_frame: allocs.mean(|a| a.wgpu_bytes),
    })
}

/// Sums of per-frame allocation counts, for the report's means.
#[derive(Debug, Default)]
struct AllocMean {
    frames: u64,
    sum: AllocCounts,
}

impl AllocMean {
    fn add(&mut self, a: &AllocCounts) {
        self.frames += 1;
        self.sum.kestrel_allocs += a.kestrel_allocs;
        self.sum.kestrel_bytes += a.kestrel_bytes;
        self.sum.wgpu_allocs += a.wgpu_allocs;
        self.sum.wgpu_bytes += a.wgpu_bytes;
    }

    /// The mean of one counter; `None` when nothing was measured.
    fn mean(&self, field: fn(&AllocCounts) -> u64) -> Option<f64> {
        (self.frames > 0).then(|| field(&self.sum) as f64 / self.frames as f64)
    }
}

/// What one headless frame did.
#[derive(Debug, Clone, Copy)]
pub struct FrameRecord {
    /// The renderer's figures.
    pub stats: FrameStats,
    /// Wall time of the whole frame (scene drain, UI, render, GPU finish), ms.
    pub frame_ms: f64,
    /// Heap allocations the render thread made during the frame; `None`
    /// when allocations are not counted (see [`crate::alloc_stats`]).
    pub allocs: Option<AllocCounts>,
}

/// The editor on a headless run: egui without a window, every panel open,
/// reading the session's telemetry, registry, circuit and governor.
struct HeadlessEditor {
    egui: EguiPass,
    editor: Editor,
    sources: EditorSources,
    /// Where frames are recorded for the telemetry actor (Frame panel).
    frames: Option<FrameSink>,
}

/// The render thread of a viewer without a window: drains the session's
/// scene, runs the editor's UI when it is open, renders offscreen and waits
/// for the GPU, once per [`HeadlessViewer::frame`]. The camera is the
/// [`overview_camera`] and does not move.
pub struct HeadlessViewer {
    renderer: HeadlessRenderer,
    view: SceneView,
    camera: Camera,
    editor: Option<HeadlessEditor>,
    /// Frames run (egui's clock: 60 frames a second).
    frames: u64,
    /// Gives the renderer the governor's settings when they change.
    settings: SettingsFollower,
}

impl HeadlessViewer {
    /// A viewer drawing with `renderer`; the editor starts absent.
    pub fn new(renderer: HeadlessRenderer) -> Self {
        let (width, height) = renderer.size();
        HeadlessViewer {
            camera: overview_camera(width as f32 / height as f32),
            renderer,
            view: SceneView::new(usize::MAX),
            editor: None,
            frames: 0,
            settings: SettingsFollower::new(),
        }
    }

    /// Gives the viewer an editor showing every panel at once, hidden until
    /// [`HeadlessViewer::open_editor`] (as in the window, where F1 shows
    /// it). From now on every frame is recorded for its Frame panel and
    /// into a telemetry actor started here on the session's runtime (the
    /// Actors and Frame panels read it; if it fails to start they stay
    /// empty). A second call does nothing.
    pub fn attach_editor(&mut self, session: &Session) {
        if self.editor.is_some() {
            return;
        }
        let runtime = session.net.runtime.handle();
        let mut sources = EditorSources {
            registry: Some(Arc::clone(runtime.registry())),
            circuit: Some(session.net.circuit.stats.clone()),
            governor: Some(session.governor.clone()),
            plugins: session.plugins.clone(),
            assets: Some(session.assets.stats.clone()),
            ..EditorSources::default()
        };
        let frames = match kestrel_actors::telemetry::spawn(&runtime) {
            Ok(t) => {
                sources.telemetry = Some(t.latest);
                Some(t.frames)
            }
            Err(e) => {
                tracing::warn!("telemetry actor did not start: {e}");
                None
            }
        };
        let mut editor = Editor::new(false);
        editor.show_all(true);
        let gpu = self.renderer.gpu();
        self.editor = Some(HeadlessEditor {
            egui: EguiPass::headless(&gpu.device, HEADLESS_FORMAT),
            editor,
            sources,
            frames,
        });
    }

    /// Shows the editor (attaching it first if needed).
    pub fn open_editor(&mut self, session: &Session) {
        self.attach_editor(session);
        if let Some(e) = &mut self.editor
            && !e.editor.is_open()
        {
            e.editor.toggle();
        }
    }

    /// Hides the editor (F1): egui is skipped from the next frame on.
    pub fn close_editor(&mut self) {
        if let Some(e) = &mut self.editor
            && e.editor.is_open()
        {
            e.editor.toggle();
        }
    }

    /// Whether the editor is shown.
    pub fn editor_open(&self) -> bool {
        self.editor.as_ref().is_some_and(|e| e.editor.is_open())
    }

    /// Runs one frame and waits for the GPU to finish it. Its allocations
    /// are those of the calling thread from the scene drain through the
    /// GPU wait and the editor's frame history.
    pub fn frame(&mut self, session: &Session) -> Result<FrameRecord, AppError> {
        let before = alloc_stats::thread_counts();
        let started = Instant::now();
        self.frames += 1;
        // The user's (or governor's) settings reach the renderer between frames.
        self.settings
            .follow(&session.governor, self.renderer.renderer_mut());
        self.view.update(&session.scene);
        self.view.update_textures(&session.assets);
        let (width, height) = self.renderer.size();
        let overlay = match &mut self.editor {
            Some(e) if e.editor.is_open() => {
                let time_s = self.frames as f64 / 60.0;
                let HeadlessEditor {
                    egui,
                    editor,
                    sources,
                    ..
                } = e;
                egui.run_raw(headless_input(width, height, time_s), |ui| {
                    editor.ui(ui, sources)
                });
                Some(&mut e.egui as &mut dyn OverlayPass)
            }
            Some(e) => {
                e.egui.skip();
                None
            }
            None => None,
        };
        let stats = self.renderer.render_with_overlay(
            &self.view.render_scene(Environment::default()),
            &self.camera,
            overlay,
        );
        self.view.frame_done();
        self.view
            .report_demand(self.renderer.renderer().texture_demand());
        self.renderer.wait_idle()?;
        if let Some(e) = &mut self.editor {
            record_in_editor(&mut e.editor, &stats);
        }
        let frame_ms = started.elapsed().as_secs_f64() * 1e3;
        let allocs = before.and_then(|b| Some(alloc_stats::thread_counts()?.since(&b)));
        // The one step after the count: a push into the sink's fixed ring,
        // which never allocates.
        if let Some(sink) = self.editor.as_ref().and_then(|e| e.frames.as_ref()) {
            sink.record(frame_timing(&stats, allocs.as_ref()));
        }
        Ok(FrameRecord {
            stats,
            frame_ms,
            allocs,
        })
    }

    /// Looks through `camera` from the next frame on.
    pub fn set_camera(&mut self, camera: Camera) {
        self.camera = camera;
    }

    /// Reports the renderer's texture demand through `demand` from now on.
    pub fn attach_demand(&mut self, demand: crate::assets::DemandSender) {
        self.view.set_demand(demand);
    }

    /// Texture levels handed to the renderer so far.
    pub fn textures_uploaded(&self) -> u64 {
        self.view.textures_uploaded()
    }

    /// The renderer (adapter, screenshots).
    pub fn renderer(&self) -> &HeadlessRenderer {
        &self.renderer
    }

    /// Objects in the render thread's copy of the scene.
    pub fn object_count(&self) -> usize {
        self.view.object_count()
    }
}

/// Waits until the whole terrain has arrived and the object count has
/// held still for half a second (the region has sent what it has), or
/// until `limit`.
pub fn wait_for_region(session: &Session, limit: Duration) {
    let start = Instant::now();
    let mut last = (usize::MAX, usize::MAX);
    let mut steady_since = Instant::now();
    while start.elapsed() < limit {
        let s = *session.scene.stats.load();
        let now = (s.objects, s.terrain_patches);
        if now != last {
            last = now;
            steady_since = Instant::now();
        } else if s.terrain_patches == crate::scene::PATCH_COUNT
            && s.objects > 0
            && steady_since.elapsed() >= Duration::from_millis(500)
        {
            break;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let s = *session.scene.stats.load();
    tracing::info!(
        objects = s.objects,
        terrain_patches = s.terrain_patches,
        "region arrived"
    );
}

/// The `q` quantile (nearest rank) of `v`; 0 for no samples.
pub fn percentile(v: &mut [f64], q: f64) -> f64 {
    if v.is_empty() {
        return 0.0;
    }
    v.sort_by(|a, b| a.total_cmp(b));
    let i = ((v.len() as f64 * q).ceil() as usize).clamp(1, v.len()) - 1;
    v[i]
}

#[cfg(test)]
mod tests {
    use super::percentile;

    #[test]
    fn percentile_is_nearest_rank() {
        let mut v = vec![5.0, 1.0, 3.0, 2.0, 4.0];
        assert_eq!(percentile(&mut v, 0.5), 3.0);
        assert_eq!(percentile(&mut v, 0.99), 5.0);
        assert_eq!(percentile(&mut [], 0.5), 0.0);
    }
}

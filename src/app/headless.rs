//! `kestrel --headless`: the circuit-only run (log in, stay, report) and the
//! render run (log in, wait for the region, render N frames offscreen, save a
//! screenshot, report). Both end with one JSON line on stdout.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use kestrel_actors::circuit::{HeadlessOptions, HeadlessReport, run_headless};
use serde::Serialize;

use super::session::{AppError, LoginTarget, Session};
use crate::config::PerformanceSettings;
use crate::render::{Camera, Environment, HeadlessRenderer};
use crate::scene::SceneView;

/// The render run's JSON line: the circuit's report plus frame figures.
#[derive(Debug, Clone, Serialize)]
pub struct RenderReport {
    /// The circuit's figures.
    #[serde(flatten)]
    pub circuit: HeadlessReport,
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
}

/// Field of view of the viewer's camera, radians.
pub const FOV_Y: f32 = 1.0;

/// The circuit-only headless run.
pub fn run_headless_circuit(target: LoginTarget, seconds: f64) -> Result<HeadlessReport, AppError> {
    let duration = Duration::from_secs_f64(seconds);
    match target {
        LoginTarget::Grid(login) => Ok(run_headless(HeadlessOptions::new(login, duration))?),
        LoginTarget::Embedded(config) => {
            // The embedded region needs a session to host it; the report comes
            // from the same circuit code as a grid run.
            let session = Session::start(LoginTarget::Embedded(config))?;
            let login = session.login.clone();
            let report = run_headless(HeadlessOptions::new(login, duration));
            session.shutdown();
            Ok(report?)
        }
    }
}

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

/// The render run.
pub fn run_headless_render(
    target: LoginTarget,
    settings: PerformanceSettings,
    wait_seconds: f64,
    frames: u32,
    (width, height): (u32, u32),
    screenshot: Option<PathBuf>,
) -> Result<RenderReport, AppError> {
    let mut renderer =
        HeadlessRenderer::with_settings(width, height, super::render_settings(&settings))?;
    let adapter = renderer.gpu().summary.name.clone();
    tracing::info!(%adapter, "offscreen renderer ready");

    let session = Session::start(target)?;
    session.connect(Duration::from_secs(60))?;
    wait_for_region(&session, Duration::from_secs_f64(wait_seconds));

    let mut view = SceneView::new(usize::MAX);
    let camera = overview_camera(width as f32 / height as f32);
    let mut frame_ms = Vec::with_capacity(frames as usize);
    let mut cpu_ms = Vec::with_capacity(frames as usize);
    for _ in 0..frames {
        let t = Instant::now();
        view.update(&session.scene);
        let stats = renderer.render(&view.render_scene(Environment::default()), &camera);
        view.frame_done();
        renderer.wait_idle()?;
        frame_ms.push(t.elapsed().as_secs_f64() * 1e3);
        cpu_ms.push(stats.cpu_ms as f64);
    }
    if let Some(path) = &screenshot {
        renderer.save_png(path)?;
        tracing::info!(path = %path.display(), "screenshot written");
    }
    let objects_drawn = view.object_count();
    let census = session.net.census()?;
    let stats = (*session.net.circuit.stats.load_full()).clone();
    let logged_out = {
        let s = session;
        s.shutdown()
    };
    let circuit = HeadlessReport::new(&stats, census, logged_out, 0.0);
    Ok(RenderReport {
        circuit,
        objects_drawn,
        frames,
        frame_ms_p50: percentile(&mut frame_ms, 0.50),
        frame_ms_p99: percentile(&mut frame_ms, 0.99),
        cpu_ms_p50: percentile(&mut cpu_ms, 0.50),
        adapter,
        screenshot,
    })
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

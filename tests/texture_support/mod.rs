//! Measuring textures on rendered pixels: where a face lands on screen, the
//! mean linear colour of the pixels inside it, and a texture's own mean.

#![allow(dead_code)]

use std::time::{Duration, Instant};

use glam::{Mat4, Vec3, Vec4};
use kestrel::app::{HeadlessViewer, Session, render_settings};
use kestrel::assets::AssetStats;
use kestrel::config::{PerformanceSettings, ProfileTable};
use kestrel::render::{Camera, HeadlessRenderer, RgbaImage};
use kestrel::scene::SceneStats;

/// A headless viewer of `session` at the High profile, `width × height`,
/// looking from `eye` at `target` and reporting its texture demand to the
/// session's AssetActor; with the settings it renders at.
pub fn textured_viewer(
    session: &mut Session,
    (width, height): (u32, u32),
    eye: Vec3,
    target: Vec3,
) -> (HeadlessViewer, Camera, PerformanceSettings) {
    let high = ProfileTable::built_in().high;
    let renderer = HeadlessRenderer::with_settings(width, height, render_settings(&high))
        .expect("a headless renderer (lavapipe on CI)");
    let mut viewer = HeadlessViewer::new(renderer);
    if let Some(demand) = session.demand.take() {
        viewer.attach_demand(demand);
    }
    let camera = Camera::look_at(
        eye,
        target,
        kestrel::app::FOV_Y,
        width as f32 / height as f32,
    );
    viewer.set_camera(camera);
    (viewer, camera, high)
}

/// Renders frames until, for 30 frames in a row, nothing was uploaded,
/// nothing is being fetched or decoded and `ready` holds (at most 2 minutes).
pub fn render_until_settled(
    viewer: &mut HeadlessViewer,
    session: &Session,
    ready: impl Fn(&AssetStats, &SceneStats) -> bool,
) -> AssetStats {
    let deadline = Instant::now() + Duration::from_secs(120);
    let mut quiet = 0;
    loop {
        let before = viewer.textures_uploaded();
        viewer.frame(session).expect("a frame");
        let s = session.assets.stats.load_full();
        let scene = *session.scene.stats.load();
        let busy = s.in_flight + s.queued + s.decoding;
        quiet = if viewer.textures_uploaded() == before && busy == 0 && ready(&s, &scene) {
            quiet + 1
        } else {
            0
        };
        if quiet >= 30 {
            return (*s).clone();
        }
        assert!(Instant::now() < deadline, "textures never settled: {s:#?}");
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// sRGB byte → linear.
pub fn linear(c: u8) -> f32 {
    let c = f32::from(c) / 255.0;
    if c <= 0.04045 {
        c / 12.92
    } else {
        ((c + 0.055) / 1.055).powf(2.4)
    }
}

/// Mean linear RGB of RGBA8 sRGB texels.
pub fn mean_linear_rgba(rgba: &[u8]) -> [f32; 3] {
    let mut sum = [0f64; 3];
    let n = (rgba.len() / 4).max(1);
    for p in rgba.chunks_exact(4) {
        for c in 0..3 {
            sum[c] += f64::from(linear(p[c]));
        }
    }
    sum.map(|s| (s / n as f64) as f32)
}

/// A screen rectangle, pixels (inclusive-exclusive).
#[derive(Debug, Clone, Copy)]
pub struct Rect {
    pub x0: u32,
    pub y0: u32,
    pub x1: u32,
    pub y1: u32,
}

impl Rect {
    /// Pixels inside.
    pub fn area(&self) -> u32 {
        self.x1.saturating_sub(self.x0) * self.y1.saturating_sub(self.y0)
    }

    /// Whether (x, y) is inside.
    pub fn contains(&self, x: u32, y: u32) -> bool {
        x >= self.x0 && x < self.x1 && y >= self.y0 && y < self.y1
    }
}

/// World point → pixel (x right, y down).
pub fn project(view_proj: Mat4, p: Vec3, width: u32, height: u32) -> (f32, f32) {
    let clip = view_proj * Vec4::new(p.x, p.y, p.z, 1.0);
    let ndc = clip / clip.w;
    (
        (ndc.x * 0.5 + 0.5) * width as f32,
        (0.5 - ndc.y * 0.5) * height as f32,
    )
}

/// The middle `keep` fraction of the screen box around these corners.
pub fn inner_rect(view_proj: Mat4, corners: &[Vec3], width: u32, height: u32, keep: f32) -> Rect {
    let pts: Vec<(f32, f32)> = corners
        .iter()
        .map(|c| project(view_proj, *c, width, height))
        .collect();
    let (mut x0, mut y0, mut x1, mut y1) = (f32::MAX, f32::MAX, f32::MIN, f32::MIN);
    for (x, y) in pts {
        x0 = x0.min(x);
        y0 = y0.min(y);
        x1 = x1.max(x);
        y1 = y1.max(y);
    }
    let (cx, cy) = ((x0 + x1) / 2.0, (y0 + y1) / 2.0);
    let (hw, hh) = ((x1 - x0) * keep / 2.0, (y1 - y0) * keep / 2.0);
    let clamp_x = |v: f32| v.clamp(0.0, width as f32) as u32;
    let clamp_y = |v: f32| v.clamp(0.0, height as f32) as u32;
    Rect {
        x0: clamp_x(cx - hw),
        y0: clamp_y(cy - hh),
        x1: clamp_x(cx + hw),
        y1: clamp_y(cy + hh),
    }
}

/// Mean linear RGB of the image's pixels inside `rect`.
pub fn mean_in(image: &RgbaImage, rect: Rect) -> [f32; 3] {
    mean_where(image, |x, y| rect.contains(x, y))
}

/// Mean linear RGB of the image's pixels where `keep(x, y)`.
pub fn mean_where(image: &RgbaImage, keep: impl Fn(u32, u32) -> bool) -> [f32; 3] {
    let mut sum = [0f64; 3];
    let mut n = 0u64;
    for y in 0..image.height {
        for x in 0..image.width {
            if !keep(x, y) {
                continue;
            }
            let p = image.pixel(x, y).expect("inside the image");
            for c in 0..3 {
                sum[c] += f64::from(linear(p[c]));
            }
            n += 1;
        }
    }
    assert!(n > 0, "no pixels to measure");
    sum.map(|s| (s / n as f64) as f32)
}

/// The four corners of a box's face whose outward normal is `normal` (an axis).
pub fn face_corners(centre: Vec3, size: Vec3, normal: Vec3) -> [Vec3; 4] {
    let h = size / 2.0;
    let n = normal * h;
    let (a, b) = if normal.x != 0.0 {
        (Vec3::Y * h.y, Vec3::Z * h.z)
    } else if normal.y != 0.0 {
        (Vec3::X * h.x, Vec3::Z * h.z)
    } else {
        (Vec3::X * h.x, Vec3::Y * h.y)
    };
    let c = centre + n;
    [c - a - b, c + a - b, c + a + b, c - a + b]
}

/// The middle `keep` fraction of the screen box around a box's face (see
/// [`face_corners`]).
pub fn face_rect(
    view_proj: Mat4,
    (centre, size, normal): (Vec3, Vec3, Vec3),
    (width, height): (u32, u32),
    keep: f32,
) -> Rect {
    inner_rect(
        view_proj,
        &face_corners(centre, size, normal),
        width,
        height,
        keep,
    )
}

/// Per channel `a / b`.
pub fn ratio(a: [f32; 3], b: [f32; 3]) -> [f32; 3] {
    [a[0] / b[0], a[1] / b[1], a[2] / b[2]]
}

/// Whether every channel of `got` is within `tolerance` (relative) of `want`.
pub fn close(got: [f32; 3], want: [f32; 3], tolerance: f32) -> bool {
    (0..3).all(|c| (got[c] - want[c]).abs() <= tolerance * want[c].max(0.02))
}

//! The viewer end to end, headless on whatever adapter wgpu finds (Mesa's
//! lavapipe in CI): log in to the embedded region over loopback, let the
//! scene arrive, render it offscreen and look at the pixels.

use std::time::Duration;

use kestrel::app::{LoginTarget, Session, overview_camera, render_settings, wait_for_region};
use kestrel::config::{PerformanceProfile, ProfileTable};
use kestrel::render::{Environment, HeadlessRenderer, RenderScene, RgbaImage};
use kestrel::scene::{PATCH_COUNT, SceneView};
use kestrel::sim::SimConfig;

const W: u32 = 320;
const H: u32 = 180;

/// Pixels of `a` that differ from the same pixel of `b` by more than a
/// little (sum of channel differences over 24).
fn differing(a: &RgbaImage, b: &RgbaImage, rows: std::ops::Range<u32>) -> usize {
    let mut n = 0;
    for y in rows {
        for x in 0..a.width {
            let (p, q) = (a.pixel(x, y).unwrap(), b.pixel(x, y).unwrap());
            let d: i32 = (0..3).map(|i| (p[i] as i32 - q[i] as i32).abs()).sum();
            if d > 24 {
                n += 1;
            }
        }
    }
    n
}

struct Shots {
    sky: RgbaImage,
    terrain: RgbaImage,
    full: RgbaImage,
}

fn shoot(r: &mut HeadlessRenderer, view: &SceneView) -> Shots {
    let camera = overview_camera(W as f32 / H as f32);
    let full_scene = view.render_scene(Environment::default());
    let mut grab = |scene: &RenderScene<'_>| {
        r.render(scene, &camera);
        r.read_pixels().expect("read back the frame")
    };
    let full = grab(&full_scene);
    let terrain = grab(&RenderScene {
        instances: &[],
        mesh_uploads: &[],
        ..full_scene
    });
    let sky = grab(&RenderScene {
        terrain: None,
        instances: &[],
        mesh_uploads: &[],
        ..full_scene
    });
    Shots { sky, terrain, full }
}

#[test]
fn the_embedded_region_renders_terrain_and_prims_and_profiles_change_draw_distance() {
    let table = ProfileTable::built_in();
    let low = table.get(PerformanceProfile::Low).unwrap();
    let high = table.get(PerformanceProfile::High).unwrap();
    let mut renderer = HeadlessRenderer::with_settings(W, H, render_settings(&low))
        .expect("an adapter (lavapipe in CI) for offscreen rendering");

    let config = SimConfig {
        churn_secs: 0,
        ..SimConfig::default()
    };
    let session = Session::start(LoginTarget::Embedded(config)).expect("start the session");
    session
        .connect(Duration::from_secs(60))
        .expect("log in to the embedded region");
    wait_for_region(&session, Duration::from_secs(60));
    let mut view = SceneView::new(usize::MAX);
    view.update(&session.scene);
    assert_eq!(
        view.terrain_patches(),
        PATCH_COUNT,
        "all terrain arrived before rendering"
    );
    assert!(
        view.object_count() >= 300,
        "the region's prims are in the view: {}",
        view.object_count()
    );

    let low_shots = shoot(&mut renderer, &view);
    view.frame_done();
    renderer.set_settings(render_settings(&high));
    let high_shots = shoot(&mut renderer, &view);
    session.shutdown();

    let (all, lower) = ((W * H) as usize, (W * (H / 2)) as usize);
    // Terrain covers most of the lower half, where the camera looks down.
    let terrain_px = differing(&low_shots.terrain, &low_shots.sky, H / 2..H);
    assert!(
        terrain_px * 2 > lower,
        "terrain covers {terrain_px} of {lower} lower-half pixels"
    );
    // Prims are drawn over the terrain where the camera looks.
    let prim_px = differing(&low_shots.full, &low_shots.terrain, 0..H);
    assert!(prim_px * 100 > all, "prims cover {prim_px} of {all} pixels");
    // The High profile's longer draw distance shows land and objects that
    // Low leaves to the sky.
    let low_world = differing(&low_shots.full, &low_shots.sky, 0..H);
    let high_world = differing(&high_shots.full, &high_shots.sky, 0..H);
    assert!(
        high_world > low_world + all / 50,
        "High draws {high_world} non-sky pixels, Low {low_world}: no measurable draw-distance change"
    );
}

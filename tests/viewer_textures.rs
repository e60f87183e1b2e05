//! The embedded region's own textures on the pixels: the viewer logs in over
//! loopback, streams the region's textures through its AssetActor and renders
//! headless (lavapipe on CI). A textured board and a white board stand side by
//! side, lit alike, so the ratio of their pixels must be the texture's own
//! mean colour.

mod texture_support;

use std::time::{Duration, Instant};

use glam::Vec3;
use kestrel::app::{HeadlessViewer, LoginTarget, Session, SessionOptions, render_settings};
use kestrel::config::ProfileTable;
use kestrel::render::{Camera, HeadlessRenderer};
use kestrel::sim::SimConfig;
use texture_support::{close, face_rect, mean_in, mean_linear_rgba, ratio};

const WIDTH: u32 = 640;
const HEIGHT: u32 = 480;

#[test]
fn the_embedded_regions_textures_show_on_its_prims() {
    let config = SimConfig {
        churn_secs: 0,
        texture_boards: true,
        ..SimConfig::default()
    };
    let mut session = Session::start_with(LoginTarget::Embedded(config), SessionOptions::default())
        .expect("start the session");
    session.connect(Duration::from_secs(30)).expect("connect");
    let sim = session.embedded().expect("the embedded region").clone();
    let [textured, white, _flat] = sim.texture_boards().expect("boards were asked for");

    let high = ProfileTable::built_in().high;
    let renderer = HeadlessRenderer::with_settings(WIDTH, HEIGHT, render_settings(&high))
        .expect("a headless renderer (lavapipe on CI)");
    let mut viewer = HeadlessViewer::new(renderer);
    if let Some(demand) = session.demand.take() {
        viewer.attach_demand(demand);
    }
    let middle = (textured.centre + white.centre) / 2.0;
    let camera = Camera::look_at(
        middle - Vec3::new(0.0, 12.0, -2.0),
        middle,
        kestrel::app::FOV_Y,
        WIDTH as f32 / HEIGHT as f32,
    );
    viewer.set_camera(camera);

    let deadline = Instant::now() + Duration::from_secs(120);
    let mut quiet = 0;
    loop {
        let before = viewer.textures_uploaded();
        viewer.frame(&session).expect("a frame");
        let s = session.assets.stats.load_full();
        let busy = s.in_flight + s.queued + s.decoding;
        quiet = if viewer.textures_uploaded() == before && busy == 0 && s.decoded >= s.requested {
            quiet + 1
        } else {
            0
        };
        if quiet >= 30 && s.requested > 4 {
            break;
        }
        assert!(Instant::now() < deadline, "textures never settled: {s:#?}");
        std::thread::sleep(Duration::from_millis(5));
    }
    let stats = (*session.assets.stats.load_full()).clone();
    assert_eq!(stats.failed, 0, "{stats:#?}");
    let image = viewer
        .renderer()
        .read_pixels()
        .expect("read the frame back");
    let _ = image.save_png(&std::env::temp_dir().join("kestrel-embedded-textures.png"));

    let vp = camera.view_projection(high.draw_distance_m);
    let textured_rect = face_rect(
        vp,
        (textured.centre, textured.size, -Vec3::Y),
        (WIDTH, HEIGHT),
        0.6,
    );
    let white_rect = face_rect(
        vp,
        (white.centre, white.size, -Vec3::Y),
        (WIDTH, HEIGHT),
        0.6,
    );
    assert!(textured_rect.area() > 2000 && white_rect.area() > 2000);
    let got = ratio(mean_in(&image, textured_rect), mean_in(&image, white_rect));

    // The texture as the region serves it, decoded here.
    let lib = sim.textures().clone();
    let bytes = lib
        .codestream_blocking(textured.texture)
        .expect("a library texture")
        .expect("encoded");
    let decoded = kestrel_j2k::decode(&bytes, 0, &kestrel_j2k::Limits::default()).unwrap();
    let want = mean_linear_rgba(&decoded.rgba);
    eprintln!("textured/white on screen {got:?}, texture mean {want:?}");
    assert!(
        close(got, want, 0.15),
        "the textured board's pixels {got:?} are not its texture's colour {want:?}"
    );
    // Not a white box.
    assert!(
        !close(got, [1.0, 1.0, 1.0], 0.1),
        "the board renders white: {got:?}"
    );
    drop(viewer);
    session.shutdown();
}

//! The embedded region's own textures on the pixels: the viewer logs in over
//! loopback, streams the region's textures through its AssetActor and renders
//! headless (lavapipe on CI). A textured board and a white board stand side by
//! side, lit alike, so the ratio of their pixels must be the texture's own
//! mean colour.

mod texture_support;

use std::time::Duration;

use glam::Vec3;
use kestrel::app::{LoginTarget, Session, SessionOptions};
use kestrel::sim::SimConfig;
use texture_support::{
    close, face_rect, mean_in, mean_linear_rgba, ratio, render_until_settled, textured_viewer,
};

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

    let middle = (textured.centre + white.centre) / 2.0;
    let (mut viewer, camera, high) = textured_viewer(
        &mut session,
        (WIDTH, HEIGHT),
        middle - Vec3::new(0.0, 12.0, -2.0),
        middle,
    );
    let stats = render_until_settled(&mut viewer, &session, |s, _| {
        s.decoded >= s.requested && s.requested > 4
    });
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

//! Textures against a real OpenSimulator 0.9.2.2 region: the viewer fetches
//! OpenSim's plywood, blank and terrain textures over its texture capability,
//! and a headless render shows them — checked on the pixels.
//!
//! The scene: a plywood board and a blank (white) board standing side by
//! side, lit alike, so the ratio of their pixels is the plywood texture's
//! own mean colour; a blank board lying flat, lit as flat terrain is, so the
//! ratio of the ground's pixels to its pixels is the terrain texturing's mean
//! colour, which must be a blend of OpenSim's four terrain textures.
//! Skipped with one line when `KESTREL_OPENSIM_ARCHIVE` is not set (a failure
//! under `KESTREL_OPENSIM_REQUIRED=1`, as in `.ci/run`).

mod opensim_support;
mod texture_support;

use std::time::Duration;

use glam::Vec3;
use kestrel::app::{LoginTarget, Session};
use kestrel_actors::circuit::LoginParams;
use kestrel_protocol::login::StartLocation;
use opensim_support::content::{BLANK_BOARD, FLAT_BOARD, PLYWOOD_BOARD, texture_boards};
use opensim_support::{FIRST, LAST, OpenSim, PASSWORD};
use texture_support::{
    close, face_rect, mean_in, mean_linear_rgba, mean_where, ratio, render_until_settled,
    textured_viewer,
};

/// OpenSim's default terrain textures (its `TexturesAssetSet`), lowest first.
const TERRAIN_FILES: [&str; 4] = [
    "Terrain Dirt-b8d3965a-ad78-bf43-699b-bff8eca6c975.texture",
    "Terrain Grass-abb783e6-3e93-26c0-248a-247666855da3.texture",
    "Terrain Mountain-179cdabd-398a-9b6b-1391-4dc333ba321f.texture",
    "Terrain Rock-beb169c7-11ea-fff2-efe5-0f24dc881df2.texture",
];

const WIDTH: u32 = 640;
const HEIGHT: u32 = 480;

fn step(what: &str) {
    eprintln!("[opensim_textures] {what}");
}

/// Mean linear colour of one of OpenSim's bundled textures, decoded here.
fn texture_mean(region: &OpenSim, file: &str) -> [f32; 3] {
    let path = region.dir.join("bin/assets/TexturesAssetSet").join(file);
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let img = kestrel_j2k::decode(&bytes, 0, &kestrel_j2k::Limits::default())
        .unwrap_or_else(|e| panic!("{file}: {e}"));
    mean_linear_rgba(&img.rgba)
}

#[test]
fn opensim_textures_show_on_prims_and_terrain() {
    let Some(region) = OpenSim::start("opensim_textures") else {
        return;
    };
    let content = texture_boards();
    let file = region.dir.join("boards.xml");
    content.write(&file).expect("write the xml2 file");
    region.load_xml2(&file, content.group_count());

    let login = LoginParams {
        login_uri: region.login_uri(),
        first: FIRST.into(),
        last: LAST.into(),
        password: PASSWORD.into(),
        start: StartLocation::Last,
    };
    let mut session = Session::start(LoginTarget::Grid(login)).expect("start the session");
    step("logging in");
    session
        .connect(Duration::from_secs(300))
        .expect("log in to OpenSim");

    let (mut viewer, camera, high) = textured_viewer(
        &mut session,
        (WIDTH, HEIGHT),
        Vec3::new(143.0, 124.0, 39.0),
        Vec3::new(143.0, 140.0, 30.0),
    );

    // Frames until the boards are in, the plywood has come at a level that
    // fills its board, the terrain textures have arrived and the uploads are
    // done.
    step("rendering until the textures have arrived");
    let stats = render_until_settled(&mut viewer, &session, |s, scene| {
        s.decoded >= 6 && scene.objects >= 4 && scene.terrain_patches == 256
    });
    step(&format!("textures: {stats:?}"));
    assert_eq!(stats.failed, 0, "{stats:#?}");
    // Plywood, blank and the four terrain textures (and whatever our avatar wears).
    assert!(stats.decoded >= 6, "{stats:#?}");
    let image = viewer
        .renderer()
        .read_pixels()
        .expect("read the frame back");
    let shot = std::env::temp_dir().join("kestrel-opensim-textures.png");
    let _ = image.save_png(&shot);
    step(&format!("frame saved to {}", shot.display()));

    let vp = camera.view_projection(high.draw_distance_m);
    let standing = Vec3::new(4.0, 0.2, 4.0);
    let plywood_rect = face_rect(
        vp,
        (PLYWOOD_BOARD, standing, -Vec3::Y),
        (WIDTH, HEIGHT),
        0.6,
    );
    let blank_rect = face_rect(vp, (BLANK_BOARD, standing, -Vec3::Y), (WIDTH, HEIGHT), 0.6);
    let flat_rect = face_rect(
        vp,
        (FLAT_BOARD, Vec3::new(4.0, 4.0, 0.2), Vec3::Z),
        (WIDTH, HEIGHT),
        0.5,
    );
    assert!(plywood_rect.area() > 2000 && blank_rect.area() > 2000 && flat_rect.area() > 500);

    // Prims: plywood / blank on the pixels = plywood / blank as textures.
    let plywood = mean_in(&image, plywood_rect);
    let blank = mean_in(&image, blank_rect);
    let want = ratio(
        texture_mean(&region, "plywood.jp2"),
        texture_mean(&region, "blank.j2c"),
    );
    let got = ratio(plywood, blank);
    step(&format!(
        "plywood/blank on screen {got:?}, as textures {want:?}"
    ));
    assert!(
        close(got, want, 0.15),
        "the plywood board's pixels {got:?} are not the plywood texture's colour {want:?}"
    );
    // It is not a white box: plywood is brown.
    assert!(got[0] > got[1] && got[1] > got[2], "{got:?}");

    // Terrain: the ground below the boards, against the flat blank board.
    let ground = mean_where(&image, |x, y| {
        y >= HEIGHT * 88 / 100
            && !plywood_rect.contains(x, y)
            && !blank_rect.contains(x, y)
            && x > flat_rect.x1 + 20
    });
    let flat = mean_in(&image, flat_rect);
    let terrain = ratio(ground, flat);
    let means: Vec<[f32; 3]> = TERRAIN_FILES
        .iter()
        .map(|f| texture_mean(&region, f))
        .collect();
    // Some blend of two neighbouring terrain textures (the viewer blends by
    // height; which two depends on the ground's height).
    let best = (0..3)
        .flat_map(|i| (0..=20).map(move |k| (i, k as f32 / 20.0)))
        .map(|(i, t)| {
            let mix: [f32; 3] =
                std::array::from_fn(|c| means[i][c] * (1.0 - t) + means[i + 1][c] * t);
            let err = (0..3)
                .map(|c| ((terrain[c] - mix[c]) / mix[c].max(0.02)).abs())
                .fold(0.0, f32::max);
            (err, mix)
        })
        .min_by(|a, b| a.0.total_cmp(&b.0))
        .unwrap();
    step(&format!(
        "terrain on screen {terrain:?}, nearest blend of OpenSim's terrain textures {:?} (error {:.2})",
        best.1, best.0
    ));
    assert!(
        best.0 <= 0.25,
        "the ground's colour {terrain:?} is no blend of the terrain textures {means:?}"
    );
    drop(viewer);
    session.shutdown();
}

//! Renders real frames offscreen on whatever adapter exists (lavapipe on CI)
//! and checks the pictures: sky above, terrain below, cubes where they stand,
//! draw distance and shader quality changing what is drawn.

use std::sync::Arc;

use glam::{Mat4, Vec3, Vec4};
use kestrel::render::demo::{rolling_terrain, unit_cube};
use kestrel::render::{
    Camera, Environment, HeadlessRenderer, MeshKey, MeshUpload, PrimInstance, RenderScene,
    RenderSettings, RgbaImage, ShaderQuality, TerrainSource,
};

const W: u32 = 200;
const H: u32 = 150;
const CUBE: MeshKey = MeshKey(1);

struct World {
    terrain: kestrel::mesh::MeshData,
    uploads: Vec<MeshUpload>,
    instances: Vec<PrimInstance>,
}

impl World {
    fn new(instances: Vec<PrimInstance>) -> World {
        World {
            terrain: rolling_terrain(64),
            uploads: vec![MeshUpload {
                key: CUBE,
                mesh: Arc::new(unit_cube()),
            }],
            instances,
        }
    }

    fn scene(&self) -> RenderScene<'_> {
        RenderScene {
            terrain: Some(TerrainSource {
                version: 1,
                mesh: &self.terrain,
            }),
            mesh_uploads: &self.uploads,
            mesh_removals: &[],
            instances: &self.instances,
            environment: Environment::default(),
            ..RenderScene::default()
        }
    }
}

fn camera() -> Camera {
    // South edge of the region, eye 16 m above the hills, looking north, slightly down.
    Camera {
        position: Vec3::new(128.0, 10.0, 40.0),
        yaw: std::f32::consts::FRAC_PI_2,
        pitch: -0.2,
        fov_y: 60f32.to_radians(),
        aspect: W as f32 / H as f32,
    }
}

fn cube(at: Vec3, size: f32, colour: [f32; 4]) -> PrimInstance {
    PrimInstance {
        mesh: CUBE,
        model: Mat4::from_scale_rotation_translation(Vec3::splat(size), Default::default(), at),
        colour,
        faces: Default::default(),
    }
}

/// Pixel position of a world point.
fn project(cam: &Camera, p: Vec3, far: f32) -> (u32, u32) {
    let clip = cam.view_projection(far) * Vec4::from((p, 1.0));
    let ndc = clip.truncate() / clip.w;
    let x = (ndc.x * 0.5 + 0.5) * W as f32;
    let y = (0.5 - ndc.y * 0.5) * H as f32;
    assert!(ndc.x.abs() < 1.0 && ndc.y.abs() < 1.0, "{p} is off screen");
    (x as u32, y as u32)
}

fn renderer(settings: RenderSettings) -> HeadlessRenderer {
    let r = HeadlessRenderer::with_settings(W, H, settings)
        .unwrap_or_else(|e| panic!("no adapter for headless rendering: {e}"));
    eprintln!("adapter: {}", r.gpu().summary);
    r
}

fn draw(r: &mut HeadlessRenderer, world: &World) -> RgbaImage {
    r.render(&world.scene(), &camera());
    r.read_pixels().expect("readback")
}

fn differs(a: [u8; 4], b: [u8; 4], by: u8) -> bool {
    a.iter().zip(b).take(3).any(|(x, y)| x.abs_diff(y) > by)
}

/// Fraction of pixels of row `y` for which `pred` holds.
fn row_fraction(img: &RgbaImage, y: u32, pred: impl Fn([u8; 4]) -> bool) -> f32 {
    let hits = (0..img.width)
        .filter(|&x| pred(img.pixel(x, y).unwrap()))
        .count();
    hits as f32 / img.width as f32
}

fn is_sky(p: [u8; 4]) -> bool {
    p[2] > p[0] && p[2] >= p[1] && p[2] > 120
}

fn is_terrain(p: [u8; 4]) -> bool {
    // Grass: green dominant, darker than the sky.
    p[1] > p[2] && p[1] >= p[0] && p[2] < 150
}

fn red(p: [u8; 4]) -> bool {
    p[0] > 100 && p[0] > p[1] + 40 && p[0] > p[2] + 40
}

#[test]
fn terrain_below_sky_above_and_cubes_where_they_stand() {
    let cam = camera();
    let near_cubes = [
        Vec3::new(118.0, 50.0, 30.0),
        Vec3::new(138.0, 55.0, 32.0),
        Vec3::new(128.0, 80.0, 48.0),
    ];
    let with_cubes = World::new(
        near_cubes
            .iter()
            .map(|&p| cube(p, 5.0, [0.9, 0.05, 0.05, 1.0]))
            .collect(),
    );
    let empty = World::new(Vec::new());
    let mut r = renderer(RenderSettings::default());
    let base = draw(&mut r, &empty);
    let img = draw(&mut r, &with_cubes);

    for y in [2, H / 10] {
        let f = row_fraction(&img, y, is_sky);
        assert!(f > 0.95, "row {y}: only {f} of pixels look like sky");
    }
    for y in [H - 3, H * 9 / 10] {
        let f = row_fraction(&img, y, is_terrain);
        assert!(f > 0.95, "row {y}: only {f} of pixels look like terrain");
    }
    let far = r.renderer().settings().effective_draw_distance();
    for p in near_cubes {
        let (x, y) = project(&cam, p, far);
        let (before, after) = (base.pixel(x, y).unwrap(), img.pixel(x, y).unwrap());
        assert!(
            differs(before, after, 30),
            "cube at {p}: {before:?} vs {after:?}"
        );
        assert!(red(after), "cube at {p} should be red, got {after:?}");
    }
}

#[test]
fn short_draw_distance_drops_far_cubes() {
    let cam = camera();
    // 150 m north of the camera, well above the hills: against the sky.
    let far_cube = Vec3::new(128.0, 160.0, 52.0);
    let near_cube = Vec3::new(128.0, 45.0, 34.0);
    let world = World::new(vec![
        cube(far_cube, 10.0, [0.9, 0.05, 0.05, 1.0]),
        cube(near_cube, 4.0, [0.9, 0.05, 0.05, 1.0]),
    ]);
    let long = RenderSettings {
        draw_distance_m: 400.0,
        ..RenderSettings::default()
    };
    let short = RenderSettings {
        draw_distance_m: 64.0,
        ..RenderSettings::default()
    };
    let mut r = renderer(long);
    let stats_long = r.render(&world.scene(), &cam);
    let img_long = r.read_pixels().unwrap();
    r.set_settings(short);
    let stats_short = r.render(&world.scene(), &cam);
    let img_short = r.read_pixels().unwrap();

    assert_eq!(stats_long.instances_drawn, 2);
    assert_eq!(stats_short.instances_drawn, 1);
    assert_eq!(stats_short.instances_culled_distance, 1);

    let (fx, fy) = project(&cam, far_cube, 400.0);
    let (long_px, short_px) = (
        img_long.pixel(fx, fy).unwrap(),
        img_short.pixel(fx, fy).unwrap(),
    );
    assert!(red(long_px), "far cube drawn at 400 m: {long_px:?}");
    assert!(!red(short_px), "far cube gone at 64 m: {short_px:?}");
    assert!(differs(long_px, short_px, 40));

    let (nx, ny) = project(&cam, near_cube, 64.0);
    assert!(
        red(img_short.pixel(nx, ny).unwrap()),
        "near cube stays at 64 m"
    );
}

#[test]
fn low_and_high_quality_both_render_and_differ() {
    let world = World::new(
        (0..6)
            .map(|i| {
                cube(
                    Vec3::new(100.0 + i as f32 * 10.0, 60.0, 34.0),
                    5.0,
                    [0.8, 0.8, 0.8, 1.0],
                )
            })
            .collect(),
    );
    let mut r = renderer(RenderSettings {
        shader_quality: ShaderQuality::Low,
        ..RenderSettings::default()
    });
    let low = draw(&mut r, &world);
    r.set_settings(RenderSettings {
        shader_quality: ShaderQuality::High,
        ..RenderSettings::default()
    });
    let high = draw(&mut r, &world);

    for img in [&low, &high] {
        assert!(row_fraction(img, 2, is_sky) > 0.95);
        assert!(row_fraction(img, H - 3, is_terrain) > 0.95);
    }
    let changed = low
        .pixels
        .chunks_exact(4)
        .zip(high.pixels.chunks_exact(4))
        .filter(|(a, b)| {
            a.iter()
                .zip(b.iter())
                .take(3)
                .any(|(x, y)| x.abs_diff(*y) > 6)
        })
        .count();
    let fraction = changed as f32 / (W * H) as f32;
    // Both levels fade into the same haze in the distance; the nearer part
    // of the scene differs.
    assert!(
        fraction > 0.03,
        "only {fraction} of pixels differ between Low and High"
    );
}

#[test]
fn uploads_are_idempotent_and_missing_meshes_are_counted() {
    let mut world = World::new(vec![cube(Vec3::new(128.0, 50.0, 30.0), 4.0, [1.0; 4])]);
    world.instances.push(PrimInstance {
        mesh: MeshKey(99),
        ..world.instances[0].clone()
    });
    let mut r = renderer(RenderSettings::default());
    let first = r.render(&world.scene(), &camera());
    let second = r.render(&world.scene(), &camera());
    assert_eq!(first.meshes_uploaded, 2, "cube and terrain");
    assert_eq!(second.meshes_uploaded, 0, "same Arc, same terrain version");
    assert_eq!(first.meshes_resident, 1);
    assert_eq!(second.instances_missing_mesh, 1);
    assert_eq!(second.instances_drawn, 1);
    assert_eq!(
        second.draw_calls, 3,
        "sky + terrain + one instanced cube draw"
    );

    // A bad mesh is refused, counted, and does not replace the good one.
    let bad = kestrel::mesh::MeshData {
        vertices: unit_cube().vertices,
        indices: vec![0, 1, 400],
        ..Default::default()
    };
    let uploads = [MeshUpload {
        key: CUBE,
        mesh: Arc::new(bad),
    }];
    let scene = RenderScene {
        mesh_uploads: &uploads,
        ..world.scene()
    };
    let third = r.render(&scene, &camera());
    assert_eq!(third.mesh_uploads_rejected, 1);
    assert_eq!(third.instances_drawn, 1);

    let removals = [CUBE];
    let scene = RenderScene {
        mesh_uploads: &[],
        mesh_removals: &removals,
        ..world.scene()
    };
    let fourth = r.render(&scene, &camera());
    assert_eq!(fourth.meshes_resident, 0);
    assert_eq!(fourth.instances_missing_mesh, 2);
}

#[test]
fn png_round_trip_and_gpu_timings_arrive() {
    let world = World::new(vec![cube(Vec3::new(128.0, 50.0, 30.0), 4.0, [1.0; 4])]);
    let mut r = renderer(RenderSettings::default());
    let mut last = None;
    for _ in 0..8 {
        last = Some(r.render(&world.scene(), &camera()));
        r.wait_idle().unwrap();
    }
    let stats = last.unwrap();
    if r.renderer().gpu_timing_available() {
        let gpu = stats
            .gpu
            .expect("timestamps supported, so timings come back");
        assert!(gpu.frame < stats.frame);
        // Sky, terrain, opaque and blended prims (the blended pass runs even
        // with nothing to blend, so the timestamps stay contiguous).
        for (pass, ms) in &gpu.ms_per_pass[..4] {
            assert!(ms.is_some(), "{pass:?} was timed");
        }
        assert_eq!(gpu.ms_per_pass[4].1, None, "no overlay ran");
    } else {
        assert!(stats.gpu.is_none());
    }

    let dir = std::env::temp_dir().join(format!("kestrel-render-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("frame.png");
    r.save_png(&path).unwrap();
    let decoder = png::Decoder::new(std::io::BufReader::new(std::fs::File::open(&path).unwrap()));
    let mut reader = decoder.read_info().unwrap();
    let mut buf = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut buf).unwrap();
    assert_eq!((info.width, info.height), (W, H));
    assert_eq!(
        &buf[..info.buffer_size()],
        &r.read_pixels().unwrap().pixels[..]
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn zero_size_is_a_clear_error() {
    let e = HeadlessRenderer::new(0, 10).unwrap_err();
    assert!(e.to_string().contains("0x10"), "{e}");
}

/// Luminance (Rec. 709, 0–255) of a pixel.
fn luminance(p: [u8; 4]) -> f32 {
    0.2126 * f32::from(p[0]) + 0.7152 * f32::from(p[1]) + 0.0722 * f32::from(p[2])
}

/// Largest luminance step, 0–255, allowed where the world meets the sky at
/// the draw distance. Without fog on Low the terrain's cut edge and a wall
/// sliced by the far plane step by 60–120.
const FAR_EDGE_STEP: f32 = 8.0;

#[test]
fn low_fades_the_draw_distance_into_the_sky_and_slices_nothing() {
    let low = RenderSettings {
        draw_distance_m: 64.0,
        shader_quality: ShaderQuality::Low,
        ..RenderSettings::default()
    };
    // A tall red wall running away from the camera from 44 m to 83 m: it
    // straddles the 64 m draw distance, and rises above the hills into the sky.
    let (a, b) = (Vec3::new(110.0, 50.0, 0.0), Vec3::new(150.0, 90.0, 0.0));
    let along = b - a;
    let wall = PrimInstance {
        mesh: CUBE,
        model: Mat4::from_scale_rotation_translation(
            Vec3::new(along.length(), 1.0, 60.0),
            glam::Quat::from_rotation_z(along.y.atan2(along.x)),
            (a + b) / 2.0 + Vec3::Z * 40.0,
        ),
        colour: [0.9, 0.05, 0.05, 1.0],
        faces: Default::default(),
    };
    let mut r = renderer(low);
    // First frame, before any terrain was uploaded: the sky alone.
    r.render(&RenderScene::default(), &camera());
    let sky = r.read_pixels().unwrap();
    let hills = draw(&mut r, &World::new(Vec::new()));
    let with_wall = draw(&mut r, &World::new(vec![wall]));
    let differs_from = |img: &RgbaImage, base: &RgbaImage, x: u32, y: u32| {
        differs(img.pixel(x, y).unwrap(), base.pixel(x, y).unwrap(), 3)
    };

    // Every column: where the hills meet the sky there is no edge.
    let mut columns = 0;
    for x in 0..W {
        let Some(y) = (1..H).find(|&y| differs_from(&hills, &sky, x, y)) else {
            continue;
        };
        columns += 1;
        let step = (luminance(hills.pixel(x, y).unwrap())
            - luminance(hills.pixel(x, y - 1).unwrap()))
        .abs();
        assert!(
            step <= FAR_EDGE_STEP,
            "column {x}: the terrain meets the sky at row {y} with a luminance step of {step}"
        );
    }
    assert!(
        columns > W / 2,
        "the hills meet the sky in only {columns} columns"
    );

    // Rows where the wall stands against the sky: its near end is a real
    // edge, its far end fades out instead of being cut.
    let mut rows = 0;
    for y in 0..H {
        let run: Vec<u32> = (0..W)
            .filter(|&x| {
                differs_from(&with_wall, &hills, x, y) && !differs_from(&hills, &sky, x, y)
            })
            .collect();
        let (Some(&first), Some(&last)) = (run.first(), run.last()) else {
            continue;
        };
        if last + 1 >= W || last - first < 10 {
            continue;
        }
        rows += 1;
        // The near end, inside the draw distance, is a visible edge: the
        // measure tells an edge from a fade.
        let near_step = (luminance(with_wall.pixel(first, y).unwrap())
            - luminance(with_wall.pixel(first.saturating_sub(1), y).unwrap()))
        .abs();
        assert!(
            near_step > 3.0 * FAR_EDGE_STEP,
            "row {y}: the wall's near end steps by only {near_step}"
        );
        let step = (luminance(with_wall.pixel(last, y).unwrap())
            - luminance(with_wall.pixel(last + 1, y).unwrap()))
        .abs();
        assert!(
            step <= FAR_EDGE_STEP,
            "row {y}: the wall ends at column {last} with a luminance step of {step}"
        );
    }
    assert!(
        rows > 5,
        "the wall stands against the sky in only {rows} rows"
    );
}

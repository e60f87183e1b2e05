//! Textured prims and terrain, rendered offscreen on whatever adapter exists
//! (lavapipe on CI), judged by their pixels: a box prim's faces show their
//! own textures with the texture entry's repeats, offset and rotation,
//! translucent faces blend over what is behind them, fullbright faces ignore
//! the light, textures can be replaced and removed, and the terrain blends
//! the region's four detail textures by height.

mod texture_support;

use std::sync::Arc;

use glam::{Mat4, Vec3, Vec4};
use kestrel::mesh::{Lod, MeshData, build_prim_mesh, build_terrain_mesh};
use kestrel::render::{
    Camera, Environment, FaceLook, HeadlessRenderer, MeshKey, MeshUpload, PrimInstance,
    RenderScene, RenderSettings, RgbaImage, ShaderQuality, TerrainSource, TerrainTextures,
    TextureImage, TextureKey, TextureUpload,
};
use kestrel_protocol::object_data::PrimShape;
use texture_support::linear;

const W: u32 = 160;
const H: u32 = 120;
const BOX: MeshKey = MeshKey(1);
/// Texture-entry index of a box's south side (SL order: top, the four sides
/// from the south going counter-clockwise, bottom).
const SOUTH: usize = 1;
/// The south face of the test box: x -2..2, z 0..4, at y = 6 (the box is
/// 4 m on a side, centred at (0, 8, 2)).
const BOX_CENTRE: Vec3 = Vec3::new(0.0, 8.0, 2.0);
const BOX_SIZE: f32 = 4.0;

/// Linear → sRGB byte.
fn srgb(l: f32) -> u8 {
    let l = l.clamp(0.0, 1.0);
    let c = if l <= 0.003_130_8 {
        l * 12.92
    } else {
        1.055 * l.powf(1.0 / 2.4) - 0.055
    };
    (c * 255.0).round() as u8
}

fn lin3(p: [u8; 4]) -> Vec3 {
    Vec3::new(linear(p[0]), linear(p[1]), linear(p[2]))
}

/// An RGBA texture of `side`² texels with a full mip chain, each level the
/// linear-light average of the one above (so every level has the same mean
/// colour as the picture).
fn texture(side: u32, texel: impl Fn(u32, u32) -> [u8; 4]) -> Arc<TextureImage> {
    let mut level: Vec<[f32; 4]> = (0..side * side)
        .map(|i| {
            let t = texel(i % side, i / side);
            [
                linear(t[0]),
                linear(t[1]),
                linear(t[2]),
                f32::from(t[3]) / 255.0,
            ]
        })
        .collect();
    let mut s = side;
    let mut mips = Vec::new();
    let mut has_alpha = false;
    loop {
        let bytes: Vec<u8> = level
            .iter()
            .flat_map(|t| {
                let a = (t[3] * 255.0).round() as u8;
                has_alpha |= a < 255;
                [srgb(t[0]), srgb(t[1]), srgb(t[2]), a]
            })
            .collect();
        mips.push(bytes);
        if s == 1 {
            break;
        }
        let half = s / 2;
        level = (0..half * half)
            .map(|i| {
                let (x, y) = ((i % half) * 2, (i / half) * 2);
                let at = |dx: u32, dy: u32| level[((y + dy) * s + x + dx) as usize];
                let mut sum = [0.0; 4];
                for t in [at(0, 0), at(1, 0), at(0, 1), at(1, 1)] {
                    for c in 0..4 {
                        sum[c] += t[c] * 0.25;
                    }
                }
                sum
            })
            .collect();
        s = half;
    }
    Arc::new(TextureImage {
        width: side,
        height: side,
        mips,
        has_alpha,
    })
}

const RED: [u8; 4] = [255, 0, 0, 255];
const BLUE: [u8; 4] = [0, 0, 255, 255];
const GREEN: [u8; 4] = [0, 255, 0, 255];
const YELLOW: [u8; 4] = [255, 255, 0, 255];

fn solid(c: [u8; 4]) -> Arc<TextureImage> {
    texture(4, move |_, _| c)
}

/// Red and blue squares, 8 texels each.
fn checker() -> Arc<TextureImage> {
    texture(64, |x, y| if (x / 8 + y / 8) % 2 == 0 { RED } else { BLUE })
}

/// Red on the left half of the image, blue on the right.
fn halves() -> Arc<TextureImage> {
    texture(64, |x, _| if x < 32 { RED } else { BLUE })
}

/// The sun low in the south, in front of the camera's back, lighting the
/// box's south face without saturating a white face (Low quality: Lambert +
/// ambient, so a face's colour is exactly albedo × light).
fn environment() -> Environment {
    Environment {
        sun_direction: Vec3::new(0.2, -1.0, 0.6),
        sun_colour: [0.6, 0.6, 0.6],
        ambient_colour: [0.2, 0.2, 0.2],
        ..Environment::default()
    }
}

fn renderer() -> HeadlessRenderer {
    let r = HeadlessRenderer::with_settings(
        W,
        H,
        RenderSettings {
            shader_quality: ShaderQuality::Low,
            ..RenderSettings::default()
        },
    )
    .unwrap_or_else(|e| panic!("no adapter for headless rendering: {e}"));
    eprintln!("adapter: {}", r.gpu().summary);
    r
}

/// At the origin, 2 m up, looking north at the box's south face.
fn camera() -> Camera {
    Camera {
        position: Vec3::new(0.0, 0.0, 2.0),
        yaw: std::f32::consts::FRAC_PI_2,
        pitch: 0.0,
        fov_y: 60f32.to_radians(),
        aspect: W as f32 / H as f32,
    }
}

fn box_at(centre: Vec3, size: Vec3, faces: Vec<FaceLook>) -> PrimInstance {
    PrimInstance {
        mesh: BOX,
        model: Mat4::from_scale_rotation_translation(size, Default::default(), centre),
        colour: [1.0; 4],
        faces: Arc::from(faces),
    }
}

fn test_box(faces: Vec<FaceLook>) -> PrimInstance {
    box_at(BOX_CENTRE, Vec3::splat(BOX_SIZE), faces)
}

fn textured(key: u128) -> FaceLook {
    FaceLook {
        texture: Some(TextureKey(key)),
        ..FaceLook::plain([1.0; 4])
    }
}

/// A scene of prims: the box mesh, the instances and textures to upload.
struct Stage {
    meshes: Vec<MeshUpload>,
    instances: Vec<PrimInstance>,
    textures: Vec<TextureUpload>,
    environment: Environment,
}

impl Stage {
    fn new(instances: Vec<PrimInstance>) -> Stage {
        Stage {
            meshes: vec![MeshUpload {
                key: BOX,
                mesh: Arc::new(build_prim_mesh(&PrimShape::BOX, Lod::High)),
            }],
            instances,
            textures: Vec::new(),
            environment: environment(),
        }
    }

    fn with_texture(mut self, key: u128, image: Arc<TextureImage>) -> Stage {
        self.textures.push(TextureUpload {
            key: TextureKey(key),
            image,
        });
        self
    }

    fn scene(&self) -> RenderScene<'_> {
        RenderScene {
            mesh_uploads: &self.meshes,
            instances: &self.instances,
            texture_uploads: &self.textures,
            environment: self.environment,
            ..RenderScene::default()
        }
    }

    fn draw(&self, r: &mut HeadlessRenderer) -> RgbaImage {
        r.render(&self.scene(), &camera());
        r.read_pixels().expect("readback")
    }
}

/// Pixel of a world point.
fn project(p: Vec3) -> (u32, u32) {
    let clip = camera().view_projection(256.0) * Vec4::from((p, 1.0));
    let ndc = clip.truncate() / clip.w;
    assert!(ndc.x.abs() < 1.0 && ndc.y.abs() < 1.0, "{p} is off screen");
    let x = (ndc.x * 0.5 + 0.5) * W as f32;
    let y = (0.5 - ndc.y * 0.5) * H as f32;
    (x as u32, y as u32)
}

/// The point of the south face at face coordinates (u right, v down, 0..1
/// across the face as the camera sees it).
fn south_face(u: f32, v: f32) -> Vec3 {
    let h = BOX_SIZE * 0.5;
    Vec3::new(
        BOX_CENTRE.x - h + BOX_SIZE * u,
        BOX_CENTRE.y - h,
        BOX_CENTRE.z + h - BOX_SIZE * v,
    )
}

/// Linear colour of the face at (u, v).
fn face_colour(img: &RgbaImage, u: f32, v: f32) -> Vec3 {
    let (x, y) = project(south_face(u, v));
    lin3(img.pixel(x, y).unwrap())
}

/// Mean linear colour over the middle of the south face.
fn face_mean(img: &RgbaImage) -> Vec3 {
    let n = 24;
    let mut sum = Vec3::ZERO;
    for j in 0..n {
        for i in 0..n {
            let (u, v) = (
                0.1 + 0.8 * i as f32 / n as f32,
                0.1 + 0.8 * j as f32 / n as f32,
            );
            sum += face_colour(img, u, v);
        }
    }
    sum / (n * n) as f32
}

fn close(a: Vec3, b: Vec3, tolerance: f32) -> bool {
    (a - b).abs().max_element() <= tolerance
}

/// Whether a linear colour is mostly red (vs mostly blue).
fn reddish(c: Vec3) -> bool {
    c.x > 2.0 * c.z && c.x > 0.05
}

fn bluish(c: Vec3) -> bool {
    c.z > 2.0 * c.x && c.z > 0.05
}

#[test]
fn a_checker_texture_averages_to_its_mean_lit_like_a_white_face() {
    let mut r = renderer();
    let white = Stage::new(vec![test_box(vec![])]).draw(&mut r);
    let light = face_mean(&white);
    assert!(
        light.min_element() > 0.2 && light.max_element() < 0.95,
        "the white face is lit, not saturated: {light}"
    );

    let stage = Stage::new(vec![test_box(vec![textured(1)])]).with_texture(1, checker());
    let img = stage.draw(&mut r);
    let mean = face_mean(&img);
    // The checker's mean is half red, half blue (linear), lit like white.
    let expected = light * Vec3::new(0.5, 0.0, 0.5);
    assert!(
        close(mean, expected, 0.06),
        "checker face mean {mean}, expected {expected} (white face {light})"
    );
    // And it really is a checker: red and blue pixels both show.
    let (mut reds, mut blues) = (0, 0);
    for i in 0..40 {
        let c = face_colour(&img, 0.1 + 0.8 * i as f32 / 40.0, 0.5);
        reds += usize::from(reddish(c));
        blues += usize::from(bluish(c));
    }
    assert!(reds > 8 && blues > 8, "{reds} red and {blues} blue samples");
}

#[test]
fn each_face_shows_its_own_texture() {
    let mut r = renderer();
    // Every face the checker, except the south face: green.
    let mut faces = vec![textured(1); 6];
    faces[SOUTH] = textured(2);
    let stage = Stage::new(vec![test_box(faces)])
        .with_texture(1, checker())
        .with_texture(2, solid(GREEN));
    let img = stage.draw(&mut r);
    let mean = face_mean(&img);
    assert!(
        mean.y > 0.15 && mean.x < 0.02 && mean.z < 0.02,
        "the south face is green: {mean}"
    );
    // Turned a quarter clockwise, the box shows the camera its east side
    // (texture-entry face 2): the checker there, green everywhere else.
    let mut looks = vec![textured(2); 6];
    looks[2] = textured(1);
    let turned = PrimInstance {
        model: Mat4::from_scale_rotation_translation(
            Vec3::splat(BOX_SIZE),
            glam::Quat::from_rotation_z(-std::f32::consts::FRAC_PI_2),
            BOX_CENTRE,
        ),
        ..test_box(looks)
    };
    let stage = Stage {
        instances: vec![turned],
        ..stage
    };
    let mean = face_mean(&stage.draw(&mut r));
    assert!(
        mean.x > 0.05 && mean.z > 0.05 && mean.y < 0.02,
        "the east side shows the checker: {mean}"
    );
}

#[test]
fn a_texture_not_yet_uploaded_shows_the_grey_placeholder() {
    let mut r = renderer();
    let white = face_mean(&Stage::new(vec![test_box(vec![])]).draw(&mut r));
    let stage = Stage::new(vec![test_box(vec![textured(77)])]);
    let frame = r.render(&stage.scene(), &camera());
    let mean = face_mean(&r.read_pixels().unwrap());
    // sRGB 128 grey, lit like white.
    let expected = white * linear(128);
    assert!(
        close(mean, expected, 0.03),
        "placeholder {mean}, expected {expected}"
    );
    assert_eq!(frame.textures_resident, 0);
    // The missing texture is asked for.
    let demand: Vec<_> = r.renderer().texture_demand().collect();
    assert_eq!(demand.len(), 1);
    assert_eq!(demand[0].0, TextureKey(77));
    assert!(demand[0].1 > 100.0, "{demand:?}");
}

/// Colour changes (red ↔ blue) along the face's middle row.
fn transitions_across(img: &RgbaImage) -> usize {
    let mut last = None;
    let mut changes = 0;
    for i in 0..=60 {
        let c = face_colour(img, 0.05 + 0.9 * i as f32 / 60.0, 0.5);
        let red = if reddish(c) {
            Some(true)
        } else if bluish(c) {
            Some(false)
        } else {
            None // a blend at an edge
        };
        if let Some(red) = red {
            if last.is_some_and(|l| l != red) {
                changes += 1;
            }
            last = Some(red);
        }
    }
    changes
}

fn with_look(r: &mut HeadlessRenderer, look: FaceLook) -> RgbaImage {
    let mut faces = vec![FaceLook::plain([1.0; 4]); 6];
    faces[SOUTH] = look;
    Stage::new(vec![test_box(faces)])
        .with_texture(3, halves())
        .draw(r)
}

#[test]
fn repeats_offset_and_rotation_move_the_picture_as_in_second_life() {
    let mut r = renderer();
    let plain = with_look(&mut r, textured(3));
    // Red on the left, blue on the right; one change across.
    assert!(reddish(face_colour(&plain, 0.25, 0.5)));
    assert!(bluish(face_colour(&plain, 0.75, 0.5)));
    assert_eq!(transitions_across(&plain), 1);

    // Two repeats each way, scaled about the face's centre (SL): u runs
    // -0.5..1.5 over the face, so blue, red, blue, red.
    let twice = with_look(
        &mut r,
        FaceLook {
            repeats: [2.0, 2.0],
            ..textured(3)
        },
    );
    assert_eq!(transitions_across(&twice), 3);
    assert!(bluish(face_colour(&twice, 0.125, 0.5)));
    assert!(reddish(face_colour(&twice, 0.375, 0.5)));

    // Offset 0.5: the halves swap.
    let shifted = with_look(
        &mut r,
        FaceLook {
            offset: [0.5, 0.0],
            ..textured(3)
        },
    );
    assert!(bluish(face_colour(&shifted, 0.25, 0.5)));
    assert!(reddish(face_colour(&shifted, 0.75, 0.5)));

    // 90° (counter-clockwise): the left half turns to the bottom.
    let turned = with_look(
        &mut r,
        FaceLook {
            rotation: std::f32::consts::FRAC_PI_2,
            ..textured(3)
        },
    );
    for u in [0.25, 0.5, 0.75] {
        assert!(bluish(face_colour(&turned, u, 0.25)), "top at u {u}");
        assert!(reddish(face_colour(&turned, u, 0.75)), "bottom at u {u}");
    }
}

#[test]
fn a_translucent_face_blends_over_the_wall_behind_it() {
    let mut r = renderer();
    // A red wall behind the box (the box's south face is 2 m in front of it).
    let wall = || {
        box_at(
            Vec3::new(0.0, 12.0, 2.0),
            Vec3::new(20.0, 1.0, 20.0),
            vec![FaceLook::plain([0.9, 0.05, 0.05, 1.0])],
        )
    };
    let wall_only = face_mean(&Stage::new(vec![wall()]).draw(&mut r));
    let white_only = face_mean(&Stage::new(vec![test_box(vec![])]).draw(&mut r));
    // The translucent box listed first: the renderer must still draw it
    // after the wall.
    let half = test_box(vec![FaceLook::plain([1.0, 1.0, 1.0, 0.5])]);
    let stage = Stage::new(vec![half, wall()]);
    let frame = r.render(&stage.scene(), &camera());
    let blended = face_mean(&r.read_pixels().unwrap());
    assert!(frame.faces_blended >= 1);
    // Blending happens in linear light: half of each. The box's own far
    // faces are culled (back faces), so only its south face is over the wall.
    let expected = (wall_only + white_only) * 0.5;
    assert!(
        close(blended, expected, 0.04),
        "blend {blended}, expected {expected} (wall {wall_only}, white {white_only})"
    );
}

#[test]
fn a_fullbright_face_stays_bright_at_night() {
    let mut r = renderer();
    let night = Environment {
        sun_direction: Vec3::new(0.0, 0.3, -1.0),
        sun_colour: [0.05, 0.05, 0.08],
        ambient_colour: [0.05, 0.05, 0.06],
        ..Environment::default()
    };
    let draw = |r: &mut HeadlessRenderer, fullbright: bool| {
        let mut stage = Stage::new(vec![test_box(vec![FaceLook {
            fullbright,
            ..FaceLook::plain([0.8, 0.8, 0.8, 1.0])
        }])]);
        stage.environment = night;
        face_mean(&stage.draw(r))
    };
    let dark = draw(&mut r, false);
    let bright = draw(&mut r, true);
    assert!(dark.max_element() < 0.1, "unlit at night: {dark}");
    assert!(
        close(bright, Vec3::splat(0.8), 0.03),
        "fullbright shows its colour: {bright}"
    );
}

#[test]
fn a_sharper_image_replaces_the_texture_and_removal_brings_back_the_placeholder() {
    let mut r = renderer();
    let key = 5;
    // First the coarse level: one texel, the checker's mean.
    let coarse = checker().mips.last().unwrap().clone();
    let blurry = Arc::new(TextureImage {
        width: 1,
        height: 1,
        mips: vec![coarse],
        has_alpha: false,
    });
    let stage = Stage::new(vec![test_box(vec![textured(key)])]).with_texture(key, blurry);
    let first = r.render(&stage.scene(), &camera());
    let blurry_img = r.read_pixels().unwrap();
    assert_eq!((first.textures_uploaded, first.textures_resident), (1, 1));
    assert_eq!(first.texture_upload_bytes, 4);
    // The same Arc again is not uploaded again.
    let again = r.render(&stage.scene(), &camera());
    assert_eq!(again.textures_uploaded, 0);

    let sharp = checker();
    let sharp_bytes = sharp.byte_size() as u64;
    let stage = Stage {
        textures: vec![TextureUpload {
            key: TextureKey(key),
            image: sharp,
        }],
        ..stage
    };
    let replaced = r.render(&stage.scene(), &camera());
    let sharp_img = r.read_pixels().unwrap();
    assert_eq!(replaced.textures_uploaded, 1);
    assert_eq!(replaced.textures_resident, 1);
    assert_eq!(replaced.texture_bytes_resident, sharp_bytes);
    // Blurry: every sample the same purple; sharp: red and blue squares.
    let spread = |img: &RgbaImage| {
        let samples: Vec<Vec3> = (0..30)
            .map(|i| face_colour(img, 0.1 + 0.8 * i as f32 / 30.0, 0.5))
            .collect();
        samples
            .iter()
            .map(|c| c.x - c.z)
            .fold(0.0f32, |m, d| m.max(d.abs()))
    };
    assert!(spread(&blurry_img) < 0.05, "{}", spread(&blurry_img));
    assert!(spread(&sharp_img) > 0.2, "{}", spread(&sharp_img));

    let removals = [TextureKey(key)];
    let scene = RenderScene {
        texture_uploads: &[],
        texture_removals: &removals,
        ..stage.scene()
    };
    let removed = r.render(&scene, &camera());
    let gone = face_mean(&r.read_pixels().unwrap());
    assert_eq!(removed.textures_resident, 0);
    assert_eq!(removed.texture_bytes_resident, 0);
    let white = face_mean(&Stage::new(vec![test_box(vec![])]).draw(&mut r));
    assert!(
        close(gone, white * linear(128), 0.03),
        "placeholder after removal: {gone}"
    );
}

#[test]
fn demand_follows_what_is_on_screen() {
    let mut r = renderer();
    let near = test_box(vec![textured(10)]);
    let far = box_at(
        Vec3::new(0.0, 60.0, 2.0),
        Vec3::splat(BOX_SIZE),
        vec![textured(11)],
    );
    let behind = box_at(
        Vec3::new(0.0, -20.0, 2.0),
        Vec3::splat(BOX_SIZE),
        vec![textured(12)],
    );
    let tiled = box_at(
        Vec3::new(-12.0, 20.0, 2.0),
        Vec3::splat(BOX_SIZE),
        vec![FaceLook {
            repeats: [4.0, 4.0],
            ..textured(11)
        }],
    );
    let stage = Stage::new(vec![near, far, behind, tiled]);
    r.render(&stage.scene(), &camera());
    let demand: std::collections::HashMap<TextureKey, f32> =
        r.renderer().texture_demand().collect();
    assert!(!demand.contains_key(&TextureKey(12)), "behind the camera");
    let (near, far) = (demand[&TextureKey(10)], demand[&TextureKey(11)]);
    // The near box covers a good part of the 160×120 target; the far one
    // (ten times farther) about a hundredth of that.
    assert!(near > 2_000.0 && near < 40_000.0, "near {near}");
    assert!(far < near / 20.0, "far {far} vs near {near}");
}

/// Heights for the terrain test: flat at 0 m in the south, a 100 m plateau in
/// the north, a ramp between.
fn hill_terrain() -> MeshData {
    let size = 256;
    let heights: Vec<f32> = (0..size * size)
        .map(|i| {
            let y = (i / size) as f32;
            ((y - 100.0) / 60.0).clamp(0.0, 1.0) * 100.0
        })
        .collect();
    build_terrain_mesh(&heights, size, 4).expect("terrain")
}

#[test]
fn terrain_shows_the_low_texture_low_and_the_high_texture_on_the_hills() {
    let mut r = renderer();
    // Far enough that the distance haze leaves the plateau's colour alone.
    r.set_settings(RenderSettings {
        draw_distance_m: 1024.0,
        shader_quality: ShaderQuality::Low,
        ..RenderSettings::default()
    });
    let terrain = hill_terrain();
    let textures: Vec<TextureUpload> = [RED, GREEN, BLUE, YELLOW]
        .iter()
        .enumerate()
        .map(|(i, c)| TextureUpload {
            key: TextureKey(100 + i as u128),
            image: solid(*c),
        })
        .collect();
    let detail = TerrainTextures {
        detail: [100, 101, 102, 103].map(TextureKey),
        start_height: [10.0; 4],
        height_range: [60.0; 4],
    };
    // High above the south edge, looking north and down: the flat south
    // and the top of the northern plateau both in view.
    let camera = Camera {
        position: Vec3::new(128.0, -40.0, 130.0),
        yaw: std::f32::consts::FRAC_PI_2,
        pitch: -0.45,
        fov_y: 60f32.to_radians(),
        aspect: W as f32 / H as f32,
    };
    let scene = |uploads, detail| RenderScene {
        terrain: Some(TerrainSource {
            version: 1,
            mesh: &terrain,
        }),
        texture_uploads: uploads,
        terrain_textures: detail,
        environment: Environment::default(),
        ..RenderScene::default()
    };
    let at = |img: &RgbaImage, p: Vec3| {
        let clip = camera.view_projection(256.0) * Vec4::from((p, 1.0));
        let ndc = clip.truncate() / clip.w;
        assert!(ndc.x.abs() < 1.0 && ndc.y.abs() < 1.0, "{p} is off screen");
        let x = ((ndc.x * 0.5 + 0.5) * W as f32) as u32;
        let y = ((0.5 - ndc.y * 0.5) * H as f32) as u32;
        lin3(img.pixel(x, y).unwrap())
    };
    let low_ground = Vec3::new(128.0, 50.0, 0.0);
    let hill_top = Vec3::new(128.0, 200.0, 100.0);

    // Named but not uploaded yet: the generated detail (sand below the
    // water line here), and the textures are asked for.
    r.render(&scene(&[], Some(detail)), &camera);
    let generated = r.read_pixels().unwrap();
    let sand = at(&generated, low_ground);
    assert!(sand.x < 2.0 * sand.y, "generated detail, not red: {sand}");
    let demand: std::collections::HashMap<TextureKey, f32> =
        r.renderer().texture_demand().collect();
    assert!(
        detail.detail.iter().all(|k| demand.contains_key(k)),
        "{demand:?}"
    );

    r.render(&scene(&textures, Some(detail)), &camera);
    let img = r.read_pixels().unwrap();
    let low = at(&img, low_ground);
    let high = at(&img, hill_top);
    assert!(
        low.x > 3.0 * low.y && low.x > 3.0 * low.z,
        "red low ground: {low}"
    );
    assert!(
        high.x > 3.0 * high.z && high.y > 3.0 * high.z,
        "yellow hill top: {high}"
    );

    // Without terrain textures the generated detail comes back.
    r.render(&scene(&[], None), &camera);
    let back = at(&r.read_pixels().unwrap(), low_ground);
    assert!(close(back, sand, 0.01), "{back} vs {sand}");
}

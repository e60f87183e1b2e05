use glam::{Mat4, Vec3};
use kestrel::render::demo::*;
use kestrel::render::*;
use std::sync::Arc;
#[test]
fn dump() {
    let terrain = rolling_terrain(64);
    let uploads = vec![MeshUpload {
        key: MeshKey(1),
        mesh: Arc::new(unit_cube()),
    }];
    let mut inst = cube_field(MeshKey(1), 300);
    inst.push(PrimInstance {
        mesh: MeshKey(1),
        model: Mat4::from_scale_rotation_translation(
            Vec3::splat(10.0),
            Default::default(),
            Vec3::new(128.0, 160.0, 52.0),
        ),
        colour: [0.9, 0.05, 0.05, 1.0],
    });
    let scene = RenderScene {
        terrain: Some(TerrainSource {
            version: 1,
            mesh: &terrain,
        }),
        mesh_uploads: &uploads,
        mesh_removals: &[],
        instances: &inst,
        environment: Environment::default(),
    };
    let cam = Camera {
        position: Vec3::new(128.0, 10.0, 40.0),
        yaw: std::f32::consts::FRAC_PI_2,
        pitch: -0.2,
        fov_y: 60f32.to_radians(),
        aspect: 640.0 / 360.0,
    };
    for (name, q, dd) in [
        ("high", ShaderQuality::High, 400.0),
        ("low", ShaderQuality::Low, 400.0),
        ("short", ShaderQuality::High, 64.0),
    ] {
        let mut r = HeadlessRenderer::with_settings(
            640,
            360,
            RenderSettings {
                draw_distance_m: dd,
                shader_quality: q,
                ..Default::default()
            },
        )
        .unwrap();
        eprintln!(
            "{} ts={}",
            r.gpu().summary,
            r.renderer().gpu_timing_available()
        );
        let s = r.render(&scene, &cam);
        eprintln!("{s:?}");
        r.save_png(std::path::Path::new(&format!("/tmp/h6-{name}.png")))
            .unwrap();
    }
}

//! CPU time per frame for N instanced cubes on terrain, rendered offscreen.
//!
//! `render_frame/plain/N` measures only the CPU side of `Renderer::render`
//! (upload, cull, face batching, record, submit) for untextured cubes (one
//! whole-mesh record each); `render_frame/textured/N` gives every cube six
//! differently textured faces (six records each, blended faces included),
//! the per-face path. Each iteration then waits for the GPU so work does not
//! pile up, but the wait is not counted. `batch_only/{plain,textured}/N` is
//! the cull + face batching step alone, `batch_only/cull_only/N` the cull. After the criterion runs, a summary
//! prints mean CPU ms, GPU ms per pass (when the adapter has timestamps) and
//! heap allocations per steady-state frame (wgpu's included).

use std::alloc::{GlobalAlloc, Layout, System};
use std::hint::black_box;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use glam::Vec3;
use kestrel::mesh::MeshData;
use kestrel::render::demo::{cube_field, rolling_terrain, unit_cube};
use kestrel::render::{
    Camera, CullParams, Environment, FaceBatcher, FaceLook, FaceView, Frustum, HeadlessRenderer,
    InstanceBatcher, MeshBounds, MeshKey, MeshUpload, PassName, PrimInstance, RenderScene,
    RenderSettings, TerrainSource, TextureBinding, TextureImage, TextureKey, TextureUpload,
};

struct Counting;
static ALLOCS: AtomicU64 = AtomicU64::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        ALLOCS.fetch_add(1, Ordering::Relaxed);
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        ALLOCS.fetch_add(1, Ordering::Relaxed);
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

const WIDTH: u32 = 640;
const HEIGHT: u32 = 360;
const COUNTS: [usize; 2] = [300, 20_000];
const CUBE: MeshKey = MeshKey(1);

/// Textures of the textured field: six, one per face.
const FACE_TEXTURES: u128 = 6;

struct World {
    terrain: MeshData,
    uploads: Vec<MeshUpload>,
    instances: Vec<PrimInstance>,
    textures: Vec<TextureUpload>,
}

impl World {
    fn new(n: usize, textured: bool) -> World {
        let mut instances = cube_field(CUBE, n);
        let mut textures = Vec::new();
        if textured {
            let looks = face_looks();
            for inst in &mut instances {
                inst.faces = looks.clone();
            }
            textures = (0..FACE_TEXTURES)
                .map(|k| TextureUpload {
                    key: TextureKey(k),
                    image: texture(k as u8),
                })
                .collect();
        }
        World {
            terrain: rolling_terrain(128),
            uploads: vec![MeshUpload {
                key: CUBE,
                mesh: Arc::new(cube_with_faces()),
            }],
            instances,
            textures,
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
            texture_uploads: &self.textures,
            environment: Environment::default(),
            ..RenderScene::default()
        }
    }
}

/// The demo cube with its six sides as six faces (as a prim box has).
fn cube_with_faces() -> MeshData {
    let mut cube = unit_cube();
    cube.faces = (0..6)
        .map(|f| kestrel::mesh::FaceRange {
            first: f * 6,
            count: 6,
        })
        .collect();
    cube
}

/// Six looks, one texture each, one of them translucent; shared by every
/// cube (as the scene shares looks between objects that look alike).
fn face_looks() -> Arc<[FaceLook]> {
    (0..FACE_TEXTURES)
        .map(|k| FaceLook {
            texture: Some(TextureKey(k)),
            repeats: [2.0, 1.0],
            rotation: 0.3 * k as f32,
            colour: [1.0, 1.0, 1.0, if k == 5 { 0.6 } else { 1.0 }],
            ..FaceLook::plain([1.0; 4])
        })
        .collect()
}

/// A 64² noise texture with its mip chain.
fn texture(seed: u8) -> Arc<TextureImage> {
    let mut mips = Vec::new();
    let mut side = 64u32;
    while side > 0 {
        mips.push(
            (0..side * side * 4)
                .map(|i| (((i * 37) as u8) ^ seed.wrapping_mul(61)) | 3)
                .collect(),
        );
        side /= 2;
    }
    Arc::new(TextureImage {
        width: 64,
        height: 64,
        mips,
        has_alpha: false,
    })
}

const VARIANTS: [(&str, bool); 2] = [("plain", false), ("textured", true)];

/// Overlooking the region from its south edge: most of the field is in view.
fn camera() -> Camera {
    Camera {
        position: Vec3::new(128.0, -30.0, 90.0),
        yaw: std::f32::consts::FRAC_PI_2,
        pitch: -0.55,
        fov_y: 60f32.to_radians(),
        aspect: WIDTH as f32 / HEIGHT as f32,
    }
}

fn settings() -> RenderSettings {
    RenderSettings {
        draw_distance_m: 512.0,
        ..RenderSettings::default()
    }
}

fn bench_render(c: &mut Criterion) {
    let mut r = HeadlessRenderer::with_settings(WIDTH, HEIGHT, settings())
        .expect("a graphics adapter (lavapipe is enough)");
    eprintln!("adapter: {}", r.gpu().summary);
    let mut group = c.benchmark_group("render_frame");
    group.sample_size(10).warm_up_time(Duration::from_secs(1));
    for (name, textured) in VARIANTS {
        for n in COUNTS {
            let world = World::new(n, textured);
            let cam = camera();
            for _ in 0..3 {
                r.render(&world.scene(), &cam);
                r.wait_idle().unwrap();
            }
            group.bench_with_input(BenchmarkId::new(name, n), &n, |b, _| {
                b.iter_custom(|iters| {
                    let mut cpu = Duration::ZERO;
                    for _ in 0..iters {
                        let stats = r.render(black_box(&world.scene()), &cam);
                        cpu += Duration::from_secs_f32(stats.cpu_ms / 1000.0);
                        r.wait_idle().unwrap();
                    }
                    cpu
                });
            });
        }
    }
    group.finish();
    summary(&mut r);
}

fn bench_batch(c: &mut Criterion) {
    let mut group = c.benchmark_group("batch_only");
    let cam = camera();
    let far = settings().effective_draw_distance();
    let params = CullParams {
        eye: cam.position,
        frustum: Frustum::from_view_projection(cam.view_projection(far)),
        draw_distance: far,
    };
    let lookup = |k: MeshKey| {
        (k == CUBE).then_some((
            0,
            MeshBounds {
                centre: Vec3::ZERO,
                radius: 0.87,
            },
        ))
    };
    let view = FaceView {
        eye: cam.position,
        pixels_per_radian: HEIGHT as f32 / cam.fov_y,
    };
    // What the renderer's texture store answers: a slot per texture key.
    let resolve = |t: Option<TextureKey>| TextureBinding {
        slot: t.map_or(0, |k| 2 + k.0 as u32),
        has_alpha: false,
    };
    for n in COUNTS {
        let instances = World::new(n, false).instances;
        let mut batcher = InstanceBatcher::new();
        group.bench_with_input(BenchmarkId::new("cull_only", n), &n, |b, _| {
            b.iter(|| black_box(batcher.cull(&instances, 1, lookup, &params)));
        });
    }
    for (name, textured) in VARIANTS {
        for n in COUNTS {
            let instances = World::new(n, textured).instances;
            let mut batcher = InstanceBatcher::new();
            let mut faces = FaceBatcher::new();
            group.bench_with_input(BenchmarkId::new(name, n), &n, |b, _| {
                b.iter(|| {
                    let culled = batcher.cull(&instances, 1, lookup, &params);
                    let faces = faces.build(&instances, batcher.visible(), |_| 6, resolve, &view);
                    black_box((culled, faces))
                });
            });
        }
    }
    group.finish();
}

/// Plain figures for the report: mean CPU and GPU times and allocations per frame.
fn summary(r: &mut HeadlessRenderer) {
    const FRAMES: u32 = 20;
    let cam = camera();
    for (name, textured) in VARIANTS {
        for n in COUNTS {
            let world = World::new(n, textured);
            for _ in 0..3 {
                r.render(&world.scene(), &cam);
                r.wait_idle().unwrap();
            }
            let (mut cpu, mut allocs) = (0.0f32, 0u64);
            let mut gpu = [0.0f32; PassName::COUNT];
            let mut gpu_frames = 0u32;
            let mut last = None;
            for _ in 0..FRAMES {
                let before = ALLOCS.load(Ordering::Relaxed);
                let stats = r.render(&world.scene(), &cam);
                allocs += ALLOCS.load(Ordering::Relaxed) - before;
                r.wait_idle().unwrap();
                cpu += stats.cpu_ms;
                if let Some(t) = stats.gpu {
                    gpu_frames += 1;
                    for (acc, (_, ms)) in gpu.iter_mut().zip(t.ms_per_pass) {
                        *acc += ms.unwrap_or(0.0);
                    }
                }
                last = Some(stats);
            }
            let last = last.unwrap();
            eprintln!(
                "summary {name} n={n}: cpu {:.3} ms/frame, {} drawn, {} draw calls, {} triangles, \
             {:.1} heap allocations/frame (wgpu included)",
                cpu / FRAMES as f32,
                last.instances_drawn,
                last.draw_calls,
                last.triangles,
                allocs as f64 / f64::from(FRAMES),
            );
            if gpu_frames > 0 {
                let g = gpu.map(|ms| ms / gpu_frames as f32);
                eprintln!(
                    "summary {name} n={n}: gpu ms sky {:.3} terrain {:.3} prims {:.3} blended {:.3}",
                    g[0], g[1], g[2], g[3]
                );
            }
        }
    }
}

criterion_group!(benches, bench_render, bench_batch);
criterion_main!(benches);

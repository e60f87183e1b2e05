//! CPU time per frame for N instanced cubes on terrain, rendered offscreen.
//!
//! `render_frame/N` measures only the CPU side of `Renderer::render` (upload,
//! cull, batch, record, submit): each iteration then waits for the GPU so work
//! does not pile up, but the wait is not counted. `batch_only/N` is the
//! cull + group step alone. After the criterion runs, a summary prints mean
//! CPU ms, GPU ms per pass (when the adapter has timestamps) and heap
//! allocations per steady-state frame (wgpu's included).

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
    Camera, CullParams, Environment, Frustum, HeadlessRenderer, InstanceBatcher, MeshBounds,
    MeshKey, MeshUpload, PrimInstance, RenderScene, RenderSettings, TerrainSource,
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

struct World {
    terrain: MeshData,
    uploads: Vec<MeshUpload>,
    instances: Vec<PrimInstance>,
}

impl World {
    fn new(n: usize) -> World {
        World {
            terrain: rolling_terrain(128),
            uploads: vec![MeshUpload {
                key: CUBE,
                mesh: Arc::new(unit_cube()),
            }],
            instances: cube_field(CUBE, n),
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
        }
    }
}

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
    for n in COUNTS {
        let world = World::new(n);
        let cam = camera();
        for _ in 0..3 {
            r.render(&world.scene(), &cam);
            r.wait_idle().unwrap();
        }
        group.bench_with_input(BenchmarkId::from_parameter(n), &n, |b, _| {
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
    for n in COUNTS {
        let instances = cube_field(CUBE, n);
        let mut batcher = InstanceBatcher::new();
        group.bench_with_input(BenchmarkId::from_parameter(n), &n, |b, _| {
            b.iter(|| black_box(batcher.build(&instances, 1, lookup, &params)));
        });
    }
    group.finish();
}

/// Plain figures for the report: mean CPU and GPU times and allocations per frame.
fn summary(r: &mut HeadlessRenderer) {
    const FRAMES: u32 = 20;
    let cam = camera();
    for n in COUNTS {
        let world = World::new(n);
        for _ in 0..3 {
            r.render(&world.scene(), &cam);
            r.wait_idle().unwrap();
        }
        let (mut cpu, mut allocs) = (0.0f32, 0u64);
        let mut gpu = [0.0f32; 4];
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
            "summary n={n}: cpu {:.3} ms/frame, {} drawn, {} draw calls, {} triangles, \
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
                "summary n={n}: gpu ms sky {:.3} terrain {:.3} prims {:.3}",
                g[0], g[1], g[2]
            );
        }
    }
}

criterion_group!(benches, bench_render, bench_batch);
criterion_main!(benches);

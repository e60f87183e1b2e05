//! Steady-state culling and batching allocates nothing: once its vectors have
//! grown to the scene's size, building a frame's instance data makes zero heap
//! allocations (counted with a counting global allocator on this thread).

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use glam::Vec3;
use kestrel::render::demo::cube_field;
use kestrel::render::{
    Camera, CullParams, Frustum, InstanceBatcher, MeshBounds, MeshKey, PrimInstance,
};

struct Counting;

thread_local! {
    static ALLOCS: Cell<u64> = const { Cell::new(0) };
}

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let _ = ALLOCS.try_with(|c| c.set(c.get() + 1));
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let _ = ALLOCS.try_with(|c| c.set(c.get() + 1));
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

fn allocations_during(f: impl FnOnce()) -> u64 {
    let before = ALLOCS.with(Cell::get);
    f();
    ALLOCS.with(Cell::get) - before
}

fn params(camera: &Camera, far: f32) -> CullParams {
    CullParams {
        eye: camera.position,
        frustum: Frustum::from_view_projection(camera.view_projection(far)),
        draw_distance: far,
    }
}

#[test]
fn steady_state_batching_allocates_nothing() {
    // Three meshes so grouping really sorts.
    let mut instances: Vec<PrimInstance> = Vec::new();
    for k in 0..3 {
        instances.extend(cube_field(MeshKey(k), 7_000));
    }
    let lookup = |k: MeshKey| {
        (k.0 < 3).then_some((
            k.0 as u32,
            MeshBounds {
                centre: Vec3::ZERO,
                radius: 0.87,
            },
        ))
    };
    let start = Camera {
        position: Vec3::new(128.0, 0.0, 40.0),
        yaw: std::f32::consts::FRAC_PI_2,
        pitch: -0.3,
        ..Camera::default()
    };
    // A walk: the camera turns and the draw distance changes every frame.
    let walk = |batcher: &mut InstanceBatcher, drawn: &mut Vec<u32>| {
        let mut cam = start;
        for frame in 0..16 {
            cam.yaw += 0.1;
            let far = 64.0 + frame as f32 * 20.0;
            let counts = batcher.build(&instances, 3, lookup, &params(&cam, far));
            drawn.push(counts.drawn);
        }
    };
    let mut batcher = InstanceBatcher::new();
    let mut drawn = Vec::with_capacity(64);
    // First walk: the vectors grow to the largest visible set.
    walk(&mut batcher, &mut drawn);
    // Walking the same path again is the steady state: nothing may allocate.
    drawn.clear();
    let allocs = allocations_during(|| walk(&mut batcher, &mut drawn));
    assert_eq!(allocs, 0, "steady-state frames allocated");
    assert!(
        drawn.iter().any(|&d| d > 0),
        "something was visible: {drawn:?}"
    );
    assert_eq!(
        batcher.instance_data().len() as u32,
        *drawn.last().unwrap(),
        "the instance data matches the last frame"
    );
}

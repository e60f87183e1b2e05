//! The per-frame uniform block every pass reads (bind group 0), written once
//! per frame into one persistent buffer.

use bytemuck::{Pod, Zeroable};
use glam::Vec3;

use super::camera::Camera;
use super::scene::Environment;

/// Fog starts at this fraction of the draw distance and is complete at the
/// draw distance, which is also the far plane: whatever the far plane cuts
/// (terrain, the far side of an object straddling it) is already the sky's
/// colour there, so nothing ends in a hard edge or looks sliced.
const FOG_START_FRACTION: f32 = 0.55;
/// Metres per repeat of the fine terrain detail texture.
const DETAIL_REPEAT_M: f32 = 4.0;

/// Layout shared with `struct Globals` in every WGSL file (16-byte aligned rows).
#[repr(C)]
#[derive(Debug, Clone, Copy, PartialEq, Pod, Zeroable)]
pub(crate) struct GlobalsUniform {
    view_proj: [[f32; 4]; 4],
    inv_view_proj: [[f32; 4]; 4],
    /// xyz eye position, w far plane (the draw distance).
    camera_pos: [f32; 4],
    /// xyz unit direction toward the sun, w unused.
    sun_dir: [f32; 4],
    sun_colour: [f32; 4],
    ambient: [f32; 4],
    sky_zenith: [f32; 4],
    sky_horizon: [f32; 4],
    sky_ground: [f32; 4],
    /// x fog start, y fog end, z 1/detail repeat, w unused.
    params: [f32; 4],
}

impl GlobalsUniform {
    /// The block for one frame; `far` is the draw distance.
    pub(crate) fn new(camera: &Camera, far: f32, env: &Environment) -> GlobalsUniform {
        let view_proj = camera.view_projection(far);
        let sun = env.sun_direction.try_normalize().unwrap_or(Vec3::Z);
        let rgb = |c: [f32; 3]| [c[0], c[1], c[2], 1.0];
        GlobalsUniform {
            view_proj: view_proj.to_cols_array_2d(),
            inv_view_proj: view_proj.inverse().to_cols_array_2d(),
            camera_pos: camera.position.extend(far).to_array(),
            sun_dir: sun.extend(0.0).to_array(),
            sun_colour: rgb(env.sun_colour),
            ambient: rgb(env.ambient_colour),
            sky_zenith: rgb(env.sky.zenith),
            sky_horizon: rgb(env.sky.horizon),
            sky_ground: rgb(env.sky.ground),
            params: [far * FOG_START_FRACTION, far, 1.0 / DETAIL_REPEAT_M, 0.0],
        }
    }
}

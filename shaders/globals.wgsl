// The frame's uniforms, shared by every pass (mirrors `render::globals::Globals`).
// Prepended to each pass's shader at pipeline creation.

struct Globals {
    view_proj: mat4x4<f32>,
    inv_view_proj: mat4x4<f32>,
    camera_pos: vec4<f32>,   // xyz eye, w far plane
    sun_dir: vec4<f32>,      // xyz unit vector toward the sun
    sun_colour: vec4<f32>,
    ambient: vec4<f32>,
    sky_zenith: vec4<f32>,
    sky_horizon: vec4<f32>,
    sky_ground: vec4<f32>,
    params: vec4<f32>,       // x fog start, y fog end, z 1/detail repeat
};

@group(0) @binding(0) var<uniform> g: Globals;

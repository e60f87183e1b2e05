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

// The sky's colour along a view direction: the zenith/horizon/ground gradient
// the sky pass paints, so fog that ends in it leaves no edge against the sky.
fn sky_gradient(dir: vec3<f32>) -> vec3<f32> {
    let up = dir.z;
    if (up >= 0.0) {
        return mix(g.sky_horizon.rgb, g.sky_zenith.rgb, pow(up, 0.5));
    }
    return mix(g.sky_horizon.rgb, g.sky_ground.rgb, smoothstep(0.0, 0.6, -up));
}

// Distance haze, every quality level: from params.x it fades `lit` into the
// sky behind it and is complete at the draw distance (params.y), so nothing
// ends in a hard edge and the far side of an object straddling the draw
// distance is already sky-coloured.
fn apply_fog(lit: vec3<f32>, world: vec3<f32>) -> vec3<f32> {
    let to_point = world - g.camera_pos.xyz;
    let dist = length(to_point);
    let fog = smoothstep(g.params.x, g.params.y, dist);
    return mix(lit, sky_gradient(to_point / max(dist, 1e-4)), fog);
}

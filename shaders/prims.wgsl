// Opaque prim pass: one instanced draw per mesh. Per-instance model matrix
// (scale included) and colour. Normals use the cofactor of the model's 3x3,
// which stays correct under non-uniform scale.
// High quality: hemisphere ambient, Blinn-Phong specular. Low: plain Lambert.
// Both fade into the sky with distance (`apply_fog`).

// `Globals` and `g` come from globals.wgsl.

struct VsIn {
    @location(0) position: vec3<f32>,
    @location(1) normal: vec3<f32>,
    @location(2) uv: vec2<f32>,
    @location(3) m0: vec4<f32>,
    @location(4) m1: vec4<f32>,
    @location(5) m2: vec4<f32>,
    @location(6) m3: vec4<f32>,
    @location(7) colour: vec4<f32>,
};

struct VsOut {
    @builtin(position) clip: vec4<f32>,
    @location(0) world: vec3<f32>,
    @location(1) normal: vec3<f32>,
    @location(2) colour: vec3<f32>,
};

@vertex
fn vs_main(v: VsIn) -> VsOut {
    let model = mat4x4<f32>(v.m0, v.m1, v.m2, v.m3);
    let world = model * vec4<f32>(v.position, 1.0);
    let c0 = v.m0.xyz;
    let c1 = v.m1.xyz;
    let c2 = v.m2.xyz;
    let cofactor = mat3x3<f32>(cross(c1, c2), cross(c2, c0), cross(c0, c1));
    var out: VsOut;
    out.clip = g.view_proj * world;
    out.world = world.xyz;
    out.normal = cofactor * v.normal;
    out.colour = v.colour.rgb;
    return out;
}

@fragment
fn fs_low(in: VsOut) -> @location(0) vec4<f32> {
    let n = normalize(in.normal);
    let lambert = max(dot(n, g.sun_dir.xyz), 0.0);
    let light = g.ambient.rgb + g.sun_colour.rgb * lambert;
    return vec4<f32>(apply_fog(in.colour * light, in.world), 1.0);
}

@fragment
fn fs_high(in: VsOut) -> @location(0) vec4<f32> {
    let n = normalize(in.normal);
    let to_eye = normalize(g.camera_pos.xyz - in.world);
    let lambert = max(dot(n, g.sun_dir.xyz), 0.0);
    let half_vec = normalize(g.sun_dir.xyz + to_eye);
    let spec = pow(max(dot(n, half_vec), 0.0), 48.0) * 0.25 * select(0.0, 1.0, lambert > 0.0);
    let sky_light = mix(g.sky_ground.rgb, g.sky_zenith.rgb, n.z * 0.5 + 0.5);
    let light = g.ambient.rgb * (0.6 + 0.8 * sky_light) + g.sun_colour.rgb * lambert;
    let lit = in.colour * light + g.sun_colour.rgb * spec;
    return vec4<f32>(apply_fog(lit, in.world), 1.0);
}

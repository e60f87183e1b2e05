// Prim passes (opaque, then blended): one instanced draw per (mesh, face,
// texture). Per-instance model matrix (scale included), face colour, the
// texture entry's UV transform and flags. Normals use the cofactor of the
// model's 3x3, which stays correct under non-uniform scale.
// Colour = texture (sRGB, sampled linear) x face colour, then lit — unless
// the face is fullbright, which shows it unlit, as the reference viewer does.
// High quality: hemisphere ambient, Blinn-Phong specular. Low: plain Lambert.
// Both fade into the sky with distance (`apply_fog`). Alpha is texture alpha
// x colour alpha; only the blended pipeline writes it (blending over what is
// behind).

// `Globals` and `g` come from globals.wgsl.
@group(1) @binding(0) var face_tex: texture_2d<f32>;
@group(1) @binding(1) var face_sampler: sampler;

// Bit of `uv_offset_flags.z`: unlit.
const FLAG_FULLBRIGHT: f32 = 1.0;

struct VsIn {
    @location(0) position: vec3<f32>,
    @location(1) normal: vec3<f32>,
    @location(2) uv: vec2<f32>,
    @location(3) m0: vec4<f32>,
    @location(4) m1: vec4<f32>,
    @location(5) m2: vec4<f32>,
    @location(6) m3: vec4<f32>,
    @location(7) colour: vec4<f32>,
    @location(8) uv_matrix: vec4<f32>,
    @location(9) uv_offset_flags: vec4<f32>,
};

struct VsOut {
    @builtin(position) clip: vec4<f32>,
    @location(0) world: vec3<f32>,
    @location(1) normal: vec3<f32>,
    @location(2) colour: vec4<f32>,
    @location(3) uv: vec2<f32>,
    @location(4) @interpolate(flat) flags: f32,
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
    out.colour = v.colour;
    // The texture entry's repeats, rotation and offset, precomputed on the
    // CPU as a 2x2 matrix and an offset (see `render::faces::uv_transform`).
    out.uv = vec2<f32>(dot(v.uv_matrix.xy, v.uv), dot(v.uv_matrix.zw, v.uv)) + v.uv_offset_flags.xy;
    out.flags = v.uv_offset_flags.z;
    return out;
}

fn base_colour(in: VsOut) -> vec4<f32> {
    return textureSample(face_tex, face_sampler, in.uv) * in.colour;
}

fn fullbright(in: VsOut) -> bool {
    return in.flags >= FLAG_FULLBRIGHT;
}

@fragment
fn fs_low(in: VsOut) -> @location(0) vec4<f32> {
    let base = base_colour(in);
    let n = normalize(in.normal);
    let lambert = max(dot(n, g.sun_dir.xyz), 0.0);
    var light = g.ambient.rgb + g.sun_colour.rgb * lambert;
    if (fullbright(in)) {
        light = vec3<f32>(1.0);
    }
    return vec4<f32>(apply_fog(base.rgb * light, in.world), base.a);
}

@fragment
fn fs_high(in: VsOut) -> @location(0) vec4<f32> {
    let base = base_colour(in);
    if (fullbright(in)) {
        return vec4<f32>(apply_fog(base.rgb, in.world), base.a);
    }
    let n = normalize(in.normal);
    let to_eye = normalize(g.camera_pos.xyz - in.world);
    let lambert = max(dot(n, g.sun_dir.xyz), 0.0);
    let half_vec = normalize(g.sun_dir.xyz + to_eye);
    let spec = pow(max(dot(n, half_vec), 0.0), 48.0) * 0.25 * select(0.0, 1.0, lambert > 0.0);
    let sky_light = mix(g.sky_ground.rgb, g.sky_zenith.rgb, n.z * 0.5 + 0.5);
    let light = g.ambient.rgb * (0.6 + 0.8 * sky_light) + g.sun_colour.rgb * lambert;
    let lit = base.rgb * light + g.sun_colour.rgb * spec;
    return vec4<f32>(apply_fog(lit, in.world), base.a);
}

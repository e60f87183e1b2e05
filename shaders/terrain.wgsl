// Terrain pass: the region heightfield mesh in world space (Z-up).
// Colour comes from slope (grass on the flat, rock on steep faces) and height
// (sand near the water line), modulated by a procedural detail texture.
// High quality: hemisphere ambient. Low: plain Lambert. Both fade into the sky
// with distance (`apply_fog`).

// `Globals` and `g` come from globals.wgsl.
@group(1) @binding(0) var detail_tex: texture_2d<f32>;
@group(1) @binding(1) var detail_sampler: sampler;

// Second Life's default water height, metres.
const WATER_HEIGHT: f32 = 20.0;

struct VsIn {
    @location(0) position: vec3<f32>,
    @location(1) normal: vec3<f32>,
    @location(2) uv: vec2<f32>,
};

struct VsOut {
    @builtin(position) clip: vec4<f32>,
    @location(0) world: vec3<f32>,
    @location(1) normal: vec3<f32>,
};

@vertex
fn vs_main(v: VsIn) -> VsOut {
    var out: VsOut;
    out.clip = g.view_proj * vec4<f32>(v.position, 1.0);
    out.world = v.position;
    out.normal = v.normal;
    return out;
}

fn albedo(world: vec3<f32>, n: vec3<f32>) -> vec3<f32> {
    let grass = vec3<f32>(0.20, 0.38, 0.12);
    let rock = vec3<f32>(0.42, 0.39, 0.35);
    let sand = vec3<f32>(0.66, 0.60, 0.44);
    let flat_amount = smoothstep(0.70, 0.85, n.z);
    var base = mix(rock, grass, flat_amount);
    base = mix(sand, base, smoothstep(WATER_HEIGHT - 0.5, WATER_HEIGHT + 1.5, world.z));
    let fine = textureSample(detail_tex, detail_sampler, world.xy * g.params.z).r;
    let coarse = textureSample(detail_tex, detail_sampler, world.xy * (g.params.z * 0.043)).r;
    return base * (0.55 + 0.6 * fine) * (0.8 + 0.4 * coarse);
}

@fragment
fn fs_low(in: VsOut) -> @location(0) vec4<f32> {
    let n = normalize(in.normal);
    let lambert = max(dot(n, g.sun_dir.xyz), 0.0);
    let light = g.ambient.rgb + g.sun_colour.rgb * lambert;
    return vec4<f32>(apply_fog(albedo(in.world, n) * light, in.world), 1.0);
}

@fragment
fn fs_high(in: VsOut) -> @location(0) vec4<f32> {
    let n = normalize(in.normal);
    let lambert = max(dot(n, g.sun_dir.xyz), 0.0);
    let sky_light = mix(g.sky_ground.rgb, g.sky_zenith.rgb, n.z * 0.5 + 0.5);
    let light = g.ambient.rgb * (0.6 + 0.8 * sky_light) + g.sun_colour.rgb * lambert;
    let lit = albedo(in.world, n) * light;
    return vec4<f32>(apply_fog(lit, in.world), 1.0);
}

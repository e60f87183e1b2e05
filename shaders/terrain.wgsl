// Terrain pass: the region heightfield mesh in world space (Z-up).
// With the region's four detail textures (tp.mode.x = 1) the colour blends
// them by height as the reference viewer does (LLVLComposition +
// LLDrawPoolTerrain): a start height and a height range interpolated
// bilinearly from the region's corners, the height nudged by noise so the
// bands break up, the four textures spread over the range, each repeating
// every tp.mode.y⁻¹ metres.
// Otherwise the colour comes from slope (grass on the flat, rock on steep
// faces) and height (sand near the water line), modulated by a procedural
// detail texture.
// High quality: hemisphere ambient. Low: plain Lambert. Both fade into the sky
// with distance (`apply_fog`).

// `Globals` and `g` come from globals.wgsl.
@group(1) @binding(0) var detail_tex: texture_2d<f32>;
@group(1) @binding(1) var detail_sampler: sampler;
@group(1) @binding(2) var detail_0: texture_2d<f32>;
@group(1) @binding(3) var detail_1: texture_2d<f32>;
@group(1) @binding(4) var detail_2: texture_2d<f32>;
@group(1) @binding(5) var detail_3: texture_2d<f32>;

struct TerrainParams {
    start: vec4<f32>,   // start heights at the SW, NW, SE, NE corners
    range: vec4<f32>,   // height ranges at the same corners
    mode: vec4<f32>,    // x 1 = detail textures, y 1/metres per repeat, z region side
};
@group(1) @binding(6) var<uniform> tp: TerrainParams;

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

fn generated_albedo(world: vec3<f32>, n: vec3<f32>) -> vec3<f32> {
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

// Bilinear over the region's corners, the reference viewer's weighting:
// v = (SW, NW, SE, NE), f = position / region side.
fn corners(v: vec4<f32>, f: vec2<f32>) -> f32 {
    return v.x * (1.0 - f.x) * (1.0 - f.y) + v.z * f.x * (1.0 - f.y)
        + v.y * (1.0 - f.x) * f.y + v.w * f.x * f.y;
}

// The reference viewer's composition value, 0..3: which detail texture a
// point shows (0 the lowest, 3 the highest). Its noise is Perlin noise at
// about 22 m (×6.5) plus a 5 m turbulence (×2.25), doubled; ours samples the
// detail noise (value noise, centred on 0) at the same two scales.
fn composition(world: vec3<f32>) -> f32 {
    let f = clamp(world.xy / tp.mode.z, vec2<f32>(0.0), vec2<f32>(1.0));
    let start = corners(tp.start, f);
    let range = max(corners(tp.range, f), 0.001);
    let low = textureSample(detail_tex, detail_sampler, world.xy / 180.0).r * 2.0 - 1.0;
    let high = textureSample(detail_tex, detail_sampler, world.xy / 40.0).r * 2.0 - 1.0;
    let twiddle = (low * 6.5 + abs(high) * 2.25) * 2.0;
    return clamp((world.z + twiddle - start) * 4.0 / range, 0.0, 3.0);
}

// The four textures, each weighted by its closeness to the composition
// value (linear ramps between neighbours, as the viewer's alpha ramps).
fn textured_albedo(world: vec3<f32>) -> vec3<f32> {
    let c = composition(world);
    let uv = world.xy * tp.mode.y;
    let w = max(vec4<f32>(0.0), vec4<f32>(1.0) - abs(vec4<f32>(c) - vec4<f32>(0.0, 1.0, 2.0, 3.0)));
    return textureSample(detail_0, detail_sampler, uv).rgb * w.x
        + textureSample(detail_1, detail_sampler, uv).rgb * w.y
        + textureSample(detail_2, detail_sampler, uv).rgb * w.z
        + textureSample(detail_3, detail_sampler, uv).rgb * w.w;
}

fn albedo(world: vec3<f32>, n: vec3<f32>) -> vec3<f32> {
    // Uniform branch: the mode is the same for every fragment of the draw.
    if (tp.mode.x > 0.5) {
        return textured_albedo(world);
    }
    return generated_albedo(world, n);
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

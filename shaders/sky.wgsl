// Sky pass: one full-screen triangle; each pixel's view ray picks a colour
// from the zenith/horizon/ground gradient. High quality adds the sun disc and glow.
// World is Z-up.

// `Globals`, `g` and `sky_gradient` come from globals.wgsl.

struct VsOut {
    @builtin(position) clip: vec4<f32>,
    @location(0) ndc: vec2<f32>,
};

@vertex
fn vs_main(@builtin(vertex_index) i: u32) -> VsOut {
    // (-1,-1), (3,-1), (-1,3): covers the screen with one triangle.
    let x = f32((i << 1u) & 2u) * 2.0 - 1.0;
    let y = f32(i & 2u) * 2.0 - 1.0;
    var out: VsOut;
    out.clip = vec4<f32>(x, y, 0.0, 1.0);
    out.ndc = vec2<f32>(x, y);
    return out;
}

fn view_ray(ndc: vec2<f32>) -> vec3<f32> {
    let far_point = g.inv_view_proj * vec4<f32>(ndc, 1.0, 1.0);
    return normalize(far_point.xyz / far_point.w - g.camera_pos.xyz);
}

@fragment
fn fs_low(in: VsOut) -> @location(0) vec4<f32> {
    return vec4<f32>(sky_gradient(view_ray(in.ndc)), 1.0);
}

@fragment
fn fs_high(in: VsOut) -> @location(0) vec4<f32> {
    let dir = view_ray(in.ndc);
    let c = max(dot(dir, g.sun_dir.xyz), 0.0);
    let disc = smoothstep(0.9995, 0.9998, c);
    let glow = pow(c, 64.0) * 0.35 + pow(c, 6.0) * 0.08;
    let colour = sky_gradient(dir) + g.sun_colour.rgb * (disc + glow);
    return vec4<f32>(colour, 1.0);
}

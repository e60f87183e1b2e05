//! A procedural, tileable grey noise texture with a full mip chain: the
//! terrain's generated detail when the region's detail textures are not
//! resident, and the noise that breaks the height bands when they are.
//! Built once at start-up.

/// Side of the top mip level, texels (a power of two).
const SIZE: u32 = 256;

/// Integer hash → 0..1, deterministic across platforms.
fn hash(x: u32, y: u32, seed: u32) -> f32 {
    let mut h =
        x.wrapping_mul(0x8da6_b343) ^ y.wrapping_mul(0xd816_3841) ^ seed.wrapping_mul(0xcb1a_b31f);
    h ^= h >> 13;
    h = h.wrapping_mul(0x5bd1_e995);
    h ^= h >> 15;
    (h & 0xffff) as f32 / 65535.0
}

/// Value noise with `cells` cells across the texture, wrapping at the edges.
fn value_noise(x: u32, y: u32, cells: u32, seed: u32) -> f32 {
    let cell = SIZE / cells;
    let (cx, cy) = (x / cell, y / cell);
    let fx = (x % cell) as f32 / cell as f32;
    let fy = (y % cell) as f32 / cell as f32;
    let smooth = |t: f32| t * t * (3.0 - 2.0 * t);
    let (sx, sy) = (smooth(fx), smooth(fy));
    let corner = |i: u32, j: u32| hash((cx + i) % cells, (cy + j) % cells, seed);
    let top = corner(0, 0) + (corner(1, 0) - corner(0, 0)) * sx;
    let bottom = corner(0, 1) + (corner(1, 1) - corner(0, 1)) * sx;
    top + (bottom - top) * sy
}

/// The mip chain as grey levels, largest first.
pub(crate) fn mip_chain() -> Vec<Vec<u8>> {
    let mut level: Vec<f32> = (0..SIZE * SIZE)
        .map(|i| {
            let (x, y) = (i % SIZE, i / SIZE);
            let n = 0.5 * value_noise(x, y, 8, 1)
                + 0.25 * value_noise(x, y, 16, 2)
                + 0.15 * value_noise(x, y, 64, 3)
                + 0.10 * value_noise(x, y, 128, 4);
            n.clamp(0.0, 1.0)
        })
        .collect();
    let mut side = SIZE;
    let mut chain = Vec::new();
    loop {
        chain.push(level.iter().map(|v| (v * 255.0).round() as u8).collect());
        if side == 1 {
            break;
        }
        let half = side / 2;
        level = (0..half * half)
            .map(|i| {
                let (x, y) = ((i % half) * 2, (i / half) * 2);
                let at = |dx: u32, dy: u32| level[((y + dy) * side + x + dx) as usize];
                (at(0, 0) + at(1, 0) + at(0, 1) + at(1, 1)) * 0.25
            })
            .collect();
        side = half;
    }
    chain
}

/// Uploads the texture and returns a view of all its mips.
pub(crate) fn create(device: &wgpu::Device, queue: &wgpu::Queue) -> wgpu::TextureView {
    let chain = mip_chain();
    let texture = device.create_texture(&wgpu::TextureDescriptor {
        label: Some("terrain detail"),
        size: wgpu::Extent3d {
            width: SIZE,
            height: SIZE,
            depth_or_array_layers: 1,
        },
        mip_level_count: chain.len() as u32,
        sample_count: 1,
        dimension: wgpu::TextureDimension::D2,
        format: wgpu::TextureFormat::R8Unorm,
        usage: wgpu::TextureUsages::TEXTURE_BINDING | wgpu::TextureUsages::COPY_DST,
        view_formats: &[],
    });
    for (mip, texels) in chain.iter().enumerate() {
        let side = SIZE >> mip;
        queue.write_texture(
            wgpu::TexelCopyTextureInfo {
                texture: &texture,
                mip_level: mip as u32,
                origin: wgpu::Origin3d::ZERO,
                aspect: wgpu::TextureAspect::All,
            },
            texels,
            wgpu::TexelCopyBufferLayout {
                offset: 0,
                bytes_per_row: Some(side),
                rows_per_image: Some(side),
            },
            wgpu::Extent3d {
                width: side,
                height: side,
                depth_or_array_layers: 1,
            },
        );
    }
    texture.create_view(&wgpu::TextureViewDescriptor::default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chain_halves_down_to_one_texel_and_has_contrast() {
        let chain = mip_chain();
        assert_eq!(chain.len(), 9);
        for (i, level) in chain.iter().enumerate() {
            let side = (SIZE >> i) as usize;
            assert_eq!(level.len(), side * side);
        }
        let top = &chain[0];
        let (lo, hi) = (top.iter().min().unwrap(), top.iter().max().unwrap());
        assert!(hi - lo > 60, "noise too flat: {lo}..{hi}");
    }
}

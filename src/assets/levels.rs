//! Discard levels: how sharp a texture needs to be for the pixels it covers,
//! how many of its bytes that takes, and the mip chain handed to the GPU.
//!
//! A discard level `d` is the image at `1 / 2^d` of its size; 0 is full size,
//! and the reference viewer goes down to 5.

use crate::render::TextureImage;

/// The coarsest level asked for.
pub const MAX_DISCARD: u8 = 5;

/// The first range asked for a texture whose size is not known yet: enough
/// for the main header and the coarsest level of a typical texture (the
/// reference viewer's first packet).
pub const FIRST_FETCH_BYTES: usize = 600;

/// The level a texture of `width × height` needs to cover `pixels` screen
/// pixels: the coarsest whose larger side still has at least one texel per
/// pixel along it. No demand (0 pixels) is the coarsest level.
pub fn wanted_discard(width: u32, height: u32, pixels: f32, max: u8) -> u8 {
    let side = width.max(height).max(1) as f32;
    let on_screen = pixels.max(0.0).sqrt();
    if on_screen < 1.0 {
        return max;
    }
    let mut d = 0u8;
    while d < max && side / f32::from(1u16 << (d + 1)) >= on_screen {
        d += 1;
    }
    d
}

/// The sharpest level `have` bytes of a `total`-byte codestream can give, by
/// the reference viewer's byte estimate (all of it: level 0).
pub fn reachable_discard(
    width: u32,
    height: u32,
    components: u8,
    have: usize,
    total: Option<u64>,
    max: u8,
) -> Option<u8> {
    if total.is_some_and(|t| have as u64 >= t) {
        return Some(0);
    }
    (0..=max).find(|d| kestrel_j2k::prefix_len(width, height, components, *d) <= have)
}

/// Bytes to have for level `discard` (never past the asset's end).
pub fn bytes_for(
    width: u32,
    height: u32,
    components: u8,
    discard: u8,
    total: Option<u64>,
) -> usize {
    let want = kestrel_j2k::prefix_len(width, height, components, discard);
    match total {
        Some(t) => want.min(t as usize),
        None => want,
    }
}

/// Builds the mip chain of an RGBA8 image by 2×2 box filtering (done on the
/// rayon pool, never on the render thread).
pub fn mip_chain(width: u32, height: u32, rgba: Vec<u8>) -> TextureImage {
    let has_alpha = rgba.chunks_exact(4).any(|p| p[3] < 255);
    let mut mips = vec![rgba];
    let (mut w, mut h) = (width.max(1), height.max(1));
    while w > 1 || h > 1 {
        let (nw, nh) = ((w / 2).max(1), (h / 2).max(1));
        let prev = mips.last().map(Vec::as_slice).unwrap_or_default();
        let mut next = vec![0u8; (nw * nh * 4) as usize];
        for y in 0..nh {
            for x in 0..nw {
                let (x0, y0) = ((x * 2).min(w - 1), (y * 2).min(h - 1));
                let (x1, y1) = ((x0 + 1).min(w - 1), (y0 + 1).min(h - 1));
                for c in 0..4 {
                    let at = |xx: u32, yy: u32| u32::from(prev[((yy * w + xx) * 4 + c) as usize]);
                    let sum = at(x0, y0) + at(x1, y0) + at(x0, y1) + at(x1, y1);
                    next[((y * nw + x) * 4 + c) as usize] = ((sum + 2) / 4) as u8;
                }
            }
        }
        mips.push(next);
        (w, h) = (nw, nh);
    }
    TextureImage {
        width: width.max(1),
        height: height.max(1),
        mips,
        has_alpha,
    }
}

/// The same texture one level coarser (its top mip dropped), or `None` when it
/// is already one texel.
pub fn coarser(image: &TextureImage) -> Option<TextureImage> {
    if image.mips.len() < 2 {
        return None;
    }
    Some(TextureImage {
        width: (image.width / 2).max(1),
        height: (image.height / 2).max(1),
        mips: image.mips[1..].to_vec(),
        has_alpha: image.has_alpha,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_level_follows_the_pixels_covered() {
        // A 1024² texture filling a 1024² area needs full size, a quarter of
        // the side needs level 2, nothing on screen the coarsest.
        assert_eq!(wanted_discard(1024, 1024, 1024.0 * 1024.0, 5), 0);
        assert_eq!(wanted_discard(1024, 1024, 256.0 * 256.0, 5), 2);
        assert_eq!(wanted_discard(1024, 1024, 200.0 * 200.0, 5), 2);
        assert_eq!(wanted_discard(1024, 1024, 0.0, 5), 5);
        assert_eq!(wanted_discard(1024, 1024, 4.0, 5), 5);
        assert_eq!(wanted_discard(64, 64, 4096.0, 3), 0);
    }

    #[test]
    fn mips_halve_down_to_one_texel_and_keep_the_mean() {
        let (w, h) = (8, 4);
        let rgba: Vec<u8> = (0..w * h)
            .flat_map(|i| [(i * 8) as u8, 100, 200, 255])
            .collect();
        let img = mip_chain(w, h, rgba);
        assert_eq!(img.mips.len(), 4);
        assert_eq!(img.mips[1].len(), 4 * 2 * 4);
        assert_eq!(img.mips[3].len(), 4);
        assert!(!img.has_alpha);
        let mean0: u32 = img.mips[0].chunks(4).map(|p| u32::from(p[0])).sum::<u32>() / 32;
        assert!((i64::from(img.mips[3][0]) - i64::from(mean0)).abs() <= 2);
        let c = coarser(&img).unwrap();
        assert_eq!((c.width, c.height, c.mips.len()), (4, 2, 3));
    }
}

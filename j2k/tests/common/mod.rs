//! Helpers shared by the integration tests: procedural images and the
//! statistics the tests compare.
#![allow(dead_code)]

/// A smooth procedural image with some detail: horizontal and vertical
/// tents, a diagonal wave and a radial alpha. Smooth enough that 8:1 lossy
/// coding keeps it close; the wave is asymmetric, so a flipped axis or a
/// swapped channel changes the pixels. The tents are symmetric rather than
/// ramps because a reduced-resolution decode samples the image at a
/// phase: on a ramp that shifts the mean by half a sample step at every
/// level (about 10 grey levels at discard 5), on a tent the two halves
/// cancel, so the mean can be compared across discard levels.
pub fn procedural(width: u32, height: u32, components: u8) -> Vec<u8> {
    let mut out = Vec::with_capacity(width as usize * height as usize * usize::from(components));
    for y in 0..height {
        for x in 0..width {
            let fx = (x as f32 + 0.5) / width as f32;
            let fy = (y as f32 + 0.5) / height as f32;
            let tent = |f: f32| 1.0 - (2.0 * f - 1.0).abs();
            let r = 30.0 + 200.0 * tent(fx);
            let g = 220.0 - 180.0 * tent(fy);
            let b = 128.0 + 90.0 * ((fx * 9.0 + fy * 5.0) * std::f32::consts::PI).sin();
            let dx = fx - 0.5;
            let dy = fy - 0.5;
            let a = 255.0 - 300.0 * (dx * dx + dy * dy).sqrt();
            let px = [r, g, b, a].map(|v| v.clamp(0.0, 255.0) as u8);
            match components {
                1 => out.push(((u16::from(px[0]) + u16::from(px[1]) + u16::from(px[2])) / 3) as u8),
                2 => {
                    out.push(((u16::from(px[0]) + u16::from(px[1]) + u16::from(px[2])) / 3) as u8);
                    out.push(px[3]);
                }
                3 => out.extend_from_slice(&px[..3]),
                _ => out.extend_from_slice(&px),
            }
        }
    }
    out
}

/// Expands interleaved pixels of 1..=4 components to RGBA the way the
/// decoder does (grey replicated, missing alpha 255).
pub fn to_rgba(pixels: &[u8], components: u8) -> Vec<u8> {
    let n = usize::from(components);
    let mut out = Vec::with_capacity(pixels.len() / n * 4);
    for p in pixels.chunks_exact(n) {
        let rgba = match n {
            1 => [p[0], p[0], p[0], 255],
            2 => [p[0], p[0], p[0], p[1]],
            3 => [p[0], p[1], p[2], 255],
            _ => [p[0], p[1], p[2], p[3]],
        };
        out.extend_from_slice(&rgba);
    }
    out
}

/// Mean absolute difference per sample between two equally sized buffers.
pub fn mean_abs_error(a: &[u8], b: &[u8]) -> f64 {
    assert_eq!(a.len(), b.len(), "buffers differ in size");
    let sum: u64 = a
        .iter()
        .zip(b)
        .map(|(&x, &y)| u64::from(x.abs_diff(y)))
        .sum();
    sum as f64 / a.len() as f64
}

/// Mean of each RGBA channel.
pub fn mean_colour(rgba: &[u8]) -> [f64; 4] {
    let mut sum = [0u64; 4];
    for p in rgba.chunks_exact(4) {
        for c in 0..4 {
            sum[c] += u64::from(p[c]);
        }
    }
    let n = (rgba.len() / 4).max(1) as f64;
    sum.map(|s| s as f64 / n)
}

/// Largest per-channel difference of two mean colours.
pub fn colour_distance(a: [f64; 4], b: [f64; 4]) -> f64 {
    a.iter()
        .zip(&b)
        .map(|(x, y)| (x - y).abs())
        .fold(0.0, f64::max)
}

/// Offset of the first occurrence of a two-byte marker in a codestream.
pub fn find_marker(codestream: &[u8], marker: u16) -> Option<usize> {
    let m = marker.to_be_bytes();
    codestream.windows(2).position(|w| w == m)
}

/// `procedural` plus per-pixel noise (±40, a fixed hash of the position)
/// and a fine stripe texture: like a photographic texture, it does not
/// compress below Second Life's 8:1, so the codestream is as large as real
/// assets of its size and byte prefixes really cut into it.
pub fn detailed(width: u32, height: u32, components: u8) -> Vec<u8> {
    let mut px = procedural(width, height, components);
    let n = usize::from(components);
    for (i, p) in px.chunks_exact_mut(n).enumerate() {
        let x = (i % width as usize) as u32;
        let y = (i / width as usize) as u32;
        let mut hsh = x.wrapping_mul(0x9E37_79B9) ^ y.wrapping_mul(0x85EB_CA6B);
        hsh ^= hsh >> 15;
        hsh = hsh.wrapping_mul(0x2C1B_3C6D);
        hsh ^= hsh >> 12;
        let noise = (hsh % 81) as i32 - 40;
        let stripe = if (x / 2 + y / 3).is_multiple_of(2) {
            12
        } else {
            -12
        };
        for (c, v) in p.iter_mut().enumerate() {
            // Alpha keeps only the stripes, so it is not pure noise.
            let delta = if (n == 2 || n == 4) && c == n - 1 {
                stripe
            } else {
                noise + stripe
            };
            *v = (i32::from(*v) + delta).clamp(0, 255) as u8;
        }
    }
    px
}

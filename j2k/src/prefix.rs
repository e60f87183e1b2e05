//! How many bytes of a texture the reference viewer fetches for a discard
//! level: `LLImageJ2C::calcDataSizeJ2C` in `indra/llimage/llimagej2c.cpp` of
//! secondlife/viewer, with its default rate of 1/8. Reimplemented from the
//! formula (facts only); the constants are the viewer's.

/// `FIRST_PACKET_SIZE`: bytes the viewer counts for the header.
const HEADER_BYTES: i64 = 600;
/// `MIN_LAYER_SIZE`: the size of the first quality layer after the header.
const MIN_LAYER_BYTES: i64 = 2000;
/// `MAX_BLOCK_SIZE`: code-block side.
const BLOCK_SIDE: i64 = 64;
/// `MAX_DISCARD_LEVEL`.
const MAX_DISCARD: u8 = 5;
/// `DEFAULT_COMPRESSION_RATE` is 1/8; every size below is divided by 8.
const RATE_DIVISOR: i64 = 8;
/// The formula's assumed bits per component.
const PRECISION: i64 = 8;
/// The formula's assumed component count (since August 2024 it no longer
/// uses the texture's own).
const ASSUMED_COMPONENTS: i64 = 4;
/// Side the viewer assumes when a dimension is unknown (0).
const UNKNOWN_SIDE: u32 = 2048;

/// The byte prefix the reference viewer asks for to decode a `width` ×
/// `height` texture at `discard` (0..=5; larger values are treated as 5, as
/// the viewer clamps them).
///
/// This is the viewer's current formula (since secondlife/viewer#2406,
/// August 2024, adjusted by #2525): a minimum first layer plus one term per
/// code-block "layer", each four times the last, for the layers up to
/// `5 - discard`, plus the 600-byte header. It assumes four 8-bit
/// components whatever `components` says; the argument is kept because the
/// older formula ([`legacy_prefix_len`]) used it. A width or height of 0
/// counts as 2048, as in the viewer.
///
/// The result is usually larger than the whole file at low discard levels
/// (the viewer then simply gets the whole file); callers clip it to the
/// asset size.
pub fn prefix_len(width: u32, height: u32, components: u8, discard: u8) -> usize {
    // Kept for the signature shared with `legacy_prefix_len`; see the doc.
    let _ = components;
    let discard = i64::from(discard.min(MAX_DISCARD));
    let width = if width > 0 { width } else { UNKNOWN_SIDE };
    let height = if height > 0 { height } else { UNKNOWN_SIDE };
    let max_side = width.max(height);
    // log2(side) - log2(64), rounded half away from zero as llround does,
    // at least 4. f32 like the viewer's log2f: the rounding point can only
    // differ for sides within float error of 2^(n + 0.5), which is never an
    // integer.
    let steps = ((max_side as f32).log2() - (BLOCK_SIDE as f32).log2()).round();
    let max_layers = (steps as i64).max(4);
    let mut block_area = BLOCK_SIDE * BLOCK_SIDE * max_layers.max(1);
    let mut bits = MIN_LAYER_BYTES * ASSUMED_COMPONENTS * PRECISION;
    // Only layers 0..=5-discard add bytes; stopping there also keeps the
    // growing area from overflowing, which the C code lets happen unused.
    let last = max_layers.min(5 - discard);
    for _ in 0..=last {
        bits += block_area * ASSUMED_COMPONENTS * PRECISION / RATE_DIVISOR;
        block_area *= 4;
    }
    usize::try_from(bits / 8 + HEADER_BYTES).unwrap_or(usize::MAX)
}

/// The viewer's formula before August 2024 (with its default
/// `TextureNewByteRange` on): `sqrt(w·h) × components × rate × 1000 /
/// layer_factor` at the discarded size, where `layer_factor = 3 × (7 -
/// layers)` and `layers` counts how many times 64² must be quadrupled to
/// cover the full surface; the plain `w·h·components·rate` if that is
/// smaller; never below the 600-byte header. Much smaller prefixes than
/// [`prefix_len`]; kept to compare fetch sizes.
pub fn legacy_prefix_len(width: u32, height: u32, components: u8, discard: u8) -> usize {
    let discard = u32::from(discard.min(MAX_DISCARD));
    let surface = u64::from(width) * u64::from(height);
    let mut layers: i64 = 1;
    let mut s: u64 = 64 * 64;
    while surface > s {
        layers += 1;
        s *= 4;
    }
    let layer_factor = 3.0f32 * (7 - layers.clamp(1, 6)) as f32;
    let w = (width >> discard).max(1);
    let h = (height >> discard).max(1);
    let area = f64::from(w) * f64::from(h);
    let rate = 1.0f32 / RATE_DIVISOR as f32;
    let new_bytes =
        ((area as f32).sqrt() * f32::from(components) * rate * 1000.0 / layer_factor) as i64;
    let old_bytes = (area as f32 * f32::from(components) * rate) as i64;
    let bytes = if new_bytes < old_bytes {
        new_bytes
    } else {
        old_bytes
    };
    usize::try_from(bytes.max(HEADER_BYTES)).unwrap_or(usize::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Worked by hand from the viewer's formula for 512×512: max_layers =
    /// max(round(9 - 6), 4) = 4, block area 64²·4 = 16384 samples, 32 bits
    /// per sample at rate 1/8 → 4 bits per sample per term.
    #[test]
    fn current_formula_512() {
        let term = |k: u32| 16_384i64 * 4i64.pow(k) * 4;
        let base = 2000 * 4 * 8;
        let expect = |last: u32| ((base + (0..=last).map(term).sum::<i64>()) / 8 + 600) as usize;
        assert_eq!(prefix_len(512, 512, 4, 5), expect(0));
        assert_eq!(prefix_len(512, 512, 4, 5), 16_792);
        assert_eq!(prefix_len(512, 512, 4, 4), expect(1));
        assert_eq!(prefix_len(512, 512, 4, 2), expect(3));
        // Five terms (layers 0..=4) is the most a 512 texture has, so
        // discard 0 and 1 ask for the same bytes.
        assert_eq!(prefix_len(512, 512, 4, 1), expect(4));
        assert_eq!(prefix_len(512, 512, 4, 0), expect(4));
        // Components are not used by the current formula.
        assert_eq!(prefix_len(512, 512, 1, 3), prefix_len(512, 512, 4, 3));
    }

    #[test]
    fn current_formula_2048_has_five_steps() {
        // round(11 - 6) = 5 layers, block area 64²·5 = 20480.
        let d5 = (2000 * 32 + 20_480 * 4) / 8 + 600;
        assert_eq!(prefix_len(2048, 2048, 4, 5), d5 as usize);
        let d0: i64 = 2000 * 32 + (0..=5).map(|k| 20_480 * 4i64.pow(k) * 4).sum::<i64>();
        assert_eq!(prefix_len(2048, 2048, 4, 0), (d0 / 8 + 600) as usize);
        // Discard above 5 is clamped, and unknown sides count as 2048.
        assert_eq!(prefix_len(2048, 2048, 4, 9), prefix_len(2048, 2048, 4, 5));
        assert_eq!(prefix_len(0, 0, 4, 3), prefix_len(2048, 2048, 4, 3));
    }

    #[test]
    fn prefix_grows_as_discard_falls() {
        for side in [16u32, 64, 256, 512, 1024, 2048] {
            for d in 0..5u8 {
                assert!(prefix_len(side, side, 4, d) >= prefix_len(side, side, 4, d + 1));
                assert!(
                    legacy_prefix_len(side, side, 4, d) >= legacy_prefix_len(side, side, 4, d + 1)
                );
            }
        }
    }

    /// 512×512 RGBA by the old formula: 4 layers (64² → 128² → 256² →
    /// 512²), factor 9; at discard 0 sqrt(512²)·4·0.125·1000/9 = 28444.
    #[test]
    fn legacy_formula_512() {
        assert_eq!(legacy_prefix_len(512, 512, 4, 0), 28_444);
        assert_eq!(legacy_prefix_len(512, 512, 4, 2), 7_111);
        // 16×16 at discard 5: the sqrt term (888) exceeds the plain
        // w·h·c/8 (128), which wins and falls to the 600-byte floor.
        assert_eq!(legacy_prefix_len(512, 512, 4, 5), 600);
        assert_eq!(legacy_prefix_len(512, 512, 4, 3), 2_048);
        // A tiny texture falls to the header floor.
        assert_eq!(legacy_prefix_len(8, 8, 4, 0), 600);
    }
}

//! LayerData terrain patches: golden blobs worked out by hand from the wire
//! format, encode → decode round trips within a stated error bound, blob
//! splitting, and decoding of hostile input.
//!
//! The error bound. The encoder maps a patch's heights onto block values
//! `(h - zmin - range/2) · 1024 / range` (range = ⌊span + 1⌋), applies an
//! orthonormal 16×16 DCT and rounds each coefficient to a multiple of its
//! step `q(u,v) = 1 + 2(u + v)`, so each coefficient is off by at most
//! `q/2`. An orthonormal transform preserves the sum of squared errors, so
//! over the 256 samples of a patch
//!
//! `RMS error ≤ sqrt(Σ (q/2)² / 256) · range / 1024 = 0.016421 · range`
//!
//! whatever the heights are. That is the bound asserted for every patch
//! (plus 1 mm for f32 arithmetic). Random noise lands near `1/√3` of it
//! (≈ 0.95 % of range), so the bound is not slack enough to hide a broken
//! transform. Smooth terrain (sums of waves longer than ~20 m) has little
//! high-frequency energy; for it we also assert, empirically, RMS ≤ 0.5 %
//! and max ≤ 2 % of the range: over 40 random smooth regions (10 240
//! patches) the worst measured were 0.24 % and 1.03 %.

use kestrel_protocol::layer_data::{
    DecodedPatch, END_OF_PATCHES, Heightfield, LAYER_DATA_BLOB_LIMIT, LayerDataError, LayerType,
    PatchPart, decode_land_patches, decode_layer, encode_land_patches, encode_land_patches_limited,
    encode_layer,
};
use proptest::prelude::*;

/// `sqrt(Σ_{u,v} (1 + 2(u+v))² / 4 / 256) / 1024`, computed, not typed in.
fn rms_bound_per_metre_of_range() -> f64 {
    let mut sum = 0.0;
    for u in 0..16 {
        for v in 0..16 {
            let q = 1.0 + 2.0 * f64::from(u + v);
            sum += (q / 2.0) * (q / 2.0);
        }
    }
    (sum / 256.0).sqrt() / 1024.0
}

fn patch_of(h: &Heightfield, x: u32, y: u32) -> [f32; 256] {
    h.patch(x, y).expect("patch inside the grid")
}

/// (rms, max) error between an original patch and its decoded heights.
fn errors(original: &[f32; 256], decoded: &[f32; 256]) -> (f64, f64) {
    let mut sq = 0.0;
    let mut max = 0.0f64;
    for (a, b) in original.iter().zip(decoded) {
        let e = f64::from(a - b).abs();
        sq += e * e;
        max = max.max(e);
    }
    ((sq / 256.0).sqrt(), max)
}

fn header_range(patch: &[f32; 256]) -> f64 {
    let lo = patch.iter().copied().fold(f32::INFINITY, f32::min);
    let hi = patch.iter().copied().fold(f32::NEG_INFINITY, f32::max);
    (f64::from(hi - lo) + 1.0).floor()
}

fn assert_within_bound(original: &[f32; 256], decoded: &[f32; 256], what: &str) {
    let (rms, _) = errors(original, decoded);
    let bound = rms_bound_per_metre_of_range() * header_range(original) + 1e-3;
    assert!(
        rms <= bound,
        "{what}: RMS error {rms} over the bound {bound}"
    );
}

fn smooth_terrain(x: usize, y: usize) -> f32 {
    let (fx, fy) = (x as f32, y as f32);
    22.0 + 8.0 * (fx / 37.0).sin() * (fy / 53.0).cos() + 0.04 * fx + 3.0 * (fy / 11.0).sin()
}

#[test]
fn golden_flat_patch_blob() {
    // Worked by hand: group header (stride 264, size 16, 'L'); patch header
    // quant byte 0, DC offset 20.75 (= 21.25 - 0.5), range 1, id 3<<5|7 =
    // 0x67 (low 8 bits, then 2 zero bits); end-of-patch '10'; the end
    // marker 97 = 0110_0001 starting 4 bits into the byte.
    let expected = [
        0x08, 0x01, 0x10, 0x4C, // group header
        0x00, // quant/word bits
        0x00, 0x00, 0xA6, 0x41, // 20.75f32 little-endian
        0x01, 0x00, // range 1
        0x67, // patch id, low byte
        0x26, // id bits 9..8 '00', EOB '10', end marker high nibble '0110'
        0x10, // end marker low nibble '0001', padding
    ];
    let blob = encode_land_patches(&Heightfield::flat(21.25), &[(3, 7)]).unwrap();
    assert_eq!(blob, expected);
    let patches = decode_land_patches(&expected).unwrap();
    assert_eq!(patches.len(), 1);
    assert_eq!((patches[0].x, patches[0].y), (3, 7));
    assert!(patches[0].heights.iter().all(|&h| h == 21.25));
}

#[test]
fn golden_dc_only_patch_decodes_to_hand_computed_height() {
    // quant byte 0x88: prequant 10, 10-bit words; DC offset 10.0; range 2;
    // patch (0,0); first coefficient '110' + 256 (low byte 0x00, then bits
    // 9..8 = '01'); end of patch '10'; end marker.
    // Inverse DCT of a lone DC coefficient c is c/16 everywhere, so each
    // height is 256/16 · (2/1024) + (2/1024 · 512 + 10) = 11.03125.
    let blob = [
        0x08, 0x01, 0x10, 0x4C, 0x88, 0x00, 0x00, 0x20, 0x41, 0x02, 0x00, 0x00, 0x30, 0x03, 0x30,
        0x80,
    ];
    let patches = decode_land_patches(&blob).unwrap();
    assert_eq!(patches.len(), 1);
    assert_eq!((patches[0].x, patches[0].y), (0, 0));
    for &h in &patches[0].heights {
        assert!((h - 11.03125).abs() < 1e-5, "height {h}");
    }
}

#[test]
fn golden_negative_first_ac_coefficient_varies_along_x() {
    // Same header as above; coefficients: zig-zag 0 is zero ('0'), zig-zag
    // 1 = frequency (u=1, v=0) is '111' (negative) + 100 (low byte 0x64,
    // bits 9..8 '00'), then end of patch and the end marker:
    // 00|0|111|01100100|00|10|01100001 → 0x1D 0x90 0x98 0x40.
    // Dequantized it is -100·3; the inverse DCT gives
    // (2/16)·(1/√2)·(-300)·cos((2x+1)π/32) at column x of every row, and the
    // heights are that · 2/1024 + 11.
    let blob = [
        0x08, 0x01, 0x10, 0x4C, 0x88, 0x00, 0x00, 0x20, 0x41, 0x02, 0x00, 0x00, 0x1D, 0x90, 0x98,
        0x40,
    ];
    let patches = decode_land_patches(&blob).unwrap();
    assert_eq!(patches.len(), 1);
    for row in 0..16 {
        for x in 0..16 {
            let expected = 11.0
                + 2.0 / 1024.0
                    * (2.0 / 16.0)
                    * std::f64::consts::FRAC_1_SQRT_2
                    * -300.0
                    * ((2 * x + 1) as f64 * std::f64::consts::PI / 32.0).cos();
            let got = f64::from(patches[0].heights[row * 16 + x]);
            assert!(
                (got - expected).abs() < 1e-5,
                "row {row} x {x}: {got} vs {expected}"
            );
        }
    }
    // The western edge is lowest, the eastern highest.
    assert!(patches[0].heights[0] < patches[0].heights[15]);
}

#[test]
fn flat_patches_round_trip_exactly() {
    for height in [0.0f32, 21.0, -3.5, 1234.567, 4000.0] {
        let h = Heightfield::flat(height);
        let blob = encode_land_patches(&h, &[(0, 0), (15, 15)]).unwrap();
        let patches = decode_land_patches(&blob).unwrap();
        assert_eq!(patches.len(), 2);
        for p in &patches {
            for &d in &p.heights {
                // Exact up to the f32 rounding of `(h - 0.5) + 0.5`.
                assert!(
                    (d - height).abs() <= height.abs() * 1e-6 + 1e-6,
                    "{height} → {d}"
                );
            }
        }
    }
}

#[test]
fn smooth_region_round_trips_within_bounds() {
    let h = Heightfield::from_fn(smooth_terrain);
    let all: Vec<(u32, u32)> = (0..16).flat_map(|y| (0..16).map(move |x| (x, y))).collect();
    let blobs = encode_land_patches_limited(&h, &all, LAYER_DATA_BLOB_LIMIT).unwrap();
    let mut decoded = Heightfield::flat(-1.0);
    let mut count = 0;
    let mut worst_ratio = 0.0f64;
    for blob in &blobs {
        assert!(blob.len() <= LAYER_DATA_BLOB_LIMIT);
        for p in decode_land_patches(blob).unwrap() {
            let original = patch_of(&h, p.x, p.y);
            assert_within_bound(&original, &p.heights, &format!("patch ({}, {})", p.x, p.y));
            let (rms, max) = errors(&original, &p.heights);
            let range = header_range(&original);
            assert!(
                rms <= 0.005 * range,
                "patch ({}, {}): RMS error {rms} m, range {range} m",
                p.x,
                p.y
            );
            assert!(
                max <= 0.02 * range,
                "patch ({}, {}): max error {max} m, range {range} m",
                p.x,
                p.y
            );
            worst_ratio = worst_ratio.max(max / range);
            decoded.apply_patch(&p).unwrap();
            count += 1;
        }
    }
    assert_eq!(count, 256, "every patch arrives exactly once");
    assert!(
        decoded.as_slice().iter().all(|&v| v > 0.0),
        "every height was written"
    );
    eprintln!("smooth terrain: worst max-error / range = {worst_ratio:.6}");
}

#[test]
fn steep_patch_round_trips_within_bound() {
    // A 150 m ramp across the patch plus a 40 m cliff halfway along y.
    let h = Heightfield::from_fn(|x, y| {
        let ramp = (x % 16) as f32 * 10.0;
        let cliff = if y % 16 >= 8 { 40.0 } else { 0.0 };
        5.0 + ramp + cliff
    });
    let blob = encode_land_patches(&h, &[(4, 9)]).unwrap();
    let patches = decode_land_patches(&blob).unwrap();
    assert_eq!(patches.len(), 1);
    let original = patch_of(&h, 4, 9);
    assert_within_bound(&original, &patches[0].heights, "steep patch");
    let (rms, max) = errors(&original, &patches[0].heights);
    eprintln!("steep patch: rms {rms} m, max {max} m over a 191 m range");
}

#[test]
fn blobs_respect_the_limit_and_keep_patch_order() {
    // Noise compresses worst, so this forces several blobs.
    let mut seed = 0x1234_5678u32;
    let h = Heightfield::from_fn(|_, _| {
        seed = seed.wrapping_mul(1_664_525).wrapping_add(1_013_904_223);
        (seed >> 8) as f32 / (1u32 << 24) as f32 * 60.0
    });
    let order: Vec<(u32, u32)> = (0..40).map(|i| (i % 16, (i * 7) % 16)).collect();
    let blobs = encode_land_patches_limited(&h, &order, 600).unwrap();
    assert!(
        blobs.len() > 1,
        "noise should need more than one 600-byte blob"
    );
    let mut seen = Vec::new();
    for blob in &blobs {
        assert!(blob.len() <= 600, "blob of {} bytes", blob.len());
        for p in decode_land_patches(blob).unwrap() {
            assert_within_bound(&patch_of(&h, p.x, p.y), &p.heights, "noise patch");
            seen.push((p.x, p.y));
        }
    }
    assert_eq!(seen, order);
}

#[test]
fn a_limit_smaller_than_one_patch_is_an_error() {
    let h = Heightfield::from_fn(smooth_terrain);
    let err = encode_land_patches_limited(&h, &[(2, 3)], 20).unwrap_err();
    assert!(
        matches!(
            err,
            LayerDataError::PatchTooLarge {
                x: 2,
                y: 3,
                limit: 20,
                ..
            }
        ),
        "{err}"
    );
}

#[test]
fn encoder_rejects_out_of_grid_patches() {
    let err = encode_land_patches(&Heightfield::flat(1.0), &[(1, 1), (16, 0)]).unwrap_err();
    assert_eq!(
        err,
        LayerDataError::PatchOutOfRange {
            index: 1,
            x: 16,
            y: 0,
            limit: 16
        }
    );
}

#[test]
fn var_land_uses_wide_patch_ids() {
    let heights: [f32; 256] =
        std::array::from_fn(|i| 30.0 + (i % 16) as f32 * 0.5 + (i / 16) as f32);
    let patches = vec![DecodedPatch {
        x: 40,
        y: 300,
        heights,
    }];
    let blob = encode_layer(LayerType::VarLand, &patches).unwrap();
    assert_eq!(blob[3], b'M');
    let layer = decode_layer(&blob).unwrap();
    assert_eq!(layer.layer, LayerType::VarLand);
    assert_eq!((layer.patches[0].x, layer.patches[0].y), (40, 300));
    assert_within_bound(&heights, &layer.patches[0].heights, "var-region patch");
    // A standard land blob cannot address patch 40.
    let err = encode_layer(LayerType::Land, &patches).unwrap_err();
    assert!(matches!(err, LayerDataError::PatchOutOfRange { x: 40, .. }));
}

#[test]
fn wind_layer_decodes_but_is_not_land() {
    let patches = vec![DecodedPatch {
        x: 0,
        y: 0,
        heights: [1.5; 256],
    }];
    let blob = encode_layer(LayerType::Wind, &patches).unwrap();
    assert_eq!(decode_layer(&blob).unwrap().layer, LayerType::Wind);
    assert_eq!(
        decode_land_patches(&blob),
        Err(LayerDataError::NotLand(LayerType::Wind))
    );
}

#[test]
fn header_errors_name_the_problem() {
    assert_eq!(
        decode_land_patches(&[0x08, 0x01]),
        Err(LayerDataError::TruncatedGroupHeader(2))
    );
    assert_eq!(
        decode_land_patches(&[0x08, 0x01, 0x20, 0x4C, END_OF_PATCHES]),
        Err(LayerDataError::UnsupportedPatchSize(32))
    );
    assert_eq!(
        decode_land_patches(&[0x08, 0x01, 0x10, 0x41, END_OF_PATCHES]),
        Err(LayerDataError::UnknownLayerType(0x41))
    );
    // A header and the end marker: no patches.
    assert_eq!(
        decode_land_patches(&[0x08, 0x01, 0x10, 0x4C, END_OF_PATCHES]),
        Ok(vec![])
    );
}

#[test]
fn out_of_grid_patch_ids_are_rejected() {
    // Patch id 20<<5 | 3 in a standard land blob.
    let mut blob = vec![0x08, 0x01, 0x10, 0x4C, 0x00];
    blob.extend_from_slice(&1.0f32.to_le_bytes());
    blob.extend_from_slice(&[0x01, 0x00]);
    let ids: u32 = (20 << 5) | 3;
    blob.push((ids & 0xFF) as u8);
    // ids bits 9..8 ('10'), EOB '10', end marker.
    blob.extend_from_slice(&[0b1010_0110, 0b0001_0000]);
    let err = decode_land_patches(&blob).unwrap_err();
    assert_eq!(
        err,
        LayerDataError::PatchOutOfRange {
            index: 0,
            x: 20,
            y: 3,
            limit: 16
        }
    );
    assert!(err.to_string().contains("patch #0"), "{err}");
}

#[test]
fn non_finite_dc_offset_is_rejected() {
    let mut blob = vec![0x08, 0x01, 0x10, 0x4C, 0x00];
    blob.extend_from_slice(&f32::NAN.to_le_bytes());
    blob.extend_from_slice(&[0x01, 0x00, 0x00, 0b0010_0110, 0b0001_0000]);
    assert!(matches!(
        decode_land_patches(&blob),
        Err(LayerDataError::BadDcOffset { index: 0, .. })
    ));
}

#[test]
fn every_truncation_is_an_error_naming_the_patch() {
    let h = Heightfield::from_fn(smooth_terrain);
    let blob = encode_land_patches(&h, &[(0, 0), (1, 0)]).unwrap();
    for len in 0..blob.len() {
        match decode_land_patches(&blob[..len]) {
            Err(LayerDataError::TruncatedGroupHeader(n)) => assert!(len < 4 && n == len),
            Err(LayerDataError::Truncated { index, part, .. }) => {
                assert!(index <= 2, "len {len}: patch #{index}");
                if index == 2 {
                    // Only the end marker is missing.
                    assert_eq!(part, PatchPart::QuantWordBits);
                }
            }
            other => panic!("truncated to {len} of {} bytes: {other:?}", blob.len()),
        }
    }
    assert_eq!(decode_land_patches(&blob).unwrap().len(), 2);
}

fn region_patch() -> impl Strategy<Value = (u32, u32)> {
    (0u32..16, 0u32..16)
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, ..ProptestConfig::default() })]

    /// Arbitrary (white-noise) patches of any offset and span stay within
    /// the RMS bound.
    #[test]
    fn random_patches_stay_within_rms_bound(
        base in -200.0f32..2000.0,
        span in 0.0f32..400.0,
        noise in prop::collection::vec(0.0f32..1.0, 256),
        at in region_patch(),
    ) {
        let mut h = Heightfield::flat(0.0);
        for (i, n) in noise.iter().enumerate() {
            h.set(at.0 as usize * 16 + i % 16, at.1 as usize * 16 + i / 16, base + n * span);
        }
        let blob = encode_land_patches(&h, &[at]).unwrap();
        let patches = decode_land_patches(&blob).unwrap();
        prop_assert_eq!(patches.len(), 1);
        prop_assert_eq!((patches[0].x, patches[0].y), at);
        let original = patch_of(&h, at.0, at.1);
        let (rms, _) = errors(&original, &patches[0].heights);
        let bound = rms_bound_per_metre_of_range() * header_range(&original) + 1e-3
            + f64::from(base.abs() + span) * 1e-6;
        prop_assert!(rms <= bound, "rms {} > bound {}", rms, bound);
    }

    /// Random smooth heightfields (sums of a few low-frequency waves).
    #[test]
    fn random_smooth_heightfields_round_trip(
        waves in prop::collection::vec((1.0f32..30.0, 20.0f32..200.0, 20.0f32..200.0, 0.0f32..6.3), 1..4),
        base in 0.0f32..100.0,
        picks in prop::collection::vec(region_patch(), 1..6),
    ) {
        let h = Heightfield::from_fn(|x, y| {
            base + waves.iter().map(|&(amp, lx, ly, ph)| amp * (x as f32 / lx + y as f32 / ly + ph).sin()).sum::<f32>()
        });
        let blob = encode_land_patches(&h, &picks).unwrap();
        let patches = decode_land_patches(&blob).unwrap();
        prop_assert_eq!(patches.len(), picks.len());
        for (p, &at) in patches.iter().zip(&picks) {
            prop_assert_eq!((p.x, p.y), at);
            let original = patch_of(&h, at.0, at.1);
            let (rms, max) = errors(&original, &p.heights);
            let range = header_range(&original);
            prop_assert!(rms <= rms_bound_per_metre_of_range() * range + 1e-3);
            prop_assert!(rms <= 0.005 * range + 1e-3, "rms {} range {}", rms, range);
            prop_assert!(max <= 0.02 * range + 1e-3, "max {} range {}", max, range);
        }
    }

    /// Arbitrary bytes never panic the decoder.
    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..1500)) {
        let _ = decode_layer(&bytes);
        let _ = decode_land_patches(&bytes);
    }

    /// Arbitrary bytes behind a valid group header reach the patch decoder.
    #[test]
    fn arbitrary_patch_streams_never_panic(
        layer in prop::sample::select(vec![0x4Cu8, 0x4D, 0x37]),
        body in prop::collection::vec(any::<u8>(), 0..1500),
    ) {
        let mut blob = vec![0x08, 0x01, 0x10, layer];
        blob.extend_from_slice(&body);
        if let Ok(layer) = decode_layer(&blob) {
            for p in &layer.patches {
                prop_assert!(p.heights.iter().all(|h| h.is_finite()));
            }
        }
    }

    /// Corrupting single bytes of a valid blob never panics.
    #[test]
    fn corrupted_blobs_never_panic(pos in any::<prop::sample::Index>(), byte in any::<u8>()) {
        let h = Heightfield::from_fn(smooth_terrain);
        let mut blob = encode_land_patches(&h, &[(0, 0), (5, 5), (15, 2)]).unwrap();
        let i = pos.index(blob.len());
        blob[i] = byte;
        let _ = decode_land_patches(&blob);
    }
}

//! Encode → decode round trips at every discard level, and read_info on
//! what the encoder wrote.

mod common;

use common::{colour_distance, mean_abs_error, mean_colour, procedural, to_rgba};
use kestrel_j2k::{EncodeOptions, Limits, decode, encode, read_info};

/// Encodes a procedural image, checks the full decode is close and every
/// reduced decode has the halved (rounded up) size and the same mean colour.
///
/// The mean is only comparable when each reduced sample stands for the same
/// area, so callers pass sides divisible by 32 (see `odd_sizes_round_up`
/// for the rest); with 9/7 and the tent image the means then stay within
/// about 2.5 levels even at 2×2.
fn round_trip(width: u32, height: u32, components: u8, max_mae: f64) {
    let pixels = procedural(width, height, components);
    let options = EncodeOptions::like_second_life(width, height);
    let j2c = encode(&pixels, width, height, components, &options).expect("encodes");
    let expected = to_rgba(&pixels, components);
    let full_mean = mean_colour(&expected);

    let full = decode(&j2c, 0, &Limits::default()).expect("decodes");
    assert_eq!((full.width, full.height), (width, height));
    assert_eq!(full.components, components);
    assert_eq!(full.discard, 0);
    assert_eq!(full.rgba.len(), (width * height * 4) as usize);
    let mae = mean_abs_error(&full.rgba, &expected);
    assert!(mae < max_mae, "{components}-component mean abs error {mae}");

    for discard in 1..=5u8 {
        let d = decode(&j2c, discard, &Limits::default()).expect("reduced decode");
        assert_eq!(d.discard, discard);
        assert_eq!(
            (d.width, d.height),
            (width.div_ceil(1 << discard), height.div_ceil(1 << discard)),
            "size at discard {discard}"
        );
        let dist = colour_distance(mean_colour(&d.rgba), full_mean);
        assert!(dist < 4.0, "mean colour off by {dist} at discard {discard}");
    }
}

#[test]
fn rgba_round_trip() {
    round_trip(320, 192, 4, 3.0);
}

#[test]
fn rgb_round_trip() {
    round_trip(256, 256, 3, 3.0);
}

#[test]
fn grey_round_trip() {
    round_trip(160, 96, 1, 3.0);
}

#[test]
fn odd_sizes_round_up() {
    for (w, h, c) in [(300u32, 200u32, 4u8), (129, 97, 1), (33, 65, 3)] {
        let pixels = procedural(w, h, c);
        let j2c = encode(&pixels, w, h, c, &EncodeOptions::like_second_life(w, h)).unwrap();
        let full = decode(&j2c, 0, &Limits::default()).unwrap();
        let mae = mean_abs_error(&full.rgba, &to_rgba(&pixels, c));
        assert!(mae < 3.0, "{w}x{h}: mean abs error {mae}");
        for discard in 1..=5u8 {
            let d = decode(&j2c, discard, &Limits::default()).unwrap();
            assert_eq!(
                (d.width, d.height),
                (w.div_ceil(1 << discard), h.div_ceil(1 << discard)),
                "{w}x{h} at discard {discard}"
            );
        }
    }
}

#[test]
fn grey_alpha_round_trip() {
    round_trip(64, 64, 2, 3.0);
}

#[test]
fn lossless_is_exact() {
    for components in [1u8, 3, 4] {
        let pixels = procedural(96, 80, components);
        let options = EncodeOptions {
            layers: 3,
            levels: 5,
            lossless: true,
        };
        let j2c = encode(&pixels, 96, 80, components, &options).expect("encodes");
        let d = decode(&j2c, 0, &Limits::default()).expect("decodes");
        assert_eq!(
            d.rgba,
            to_rgba(&pixels, components),
            "{components} components"
        );
    }
}

#[test]
fn discard_is_clamped_to_the_levels() {
    // 16 on the short side allows 4 levels, so discard 5 becomes 4.
    let pixels = procedural(40, 16, 4);
    let j2c = encode(&pixels, 40, 16, 4, &EncodeOptions::like_second_life(40, 16)).unwrap();
    assert_eq!(read_info(&j2c).unwrap().levels, 4);
    let d = decode(&j2c, 5, &Limits::default()).unwrap();
    assert_eq!(d.discard, 4);
    assert_eq!((d.width, d.height), (3, 1));
}

#[test]
fn read_info_reports_what_was_encoded() {
    for (w, h, c) in [
        (512u32, 512u32, 4u8),
        (300, 200, 3),
        (64, 32, 1),
        (20, 9, 2),
    ] {
        let options = EncodeOptions::like_second_life(w, h);
        let j2c = encode(&procedural(w, h, c), w, h, c, &options).unwrap();
        let info = read_info(&j2c).unwrap();
        assert_eq!((info.width, info.height, info.components), (w, h, c));
        assert_eq!(info.layers, options.layers);
        assert_eq!(info.levels, options.levels);
    }
    // Explicit options are written as asked.
    let j2c = encode(
        &procedural(128, 128, 3),
        128,
        128,
        3,
        &EncodeOptions {
            layers: 7,
            levels: 3,
            lossless: false,
        },
    )
    .unwrap();
    let info = read_info(&j2c).unwrap();
    assert_eq!((info.layers, info.levels), (7, 3));
}

#[test]
fn like_second_life_follows_the_viewer() {
    let layers = |w, h| EncodeOptions::like_second_life(w, h).layers;
    assert_eq!(layers(32, 32), 2);
    assert_eq!(layers(64, 64), 3);
    assert_eq!(layers(128, 128), 3);
    assert_eq!(layers(256, 256), 4);
    assert_eq!(layers(512, 512), 4);
    assert_eq!(layers(1024, 1024), 5);
    assert_eq!(layers(2048, 2048), 6);
    let levels = |w, h| EncodeOptions::like_second_life(w, h).levels;
    assert_eq!(levels(1024, 1024), 5);
    assert_eq!(levels(1024, 16), 4);
    assert_eq!(levels(8, 8), 3);
    assert_eq!(levels(1, 1), 0);
}

#[test]
fn layers_are_quality_layers() {
    // More layers cost a little header overhead, never the final quality;
    // the codestream must carry the asked layer count and full-quality
    // decode must be unaffected by it.
    let pixels = procedural(128, 128, 3);
    let one = encode(
        &pixels,
        128,
        128,
        3,
        &EncodeOptions {
            layers: 1,
            levels: 5,
            lossless: false,
        },
    )
    .unwrap();
    let five = encode(
        &pixels,
        128,
        128,
        3,
        &EncodeOptions {
            layers: 5,
            levels: 5,
            lossless: false,
        },
    )
    .unwrap();
    assert_eq!(read_info(&five).unwrap().layers, 5);
    let expected = to_rgba(&pixels, 3);
    let e1 = mean_abs_error(
        &decode(&one, 0, &Limits::default()).unwrap().rgba,
        &expected,
    );
    let e5 = mean_abs_error(
        &decode(&five, 0, &Limits::default()).unwrap().rgba,
        &expected,
    );
    assert!((e1 - e5).abs() < 1.0, "1 layer {e1}, 5 layers {e5}");
}

#[test]
fn encode_rejects_bad_arguments() {
    let ok = EncodeOptions::like_second_life(8, 8);
    let px = vec![0u8; 8 * 8 * 4];
    let cases: Vec<(&str, Result<Vec<u8>, kestrel_j2k::J2kError>)> = vec![
        ("short buffer", encode(&px[..10], 8, 8, 4, &ok)),
        ("zero width", encode(&[], 0, 8, 4, &ok)),
        ("5 components", encode(&vec![0; 8 * 8 * 5], 8, 8, 5, &ok)),
        ("0 components", encode(&[], 8, 8, 0, &ok)),
        (
            "0 layers",
            encode(&px, 8, 8, 4, &EncodeOptions { layers: 0, ..ok }),
        ),
        (
            "99 levels",
            encode(&px, 8, 8, 4, &EncodeOptions { levels: 99, ..ok }),
        ),
        ("too wide", encode(&[], 5000, 1, 1, &ok)),
    ];
    for (what, r) in cases {
        let e = r.expect_err(what);
        assert_eq!(e.kind(), "encode", "{what}: {e}");
    }
}

//! Decoding byte prefixes, as a viewer fetching by byte range does.

mod common;

use common::{colour_distance, detailed, mean_abs_error, mean_colour, to_rgba};
use kestrel_j2k::{EncodeOptions, Limits, decode, encode, legacy_prefix_len, prefix_len};

fn texture_512() -> (Vec<u8>, Vec<u8>) {
    let pixels = detailed(512, 512, 4);
    let j2c = encode(
        &pixels,
        512,
        512,
        4,
        &EncodeOptions::like_second_life(512, 512),
    )
    .unwrap();
    (pixels, j2c)
}

#[test]
fn the_texture_is_big_enough_to_be_cut() {
    // Without this the prefix tests below would decode whole files.
    let (_, j2c) = texture_512();
    assert!(
        j2c.len() > prefix_len(512, 512, 4, 4),
        "file is {} bytes",
        j2c.len()
    );
    assert!(j2c.len() > legacy_prefix_len(512, 512, 4, 0));
}

#[test]
fn viewer_prefixes_decode_at_their_discard() {
    let (pixels, j2c) = texture_512();
    let full_mean = mean_colour(&to_rgba(&pixels, 4));
    for discard in 0..=5u8 {
        let len = prefix_len(512, 512, 4, discard);
        let prefix = &j2c[..len.min(j2c.len())];
        let d = decode(prefix, discard, &Limits::default())
            .unwrap_or_else(|e| panic!("prefix of {len} at discard {discard}: {e}"));
        assert_eq!((d.width, d.height), (512 >> discard, 512 >> discard));
        assert_eq!(d.discard, discard);
        let dist = colour_distance(mean_colour(&d.rgba), full_mean);
        assert!(
            dist < 3.0,
            "prefix {len} B at discard {discard}: mean off by {dist}"
        );
    }
}

#[test]
fn legacy_prefixes_decode_at_their_discard() {
    // The pre-2024 formula asks for far fewer bytes; down to 600 at
    // discard 4 and 5, which with RLCP holds only part of the lowest
    // resolution of a noisy 512² RGBA texture (its header alone is ~150
    // bytes). Those still decode to the right size; from 2 KB up the
    // colours are right too.
    let (pixels, j2c) = texture_512();
    let full_mean = mean_colour(&to_rgba(&pixels, 4));
    for discard in 0..=5u8 {
        let len = legacy_prefix_len(512, 512, 4, discard);
        let d = decode(&j2c[..len], discard, &Limits::default())
            .unwrap_or_else(|e| panic!("legacy prefix of {len} at discard {discard}: {e}"));
        assert_eq!((d.width, d.height), (512 >> discard, 512 >> discard));
        if len >= 2000 {
            let dist = colour_distance(mean_colour(&d.rgba), full_mean);
            assert!(
                dist < 3.0,
                "legacy prefix {len} B at discard {discard}: off by {dist}"
            );
        }
    }
}

#[test]
fn shorter_prefixes_lose_quality_not_size() {
    let (pixels, j2c) = texture_512();
    let expected = to_rgba(&pixels, 4);
    let error_at = |len: usize| {
        let d = decode(&j2c[..len], 0, &Limits::default()).expect("prefix decodes");
        assert_eq!((d.width, d.height), (512, 512));
        mean_abs_error(&d.rgba, &expected)
    };
    let whole = error_at(j2c.len());
    let half = error_at(j2c.len() / 2);
    let tenth = error_at(j2c.len() / 10);
    assert!(
        whole < half && half < tenth,
        "errors {whole} {half} {tenth}"
    );
    // Even a tenth of the bytes gives a picture, not noise: the mean
    // colour survives.
    let d = decode(&j2c[..j2c.len() / 10], 0, &Limits::default()).unwrap();
    assert!(colour_distance(mean_colour(&d.rgba), mean_colour(&expected)) < 6.0);
}

#[test]
fn header_only_prefix_decodes_to_a_flat_image() {
    // Main header plus the first tile-part header up to SOD, no tile data:
    // the least `decode` accepts. It yields an image of the right size.
    let (_, j2c) = texture_512();
    let sod = common::find_marker(&j2c, 0xFF93).expect("SOD");
    let d = decode(&j2c[..sod + 2], 3, &Limits::default()).expect("decodes");
    assert_eq!((d.width, d.height), (64, 64));
    // No coded data: every sample is the DC level, mid-grey.
    assert!(d.rgba.iter().all(|&v| v == 128));
}

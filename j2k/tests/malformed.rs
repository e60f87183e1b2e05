//! Bad input of every kind: an `Err` with the right `kind()`, never a
//! panic, never a call into OpenJPEG for what the Rust header check refuses.

mod common;

use common::{find_marker, procedural};
use kestrel_j2k::{EncodeOptions, J2kError, Limits, decode, encode, read_info};
use proptest::prelude::*;

fn valid(width: u32, height: u32, components: u8) -> Vec<u8> {
    let px = procedural(width, height, components);
    encode(
        &px,
        width,
        height,
        components,
        &EncodeOptions::like_second_life(width, height),
    )
    .unwrap()
}

fn kind<T: std::fmt::Debug>(r: Result<T, J2kError>) -> &'static str {
    r.expect_err("should fail").kind()
}

/// A minimal hand-built codestream: SIZ with the given components
/// (Ssiz, XRsiz, YRsiz), one tile, COD with no decomposition and one layer,
/// QCD, and one tile-part holding a single empty packet.
///
/// Psot is given explicitly: with Psot 0 ("to the end") OpenJPEG assumes an
/// EOC follows and refuses a tile-part with fewer than two bytes of data.
fn handmade(width: u32, height: u32, tile: u32, comps: &[(u8, u8, u8)], levels: u8) -> Vec<u8> {
    let mut v = vec![0xFF, 0x4F, 0xFF, 0x51];
    v.extend_from_slice(&(38 + 3 * comps.len() as u16).to_be_bytes());
    v.extend_from_slice(&0u16.to_be_bytes()); // Rsiz
    for x in [width, height, 0, 0, tile, tile, 0, 0] {
        v.extend_from_slice(&x.to_be_bytes());
    }
    v.extend_from_slice(&(comps.len() as u16).to_be_bytes());
    for &(s, dx, dy) in comps {
        v.extend_from_slice(&[s, dx, dy]);
    }
    // COD: Scod 0, LRCP, 1 layer, no MCT, levels, 64x64 blocks, 5/3.
    v.extend_from_slice(&[0xFF, 0x52, 0, 12, 0, 0, 0, 1, 0, levels, 4, 4, 0, 1]);
    // QCD: no quantisation, one exponent per subband.
    let bands = 1 + 3 * usize::from(levels);
    v.extend_from_slice(&[0xFF, 0x5C]);
    v.extend_from_slice(&(3 + bands as u16).to_be_bytes());
    v.push(0x40); // two guard bits, no quantisation
    v.extend(std::iter::repeat_n(8 << 3, bands));
    // SOT (tile 0, Psot 15 = SOT + SOD + one byte, part 0 of 1), SOD, an
    // empty packet, EOC.
    v.extend_from_slice(&[0xFF, 0x90, 0, 10, 0, 0, 0, 0, 0, 15, 0, 1, 0xFF, 0x93, 0]);
    v.extend_from_slice(&[0xFF, 0xD9]);
    v
}

#[test]
fn the_handmade_stream_is_valid() {
    // The corrupted variants below only mean something if the base decodes.
    let ok = handmade(64, 48, 64, &[(7, 1, 1); 3], 2);
    let info = read_info(&ok).unwrap();
    assert_eq!(
        (info.width, info.height, info.components, info.levels),
        (64, 48, 3, 2)
    );
    let d = decode(&ok, 0, &Limits::default()).unwrap();
    assert_eq!((d.width, d.height), (64, 48));
}

#[test]
fn empty_input_is_truncated() {
    assert_eq!(kind(read_info(&[])), "truncated");
    assert_eq!(kind(decode(&[], 0, &Limits::default())), "truncated");
}

#[test]
fn every_prefix_short_of_the_headers_is_truncated() {
    let j2c = valid(64, 64, 4);
    let sot = find_marker(&j2c, 0xFF90).unwrap();
    let sod = find_marker(&j2c, 0xFF93).unwrap();
    for len in 0..sot + 2 {
        assert_eq!(
            kind(read_info(&j2c[..len])),
            "truncated",
            "read_info of {len} bytes"
        );
    }
    // From the SOT marker on, the main header is whole.
    assert!(read_info(&j2c[..sot + 2]).is_ok());
    for len in 0..sod + 2 {
        let e = decode(&j2c[..len], 0, &Limits::default()).expect_err("too short");
        assert_eq!(e.kind(), "truncated", "decode of {len} bytes: {e}");
    }
    assert!(decode(&j2c[..sod + 2], 0, &Limits::default()).is_ok());
}

#[test]
fn garbage_is_not_j2k() {
    let cases: [&[u8]; 5] = [
        b"hello, world",
        b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR",
        // A JP2 file: box format, not a raw codestream.
        b"\x00\x00\x00\x0cjP  \r\n\x87\n\x00\x00\x00\x14ftypjp2 ",
        // SOC followed by COD instead of SIZ.
        b"\xff\x4f\xff\x52\x00\x0c\x00\x00\x00\x01\x00\x05\x04\x04\x00\x00",
        b"\x00",
    ];
    for case in cases {
        assert_eq!(kind(read_info(case)), "not_j2k", "{case:?}");
        assert_eq!(kind(decode(case, 0, &Limits::default())), "not_j2k");
    }
    let e = read_info(cases[2]).unwrap_err();
    assert!(e.to_string().contains("JP2"), "{e}");
}

/// Overwrites a big-endian u32 of the SIZ segment.
fn patch_u32(j2c: &mut [u8], at: usize, value: u32) {
    j2c[at..at + 4].copy_from_slice(&value.to_be_bytes());
}

#[test]
fn huge_siz_is_too_large_before_decoding() {
    let mut j2c = valid(64, 64, 4);
    patch_u32(&mut j2c, 8, 65_536); // Xsiz
    patch_u32(&mut j2c, 12, 65_536); // Ysiz
    patch_u32(&mut j2c, 24, 65_536); // XTsiz: keep one tile
    patch_u32(&mut j2c, 28, 65_536); // YTsiz
    // The header itself is legal, so read_info reports it.
    let info = read_info(&j2c).unwrap();
    assert_eq!((info.width, info.height), (65_536, 65_536));
    let e = decode(&j2c, 0, &Limits::default()).unwrap_err();
    assert_eq!(e.kind(), "too_large");
    assert_eq!(
        e,
        J2kError::TooLarge {
            width: 65_536,
            height: 65_536,
            max: 2048
        }
    );
    // A caller's own smaller limit applies too.
    let small = Limits {
        max_side: 32,
        ..Limits::default()
    };
    assert_eq!(kind(decode(&valid(64, 16, 3), 0, &small)), "too_large");
}

#[test]
fn five_components_are_refused_by_default() {
    let five = handmade(32, 32, 32, &[(7, 1, 1); 5], 1);
    assert_eq!(read_info(&five).unwrap().components, 5);
    assert_eq!(
        kind(decode(&five, 0, &Limits::default())),
        "too_many_components"
    );
    // With a larger limit it decodes, the first four becoming RGBA.
    let wide = Limits {
        max_components: 5,
        ..Limits::default()
    };
    let d = decode(&five, 0, &wide).unwrap();
    assert_eq!((d.width, d.components, d.rgba.len()), (32, 5, 32 * 32 * 4));
}

#[test]
fn zero_size_is_corrupt() {
    let mut j2c = valid(64, 64, 3);
    patch_u32(&mut j2c, 8, 0); // Xsiz 0: no image area
    assert_eq!(kind(read_info(&j2c)), "corrupt");
    assert_eq!(kind(decode(&j2c, 0, &Limits::default())), "corrupt");
    let mut j2c = valid(64, 64, 3);
    patch_u32(&mut j2c, 24, 0); // XTsiz 0
    assert_eq!(kind(read_info(&j2c)), "corrupt");
}

#[test]
fn random_bytes_after_the_main_header_are_corrupt() {
    let j2c = valid(64, 64, 4);
    let sot = find_marker(&j2c, 0xFF90).unwrap();
    let mut state = 0x1234_5678u32;
    for round in 0..200 {
        let mut bad = j2c[..sot].to_vec();
        for _ in 0..64 {
            // xorshift: deterministic noise without a dependency.
            state ^= state << 13;
            state ^= state >> 17;
            state ^= state << 5;
            bad.push(state as u8);
        }
        // Where a marker must start, a byte other than FF is corrupt; an FF
        // may happen to start a marker whose segment then runs off the end.
        let k = kind(decode(&bad, 0, &Limits::default()));
        if bad[sot] != 0xFF {
            assert_eq!(k, "corrupt", "round {round}");
        } else {
            assert!(k == "corrupt" || k == "truncated", "round {round}: {k}");
        }
    }
}

#[test]
fn subsampled_and_deep_components_are_unsupported() {
    let sub = handmade(32, 32, 32, &[(7, 1, 1), (7, 2, 2), (7, 2, 2)], 1);
    assert!(read_info(&sub).is_ok());
    assert_eq!(kind(decode(&sub, 0, &Limits::default())), "unsupported");
    let deep = handmade(32, 32, 32, &[(19, 1, 1)], 1);
    assert_eq!(kind(decode(&deep, 0, &Limits::default())), "unsupported");
}

#[test]
fn other_precisions_are_rescaled() {
    // Samples of an empty stream sit at the DC level 2^(p-1) (0 when
    // signed, shifted up by the same amount), which in 8 bits is
    // round(2^(p-1) × 255 / (2^p - 1)): 128 for 12 bits and signed 8 bits,
    // 136 for 4 bits (8/15 of full scale).
    for (ssiz, grey) in [(11u8, 128u8), (0x87, 128), (3, 136)] {
        let j2c = handmade(16, 16, 16, &[(ssiz, 1, 1)], 1);
        let d = decode(&j2c, 0, &Limits::default()).unwrap();
        for p in d.rgba.chunks_exact(4) {
            assert_eq!(p, [grey, grey, grey, 255], "Ssiz {ssiz:#x}");
        }
    }
}

#[test]
fn tile_grids_are_bounded() {
    // 64x64 tiles of 1 pixel: legal, but 4096 tiles is more per-tile state
    // than a texture needs.
    let many = handmade(64, 64, 1, &[(7, 1, 1)], 0);
    assert!(read_info(&many).is_ok());
    assert_eq!(kind(decode(&many, 0, &Limits::default())), "unsupported");
    // More tiles than Isot can number is corrupt.
    let impossible = handmade(2048, 2048, 1, &[(7, 1, 1)], 0);
    assert_eq!(kind(read_info(&impossible)), "corrupt");
}

#[test]
fn bad_coding_style_is_corrupt() {
    let base = handmade(64, 64, 64, &[(7, 1, 1)], 2);
    let cod = find_marker(&base, 0xFF52).unwrap();
    let mut levels = base.clone();
    levels[cod + 9] = 40; // more than 32 decomposition levels
    assert_eq!(kind(read_info(&levels)), "corrupt");
    let mut layers = base.clone();
    layers[cod + 6..cod + 8].copy_from_slice(&[0, 0]);
    assert_eq!(kind(read_info(&layers)), "corrupt");
    let mut blocks = base.clone();
    blocks[cod + 10] = 9; // code-block wider than 1024
    assert_eq!(kind(read_info(&blocks)), "corrupt");
    // Without COD the main header is incomplete.
    let mut no_cod = base.clone();
    no_cod.drain(cod..cod + 14);
    assert_eq!(kind(read_info(&no_cod)), "corrupt");
}

#[test]
fn levels_beyond_the_image_fail_in_the_decoder_not_in_a_panic() {
    // 5 levels on an 8-pixel image passes the Rust checks (the standard
    // allows it) and reaches OpenJPEG, which must refuse or cope.
    let j2c = handmade(8, 8, 8, &[(7, 1, 1)], 5);
    match decode(&j2c, 0, &Limits::default()) {
        Ok(d) => assert_eq!((d.width, d.height), (8, 8)),
        Err(e) => assert_eq!(e.kind(), "decode_failed", "{e}"),
    }
}

/// Every decode result, good or bad, must be self-consistent.
fn check(j2c: &[u8], discard: u8) {
    let _ = read_info(j2c);
    if let Ok(d) = decode(j2c, discard, &Limits::default()) {
        assert_eq!(d.rgba.len(), d.width as usize * d.height as usize * 4);
        assert!(d.width >= 1 && d.width <= 2048 && d.height >= 1 && d.height <= 2048);
        assert!(d.discard <= discard);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn flipped_bytes_never_panic(
        which in 0usize..3,
        flips in proptest::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..8),
        cut in any::<prop::sample::Index>(),
        truncate in any::<bool>(),
        discard in 0u8..7,
    ) {
        let mut j2c = match which {
            0 => valid(64, 64, 4),
            1 => valid(48, 40, 1),
            _ => valid(96, 32, 3),
        };
        for (at, value) in flips {
            let i = at.index(j2c.len());
            j2c[i] ^= value;
        }
        if truncate {
            let keep = cut.index(j2c.len());
            j2c.truncate(keep);
        }
        check(&j2c, discard);
    }

    #[test]
    fn anything_after_a_valid_header_never_panics(
        tail in proptest::collection::vec(any::<u8>(), 0..400),
        discard in 0u8..7,
    ) {
        let j2c = valid(64, 64, 3);
        let sod = find_marker(&j2c, 0xFF93).unwrap();
        let mut bad = j2c[..sod + 2].to_vec();
        bad.extend_from_slice(&tail);
        check(&bad, discard);
    }
}

#[test]
fn huge_tile_part_length_is_refused_before_openjpeg() {
    // Found by the texture_decode fuzz target: a 128x64 RGBA codestream of
    // 727 bytes whose first SOT claims a tile-part of 0x80000F00 bytes, for
    // which OpenJPEG allocated 2 GiB before reading anything. The first
    // byte of a fuzz input is the discard level.
    let input = include_bytes!("fixtures/fuzz-oom-psot-2gib.bin");
    let (&discard, codestream) = input.split_first().unwrap();
    let e = decode(codestream, discard, &Limits::default()).unwrap_err();
    assert_eq!(e.kind(), "corrupt", "{e}");
    assert!(e.to_string().contains("SOT"), "{e}");

    // The same on an encoder's output: patching Psot alone is enough.
    let mut j2c = valid(128, 64, 4);
    let sot = find_marker(&j2c, 0xFF90).unwrap();
    patch_u32(&mut j2c, sot + 6, 0x8000_0F00);
    assert_eq!(kind(decode(&j2c, 0, &Limits::default())), "corrupt");
    // While a Psot beyond the bytes at hand, as every byte-range prefix
    // has, is fine as long as the image could need it.
    let whole = valid(128, 64, 4);
    let d = decode(&whole[..whole.len() / 2], 0, &Limits::default()).unwrap();
    assert_eq!((d.width, d.height), (128, 64));
}

#[test]
fn tile_parts_of_one_tile_are_summed() {
    // Two tile-parts of tile 0, each under the budget of a 16x16 grey
    // image (2 × 256 + 1 MiB) but together over it.
    let mut j2c = handmade(16, 16, 16, &[(7, 1, 1)], 0);
    let sot = find_marker(&j2c, 0xFF90).unwrap();
    j2c.truncate(sot);
    let part = |len: u32, index: u8| {
        let mut p = vec![0xFF, 0x90, 0, 10, 0, 0];
        p.extend_from_slice(&len.to_be_bytes());
        p.extend_from_slice(&[index, 2, 0xFF, 0x93]);
        p
    };
    let big = 700_000u32;
    let mut first = part(big, 0);
    first.resize(big as usize, 0);
    j2c.extend_from_slice(&first);
    j2c.extend_from_slice(&part(big, 1));
    j2c.push(0);
    assert_eq!(kind(decode(&j2c, 0, &Limits::default())), "corrupt");
}

/// `handmade` with explicit precincts (one PPy<<4|PPx byte for every
/// resolution) and code-block exponents (stored value, size 2^(e+2)).
fn with_blocks(side: u32, comps: usize, levels: u8, precinct: u8, cb: u8) -> Vec<u8> {
    let mut v = handmade(side, side, side, &vec![(7, 1, 1); comps], levels);
    let cod = find_marker(&v, 0xFF52).unwrap();
    let np = usize::from(levels) + 1;
    let mut seg = vec![0xFF, 0x52];
    seg.extend_from_slice(&((12 + np) as u16).to_be_bytes());
    seg.extend_from_slice(&[1, 0, 0, 1, 0, levels, cb, cb, 0, 1]);
    seg.extend(std::iter::repeat_n(precinct, np));
    v.splice(cod..cod + 14, seg);
    v
}

#[test]
fn tiny_code_blocks_are_refused_before_openjpeg() {
    // A 100-byte header asking for 2x2 precincts (so 1x1 code-blocks above
    // resolution 0) on a 2048² RGBA image made OpenJPEG use 9.4 GB and 42 s
    // setting up 16 million code-blocks.
    let hostile = with_blocks(2048, 4, 5, 0x11, 0);
    assert!(read_info(&hostile).is_ok());
    let e = decode(&hostile, 0, &Limits::default()).unwrap_err();
    assert_eq!(e.kind(), "unsupported", "{e}");
    assert!(e.to_string().contains("code-blocks"), "{e}");
    // 4x4 code-blocks are refused at 2048² RGBA (a million blocks) ...
    assert_eq!(
        kind(decode(
            &with_blocks(2048, 4, 5, 0xFF, 0),
            0,
            &Limits::default()
        )),
        "unsupported"
    );
    // ... 8x8 blocks are not, and 4x4 ones decode on a 256² texture, and
    // Second Life's 64x64 blocks with 128x128 precincts at 2048².
    assert!(decode(&with_blocks(2048, 4, 5, 0xFF, 1), 5, &Limits::default()).is_ok());
    let small = decode(&with_blocks(256, 4, 5, 0xFF, 0), 0, &Limits::default()).unwrap();
    assert_eq!(small.width, 256);
    let sl = decode(&with_blocks(2048, 4, 5, 0x77, 4), 5, &Limits::default()).unwrap();
    assert_eq!(sl.width, 64);
}

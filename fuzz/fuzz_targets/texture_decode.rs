//! Fuzz target: JPEG 2000 texture decoding of arbitrary bytes.
//!
//! The first byte picks the discard level (0..=7, so values above the
//! codestream's levels exercise the clamping); the rest is the codestream.
//! Checks beyond "no panic": a decoded image is as large as its fields say,
//! within the default limits, at a discard no higher than asked, and agrees
//! with `read_info` on the component count and (within the rounding an
//! image offset allows) on the reduced size.
#![no_main]

use kestrel_j2k::{Limits, decode, read_info};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&selector, codestream)) = data.split_first() else {
        return;
    };
    let discard = selector % 8;
    let info = read_info(codestream);
    if let Ok(img) = decode(codestream, discard, &Limits::default()) {
        assert_eq!(
            img.rgba.len(),
            img.width as usize * img.height as usize * 4,
            "buffer does not match the size"
        );
        assert!(img.width >= 1 && img.height >= 1, "empty image decoded");
        assert!(img.width <= 2048 && img.height <= 2048, "limit exceeded");
        assert!(img.discard <= discard, "discarded more than asked");
        let info = info.expect("a codestream that decodes has a readable header");
        assert_eq!(img.components, info.components);
        let expect_w = info.width.div_ceil(1 << img.discard);
        let expect_h = info.height.div_ceil(1 << img.discard);
        assert!(
            img.width.abs_diff(expect_w) <= 1 && img.height.abs_diff(expect_h) <= 1,
            "decoded {}x{}, header says {}x{} at discard {}",
            img.width,
            img.height,
            info.width,
            info.height,
            img.discard
        );
    }
});

//! `kestrel-j2k`: the JPEG 2000 codec for Kestrel's textures.
//!
//! Second Life and OpenSim textures are raw JPEG 2000 codestreams (J2C,
//! starting `FF4F FF51`), fetched by byte range: a viewer asks for the first
//! [`prefix_len`] bytes for the resolution it wants to show and decodes that
//! prefix at a reduced resolution. This crate does the three things that
//! needs:
//!
//! - [`read_info`]: the main header (SOC, SIZ, COD), parsed in Rust.
//! - [`decode`]: a whole codestream or any prefix of it, at full or reduced
//!   resolution, to RGBA8. The header is parsed and checked against
//!   [`Limits`] in Rust before OpenJPEG sees a byte, so memory stays bounded.
//! - [`encode`]: pixels to a layered codestream laid out as Second Life's own
//!   encoder lays out assets, so prefixes of it decode like real assets do.
//!
//! Decoding and encoding go through OpenJPEG 2.5 (bundled by `openjpeg-sys`,
//! BSD-2-Clause) over memory streams, single-threaded: the viewer decodes
//! many textures in parallel on rayon instead. See `docs/TEXTURES.md` for
//! the choices and the comparison with the pure-Rust `hayro-jpeg2000`.

#![warn(missing_docs)]

mod decode;
mod encode;
mod error;
mod header;
mod opj;
mod prefix;

pub use decode::decode;
pub use encode::encode;
pub use error::J2kError;
pub use prefix::{legacy_prefix_len, prefix_len};

/// What a codestream's main header says, parsed in Rust from SOC, SIZ, COD
/// (and COC, which may lower a component's level count).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ImageInfo {
    /// Image width in pixels (Xsiz - XOsiz).
    pub width: u32,
    /// Image height in pixels (Ysiz - YOsiz).
    pub height: u32,
    /// Components (1 grey, 2 grey + alpha, 3 RGB, 4 RGBA), saturated at 255.
    pub components: u8,
    /// Decomposition levels, which is the most resolution reductions a
    /// decoder can apply (the smallest over all components).
    pub levels: u8,
    /// Quality layers.
    pub layers: u16,
}

/// Reads the main header of `codestream` (which may be any prefix that
/// holds the whole main header, up to the first SOT marker).
///
/// Errors on anything malformed; never calls into C.
pub fn read_info(codestream: &[u8]) -> Result<ImageInfo, J2kError> {
    let h = header::parse(codestream, false)?;
    Ok(ImageInfo {
        width: h.width,
        height: h.height,
        components: u8::try_from(h.components.len()).unwrap_or(u8::MAX),
        levels: h.levels,
        layers: h.layers,
    })
}

/// Decode limits, checked against the SIZ marker before any decoding work,
/// so a hostile header cannot make the decoder allocate more than about
/// `max_side² × max_components × 4` bytes of samples.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Largest width or height accepted.
    pub max_side: u32,
    /// Most components accepted.
    pub max_components: u8,
}

impl Default for Limits {
    /// Second Life's limits: textures are at most 2048 on a side with at
    /// most 4 components (RGBA).
    fn default() -> Self {
        Limits {
            max_side: 2048,
            max_components: 4,
        }
    }
}

/// A decoded image, always RGBA8, rows top-down: grey is replicated to RGB,
/// a missing alpha is 255, samples of other precisions are rescaled to 8
/// bits.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decoded {
    /// Width of the decoded (possibly reduced) image.
    pub width: u32,
    /// Height of the decoded (possibly reduced) image.
    pub height: u32,
    /// Components in the codestream (not in `rgba`, which always has 4).
    pub components: u8,
    /// Resolution reductions applied: the asked `discard`, clamped to the
    /// levels the codestream has.
    pub discard: u8,
    /// `width × height × 4` bytes.
    pub rgba: Vec<u8>,
}

/// How [`encode`] lays out a codestream.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EncodeOptions {
    /// Quality layers, 1..=32. Layer `i` of `n` (from 0) is rate-allocated
    /// to a compression ratio of `8 × 4^(n-1-i)`, so each layer roughly
    /// quadruples the bytes and the last reaches 8:1 (lossy).
    pub layers: u16,
    /// Wavelet decomposition levels (resolution reductions a prefix can be
    /// decoded at), 0..=32; lowered to what the image size allows.
    pub levels: u8,
    /// Reversible 5/3 wavelet and no rate cap on the last layer, so the full
    /// codestream decodes to the exact pixels. Otherwise irreversible 9/7.
    pub lossless: bool,
}

impl EncodeOptions {
    /// The settings Second Life's viewer uses when it uploads a texture of
    /// this size with OpenJPEG: layers from the surface (2 up to 32×32, 3 up
    /// to 128×128, 4 up to 512×512, 5 up to 1 megapixel, 6 above), 5 levels
    /// (fewer when the smaller side is under 32), lossy.
    pub fn like_second_life(width: u32, height: u32) -> EncodeOptions {
        let surface = u64::from(width) * u64::from(height);
        let layers = match surface {
            0..=1024 => 2,
            1025..=16_384 => 3,
            16_385..=262_144 => 4,
            262_145..=1_048_576 => 5,
            _ => 6,
        };
        EncodeOptions {
            layers,
            levels: encode::max_levels(width, height).min(5),
            lossless: false,
        }
    }
}

//! Decoding through OpenJPEG, after the Rust header checks.

use std::mem::MaybeUninit;
use std::ptr;

use openjpeg_sys as sys;

use crate::header::{self, CodingStyle, Header, TilePart};
use crate::opj::{Codec, Image, SliceReader};
use crate::{Decoded, J2kError, Limits};

/// OpenJPEG allocates per-tile coding state (several kilobytes per tile and
/// component) when it reads the main header, before any tile data; Second
/// Life textures are a single tile, so a few hundred is generous and keeps
/// that allocation small for a hostile SIZ.
const MAX_DECODE_TILES: u64 = 1024;

/// Most code-blocks decoded, counted as if every coding style found applied
/// to every component of the whole image. OpenJPEG sets up a few hundred
/// bytes of state per code-block before decoding; tiny code-blocks and
/// precincts (legal down to 4×4 and 2×2, which caps blocks at 1×1) on a
/// 2048² RGBA header of 100 bytes made it use 9.4 GB and 42 s. Second Life
/// textures have 64×64 blocks (4 912 for a 2048² RGBA by this count); the
/// limit still admits 8×8 blocks there (268 224, measured at 173 MB
/// peak for the whole decode) and refuses 4×4 (about a million, 487 MB).
const MAX_CODE_BLOCKS: u64 = 300_000;

/// Highest sample precision decoded; more would need wider intermediates
/// and no texture uses it.
const MAX_PRECISION: u8 = 16;

/// Decodes `codestream` (a raw J2K codestream, `FF4F FF51 ...`, or only a
/// prefix of one, as a viewer fetching by byte range has) with `discard`
/// resolution reductions (0 = full size; clamped to the levels the
/// codestream has).
///
/// A truncated codestream decodes to whatever its bytes carry (lower
/// quality, missing detail); it is an error only when not even the main
/// header and the first tile-part header are there (`Truncated`).
///
/// The header is parsed in Rust and checked against `limits` before
/// OpenJPEG is called, so oversized or over-componented images are refused
/// (`TooLarge`, `TooManyComponents`) without allocating for them.
pub fn decode(codestream: &[u8], discard: u8, limits: &Limits) -> Result<Decoded, J2kError> {
    let h = header::parse(codestream, true)?;
    check_decodable(&h, limits)?;
    let (parts, tile_styles) = header::scan_tile_parts(codestream, h.first_sot, h.components.len());
    check_tile_part_lengths(&parts, &h)?;
    check_code_blocks(&h, h.styles.iter().chain(&tile_styles))?;
    let discard = discard.min(h.levels);
    // OpenJPEG fails ("Stream too short") when not one byte of tile data
    // follows the first SOD, though a prefix that ends there is still a
    // valid start of an image. One zero byte is an empty first packet
    // (T.800 B.10.3: a packet header starting with a 0 bit has no data),
    // which is exactly what the missing bytes amount to, so the decoder
    // yields the flat image of a codestream with no coded data. Only this
    // header-sized input is copied.
    let padded;
    let input = match h.first_sod {
        Some(sod) if sod + 2 == codestream.len() => {
            padded = [codestream, &[0]].concat();
            &padded[..]
        }
        _ => codestream,
    };
    let image = run_openjpeg(input, discard)?;
    to_rgba(&h, &image, discard)
}

/// Refuses, before OpenJPEG runs, anything over the limits or that this
/// crate will not turn into RGBA8.
fn check_decodable(h: &Header, limits: &Limits) -> Result<(), J2kError> {
    if h.width > limits.max_side || h.height > limits.max_side {
        return Err(J2kError::TooLarge {
            width: h.width,
            height: h.height,
            max: limits.max_side,
        });
    }
    if h.components.len() > usize::from(limits.max_components) {
        return Err(J2kError::TooManyComponents {
            components: u16::try_from(h.components.len()).unwrap_or(u16::MAX),
            max: limits.max_components,
        });
    }
    if h.tiles > MAX_DECODE_TILES {
        return Err(J2kError::Unsupported {
            offset: 2,
            marker: "SIZ",
            reason: format!("{} tiles (at most {MAX_DECODE_TILES} decoded)", h.tiles),
        });
    }
    for (i, c) in h.components.iter().enumerate() {
        // SIZ component records start at byte 42, three bytes each.
        let offset = 42 + 3 * i;
        if c.dx != 1 || c.dy != 1 {
            return Err(J2kError::Unsupported {
                offset,
                marker: "SIZ",
                reason: format!("component {i} is subsampled {}x{}", c.dx, c.dy),
            });
        }
        if c.precision > MAX_PRECISION {
            return Err(J2kError::Unsupported {
                offset,
                marker: "SIZ",
                reason: format!("component {i} has {} bits per sample", c.precision),
            });
        }
    }
    Ok(())
}

/// Refuses coding styles whose code-block count would take more decoder
/// memory than the image is worth (see [`MAX_CODE_BLOCKS`]).
fn check_code_blocks<'a>(
    h: &Header,
    styles: impl Iterator<Item = &'a CodingStyle>,
) -> Result<(), J2kError> {
    let components = h.components.len() as u64;
    for style in styles {
        let blocks = code_blocks(h.width, h.height, style).saturating_mul(components);
        if blocks > MAX_CODE_BLOCKS {
            return Err(J2kError::Unsupported {
                offset: h.first_sot,
                marker: "COD/COC",
                reason: format!(
                    "{blocks} code-blocks for a {}x{} image (code-blocks 2^{}x2^{}, \
                     at most {MAX_CODE_BLOCKS} decoded)",
                    h.width,
                    h.height,
                    style.xcb + 2,
                    style.ycb + 2
                ),
            });
        }
    }
    Ok(())
}

/// Code-blocks one component of a `width` × `height` image has under
/// `style`: per resolution, the subbands (LL at resolution 0, three above)
/// cut into blocks no larger than the code-block size nor the precinct
/// (half the precinct above resolution 0, B.7), plus one row and column per
/// band for blocks straddling the grid.
fn code_blocks(width: u32, height: u32, style: &CodingStyle) -> u64 {
    let levels = u32::from(style.levels);
    let mut total = 0u64;
    for r in 0..=levels {
        let shift = levels - r;
        // Size of the resolution; its bands above 0 are about half of it.
        let (rw, rh) = (
            u64::from(width).div_ceil(1u64 << shift.min(63)),
            u64::from(height).div_ceil(1u64 << shift.min(63)),
        );
        let pp = style.precincts[r as usize];
        let (ppx, ppy) = (u32::from(pp & 0x0F), u32::from(pp >> 4));
        let (bands, bw, bh, px, py) = if r == 0 {
            (1, rw, rh, ppx, ppy)
        } else {
            (
                3,
                rw.div_ceil(2),
                rh.div_ceil(2),
                ppx.saturating_sub(1),
                ppy.saturating_sub(1),
            )
        };
        let xe = (u32::from(style.xcb) + 2).min(px);
        let ye = (u32::from(style.ycb) + 2).min(py);
        let per_band = ((bw >> xe) + 1).saturating_mul((bh >> ye) + 1);
        total = total.saturating_add(per_band.saturating_mul(bands));
    }
    total
}

/// Refuses tile-part lengths no image within the limits can need.
///
/// OpenJPEG allocates a tile's data buffer from the Psot fields of its
/// tile-parts before reading the data, so without this a 700-byte input
/// claiming a 2 GiB tile-part makes it allocate 2 GiB (found by the
/// `texture_decode` fuzz target). The bytes at hand cannot bound Psot: a
/// byte-range prefix is legitimately shorter than its tile-parts. What does
/// bound it is the image: all tile-parts of one tile together never need
/// more than twice the raw samples of the whole image (lossless coding of
/// noise stays close to 1×), plus slack for headers.
fn check_tile_part_lengths(parts: &[TilePart], h: &Header) -> Result<(), J2kError> {
    let bytes_per_sample = |prec: u8| u64::from(prec.div_ceil(8));
    let raw: u64 = h
        .components
        .iter()
        .map(|c| u64::from(h.width) * u64::from(h.height) * bytes_per_sample(c.precision))
        .sum();
    let budget = raw * 2 + (1 << 20);
    // `check_decodable` has bounded the tile count, so this is small.
    let mut per_tile = vec![0u64; usize::try_from(h.tiles).unwrap_or(0)];
    for part in parts {
        // A tile index outside the grid is OpenJPEG's to refuse ("invalid
        // tile number") before it allocates anything for it.
        let Some(total) = per_tile.get_mut(usize::from(part.tile)) else {
            continue;
        };
        *total += u64::from(part.length);
        if *total > budget {
            return Err(J2kError::Corrupt {
                offset: part.offset,
                marker: "SOT",
                reason: format!(
                    "tile {} claims {} bytes, more than a {}x{} image can need",
                    part.tile, *total, h.width, h.height
                ),
            });
        }
    }
    Ok(())
}

fn decode_error(stage: &'static str, codec: &Codec) -> J2kError {
    J2kError::Decode {
        stage,
        messages: codec.messages(),
    }
}

/// Runs OpenJPEG's header read and decode over the slice, lenient about
/// truncation, single-threaded.
fn run_openjpeg(codestream: &[u8], discard: u8) -> Result<Image, J2kError> {
    let codec = Codec::new(false).ok_or_else(|| J2kError::Decode {
        stage: "create",
        messages: "opj_create_decompress returned null".into(),
    })?;
    let mut params = MaybeUninit::<sys::opj_dparameters_t>::zeroed();
    // SAFETY: the struct is plain data, zeroed then filled with defaults;
    // the codec is valid.
    let ok = unsafe {
        sys::opj_set_default_decoder_parameters(params.as_mut_ptr());
        let params = params.assume_init_mut();
        params.cp_reduce = u32::from(discard);
        sys::opj_setup_decoder(codec.raw(), params)
    };
    if ok == 0 {
        return Err(decode_error("setup", &codec));
    }
    // SAFETY: valid codec. Non-strict mode is what lets a byte-range prefix
    // decode instead of failing on the missing tile data. Zero threads keeps
    // the work on the caller's thread (the viewer parallelises across
    // textures); the result is ignored because a build without thread
    // support answers false and is single-threaded anyway.
    unsafe {
        sys::opj_decoder_set_strict_mode(codec.raw(), 0);
        sys::opj_codec_set_threads(codec.raw(), 0);
    }

    let mut reader = SliceReader::new(codestream);
    let stream = reader.stream().ok_or_else(|| J2kError::Decode {
        stage: "stream",
        messages: "opj_stream_create returned null".into(),
    })?;
    let mut raw_image: *mut sys::opj_image_t = ptr::null_mut();
    // SAFETY: valid codec and stream; OpenJPEG writes an owned image pointer
    // (or null) into `raw_image`, which `Image` then frees.
    let ok = unsafe { sys::opj_read_header(stream.raw(), codec.raw(), &mut raw_image) };
    let image = Image(raw_image);
    if ok == 0 || image.0.is_null() {
        return Err(decode_error("read_header", &codec));
    }
    // SAFETY: valid codec, stream and image from read_header.
    let ok = unsafe { sys::opj_decode(codec.raw(), stream.raw(), image.0) };
    if ok == 0 {
        return Err(decode_error("decode", &codec));
    }
    // SAFETY: as above. A prefix has no EOC, so this may report an error;
    // the pixels are already decoded, so the answer is not needed.
    unsafe { sys::opj_end_decompress(codec.raw(), stream.raw()) };
    Ok(image)
}

/// Checks OpenJPEG's output against what the header promised, then
/// converts it to RGBA8. Every field used is validated first: the image
/// comes from C and a mismatch must become an error, not an out-of-bounds
/// read.
fn to_rgba(h: &Header, image: &Image, discard: u8) -> Result<Decoded, J2kError> {
    let bad = |reason: String| J2kError::Decode {
        stage: "output",
        messages: reason,
    };
    // SAFETY: non-null (checked in run_openjpeg) and owned by `image`.
    let img = unsafe { &*image.0 };
    let n = usize::try_from(img.numcomps).unwrap_or(usize::MAX);
    if n != h.components.len() || img.comps.is_null() {
        return Err(bad(format!(
            "{} components decoded, {} in SIZ",
            img.numcomps,
            h.components.len()
        )));
    }
    // SAFETY: OpenJPEG allocated `numcomps` component records.
    let comps = unsafe { std::slice::from_raw_parts(img.comps, n) };
    let first = &comps[0];
    let (w, hgt) = (first.w, first.h);
    // The reduced size is ceil(full / 2^discard) on the reference grid; it
    // can only be that or one less per side depending on the image offset.
    let reduced = |side: u32| u64::from(side).div_ceil(1u64 << discard) + 1;
    if w == 0 || hgt == 0 || u64::from(w) > reduced(h.width) || u64::from(hgt) > reduced(h.height) {
        return Err(bad(format!(
            "decoded size {w}x{hgt} does not fit {}x{} at discard {discard}",
            h.width, h.height
        )));
    }
    let pixels = w as usize * hgt as usize;
    let mut planes: Vec<&[i32]> = Vec::with_capacity(n.min(4));
    for (i, c) in comps.iter().enumerate() {
        if c.w != w || c.h != hgt || c.dx != 1 || c.dy != 1 {
            return Err(bad(format!(
                "component {i} is {}x{} (step {}x{}), component 0 is {w}x{hgt}",
                c.w, c.h, c.dx, c.dy
            )));
        }
        if c.prec == 0 || c.prec > u32::from(MAX_PRECISION) {
            return Err(bad(format!("component {i} has precision {}", c.prec)));
        }
        if c.data.is_null() {
            return Err(bad(format!("component {i} has no samples")));
        }
        if i < 4 {
            // SAFETY: OpenJPEG allocates w*h samples per component; w and h
            // were checked equal to component 0's and bounded above.
            planes.push(unsafe { std::slice::from_raw_parts(c.data, pixels) });
        }
    }

    let mut rgba = vec![0u8; pixels * 4];
    let scale = |i: usize| Scale::new(comps[i].prec, comps[i].sgnd != 0);
    // Grey (with or without alpha) goes to all three colour channels.
    let colour = if n < 3 { [0, 0, 0] } else { [0, 1, 2] };
    for (channel, comp) in colour.into_iter().enumerate() {
        fill(&mut rgba, channel, planes[comp], &scale(comp));
    }
    match n {
        2 => fill(&mut rgba, 3, planes[1], &scale(1)),
        4.. => fill(&mut rgba, 3, planes[3], &scale(3)),
        _ => rgba.chunks_exact_mut(4).for_each(|p| p[3] = 255),
    }

    Ok(Decoded {
        width: w,
        height: hgt,
        components: u8::try_from(n).unwrap_or(u8::MAX),
        discard,
        rgba,
    })
}

/// Writes one channel of the interleaved RGBA buffer from a plane.
fn fill(rgba: &mut [u8], channel: usize, plane: &[i32], scale: &Scale) {
    for (dst, &v) in rgba.chunks_exact_mut(4).zip(plane) {
        dst[channel] = scale.apply(v);
    }
}

/// Maps a sample of any precision and signedness onto 0..=255.
struct Scale {
    /// Added first, so signed samples start at 0.
    offset: i64,
    /// Largest unsigned sample value, 2^prec - 1.
    max: i64,
}

impl Scale {
    fn new(prec: u32, signed: bool) -> Scale {
        let prec = prec.clamp(1, u32::from(MAX_PRECISION));
        Scale {
            offset: if signed { 1 << (prec - 1) } else { 0 },
            max: (1 << prec) - 1,
        }
    }

    fn apply(&self, v: i32) -> u8 {
        // OpenJPEG clamps after the inverse transform, but a corrupt stream
        // must not be able to wrap a value, so clamp again.
        let v = (i64::from(v) + self.offset).clamp(0, self.max);
        if self.max == 255 {
            v as u8
        } else {
            ((v * 255 + self.max / 2) / self.max) as u8
        }
    }
}

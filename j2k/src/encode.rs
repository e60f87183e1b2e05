//! Encoding through OpenJPEG, laid out like Second Life's own uploads.

use std::ffi::CString;
use std::mem::MaybeUninit;

use openjpeg_sys as sys;

use crate::opj::{Codec, Image, VecWriter};
use crate::{EncodeOptions, J2kError};

/// Largest side accepted: twice Second Life's 2048, so the embedded
/// simulator can make test assets beyond the viewer's limit, while one call
/// cannot ask for more than 256 MiB of 32-bit sample planes.
const MAX_SIDE: u32 = 4096;
/// Most quality layers accepted: the rate of the first layer is 8·4^(n-1),
/// which stays a finite f32 far beyond this, and more than a handful of
/// layers only adds packet headers.
const MAX_LAYERS: u16 = 32;
/// OpenJPEG's highest resolution count is 33 (32 decomposition levels).
const MAX_LEVELS: u8 = 32;
/// The compression ratio of the last lossy layer, Second Life's 8:1.
const LAST_LAYER_RATIO: f32 = 8.0;
/// Written in the COM marker, so an asset can be traced to this encoder.
const COMMENT: &str = "Kestrel J2K (OpenJPEG)";

/// The most decomposition levels an image of this size allows: the
/// encoder needs each side to be at least 2^levels.
pub(crate) fn max_levels(width: u32, height: u32) -> u8 {
    let side = width.min(height);
    if side == 0 {
        return 0;
    }
    (side.ilog2() as u8).min(MAX_LEVELS)
}

fn invalid(reason: impl Into<String>) -> J2kError {
    J2kError::Encode {
        reason: reason.into(),
    }
}

/// Encodes RGBA8 / RGB8 / grey(+alpha) pixels (`components` 1, 2, 3 or 4,
/// interleaved, rows top-down) into a raw J2K codestream.
///
/// The layout follows Second Life's OpenJPEG uploader so that byte prefixes
/// decode to usable lower-quality and lower-resolution images, like real
/// assets: quality layers rate-allocated at ratios `8·4^(n-1-i)`
/// (irreversible 9/7 unless `options.lossless`), 64×64 code-blocks, RLCP
/// progression (resolution first, so a prefix holds whole low resolutions),
/// a colour transform on RGB(A), and `options.levels` decomposition levels,
/// lowered to what the image size allows.
///
/// Errors (`Encode`) on a pixel buffer whose length is not `width × height
/// × components`, a side of 0 or above 4096, layers outside 1..=32, levels
/// above 32, or an OpenJPEG failure.
pub fn encode(
    pixels: &[u8],
    width: u32,
    height: u32,
    components: u8,
    options: &EncodeOptions,
) -> Result<Vec<u8>, J2kError> {
    if !(1..=4).contains(&components) {
        return Err(invalid(format!("{components} components (1..=4 allowed)")));
    }
    if width == 0 || height == 0 || width > MAX_SIDE || height > MAX_SIDE {
        return Err(invalid(format!(
            "size {width}x{height} (1..={MAX_SIDE} per side allowed)"
        )));
    }
    let count = width as usize * height as usize;
    let comps = usize::from(components);
    if pixels.len() != count * comps {
        return Err(invalid(format!(
            "{} bytes of pixels for {width}x{height}x{components} ({} expected)",
            pixels.len(),
            count * comps
        )));
    }
    if !(1..=MAX_LAYERS).contains(&options.layers) {
        return Err(invalid(format!(
            "{} layers (1..={MAX_LAYERS} allowed)",
            options.layers
        )));
    }
    if options.levels > MAX_LEVELS {
        return Err(invalid(format!(
            "{} levels (0..={MAX_LEVELS} allowed)",
            options.levels
        )));
    }
    let levels = options.levels.min(max_levels(width, height));

    let image = make_image(pixels, width, height, components)?;
    let codec = Codec::new(true).ok_or_else(|| invalid("opj_create_compress returned null"))?;
    let comment = CString::new(COMMENT).map_err(|e| invalid(e.to_string()))?;

    // Boxed: the parameter struct is about 18 KB of C arrays.
    let mut params = Box::new(MaybeUninit::<sys::opj_cparameters_t>::zeroed());
    // SAFETY: plain data, zeroed then given OpenJPEG's defaults.
    let params = unsafe {
        sys::opj_set_default_encoder_parameters(params.as_mut_ptr());
        params.assume_init_mut()
    };
    params.cod_format = 0; // J2K, a raw codestream
    params.irreversible = i32::from(!options.lossless);
    params.cp_disto_alloc = 1;
    params.tcp_numlayers = i32::from(options.layers);
    set_rates(&mut params.tcp_rates, options.layers, options.lossless);
    params.numresolution = i32::from(levels) + 1;
    params.cblockw_init = 64;
    params.cblockh_init = 64;
    params.prog_order = sys::PROG_ORDER::OPJ_RLCP;
    // The colour transform needs three components; alpha stays apart.
    params.tcp_mct = if components >= 3 { 1 } else { 0 };
    // OpenJPEG copies the comment during setup; `comment` outlives it.
    params.cp_comment = comment.as_ptr() as *mut _;

    // SAFETY: valid codec, parameters and image.
    if unsafe { sys::opj_setup_encoder(codec.raw(), params, image.0) } == 0 {
        return Err(invalid(format!("setup: {}", codec.messages())));
    }
    // Lossless output can exceed the raw size slightly; anything beyond
    // twice that plus headers is a runaway.
    let mut writer = VecWriter::new(count * comps * 2 + 65_536);
    {
        let stream = writer
            .stream()
            .ok_or_else(|| invalid("opj_stream_create returned null"))?;
        // SAFETY: valid codec, image and stream; each step runs only if the
        // one before succeeded.
        let ok = unsafe {
            sys::opj_start_compress(codec.raw(), image.0, stream.raw()) != 0
                && sys::opj_encode(codec.raw(), stream.raw()) != 0
                && sys::opj_end_compress(codec.raw(), stream.raw()) != 0
        };
        if !ok {
            return Err(invalid(format!("compress: {}", codec.messages())));
        }
        // Dropping the stream flushes nothing more (end_compress did), and
        // releases the borrow of `writer`.
    }
    Ok(writer.data)
}

/// Compression ratios per layer, highest (smallest layer) first. Lossy:
/// `8·4^(n-1-i)`, so the last layer reaches 8:1 and each one before it a
/// quarter of the bytes. Lossless: the same ladder for the first `n-1`
/// layers, then 0 (no cap: every remaining bit) for the last.
fn set_rates(rates: &mut [f32; 100], layers: u16, lossless: bool) {
    let n = usize::from(layers);
    let lossy = if lossless { n - 1 } else { n };
    for (i, rate) in rates.iter_mut().take(lossy).enumerate() {
        let steps = (lossy - 1 - i) as i32;
        *rate = LAST_LAYER_RATIO * 4f32.powi(steps);
    }
    if lossless {
        rates[n - 1] = 0.0;
    }
}

/// Copies interleaved 8-bit pixels into an OpenJPEG image of unsigned 8-bit
/// planes on a grid starting at 0,0.
fn make_image(pixels: &[u8], width: u32, height: u32, components: u8) -> Result<Image, J2kError> {
    let n = usize::from(components);
    let param = sys::opj_image_cmptparm_t {
        dx: 1,
        dy: 1,
        w: width,
        h: height,
        x0: 0,
        y0: 0,
        prec: 8,
        bpp: 8,
        sgnd: 0,
    };
    let mut params = vec![param; n];
    let space = if n < 3 {
        sys::COLOR_SPACE::OPJ_CLRSPC_GRAY
    } else {
        sys::COLOR_SPACE::OPJ_CLRSPC_SRGB
    };
    // SAFETY: `params` holds `n` component descriptions.
    let raw = unsafe { sys::opj_image_create(components.into(), params.as_mut_ptr(), space) };
    if raw.is_null() {
        return Err(invalid("opj_image_create returned null"));
    }
    let image = Image(raw);
    // SAFETY: a fresh image with `n` components of width×height samples
    // each (opj_image_create allocates them).
    unsafe {
        let img = &mut *raw;
        img.x0 = 0;
        img.y0 = 0;
        img.x1 = width;
        img.y1 = height;
        let count = width as usize * height as usize;
        let comps = std::slice::from_raw_parts_mut(img.comps, n);
        for (i, c) in comps.iter_mut().enumerate() {
            if c.data.is_null() {
                return Err(invalid("opj_image_create left a component without samples"));
            }
            let plane = std::slice::from_raw_parts_mut(c.data, count);
            for (dst, px) in plane.iter_mut().zip(pixels.chunks_exact(n)) {
                *dst = i32::from(px[i]);
            }
        }
    }
    Ok(image)
}

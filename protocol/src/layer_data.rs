//! Terrain patch compression carried in `LayerData` messages.
//!
//! A region's terrain is a 256×256 grid of heights, sent as 16×16 patches.
//! One `LayerData.Data` blob is a bit stream (see [`bitpack`]):
//!
//! 1. group header: stride `u16` (264), patch size `u8` (16), layer type `u8`;
//! 2. per patch: quantization/word-bits byte, DC offset `f32`, range `u16`,
//!    patch id (10 bits `x << 5 | y`; 32 bits `x << 16 | y` for var regions),
//!    then the zig-zag ordered DCT coefficients, each coded `0` (zero),
//!    `10` (end of patch: the rest are zero) or `11s` + magnitude
//!    (`s` = sign, magnitude in `word_bits` bits);
//! 3. the byte 97 (`END_OF_PATCHES`) where the next patch header would be.
//!
//! Decoding takes untrusted bytes: every read is bounds-checked, patch
//! coordinates are checked against the grid, and errors name the patch.

mod bitpack;
mod dct;

use bitpack::{BitReader, BitWriter, OutOfBits};
use dct::{N, NN};

/// Heights along one edge of a region.
pub const REGION_WIDTH: usize = 256;
/// Heights along one edge of a patch.
pub const PATCH_SIZE: usize = N;
/// Patches along one edge of a standard (256 m) region.
pub const PATCHES_PER_EDGE: u32 = (REGION_WIDTH / PATCH_SIZE) as u32;
/// Patches along one edge of the largest var region accepted (8192 m).
pub const MAX_VAR_PATCHES_PER_EDGE: u32 = 512;
/// The byte that ends the patch list.
pub const END_OF_PATCHES: u8 = 97;
/// The group-header stride every known sender writes.
pub const LAYER_STRIDE: u16 = 264;
/// Keep each `LayerData.Data` blob at or under this many bytes so the
/// packet stays below the MTU.
pub const LAYER_DATA_BLOB_LIMIT: usize = 1100;

/// log2 of the sample quantization the encoder uses (`prequant`): heights
/// are mapped onto ±2^(10-1) before the transform.
const ENCODE_PREQUANT: u32 = 10;
/// Height spans below this are sent as an exactly flat patch.
const FLAT_SPAN: f32 = 0.01;
/// Largest word size a header can announce (`0x0F + 2`).
const MAX_WORD_BITS: u32 = 17;

/// What a `LayerData` blob describes (the group header's type byte).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LayerType {
    /// `'L'` (0x4C): terrain heights, 10-bit patch ids.
    Land,
    /// `'M'` (0x4D): terrain heights of a var region, 32-bit patch ids.
    VarLand,
    /// `'W'` (0x57): water.
    Water,
    /// `'7'` (0x37): wind (two patches: x and y components).
    Wind,
    /// `'8'` (0x38): clouds.
    Cloud,
}

impl LayerType {
    /// The wire byte.
    pub fn code(self) -> u8 {
        match self {
            LayerType::Land => 0x4C,
            LayerType::VarLand => 0x4D,
            LayerType::Water => 0x57,
            LayerType::Wind => 0x37,
            LayerType::Cloud => 0x38,
        }
    }

    /// The layer for a wire byte, if known.
    pub fn from_code(code: u8) -> Option<Self> {
        Some(match code {
            0x4C => LayerType::Land,
            0x4D => LayerType::VarLand,
            0x57 => LayerType::Water,
            0x37 => LayerType::Wind,
            0x38 => LayerType::Cloud,
            _ => return None,
        })
    }

    /// True for the two terrain-height layers.
    pub fn is_land(self) -> bool {
        matches!(self, LayerType::Land | LayerType::VarLand)
    }

    /// Var-region layers carry 32-bit patch ids (`x << 16 | y`).
    fn wide_patch_ids(self) -> bool {
        self == LayerType::VarLand
    }

    /// Patch coordinates must be below this.
    fn patch_limit(self) -> u32 {
        if self.wide_patch_ids() {
            MAX_VAR_PATCHES_PER_EDGE
        } else {
            PATCHES_PER_EDGE
        }
    }
}

/// Which part of a patch a decoder was reading when it failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PatchPart {
    /// The quantization / word-bits byte (or the end marker).
    QuantWordBits,
    /// The DC offset.
    DcOffset,
    /// The range.
    Range,
    /// The patch id.
    PatchId,
    /// The coefficient at this zig-zag position.
    Coefficient(usize),
}

impl std::fmt::Display for PatchPart {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PatchPart::QuantWordBits => f.write_str("quant/word-bits byte (or end marker)"),
            PatchPart::DcOffset => f.write_str("DC offset"),
            PatchPart::Range => f.write_str("range"),
            PatchPart::PatchId => f.write_str("patch id"),
            PatchPart::Coefficient(k) => write!(f, "coefficient {k}"),
        }
    }
}

/// A malformed `LayerData` blob, or a request the encoder cannot honour.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum LayerDataError {
    /// Fewer than the 4 bytes of the group header.
    #[error("LayerData group header needs 4 bytes, blob has {0}")]
    TruncatedGroupHeader(usize),
    /// The group header's patch size is not 16.
    #[error("LayerData group header: patch size {0} is not supported (only 16)")]
    UnsupportedPatchSize(u8),
    /// The group header's layer type byte is unknown.
    #[error("LayerData group header: unknown layer type {0:#04x}")]
    UnknownLayerType(u8),
    /// A land decode was asked of another layer.
    #[error("LayerData layer {0:?} is not terrain")]
    NotLand(LayerType),
    /// The blob ended inside a patch (or before the end marker).
    #[error(
        "LayerData patch #{index}{at}: data ends in the {part} (needs {wanted} bits, {left} left)",
        at = fmt_at(*.coords)
    )]
    Truncated {
        /// Position of the patch in the blob (0-based).
        index: usize,
        /// Its coordinates, once read.
        coords: Option<(u32, u32)>,
        /// What was being read.
        part: PatchPart,
        /// Bits needed.
        wanted: u32,
        /// Bits left.
        left: usize,
    },
    /// The patch header's DC offset is NaN or infinite.
    #[error("LayerData patch #{index}: DC offset {value} is not finite")]
    BadDcOffset {
        /// Position of the patch in the blob.
        index: usize,
        /// The offending value.
        value: f32,
    },
    /// Patch coordinates outside the region's patch grid.
    #[error(
        "LayerData patch #{index}: coordinates ({x}, {y}) outside the {limit}×{limit} patch grid"
    )]
    PatchOutOfRange {
        /// Position of the patch in the blob (or in the encoder's list).
        index: usize,
        /// Patch column.
        x: u32,
        /// Patch row.
        y: u32,
        /// Patches per edge allowed.
        limit: u32,
    },
    /// One patch alone does not fit the requested blob size.
    #[error(
        "LayerData patch ({x}, {y}) needs {bytes} bytes in a blob, over the {limit}-byte limit"
    )]
    PatchTooLarge {
        /// Patch column.
        x: u32,
        /// Patch row.
        y: u32,
        /// Bytes the blob would need for this patch alone.
        bytes: usize,
        /// The limit asked for.
        limit: usize,
    },
}

fn fmt_at(coords: Option<(u32, u32)>) -> String {
    coords
        .map(|(x, y)| format!(" at ({x}, {y})"))
        .unwrap_or_default()
}

/// A region's terrain: 256×256 heights in metres, row-major (`y * 256 + x`),
/// x east, y north.
#[derive(Clone, PartialEq)]
pub struct Heightfield(Box<[f32]>);

impl std::fmt::Debug for Heightfield {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let (lo, hi) = self
            .0
            .iter()
            .fold((f32::INFINITY, f32::NEG_INFINITY), |(lo, hi), &h| {
                (lo.min(h), hi.max(h))
            });
        write!(f, "Heightfield(256×256, {lo}..{hi} m)")
    }
}

impl Default for Heightfield {
    fn default() -> Self {
        Self::flat(0.0)
    }
}

impl Heightfield {
    /// Every height equal to `height`.
    pub fn flat(height: f32) -> Self {
        Heightfield(vec![height; REGION_WIDTH * REGION_WIDTH].into_boxed_slice())
    }

    /// Heights from `f(x, y)`.
    pub fn from_fn(mut f: impl FnMut(usize, usize) -> f32) -> Self {
        let mut h = Self::flat(0.0);
        for y in 0..REGION_WIDTH {
            for x in 0..REGION_WIDTH {
                h.0[y * REGION_WIDTH + x] = f(x, y);
            }
        }
        h
    }

    /// The height at (x, y), or `None` outside the grid.
    pub fn get(&self, x: usize, y: usize) -> Option<f32> {
        (x < REGION_WIDTH && y < REGION_WIDTH).then(|| self.0[y * REGION_WIDTH + x])
    }

    /// Sets the height at (x, y); returns false (and changes nothing)
    /// outside the grid.
    pub fn set(&mut self, x: usize, y: usize, height: f32) -> bool {
        if x < REGION_WIDTH && y < REGION_WIDTH {
            self.0[y * REGION_WIDTH + x] = height;
            true
        } else {
            false
        }
    }

    /// All heights, row-major (`y * 256 + x`).
    pub fn as_slice(&self) -> &[f32] {
        &self.0
    }

    /// The 16×16 heights of patch (px, py), row-major within the patch, or
    /// `None` outside the 16×16 patch grid.
    pub fn patch(&self, px: u32, py: u32) -> Option<[f32; NN]> {
        if px >= PATCHES_PER_EDGE || py >= PATCHES_PER_EDGE {
            return None;
        }
        let (x0, y0) = (px as usize * N, py as usize * N);
        Some(std::array::from_fn(|i| {
            self.0[(y0 + i / N) * REGION_WIDTH + x0 + i % N]
        }))
    }

    /// Writes a decoded patch into the grid.
    pub fn apply_patch(&mut self, patch: &DecodedPatch) -> Result<(), LayerDataError> {
        if patch.x >= PATCHES_PER_EDGE || patch.y >= PATCHES_PER_EDGE {
            return Err(LayerDataError::PatchOutOfRange {
                index: 0,
                x: patch.x,
                y: patch.y,
                limit: PATCHES_PER_EDGE,
            });
        }
        let (x0, y0) = (patch.x as usize * N, patch.y as usize * N);
        for (i, &h) in patch.heights.iter().enumerate() {
            self.0[(y0 + i / N) * REGION_WIDTH + x0 + i % N] = h;
        }
        Ok(())
    }
}

/// One decompressed patch.
#[derive(Debug, Clone, PartialEq)]
pub struct DecodedPatch {
    /// Patch column (x / 16).
    pub x: u32,
    /// Patch row (y / 16).
    pub y: u32,
    /// Heights, row-major within the patch: `heights[row * 16 + col]` is the
    /// height at (x·16 + col, y·16 + row).
    pub heights: [f32; NN],
}

/// A decoded blob of any layer type.
#[derive(Debug, Clone, PartialEq)]
pub struct DecodedLayer {
    /// The group header's layer type.
    pub layer: LayerType,
    /// The group header's stride (informational).
    pub stride: u16,
    /// The patches in blob order.
    pub patches: Vec<DecodedPatch>,
}

/// Decodes a terrain (`'L'` or `'M'`) `LayerData.Data` blob.
pub fn decode_land_patches(blob: &[u8]) -> Result<Vec<DecodedPatch>, LayerDataError> {
    let layer = decode_layer(blob)?;
    if !layer.layer.is_land() {
        return Err(LayerDataError::NotLand(layer.layer));
    }
    Ok(layer.patches)
}

/// Decodes a `LayerData.Data` blob of any known layer type.
pub fn decode_layer(blob: &[u8]) -> Result<DecodedLayer, LayerDataError> {
    if blob.len() < 4 {
        return Err(LayerDataError::TruncatedGroupHeader(blob.len()));
    }
    let stride = u16::from_le_bytes([blob[0], blob[1]]);
    let patch_size = blob[2];
    let layer = LayerType::from_code(blob[3]).ok_or(LayerDataError::UnknownLayerType(blob[3]))?;
    if usize::from(patch_size) != PATCH_SIZE {
        return Err(LayerDataError::UnsupportedPatchSize(patch_size));
    }
    let mut r = BitReader::new(&blob[4..]);
    let mut patches = Vec::new();
    while let Some(p) = decode_patch(&mut r, layer, patches.len())? {
        patches.push(p);
    }
    Ok(DecodedLayer {
        layer,
        stride,
        patches,
    })
}

/// Decodes one patch, or `None` at the end marker.
fn decode_patch(
    r: &mut BitReader<'_>,
    layer: LayerType,
    index: usize,
) -> Result<Option<DecodedPatch>, LayerDataError> {
    let mut coords = None;
    let trunc = |part: PatchPart, coords: Option<(u32, u32)>| {
        move |e: OutOfBits| LayerDataError::Truncated {
            index,
            coords,
            part,
            wanted: e.wanted,
            left: e.left,
        }
    };
    let quant_wbits = r.get(8).map_err(trunc(PatchPart::QuantWordBits, coords))?;
    if quant_wbits == u32::from(END_OF_PATCHES) {
        return Ok(None);
    }
    let dc_offset = r.get_f32().map_err(trunc(PatchPart::DcOffset, coords))?;
    if !dc_offset.is_finite() {
        return Err(LayerDataError::BadDcOffset {
            index,
            value: dc_offset,
        });
    }
    let range = r.get(16).map_err(trunc(PatchPart::Range, coords))?;
    let (x, y) = if layer.wide_patch_ids() {
        let ids = r.get(32).map_err(trunc(PatchPart::PatchId, coords))?;
        (ids >> 16, ids & 0xFFFF)
    } else {
        let ids = r.get(10).map_err(trunc(PatchPart::PatchId, coords))?;
        (ids >> 5, ids & 0x1F)
    };
    let limit = layer.patch_limit();
    if x >= limit || y >= limit {
        return Err(LayerDataError::PatchOutOfRange { index, x, y, limit });
    }
    coords = Some((x, y));

    let word_bits = (quant_wbits & 0x0F) + 2;
    let mut coefs = [0i32; NN];
    for (k, coef) in coefs.iter_mut().enumerate() {
        let t = trunc(PatchPart::Coefficient(k), coords);
        if !r.get_bit().map_err(t)? {
            continue; // zero
        }
        if !r.get_bit().map_err(t)? {
            break; // end of patch: the rest stay zero
        }
        let negative = r.get_bit().map_err(t)?;
        // word_bits ≤ 17, so the magnitude fits an i32.
        let magnitude = r.get(word_bits).map_err(t)? as i32;
        *coef = if negative { -magnitude } else { magnitude };
    }

    let prequant = (quant_wbits >> 4) + 2;
    let mult = range as f32 / (1u32 << prequant) as f32;
    let addval = mult * (1u32 << (prequant - 1)) as f32 + dc_offset;
    let block = dct::inverse(&coefs);
    let heights = std::array::from_fn(|i| block[i] * mult + addval);
    Ok(Some(DecodedPatch { x, y, heights }))
}

/// Encodes the given patches of a heightfield as one `'L'` blob.
///
/// `patches` are (x, y) patch coordinates, each below 16. The blob may be
/// larger than a packet allows; see [`encode_land_patches_limited`].
pub fn encode_land_patches(
    heights: &Heightfield,
    patches: &[(u32, u32)],
) -> Result<Vec<u8>, LayerDataError> {
    let encoded = encode_heightfield_patches(heights, patches)?;
    let mut w = group_header(LayerType::Land);
    for (_, bits) in &encoded {
        w.append(bits);
    }
    w.put(u32::from(END_OF_PATCHES), 8);
    Ok(w.into_bytes())
}

/// Encodes the given patches as as many `'L'` blobs as needed so that each
/// is at most `max_blob_bytes` long (use [`LAYER_DATA_BLOB_LIMIT`]).
/// Patches keep their order; each blob is complete (header and end marker).
pub fn encode_land_patches_limited(
    heights: &Heightfield,
    patches: &[(u32, u32)],
    max_blob_bytes: usize,
) -> Result<Vec<Vec<u8>>, LayerDataError> {
    let encoded = encode_heightfield_patches(heights, patches)?;
    let header_bits = group_header(LayerType::Land).bit_len();
    let fits = |bits: usize| (bits + 8).div_ceil(8) <= max_blob_bytes;
    let mut blobs = Vec::new();
    let mut current: Option<BitWriter> = None;
    for ((x, y), bits) in &encoded {
        if !fits(header_bits + bits.bit_len()) {
            return Err(LayerDataError::PatchTooLarge {
                x: *x,
                y: *y,
                bytes: (header_bits + bits.bit_len() + 8).div_ceil(8),
                limit: max_blob_bytes,
            });
        }
        let w = current.get_or_insert_with(|| group_header(LayerType::Land));
        if !fits(w.bit_len() + bits.bit_len()) {
            let mut full = std::mem::replace(w, group_header(LayerType::Land));
            full.put(u32::from(END_OF_PATCHES), 8);
            blobs.push(full.into_bytes());
        }
        w.append(bits);
    }
    if let Some(mut w) = current {
        w.put(u32::from(END_OF_PATCHES), 8);
        blobs.push(w.into_bytes());
    }
    Ok(blobs)
}

/// Encodes arbitrary patches (e.g. var-region land or wind) as one blob of
/// the given layer type. Coordinates must be below 16 (512 for `VarLand`).
pub fn encode_layer(layer: LayerType, patches: &[DecodedPatch]) -> Result<Vec<u8>, LayerDataError> {
    let mut w = group_header(layer);
    for (index, p) in patches.iter().enumerate() {
        let limit = layer.patch_limit();
        if p.x >= limit || p.y >= limit {
            return Err(LayerDataError::PatchOutOfRange {
                index,
                x: p.x,
                y: p.y,
                limit,
            });
        }
        w.append(&encode_patch(&p.heights, p.x, p.y, layer));
    }
    w.put(u32::from(END_OF_PATCHES), 8);
    Ok(w.into_bytes())
}

fn group_header(layer: LayerType) -> BitWriter {
    let mut w = BitWriter::new();
    w.put(u32::from(LAYER_STRIDE), 16);
    w.put(PATCH_SIZE as u32, 8);
    w.put(u32::from(layer.code()), 8);
    w
}

type EncodedPatch = ((u32, u32), BitWriter);

fn encode_heightfield_patches(
    heights: &Heightfield,
    patches: &[(u32, u32)],
) -> Result<Vec<EncodedPatch>, LayerDataError> {
    patches
        .iter()
        .enumerate()
        .map(|(index, &(x, y))| {
            let data = heights.patch(x, y).ok_or(LayerDataError::PatchOutOfRange {
                index,
                x,
                y,
                limit: PATCHES_PER_EDGE,
            })?;
            Ok(((x, y), encode_patch(&data, x, y, LayerType::Land)))
        })
        .collect()
}

/// Compresses one patch into its own bit stream.
fn encode_patch(data: &[f32; NN], x: u32, y: u32, layer: LayerType) -> BitWriter {
    // Non-finite heights would poison the whole patch; treat them as 0.
    let clean: [f32; NN] = std::array::from_fn(|i| if data[i].is_finite() { data[i] } else { 0.0 });
    let (zmin, zmax) = clean
        .iter()
        .fold((f32::INFINITY, f32::NEG_INFINITY), |(lo, hi), &h| {
            (lo.min(h), hi.max(h))
        });

    let mut w = BitWriter::new();
    let put_ids = |w: &mut BitWriter| {
        if layer.wide_patch_ids() {
            w.put((x << 16) | (y & 0xFFFF), 32);
        } else {
            w.put((x << 5) | (y & 0x1F), 10);
        }
    };

    if zmax - zmin < FLAT_SPAN {
        // A flat patch: prequant 2, range 1 and no coefficients decode to
        // exactly `dc + 0.5` everywhere, so send dc = mid - 0.5.
        let mid = zmin + (zmax - zmin) * 0.5;
        w.put(0, 8);
        w.put_f32(mid - 0.5);
        w.put(1, 16);
        put_ids(&mut w);
        w.put(0b10, 2);
        return w;
    }

    // The header range is an integer ≥ the span; samples are mapped onto
    // [-512, 512) before the transform.
    let range = (f64::from(zmax - zmin) + 1.0)
        .floor()
        .min(f64::from(u16::MAX));
    let premult = f64::from(1u32 << ENCODE_PREQUANT) / range;
    let half = range / 2.0;
    let block: [f64; NN] = std::array::from_fn(|i| {
        let h = f64::from(clean[i]).min(f64::from(zmin) + range);
        (h - f64::from(zmin) - half) * premult
    });
    let coefs = dct::forward_quantized(&block);

    let max_mag = coefs.iter().map(|c| c.unsigned_abs()).max().unwrap_or(0);
    let word_bits = (32 - max_mag.leading_zeros()).clamp(2, MAX_WORD_BITS);
    let max_word = (1u32 << word_bits) - 1;

    w.put(((ENCODE_PREQUANT - 2) << 4) | (word_bits - 2), 8);
    w.put_f32(zmin);
    w.put(range as u32, 16);
    put_ids(&mut w);

    let last_nonzero = coefs.iter().rposition(|&c| c != 0);
    for (k, &c) in coefs.iter().enumerate() {
        if last_nonzero.is_none_or(|last| k > last) {
            w.put(0b10, 2); // end of patch
            break;
        }
        if c == 0 {
            w.put(0, 1);
        } else {
            w.put(if c < 0 { 0b111 } else { 0b110 }, 3);
            w.put(c.unsigned_abs().min(max_word), word_bits);
        }
    }
    w
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn group_header_bytes() {
        let blob = encode_land_patches(&Heightfield::flat(20.0), &[(0, 0)]).unwrap();
        assert_eq!(&blob[..4], &[0x08, 0x01, 0x10, 0x4C]);
    }

    #[test]
    fn flat_patch_is_exact_and_minimal() {
        let blob = encode_land_patches(&Heightfield::flat(21.25), &[(3, 7)]).unwrap();
        // header 32 bits + 8 + 32 + 16 + 10 + 2 + end marker 8 = 108 bits.
        assert_eq!(blob.len(), 14);
        let patches = decode_land_patches(&blob).unwrap();
        assert_eq!(patches.len(), 1);
        assert_eq!((patches[0].x, patches[0].y), (3, 7));
        assert!(patches[0].heights.iter().all(|&h| h == 21.25));
    }
}

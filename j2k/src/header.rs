//! The codestream's main header and first tile-part header, read in Rust.
//!
//! This runs before any byte reaches OpenJPEG: it is how `decode` knows the
//! image size (to enforce [`crate::Limits`] and bound memory), how many
//! resolution reductions are possible (to clamp `discard`), and that the
//! input is a codestream at all. Marker layout from ITU-T T.800 (ISO/IEC
//! 15444-1) Annex A.

use crate::J2kError;

/// Start of codestream.
const SOC: u16 = 0xFF4F;
/// Image and tile size.
const SIZ: u16 = 0xFF51;
/// Coding style default.
const COD: u16 = 0xFF52;
/// Coding style component.
const COC: u16 = 0xFF53;
/// Quantization default.
const QCD: u16 = 0xFF5C;
/// Start of tile-part.
const SOT: u16 = 0xFF90;
/// Start of data.
const SOD: u16 = 0xFF93;
/// End of codestream.
const EOC: u16 = 0xFFD9;

/// The signature box that starts a JP2 file: recognised only to say so in
/// the error, since Second Life assets are raw codestreams.
const JP2_SIGNATURE: [u8; 8] = [0x00, 0x00, 0x00, 0x0C, 0x6A, 0x50, 0x20, 0x20];

/// The standard allows up to 32 decomposition levels.
const MAX_LEVELS: u8 = 32;
/// Isot is 16 bits wide, so a codestream cannot address more tiles.
const MAX_TILES: u64 = 65_535;

/// One image component as SIZ describes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Component {
    /// Bits per sample, 1..=38.
    pub precision: u8,
    /// Samples are two's complement.
    pub signed: bool,
    /// Horizontal subsampling (XRsiz).
    pub dx: u8,
    /// Vertical subsampling (YRsiz).
    pub dy: u8,
}

/// The parts of a COD or COC segment that decide how many code-blocks a
/// decoder sets up: decomposition levels, code-block size and precinct
/// sizes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct CodingStyle {
    /// Decomposition levels (NL).
    pub levels: u8,
    /// Code-block width exponent as stored (size is 2^(xcb + 2)).
    pub xcb: u8,
    /// Code-block height exponent as stored.
    pub ycb: u8,
    /// Per resolution, PPy << 4 | PPx; 0xFF (precincts of 2^15) where the
    /// segment gives none.
    pub precincts: [u8; 33],
}

/// What the main header (and, when asked for, the first tile-part header)
/// says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Header {
    /// Image width on the reference grid (Xsiz - XOsiz).
    pub width: u32,
    /// Image height on the reference grid (Ysiz - YOsiz).
    pub height: u32,
    /// The components, in codestream order.
    pub components: Vec<Component>,
    /// Number of tiles the SIZ grid defines.
    pub tiles: u64,
    /// Smallest decomposition level count of any component in the main
    /// header (COD, lowered by COC) and, when parsed, the first tile-part
    /// header.
    pub levels: u8,
    /// Quality layers (COD).
    pub layers: u16,
    /// Progression order byte of COD (0 LRCP, 1 RLCP, 2 RPCL, 3 PCRL, 4 CPRL).
    pub progression: u8,
    /// Offset of the first SOT marker.
    pub first_sot: usize,
    /// Offset of the first tile-part's SOD marker, when the tile-part
    /// header was parsed.
    pub first_sod: Option<usize>,
    /// Every coding style (COD, COC) of the headers parsed.
    pub styles: Vec<CodingStyle>,
}

/// Reads big-endian integers at absolute offsets; every read is checked so
/// a lying length can only produce an error.
struct Bytes<'a> {
    data: &'a [u8],
}

impl Bytes<'_> {
    fn u8(&self, at: usize) -> Option<u8> {
        self.data.get(at).copied()
    }

    fn u16(&self, at: usize) -> Option<u16> {
        let b = self.data.get(at..at.checked_add(2)?)?;
        Some(u16::from_be_bytes([b[0], b[1]]))
    }

    fn u32(&self, at: usize) -> Option<u32> {
        let b = self.data.get(at..at.checked_add(4)?)?;
        Some(u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    }
}

/// Human name of a marker for error messages.
fn marker_name(code: u16) -> &'static str {
    match code {
        SOC => "SOC",
        SIZ => "SIZ",
        COD => "COD",
        COC => "COC",
        0xFF5D => "QCC",
        QCD => "QCD",
        0xFF5E => "RGN",
        0xFF5F => "POC",
        0xFF60 => "PPM",
        0xFF61 => "PPT",
        0xFF55 => "TLM",
        0xFF57 => "PLM",
        0xFF58 => "PLT",
        0xFF63 => "CRG",
        0xFF64 => "COM",
        0xFF50 => "CAP",
        SOT => "SOT",
        SOD => "SOD",
        EOC => "EOC",
        _ => "marker",
    }
}

fn truncated(offset: usize, len: usize, needed: &'static str) -> J2kError {
    J2kError::Truncated {
        offset,
        len,
        needed,
    }
}

fn corrupt(offset: usize, marker: &'static str, reason: impl Into<String>) -> J2kError {
    J2kError::Corrupt {
        offset,
        marker,
        reason: reason.into(),
    }
}

/// Parses SOC, SIZ and every main-header marker up to the first SOT. With
/// `tile_part`, also walks the first tile-part header up to its SOD, which
/// is the least a decoder needs to produce any pixels.
///
/// Any prefix of a valid codestream, however short, gives `Truncated`, never
/// `NotACodestream`, so a short byte-range fetch is told apart from junk.
pub(crate) fn parse(data: &[u8], tile_part: bool) -> Result<Header, J2kError> {
    let len = data.len();
    let b = Bytes { data };

    // SOC, then SIZ immediately after it (A.4.1, A.5.1).
    let soc = SOC.to_be_bytes();
    if len < 2 {
        return if data.iter().zip(soc.iter()).all(|(a, b)| a == b) {
            Err(truncated(0, len, "SOC marker"))
        } else {
            Err(not_codestream(data))
        };
    }
    if data[..2] != soc {
        return Err(not_codestream(data));
    }
    let siz = SIZ.to_be_bytes();
    match b.u16(2) {
        None => {
            return if data[2..].iter().zip(siz.iter()).all(|(a, b)| a == b) {
                Err(truncated(2, len, "SIZ marker"))
            } else {
                Err(J2kError::NotACodestream {
                    reason: "SOC is not followed by SIZ".into(),
                })
            };
        }
        Some(SIZ) => {}
        Some(other) => {
            return Err(J2kError::NotACodestream {
                reason: format!("SOC is followed by {other:04X}, not SIZ (FF51)"),
            });
        }
    }
    let (width, height, components, tiles) = parse_siz(&b, len)?;
    let siz_len = usize::from(b.u16(4).unwrap_or(0));
    let mut at = 4 + siz_len;

    let mut cod: Option<(u8, u16, u8)> = None;
    let mut coc_min_levels: Option<u8> = None;
    let mut styles = Vec::new();
    let mut has_qcd = false;
    let first_sot = loop {
        let Some(code) = b.u16(at) else {
            return Err(truncated(at, len, "main header (no SOT yet)"));
        };
        if code >> 8 != 0xFF {
            return Err(corrupt(
                at,
                "main header",
                format!("expected a marker, found bytes {code:04X}"),
            ));
        }
        match code {
            SOT => break at,
            SOC | SIZ | SOD | EOC => {
                return Err(corrupt(
                    at,
                    marker_name(code),
                    "not allowed in the main header",
                ));
            }
            _ => {}
        }
        let seg = segment(&b, at, len, code)?;
        match code {
            COD => {
                if cod.is_some() {
                    return Err(corrupt(at, "COD", "second COD in the main header"));
                }
                let (style, layers, progression) = parse_cod(&b, at, seg)?;
                cod = Some((style.levels, layers, progression));
                styles.push(style);
            }
            COC => {
                let style = parse_coc(&b, at, seg, components.len())?;
                coc_min_levels = Some(coc_min_levels.map_or(style.levels, |m| m.min(style.levels)));
                styles.push(style);
            }
            QCD => has_qcd = true,
            _ => {}
        }
        at += 2 + seg;
    };
    let Some((mut levels, layers, progression)) = cod else {
        return Err(corrupt(
            first_sot,
            "main header",
            "no COD marker before the first SOT",
        ));
    };
    if !has_qcd {
        return Err(corrupt(
            first_sot,
            "main header",
            "no QCD marker before the first SOT",
        ));
    }
    if let Some(m) = coc_min_levels {
        levels = levels.min(m);
    }

    let mut first_sod = None;
    if tile_part {
        let (sod, tp_styles) = parse_first_tile_part(&b, first_sot, len, tiles, components.len())?;
        if let Some(m) = tp_styles.iter().map(|s| s.levels).min() {
            levels = levels.min(m);
        }
        styles.extend(tp_styles);
        first_sod = Some(sod);
    }

    Ok(Header {
        width,
        height,
        components,
        tiles,
        levels,
        layers,
        progression,
        first_sot,
        first_sod,
        styles,
    })
}

/// One tile-part as its SOT marker segment announces it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct TilePart {
    /// Offset of the SOT marker.
    pub offset: usize,
    /// Tile index (Isot).
    pub tile: u16,
    /// Tile-part length from the SOT marker on (Psot); 0 means "to the end
    /// of the codestream".
    pub length: u32,
}

/// Every tile-part in the bytes at hand, and the coding styles their
/// headers set.
///
/// Found by scanning for SOT marker segments (FF90 with Lsot = 10) rather
/// than by following Psot from one to the next, because a decoder that
/// meets something other than SOT after a tile-part skips ahead to the next
/// marker it knows, so a hostile SOT can sit anywhere. Valid codestreams
/// give no false hits: bit stuffing keeps FF90..FFFF out of packet data
/// (T.800 Annex A.1).
pub(crate) fn scan_tile_parts(
    data: &[u8],
    first_sot: usize,
    components: usize,
) -> (Vec<TilePart>, Vec<CodingStyle>) {
    let b = Bytes { data };
    let mut parts = Vec::new();
    let mut styles = Vec::new();
    let sot = SOT.to_be_bytes();
    let mut at = first_sot;
    while let Some(found) = data
        .get(at..)
        .and_then(|rest| rest.windows(2).position(|w| w == sot))
    {
        let p = at + found;
        at = p + 2;
        // A tile-part header is followed by a marker (at least SOD); asking
        // for one as well as Lsot = 10 keeps byte patterns inside marker
        // segments (PLT lengths can contain FF 90) from counting.
        let (Some(10), Some(tile), Some(length), Some(next)) =
            (b.u16(p + 2), b.u16(p + 4), b.u32(p + 6), b.u16(p + 12))
        else {
            continue;
        };
        if next >> 8 != 0xFF {
            continue;
        }
        parts.push(TilePart {
            offset: p,
            tile,
            length,
        });
        styles.extend(tile_part_styles(&b, p + 12, data.len(), components));
    }
    (parts, styles)
}

/// The coding styles of a tile-part header starting at `at`, as far as it
/// parses; a malformed one is left to the decoder to refuse.
fn tile_part_styles(
    b: &Bytes<'_>,
    mut at: usize,
    len: usize,
    components: usize,
) -> Vec<CodingStyle> {
    let mut styles = Vec::new();
    while let Some(code) = b.u16(at) {
        if code >> 8 != 0xFF || matches!(code, SOD | SOT | EOC | SOC | SIZ) {
            break;
        }
        let Ok(seg) = segment(b, at, len, code) else {
            break;
        };
        let style = match code {
            COD => parse_cod(b, at, seg).map(|c| c.0).ok(),
            COC => parse_coc(b, at, seg, components).ok(),
            _ => None,
        };
        styles.extend(style);
        at += 2 + seg;
    }
    styles
}

fn not_codestream(data: &[u8]) -> J2kError {
    if data.starts_with(&JP2_SIGNATURE) {
        return J2kError::NotACodestream {
            reason: "a JP2 file (box format); a raw J2K codestream is expected".into(),
        };
    }
    let shown: Vec<String> = data.iter().take(4).map(|x| format!("{x:02X}")).collect();
    J2kError::NotACodestream {
        reason: format!("starts with [{}], not the SOC marker FF4F", shown.join(" ")),
    }
}

/// Length of the marker segment at `at` (not counting the 2 marker bytes),
/// checked to be whole inside the input.
fn segment(b: &Bytes<'_>, at: usize, len: usize, code: u16) -> Result<usize, J2kError> {
    let Some(l) = b.u16(at + 2) else {
        return Err(truncated(at + 2, len, "marker segment length"));
    };
    let l = usize::from(l);
    if l < 2 {
        return Err(corrupt(
            at,
            marker_name(code),
            format!("segment length {l} is shorter than the length field"),
        ));
    }
    if at + 2 + l > len {
        return Err(truncated(
            at,
            len,
            "a main or tile-part header marker segment",
        ));
    }
    Ok(l)
}

/// SIZ (A.5.1): image and tile grid, components. Returns width, height,
/// components and the tile count.
fn parse_siz(b: &Bytes<'_>, len: usize) -> Result<(u32, u32, Vec<Component>, u64), J2kError> {
    const AT: usize = 2;
    let Some(lsiz) = b.u16(4) else {
        return Err(truncated(4, len, "SIZ segment length"));
    };
    let lsiz = usize::from(lsiz);
    if lsiz < 41 {
        return Err(corrupt(
            AT,
            "SIZ",
            format!("segment length {lsiz} is below 41"),
        ));
    }
    if 4 + lsiz > len {
        return Err(truncated(AT, len, "SIZ marker segment"));
    }
    // The segment is whole, so these reads cannot fail; unwrap_or keeps the
    // code panic-free regardless.
    let x1 = b.u32(8).unwrap_or(0);
    let y1 = b.u32(12).unwrap_or(0);
    let x0 = b.u32(16).unwrap_or(0);
    let y0 = b.u32(20).unwrap_or(0);
    let tw = b.u32(24).unwrap_or(0);
    let th = b.u32(28).unwrap_or(0);
    let tx0 = b.u32(32).unwrap_or(0);
    let ty0 = b.u32(36).unwrap_or(0);
    let csiz = usize::from(b.u16(40).unwrap_or(0));
    if csiz == 0 || csiz > 16_384 {
        return Err(corrupt(
            AT,
            "SIZ",
            format!("{csiz} components (1..=16384 allowed)"),
        ));
    }
    if lsiz != 38 + 3 * csiz {
        return Err(corrupt(
            AT,
            "SIZ",
            format!("segment length {lsiz} does not match {csiz} components"),
        ));
    }
    if x1 <= x0 || y1 <= y0 {
        return Err(corrupt(
            AT,
            "SIZ",
            format!("empty image area: grid {x1}x{y1}, image offset {x0},{y0}"),
        ));
    }
    if tw == 0 || th == 0 {
        return Err(corrupt(AT, "SIZ", "zero tile size"));
    }
    if tx0 > x0 || ty0 > y0 {
        return Err(corrupt(AT, "SIZ", "tile grid starts after the image"));
    }
    if u64::from(tx0) + u64::from(tw) <= u64::from(x0)
        || u64::from(ty0) + u64::from(th) <= u64::from(y0)
    {
        return Err(corrupt(
            AT,
            "SIZ",
            "first tile does not cover the image origin",
        ));
    }
    let tiles_x = (u64::from(x1) - u64::from(tx0)).div_ceil(u64::from(tw));
    let tiles_y = (u64::from(y1) - u64::from(ty0)).div_ceil(u64::from(th));
    let tiles = tiles_x * tiles_y;
    if tiles > MAX_TILES {
        return Err(corrupt(
            AT,
            "SIZ",
            format!("{tiles} tiles, more than 65535"),
        ));
    }
    let mut components = Vec::with_capacity(csiz);
    for i in 0..csiz {
        let at = 42 + 3 * i;
        let ssiz = b.u8(at).unwrap_or(0);
        let dx = b.u8(at + 1).unwrap_or(0);
        let dy = b.u8(at + 2).unwrap_or(0);
        let precision = (ssiz & 0x7F) + 1;
        if precision > 38 {
            return Err(corrupt(
                at,
                "SIZ",
                format!("component {i} has {precision} bits (1..=38 allowed)"),
            ));
        }
        if dx == 0 || dy == 0 {
            return Err(corrupt(
                at,
                "SIZ",
                format!("component {i} has zero subsampling"),
            ));
        }
        components.push(Component {
            precision,
            signed: ssiz & 0x80 != 0,
            dx,
            dy,
        });
    }
    Ok((x1 - x0, y1 - y0, components, tiles))
}

/// COD (A.6.1): returns the coding style, layers and progression order.
fn parse_cod(b: &Bytes<'_>, at: usize, seg: usize) -> Result<(CodingStyle, u16, u8), J2kError> {
    if seg < 12 {
        return Err(corrupt(
            at,
            "COD",
            format!("segment length {seg} is below 12"),
        ));
    }
    let scod = b.u8(at + 4).unwrap_or(0);
    let progression = b.u8(at + 5).unwrap_or(0);
    let layers = b.u16(at + 6).unwrap_or(0);
    let style = check_coding_style(b, at, "COD", at + 9, seg, scod & 1 != 0, 12)?;
    if progression > 4 {
        return Err(corrupt(
            at,
            "COD",
            format!("progression order {progression} (0..=4 allowed)"),
        ));
    }
    if layers == 0 {
        return Err(corrupt(at, "COD", "zero quality layers"));
    }
    Ok((style, layers, progression))
}

/// The SPcod/SPcoc part shared by COD and COC, starting at `sp` (the
/// decomposition level byte): checks levels, code-block size, transform and
/// that the segment length fits the precinct sizes, and returns them.
fn check_coding_style(
    b: &Bytes<'_>,
    at: usize,
    marker: &'static str,
    sp: usize,
    seg: usize,
    precincts: bool,
    fixed_len: usize,
) -> Result<CodingStyle, J2kError> {
    let levels = b.u8(sp).unwrap_or(0);
    let xcb = b.u8(sp + 1).unwrap_or(0);
    let ycb = b.u8(sp + 2).unwrap_or(0);
    let transform = b.u8(sp + 4).unwrap_or(0);
    if levels > MAX_LEVELS {
        return Err(corrupt(
            at,
            marker,
            format!("{levels} decomposition levels (0..=32 allowed)"),
        ));
    }
    // Code-block exponents are stored minus 2; each side 4..=1024 and the
    // area at most 4096 samples (A.6.1, Table A.18).
    if xcb > 8 || ycb > 8 || xcb + ycb > 8 {
        return Err(corrupt(
            at,
            marker,
            format!("code-block size exponents {xcb},{ycb}"),
        ));
    }
    if transform > 1 {
        return Err(corrupt(
            at,
            marker,
            format!("wavelet transform {transform} (0 or 1 allowed)"),
        ));
    }
    let expected = if precincts {
        fixed_len + usize::from(levels) + 1
    } else {
        fixed_len
    };
    if seg != expected {
        return Err(corrupt(
            at,
            marker,
            format!("segment length {seg}, expected {expected} for {levels} levels"),
        ));
    }
    let mut style = CodingStyle {
        levels,
        xcb,
        ycb,
        precincts: [0xFF; 33],
    };
    if precincts {
        for (r, p) in style
            .precincts
            .iter_mut()
            .take(usize::from(levels) + 1)
            .enumerate()
        {
            *p = b.u8(sp + 5 + r).unwrap_or(0xFF);
        }
    }
    Ok(style)
}

/// COC (A.6.2): returns the component's coding style.
fn parse_coc(
    b: &Bytes<'_>,
    at: usize,
    seg: usize,
    components: usize,
) -> Result<CodingStyle, J2kError> {
    // The component index is one byte when there are fewer than 257
    // components, two otherwise.
    let wide = components >= 257;
    let fixed = if wide { 10 } else { 9 };
    if seg < fixed {
        return Err(corrupt(
            at,
            "COC",
            format!("segment length {seg} is below {fixed}"),
        ));
    }
    let (comp, scoc_at) = if wide {
        (usize::from(b.u16(at + 4).unwrap_or(0)), at + 6)
    } else {
        (usize::from(b.u8(at + 4).unwrap_or(0)), at + 5)
    };
    if comp >= components {
        return Err(corrupt(
            at,
            "COC",
            format!("component {comp} of {components}"),
        ));
    }
    let scoc = b.u8(scoc_at).unwrap_or(0);
    check_coding_style(b, at, "COC", scoc_at + 1, seg, scoc & 1 != 0, fixed)
}

/// Walks the first tile-part header from its SOT to its SOD. Returns the
/// SOD's offset and the coding styles a COD/COC there sets.
fn parse_first_tile_part(
    b: &Bytes<'_>,
    sot: usize,
    len: usize,
    tiles: u64,
    components: usize,
) -> Result<(usize, Vec<CodingStyle>), J2kError> {
    // SOT (A.4.2): Lsot = 10, Isot, Psot, TPsot, TNsot.
    if sot + 12 > len {
        return Err(truncated(sot, len, "first tile-part header (SOT)"));
    }
    let lsot = b.u16(sot + 2).unwrap_or(0);
    if lsot != 10 {
        return Err(corrupt(
            sot,
            "SOT",
            format!("segment length {lsot}, expected 10"),
        ));
    }
    let isot = b.u16(sot + 4).unwrap_or(0);
    if u64::from(isot) >= tiles {
        return Err(corrupt(sot, "SOT", format!("tile {isot} of {tiles}")));
    }
    let psot = b.u32(sot + 6).unwrap_or(0);
    // Psot 0 means "to the end of the codestream"; otherwise it must at
    // least cover SOT and SOD.
    if psot != 0 && psot < 14 {
        return Err(corrupt(
            sot,
            "SOT",
            format!("tile-part length {psot} is below 14"),
        ));
    }
    let mut styles = Vec::new();
    let mut at = sot + 12;
    loop {
        let Some(code) = b.u16(at) else {
            return Err(truncated(at, len, "first tile-part header (no SOD yet)"));
        };
        if code >> 8 != 0xFF {
            return Err(corrupt(
                at,
                "tile-part header",
                format!("expected a marker, found bytes {code:04X}"),
            ));
        }
        match code {
            SOD => return Ok((at, styles)),
            SOC | SIZ | SOT | EOC => {
                return Err(corrupt(
                    at,
                    marker_name(code),
                    "not allowed in a tile-part header",
                ));
            }
            _ => {}
        }
        let seg = segment(b, at, len, code)?;
        match code {
            COD => styles.push(parse_cod(b, at, seg)?.0),
            COC => styles.push(parse_coc(b, at, seg, components)?),
            _ => {}
        }
        at += 2 + seg;
    }
}

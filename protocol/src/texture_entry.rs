//! The `TextureEntry` blob: per-face texture, colour and mapping of an object.
//!
//! The blob is a sequence of sections, one per attribute, in this order:
//! texture id (16 bytes), colour (4, stored as `255 - value` per RGBA byte
//! so white zero-codes well), repeat U and V (`f32`), offset U and V
//! (`i16`, ÷ 32767), rotation (`i16`, × 2π / 32768), material (bump /
//! shiny / fullbright byte), media (media flag / texture mapping byte),
//! glow (`u8` ÷ 255) and, optionally, material id (16).
//!
//! Each section is the default value followed by exceptions: a face mask
//! (bit *i* = face *i*, written as big-endian 7-bit groups with the high bit
//! set on all but the last) and the value those faces use instead, repeated,
//! then a `0` byte that ends the list — except after the last section,
//! which the end of the blob ends (the reference viewer writes no `0`
//! there; some encoders do, and a decoder accepts both). All multi-byte
//! numbers are little-endian. The glow and
//! material-id sections may be missing in older blobs (a tail too short for
//! a material id is ignored, as LL's reader does); the end of the buffer
//! also ends an exception list. Mask bits for faces at or beyond
//! [`MAX_FACES`] are ignored.

mod values;

pub use values::{
    Bump, FaceMaterial, FaceMedia, Glow, Rgba8, Shininess, TexMapping, TexOffset, TexRotation,
};

use crate::types::Uuid;

/// Faces a TextureEntry can address (LL's `MAX_TES`; avatars use 45).
pub const MAX_FACES: usize = 45;

/// The default "plywood" texture a new prim gets.
pub const DEFAULT_TEXTURE: Uuid = Uuid::from_u128(0x8955_6747_24cb_43ed_920b_47ca_ed15_465f);

/// Everything a TextureEntry says about one face.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TextureFace {
    /// The texture asset.
    pub texture_id: Uuid,
    /// The tint.
    pub color: Rgba8,
    /// Texture repeats across the face, U. Must be finite (the encoder
    /// writes 1.0 for a non-finite value).
    pub repeat_u: f32,
    /// Texture repeats across the face, V.
    pub repeat_v: f32,
    /// Texture offset, U.
    pub offset_u: TexOffset,
    /// Texture offset, V.
    pub offset_v: TexOffset,
    /// Texture rotation.
    pub rotation: TexRotation,
    /// Bump, shininess, fullbright.
    pub material: FaceMaterial,
    /// Media flag and mapping.
    pub media: FaceMedia,
    /// Glow.
    pub glow: Glow,
    /// Render material (nil = none).
    pub material_id: Uuid,
}

impl Default for TextureFace {
    fn default() -> Self {
        Self::new(DEFAULT_TEXTURE)
    }
}

impl TextureFace {
    /// A white, unrepeated, unrotated face showing `texture_id`.
    pub fn new(texture_id: Uuid) -> Self {
        TextureFace {
            texture_id,
            color: Rgba8::WHITE,
            repeat_u: 1.0,
            repeat_v: 1.0,
            offset_u: TexOffset(0),
            offset_v: TexOffset(0),
            rotation: TexRotation(0),
            material: FaceMaterial(0),
            media: FaceMedia(0),
            glow: Glow(0),
            material_id: Uuid::NIL,
        }
    }

    /// True when the two faces encode to the same bytes.
    fn same_wire(&self, other: &TextureFace) -> bool {
        SECTIONS.iter().all(|s| s.key(self) == s.key(other))
    }
}

/// A section of the blob (one attribute).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TeSection {
    /// Texture ids.
    TextureId,
    /// Colours.
    Color,
    /// Repeat U.
    RepeatU,
    /// Repeat V.
    RepeatV,
    /// Offset U.
    OffsetU,
    /// Offset V.
    OffsetV,
    /// Rotation.
    Rotation,
    /// Material byte.
    Material,
    /// Media byte.
    Media,
    /// Glow.
    Glow,
    /// Material ids.
    MaterialId,
}

impl std::fmt::Display for TeSection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(match self {
            TeSection::TextureId => "TextureID",
            TeSection::Color => "Color",
            TeSection::RepeatU => "RepeatU",
            TeSection::RepeatV => "RepeatV",
            TeSection::OffsetU => "OffsetU",
            TeSection::OffsetV => "OffsetV",
            TeSection::Rotation => "Rotation",
            TeSection::Material => "Material",
            TeSection::Media => "Media",
            TeSection::Glow => "Glow",
            TeSection::MaterialId => "MaterialID",
        })
    }
}

/// A malformed TextureEntry, or a bad face index.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TextureEntryError {
    /// The blob is empty (no default face).
    #[error("TextureEntry is empty")]
    Empty,
    /// A section's value (or a face mask) runs past the end.
    #[error(
        "TextureEntry {section} section: needs {needed} bytes at offset {offset}, blob has {len}"
    )]
    Truncated {
        /// The section being read.
        section: TeSection,
        /// Byte offset of the value.
        offset: usize,
        /// Bytes needed there.
        needed: usize,
        /// Blob length.
        len: usize,
    },
    /// A face mask longer than 64 bits.
    #[error("TextureEntry {section} section: face mask at offset {offset} overflows 64 bits")]
    MaskOverflow {
        /// The section being read.
        section: TeSection,
        /// Byte offset of the mask.
        offset: usize,
    },
    /// A repeat that is NaN or infinite.
    #[error("TextureEntry {section} section: value at offset {offset} is not finite")]
    NotFinite {
        /// The section being read.
        section: TeSection,
        /// Byte offset of the value.
        offset: usize,
    },
    /// A face index at or beyond [`MAX_FACES`].
    #[error("face {0} is beyond the {MAX_FACES} faces a TextureEntry can address")]
    FaceOutOfRange(usize),
}

/// Per-face texture parameters: a default face plus the faces that differ.
#[derive(Debug, Clone, PartialEq)]
pub struct TextureEntry {
    default: TextureFace,
    /// `faces[i]` is `Some` only when face *i* encodes differently from the
    /// default; no trailing `None`s.
    faces: Vec<Option<TextureFace>>,
}

impl Default for TextureEntry {
    fn default() -> Self {
        Self::new(TextureFace::default())
    }
}

impl TextureEntry {
    /// Every face uses `default`.
    pub fn new(default: TextureFace) -> Self {
        TextureEntry {
            default,
            faces: Vec::new(),
        }
    }

    /// The default face.
    pub fn default_face(&self) -> &TextureFace {
        &self.default
    }

    /// Replaces the default face (faces that now match it stop being
    /// exceptions).
    pub fn set_default(&mut self, default: TextureFace) {
        self.default = default;
        self.normalize();
    }

    /// The parameters of face `i` (the default unless it was overridden;
    /// also the default for any `i` ≥ [`MAX_FACES`]).
    pub fn face(&self, i: usize) -> TextureFace {
        self.faces.get(i).copied().flatten().unwrap_or(self.default)
    }

    /// Overrides face `i`.
    pub fn set_face(&mut self, i: usize, face: TextureFace) -> Result<(), TextureEntryError> {
        if i >= MAX_FACES {
            return Err(TextureEntryError::FaceOutOfRange(i));
        }
        if self.faces.len() <= i {
            self.faces.resize(i + 1, None);
        }
        self.faces[i] = Some(face);
        self.normalize();
        Ok(())
    }

    /// Makes face `i` use the default again.
    pub fn clear_face(&mut self, i: usize) {
        if let Some(slot) = self.faces.get_mut(i) {
            *slot = None;
        }
        self.normalize();
    }

    /// The faces that differ from the default, in face order.
    pub fn overridden_faces(&self) -> impl Iterator<Item = (usize, &TextureFace)> + '_ {
        self.faces
            .iter()
            .enumerate()
            .filter_map(|(i, f)| f.as_ref().map(|f| (i, f)))
    }

    fn normalize(&mut self) {
        let default = self.default;
        for slot in &mut self.faces {
            if slot.is_some_and(|f| f.same_wire(&default)) {
                *slot = None;
            }
        }
        while self.faces.last().is_some_and(Option::is_none) {
            self.faces.pop();
        }
    }

    /// Decodes a TextureEntry blob.
    pub fn decode(bytes: &[u8]) -> Result<TextureEntry, TextureEntryError> {
        if bytes.is_empty() {
            return Err(TextureEntryError::Empty);
        }
        let mut r = Reader { bytes, pos: 0 };
        let mut sections = Vec::with_capacity(SECTIONS.len());
        for spec in &SECTIONS {
            match read_section(&mut r, spec)? {
                Some(raw) => sections.push((spec, raw)),
                None => break, // optional trailing sections absent
            }
        }
        let mut default = TextureFace::default();
        for (spec, raw) in &sections {
            (spec.apply)(&mut default, raw.default.1).map_err(|()| {
                TextureEntryError::NotFinite {
                    section: spec.section,
                    offset: raw.default.0,
                }
            })?;
        }
        let mut faces = vec![None; MAX_FACES];
        for (spec, raw) in &sections {
            for &(mask, (offset, value)) in &raw.exceptions {
                for (i, slot) in faces.iter_mut().enumerate() {
                    if mask & (1u64 << i) != 0 {
                        let face = slot.get_or_insert(default);
                        (spec.apply)(face, value).map_err(|()| TextureEntryError::NotFinite {
                            section: spec.section,
                            offset,
                        })?;
                    }
                }
            }
        }
        let mut te = TextureEntry { default, faces };
        te.normalize();
        Ok(te)
    }

    /// Encodes the blob in canonical form: every section, faces with equal
    /// values sharing one mask, a `0` between sections and none after the
    /// last; the material-id section only when some material id is set
    /// (46 bytes for an entry with no exceptions and no material id).
    pub fn encode(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(64);
        let any_material = self.default.material_id != Uuid::NIL
            || self
                .overridden_faces()
                .any(|(_, f)| f.material_id != Uuid::NIL);
        for (n, spec) in SECTIONS.iter().enumerate() {
            if spec.section == TeSection::MaterialId && !any_material {
                break;
            }
            // A 0 ends the previous section's exception list; the last
            // section is ended by the end of the blob (canonical form, as
            // the reference viewer packs it).
            if n > 0 {
                out.push(0);
            }
            let default_key = spec.key(&self.default);
            out.extend_from_slice(&default_key);
            // Group faces by value, in order of first appearance.
            let mut groups: Vec<(u64, Vec<u8>)> = Vec::new();
            for (i, face) in self.overridden_faces() {
                let key = spec.key(face);
                if key == default_key {
                    continue;
                }
                match groups.iter_mut().find(|(_, k)| *k == key) {
                    Some((mask, _)) => *mask |= 1u64 << i,
                    None => groups.push((1u64 << i, key)),
                }
            }
            for (mask, key) in groups {
                write_mask(&mut out, mask);
                out.extend_from_slice(&key);
            }
        }
        out
    }
}

/// How one section is sized, encoded and applied.
struct SectionSpec {
    section: TeSection,
    size: usize,
    /// Sections after the required ones may be missing entirely.
    required: bool,
    key: fn(&TextureFace) -> Vec<u8>,
    /// Applies `size` bytes to a face; `Err` for a non-finite float.
    apply: fn(&mut TextureFace, &[u8]) -> Result<(), ()>,
}

impl SectionSpec {
    fn key(&self, face: &TextureFace) -> Vec<u8> {
        (self.key)(face)
    }
}

fn le_f32(b: &[u8]) -> Result<f32, ()> {
    let v = f32::from_le_bytes([b[0], b[1], b[2], b[3]]);
    if v.is_finite() { Ok(v) } else { Err(()) }
}

fn finite_or_one(v: f32) -> f32 {
    if v.is_finite() { v } else { 1.0 }
}

fn uuid_from(b: &[u8]) -> Uuid {
    let mut a = [0u8; 16];
    a.copy_from_slice(&b[..16]);
    Uuid::from_bytes(a)
}

const SECTIONS: [SectionSpec; 11] = [
    SectionSpec {
        section: TeSection::TextureId,
        size: 16,
        required: true,
        key: |f| f.texture_id.as_bytes().to_vec(),
        apply: |f, b| {
            f.texture_id = uuid_from(b);
            Ok(())
        },
    },
    SectionSpec {
        section: TeSection::Color,
        size: 4,
        required: true,
        key: |f| {
            vec![
                255 - f.color.r,
                255 - f.color.g,
                255 - f.color.b,
                255 - f.color.a,
            ]
        },
        apply: |f, b| {
            f.color = Rgba8 {
                r: 255 - b[0],
                g: 255 - b[1],
                b: 255 - b[2],
                a: 255 - b[3],
            };
            Ok(())
        },
    },
    SectionSpec {
        section: TeSection::RepeatU,
        size: 4,
        required: true,
        key: |f| finite_or_one(f.repeat_u).to_le_bytes().to_vec(),
        apply: |f, b| {
            f.repeat_u = le_f32(b)?;
            Ok(())
        },
    },
    SectionSpec {
        section: TeSection::RepeatV,
        size: 4,
        required: true,
        key: |f| finite_or_one(f.repeat_v).to_le_bytes().to_vec(),
        apply: |f, b| {
            f.repeat_v = le_f32(b)?;
            Ok(())
        },
    },
    SectionSpec {
        section: TeSection::OffsetU,
        size: 2,
        required: true,
        key: |f| f.offset_u.0.to_le_bytes().to_vec(),
        apply: |f, b| {
            f.offset_u = TexOffset(i16::from_le_bytes([b[0], b[1]]));
            Ok(())
        },
    },
    SectionSpec {
        section: TeSection::OffsetV,
        size: 2,
        required: true,
        key: |f| f.offset_v.0.to_le_bytes().to_vec(),
        apply: |f, b| {
            f.offset_v = TexOffset(i16::from_le_bytes([b[0], b[1]]));
            Ok(())
        },
    },
    SectionSpec {
        section: TeSection::Rotation,
        size: 2,
        required: true,
        key: |f| f.rotation.0.to_le_bytes().to_vec(),
        apply: |f, b| {
            f.rotation = TexRotation(i16::from_le_bytes([b[0], b[1]]));
            Ok(())
        },
    },
    SectionSpec {
        section: TeSection::Material,
        size: 1,
        required: true,
        key: |f| vec![f.material.0],
        apply: |f, b| {
            f.material = FaceMaterial(b[0]);
            Ok(())
        },
    },
    SectionSpec {
        section: TeSection::Media,
        size: 1,
        required: true,
        key: |f| vec![f.media.0],
        apply: |f, b| {
            f.media = FaceMedia(b[0]);
            Ok(())
        },
    },
    SectionSpec {
        section: TeSection::Glow,
        size: 1,
        required: false,
        key: |f| vec![f.glow.0],
        apply: |f, b| {
            f.glow = Glow(b[0]);
            Ok(())
        },
    },
    SectionSpec {
        section: TeSection::MaterialId,
        size: 16,
        required: false,
        key: |f| f.material_id.as_bytes().to_vec(),
        apply: |f, b| {
            f.material_id = uuid_from(b);
            Ok(())
        },
    },
];

/// A value and the offset it was read at.
type At<'a> = (usize, &'a [u8]);

struct RawSection<'a> {
    default: At<'a>,
    exceptions: Vec<(u64, At<'a>)>,
}

struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize, section: TeSection) -> Result<At<'a>, TextureEntryError> {
        let start = self.pos;
        let slice =
            self.bytes
                .get(start..start.saturating_add(n))
                .ok_or(TextureEntryError::Truncated {
                    section,
                    offset: start,
                    needed: n,
                    len: self.bytes.len(),
                })?;
        self.pos += n;
        Ok((start, slice))
    }

    /// A face mask: big-endian 7-bit groups, high bit = more follow.
    fn mask(&mut self, section: TeSection) -> Result<u64, TextureEntryError> {
        let start = self.pos;
        let mut mask = 0u64;
        loop {
            let (_, b) = self.take(1, section)?;
            if mask >> 57 != 0 {
                return Err(TextureEntryError::MaskOverflow {
                    section,
                    offset: start,
                });
            }
            mask = (mask << 7) | u64::from(b[0] & 0x7F);
            if b[0] & 0x80 == 0 {
                return Ok(mask);
            }
        }
    }
}

fn read_section<'a>(
    r: &mut Reader<'a>,
    spec: &SectionSpec,
) -> Result<Option<RawSection<'a>>, TextureEntryError> {
    // Optional trailing sections may be missing; like LL's reader, a tail
    // too short to hold their default value is ignored too.
    if !spec.required && r.bytes.len().saturating_sub(r.pos) < spec.size {
        return Ok(None);
    }
    let default = r.take(spec.size, spec.section)?;
    let mut exceptions = Vec::new();
    while let Some(&first) = r.bytes.get(r.pos) {
        if first == 0 {
            r.pos += 1;
            break;
        }
        let mask = r.mask(spec.section)?;
        let value = r.take(spec.size, spec.section)?;
        exceptions.push((mask, value));
    }
    Ok(Some(RawSection {
        default,
        exceptions,
    }))
}

fn write_mask(out: &mut Vec<u8>, mask: u64) {
    let groups = (64 - mask.leading_zeros()).div_ceil(7).max(1);
    for g in (0..groups).rev() {
        let bits = ((mask >> (7 * g)) & 0x7F) as u8;
        out.push(if g > 0 { bits | 0x80 } else { bits });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mask_encoding_is_big_endian_seven_bit_groups() {
        let mut out = Vec::new();
        write_mask(&mut out, 0b1);
        write_mask(&mut out, 1 << 7);
        write_mask(&mut out, (1 << 44) | 1);
        assert_eq!(&out[..3], &[0x01, 0x81, 0x00]);
        let mut r = Reader {
            bytes: &out,
            pos: 0,
        };
        assert_eq!(r.mask(TeSection::Color), Ok(1));
        assert_eq!(r.mask(TeSection::Color), Ok(1 << 7));
        assert_eq!(r.mask(TeSection::Color), Ok((1 << 44) | 1));
    }

    #[test]
    fn rotation_and_offset_packing() {
        assert_eq!(TexRotation::from_radians(std::f32::consts::PI).0, 16384);
        assert_eq!(
            TexRotation::from_radians(-std::f32::consts::FRAC_PI_2).0,
            -8192
        );
        assert_eq!(
            TexRotation::from_radians(std::f32::consts::TAU + 0.5),
            TexRotation::from_radians(0.5)
        );
        assert_eq!(TexOffset::from_f32(0.5).0, 16384);
        assert_eq!(TexOffset::from_f32(-3.0).0, -32767);
        assert_eq!(Glow::from_f32(1.0).0, 255);
    }
}

//! The packed per-face values of a TextureEntry and their units.

/// A face colour, 8 bits per channel, as the user set it (not inverted).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Rgba8 {
    /// Red.
    pub r: u8,
    /// Green.
    pub g: u8,
    /// Blue.
    pub b: u8,
    /// Alpha (255 = opaque).
    pub a: u8,
}

impl Rgba8 {
    /// Opaque white, the default tint.
    pub const WHITE: Rgba8 = Rgba8 {
        r: 255,
        g: 255,
        b: 255,
        a: 255,
    };

    /// The colour as floats in 0..=1.
    pub fn to_f32(self) -> [f32; 4] {
        [self.r, self.g, self.b, self.a].map(|c| f32::from(c) / 255.0)
    }
}

/// A texture offset packed as `i16` (value × 32767, clamped to ±1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct TexOffset(pub i16);

impl TexOffset {
    /// Packs an offset, clamping to -1..=1.
    pub fn from_f32(v: f32) -> Self {
        let v = if v.is_finite() {
            v.clamp(-1.0, 1.0)
        } else {
            0.0
        };
        TexOffset((v * 32767.0).round() as i16)
    }

    /// The offset in texture widths.
    pub fn to_f32(self) -> f32 {
        f32::from(self.0) / 32767.0
    }
}

/// A texture rotation packed as `i16` in units of 2π / 32768.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct TexRotation(pub i16);

impl TexRotation {
    /// Packs a rotation in radians. Like LL's packer it first takes the
    /// remainder modulo 2π (keeping the sign), so the result covers ±2π.
    pub fn from_radians(rad: f32) -> Self {
        if !rad.is_finite() {
            return TexRotation(0);
        }
        let tau = std::f64::consts::TAU;
        let reduced = f64::from(rad) % tau;
        // ±32768 would be a full turn, the same angle as 0's neighbours; clamp.
        TexRotation((reduced / tau * 32768.0).round().clamp(-32767.0, 32767.0) as i16)
    }

    /// The rotation in radians.
    pub fn to_radians(self) -> f32 {
        f32::from(self.0) / 32768.0 * std::f32::consts::TAU
    }
}

/// Glow intensity packed as `u8` (value × 255, 0..=1).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct Glow(pub u8);

impl Glow {
    /// Packs a glow intensity, clamping to 0..=1.
    pub fn from_f32(v: f32) -> Self {
        let v = if v.is_finite() {
            v.clamp(0.0, 1.0)
        } else {
            0.0
        };
        Glow((v * 255.0).round() as u8)
    }

    /// The intensity, 0..=1.
    pub fn to_f32(self) -> f32 {
        f32::from(self.0) / 255.0
    }
}

/// The bump map of a face (low 5 bits of the material byte).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Bump {
    /// 0: none.
    None,
    /// 1: brightness.
    Brightness,
    /// 2: darkness.
    Darkness,
    /// 3: woodgrain.
    Woodgrain,
    /// 4: bark.
    Bark,
    /// 5: bricks.
    Bricks,
    /// 6: checker.
    Checker,
    /// 7: concrete.
    Concrete,
    /// 8: crusty tile.
    Crustytile,
    /// 9: cut stone.
    Cutstone,
    /// 10: discs.
    Discs,
    /// 11: gravel.
    Gravel,
    /// 12: petri dish.
    Petridish,
    /// 13: siding.
    Siding,
    /// 14: stone tile.
    Stonetile,
    /// 15: stucco.
    Stucco,
    /// 16: suction.
    Suction,
    /// 17: weave.
    Weave,
    /// 18..=31: not a named bump map.
    Other(u8),
}

const NAMED_BUMPS: [Bump; 18] = [
    Bump::None,
    Bump::Brightness,
    Bump::Darkness,
    Bump::Woodgrain,
    Bump::Bark,
    Bump::Bricks,
    Bump::Checker,
    Bump::Concrete,
    Bump::Crustytile,
    Bump::Cutstone,
    Bump::Discs,
    Bump::Gravel,
    Bump::Petridish,
    Bump::Siding,
    Bump::Stonetile,
    Bump::Stucco,
    Bump::Suction,
    Bump::Weave,
];

impl Bump {
    /// The 5-bit code.
    pub fn code(self) -> u8 {
        match self {
            Bump::Other(c) => c & 0x1F,
            named => NAMED_BUMPS.iter().position(|&b| b == named).unwrap_or(0) as u8,
        }
    }

    /// The bump for a 5-bit code (higher bits ignored).
    pub fn from_code(code: u8) -> Self {
        let code = code & 0x1F;
        NAMED_BUMPS
            .get(usize::from(code))
            .copied()
            .unwrap_or(Bump::Other(code))
    }
}

/// Shininess (top 2 bits of the material byte).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Shininess {
    /// 0x00.
    None,
    /// 0x40.
    Low,
    /// 0x80.
    Medium,
    /// 0xC0.
    High,
}

/// The material byte of a face: `SSFBBBBB` (shiny, fullbright, bump).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct FaceMaterial(pub u8);

impl FaceMaterial {
    /// Packs bump, shininess and fullbright.
    pub fn new(bump: Bump, shiny: Shininess, fullbright: bool) -> Self {
        let shiny_bits = match shiny {
            Shininess::None => 0x00,
            Shininess::Low => 0x40,
            Shininess::Medium => 0x80,
            Shininess::High => 0xC0,
        };
        FaceMaterial(bump.code() | shiny_bits | if fullbright { 0x20 } else { 0 })
    }

    /// The bump map.
    pub fn bump(self) -> Bump {
        Bump::from_code(self.0)
    }

    /// The shininess.
    pub fn shininess(self) -> Shininess {
        match self.0 >> 6 {
            0 => Shininess::None,
            1 => Shininess::Low,
            2 => Shininess::Medium,
            _ => Shininess::High,
        }
    }

    /// True when the face ignores lighting.
    pub fn fullbright(self) -> bool {
        self.0 & 0x20 != 0
    }
}

/// How texture coordinates are generated (bits 1–2 of the media byte).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TexMapping {
    /// 0: the prim's own UVs.
    Default,
    /// 1: planar projection.
    Planar,
    /// 2: spherical (unused by current viewers).
    Spherical,
    /// 3: cylindrical (unused by current viewers).
    Cylindrical,
}

/// The media byte of a face: bit 0 = has media, bits 1–2 = mapping; the
/// other bits are kept as received.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct FaceMedia(pub u8);

impl FaceMedia {
    /// Packs the media flag and mapping.
    pub fn new(has_media: bool, mapping: TexMapping) -> Self {
        let m = match mapping {
            TexMapping::Default => 0,
            TexMapping::Planar => 1,
            TexMapping::Spherical => 2,
            TexMapping::Cylindrical => 3,
        };
        FaceMedia(u8::from(has_media) | (m << 1))
    }

    /// True when the face shows web media.
    pub fn has_media(self) -> bool {
        self.0 & 0x01 != 0
    }

    /// The texture-coordinate mapping.
    pub fn mapping(self) -> TexMapping {
        match (self.0 >> 1) & 0x03 {
            0 => TexMapping::Default,
            1 => TexMapping::Planar,
            2 => TexMapping::Spherical,
            _ => TexMapping::Cylindrical,
        }
    }
}

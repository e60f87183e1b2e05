//! Object payloads carried inside object messages: the ObjectData blobs of
//! full and terse updates, the compressed-update format, and prim shape
//! parameters (quantized on the wire, decoded here into [`PrimShape`]).
//!
//! - [`ObjectUpdateMotion`] decodes `ObjectUpdate.ObjectData` (76/60/48/32/16 bytes).
//! - [`TerseUpdate`] decodes `ImprovedTerseObjectUpdate.ObjectData` (44/60 bytes).
//! - [`CompressedObject`] decodes `ObjectUpdateCompressed.Data`.
//! - [`PrimShapeWire`] maps the integer path/profile fields to [`PrimShape`].
//!
//! Every decoder takes untrusted bytes: reads are bounds-checked, floats
//! must be finite, and errors name the field.

mod compressed;
mod motion;
mod reader;
mod shape_wire;

pub use compressed::{
    AttachedSound, CompressedObject, ExtraParam, GenericData, HoverText, ObjectMaterial,
    PARTICLE_BLOCK_LEN, PCode,
};
pub use motion::{
    MotionPrecision, ObjectMotion, ObjectUpdateMotion, QuantRanges, TerseUpdate, quat_from_xyz,
    quat_to_xyz,
};
pub use shape_wire::{PRIM_SHAPE_WIRE_LEN, PrimShapeError, PrimShapeWire};

/// A malformed object payload, or one the encoder cannot represent.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ObjectDataError {
    /// The blob's length matches no known layout.
    #[error("{what}: {len} bytes is not a valid length (expected {expected})")]
    BadLength {
        /// Which payload.
        what: &'static str,
        /// Its length.
        len: usize,
        /// The lengths accepted.
        expected: &'static str,
    },
    /// A field runs past the end of the data.
    #[error("{field}: needs {needed} bytes at offset {offset}, data has {len}")]
    Truncated {
        /// The field being read.
        field: &'static str,
        /// Its byte offset.
        offset: usize,
        /// Bytes it needs.
        needed: usize,
        /// Bytes in the data.
        len: usize,
    },
    /// A float field is NaN or infinite.
    #[error("{field}: value is not finite")]
    NotFinite {
        /// The field.
        field: &'static str,
    },
    /// A string field has no NUL terminator.
    #[error("{field}: string at offset {offset} has no NUL terminator")]
    Unterminated {
        /// The field.
        field: &'static str,
        /// Where the string starts.
        offset: usize,
    },
    /// A string field is not UTF-8.
    #[error("{field}: string at offset {offset} is not UTF-8")]
    NotUtf8 {
        /// The field.
        field: &'static str,
        /// Where the string starts.
        offset: usize,
    },
    /// The prim shape fields are invalid.
    #[error("prim shape: {0}")]
    Shape(#[from] PrimShapeError),
    /// The encoder cannot represent a value.
    #[error("{field}: cannot encode: {reason}")]
    Unencodable {
        /// The field.
        field: &'static str,
        /// Why.
        reason: &'static str,
    },
}

/// The path a prim's profile is swept along (`PathCurve` on the wire).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum PathCurve {
    /// 0x10: a straight extrusion (boxes, cylinders, prisms).
    Line,
    /// 0x20: a circular revolution (spheres, tori, tubes, rings).
    Circle,
    /// 0x30: a circle variant (used by some legacy prims).
    Circle2,
    /// 0x40: test path (treated as a line).
    Test,
    /// 0x80: a flexible path (rendered as a line).
    Flexible,
}

impl PathCurve {
    /// The wire code (`PathCurve` field).
    pub fn code(self) -> u8 {
        match self {
            PathCurve::Line => 0x10,
            PathCurve::Circle => 0x20,
            PathCurve::Circle2 => 0x30,
            PathCurve::Test => 0x40,
            PathCurve::Flexible => 0x80,
        }
    }

    /// The curve for a wire code, if known.
    pub fn from_code(code: u8) -> Option<Self> {
        Some(match code {
            0x10 => PathCurve::Line,
            0x20 => PathCurve::Circle,
            0x30 => PathCurve::Circle2,
            0x40 => PathCurve::Test,
            0x80 => PathCurve::Flexible,
            _ => return None,
        })
    }
}

/// The base shape of a prim's cross-section (low nibble of `ProfileCurve`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum ProfileShape {
    /// 0: circle.
    Circle,
    /// 1: square.
    Square,
    /// 2: isosceles triangle.
    IsoTriangle,
    /// 3: equilateral triangle.
    EqualTriangle,
    /// 4: right triangle.
    RightTriangle,
    /// 5: half circle (spheres).
    HalfCircle,
}

impl ProfileShape {
    /// The low-nibble code.
    pub fn code(self) -> u8 {
        match self {
            ProfileShape::Circle => 0,
            ProfileShape::Square => 1,
            ProfileShape::IsoTriangle => 2,
            ProfileShape::EqualTriangle => 3,
            ProfileShape::RightTriangle => 4,
            ProfileShape::HalfCircle => 5,
        }
    }

    /// The shape for a low-nibble code, if known.
    pub fn from_code(code: u8) -> Option<Self> {
        Some(match code {
            0 => ProfileShape::Circle,
            1 => ProfileShape::Square,
            2 => ProfileShape::IsoTriangle,
            3 => ProfileShape::EqualTriangle,
            4 => ProfileShape::RightTriangle,
            5 => ProfileShape::HalfCircle,
            _ => return None,
        })
    }
}

/// The shape of a prim's hollow (high nibble of `ProfileCurve`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum HoleShape {
    /// 0x00: the same shape as the profile.
    Same,
    /// 0x10: circular hollow.
    Circle,
    /// 0x20: square hollow.
    Square,
    /// 0x30: triangular hollow.
    Triangle,
}

impl HoleShape {
    /// The high-nibble code (already shifted: 0x00, 0x10, 0x20, 0x30).
    pub fn code(self) -> u8 {
        match self {
            HoleShape::Same => 0x00,
            HoleShape::Circle => 0x10,
            HoleShape::Square => 0x20,
            HoleShape::Triangle => 0x30,
        }
    }

    /// The hollow shape for a high-nibble code (0x00..=0x30), if known.
    pub fn from_code(code: u8) -> Option<Self> {
        Some(match code {
            0x00 => HoleShape::Same,
            0x10 => HoleShape::Circle,
            0x20 => HoleShape::Square,
            0x30 => HoleShape::Triangle,
            _ => return None,
        })
    }
}

/// A prim's volume parameters, decoded from their quantized wire form into
/// the units the mesher works in. Ranges are those the viewer's build tools
/// allow; decoding clamps into them.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct PrimShape {
    /// What the profile is swept along.
    pub path: PathCurve,
    /// The cross-section shape.
    pub profile: ProfileShape,
    /// The hollow's shape.
    pub hole: HoleShape,
    /// Path cut start, 0.0..1.0 (fraction of the path).
    pub path_begin: f32,
    /// Path cut end, 0.0..1.0.
    pub path_end: f32,
    /// Top size / taper scale, X: 0.0..2.0 (1.0 = no taper; wire `PathScaleX`).
    pub path_scale_x: f32,
    /// Top size / taper scale, Y: 0.0..2.0.
    pub path_scale_y: f32,
    /// Top shear X, -0.5..0.5.
    pub path_shear_x: f32,
    /// Top shear Y, -0.5..0.5.
    pub path_shear_y: f32,
    /// Twist at the end of the path, -1.0..1.0 (fraction of a half turn each way, ±180°).
    pub path_twist: f32,
    /// Twist at the start of the path, -1.0..1.0.
    pub path_twist_begin: f32,
    /// Radius offset for circular paths, -1.0..1.0.
    pub path_radius_offset: f32,
    /// Taper X for circular paths, -1.0..1.0.
    pub path_taper_x: f32,
    /// Taper Y for circular paths, -1.0..1.0.
    pub path_taper_y: f32,
    /// Number of revolutions for circular paths, 1.0..4.0.
    pub path_revolutions: f32,
    /// Skew for circular paths, -1.0..1.0.
    pub path_skew: f32,
    /// Profile cut start, 0.0..1.0.
    pub profile_begin: f32,
    /// Profile cut end, 0.0..1.0.
    pub profile_end: f32,
    /// Hollow size, 0.0..0.99 (fraction of the profile).
    pub profile_hollow: f32,
}

impl PrimShape {
    /// The default box: square profile along a line, no cuts.
    pub const BOX: PrimShape = PrimShape {
        path: PathCurve::Line,
        profile: ProfileShape::Square,
        hole: HoleShape::Same,
        path_begin: 0.0,
        path_end: 1.0,
        path_scale_x: 1.0,
        path_scale_y: 1.0,
        path_shear_x: 0.0,
        path_shear_y: 0.0,
        path_twist: 0.0,
        path_twist_begin: 0.0,
        path_radius_offset: 0.0,
        path_taper_x: 0.0,
        path_taper_y: 0.0,
        path_revolutions: 1.0,
        path_skew: 0.0,
        profile_begin: 0.0,
        profile_end: 1.0,
        profile_hollow: 0.0,
    };

    /// Cylinder: circle profile along a line.
    pub const CYLINDER: PrimShape = PrimShape {
        profile: ProfileShape::Circle,
        ..PrimShape::BOX
    };

    /// Prism as the viewer's build tool makes it: a square profile along a
    /// line, tapered to an edge in X (top size X 0) and sheared -0.5 in X,
    /// which gives a triangular cross-section.
    pub const PRISM: PrimShape = PrimShape {
        path_scale_x: 0.0,
        path_shear_x: -0.5,
        ..PrimShape::BOX
    };

    /// Pyramid: a box tapered to a point (top size 0, 0).
    pub const PYRAMID: PrimShape = PrimShape {
        path_scale_x: 0.0,
        path_scale_y: 0.0,
        ..PrimShape::BOX
    };

    /// Cone: a cylinder tapered to a point.
    pub const CONE: PrimShape = PrimShape {
        path_scale_x: 0.0,
        path_scale_y: 0.0,
        ..PrimShape::CYLINDER
    };

    /// Sphere: half-circle profile revolved along a circle.
    pub const SPHERE: PrimShape = PrimShape {
        path: PathCurve::Circle,
        profile: ProfileShape::HalfCircle,
        ..PrimShape::BOX
    };

    /// Torus: circle profile along a circle, hole size Y 0.25.
    pub const TORUS: PrimShape = PrimShape {
        path: PathCurve::Circle,
        profile: ProfileShape::Circle,
        path_scale_y: 0.25,
        ..PrimShape::BOX
    };

    /// Tube: square profile along a circle, hole size Y 0.25.
    pub const TUBE: PrimShape = PrimShape {
        path: PathCurve::Circle,
        profile: ProfileShape::Square,
        path_scale_y: 0.25,
        ..PrimShape::BOX
    };

    /// Ring: equilateral-triangle profile along a circle, hole size Y 0.25.
    pub const RING: PrimShape = PrimShape {
        path: PathCurve::Circle,
        profile: ProfileShape::EqualTriangle,
        path_scale_y: 0.25,
        ..PrimShape::BOX
    };
}

/// The prims a build tool offers, each with its default parameters.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
pub enum StandardPrim {
    /// [`PrimShape::BOX`].
    Box,
    /// [`PrimShape::CYLINDER`].
    Cylinder,
    /// [`PrimShape::PRISM`].
    Prism,
    /// [`PrimShape::SPHERE`].
    Sphere,
    /// [`PrimShape::TORUS`].
    Torus,
    /// [`PrimShape::TUBE`].
    Tube,
    /// [`PrimShape::RING`].
    Ring,
    /// [`PrimShape::PYRAMID`].
    Pyramid,
    /// [`PrimShape::CONE`].
    Cone,
}

impl StandardPrim {
    /// Every standard prim, in build-tool order.
    pub const ALL: [StandardPrim; 9] = [
        StandardPrim::Box,
        StandardPrim::Cylinder,
        StandardPrim::Prism,
        StandardPrim::Sphere,
        StandardPrim::Torus,
        StandardPrim::Tube,
        StandardPrim::Ring,
        StandardPrim::Pyramid,
        StandardPrim::Cone,
    ];

    /// The default shape of this prim.
    pub fn shape(self) -> PrimShape {
        match self {
            StandardPrim::Box => PrimShape::BOX,
            StandardPrim::Cylinder => PrimShape::CYLINDER,
            StandardPrim::Prism => PrimShape::PRISM,
            StandardPrim::Sphere => PrimShape::SPHERE,
            StandardPrim::Torus => PrimShape::TORUS,
            StandardPrim::Tube => PrimShape::TUBE,
            StandardPrim::Ring => PrimShape::RING,
            StandardPrim::Pyramid => PrimShape::PYRAMID,
            StandardPrim::Cone => PrimShape::CONE,
        }
    }
}

//! `ObjectUpdateCompressed.Data`: one object in a packed, flag-driven layout
//! (all little-endian):
//!
//! ```text
//! FullID uuid, LocalID u32, PCode u8, State u8, CRC u32, Material u8,
//! ClickAction u8, Scale Vec3, Position Vec3, Rotation Vec3 (xyz, w ≥ 0),
//! Flags u32, OwnerID uuid,
//! [0x80 AngularVelocity Vec3] [0x20 ParentID u32]
//! [0x02 TreeSpecies u8 | else 0x01 ScratchPad: len u8 + bytes]
//! [0x04 Text: NUL-terminated + colour RGBA (alpha inverted)]
//! [0x200 MediaURL: NUL-terminated] [0x08 particle block, 86 bytes]
//! ExtraParams: count u8, then (type u16, len u32, bytes) × count
//! [0x10 Sound uuid, Gain f32, Flags u8, Radius f32]
//! [0x100 NameValues: NUL-terminated]
//! path/profile shape (23 bytes), TextureEntry: len u32 + bytes,
//! [0x40 TextureAnim: len u32 + bytes]
//! ```
//!
//! Bytes after the last section are ignored, as viewers do.

use glam::{Quat, Vec3};

use super::motion::{ObjectMotion, quat_from_xyz, quat_to_xyz};
use super::reader::{WireReader, put_cstring, put_vec3};
use super::{ObjectDataError, PrimShape, PrimShapeWire};
use crate::texture_entry::Rgba8;
use crate::types::Uuid;

/// Length of a (legacy) particle-system block.
pub const PARTICLE_BLOCK_LEN: usize = 86;

const FLAG_SCRATCH_PAD: u32 = 0x01;
const FLAG_TREE: u32 = 0x02;
const FLAG_TEXT: u32 = 0x04;
const FLAG_PARTICLES: u32 = 0x08;
const FLAG_SOUND: u32 = 0x10;
const FLAG_PARENT: u32 = 0x20;
const FLAG_TEXTURE_ANIM: u32 = 0x40;
const FLAG_ANGULAR_VELOCITY: u32 = 0x80;
const FLAG_NAME_VALUES: u32 = 0x100;
const FLAG_MEDIA_URL: u32 = 0x200;

/// What kind of object this is (`PCode`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PCode {
    /// 9: a prim (volume).
    Primitive,
    /// 47: an avatar.
    Avatar,
    /// 95: grass.
    Grass,
    /// 111: a tree (current).
    NewTree,
    /// 143: a legacy particle system.
    ParticleSystem,
    /// 255: a tree (legacy).
    Tree,
    /// Any other code.
    Other(u8),
}

impl PCode {
    /// The wire code.
    pub fn code(self) -> u8 {
        match self {
            PCode::Primitive => 9,
            PCode::Avatar => 47,
            PCode::Grass => 95,
            PCode::NewTree => 111,
            PCode::ParticleSystem => 143,
            PCode::Tree => 255,
            PCode::Other(c) => c,
        }
    }

    /// The kind for a wire code.
    pub fn from_code(code: u8) -> Self {
        match code {
            9 => PCode::Primitive,
            47 => PCode::Avatar,
            95 => PCode::Grass,
            111 => PCode::NewTree,
            143 => PCode::ParticleSystem,
            255 => PCode::Tree,
            c => PCode::Other(c),
        }
    }
}

/// An object's physical material (sounds, friction).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ObjectMaterial {
    /// 0.
    Stone,
    /// 1.
    Metal,
    /// 2.
    Glass,
    /// 3.
    Wood,
    /// 4.
    Flesh,
    /// 5.
    Plastic,
    /// 6.
    Rubber,
    /// 7.
    Light,
    /// Any other code.
    Other(u8),
}

impl ObjectMaterial {
    /// The wire code.
    pub fn code(self) -> u8 {
        match self {
            ObjectMaterial::Stone => 0,
            ObjectMaterial::Metal => 1,
            ObjectMaterial::Glass => 2,
            ObjectMaterial::Wood => 3,
            ObjectMaterial::Flesh => 4,
            ObjectMaterial::Plastic => 5,
            ObjectMaterial::Rubber => 6,
            ObjectMaterial::Light => 7,
            ObjectMaterial::Other(c) => c,
        }
    }

    /// The material for a wire code.
    pub fn from_code(code: u8) -> Self {
        match code {
            0 => ObjectMaterial::Stone,
            1 => ObjectMaterial::Metal,
            2 => ObjectMaterial::Glass,
            3 => ObjectMaterial::Wood,
            4 => ObjectMaterial::Flesh,
            5 => ObjectMaterial::Plastic,
            6 => ObjectMaterial::Rubber,
            7 => ObjectMaterial::Light,
            c => ObjectMaterial::Other(c),
        }
    }
}

/// The tree-species / scratch-pad section.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum GenericData {
    /// Neither flag set.
    #[default]
    None,
    /// A tree or grass species.
    Tree(u8),
    /// Opaque data (at most 255 bytes).
    ScratchPad(Vec<u8>),
}

/// Floating text above an object.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HoverText {
    /// The text (no NUL bytes).
    pub text: String,
    /// Its colour (alpha as the user set it; inverted on the wire).
    pub color: Rgba8,
}

/// One extra parameter (flexible, light, sculpt, …), kept opaque.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExtraParam {
    /// The parameter type.
    pub kind: u16,
    /// Its payload.
    pub data: Vec<u8>,
}

/// A looped sound attached to the object.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AttachedSound {
    /// The sound asset.
    pub sound_id: Uuid,
    /// Gain, 0..=1.
    pub gain: f32,
    /// Sound flags.
    pub flags: u8,
    /// Audible radius, m.
    pub radius: f32,
}

/// One object of an `ObjectUpdateCompressed` message.
#[derive(Debug, Clone, PartialEq)]
pub struct CompressedObject {
    /// The object's UUID.
    pub full_id: Uuid,
    /// The object's region-local id.
    pub local_id: u32,
    /// What kind of object.
    pub pcode: PCode,
    /// State byte (attachment point for attachments).
    pub state: u8,
    /// CRC the viewer's object cache keys on.
    pub crc: u32,
    /// Physical material.
    pub material: ObjectMaterial,
    /// What a click does.
    pub click_action: u8,
    /// Size, m.
    pub scale: Vec3,
    /// Position (relative to the parent when linked), m.
    pub position: Vec3,
    /// Orientation.
    pub rotation: Quat,
    /// Owner (needed for muting sounds and particles).
    pub owner_id: Uuid,
    /// Spin, rad/s (flag 0x80).
    pub angular_velocity: Option<Vec3>,
    /// Local id of the parent prim (flag 0x20).
    pub parent_id: Option<u32>,
    /// Tree species or scratch pad (flags 0x02 / 0x01).
    pub generic: GenericData,
    /// Floating text (flag 0x04).
    pub text: Option<HoverText>,
    /// Media URL (flag 0x200).
    pub media_url: Option<String>,
    /// Particle-system block (flag 0x08).
    pub particles: Option<Box<[u8; PARTICLE_BLOCK_LEN]>>,
    /// Extra parameters (at most 255).
    pub extra_params: Vec<ExtraParam>,
    /// Attached sound (flag 0x10).
    pub sound: Option<AttachedSound>,
    /// Name-value pairs, newline separated (flag 0x100).
    pub name_values: Option<String>,
    /// The prim's shape. For non-prim objects (trees, grass) with shape
    /// codes that name no curve, this is [`PrimShape::BOX`]: viewers ignore
    /// their shape.
    pub shape: PrimShape,
    /// The raw TextureEntry blob (decode with
    /// [`TextureEntry::decode`](crate::texture_entry::TextureEntry::decode)).
    pub texture_entry: Vec<u8>,
    /// The raw texture-animation block (flag 0x40), usually 16 bytes.
    pub texture_anim: Option<Vec<u8>>,
}

impl CompressedObject {
    /// The motion the compressed form carries (velocity and acceleration
    /// are not sent: zero).
    pub fn motion(&self) -> ObjectMotion {
        ObjectMotion {
            position: self.position,
            rotation: self.rotation,
            angular_velocity: self.angular_velocity.unwrap_or(Vec3::ZERO),
            ..ObjectMotion::default()
        }
    }

    /// Decodes one `ObjectUpdateCompressed.Data` blob.
    pub fn decode(bytes: &[u8]) -> Result<CompressedObject, ObjectDataError> {
        let mut r = WireReader::new(bytes);
        let full_id = r.uuid("ObjectUpdateCompressed.Data.FullID")?;
        let local_id = r.u32("ObjectUpdateCompressed.Data.LocalID")?;
        let pcode = PCode::from_code(r.u8("ObjectUpdateCompressed.Data.PCode")?);
        let state = r.u8("ObjectUpdateCompressed.Data.State")?;
        let crc = r.u32("ObjectUpdateCompressed.Data.CRC")?;
        let material = ObjectMaterial::from_code(r.u8("ObjectUpdateCompressed.Data.Material")?);
        let click_action = r.u8("ObjectUpdateCompressed.Data.ClickAction")?;
        let scale = r.vec3("ObjectUpdateCompressed.Data.Scale")?;
        let position = r.vec3("ObjectUpdateCompressed.Data.Position")?;
        let rotation = quat_from_xyz(r.vec3("ObjectUpdateCompressed.Data.Rotation")?);
        let flags = r.u32("ObjectUpdateCompressed.Data.Flags")?;
        let owner_id = r.uuid("ObjectUpdateCompressed.Data.OwnerID")?;
        let has = |bit: u32| flags & bit != 0;

        let angular_velocity = if has(FLAG_ANGULAR_VELOCITY) {
            Some(r.vec3("ObjectUpdateCompressed.Data.AngularVelocity")?)
        } else {
            None
        };
        let parent_id = if has(FLAG_PARENT) {
            Some(r.u32("ObjectUpdateCompressed.Data.ParentID")?)
        } else {
            None
        };
        // A tree species wins over a scratch pad when both flags are set.
        let generic = if has(FLAG_TREE) {
            GenericData::Tree(r.u8("ObjectUpdateCompressed.Data.TreeSpecies")?)
        } else if has(FLAG_SCRATCH_PAD) {
            let len = r.u8("ObjectUpdateCompressed.Data.ScratchPad length")?;
            GenericData::ScratchPad(
                r.take(usize::from(len), "ObjectUpdateCompressed.Data.ScratchPad")?
                    .to_vec(),
            )
        } else {
            GenericData::None
        };
        let text = if has(FLAG_TEXT) {
            let text = r.cstring("ObjectUpdateCompressed.Data.Text")?;
            let c = r.take(4, "ObjectUpdateCompressed.Data.TextColor")?;
            Some(HoverText {
                text,
                color: Rgba8 {
                    r: c[0],
                    g: c[1],
                    b: c[2],
                    a: 255 - c[3],
                },
            })
        } else {
            None
        };
        let media_url = if has(FLAG_MEDIA_URL) {
            Some(r.cstring("ObjectUpdateCompressed.Data.MediaURL")?)
        } else {
            None
        };
        let particles = if has(FLAG_PARTICLES) {
            let mut block = Box::new([0u8; PARTICLE_BLOCK_LEN]);
            block.copy_from_slice(
                r.take(PARTICLE_BLOCK_LEN, "ObjectUpdateCompressed.Data.PSBlock")?,
            );
            Some(block)
        } else {
            None
        };
        let count = r.u8("ObjectUpdateCompressed.Data.ExtraParams count")?;
        let mut extra_params = Vec::with_capacity(usize::from(count));
        for _ in 0..count {
            let kind = r.u16("ObjectUpdateCompressed.Data.ExtraParams type")?;
            let len = r.u32("ObjectUpdateCompressed.Data.ExtraParams length")?;
            // A length beyond the data is caught by `take`; usize::MAX never fits.
            let len = usize::try_from(len).unwrap_or(usize::MAX);
            let data = r
                .take(len, "ObjectUpdateCompressed.Data.ExtraParams data")?
                .to_vec();
            extra_params.push(ExtraParam { kind, data });
        }
        let sound = if has(FLAG_SOUND) {
            Some(AttachedSound {
                sound_id: r.uuid("ObjectUpdateCompressed.Data.Sound")?,
                gain: r.f32("ObjectUpdateCompressed.Data.Gain")?,
                flags: r.u8("ObjectUpdateCompressed.Data.SoundFlags")?,
                radius: r.f32("ObjectUpdateCompressed.Data.SoundRadius")?,
            })
        } else {
            None
        };
        let name_values = if has(FLAG_NAME_VALUES) {
            Some(r.cstring("ObjectUpdateCompressed.Data.NameValues")?)
        } else {
            None
        };
        let wire = PrimShapeWire::read_from(&mut r)?;
        let shape = match PrimShape::from_wire(&wire) {
            Ok(shape) => shape,
            Err(_) if pcode != PCode::Primitive => PrimShape::BOX,
            Err(e) => return Err(e.into()),
        };
        let te_len = r.u32("ObjectUpdateCompressed.Data.TextureEntry length")?;
        let te_len = usize::try_from(te_len).unwrap_or(usize::MAX);
        let texture_entry = r
            .take(te_len, "ObjectUpdateCompressed.Data.TextureEntry")?
            .to_vec();
        let texture_anim = if has(FLAG_TEXTURE_ANIM) {
            let len = r.u32("ObjectUpdateCompressed.Data.TextureAnim length")?;
            let len = usize::try_from(len).unwrap_or(usize::MAX);
            Some(
                r.take(len, "ObjectUpdateCompressed.Data.TextureAnim")?
                    .to_vec(),
            )
        } else {
            None
        };
        Ok(CompressedObject {
            full_id,
            local_id,
            pcode,
            state,
            crc,
            material,
            click_action,
            scale,
            position,
            rotation,
            owner_id,
            angular_velocity,
            parent_id,
            generic,
            text,
            media_url,
            particles,
            extra_params,
            sound,
            name_values,
            shape,
            texture_entry,
            texture_anim,
        })
    }

    /// Encodes the blob; flags follow from which optional parts are set.
    /// Fails for non-finite values, strings with NUL bytes, a scratch pad
    /// over 255 bytes, more than 255 extra parameters, or blobs over 4 GiB.
    pub fn encode(&self) -> Result<Vec<u8>, ObjectDataError> {
        let finite = |v: &[f32], field: &'static str| {
            if v.iter().all(|c| c.is_finite()) {
                Ok(())
            } else {
                Err(ObjectDataError::Unencodable {
                    field,
                    reason: "value is not finite",
                })
            }
        };
        let len_u32 = |n: usize, field: &'static str| {
            u32::try_from(n).map_err(|_| ObjectDataError::Unencodable {
                field,
                reason: "longer than 4 GiB",
            })
        };
        finite(&self.scale.to_array(), "ObjectUpdateCompressed.Data.Scale")?;
        finite(
            &self.position.to_array(),
            "ObjectUpdateCompressed.Data.Position",
        )?;
        finite(
            &self.rotation.to_array(),
            "ObjectUpdateCompressed.Data.Rotation",
        )?;

        let mut flags = 0;
        let mut set = |on: bool, bit: u32| {
            if on {
                flags |= bit;
            }
        };
        set(self.angular_velocity.is_some(), FLAG_ANGULAR_VELOCITY);
        set(self.parent_id.is_some(), FLAG_PARENT);
        set(matches!(self.generic, GenericData::Tree(_)), FLAG_TREE);
        set(
            matches!(self.generic, GenericData::ScratchPad(_)),
            FLAG_SCRATCH_PAD,
        );
        set(self.text.is_some(), FLAG_TEXT);
        set(self.media_url.is_some(), FLAG_MEDIA_URL);
        set(self.particles.is_some(), FLAG_PARTICLES);
        set(self.sound.is_some(), FLAG_SOUND);
        set(self.name_values.is_some(), FLAG_NAME_VALUES);
        set(self.texture_anim.is_some(), FLAG_TEXTURE_ANIM);

        let mut out = Vec::with_capacity(128 + self.texture_entry.len());
        out.extend_from_slice(self.full_id.as_bytes());
        out.extend_from_slice(&self.local_id.to_le_bytes());
        out.push(self.pcode.code());
        out.push(self.state);
        out.extend_from_slice(&self.crc.to_le_bytes());
        out.push(self.material.code());
        out.push(self.click_action);
        put_vec3(&mut out, self.scale);
        put_vec3(&mut out, self.position);
        put_vec3(&mut out, quat_to_xyz(self.rotation));
        out.extend_from_slice(&flags.to_le_bytes());
        out.extend_from_slice(self.owner_id.as_bytes());
        if let Some(w) = self.angular_velocity {
            finite(&w.to_array(), "ObjectUpdateCompressed.Data.AngularVelocity")?;
            put_vec3(&mut out, w);
        }
        if let Some(parent) = self.parent_id {
            out.extend_from_slice(&parent.to_le_bytes());
        }
        match &self.generic {
            GenericData::None => {}
            GenericData::Tree(species) => out.push(*species),
            GenericData::ScratchPad(data) => {
                let len = u8::try_from(data.len()).map_err(|_| ObjectDataError::Unencodable {
                    field: "ObjectUpdateCompressed.Data.ScratchPad",
                    reason: "longer than 255 bytes",
                })?;
                out.push(len);
                out.extend_from_slice(data);
            }
        }
        if let Some(t) = &self.text {
            put_cstring(&mut out, &t.text, "ObjectUpdateCompressed.Data.Text")?;
            out.extend_from_slice(&[t.color.r, t.color.g, t.color.b, 255 - t.color.a]);
        }
        if let Some(url) = &self.media_url {
            put_cstring(&mut out, url, "ObjectUpdateCompressed.Data.MediaURL")?;
        }
        if let Some(block) = &self.particles {
            out.extend_from_slice(&block[..]);
        }
        let count =
            u8::try_from(self.extra_params.len()).map_err(|_| ObjectDataError::Unencodable {
                field: "ObjectUpdateCompressed.Data.ExtraParams",
                reason: "more than 255 parameters",
            })?;
        out.push(count);
        for p in &self.extra_params {
            out.extend_from_slice(&p.kind.to_le_bytes());
            out.extend_from_slice(
                &len_u32(p.data.len(), "ObjectUpdateCompressed.Data.ExtraParams")?.to_le_bytes(),
            );
            out.extend_from_slice(&p.data);
        }
        if let Some(s) = &self.sound {
            finite(&[s.gain, s.radius], "ObjectUpdateCompressed.Data.Sound")?;
            out.extend_from_slice(s.sound_id.as_bytes());
            out.extend_from_slice(&s.gain.to_le_bytes());
            out.push(s.flags);
            out.extend_from_slice(&s.radius.to_le_bytes());
        }
        if let Some(nv) = &self.name_values {
            put_cstring(&mut out, nv, "ObjectUpdateCompressed.Data.NameValues")?;
        }
        self.shape.to_wire().write(&mut out);
        out.extend_from_slice(
            &len_u32(
                self.texture_entry.len(),
                "ObjectUpdateCompressed.Data.TextureEntry",
            )?
            .to_le_bytes(),
        );
        out.extend_from_slice(&self.texture_entry);
        if let Some(anim) = &self.texture_anim {
            out.extend_from_slice(
                &len_u32(anim.len(), "ObjectUpdateCompressed.Data.TextureAnim")?.to_le_bytes(),
            );
            out.extend_from_slice(anim);
        }
        Ok(out)
    }
}

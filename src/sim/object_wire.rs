//! Prims and avatars as the object messages carry them: full
//! `ObjectUpdate` blocks, `ObjectUpdateCompressed` blobs, and
//! `ImprovedTerseObjectUpdate` blocks, built with the protocol crate's
//! payload codecs (motion blobs, shape quantization, TextureEntry).

use glam::{Quat, Vec3, Vec4};
use kestrel_protocol::messages::{
    VarBytes, improved_terse_object_update, object_update, object_update_compressed,
};
use kestrel_protocol::object_data::{
    CompressedObject, GenericData, MotionPrecision, ObjectDataError, ObjectMaterial, ObjectMotion,
    ObjectUpdateMotion, PCode, PrimShape, QuantRanges, TerseUpdate,
};
use kestrel_protocol::texture_entry::{TextureEntry, TextureFace};
use kestrel_protocol::types::Uuid;

use super::objects::{Pose, Prim};

/// The blank white texture every viewer has built in (the region's prims
/// wear library textures instead; kept for tests and tools).
pub const BLANK_TEXTURE: Uuid = Uuid::from_u128(0x5748_decc_f629_461c_9a36_a35a_221f_e21f);

/// The avatar's size (x, y, z) in metres, as a region reports it.
pub const AVATAR_SCALE: Vec3 = Vec3::new(0.45, 0.6, 1.9);

/// The TextureEntry blob of a prim: its faces' textures, colours and mapping.
pub fn texture_entry(prim: &Prim) -> Vec<u8> {
    prim.faces.encode()
}

fn motion_of(pose: &Pose) -> ObjectMotion {
    ObjectMotion {
        position: pose.position,
        velocity: pose.velocity,
        acceleration: Vec3::ZERO,
        rotation: pose.rotation,
        angular_velocity: pose.angular_velocity,
    }
}

/// The prim's placement at region time `t`: children keep their resting
/// (parent-relative) placement; roots follow their motion.
fn prim_pose(prim: &Prim, t: f32) -> Pose {
    if prim.parent.is_some() {
        Pose {
            position: prim.position,
            velocity: Vec3::ZERO,
            rotation: prim.rotation,
            angular_velocity: Vec3::ZERO,
        }
    } else {
        prim.pose_at(t)
    }
}

/// One full `ObjectUpdate.ObjectData` block for a prim.
pub fn full_update_block(
    prim: &Prim,
    t: f32,
) -> Result<object_update::ObjectData<'static>, ObjectDataError> {
    let motion = ObjectUpdateMotion {
        motion: motion_of(&prim_pose(prim, t)),
        collision_plane: None,
        precision: MotionPrecision::F32,
    }
    .encode(&QuantRanges::default())?;
    let w = prim.shape.to_wire();
    Ok(object_update::ObjectData {
        id: prim.local_id.0,
        state: 0,
        full_id: prim.full_id,
        crc: 1,
        p_code: PCode::Primitive.code(),
        material: prim.material.code(),
        click_action: 0,
        scale: prim.scale,
        object_data: VarBytes::owned(motion),
        parent_id: prim.parent.map_or(0, |p| p.0),
        update_flags: 0,
        path_curve: w.path_curve,
        profile_curve: w.profile_curve,
        path_begin: w.path_begin,
        path_end: w.path_end,
        path_scale_x: w.path_scale_x,
        path_scale_y: w.path_scale_y,
        path_shear_x: w.path_shear_x,
        path_shear_y: w.path_shear_y,
        path_twist: w.path_twist,
        path_twist_begin: w.path_twist_begin,
        path_radius_offset: w.path_radius_offset,
        path_taper_x: w.path_taper_x,
        path_taper_y: w.path_taper_y,
        path_revolutions: w.path_revolutions,
        path_skew: w.path_skew,
        profile_begin: w.profile_begin,
        profile_end: w.profile_end,
        profile_hollow: w.profile_hollow,
        texture_entry: VarBytes::owned(texture_entry(prim)),
        name_value: VarBytes::empty(),
        ..Default::default()
    })
}

/// One `ObjectUpdateCompressed.ObjectData` block for a prim.
pub fn compressed_block(
    prim: &Prim,
    t: f32,
    owner: Uuid,
) -> Result<object_update_compressed::ObjectData<'static>, ObjectDataError> {
    let pose = prim_pose(prim, t);
    let object = CompressedObject {
        full_id: prim.full_id,
        local_id: prim.local_id.0,
        pcode: PCode::Primitive,
        state: 0,
        crc: 1,
        material: prim.material,
        click_action: 0,
        scale: prim.scale,
        position: pose.position,
        rotation: pose.rotation,
        owner_id: owner,
        angular_velocity: (pose.angular_velocity != Vec3::ZERO).then_some(pose.angular_velocity),
        parent_id: prim.parent.map(|p| p.0),
        generic: GenericData::None,
        text: None,
        media_url: None,
        particles: None,
        extra_params: Vec::new(),
        sound: None,
        name_values: None,
        shape: prim.shape,
        texture_entry: texture_entry(prim),
        texture_anim: None,
    };
    Ok(object_update_compressed::ObjectData {
        update_flags: 0,
        data: VarBytes::owned(object.encode()?),
    })
}

/// One `ImprovedTerseObjectUpdate.ObjectData` block for a moving root prim.
pub fn terse_block(
    prim: &Prim,
    t: f32,
) -> Result<improved_terse_object_update::ObjectData<'static>, ObjectDataError> {
    let terse = TerseUpdate {
        local_id: prim.local_id.0,
        state: 0,
        collision_plane: None,
        motion: motion_of(&prim_pose(prim, t)),
    };
    Ok(improved_terse_object_update::ObjectData {
        data: VarBytes::owned(terse.encode()?),
        texture_entry: VarBytes::empty(),
    })
}

/// What the region says about an avatar.
#[derive(Debug, Clone, PartialEq)]
pub struct AvatarView {
    /// Region-local id.
    pub local_id: u32,
    /// The agent id.
    pub agent_id: Uuid,
    /// First name.
    pub first: String,
    /// Last name.
    pub last: String,
    /// Centre of the avatar, region metres.
    pub position: Vec3,
    /// Velocity, m/s.
    pub velocity: Vec3,
    /// Body rotation.
    pub rotation: Quat,
    /// Height of the ground (or the sea bed) under the feet.
    pub foot_height: f32,
}

impl AvatarView {
    fn collision_plane(&self) -> Vec4 {
        // The plane z = foot height, as normal (0, 0, 1) and distance.
        Vec4::new(0.0, 0.0, 1.0, self.foot_height)
    }

    fn motion(&self) -> ObjectMotion {
        ObjectMotion {
            position: self.position,
            velocity: self.velocity,
            acceleration: Vec3::ZERO,
            rotation: self.rotation,
            angular_velocity: Vec3::ZERO,
        }
    }
}

/// The full `ObjectUpdate` block of an avatar (PCode 47) with its name.
pub fn avatar_block(
    avatar: &AvatarView,
) -> Result<object_update::ObjectData<'static>, ObjectDataError> {
    let motion = ObjectUpdateMotion {
        motion: avatar.motion(),
        collision_plane: Some(avatar.collision_plane()),
        precision: MotionPrecision::F32,
    }
    .encode(&QuantRanges::default())?;
    let name_value = format!(
        "FirstName STRING RW SV {}\nLastName STRING RW SV {}\nTitle STRING RW SV ",
        avatar.first, avatar.last
    );
    let w = PrimShape::BOX.to_wire();
    Ok(object_update::ObjectData {
        id: avatar.local_id,
        state: 0,
        full_id: avatar.agent_id,
        crc: 1,
        p_code: PCode::Avatar.code(),
        material: ObjectMaterial::Flesh.code(),
        scale: AVATAR_SCALE,
        object_data: VarBytes::owned(motion),
        path_curve: w.path_curve,
        profile_curve: w.profile_curve,
        path_scale_x: w.path_scale_x,
        path_scale_y: w.path_scale_y,
        path_revolutions: w.path_revolutions,
        texture_entry: VarBytes::owned(TextureEntry::new(TextureFace::default()).encode()),
        name_value: VarBytes::from_text(&name_value),
        ..Default::default()
    })
}

/// The terse block of an avatar (60-byte form with the collision plane).
pub fn avatar_terse_block(
    avatar: &AvatarView,
) -> Result<improved_terse_object_update::ObjectData<'static>, ObjectDataError> {
    let terse = TerseUpdate {
        local_id: avatar.local_id,
        state: 0,
        collision_plane: Some(avatar.collision_plane()),
        motion: avatar.motion(),
    };
    Ok(improved_terse_object_update::ObjectData {
        data: VarBytes::owned(terse.encode()?),
        texture_entry: VarBytes::empty(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sim::layout::Layout;
    use crate::sim::terrain::Terrain;

    #[test]
    fn full_updates_carry_shape_colour_and_placement() {
        let t = Terrain::generate(1);
        let layout = Layout::build(&t, 1, 60);
        for prim in &layout.prims {
            let b = full_update_block(prim, 0.0).expect("encodes");
            assert_eq!(b.id, prim.local_id.0);
            assert_eq!(b.parent_id, prim.parent.map_or(0, |p| p.0));
            assert_eq!(b.object_data.len(), 60);
            let shape = PrimShape::from_wire(&prim.shape.to_wire()).expect("shape decodes");
            assert_eq!(shape.to_wire(), prim.shape.to_wire());
            let te = TextureEntry::decode(&b.texture_entry).expect("TE decodes");
            let c = te.default_face().color;
            let want = prim.colour.0.map(|c| (c * 255.0).round() as u8);
            assert_eq!([c.r, c.g, c.b, c.a], want);
            let m = ObjectUpdateMotion::decode(&b.object_data, &QuantRanges::default())
                .expect("motion decodes");
            assert!((m.motion.position - prim_pose(prim, 0.0).position).length() < 1e-4);
        }
    }

    #[test]
    fn compressed_and_terse_blocks_decode() {
        let t = Terrain::generate(1);
        let layout = Layout::build(&t, 1, 300);
        let mover = layout
            .prims
            .iter()
            .find(|p| p.motion.is_some())
            .expect("a mover");
        let c = compressed_block(mover, 1.0, Uuid::NIL).expect("encodes");
        let back = CompressedObject::decode(&c.data).expect("decodes");
        assert_eq!(back.local_id, mover.local_id.0);
        assert_eq!(back.shape.to_wire(), mover.shape.to_wire());
        let tb = terse_block(mover, 1.0).expect("encodes");
        let terse = TerseUpdate::decode(&tb.data).expect("decodes");
        assert_eq!(terse.local_id, mover.local_id.0);
        assert!((terse.motion.position - mover.pose_at(1.0).position).length() < 1e-3);
    }
}

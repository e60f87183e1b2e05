//! A TextureEntry as the renderer wants it: one [`FaceLook`] per face.

use std::sync::Arc;

use kestrel_protocol::texture_entry::{TextureEntry, TextureFace};
use kestrel_protocol::types::Uuid;

use crate::render::{FaceLook, TextureKey};

/// One face's look.
pub fn face_look(face: &TextureFace) -> FaceLook {
    FaceLook {
        texture: texture_key(face.texture_id),
        colour: face.color.to_f32(),
        repeats: [face.repeat_u, face.repeat_v],
        offset: [face.offset_u.to_f32(), face.offset_v.to_f32()],
        rotation: face.rotation.to_radians(),
        fullbright: face.material.fullbright(),
    }
}

/// The renderer's key for a texture id (`None` for the nil id: no texture).
pub fn texture_key(id: Uuid) -> Option<TextureKey> {
    (!id.is_nil()).then(|| TextureKey(id.as_u128()))
}

/// Every face's look, in face order. Faces past the end of the list look like
/// its last entry, so the list ends with the default face whenever some face
/// overrides it.
pub fn face_looks(te: &TextureEntry) -> Arc<[FaceLook]> {
    let default = face_look(te.default_face());
    let overrides: Vec<(usize, &TextureFace)> = te.overridden_faces().collect();
    let Some(last) = overrides.last().map(|(i, _)| *i) else {
        return Arc::from(vec![default]);
    };
    let mut looks = vec![default; last + 2];
    for (i, face) in overrides {
        looks[i] = face_look(face);
    }
    Arc::from(looks)
}

/// The textures a TextureEntry uses, default face first, without repeats.
pub fn textures_of(looks: &[FaceLook]) -> impl Iterator<Item = TextureKey> + '_ {
    looks.iter().enumerate().filter_map(move |(i, l)| {
        let key = l.texture?;
        // Skip a key an earlier face already named.
        (!looks[..i].iter().any(|p| p.texture == Some(key))).then_some(key)
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::render::PrimInstance;
    use glam::Mat4;

    #[test]
    fn overridden_faces_keep_their_own_look_and_the_rest_the_default() {
        let plywood = Uuid::from_u128(7);
        let other = Uuid::from_u128(9);
        let mut te = TextureEntry::new(TextureFace::new(plywood));
        let mut face = TextureFace::new(other);
        face.repeat_u = 2.0;
        te.set_face(2, face).unwrap();
        let looks = face_looks(&te);
        let inst = PrimInstance {
            faces: looks.clone(),
            ..PrimInstance::plain(crate::render::MeshKey(1), Mat4::IDENTITY, [1.0; 4])
        };
        assert_eq!(inst.face(0).texture, Some(TextureKey(7)));
        assert_eq!(inst.face(2).texture, Some(TextureKey(9)));
        assert_eq!(inst.face(2).repeats, [2.0, 1.0]);
        assert_eq!(inst.face(3).texture, Some(TextureKey(7)));
        assert_eq!(inst.face(8).texture, Some(TextureKey(7)));
        let used: Vec<_> = textures_of(&looks).collect();
        assert_eq!(used, vec![TextureKey(7), TextureKey(9)]);
    }
}

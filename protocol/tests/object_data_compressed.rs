//! `ObjectUpdateCompressed.Data`: a hand-built golden blob, every optional
//! section, field-naming errors, and hostile input.

use glam::{Quat, Vec3};
use kestrel_protocol::object_data::{
    AttachedSound, CompressedObject, ExtraParam, GenericData, HoverText, ObjectDataError,
    ObjectMaterial, PARTICLE_BLOCK_LEN, PCode, PRIM_SHAPE_WIRE_LEN, PrimShape, PrimShapeError,
};
use kestrel_protocol::texture_entry::Rgba8;
use kestrel_protocol::types::Uuid;
use proptest::prelude::*;

mod object_data_support;

use object_data_support::*;

fn minimal_box() -> CompressedObject {
    CompressedObject {
        full_id: Uuid::from_bytes([0xAA; 16]),
        local_id: 7,
        pcode: PCode::Primitive,
        state: 0,
        crc: 1,
        material: ObjectMaterial::Wood,
        click_action: 0,
        scale: Vec3::splat(0.5),
        position: Vec3::new(128.0, 128.0, 25.0),
        rotation: Quat::IDENTITY,
        owner_id: Uuid::from_bytes([0xBB; 16]),
        angular_velocity: None,
        parent_id: None,
        generic: GenericData::None,
        text: None,
        media_url: None,
        particles: None,
        extra_params: vec![],
        sound: None,
        name_values: None,
        shape: PrimShape::BOX,
        texture_entry: vec![1, 2, 3],
        texture_anim: None,
    }
}

#[test]
fn golden_minimal_compressed_box() {
    let mut b = vec![0xAA; 16];
    b.extend_from_slice(&[7, 0, 0, 0, 9, 0, 1, 0, 0, 0, 3, 0]);
    b.extend_from_slice(&le_vec(&[0.5, 0.5, 0.5, 128.0, 128.0, 25.0, 0.0, 0.0, 0.0]));
    b.extend_from_slice(&[0, 0, 0, 0]); // flags
    b.extend_from_slice(&[0xBB; 16]);
    b.push(0); // no extra params
    b.extend_from_slice(&[
        0x10, 0, 0, 0, 0, 100, 100, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x01, 0, 0, 0, 0, 0, 0,
    ]);
    b.extend_from_slice(&[3, 0, 0, 0, 1, 2, 3]);
    let o = CompressedObject::decode(&b).unwrap();
    assert_eq!(o, minimal_box());
    assert_eq!(o.encode().unwrap(), b);
    assert_eq!(o.motion().position, Vec3::new(128.0, 128.0, 25.0));
}

fn full_featured() -> CompressedObject {
    CompressedObject {
        pcode: PCode::Primitive,
        rotation: Quat::from_rotation_y(0.7),
        angular_velocity: Some(Vec3::new(0.0, 0.0, 1.5)),
        parent_id: Some(42),
        generic: GenericData::ScratchPad(vec![9, 8, 7]),
        text: Some(HoverText {
            text: "Hello ✓".into(),
            color: Rgba8 {
                r: 255,
                g: 128,
                b: 0,
                a: 200,
            },
        }),
        media_url: Some("http://example.org/".into()),
        particles: Some(Box::new([0x5A; PARTICLE_BLOCK_LEN])),
        extra_params: vec![
            ExtraParam {
                kind: 0x10,
                data: vec![1; 16],
            },
            ExtraParam {
                kind: 0x20,
                data: vec![],
            },
        ],
        sound: Some(AttachedSound {
            sound_id: Uuid::from_bytes([3; 16]),
            gain: 0.5,
            flags: 1,
            radius: 20.0,
        }),
        name_values: Some("AttachItemID STRING RW SV 0".into()),
        shape: PrimShape::TORUS,
        texture_entry: vec![0xEE; 47],
        texture_anim: Some(vec![
            1, 0, 4, 4, 0, 0, 0, 0, 0, 0, 0x80, 0x3F, 0, 0, 0x20, 0x41,
        ]),
        ..minimal_box()
    }
}

#[test]
fn compressed_with_every_section_round_trips() {
    let o = full_featured();
    let bytes = o.encode().unwrap();
    // Flags: scratch pad, text, particles, sound, parent, texture anim,
    // angular velocity, name values, media URL.
    let flags = u32::from_le_bytes(bytes[64..68].try_into().unwrap());
    assert_eq!(
        flags,
        0x01 | 0x04 | 0x08 | 0x10 | 0x20 | 0x40 | 0x80 | 0x100 | 0x200
    );
    let back = CompressedObject::decode(&bytes).unwrap();
    assert!(same_rotation(back.rotation, o.rotation, 1e-6));
    assert_eq!(
        CompressedObject {
            rotation: o.rotation,
            ..back.clone()
        },
        o
    );
    assert_eq!(back.encode().unwrap(), bytes);
    // Text colour alpha is inverted on the wire.
    let text_at = bytes
        .windows(8)
        .position(|w| w == b"Hello \xE2\x9C")
        .unwrap();
    assert_eq!(&bytes[text_at + 10..text_at + 14], &[255, 128, 0, 55]);
}

#[test]
fn tree_species_is_one_byte() {
    let tree = CompressedObject {
        pcode: PCode::NewTree,
        generic: GenericData::Tree(5),
        ..minimal_box()
    };
    let bytes = tree.encode().unwrap();
    assert_eq!(bytes.len(), minimal_box().encode().unwrap().len() + 1);
    assert_eq!(u32::from_le_bytes(bytes[64..68].try_into().unwrap()), 0x02);
    assert_eq!(CompressedObject::decode(&bytes).unwrap(), tree);
}

#[test]
fn compressed_errors_name_the_field() {
    let bytes = full_featured().encode().unwrap();
    for len in 0..bytes.len() {
        let err = CompressedObject::decode(&bytes[..len]).unwrap_err();
        let text = err.to_string();
        assert!(
            text.starts_with("ObjectUpdateCompressed.Data."),
            "truncated to {len}: {text}"
        );
    }
    // Unknown path curve on a prim is an error…
    let mut bad = minimal_box().encode().unwrap();
    let shape_at = bad.len() - 7 - PRIM_SHAPE_WIRE_LEN;
    bad[shape_at] = 0x55;
    assert_eq!(
        CompressedObject::decode(&bad),
        Err(ObjectDataError::Shape(PrimShapeError::UnknownPathCurve(
            0x55
        )))
    );
    // …but a tree's shape is not used, so it falls back to a box.
    bad[20] = PCode::Tree.code();
    assert_eq!(
        CompressedObject::decode(&bad).unwrap().shape,
        PrimShape::BOX
    );
    // Text without a terminator.
    let mut o = minimal_box();
    o.text = Some(HoverText {
        text: "x".into(),
        color: Rgba8::WHITE,
    });
    let mut b = o.encode().unwrap();
    let text_at = 68 + 16;
    b.truncate(text_at + 1);
    assert_eq!(
        CompressedObject::decode(&b),
        Err(ObjectDataError::Unterminated {
            field: "ObjectUpdateCompressed.Data.Text",
            offset: text_at
        })
    );
    // A huge extra-param length.
    let mut b = minimal_box().encode().unwrap();
    let ep = 68 + 16;
    b.splice(ep..ep + 1, [1, 0x10, 0x00, 0xFF, 0xFF, 0xFF, 0xFF]);
    assert!(matches!(
        CompressedObject::decode(&b),
        Err(ObjectDataError::Truncated {
            field: "ObjectUpdateCompressed.Data.ExtraParams data",
            needed: 0xFFFF_FFFF,
            ..
        })
    ));
    // Encoder refusals.
    let o = CompressedObject {
        name_values: Some("a\0b".into()),
        ..minimal_box()
    };
    assert!(matches!(
        o.encode(),
        Err(ObjectDataError::Unencodable { .. })
    ));
    let o = CompressedObject {
        generic: GenericData::ScratchPad(vec![0; 256]),
        ..minimal_box()
    };
    assert!(matches!(
        o.encode(),
        Err(ObjectDataError::Unencodable { .. })
    ));
}

fn compressed() -> impl Strategy<Value = CompressedObject> {
    (
        (
            any::<[u8; 16]>(),
            any::<u32>(),
            any::<u8>(),
            any::<u8>(),
            any::<u32>(),
            any::<u8>(),
            any::<u8>(),
        ),
        (
            vec3_in(0.01, 64.0),
            vec3_in(-10.0, 300.0),
            rotation(),
            prop::option::of(vec3_in(-5.0, 5.0)),
            prop::option::of(any::<u32>()),
        ),
        (
            prop_oneof![
                Just(GenericData::None),
                any::<u8>().prop_map(GenericData::Tree),
                prop::collection::vec(any::<u8>(), 0..40).prop_map(GenericData::ScratchPad)
            ],
            prop::option::of(("[a-zA-Z0-9 é✓]{0,30}", any::<[u8; 4]>())),
            prop::option::of("[a-z:/.]{0,30}"),
            prop::option::of(any::<u8>()),
            prop::collection::vec(
                (any::<u16>(), prop::collection::vec(any::<u8>(), 0..20)),
                0..4,
            ),
        ),
        (
            prop::option::of((any::<[u8; 16]>(), 0.0f32..1.0, any::<u8>(), 0.0f32..100.0)),
            prop::option::of("[A-Za-z ]{0,30}"),
            valid_wire(),
            prop::collection::vec(any::<u8>(), 0..64),
            prop::option::of(prop::collection::vec(any::<u8>(), 0..20)),
        ),
    )
        .prop_map(|(ids, motion, opt1, opt2)| {
            let (full, local_id, pcode, state, crc, material, click) = ids;
            let (scale, position, rotation, angular_velocity, parent_id) = motion;
            let (generic, text, media_url, particles, extra) = opt1;
            let (sound, name_values, wire, te, anim) = opt2;
            CompressedObject {
                full_id: Uuid::from_bytes(full),
                local_id,
                pcode: PCode::from_code(pcode),
                state,
                crc,
                material: ObjectMaterial::from_code(material),
                click_action: click,
                scale,
                position,
                rotation,
                owner_id: Uuid::from_bytes([7; 16]),
                angular_velocity,
                parent_id,
                generic,
                text: text.map(|(text, c)| HoverText {
                    text,
                    color: Rgba8 {
                        r: c[0],
                        g: c[1],
                        b: c[2],
                        a: c[3],
                    },
                }),
                media_url,
                particles: particles.map(|b| Box::new([b; PARTICLE_BLOCK_LEN])),
                extra_params: extra
                    .into_iter()
                    .map(|(kind, data)| ExtraParam { kind, data })
                    .collect(),
                sound: sound.map(|(id, gain, flags, radius)| AttachedSound {
                    sound_id: Uuid::from_bytes(id),
                    gain,
                    flags,
                    radius,
                }),
                name_values,
                shape: PrimShape::from_wire(&wire).unwrap(),
                texture_entry: te,
                texture_anim: anim,
            }
        })
}

proptest! {
    #[test]
    fn compressed_round_trips(o in compressed()) {
        let bytes = o.encode().unwrap();
        let back = CompressedObject::decode(&bytes).unwrap();
        prop_assert!(same_rotation(back.rotation, o.rotation, 1e-5));
        prop_assert_eq!(&CompressedObject { rotation: o.rotation, ..back.clone() }, &o);
        prop_assert_eq!(back.encode().unwrap(), bytes);
    }

    #[test]
    fn arbitrary_compressed_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..400)) {
        let _ = CompressedObject::decode(&bytes);
    }

    #[test]
    fn corrupted_compressed_never_panics(pos in any::<prop::sample::Index>(), byte in any::<u8>()) {
        let mut b = full_featured().encode().unwrap();
        let i = pos.index(b.len());
        b[i] = byte;
        if let Ok(o) = CompressedObject::decode(&b) {
            // Whatever decodes re-encodes.
            prop_assert!(o.encode().is_ok());
        }
    }
}

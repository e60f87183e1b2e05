//! TextureEntry blobs: hand-worked golden bytes, round trips, and hostile
//! input.

use kestrel_protocol::texture_entry::{
    Bump, DEFAULT_TEXTURE, FaceMaterial, FaceMedia, Glow, MAX_FACES, Rgba8, Shininess, TeSection,
    TexMapping, TexOffset, TexRotation, TextureEntry, TextureEntryError, TextureFace,
};
use kestrel_protocol::types::Uuid;
use proptest::prelude::*;

const PLYWOOD: [u8; 16] = [
    0x89, 0x55, 0x67, 0x47, 0x24, 0xcb, 0x43, 0xed, 0x92, 0x0b, 0x47, 0xca, 0xed, 0x15, 0x46, 0x5f,
];

/// The default face alone: each section is its default value, sections
/// separated by a 0, none after the last (glow).
fn one_face_golden() -> Vec<u8> {
    let mut b = Vec::new();
    b.extend_from_slice(&PLYWOOD);
    b.push(0);
    b.extend_from_slice(&[0, 0, 0, 0, 0]); // white, inverted = 0,0,0,0
    b.extend_from_slice(&[0x00, 0x00, 0x80, 0x3F, 0]); // repeat U 1.0
    b.extend_from_slice(&[0x00, 0x00, 0x80, 0x3F, 0]); // repeat V 1.0
    b.extend_from_slice(&[0, 0, 0]); // offset U
    b.extend_from_slice(&[0, 0, 0]); // offset V
    b.extend_from_slice(&[0, 0, 0]); // rotation
    b.extend_from_slice(&[0, 0]); // material
    b.extend_from_slice(&[0, 0]); // media
    b.push(0); // glow, the last section: no terminator
    b
}

#[test]
fn golden_single_face() {
    let te = TextureEntry::default();
    assert_eq!(te.default_face().texture_id, DEFAULT_TEXTURE);
    let bytes = te.encode();
    assert_eq!(bytes, one_face_golden());
    assert_eq!(bytes.len(), 46);
    let decoded = TextureEntry::decode(&bytes).unwrap();
    assert_eq!(decoded, te);
    assert_eq!(decoded.overridden_faces().count(), 0);
    assert_eq!(decoded.face(7), *te.default_face());
}

#[test]
fn golden_default_face_with_material_id() {
    // A material id on the default face adds the MaterialID section after
    // Glow: a 0 ends the glow section, then the 16-byte default id, and the
    // blob ends (no exceptions, no terminator): 46 + 1 + 16 = 63 bytes.
    let te = TextureEntry::new(TextureFace {
        material_id: t(0x5A),
        ..TextureFace::default()
    });
    let mut expected = one_face_golden();
    expected.push(0);
    expected.extend_from_slice(&[0x5A; 16]);
    let bytes = te.encode();
    assert_eq!(bytes, expected);
    assert_eq!(bytes.len(), 63);
    assert_eq!(TextureEntry::decode(&bytes).unwrap(), te);
}

#[test]
fn a_terminator_after_the_last_section_is_accepted() {
    // Some encoders (OpenSim's libopenmetaverse, Kestrel before the fix)
    // end the last section with a 0 too: the same entry, and re-encoding
    // gives the canonical bytes without it.
    let mut with_zero = one_face_golden();
    with_zero.push(0);
    assert_eq!(with_zero.len(), 47);
    let te = TextureEntry::decode(&with_zero).unwrap();
    assert_eq!(te, TextureEntry::default());
    assert_eq!(te.encode(), one_face_golden());

    let mut mixed = mixed_entry().encode();
    mixed.push(0);
    let te = TextureEntry::decode(&mixed).unwrap();
    assert_eq!(te, mixed_entry());
    assert_eq!(te.encode(), mixed_entry().encode());
}

fn t(n: u8) -> Uuid {
    Uuid::from_bytes([n; 16])
}

/// Faces 1 and 3 share texture T2, face 8 is red, face 3 repeats twice
/// and glows, face 1 is fullbright, face 44 has a render material.
fn mixed_entry() -> TextureEntry {
    let base = TextureFace::new(t(0x11));
    let mut te = TextureEntry::new(base);
    let mut f1 = base;
    f1.texture_id = t(0x22);
    f1.material = FaceMaterial::new(Bump::None, Shininess::None, true);
    let mut f3 = base;
    f3.texture_id = t(0x22);
    f3.repeat_u = 2.0;
    f3.glow = Glow::from_f32(0.5);
    let mut f8 = base;
    f8.color = Rgba8 {
        r: 255,
        g: 0,
        b: 0,
        a: 255,
    };
    let mut f44 = base;
    f44.material_id = t(0x33);
    te.set_face(1, f1).unwrap();
    te.set_face(3, f3).unwrap();
    te.set_face(8, f8).unwrap();
    te.set_face(44, f44).unwrap();
    te
}

#[test]
fn golden_mixed_faces() {
    let mut b = Vec::new();
    // Texture: default T1; faces 1 and 3 (mask 0b1010) use T2.
    b.extend_from_slice(&[0x11; 16]);
    b.push(0x0A);
    b.extend_from_slice(&[0x22; 16]);
    b.push(0);
    // Colour: default white; face 8 (mask 256 = 0x82 0x00) red, inverted.
    b.extend_from_slice(&[0, 0, 0, 0]);
    b.extend_from_slice(&[0x82, 0x00, 0x00, 0xFF, 0xFF, 0x00]);
    b.push(0);
    // Repeat U: default 1.0; face 3 (mask 0x08) 2.0.
    b.extend_from_slice(&[0x00, 0x00, 0x80, 0x3F, 0x08, 0x00, 0x00, 0x00, 0x40, 0]);
    // Repeat V, offsets, rotation: defaults only.
    b.extend_from_slice(&[0x00, 0x00, 0x80, 0x3F, 0]);
    b.extend_from_slice(&[0, 0, 0, 0, 0, 0, 0, 0, 0]);
    // Material: face 1 (mask 0x02) fullbright 0x20.
    b.extend_from_slice(&[0x00, 0x02, 0x20, 0]);
    // Media: default only.
    b.extend_from_slice(&[0, 0]);
    // Glow: face 3 (mask 0x08) 0.5 → 128.
    b.extend_from_slice(&[0x00, 0x08, 128, 0]);
    // Material id: default nil; face 44: mask 1<<44 in seven 7-bit groups.
    b.extend_from_slice(&[0; 16]);
    b.extend_from_slice(&[0x84, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00]);
    b.extend_from_slice(&[0x33; 16]);
    // The last section ends with the blob: no terminator.

    let te = mixed_entry();
    assert_eq!(te.encode(), b);
    let decoded = TextureEntry::decode(&b).unwrap();
    assert_eq!(decoded, te);
    assert_eq!(decoded.face(1).texture_id, t(0x22));
    assert!(decoded.face(1).material.fullbright());
    assert_eq!(decoded.face(3).texture_id, t(0x22));
    assert_eq!(decoded.face(3).repeat_u, 2.0);
    assert_eq!(decoded.face(3).glow, Glow(128));
    assert_eq!(
        decoded.face(8).color,
        Rgba8 {
            r: 255,
            g: 0,
            b: 0,
            a: 255
        }
    );
    assert_eq!(decoded.face(8).texture_id, t(0x11));
    assert_eq!(decoded.face(44).material_id, t(0x33));
    assert_eq!(decoded.face(2), *decoded.default_face());
    let overridden: Vec<usize> = decoded.overridden_faces().map(|(i, _)| i).collect();
    assert_eq!(overridden, vec![1, 3, 8, 44]);
}

#[test]
fn older_blobs_without_glow_or_material_decode() {
    let full = one_face_golden();
    // Without the glow section (45 bytes: through the media terminator).
    let te = TextureEntry::decode(&full[..full.len() - 1]).unwrap();
    assert_eq!(te.default_face().glow, Glow(0));
    // Media exceptions ending at the end of the buffer, no terminator.
    let mut b = full[..full.len() - 2].to_vec();
    b.extend_from_slice(&[0x04, 0x03]); // face 2: media flag + planar
    let te = TextureEntry::decode(&b).unwrap();
    assert!(te.face(2).media.has_media());
    assert_eq!(te.face(2).media.mapping(), TexMapping::Planar);
    assert!(!te.face(1).media.has_media());
}

#[test]
fn section_values_decode_to_their_units() {
    let mut f = TextureFace::new(t(1));
    f.offset_u = TexOffset::from_f32(-0.25);
    f.rotation = TexRotation::from_radians(std::f32::consts::FRAC_PI_2);
    f.material = FaceMaterial::new(Bump::Bricks, Shininess::High, false);
    f.media = FaceMedia::new(false, TexMapping::Planar);
    let te = TextureEntry::decode(&TextureEntry::new(f).encode()).unwrap();
    let d = te.default_face();
    assert!((d.offset_u.to_f32() + 0.25).abs() < 1.0 / 32767.0);
    assert!((d.rotation.to_radians() - std::f32::consts::FRAC_PI_2).abs() < 1e-3);
    assert_eq!(d.rotation, TexRotation(8192));
    assert_eq!(d.material.bump(), Bump::Bricks);
    assert_eq!(d.material.shininess(), Shininess::High);
    assert!(!d.material.fullbright());
    assert_eq!(d.media.mapping(), TexMapping::Planar);
}

#[test]
fn errors_name_the_section() {
    assert_eq!(TextureEntry::decode(&[]), Err(TextureEntryError::Empty));
    let full = one_face_golden();
    // Cut inside the repeat-U default (offset 22, 4 bytes needed).
    let err = TextureEntry::decode(&full[..24]).unwrap_err();
    assert_eq!(
        err,
        TextureEntryError::Truncated {
            section: TeSection::RepeatU,
            offset: 22,
            needed: 4,
            len: 24
        }
    );
    assert!(err.to_string().contains("RepeatU"), "{err}");
    // A face mask whose value is cut short.
    let mut b = PLYWOOD.to_vec();
    b.extend_from_slice(&[0x01, 0xAA]);
    assert!(matches!(
        TextureEntry::decode(&b),
        Err(TextureEntryError::Truncated {
            section: TeSection::TextureId,
            offset: 17,
            needed: 16,
            ..
        })
    ));
    // A mask that never ends within 64 bits.
    let mut b = PLYWOOD.to_vec();
    b.extend_from_slice(&[0xFF; 12]);
    assert!(matches!(
        TextureEntry::decode(&b),
        Err(TextureEntryError::MaskOverflow {
            section: TeSection::TextureId,
            offset: 16
        })
    ));
    // A NaN repeat.
    let mut b = full.clone();
    b[22..26].copy_from_slice(&f32::NAN.to_le_bytes());
    assert_eq!(
        TextureEntry::decode(&b),
        Err(TextureEntryError::NotFinite {
            section: TeSection::RepeatU,
            offset: 22
        })
    );
    assert_eq!(
        TextureEntry::default().set_face(MAX_FACES, TextureFace::default()),
        Err(TextureEntryError::FaceOutOfRange(MAX_FACES))
    );
}

#[test]
fn faces_equal_to_the_default_are_not_exceptions() {
    let mut te = TextureEntry::default();
    te.set_face(5, *te.default_face()).unwrap();
    assert_eq!(te.overridden_faces().count(), 0);
    assert_eq!(te.encode(), one_face_golden());
}

fn uuid() -> impl Strategy<Value = Uuid> {
    prop_oneof![
        Just(Uuid::NIL),
        Just(t(1)),
        Just(t(2)),
        any::<[u8; 16]>().prop_map(Uuid::from_bytes)
    ]
}

fn face() -> impl Strategy<Value = TextureFace> {
    (
        (
            uuid(),
            any::<[u8; 4]>(),
            prop_oneof![Just(1.0f32), -100.0f32..100.0],
            prop_oneof![Just(1.0f32), -100.0f32..100.0],
        ),
        (any::<i16>(), any::<i16>(), any::<i16>()),
        (any::<u8>(), any::<u8>(), any::<u8>(), uuid()),
    )
        .prop_map(
            |((id, c, ru, rv), (ou, ov, rot), (mat, media, glow, mid))| TextureFace {
                texture_id: id,
                color: Rgba8 {
                    r: c[0],
                    g: c[1],
                    b: c[2],
                    a: c[3],
                },
                repeat_u: ru,
                repeat_v: rv,
                offset_u: TexOffset(ou),
                offset_v: TexOffset(ov),
                rotation: TexRotation(rot),
                material: FaceMaterial(mat),
                media: FaceMedia(media),
                glow: Glow(glow),
                material_id: mid,
            },
        )
}

proptest! {
    #[test]
    fn round_trip(default in face(), faces in prop::collection::vec((0usize..MAX_FACES, face()), 0..12)) {
        let mut te = TextureEntry::new(default);
        for (i, f) in faces {
            te.set_face(i, f).unwrap();
        }
        let bytes = te.encode();
        let decoded = TextureEntry::decode(&bytes).unwrap();
        prop_assert_eq!(&decoded, &te);
        for i in 0..MAX_FACES {
            prop_assert_eq!(decoded.face(i), te.face(i));
        }
        prop_assert_eq!(decoded.encode(), bytes);
    }

    #[test]
    fn float_conversions_round_trip_within_a_quantum(o in -1.0f32..1.0, r in -3.1f32..3.1, g in 0.0f32..1.0) {
        prop_assert!((TexOffset::from_f32(o).to_f32() - o).abs() <= 0.5 / 32767.0 + 1e-6);
        prop_assert!((TexRotation::from_radians(r).to_radians() - r).abs() <= std::f32::consts::PI / 32768.0 + 1e-5);
        prop_assert!((Glow::from_f32(g).to_f32() - g).abs() <= 0.5 / 255.0 + 1e-6);
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..300)) {
        if let Ok(te) = TextureEntry::decode(&bytes) {
            // Whatever decodes re-encodes to something that decodes the same.
            let again = TextureEntry::decode(&te.encode()).unwrap();
            prop_assert_eq!(again, te);
        }
    }

    #[test]
    fn corrupted_entries_never_panic(pos in any::<prop::sample::Index>(), byte in any::<u8>()) {
        let mut b = mixed_entry().encode();
        let i = pos.index(b.len());
        b[i] = byte;
        let _ = TextureEntry::decode(&b);
    }
}

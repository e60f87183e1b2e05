//! `ObjectUpdate.ObjectData` (76/60/48/32/16 bytes) and
//! `ImprovedTerseObjectUpdate.ObjectData` (44/60 bytes): golden bytes built
//! by hand from the layouts, quantization round trips, hostile input.

use glam::{Quat, Vec3, Vec4};
use kestrel_protocol::object_data::{
    MotionPrecision, ObjectDataError, ObjectMotion, ObjectUpdateMotion, QuantRanges, TerseUpdate,
};
use proptest::prelude::*;

mod object_data_support;

use object_data_support::*;

#[test]
fn golden_sixty_byte_object_data() {
    let s = std::f32::consts::FRAC_1_SQRT_2;
    let bytes = le_vec(&[
        128.0, 64.0, 25.5, 1.0, -2.0, 0.5, 0.0, 0.0, -9.8, 0.0, 0.0, s, 0.0, 0.0, 0.25,
    ]);
    assert_eq!(bytes.len(), 60);
    let d = ObjectUpdateMotion::decode(&bytes, &QuantRanges::default()).unwrap();
    assert_eq!(d.precision, MotionPrecision::F32);
    assert_eq!(d.collision_plane, None);
    assert_eq!(d.motion.position, Vec3::new(128.0, 64.0, 25.5));
    assert_eq!(d.motion.velocity, Vec3::new(1.0, -2.0, 0.5));
    assert_eq!(d.motion.acceleration, Vec3::new(0.0, 0.0, -9.8));
    assert!(same_rotation(
        d.motion.rotation,
        Quat::from_rotation_z(std::f32::consts::FRAC_PI_2),
        1e-6
    ));
    assert_eq!(d.motion.angular_velocity, Vec3::new(0.0, 0.0, 0.25));
    assert_eq!(d.encode(&QuantRanges::default()).unwrap(), bytes);

    let mut with_plane = le_vec(&[0.0, 0.0, 1.0, -22.0]);
    with_plane.extend_from_slice(&bytes);
    let d = ObjectUpdateMotion::decode(&with_plane, &QuantRanges::default()).unwrap();
    assert_eq!(d.collision_plane, Some(Vec4::new(0.0, 0.0, 1.0, -22.0)));
    assert_eq!(d.encode(&QuantRanges::default()).unwrap(), with_plane);
}

#[test]
fn golden_thirty_two_byte_object_data() {
    // x: 49151 of 65535 over -128..384 → 256.0 (to within a step); y:
    // 16384 → 0.002, within a step of 0 → exactly 0;
    // velocity 32768 over ±256 is within a step of 0 → exactly 0;
    // rotation w = 65535 → 1, x/y/z = 32768 → 0.
    let mut b = Vec::new();
    for v in [
        49151u16, 16384, 4096, 32768, 32768, 65535, 32768, 32768, 0, 32768, 32768, 32768, 65535,
        32768, 32768, 32768,
    ] {
        b.extend_from_slice(&v.to_le_bytes());
    }
    let d = ObjectUpdateMotion::decode(&b, &QuantRanges::default()).unwrap();
    let step = 512.0 / 65535.0;
    assert!((d.motion.position.x - 256.0).abs() <= step);
    assert_eq!(d.motion.position.y, 0.0);
    assert!((d.motion.position.z - (-256.0 + 4096.0 / 65535.0 * 4352.0)).abs() < 1e-3);
    assert_eq!(d.motion.velocity, Vec3::new(0.0, 0.0, 256.0));
    assert_eq!(d.motion.acceleration, Vec3::new(0.0, 0.0, -256.0));
    assert_eq!(d.motion.rotation, Quat::IDENTITY);
    assert_eq!(d.precision, MotionPrecision::U16);
    assert_eq!(d.encode(&QuantRanges::default()).unwrap(), b);
}

#[test]
fn object_data_errors_name_the_field() {
    let ranges = QuantRanges::default();
    let err = ObjectUpdateMotion::decode(&[0; 59], &ranges).unwrap_err();
    assert_eq!(
        err,
        ObjectDataError::BadLength {
            what: "ObjectUpdate.ObjectData",
            len: 59,
            expected: "76, 60, 48, 32 or 16"
        }
    );
    let mut bytes = vec![0u8; 60];
    bytes[12..16].copy_from_slice(&f32::NAN.to_le_bytes());
    let err = ObjectUpdateMotion::decode(&bytes, &ranges).unwrap_err();
    assert_eq!(
        err,
        ObjectDataError::NotFinite {
            field: "ObjectUpdate.ObjectData.Velocity"
        }
    );
    let u8_with_plane = ObjectUpdateMotion {
        motion: ObjectMotion::default(),
        collision_plane: Some(Vec4::W),
        precision: MotionPrecision::U8,
    };
    assert!(matches!(
        u8_with_plane.encode(&ranges),
        Err(ObjectDataError::Unencodable { .. })
    ));
}

#[test]
fn degenerate_ranges_never_panic() {
    let m = ObjectUpdateMotion {
        motion: ObjectMotion::default(),
        collision_plane: None,
        precision: MotionPrecision::U16,
    };
    for ranges in [
        QuantRanges {
            region_width: 0.0,
            min_height: 10.0,
            max_height: -10.0,
        },
        QuantRanges {
            region_width: f32::NAN,
            min_height: f32::NAN,
            max_height: 1.0,
        },
        QuantRanges {
            region_width: -256.0,
            min_height: 0.0,
            max_height: 0.0,
        },
    ] {
        let bytes = m.encode(&ranges).unwrap();
        assert_eq!(bytes.len(), 32);
        let _ = ObjectUpdateMotion::decode(&bytes, &ranges);
    }
}

proptest! {
    #[test]
    fn f32_object_data_round_trips(m in motion(-128.0, 384.0, 200.0, 200.0, 200.0), plane in prop::option::of(vec3_in(-1.0, 1.0))) {
        let d = ObjectUpdateMotion { motion: m, collision_plane: plane.map(|p| p.extend(-3.0)), precision: MotionPrecision::F32 };
        let bytes = d.encode(&QuantRanges::default()).unwrap();
        prop_assert_eq!(bytes.len(), if plane.is_some() { 76 } else { 60 });
        let back = ObjectUpdateMotion::decode(&bytes, &QuantRanges::default()).unwrap();
        prop_assert_eq!(back.motion.position, m.position);
        prop_assert_eq!(back.motion.velocity, m.velocity);
        prop_assert_eq!(back.motion.acceleration, m.acceleration);
        prop_assert_eq!(back.motion.angular_velocity, m.angular_velocity);
        prop_assert_eq!(back.collision_plane, d.collision_plane);
        // w is rebuilt from x, y, z: exact up to float rounding near w = 0.
        prop_assert!(same_rotation(back.motion.rotation, m.rotation, 1e-5));
    }

    #[test]
    fn u16_object_data_round_trips_within_a_step(m in motion(-128.0, 384.0, 256.0, 256.0, 256.0)) {
        let ranges = QuantRanges::default();
        let d = ObjectUpdateMotion { motion: m, collision_plane: None, precision: MotionPrecision::U16 };
        let back = ObjectUpdateMotion::decode(&d.encode(&ranges).unwrap(), &ranges).unwrap().motion;
        // Half a step from rounding plus up to one step from the zero snap.
        let step = |span: f32| 1.5 * span / 65535.0 + 1e-4;
        prop_assert!((back.position.x - m.position.x).abs() <= step(512.0));
        prop_assert!((back.position.z - m.position.z).abs() <= step(4352.0));
        prop_assert!(close3(back.velocity, m.velocity, step(512.0)));
        prop_assert!(close3(back.acceleration, m.acceleration, step(512.0)));
        prop_assert!(close3(back.angular_velocity, m.angular_velocity, step(512.0)));
        prop_assert!(same_rotation(back.rotation, m.rotation, 1e-6));
    }

    #[test]
    fn u8_object_data_round_trips_within_a_step(m in motion(-128.0, 384.0, 256.0, 256.0, 256.0)) {
        let ranges = QuantRanges::default();
        let d = ObjectUpdateMotion { motion: m, collision_plane: None, precision: MotionPrecision::U8 };
        let bytes = d.encode(&ranges).unwrap();
        prop_assert_eq!(bytes.len(), 16);
        let back = ObjectUpdateMotion::decode(&bytes, &ranges).unwrap().motion;
        let step = |span: f32| 1.5 * span / 255.0 + 1e-3;
        prop_assert!((back.position.y - m.position.y).abs() <= step(512.0));
        prop_assert!(close3(back.velocity, m.velocity, step(512.0)));
        // Each quaternion component is within 1.5/255·2 before renormalizing.
        prop_assert!(same_rotation(back.rotation, m.rotation, 1e-3));
    }

    #[test]
    fn arbitrary_object_data_never_panics(bytes in prop::collection::vec(any::<u8>(), 0..80)) {
        let _ = ObjectUpdateMotion::decode(&bytes, &QuantRanges::default());
    }
}

#[test]
fn golden_terse_prim_update() {
    let mut b = vec![0x04, 0x03, 0x02, 0x01, 0x00, 0x00];
    b.extend_from_slice(&le_vec(&[10.0, 20.0, 30.0]));
    // velocity 0,0,+128; acceleration 0,0,-64; rotation identity; spin 0.
    for v in [
        32768u16, 32768, 65535, 32768, 32768, 0, 32768, 32768, 32768, 65535, 32768, 32768, 32768,
    ] {
        b.extend_from_slice(&v.to_le_bytes());
    }
    assert_eq!(b.len(), TerseUpdate::PRIM_LEN);
    let t = TerseUpdate::decode(&b).unwrap();
    assert_eq!(t.local_id, 0x0102_0304);
    assert!(!t.is_avatar());
    assert_eq!(t.motion.position, Vec3::new(10.0, 20.0, 30.0));
    assert_eq!(t.motion.velocity, Vec3::new(0.0, 0.0, 128.0));
    assert_eq!(t.motion.acceleration, Vec3::new(0.0, 0.0, -64.0));
    assert_eq!(t.motion.rotation, Quat::IDENTITY);
    assert_eq!(t.motion.angular_velocity, Vec3::ZERO);
    assert_eq!(t.encode().unwrap(), b);
}

#[test]
fn terse_avatar_update_carries_the_collision_plane() {
    let t = TerseUpdate {
        local_id: 77,
        state: 3,
        collision_plane: Some(Vec4::new(0.0, 0.0, 1.0, -21.5)),
        motion: ObjectMotion {
            position: Vec3::new(128.0, 128.0, 22.0),
            ..ObjectMotion::default()
        },
    };
    let bytes = t.encode().unwrap();
    assert_eq!(bytes.len(), TerseUpdate::AVATAR_LEN);
    assert_eq!(&bytes[4..6], &[3, 1]);
    assert_eq!(&bytes[6..22], le_vec(&[0.0, 0.0, 1.0, -21.5]).as_slice());
    assert_eq!(TerseUpdate::decode(&bytes).unwrap(), t);
}

#[test]
fn terse_length_must_match_the_avatar_flag() {
    let mut prim = TerseUpdate {
        local_id: 1,
        state: 0,
        collision_plane: None,
        motion: ObjectMotion::default(),
    }
    .encode()
    .unwrap();
    prim[5] = 1; // claims to be an avatar in 44 bytes
    assert!(matches!(
        TerseUpdate::decode(&prim),
        Err(ObjectDataError::BadLength { len: 44, .. })
    ));
    assert!(matches!(
        TerseUpdate::decode(&[0; 50]),
        Err(ObjectDataError::BadLength { len: 50, .. })
    ));
}

proptest! {
    #[test]
    fn terse_round_trips_within_quantization(
        local_id in any::<u32>(),
        state in any::<u8>(),
        plane in prop::option::of(vec3_in(-1.0, 1.0)),
        m in motion(-100.0, 400.0, 128.0, 64.0, 64.0),
    ) {
        let t = TerseUpdate { local_id, state, collision_plane: plane.map(|p| p.extend(1.5)), motion: m };
        let back = TerseUpdate::decode(&t.encode().unwrap()).unwrap();
        prop_assert_eq!(back.local_id, local_id);
        prop_assert_eq!(back.state, state);
        prop_assert_eq!(back.collision_plane, t.collision_plane);
        prop_assert_eq!(back.motion.position, m.position);
        prop_assert!(close3(back.motion.velocity, m.velocity, 1.5 * 256.0 / 65535.0 + 1e-4));
        prop_assert!(close3(back.motion.acceleration, m.acceleration, 1.5 * 128.0 / 65535.0 + 1e-4));
        prop_assert!(close3(back.motion.angular_velocity, m.angular_velocity, 1.5 * 128.0 / 65535.0 + 1e-4));
        prop_assert!(same_rotation(back.motion.rotation, m.rotation, 1e-6));
    }

    #[test]
    fn arbitrary_terse_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..70)) {
        let _ = TerseUpdate::decode(&bytes);
    }
}

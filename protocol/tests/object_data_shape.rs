//! Prim shape quantization: the integer `ObjectUpdate` shape fields ↔
//! `PrimShape`, the 23-byte compressed layout, and the standard prims.

use kestrel_protocol::object_data::{
    HoleShape, ObjectDataError, PRIM_SHAPE_WIRE_LEN, PathCurve, PrimShape, PrimShapeError,
    PrimShapeWire, ProfileShape, StandardPrim,
};
use proptest::prelude::*;

mod object_data_support;

use object_data_support::*;

#[test]
fn box_wire_fields_decode_to_the_box() {
    assert_eq!(PrimShape::from_wire(&box_wire()), Ok(PrimShape::BOX));
    assert_eq!(PrimShape::BOX.to_wire(), box_wire());
}

#[test]
fn hand_worked_field_values() {
    let w = PrimShapeWire {
        path_curve: 0x20,
        profile_curve: 0x25, // square hole, half-circle profile
        path_begin: 12_500,  // 0.25
        path_end: 10_000,    // 1 - 0.2 = 0.8
        path_scale_x: 150,   // (200 - 150) / 100 = 0.5
        path_scale_y: 0,     // 2.0
        path_shear_x: 0xCE,  // -50 → -0.5
        path_shear_y: 25,    // 0.25
        path_twist: -100,    // -1.0
        path_twist_begin: 45,
        path_radius_offset: -20,
        path_taper_x: 100,
        path_taper_y: -1,
        path_revolutions: 200, // 1 + 200 · 0.015 = 4.0
        path_skew: 10,
        profile_begin: 5_000,   // 0.1
        profile_end: 0,         // 1.0
        profile_hollow: 25_000, // 0.5
    };
    let s = PrimShape::from_wire(&w).unwrap();
    assert_eq!(
        (s.path, s.profile, s.hole),
        (
            PathCurve::Circle,
            ProfileShape::HalfCircle,
            HoleShape::Square
        )
    );
    let close = |a: f32, b: f32| (a - b).abs() < 1e-6;
    assert!(close(s.path_begin, 0.25));
    assert!(close(s.path_end, 0.8));
    assert!(close(s.path_scale_x, 0.5));
    assert!(close(s.path_scale_y, 2.0));
    assert!(close(s.path_shear_x, -0.5));
    assert!(close(s.path_shear_y, 0.25));
    assert!(close(s.path_twist, -1.0));
    assert!(close(s.path_twist_begin, 0.45));
    assert!(close(s.path_radius_offset, -0.2));
    assert!(close(s.path_taper_x, 1.0));
    assert!(close(s.path_taper_y, -0.01));
    assert!(close(s.path_revolutions, 4.0));
    assert!(close(s.path_skew, 0.1));
    assert!(close(s.profile_begin, 0.1));
    assert!(close(s.profile_end, 1.0));
    assert!(close(s.profile_hollow, 0.5));
    assert_eq!(s.to_wire(), w);
}

#[test]
fn out_of_range_wire_values_are_clamped() {
    let w = PrimShapeWire {
        path_scale_x: 250,      // -0.5 → 0.0
        path_shear_x: 0x7F,     // 1.27 → 0.5
        path_twist: 127,        // 1.27 → 1.0
        path_revolutions: 255,  // 4.825 → 4.0
        path_end: 60_000,       // -0.2 → 0.0
        profile_hollow: 60_000, // 1.2 → 0.99
        ..box_wire()
    };
    let s = PrimShape::from_wire(&w).unwrap();
    assert_eq!(s.path_scale_x, 0.0);
    assert_eq!(s.path_shear_x, 0.5);
    assert_eq!(s.path_twist, 1.0);
    assert_eq!(s.path_revolutions, 4.0);
    assert_eq!(s.path_end, 0.0);
    assert!((s.profile_hollow - 0.99).abs() < 1e-6);
}

#[test]
fn unknown_curve_codes_name_the_field() {
    let err = PrimShape::from_wire(&PrimShapeWire {
        path_curve: 0x50,
        ..box_wire()
    })
    .unwrap_err();
    assert_eq!(err, PrimShapeError::UnknownPathCurve(0x50));
    assert!(err.to_string().starts_with("PathCurve"), "{err}");
    let err = PrimShape::from_wire(&PrimShapeWire {
        profile_curve: 0x06,
        ..box_wire()
    })
    .unwrap_err();
    assert_eq!(err, PrimShapeError::UnknownProfileShape(0x06));
    assert!(
        err.to_string().contains("ProfileCurve") && err.to_string().contains("profile shape 6"),
        "{err}"
    );
    let err = PrimShape::from_wire(&PrimShapeWire {
        profile_curve: 0x41,
        ..box_wire()
    })
    .unwrap_err();
    assert_eq!(err, PrimShapeError::UnknownHoleShape(0x41));
    assert!(err.to_string().contains("hole shape 4"), "{err}");
}

#[test]
fn standard_prims_have_build_tool_defaults() {
    use PathCurve::*;
    let expect = [
        (
            StandardPrim::Box,
            Line,
            ProfileShape::Square,
            (1.0, 1.0),
            0.0,
        ),
        (
            StandardPrim::Cylinder,
            Line,
            ProfileShape::Circle,
            (1.0, 1.0),
            0.0,
        ),
        (
            StandardPrim::Prism,
            Line,
            ProfileShape::Square,
            (0.0, 1.0),
            -0.5,
        ),
        (
            StandardPrim::Sphere,
            Circle,
            ProfileShape::HalfCircle,
            (1.0, 1.0),
            0.0,
        ),
        (
            StandardPrim::Torus,
            Circle,
            ProfileShape::Circle,
            (1.0, 0.25),
            0.0,
        ),
        (
            StandardPrim::Tube,
            Circle,
            ProfileShape::Square,
            (1.0, 0.25),
            0.0,
        ),
        (
            StandardPrim::Ring,
            Circle,
            ProfileShape::EqualTriangle,
            (1.0, 0.25),
            0.0,
        ),
        (
            StandardPrim::Pyramid,
            Line,
            ProfileShape::Square,
            (0.0, 0.0),
            0.0,
        ),
        (
            StandardPrim::Cone,
            Line,
            ProfileShape::Circle,
            (0.0, 0.0),
            0.0,
        ),
    ];
    assert_eq!(StandardPrim::ALL.len(), expect.len());
    for (kind, path, profile, (sx, sy), shear_x) in expect {
        let s = kind.shape();
        assert_eq!(
            (s.path, s.profile, s.hole),
            (path, profile, HoleShape::Same),
            "{kind:?}"
        );
        assert_eq!(
            (s.path_scale_x, s.path_scale_y, s.path_shear_x),
            (sx, sy, shear_x),
            "{kind:?}"
        );
        assert_eq!(
            (s.path_begin, s.path_end, s.profile_begin, s.profile_end),
            (0.0, 1.0, 0.0, 1.0)
        );
        // Every standard prim survives the wire exactly.
        assert_eq!(PrimShape::from_wire(&s.to_wire()), Ok(s), "{kind:?}");
    }
    // Hand-worked wire bytes of the torus and the prism.
    let torus = PrimShape::TORUS.to_wire();
    assert_eq!(
        (torus.path_curve, torus.profile_curve, torus.path_scale_y),
        (0x20, 0x00, 175)
    );
    let prism = PrimShape::PRISM.to_wire();
    assert_eq!((prism.path_scale_x, prism.path_shear_x), (200, 0xCE));
}

#[test]
fn shape_wire_bytes_layout() {
    let w = PrimShapeWire {
        path_curve: 0x20,
        path_begin: 0x0102,
        path_end: 0x0304,
        path_twist: -2,
        profile_curve: 0x13,
        profile_hollow: 0xA0B0,
        ..box_wire()
    };
    let mut out = Vec::new();
    w.write(&mut out);
    assert_eq!(out.len(), PRIM_SHAPE_WIRE_LEN);
    assert_eq!(
        out,
        [
            0x20, 0x02, 0x01, 0x04, 0x03, 100, 100, 0, 0, 0xFE, 0, 0, 0, 0, 0, 0, 0x13, 0, 0, 0, 0,
            0xB0, 0xA0
        ]
    );
    assert_eq!(PrimShapeWire::read(&out), Ok(w));
    assert!(matches!(
        PrimShapeWire::read(&out[..20]),
        Err(ObjectDataError::Truncated {
            field: "ObjectUpdateCompressed.Data.ProfileEnd",
            ..
        })
    ));
}

proptest! {
    #[test]
    fn in_range_wire_shapes_round_trip_exactly(w in valid_wire()) {
        let s = PrimShape::from_wire(&w).unwrap();
        prop_assert_eq!(s.to_wire(), w);
        let mut bytes = Vec::new();
        w.write(&mut bytes);
        prop_assert_eq!(PrimShapeWire::read(&bytes).unwrap(), w);
    }

    #[test]
    fn shapes_round_trip_within_a_quantum(
        w in valid_wire(),
        jitter in prop::collection::vec(-0.4f32..0.4, 16),
    ) {
        // Any in-range shape (a grid value moved by < half a step) comes
        // back within half a quantum of each value.
        let s = PrimShape::from_wire(&w).unwrap();
        let cut = 0.00002f32;
        let mut t = s;
        let mut fields = [
            (&mut t.path_begin, cut), (&mut t.path_end, cut), (&mut t.path_scale_x, 0.01),
            (&mut t.path_scale_y, 0.01), (&mut t.path_shear_x, 0.01), (&mut t.path_shear_y, 0.01),
            (&mut t.path_twist, 0.01), (&mut t.path_twist_begin, 0.01), (&mut t.path_radius_offset, 0.01),
            (&mut t.path_taper_x, 0.01), (&mut t.path_taper_y, 0.01), (&mut t.path_revolutions, 0.015),
            (&mut t.path_skew, 0.01), (&mut t.profile_begin, cut), (&mut t.profile_end, cut),
            (&mut t.profile_hollow, cut),
        ];
        for ((v, q), j) in fields.iter_mut().zip(&jitter) {
            **v += j * *q;
        }
        let back = PrimShape::from_wire(&t.to_wire()).unwrap();
        prop_assert_eq!(back, s);
    }

    #[test]
    fn arbitrary_wire_fields_never_panic(bytes in prop::collection::vec(any::<u8>(), 23)) {
        let w = PrimShapeWire::read(&bytes).unwrap();
        if let Ok(s) = PrimShape::from_wire(&w) {
            prop_assert!((0.0..=1.0).contains(&s.path_begin) && (0.0..=1.0).contains(&s.path_end));
            prop_assert!((0.0..=2.0).contains(&s.path_scale_x) && (-0.5..=0.5).contains(&s.path_shear_y));
            prop_assert!((1.0..=4.0).contains(&s.path_revolutions) && (0.0..=0.99).contains(&s.profile_hollow));
        }
    }
}

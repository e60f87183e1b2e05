//! Helpers shared by the object-data test files.
#![allow(dead_code)] // each test crate uses a different subset

use glam::{Quat, Vec3};
use kestrel_protocol::object_data::{ObjectMotion, PrimShapeWire};
use proptest::prelude::*;

pub fn box_wire() -> PrimShapeWire {
    PrimShapeWire {
        path_curve: 0x10,
        profile_curve: 0x01,
        path_scale_x: 100,
        path_scale_y: 100,
        ..PrimShapeWire::default()
    }
}

pub fn valid_wire() -> impl Strategy<Value = PrimShapeWire> {
    (
        (
            prop::sample::select(vec![0x10u8, 0x20, 0x30, 0x40, 0x80]),
            0u8..6,
            prop::sample::select(vec![0x00u8, 0x10, 0x20, 0x30]),
            0u16..=50_000,
            0u16..=50_000,
            0u8..=200,
            0u8..=200,
        ),
        (
            -50i8..=50,
            -50i8..=50,
            -100i8..=100,
            -100i8..=100,
            -100i8..=100,
            -100i8..=100,
            -100i8..=100,
        ),
        (
            0u8..=200,
            -100i8..=100,
            0u16..=50_000,
            0u16..=50_000,
            0u16..=49_500,
        ),
    )
        .prop_map(
            |(
                (pc, prof, hole, pb, pe, sx, sy),
                (shx, shy, tw, twb, ro, tx, ty),
                (rev, skew, prb, pre, hol),
            )| {
                PrimShapeWire {
                    path_curve: pc,
                    profile_curve: prof | hole,
                    path_begin: pb,
                    path_end: pe,
                    path_scale_x: sx,
                    path_scale_y: sy,
                    path_shear_x: shx as u8,
                    path_shear_y: shy as u8,
                    path_twist: tw,
                    path_twist_begin: twb,
                    path_radius_offset: ro,
                    path_taper_x: tx,
                    path_taper_y: ty,
                    path_revolutions: rev,
                    path_skew: skew,
                    profile_begin: prb,
                    profile_end: pre,
                    profile_hollow: hol,
                }
            },
        )
}

pub fn le_vec(vs: &[f32]) -> Vec<u8> {
    vs.iter().flat_map(|v| v.to_le_bytes()).collect()
}

pub fn same_rotation(a: Quat, b: Quat, tol: f32) -> bool {
    a.dot(b).abs() >= 1.0 - tol
}

pub fn vec3_in(lo: f32, hi: f32) -> impl Strategy<Value = Vec3> {
    (lo..hi, lo..hi, lo..hi).prop_map(|(x, y, z)| Vec3::new(x, y, z))
}

pub fn rotation() -> impl Strategy<Value = Quat> {
    (vec3_in(-1.0, 1.0), -1.0f32..1.0).prop_filter_map("non-zero quaternion", |(v, w)| {
        let q = Quat::from_xyzw(v.x, v.y, v.z, w);
        (q.length() > 0.1).then(|| q.normalize())
    })
}

pub fn motion(
    pos_lo: f32,
    pos_hi: f32,
    lin: f32,
    acc: f32,
    ang: f32,
) -> impl Strategy<Value = ObjectMotion> {
    (
        vec3_in(pos_lo, pos_hi),
        vec3_in(-lin, lin),
        vec3_in(-acc, acc),
        rotation(),
        vec3_in(-ang, ang),
    )
        .prop_map(
            |(position, velocity, acceleration, rotation, angular_velocity)| ObjectMotion {
                position,
                velocity,
                acceleration,
                rotation,
                angular_velocity,
            },
        )
}

pub fn close3(a: Vec3, b: Vec3, tol: f32) -> bool {
    (a - b).abs().max_element() <= tol
}

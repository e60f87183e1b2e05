//! The village round the well: houses, market stalls, lamp posts, the
//! paved square, the birds circling overhead and the floating lantern.

use super::*;

pub(super) fn well(t: &Terrain) -> Group {
    let c = VILLAGE.centre;
    let g = ground(t, c);
    vec![
        spec(
            "Well",
            Kind::Cylinder,
            Vec3::new(2.4, 2.4, 1.0),
            c.extend(g + 0.5),
            STONE,
        )
        .shape(|s| s.hollow(0.75, HoleShape::Same)),
        spec(
            "Well post",
            Kind::Cylinder,
            Vec3::new(0.2, 0.2, 2.4),
            c.extend(g + 1.7) + Vec3::X * 1.0,
            DARK_WOOD,
        )
        .mat(Material::Wood),
        spec(
            "Well post",
            Kind::Cylinder,
            Vec3::new(0.2, 0.2, 2.4),
            c.extend(g + 1.7) - Vec3::X * 1.0,
            DARK_WOOD,
        )
        .mat(Material::Wood),
        spec(
            "Well roof",
            Kind::Pyramid,
            Vec3::new(2.8, 2.8, 1.0),
            c.extend(g + 3.3),
            TERRACOTTA,
        ),
    ]
}

pub(super) fn village_square(t: &Terrain) -> Group {
    let c = VILLAGE.centre;
    vec![spec(
        "Village square",
        Kind::Cylinder,
        Vec3::new(30.0, 30.0, 0.2),
        on_ground(t, c, 0.02),
        SANDSTONE,
    )]
}

pub(super) fn house(t: &Terrain, i: usize) -> Group {
    let a = i as f32 * TAU / 8.0 + 0.2;
    let dir = Vec2::new(a.cos(), a.sin());
    let c = VILLAGE.centre + dir * 22.0;
    let g = ground(t, c);
    // Face the well: the house's -X side (door) points at the centre.
    let rot = Quat::from_rotation_z(a);
    let (w, d, h) = (6.0 + (i % 3) as f32, 5.0, 3.2);
    let base = c.extend(g + h / 2.0);
    let door_side = rot * Vec3::new(-w / 2.0, 0.0, 0.0);
    let roof_colour = if i.is_multiple_of(2) {
        TERRACOTTA
    } else {
        SLATE
    };
    vec![
        spec("House", Kind::Box, Vec3::new(w, d, h), base, WHITEWASH)
            .rot(rot)
            .shape(|s| s.hollow(0.9, HoleShape::Same)),
        // A gable roof: a box whose top is squeezed to a ridge.
        spec(
            "Roof",
            Kind::Box,
            Vec3::new(w + 0.6, d + 0.6, 2.0),
            base + Vec3::Z * (h / 2.0 + 1.0),
            roof_colour,
        )
        .rot(rot)
        .shape(|s| s.top_size(1.0, 0.0)),
        spec(
            "Door",
            Kind::Box,
            Vec3::new(0.12, 1.2, 2.2),
            c.extend(g + 1.1) + door_side,
            DARK_WOOD,
        )
        .rot(rot)
        .mat(Material::Wood),
        spec(
            "Chimney",
            Kind::Box,
            Vec3::new(0.8, 0.8, 2.2),
            base + rot * Vec3::new(w / 4.0, d / 4.0, h / 2.0 + 1.4),
            DARK_STONE,
        )
        .rot(rot),
        spec(
            "Window",
            Kind::Box,
            Vec3::new(1.6, 0.1, 1.0),
            base + rot * Vec3::new(0.0, -d / 2.0, 0.2),
            GLASS,
        )
        .rot(rot)
        .mat(Material::Glass),
    ]
}

pub(super) fn market_stall(t: &Terrain, i: usize) -> Group {
    let a = i as f32 * TAU / 4.0 + PI / 4.0;
    let c = VILLAGE.centre + Vec2::new(a.cos(), a.sin()) * 9.0;
    let g = ground(t, c);
    let rot = Quat::from_rotation_z(a);
    let cloth = [RED, BLUE, GOLD, LEAVES][i % 4];
    let mut group = vec![
        spec(
            "Stall table",
            Kind::Box,
            Vec3::new(1.2, 2.6, 0.9),
            c.extend(g + 0.45),
            LIGHT_WOOD,
        )
        .rot(rot)
        .mat(Material::Wood),
    ];
    for (dx, dy) in [(-0.6, -1.3), (-0.6, 1.3), (0.6, -1.3), (0.6, 1.3)] {
        group.push(
            spec(
                "Stall post",
                Kind::Cylinder,
                Vec3::new(0.12, 0.12, 2.6),
                c.extend(g + 1.3) + rot * Vec3::new(dx, dy, 0.0),
                DARK_WOOD,
            )
            .mat(Material::Wood),
        );
    }
    // Awning: half a cylinder lying along the stall.
    group.push(
        spec(
            "Awning",
            Kind::Cylinder,
            Vec3::new(1.6, 0.6, 3.0),
            c.extend(g + 2.7),
            cloth,
        )
        .rot(rot * Quat::from_rotation_x(FRAC_PI_2))
        .shape(|s| s.profile_cut(0.0, 0.5).hollow(0.9, HoleShape::Same)),
    );
    group
}

pub(super) fn lamp_post(t: &Terrain, i: usize) -> Group {
    let a = i as f32 * TAU / 8.0;
    let c = VILLAGE.centre + Vec2::new(a.cos(), a.sin()) * 15.5;
    let g = ground(t, c);
    vec![
        spec(
            "Lamp post",
            Kind::Cylinder,
            Vec3::new(0.18, 0.18, 3.2),
            c.extend(g + 1.6),
            DARK_STONE,
        )
        .mat(Material::Metal),
        spec(
            "Lamp",
            Kind::Sphere,
            Vec3::splat(0.5),
            c.extend(g + 3.35),
            LAMP,
        )
        .bright(),
    ]
}

pub(super) fn bird(t: &Terrain, i: usize) -> Group {
    let centre = VILLAGE
        .centre
        .extend(ground(t, VILLAGE.centre) + 28.0 + 3.0 * i as f32);
    let period = if i.is_multiple_of(2) { 20.0 } else { -26.0 };
    let phase = i as f32 * 1.3;
    let motion = Motion::Orbit {
        centre,
        radius: 18.0 + 6.0 * i as f32,
        period,
        phase,
        bob: 1.5,
    };
    let p = motion.pose_at(0.0, Vec3::ZERO, Quat::IDENTITY).position;
    let r = Quat::from_rotation_z(phase + FRAC_PI_2 * period.signum());
    vec![
        spec(
            "Bird",
            Kind::Sphere,
            Vec3::new(0.9, 0.35, 0.35),
            p,
            WHITEWASH,
        )
        .rot(r)
        .moving(motion),
        spec(
            "Wing",
            Kind::Prism,
            Vec3::new(0.5, 1.1, 0.06),
            p + r * Vec3::new(0.0, 0.6, 0.0),
            WHITEWASH,
        )
        .rot(r),
        spec(
            "Wing",
            Kind::Prism,
            Vec3::new(0.5, 1.1, 0.06),
            p + r * Vec3::new(0.0, -0.6, 0.0),
            WHITEWASH,
        )
        .rot(r),
    ]
}

pub(super) fn lantern(t: &Terrain, xy: Vec2) -> Spec {
    spec(
        "Floating lantern",
        Kind::Sphere,
        Vec3::new(0.6, 0.6, 0.8),
        on_ground(t, xy, 3.0),
        LAMP,
    )
    .bright()
}

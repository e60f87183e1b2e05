//! The shore: the lighthouse on the headland, the pier, the boats in the
//! bay and the parasols on the beach.

use super::*;

pub(super) fn lighthouse(t: &Terrain) -> Group {
    let c = LIGHTHOUSE.centre;
    let g = ground(t, c);
    let mut group = vec![
        spec(
            "Lighthouse",
            Kind::Cylinder,
            Vec3::new(4.0, 4.0, 16.0),
            c.extend(g + 8.0),
            WHITEWASH,
        )
        .shape(|s| s.top_size(0.75, 0.75)),
    ];
    for k in 0..3 {
        let z = g + 3.0 + 4.5 * k as f32;
        let dia = 4.15 - 0.33 * k as f32;
        group.push(
            spec(
                "Stripe",
                Kind::Cylinder,
                Vec3::new(dia, dia, 1.2),
                c.extend(z),
                RED,
            )
            .shape(|s| s.hollow(0.9, HoleShape::Same)),
        );
    }
    group.push(
        spec(
            "Lamp room",
            Kind::Cylinder,
            Vec3::new(3.0, 3.0, 2.2),
            c.extend(g + 17.1),
            GLASS,
        )
        .mat(Material::Glass),
    );
    group.push(
        spec(
            "Beacon",
            Kind::Sphere,
            Vec3::splat(1.4),
            c.extend(g + 17.1),
            LAMP,
        )
        .bright(),
    );
    group.push(spec(
        "Lantern roof",
        Kind::Cone,
        Vec3::new(3.4, 3.4, 1.8),
        c.extend(g + 19.1),
        RED,
    ));
    group
}

pub(super) fn pier(t: &Terrain) -> Group {
    let y = BAY_CENTRE.y;
    let start = 176.0;
    let deck_z = WATER_HEIGHT + 1.2;
    let mut group = vec![
        spec(
            "Pier",
            Kind::Box,
            Vec3::new(4.0, 3.0, 0.3),
            Vec3::new(start, y, deck_z.max(ground(t, Vec2::new(start, y)) + 0.2)),
            LIGHT_WOOD,
        )
        .mat(Material::Wood),
    ];
    for k in 1..8 {
        let x = start + 4.0 * k as f32;
        group.push(
            spec(
                "Pier deck",
                Kind::Box,
                Vec3::new(4.0, 3.0, 0.3),
                Vec3::new(x, y, deck_z),
                LIGHT_WOOD,
            )
            .mat(Material::Wood),
        );
    }
    for k in 0..8 {
        let x = start + 4.0 * k as f32 + 2.0;
        for dy in [-1.4, 1.4] {
            let p = Vec2::new(x, y + dy);
            let bottom = ground(t, p) - 0.5;
            let height = (deck_z - bottom).max(0.5);
            group.push(
                spec(
                    "Piling",
                    Kind::Cylinder,
                    Vec3::new(0.35, 0.35, height),
                    p.extend(bottom + height / 2.0),
                    DARK_WOOD,
                )
                .mat(Material::Wood),
            );
        }
    }
    for k in 0..3 {
        let p = Vec3::new(start + 6.0 + 7.0 * k as f32, y + 0.8, deck_z + 0.55);
        group.push(spec("Crate", Kind::Box, Vec3::splat(0.8), p, LIGHT_WOOD).mat(Material::Wood));
        group.push(
            spec(
                "Barrel",
                Kind::Cylinder,
                Vec3::new(0.6, 0.6, 0.9),
                p - Vec3::Y * 1.5 + Vec3::Z * 0.05,
                DARK_WOOD,
            )
            .mat(Material::Wood),
        );
    }
    group
}

pub(super) fn boat(i: usize) -> Group {
    let radius = [16.0, 10.0, 22.0][i];
    let period = [48.0, -36.0, 70.0][i];
    let phase = i as f32 * 2.1;
    let centre = BAY_CENTRE.extend(WATER_HEIGHT + 0.3);
    let motion = Motion::Orbit {
        centre,
        radius,
        period,
        phase,
        bob: 0.15,
    };
    let p = motion.pose_at(0.0, Vec3::ZERO, Quat::IDENTITY).position;
    // Face along the direction of travel (+X forward).
    let r = Quat::from_rotation_z(phase + FRAC_PI_2 * period.signum());
    let hull_colour = [RED, BLUE, WHITEWASH][i];
    vec![
        // Hull: half a hollow cylinder lying along X.
        spec(
            "Boat",
            Kind::Cylinder,
            Vec3::new(1.8, 1.4, 5.0),
            p,
            hull_colour,
        )
        .rot(r * Quat::from_rotation_y(FRAC_PI_2) * Quat::from_rotation_z(FRAC_PI_2))
        .shape(|s| s.profile_cut(0.5, 1.0).hollow(0.8, HoleShape::Same))
        .mat(Material::Wood)
        .moving(motion),
        spec(
            "Mast",
            Kind::Cylinder,
            Vec3::new(0.12, 0.12, 4.0),
            p + Vec3::Z * 2.0,
            DARK_WOOD,
        )
        .rot(r)
        .mat(Material::Wood),
        spec(
            "Sail",
            Kind::Prism,
            Vec3::new(2.2, 0.05, 3.2),
            p + r * Vec3::new(-1.0, 0.0, 2.2),
            WHITEWASH,
        )
        .rot(r)
        .mat(Material::Plastic),
    ]
}

pub(super) fn umbrella(t: &Terrain, i: usize) -> Group {
    let p = Vec2::new(184.0 - 2.0 * (i % 2) as f32, 92.0 + 9.0 * i as f32);
    let g = ground(t, p).max(WATER_HEIGHT);
    let colour = [RED, BLUE, GOLD, LEAVES][i];
    vec![
        spec(
            "Parasol pole",
            Kind::Cylinder,
            Vec3::new(0.08, 0.08, 2.4),
            p.extend(g + 1.2),
            WHITEWASH,
        )
        .mat(Material::Metal),
        // A dome: the top half of a hollow sphere.
        spec(
            "Parasol",
            Kind::Sphere,
            Vec3::new(2.6, 2.6, 1.2),
            p.extend(g + 2.3),
            colour,
        )
        .shape(|s| s.profile_cut(0.5, 1.0).hollow(0.95, HoleShape::Same))
        .mat(Material::Plastic),
    ]
}

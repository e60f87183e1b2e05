//! The hilltop stone circle and the castle on the southern ridge.

use super::*;

pub(super) fn stone_circle(t: &Terrain) -> Vec<Group> {
    let c = STONE_CIRCLE.centre;
    let g = ground(t, c);
    let mut groups = Vec::new();
    // Six trilithons: two uprights and a lintel each.
    for i in 0..6 {
        let a = i as f32 * TAU / 6.0;
        let rot = Quat::from_rotation_z(a + FRAC_PI_2);
        let mid = c + Vec2::new(a.cos(), a.sin()) * 10.0;
        let side = (rot * Vec3::X).truncate() * 1.4;
        let stone = |p: Vec2, twist: f32| {
            spec(
                "Standing stone",
                Kind::Box,
                Vec3::new(1.3, 0.9, 4.2),
                p.extend(g + 2.0),
                STONE,
            )
            .rot(rot)
            .shape(|s| s.top_size(0.85, 0.9).twist(0.0, twist))
        };
        groups.push(vec![
            stone(mid - side, 0.04 * (i as f32 - 2.5)),
            stone(mid + side, -0.03 * (i as f32 - 2.5)),
            spec(
                "Lintel",
                Kind::Box,
                Vec3::new(4.2, 1.0, 0.8),
                mid.extend(g + 4.5),
                STONE,
            )
            .rot(rot),
        ]);
    }
    groups.push(vec![
        spec(
            "Altar",
            Kind::Cylinder,
            Vec3::new(2.2, 2.2, 1.0),
            c.extend(g + 0.5),
            DARK_STONE,
        ),
        spec(
            "Orb",
            Kind::Sphere,
            Vec3::splat(0.8),
            c.extend(g + 1.6),
            LAMP,
        )
        .bright(),
    ]);
    groups.push(vec![
        spec(
            "Spinning ring",
            Kind::Torus,
            Vec3::new(4.0, 4.0, 4.0),
            c.extend(g + 6.5),
            GOLD,
        )
        .rot(Quat::from_rotation_x(FRAC_PI_2))
        .mat(Material::Metal)
        .shape(|s| s.hollow(0.3, HoleShape::Circle))
        .moving(Motion::Spin {
            axis: Vec3::Z,
            period: 12.0,
        }),
    ]);
    groups
}

pub(super) fn castle(t: &Terrain) -> Vec<Group> {
    let c = CASTLE.centre;
    let g = ground(t, c);
    let half = 14.0;
    let mut groups = Vec::new();
    // The keep with its roof and flag.
    groups.push(vec![
        spec(
            "Keep",
            Kind::Box,
            Vec3::new(10.0, 10.0, 12.0),
            c.extend(g + 6.0),
            SANDSTONE,
        ),
        spec(
            "Keep roof",
            Kind::Pyramid,
            Vec3::new(11.0, 11.0, 5.0),
            c.extend(g + 14.5),
            SLATE,
        ),
        spec(
            "Flag pole",
            Kind::Cylinder,
            Vec3::new(0.15, 0.15, 5.0),
            c.extend(g + 19.0),
            DARK_WOOD,
        )
        .mat(Material::Wood),
        spec(
            "Flag",
            Kind::Box,
            Vec3::new(2.0, 0.05, 1.2),
            c.extend(g + 20.8) + Vec3::X * 1.05,
            RED,
        )
        .mat(Material::Plastic),
    ]);
    // Corner towers: a drum, a crown and a cone roof each.
    for (i, (sx, sy)) in [(-1.0, -1.0), (1.0, -1.0), (1.0, 1.0), (-1.0, 1.0)]
        .into_iter()
        .enumerate()
    {
        let p = c + Vec2::new(sx, sy) * half;
        let tg = ground(t, p);
        let height = 13.0 + i as f32;
        groups.push(vec![
            spec(
                "Tower",
                Kind::Cylinder,
                Vec3::new(5.0, 5.0, height),
                p.extend(tg + height / 2.0),
                SANDSTONE,
            ),
            spec(
                "Tower crown",
                Kind::Tube,
                Vec3::new(5.8, 5.8, 5.8),
                p.extend(tg + height + 0.4),
                STONE,
            )
            .rot(Quat::from_rotation_x(FRAC_PI_2))
            .shape(|s| s.hollow(0.6, HoleShape::Same)),
            spec(
                "Tower roof",
                Kind::Cone,
                Vec3::new(5.6, 5.6, 4.5),
                p.extend(tg + height + 2.8),
                SLATE,
            ),
        ]);
    }
    // Curtain walls with crenellations; the south wall has a gate arch.
    let corners = [(-1.0, -1.0), (1.0, -1.0), (1.0, 1.0), (-1.0, 1.0)];
    for i in 0..4 {
        let (ax, ay) = corners[i];
        let (bx, by) = corners[(i + 1) % 4];
        let a = c + Vec2::new(ax, ay) * half;
        let b = c + Vec2::new(bx, by) * half;
        let mid = (a + b) / 2.0;
        let along = (b - a).normalize();
        let rot = Quat::from_rotation_z(along.y.atan2(along.x));
        let wg = ground(t, mid);
        let mut group = vec![
            spec(
                "Curtain wall",
                Kind::Box,
                Vec3::new(2.0 * half - 5.0, 1.6, 8.0),
                mid.extend(wg + 4.0),
                SANDSTONE,
            )
            .rot(rot),
        ];
        for k in 0..6 {
            let f = (k as f32 + 0.5) / 6.0 - 0.5;
            let p = mid + along * f * (2.0 * half - 7.0);
            group.push(
                spec(
                    "Merlon",
                    Kind::Box,
                    Vec3::new(1.2, 1.6, 1.0),
                    p.extend(wg + 8.5),
                    SANDSTONE,
                )
                .rot(rot),
            );
        }
        if i == 0 {
            group.push(
                spec(
                    "Gate arch",
                    Kind::Torus,
                    Vec3::new(5.0, 1.8, 5.0),
                    mid.extend(wg + 2.6),
                    DARK_STONE,
                )
                .rot(rot * Quat::from_rotation_x(FRAC_PI_2))
                .shape(|s| s.path_cut(0.0, 0.5)),
            );
            group.push(
                spec(
                    "Gate",
                    Kind::Box,
                    Vec3::new(3.0, 0.3, 4.0),
                    mid.extend(wg + 2.0) - Vec3::Y * 0.9,
                    DARK_WOOD,
                )
                .rot(rot)
                .mat(Material::Wood),
            );
        }
        groups.push(group);
    }
    // A wizard's twisted tower outside the walls.
    let w = c + Vec2::new(-24.0, 18.0);
    let wg = ground(t, w);
    groups.push(vec![
        spec(
            "Twisted tower",
            Kind::Box,
            Vec3::new(3.5, 3.5, 16.0),
            w.extend(wg + 8.0),
            BLUE,
        )
        .shape(|s| s.twist(0.0, 0.5).top_size(0.7, 0.7)),
        spec(
            "Star",
            Kind::Ring,
            Vec3::new(2.0, 2.0, 2.0),
            w.extend(wg + 17.5),
            GOLD,
        )
        .bright(),
    ]);
    groups
}

//! The demo region's content: a village round a well, a hilltop stone
//! circle, a castle on the southern ridge, a lighthouse on the headland, a
//! pier with boats in the bay, birds, and trees and rocks scattered to make
//! up the requested prim count. Deterministic from the world seed.
//!
//! Content is written as groups (linksets: root first), each prim placed in
//! region coordinates; [`Layout::build`] turns them into [`Prim`]s with
//! children relative to their root, taking whole groups in order until the
//! count is reached and then filling with scattered single prims and trees.

use std::f32::consts::{FRAC_PI_2, PI, TAU};

use glam::{Quat, Vec2, Vec3};
use kestrel_protocol::object_data::{
    HoleShape, ObjectMaterial as Material, PrimShape, StandardPrim as Kind,
};

use super::objects::{LocalId, Motion, Prim, Rgba, ShapeEdit, UpdateKind, prim_uuid};
use super::rng::SplitMix64;
use super::terrain::{CASTLE, LIGHTHOUSE, STONE_CIRCLE, Site, Terrain, VILLAGE, WATER_HEIGHT};

const STONE: Rgba = Rgba::rgb8(132, 130, 124);
const DARK_STONE: Rgba = Rgba::rgb8(96, 94, 92);
const SANDSTONE: Rgba = Rgba::rgb8(214, 196, 150);
const WHITEWASH: Rgba = Rgba::rgb8(236, 232, 220);
const TERRACOTTA: Rgba = Rgba::rgb8(178, 84, 52);
const SLATE: Rgba = Rgba::rgb8(80, 88, 104);
const DARK_WOOD: Rgba = Rgba::rgb8(92, 62, 40);
const LIGHT_WOOD: Rgba = Rgba::rgb8(166, 124, 82);
const LEAVES: Rgba = Rgba::rgb8(62, 124, 52);
const PINE: Rgba = Rgba::rgb8(38, 92, 52);
const GOLD: Rgba = Rgba::rgb8(232, 190, 60);
const RED: Rgba = Rgba::rgb8(196, 44, 40);
const BLUE: Rgba = Rgba::rgb8(44, 84, 170);
const LAMP: Rgba = Rgba::rgb8(255, 226, 150);
const GLASS: Rgba = Rgba::rgb8(180, 210, 230).with_alpha(0.45);

/// The centre of the bay the boats sail round.
pub const BAY_CENTRE: Vec2 = Vec2::new(224.0, 124.0);

/// One prim as the layout describes it (world placement).
#[derive(Debug, Clone)]
struct Spec {
    name: &'static str,
    shape: PrimShape,
    scale: Vec3,
    pos: Vec3,
    rot: Quat,
    colour: Rgba,
    material: Material,
    fullbright: bool,
    motion: Option<Motion>,
}

fn spec(name: &'static str, kind: Kind, scale: Vec3, pos: Vec3, colour: Rgba) -> Spec {
    Spec {
        name,
        shape: kind.shape(),
        scale,
        pos,
        rot: Quat::IDENTITY,
        colour,
        material: Material::Stone,
        fullbright: false,
        motion: None,
    }
}

impl Spec {
    fn shape(mut self, f: impl FnOnce(PrimShape) -> PrimShape) -> Self {
        self.shape = f(self.shape);
        self
    }
    fn rot(mut self, q: Quat) -> Self {
        self.rot = q;
        self
    }
    fn mat(mut self, m: Material) -> Self {
        self.material = m;
        self
    }
    fn bright(mut self) -> Self {
        self.fullbright = true;
        self.material = Material::Light;
        self
    }
    fn moving(mut self, m: Motion) -> Self {
        self.motion = Some(m);
        self
    }
}

/// A linkset: the root first, then its children.
type Group = Vec<Spec>;

/// Which role a group plays, so the region knows which prim expires.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum GroupRole {
    /// Stays for the region's life.
    Fixed,
    /// The floating lantern that expires and reappears elsewhere (churn).
    Lantern,
}

/// The built content: prims in linkset order (each root before its children).
#[derive(Debug, Clone)]
pub struct Layout {
    /// Every prim, roots before their children.
    pub prims: Vec<Prim>,
    /// The lantern's local id, when the count left room for it.
    pub lantern: Option<LocalId>,
    /// The next free local id.
    pub next_local_id: u32,
}

/// First local id handed to prims (ids below are left for avatars).
pub const FIRST_PRIM_ID: u32 = 1000;

impl Layout {
    /// Builds exactly `count` prims for `terrain`, deterministically from `seed`.
    pub fn build(terrain: &Terrain, seed: u64, count: usize) -> Layout {
        let mut rng = SplitMix64::derive(seed, 0x1A_70u64);
        let mut out = Layout {
            prims: Vec::with_capacity(count),
            lantern: None,
            next_local_id: FIRST_PRIM_ID,
        };
        for (role, group) in landmarks(terrain) {
            if out.prims.len() + group.len() > count {
                continue;
            }
            let root = out.push_group(group, UpdateKind::Full);
            if role == GroupRole::Lantern {
                out.lantern = Some(root);
            }
        }
        let mut attempts = 0;
        while out.prims.len() < count && attempts < 100_000 {
            attempts += 1;
            let Some(spot) = scatter_spot(terrain, &mut rng) else {
                continue;
            };
            let room = count - out.prims.len();
            let group = if room >= 2 && rng.next_f64() < 0.7 {
                tree(terrain, spot, &mut rng)
            } else {
                vec![rock(terrain, spot, &mut rng)]
            };
            out.push_group(group, UpdateKind::Compressed);
        }
        out
    }

    /// A new lantern at a random spot round the village, with a fresh id.
    pub fn new_lantern(&mut self, terrain: &Terrain, rng: &mut SplitMix64) -> Prim {
        let a = rng.range_f32(0.0, TAU);
        let r = rng.range_f32(4.0, 26.0);
        let xy = VILLAGE.centre + Vec2::new(a.cos(), a.sin()) * r;
        let group = vec![lantern(terrain, xy)];
        let root = self.push_group(group, UpdateKind::Full);
        let prim = self.prims.pop().expect("push_group added the lantern");
        debug_assert_eq!(prim.local_id, root);
        prim
    }

    fn push_group(&mut self, group: Group, update_kind: UpdateKind) -> LocalId {
        let root_id = LocalId(self.next_local_id);
        let (root_pos, root_rot) = group
            .first()
            .map(|s| (s.pos, s.rot))
            .unwrap_or((Vec3::ZERO, Quat::IDENTITY));
        let inv = root_rot.inverse();
        for (i, s) in group.into_iter().enumerate() {
            let local_id = LocalId(self.next_local_id);
            self.next_local_id += 1;
            let (parent, position, rotation) = if i == 0 {
                (None, s.pos, s.rot)
            } else {
                (
                    Some(root_id),
                    inv * (s.pos - root_pos),
                    (inv * s.rot).normalize(),
                )
            };
            self.prims.push(Prim {
                local_id,
                full_id: prim_uuid(local_id),
                parent,
                name: s.name.to_string(),
                shape: s.shape,
                scale: s.scale,
                position,
                rotation,
                colour: s.colour,
                fullbright: s.fullbright,
                material: s.material,
                motion: if i == 0 { s.motion } else { None },
                update_kind,
            });
        }
        root_id
    }
}

fn ground(terrain: &Terrain, xy: Vec2) -> f32 {
    terrain.height_at(xy)
}

fn on_ground(terrain: &Terrain, xy: Vec2, up: f32) -> Vec3 {
    xy.extend(ground(terrain, xy) + up)
}

/// The landmark groups in the order they are kept when the count is small.
fn landmarks(terrain: &Terrain) -> Vec<(GroupRole, Group)> {
    let mut groups: Vec<(GroupRole, Group)> = Vec::new();
    let mut fixed = |g: Group| groups.push((GroupRole::Fixed, g));
    fixed(well(terrain));
    fixed(village_square(terrain));
    for i in 0..8 {
        fixed(house(terrain, i));
    }
    for i in 0..4 {
        fixed(market_stall(terrain, i));
    }
    for i in 0..8 {
        fixed(lamp_post(terrain, i));
    }
    for g in stone_circle(terrain) {
        fixed(g);
    }
    for g in castle(terrain) {
        fixed(g);
    }
    fixed(lighthouse(terrain));
    fixed(pier(terrain));
    for i in 0..3 {
        fixed(boat(i));
    }
    for i in 0..4 {
        fixed(bird(terrain, i));
    }
    for i in 0..4 {
        fixed(umbrella(terrain, i));
    }
    groups.push((
        GroupRole::Lantern,
        vec![lantern(terrain, VILLAGE.centre + Vec2::new(6.0, 9.0))],
    ));
    groups
}

fn well(t: &Terrain) -> Group {
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

fn village_square(t: &Terrain) -> Group {
    let c = VILLAGE.centre;
    vec![spec(
        "Village square",
        Kind::Cylinder,
        Vec3::new(30.0, 30.0, 0.2),
        on_ground(t, c, 0.02),
        SANDSTONE,
    )]
}

fn house(t: &Terrain, i: usize) -> Group {
    let a = i as f32 * TAU / 8.0 + 0.2;
    let dir = Vec2::new(a.cos(), a.sin());
    let c = VILLAGE.centre + dir * 22.0;
    let g = ground(t, c);
    // Face the well: the house's -X side (door) points at the centre.
    let rot = Quat::from_rotation_z(a);
    let (w, d, h) = (6.0 + (i % 3) as f32, 5.0, 3.2);
    let base = c.extend(g + h / 2.0);
    let door_side = rot * Vec3::new(-w / 2.0, 0.0, 0.0);
    let roof_colour = if i % 2 == 0 { TERRACOTTA } else { SLATE };
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

fn market_stall(t: &Terrain, i: usize) -> Group {
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

fn lamp_post(t: &Terrain, i: usize) -> Group {
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

fn stone_circle(t: &Terrain) -> Vec<Group> {
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

fn castle(t: &Terrain) -> Vec<Group> {
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

fn lighthouse(t: &Terrain) -> Group {
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

fn pier(t: &Terrain) -> Group {
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

fn boat(i: usize) -> Group {
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

fn bird(t: &Terrain, i: usize) -> Group {
    let centre = VILLAGE
        .centre
        .extend(ground(t, VILLAGE.centre) + 28.0 + 3.0 * i as f32);
    let period = if i % 2 == 0 { 20.0 } else { -26.0 };
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

fn umbrella(t: &Terrain, i: usize) -> Group {
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

fn lantern(t: &Terrain, xy: Vec2) -> Spec {
    spec(
        "Floating lantern",
        Kind::Sphere,
        Vec3::new(0.6, 0.6, 0.8),
        on_ground(t, xy, 3.0),
        LAMP,
    )
    .bright()
}

fn tree(t: &Terrain, xy: Vec2, rng: &mut SplitMix64) -> Group {
    let g = ground(t, xy);
    let h = rng.range_f32(3.0, 6.0);
    let pine = rng.next_f64() < 0.4;
    let trunk = spec(
        "Tree",
        Kind::Cylinder,
        Vec3::new(0.35, 0.35, h),
        xy.extend(g + h / 2.0 - 0.2),
        DARK_WOOD,
    )
    .mat(Material::Wood);
    let crown = if pine {
        spec(
            "Pine crown",
            Kind::Cone,
            Vec3::new(2.6, 2.6, h * 0.9),
            xy.extend(g + h * 0.95),
            PINE,
        )
    } else {
        let d = rng.range_f32(2.4, 4.0);
        spec(
            "Tree crown",
            Kind::Sphere,
            Vec3::new(d, d, d * 0.85),
            xy.extend(g + h),
            LEAVES,
        )
    };
    vec![
        trunk,
        crown.rot(Quat::from_rotation_z(rng.range_f32(0.0, TAU))),
    ]
}

fn rock(t: &Terrain, xy: Vec2, rng: &mut SplitMix64) -> Spec {
    let s = rng.range_f32(0.6, 2.2);
    spec(
        "Rock",
        Kind::Sphere,
        Vec3::new(s * 1.3, s, s * 0.7),
        on_ground(t, xy, s * 0.15),
        DARK_STONE,
    )
    .rot(Quat::from_rotation_z(rng.range_f32(0.0, TAU)))
}

/// A random dry spot away from the built-up sites, or `None` for a rejected draw.
fn scatter_spot(t: &Terrain, rng: &mut SplitMix64) -> Option<Vec2> {
    let p = Vec2::new(rng.range_f32(4.0, 252.0), rng.range_f32(4.0, 252.0));
    if ground(t, p) < WATER_HEIGHT + 1.0 {
        return None;
    }
    let clear = |s: Site| p.distance(s.centre) > s.blend_radius;
    (clear(VILLAGE) && clear(STONE_CIRCLE) && clear(CASTLE) && clear(LIGHTHOUSE)).then_some(p)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn layouts_have_exactly_the_requested_count() {
        let t = Terrain::generate(1);
        for n in [0, 1, 2, 7, 40, 150, 300, 600] {
            let l = Layout::build(&t, 1, n);
            assert_eq!(l.prims.len(), n);
        }
    }

    #[test]
    fn children_follow_their_root_and_ids_are_unique() {
        let t = Terrain::generate(1);
        let l = Layout::build(&t, 1, 300);
        let mut seen = std::collections::HashSet::new();
        let mut roots = std::collections::HashSet::new();
        for p in &l.prims {
            assert!(seen.insert(p.local_id), "unique id");
            match p.parent {
                None => {
                    roots.insert(p.local_id);
                }
                Some(root) => assert!(roots.contains(&root), "root sent before child"),
            }
            assert!(p.scale.min_element() > 0.0 && p.scale.max_element() <= 64.0);
        }
        let moving = l.prims.iter().filter(|p| p.motion.is_some()).count();
        assert!((5..=12).contains(&moving), "a handful move: {moving}");
        assert!(l.lantern.is_some());
        assert!(l.prims.iter().any(|p| p.shape.path_twist != 0.0));
        assert!(l.prims.iter().any(|p| p.shape.profile_hollow > 0.0));
        assert!(l.prims.iter().any(|p| p.shape.path_end < 1.0));
    }

    #[test]
    fn layout_is_deterministic() {
        let t = Terrain::generate(1);
        let a = Layout::build(&t, 3, 300);
        let b = Layout::build(&t, 3, 300);
        assert_eq!(a.prims, b.prims);
    }
}

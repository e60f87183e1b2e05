//! The demo region's content: a village round a well, a hilltop stone
//! circle, a castle on the southern ridge, a lighthouse on the headland, a
//! pier with boats in the bay, birds, and trees and rocks scattered to make
//! up the requested prim count. Deterministic from the world seed.
//!
//! Content is written as groups (linksets: root first), each prim placed in
//! region coordinates; [`Layout::build`] turns them into [`Prim`]s with
//! children relative to their root, taking whole groups in order until the
//! count is reached and then filling with scattered single prims and trees.
//! What each prim wears (its TextureEntry) is decided by [`skin`] from a
//! separate random stream, so textures never move anything.

use std::f32::consts::{FRAC_PI_2, PI, TAU};

use glam::{Quat, Vec2, Vec3};
use kestrel_protocol::object_data::{
    HoleShape, ObjectMaterial as Material, PrimShape, StandardPrim as Kind,
};

use super::assets::Palette;
use super::objects::{LocalId, Motion, Prim, Rgba, ShapeEdit, UpdateKind, prim_uuid};
use super::rng::SplitMix64;
use super::terrain::{CASTLE, LIGHTHOUSE, STONE_CIRCLE, Site, Terrain, VILLAGE, WATER_HEIGHT};

mod hills;
mod shore;
mod skin;
mod village;

use hills::{castle, stone_circle};
use shore::{boat, lighthouse, pier, umbrella};
use village::{bird, house, lamp_post, lantern, market_stall, village_square, well};

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
    /// The textures the prims wear.
    palette: Palette,
    /// Draws of the texturing (variants, offsets), apart from the layout's.
    skin_rng: SplitMix64,
}

/// First local id handed to prims (ids below are left for avatars).
pub const FIRST_PRIM_ID: u32 = 1000;

impl Layout {
    /// Builds exactly `count` prims for `terrain`, deterministically from
    /// `seed`, wearing the default palette for `count`.
    pub fn build(terrain: &Terrain, seed: u64, count: usize) -> Layout {
        Layout::build_with(terrain, seed, count, Palette::for_objects(count))
    }

    /// The same prims (ids, places, shapes: the palette changes only what
    /// they wear), wearing textures of `palette`.
    pub fn build_with(terrain: &Terrain, seed: u64, count: usize, palette: Palette) -> Layout {
        let mut rng = SplitMix64::derive(seed, 0x1A_70u64);
        let mut out = Layout {
            prims: Vec::with_capacity(count),
            lantern: None,
            next_local_id: FIRST_PRIM_ID,
            palette,
            skin_rng: SplitMix64::derive(seed, 0x5_C1_u64),
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
            let (faces, colour) = skin::dress(&s, &self.palette, &mut self.skin_rng);
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
                colour,
                fullbright: s.fullbright,
                faces,
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

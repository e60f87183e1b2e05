//! The demo region as the simulator holds it while it lives: identity
//! (name, handle, id), terrain, the prim table, the moving prims' clock and
//! the churn (a prim that expires and a new one that appears).

use std::collections::HashMap;
use std::time::{Duration, Instant};

use glam::{Vec2, Vec3};
use kestrel_protocol::layer_data::Heightfield;
use kestrel_protocol::types::Uuid;

use super::assets::{Palette, TERRAIN_DETAIL_IDS};
use super::layout::Layout;
use super::objects::{LocalId, Prim};
use super::rng::SplitMix64;
use super::terrain::{REGION_SIZE, Terrain, VILLAGE, WATER_HEIGHT};

/// A region's grid position packed as the protocol's 64-bit handle:
/// global x metres in the high 32 bits, global y metres in the low 32.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct RegionHandle(pub u64);

impl RegionHandle {
    /// The handle of the region whose south-west corner is at global metres (x, y).
    pub fn from_global(x: u32, y: u32) -> Self {
        RegionHandle((u64::from(x) << 32) | u64::from(y))
    }

    /// Global x of the south-west corner, metres.
    pub fn global_x(self) -> u32 {
        (self.0 >> 32) as u32
    }

    /// Global y of the south-west corner, metres.
    pub fn global_y(self) -> u32 {
        self.0 as u32
    }
}

/// Where the demo region sits on the grid (global metres; 1000 × 256 m).
pub const REGION_GLOBAL: (u32, u32) = (256_000, 256_000);

/// The region's identity and fixed facts.
#[derive(Debug, Clone, PartialEq)]
pub struct RegionInfo {
    /// Display name.
    pub name: String,
    /// Grid handle.
    pub handle: RegionHandle,
    /// Region UUID (deterministic from the name).
    pub id: Uuid,
    /// The estate owner's UUID.
    pub owner: Uuid,
    /// Water level, metres.
    pub water_height: f32,
    /// Where new arrivals stand, region metres.
    pub spawn: Vec3,
    /// Where new arrivals look (unit vector).
    pub spawn_look_at: Vec3,
    /// The terrain's detail textures and the heights they are blended over.
    pub terrain_textures: TerrainTextures,
}

/// The terrain's textures as `RegionHandshake` carries them. A viewer
/// blends the four detail textures by height: at each point, texture
/// `clamp((height + noise - start) * 4 / range, 0, 3)` (fractions blend
/// the two neighbours), with `start` and `range` interpolated between the
/// four corners.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TerrainTextures {
    /// `TerrainDetail0..3`: dirt, grass, rock, snow.
    pub detail: [Uuid; 4],
    /// `TerrainStartHeight00`, `01`, `10`, `11` (south-west, north-west,
    /// south-east, north-east corners), metres.
    pub start_heights: [f32; 4],
    /// `TerrainHeightRange00`, `01`, `10`, `11`, metres.
    pub height_ranges: [f32; 4],
}

impl TerrainTextures {
    /// The library's four detail textures spread over `terrain`'s heights
    /// (see [`Terrain::detail_bands`]), the same at every corner.
    pub fn for_terrain(terrain: &Terrain) -> TerrainTextures {
        let (start, range) = terrain.detail_bands();
        TerrainTextures {
            detail: TERRAIN_DETAIL_IDS,
            start_heights: [start; 4],
            height_ranges: [range; 4],
        }
    }
}

/// The live region: terrain, prims and their clock.
#[derive(Debug)]
pub struct Region {
    info: RegionInfo,
    terrain: Terrain,
    heightfield: Heightfield,
    layout: Layout,
    index: HashMap<LocalId, usize>,
    churn_rng: SplitMix64,
    started: Instant,
}

/// What one churn step changed.
#[derive(Debug, Clone, PartialEq)]
pub struct Churn {
    /// The prim that expired.
    pub killed: LocalId,
    /// The prim that appeared instead.
    pub created: Prim,
}

impl Region {
    /// Builds the demo region: `object_count` prims on the terrain of
    /// `world_seed`, wearing the default number of textures for that count.
    pub fn new(name: &str, world_seed: u64, object_count: usize, now: Instant) -> Region {
        let palette = Palette::for_objects(object_count);
        Region::with_palette(name, world_seed, object_count, palette, now)
    }

    /// The same, wearing the textures of `palette`.
    pub fn with_palette(
        name: &str,
        world_seed: u64,
        object_count: usize,
        palette: Palette,
        now: Instant,
    ) -> Region {
        let terrain = Terrain::generate(world_seed);
        let heightfield = Heightfield::from_fn(|x, y| terrain.sample(x, y));
        let layout = Layout::build_with(&terrain, world_seed, object_count, palette);
        // Spawn on the east edge of the village square, looking west across it.
        let spawn_xy = VILLAGE.centre + Vec2::new(12.0, -3.0);
        let spawn = spawn_xy.extend(terrain.height_at(spawn_xy) + 1.0);
        let info = RegionInfo {
            name: name.to_string(),
            handle: RegionHandle::from_global(REGION_GLOBAL.0, REGION_GLOBAL.1),
            id: name_uuid(0x5245_4749, name),
            owner: Uuid::from_u128(0x6b65_7374_7265_6c5f_6f77_6e65_7200_0001),
            water_height: WATER_HEIGHT,
            spawn,
            spawn_look_at: Vec3::new(-1.0, 0.0, 0.0),
            terrain_textures: TerrainTextures::for_terrain(&terrain),
        };
        let mut region = Region {
            info,
            terrain,
            heightfield,
            layout,
            index: HashMap::new(),
            churn_rng: SplitMix64::derive(world_seed, 0xC4_u64),
            started: now,
        };
        region.reindex();
        region
    }

    /// Identity and fixed facts.
    pub fn info(&self) -> &RegionInfo {
        &self.info
    }

    /// The terrain (for ground heights).
    pub fn terrain(&self) -> &Terrain {
        &self.terrain
    }

    /// The terrain as the LayerData codec wants it.
    pub fn heightfield(&self) -> &Heightfield {
        &self.heightfield
    }

    /// Every prim, each root before its children.
    pub fn prims(&self) -> &[Prim] {
        &self.layout.prims
    }

    /// One prim by id.
    pub fn prim(&self, id: LocalId) -> Option<&Prim> {
        self.index.get(&id).map(|&i| &self.layout.prims[i])
    }

    /// The prims that move (roots with a motion).
    pub fn movers(&self) -> impl Iterator<Item = &Prim> {
        self.layout.prims.iter().filter(|p| p.motion.is_some())
    }

    /// Seconds of region time at `now` (what moving prims' poses are a function of).
    pub fn clock(&self, now: Instant) -> f32 {
        now.saturating_duration_since(self.started).as_secs_f32()
    }

    /// How long the region has lived.
    pub fn age(&self, now: Instant) -> Duration {
        now.saturating_duration_since(self.started)
    }

    /// Expires the lantern and places a new one elsewhere (with a new id);
    /// `None` when the region has no lantern.
    pub fn churn(&mut self) -> Option<Churn> {
        let old = self.layout.lantern?;
        let i = *self.index.get(&old)?;
        self.layout.prims.remove(i);
        let created = self.layout.new_lantern(&self.terrain, &mut self.churn_rng);
        self.layout.prims.push(created.clone());
        self.layout.lantern = Some(created.local_id);
        self.reindex();
        Some(Churn {
            killed: old,
            created,
        })
    }

    /// Ground height under a point (clamped into the region).
    pub fn ground_at(&self, xy: Vec2) -> f32 {
        self.terrain.height_at(xy)
    }

    /// Clamps a position into the region's horizontal extent.
    pub fn clamp_xy(p: Vec3) -> Vec3 {
        let max = REGION_SIZE as f32 - 0.01;
        Vec3::new(p.x.clamp(0.0, max), p.y.clamp(0.0, max), p.z)
    }

    /// Adds `boards` as unlinked white boxes wearing their textures (sent
    /// as full updates, after the layout's prims).
    pub fn add_boards(&mut self, boards: &[super::boards::Board]) {
        use super::objects::{Prim, UpdateKind, prim_uuid};
        for b in boards {
            let (shape, scale, position, rotation, faces, colour) = super::boards::board_parts(b);
            let local_id = LocalId(self.layout.next_local_id);
            self.layout.next_local_id += 1;
            self.layout.prims.push(Prim {
                local_id,
                full_id: prim_uuid(local_id),
                parent: None,
                name: b.name.to_string(),
                shape,
                scale,
                position,
                rotation,
                colour,
                fullbright: false,
                faces,
                material: kestrel_protocol::object_data::ObjectMaterial::Wood,
                motion: None,
                update_kind: UpdateKind::Full,
            });
        }
        self.reindex();
    }

    fn reindex(&mut self) {
        self.index = self
            .layout
            .prims
            .iter()
            .enumerate()
            .map(|(i, p)| (p.local_id, i))
            .collect();
    }
}

/// A deterministic UUID from a name and a namespace tag (FNV-1a over the
/// bytes, spread over 128 bits): the same avatar name always gets the same
/// agent id, the same region name the same region id.
pub fn name_uuid(namespace: u32, name: &str) -> Uuid {
    let mut a: u64 = 0xcbf2_9ce4_8422_2325 ^ u64::from(namespace);
    let mut b: u64 = 0x8422_2325_cbf2_9ce4 ^ u64::from(namespace).rotate_left(17);
    for byte in name.bytes() {
        a = (a ^ u64::from(byte)).wrapping_mul(0x0000_0100_0000_01b3);
        b = (b ^ u64::from(byte))
            .wrapping_mul(0x0000_0100_0000_01b3)
            .rotate_left(5);
    }
    let hi = super::rng::mix64(a);
    let lo = super::rng::mix64(b ^ hi);
    // Mark it as a version-4 style UUID so tools print it as such.
    let v = (u128::from(hi) << 64) | u128::from(lo);
    let v = (v & !(0xF000u128 << 64)) | (0x4000u128 << 64);
    let v = (v & !(0xC000_0000_0000_0000u128)) | 0x8000_0000_0000_0000u128;
    Uuid::from_u128(v)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn handle_packs_global_metres() {
        let h = RegionHandle::from_global(256_000, 254_976);
        assert_eq!(h.0, (256_000u64 << 32) | 254_976);
        assert_eq!((h.global_x(), h.global_y()), (256_000, 254_976));
    }

    #[test]
    fn churn_keeps_the_count_and_changes_the_id() {
        let now = Instant::now();
        let mut r = Region::new("Test", 1, 300, now);
        let before = r.prims().len();
        let c = r.churn().expect("the default layout has a lantern");
        assert_eq!(r.prims().len(), before);
        assert!(r.prim(c.killed).is_none());
        assert_eq!(r.prim(c.created.local_id), Some(&c.created));
        assert_ne!(c.killed, c.created.local_id);
    }

    #[test]
    fn name_uuids_are_stable_and_distinct() {
        assert_eq!(name_uuid(1, "Ada Lovelace"), name_uuid(1, "Ada Lovelace"));
        assert_ne!(name_uuid(1, "Ada Lovelace"), name_uuid(1, "Ada Byron"));
        assert_ne!(name_uuid(1, "Ada Lovelace"), name_uuid(2, "Ada Lovelace"));
    }

    #[test]
    fn spawn_point_is_on_dry_ground() {
        let r = Region::new("Test", 1, 10, Instant::now());
        let s = r.info().spawn;
        assert!(s.z > WATER_HEIGHT);
        assert!((s.z - 1.0 - r.ground_at(s.truncate())).abs() < 1e-3);
    }
}

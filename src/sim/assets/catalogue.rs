//! The region's own textures: which ones exist, their ids, sizes, patterns
//! and colours. A pure description (no pixels, no codestreams): the layout
//! picks ids from it (through [`Palette`]) and the library renders and
//! encodes from it on demand.
//!
//! Textures `0..16` are the themed base set the landmarks wear (stone,
//! sandstone, plaster, roof tiles, slate, two woods, leaves, pine, gold,
//! stripes, checks, lamp glow, glass, cobbles, lace). Beyond 16, each
//! texture is a variant of one of the natural families the scattered
//! scenery wears (stone, bark, leaves, pine), with its own hue, brightness,
//! size and noise, so every id looks (and averages) different. The four
//! terrain detail textures are a separate set with their own ids.

use kestrel_protocol::types::Uuid;

use super::pattern::{Image, Pattern, Rgb};
use crate::sim::rng::{SplitMix64, mix64};

/// Fewest content textures a region has.
pub const MIN_TEXTURES: usize = 1;
/// Most content textures a region may be given (`--textures`).
pub const MAX_TEXTURES: usize = 1024;

/// How many content textures a region of `objects` prims gets by default:
/// `clamp(objects / 64, 16, 400)`.
pub fn default_texture_count(objects: usize) -> usize {
    (objects / 64).clamp(16, 400)
}

/// The id of content texture `index` (stable across runs and seeds).
pub const fn content_texture_id(index: usize) -> Uuid {
    Uuid::from_u128(0x6b65_7374_7265_6c54_0000_0000_0000_0000 | index as u128)
}

/// The four terrain detail textures, in `TerrainDetail0..3` order: dirt,
/// grass, rock, snow.
pub const TERRAIN_DETAIL_IDS: [Uuid; 4] = [
    Uuid::from_u128(0x6b65_7374_7265_6c54_7465_7272_0000_0000),
    Uuid::from_u128(0x6b65_7374_7265_6c54_7465_7272_0000_0001),
    Uuid::from_u128(0x6b65_7374_7265_6c54_7465_7272_0000_0002),
    Uuid::from_u128(0x6b65_7374_7265_6c54_7465_7272_0000_0003),
];

/// What a texture depicts; the layout asks for a family and gets one of
/// its textures.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Family {
    /// Grey stone blocks.
    Stone,
    /// Sandstone ashlar.
    Sandstone,
    /// Whitewashed plaster.
    Plaster,
    /// Terracotta roof tiles.
    RoofTiles,
    /// Slate shingles.
    Slate,
    /// Dark wood planks (bark on the trees).
    DarkWood,
    /// Light wood planks.
    LightWood,
    /// Leaves.
    Leaves,
    /// Pine needles.
    Pine,
    /// Brushed gold.
    Gold,
    /// Red and cream stripes.
    Stripes,
    /// Blue and white checks.
    Checker,
    /// A warm glow (lamps).
    Glow,
    /// Framed glass panes (alpha channel).
    Glass,
    /// Cobbles.
    Cobbles,
    /// White lace with holes (alpha channel).
    Lace,
}

impl Family {
    /// The themed base set, in index order (texture `i < 16` is `BASE[i]`).
    pub const BASE: [Family; 16] = [
        Family::Stone,
        Family::Sandstone,
        Family::Plaster,
        Family::RoofTiles,
        Family::Slate,
        Family::DarkWood,
        Family::LightWood,
        Family::Leaves,
        Family::Pine,
        Family::Gold,
        Family::Stripes,
        Family::Checker,
        Family::Glow,
        Family::Glass,
        Family::Cobbles,
        Family::Lace,
    ];

    /// The families textures beyond the base set vary (scattered scenery).
    pub const NATURAL: [Family; 4] = [
        Family::Stone,
        Family::DarkWood,
        Family::Leaves,
        Family::Pine,
    ];

    fn base_index(self) -> usize {
        Family::BASE
            .iter()
            .position(|&f| f == self)
            .expect("every family is in the base set")
    }

    fn name(self) -> &'static str {
        match self {
            Family::Stone => "stone blocks",
            Family::Sandstone => "sandstone",
            Family::Plaster => "plaster",
            Family::RoofTiles => "roof tiles",
            Family::Slate => "slate",
            Family::DarkWood => "dark wood",
            Family::LightWood => "light wood",
            Family::Leaves => "leaves",
            Family::Pine => "pine needles",
            Family::Gold => "gold",
            Family::Stripes => "stripes",
            Family::Checker => "checks",
            Family::Glow => "glow",
            Family::Glass => "glass",
            Family::Cobbles => "cobbles",
            Family::Lace => "lace",
        }
    }

    /// Pattern, two colours, size and whether it has an alpha channel.
    fn base_look(self) -> (Pattern, Rgb, Rgb, (u32, u32), bool) {
        match self {
            Family::Stone => (
                Pattern::Blocks {
                    rows: 4,
                    cols: 3,
                    mortar: 0.05,
                },
                Rgb(138, 136, 130),
                Rgb(84, 82, 80),
                (256, 256),
                false,
            ),
            Family::Sandstone => (
                Pattern::Blocks {
                    rows: 4,
                    cols: 6,
                    mortar: 0.03,
                },
                Rgb(218, 198, 150),
                Rgb(170, 150, 108),
                (512, 256),
                false,
            ),
            Family::Plaster => (
                Pattern::Noise {
                    cells: 16,
                    contrast: 0.15,
                },
                Rgb(240, 236, 224),
                Rgb(214, 206, 190),
                (128, 128),
                false,
            ),
            Family::RoofTiles => (
                Pattern::Scales { rows: 8, cols: 8 },
                Rgb(186, 88, 54),
                Rgb(120, 50, 32),
                (256, 512),
                false,
            ),
            Family::Slate => (
                Pattern::Scales { rows: 10, cols: 6 },
                Rgb(86, 96, 114),
                Rgb(52, 58, 70),
                (256, 256),
                false,
            ),
            Family::DarkWood => (
                Pattern::Planks { count: 4 },
                Rgb(98, 66, 42),
                Rgb(60, 40, 26),
                (512, 128),
                false,
            ),
            Family::LightWood => (
                Pattern::Planks { count: 5 },
                Rgb(180, 136, 90),
                Rgb(140, 100, 62),
                (256, 64),
                false,
            ),
            Family::Leaves => (
                Pattern::Noise {
                    cells: 24,
                    contrast: 0.9,
                },
                Rgb(86, 156, 64),
                Rgb(36, 88, 34),
                (256, 256),
                false,
            ),
            Family::Pine => (
                Pattern::Streaks { count: 48 },
                Rgb(46, 110, 62),
                Rgb(18, 56, 34),
                (128, 256),
                false,
            ),
            Family::Gold => (
                Pattern::Brushed,
                Rgb(246, 206, 80),
                Rgb(196, 150, 40),
                (64, 64),
                false,
            ),
            Family::Stripes => (
                Pattern::Stripes { count: 8 },
                Rgb(206, 48, 42),
                Rgb(244, 232, 210),
                (128, 128),
                false,
            ),
            Family::Checker => (
                Pattern::Checker { n: 8 },
                Rgb(40, 80, 176),
                Rgb(226, 232, 244),
                (64, 64),
                false,
            ),
            Family::Glow => (
                Pattern::Glow,
                Rgb(255, 246, 200),
                Rgb(255, 176, 72),
                (64, 64),
                false,
            ),
            Family::Glass => (
                Pattern::Panes { n: 4 },
                Rgb(190, 220, 240),
                Rgb(70, 70, 76),
                (128, 128),
                true,
            ),
            Family::Cobbles => (
                Pattern::Cobbles { cells: 12 },
                Rgb(196, 176, 140),
                Rgb(110, 98, 80),
                (1024, 1024),
                false,
            ),
            Family::Lace => (
                Pattern::Lace { n: 8 },
                Rgb(250, 250, 250),
                Rgb(226, 226, 236),
                (256, 256),
                true,
            ),
        }
    }
}

/// One texture of the catalogue: everything needed to draw it.
#[derive(Debug, Clone, PartialEq)]
pub struct TextureSpec {
    /// Its asset id.
    pub id: Uuid,
    /// A short name ("stone blocks", "leaves #3", "terrain: grass").
    pub name: String,
    /// What it depicts.
    pub family: Option<Family>,
    /// Width in pixels (a power of two, 64..=1024).
    pub width: u32,
    /// Height in pixels (a power of two, 64..=1024).
    pub height: u32,
    /// 4 with an alpha channel, 3 without.
    pub components: u8,
    pattern: Pattern,
    colours: (Rgb, Rgb),
    seed: u64,
}

impl TextureSpec {
    /// Draws the texture: `width × height × components` bytes, row by row
    /// from the top.
    pub fn render(&self) -> Image {
        self.pattern.render(
            self.width,
            self.height,
            self.components,
            self.colours,
            self.seed,
        )
    }

    /// The content texture `index` of the catalogue.
    pub fn content(index: usize) -> TextureSpec {
        let id = content_texture_id(index);
        if let Some(&family) = Family::BASE.get(index) {
            let (pattern, a, b, (width, height), alpha) = family.base_look();
            return TextureSpec {
                id,
                name: family.name().to_string(),
                family: Some(family),
                width,
                height,
                components: if alpha { 4 } else { 3 },
                pattern,
                colours: (a, b),
                seed: mix64(index as u64 ^ 0x7e47),
            };
        }
        let k = index - Family::BASE.len();
        let family = Family::NATURAL[k % Family::NATURAL.len()];
        let variant = k / Family::NATURAL.len() + 1;
        let (pattern, a, b, _, alpha) = family.base_look();
        let mut rng = SplitMix64::derive(index as u64, 0x7e47);
        // Hue and brightness spread by a low-discrepancy walk, so no two
        // variants of a family share a mean colour.
        let hue = ((variant as f32 * 0.618_034).fract() - 0.5) * 0.22;
        let value = 0.7 + (variant as f32 * 0.381_966).fract() * 0.5;
        let sizes = [64, 128, 256, 512];
        let width = sizes[rng.below(sizes.len())];
        let height = match rng.below(3) {
            0 => width,
            1 => (width * 2).min(1024),
            _ => (width / 2).max(64),
        };
        TextureSpec {
            id,
            name: format!("{} #{variant}", family.name()),
            family: Some(family),
            width,
            height,
            components: if alpha { 4 } else { 3 },
            pattern: pattern.varied(&mut rng),
            colours: (a.shifted(hue, value), b.shifted(hue, value)),
            seed: rng.next_u64(),
        }
    }

    /// Terrain detail texture `k` (0 dirt, 1 grass, 2 rock, 3 snow).
    pub fn terrain(k: usize) -> TextureSpec {
        let (name, pattern, a, b, size) = match k {
            0 => (
                "dirt",
                Pattern::Noise {
                    cells: 32,
                    contrast: 0.7,
                },
                Rgb(134, 100, 64),
                Rgb(88, 62, 40),
                512,
            ),
            1 => (
                "grass",
                Pattern::Streaks { count: 96 },
                Rgb(104, 150, 58),
                Rgb(56, 104, 38),
                512,
            ),
            2 => (
                "rock",
                Pattern::Cobbles { cells: 6 },
                Rgb(112, 104, 96),
                Rgb(64, 60, 58),
                256,
            ),
            _ => (
                "snow",
                Pattern::Noise {
                    cells: 12,
                    contrast: 0.25,
                },
                Rgb(248, 250, 255),
                Rgb(206, 218, 236),
                256,
            ),
        };
        TextureSpec {
            id: TERRAIN_DETAIL_IDS[k.min(3)],
            name: format!("terrain: {name}"),
            family: None,
            width: size,
            height: size,
            components: 3,
            pattern,
            colours: (a, b),
            seed: mix64(0x7e44 + k as u64),
        }
    }
}

/// The content's view of the catalogue: which ids exist and which one to
/// use for a family.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Palette {
    count: usize,
}

impl Palette {
    /// A palette of `count` content textures (at least [`MIN_TEXTURES`]).
    pub fn new(count: usize) -> Palette {
        Palette {
            count: count.clamp(MIN_TEXTURES, MAX_TEXTURES),
        }
    }

    /// The default palette for a region of `objects` prims.
    pub fn for_objects(objects: usize) -> Palette {
        Palette::new(default_texture_count(objects))
    }

    /// How many content textures there are.
    pub fn len(&self) -> usize {
        self.count
    }

    /// Never true (a palette has at least one texture).
    pub fn is_empty(&self) -> bool {
        self.count == 0
    }

    /// Every content texture id, in index order.
    pub fn ids(&self) -> impl Iterator<Item = Uuid> + '_ {
        (0..self.count).map(content_texture_id)
    }

    /// The family's base texture (wrapped into a small palette).
    pub fn base(&self, family: Family) -> Uuid {
        content_texture_id(family.base_index() % self.count)
    }

    /// One of the family's textures: its base or one of its variants,
    /// drawn from `rng`.
    pub fn pick(&self, family: Family, rng: &mut SplitMix64) -> Uuid {
        let base = family.base_index();
        let Some(slot) = Family::NATURAL.iter().position(|&f| f == family) else {
            return self.base(family);
        };
        let first = Family::BASE.len() + slot;
        let step = Family::NATURAL.len();
        let variants = if self.count > first {
            (self.count - first).div_ceil(step)
        } else {
            0
        };
        let choice = rng.below(variants + 1);
        if choice == 0 {
            content_texture_id(base % self.count)
        } else {
            content_texture_id(first + (choice - 1) * step)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn default_counts_scale_with_objects() {
        assert_eq!(default_texture_count(0), 16);
        assert_eq!(default_texture_count(300), 16);
        assert_eq!(default_texture_count(2000), 31);
        assert_eq!(default_texture_count(20_000), 312);
        assert_eq!(default_texture_count(1_000_000), 400);
    }

    #[test]
    fn ids_are_distinct_and_stable() {
        let mut seen = std::collections::HashSet::new();
        for i in 0..MAX_TEXTURES {
            assert!(seen.insert(content_texture_id(i)));
        }
        for id in TERRAIN_DETAIL_IDS {
            assert!(seen.insert(id));
        }
        assert_eq!(TextureSpec::content(37), TextureSpec::content(37));
    }

    #[test]
    fn sizes_are_powers_of_two_in_range_and_some_have_alpha() {
        let specs: Vec<_> = (0..400).map(TextureSpec::content).collect();
        for s in &specs {
            for d in [s.width, s.height] {
                assert!(d.is_power_of_two() && (64..=1024).contains(&d), "{s:?}");
            }
        }
        assert!(specs.iter().any(|s| s.width != s.height));
        assert!(specs.iter().any(|s| s.width == 1024));
        let alpha = specs[..16].iter().filter(|s| s.components == 4).count();
        assert!((1..=4).contains(&alpha), "a few have alpha: {alpha}");
    }

    #[test]
    fn picks_stay_in_the_palette_and_reach_every_texture() {
        for count in [1, 5, 16, 17, 20, 31, 312, 400] {
            let palette = Palette::new(count);
            let ids: std::collections::HashSet<_> = palette.ids().collect();
            let mut rng = SplitMix64::new(3);
            let mut used = std::collections::HashSet::new();
            for family in Family::BASE {
                used.insert(palette.base(family));
                for _ in 0..2000 {
                    let id = palette.pick(family, &mut rng);
                    assert!(ids.contains(&id), "{count}: {id}");
                    used.insert(id);
                }
            }
            assert_eq!(used, ids, "{count}: every texture is reachable");
        }
    }
}

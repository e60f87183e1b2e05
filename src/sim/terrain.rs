//! The demo region's heightfield: hills inland, a beach, a bay of water on
//! the east side, and flattened sites for the village, the stone circle and
//! the castle. Deterministic from a seed (lattice value noise summed over
//! octaves); no noise crate needed for something this small.

use glam::Vec2;

use super::rng::mix64;

/// Side of a region in metres (and heightfield samples).
pub const REGION_SIZE: usize = 256;

/// The water level of the demo region, metres.
pub const WATER_HEIGHT: f32 = 20.0;

/// A site whose ground is levelled so buildings stand on it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Site {
    /// Centre, region metres.
    pub centre: Vec2,
    /// Radius of the flat part, metres.
    pub flat_radius: f32,
    /// Radius where the ground is back to the natural terrain.
    pub blend_radius: f32,
}

/// The village square's site.
pub const VILLAGE: Site = Site {
    centre: Vec2::new(112.0, 128.0),
    flat_radius: 34.0,
    blend_radius: 52.0,
};

/// The hilltop stone circle's site.
pub const STONE_CIRCLE: Site = Site {
    centre: Vec2::new(58.0, 196.0),
    flat_radius: 15.0,
    blend_radius: 26.0,
};

/// The castle on the southern ridge.
pub const CASTLE: Site = Site {
    centre: Vec2::new(62.0, 62.0),
    flat_radius: 22.0,
    blend_radius: 34.0,
};

/// The lighthouse headland.
pub const LIGHTHOUSE: Site = Site {
    centre: Vec2::new(196.0, 34.0),
    flat_radius: 6.0,
    blend_radius: 14.0,
};

/// A 256 × 256 grid of ground heights, one sample per metre; row-major with
/// `y` (north) as the row: `heights[y * 256 + x]`.
#[derive(Debug, Clone, PartialEq)]
pub struct Terrain {
    heights: Vec<f32>,
}

impl Terrain {
    /// Generates the demo terrain for `seed`.
    pub fn generate(seed: u64) -> Self {
        let mut generator = Generator {
            seed,
            levels: [0.0; 4],
        };
        generator.levels = SITES.map(|site| generator.natural(site.centre).max(WATER_HEIGHT + 1.5));
        let mut heights = Vec::with_capacity(REGION_SIZE * REGION_SIZE);
        for y in 0..REGION_SIZE {
            for x in 0..REGION_SIZE {
                heights.push(generator.height(Vec2::new(x as f32, y as f32)));
            }
        }
        Terrain { heights }
    }

    /// All samples, row-major (`y * 256 + x`).
    pub fn heights(&self) -> &[f32] {
        &self.heights
    }

    /// The sample at integer coordinates (clamped into the region).
    pub fn sample(&self, x: usize, y: usize) -> f32 {
        let x = x.min(REGION_SIZE - 1);
        let y = y.min(REGION_SIZE - 1);
        self.heights[y * REGION_SIZE + x]
    }

    /// Ground height at any point, bilinear between samples; points outside
    /// the region take the nearest edge.
    pub fn height_at(&self, p: Vec2) -> f32 {
        let max = (REGION_SIZE - 1) as f32;
        let x = p.x.clamp(0.0, max);
        let y = p.y.clamp(0.0, max);
        let (x0, y0) = (x.floor() as usize, y.floor() as usize);
        let (fx, fy) = (x - x0 as f32, y - y0 as f32);
        let h00 = self.sample(x0, y0);
        let h10 = self.sample(x0 + 1, y0);
        let h01 = self.sample(x0, y0 + 1);
        let h11 = self.sample(x0 + 1, y0 + 1);
        let a = h00 + (h10 - h00) * fx;
        let b = h01 + (h11 - h01) * fx;
        a + (b - a) * fy
    }

    /// Lowest and highest sample.
    pub fn range(&self) -> (f32, f32) {
        self.heights
            .iter()
            .fold((f32::MAX, f32::MIN), |(lo, hi), &h| (lo.min(h), hi.max(h)))
    }

    /// The `(start, range)` a region hands viewers for its four terrain
    /// detail textures, so that blending by height as the reference viewer
    /// does (texture `clamp((h - start) * 4 / range, 0, 3)`) shows all four
    /// on the visible ground: the first (dirt) at the waterline, the last
    /// (snow) on the highest ground, the two between evenly spaced. Ground
    /// under water is not seen, so the bands start a metre below the water
    /// (or at the lowest ground, if that is higher).
    pub fn detail_bands(&self) -> (f32, f32) {
        let (lo, hi) = self.range();
        let low = lo.max(WATER_HEIGHT - 1.0);
        // Snow is fully there a little below the top, so peaks show it.
        let high = (hi - 0.1 * (hi - low)).max(low + 1.0);
        (low, (high - low) * 4.0 / 3.0)
    }
}

const SITES: [Site; 4] = [VILLAGE, STONE_CIRCLE, CASTLE, LIGHTHOUSE];

struct Generator {
    seed: u64,
    /// The ground level of each of [`SITES`].
    levels: [f32; 4],
}

impl Generator {
    /// The x coordinate of the shoreline at latitude `y` (land is west of it).
    fn shore_x(&self, y: f32) -> f32 {
        // A bay bites into the coast around the middle; the headland with the
        // lighthouse juts out in the south.
        let bay = 14.0 * (-((y - 128.0) / 40.0).powi(2)).exp();
        let headland = 18.0 * (-((y - 34.0) / 18.0).powi(2)).exp();
        188.0 - bay + headland + 6.0 * self.fbm(Vec2::new(3.7, y / 45.0), 3)
    }

    /// Natural ground before the building sites are levelled.
    fn natural(&self, p: Vec2) -> f32 {
        let inland = self.shore_x(p.y) - p.x;
        if inland < 0.0 {
            // Sea floor sloping down to ~9 m, a little ripple.
            let depth = 11.0 * (1.0 - (inland / 22.0).exp());
            return WATER_HEIGHT - 0.4 - depth + 0.6 * self.fbm(p / 20.0, 2);
        }
        // Beach: a gentle sandy ramp out of the water.
        let beach = WATER_HEIGHT - 0.4 + (inland * 0.12).min(2.6);
        let hills_weight = smoothstep(14.0, 50.0, inland);
        let rolling = 9.0 * (self.fbm(p / 70.0, 5) + 0.55).max(0.0);
        let stone_hill = 15.0 * gaussian(p, STONE_CIRCLE.centre, 34.0);
        let ridge = 11.0 * gaussian(p, CASTLE.centre, 38.0);
        beach + hills_weight * (rolling + stone_hill + ridge)
    }

    fn height(&self, p: Vec2) -> f32 {
        let mut h = self.natural(p);
        for (site, &level) in SITES.iter().zip(&self.levels) {
            let d = p.distance(site.centre);
            let w = 1.0 - smoothstep(site.flat_radius, site.blend_radius, d);
            h += (level - h) * w;
        }
        h
    }

    /// Fractal sum of value noise, roughly in -1..1.
    fn fbm(&self, p: Vec2, octaves: u32) -> f32 {
        let mut sum = 0.0;
        let mut amp = 0.5;
        let mut freq = 1.0;
        for octave in 0..octaves {
            sum += amp * self.value_noise(p * freq, octave as u64);
            freq *= 2.0;
            amp *= 0.5;
        }
        sum * 2.0
    }

    /// Smoothly interpolated random values on the integer lattice, -1..1.
    fn value_noise(&self, p: Vec2, octave: u64) -> f32 {
        let (ix, iy) = (p.x.floor(), p.y.floor());
        let (fx, fy) = (fade(p.x - ix), fade(p.y - iy));
        let (ix, iy) = (ix as i64, iy as i64);
        let v = |dx: i64, dy: i64| self.lattice(ix + dx, iy + dy, octave);
        let a = v(0, 0) + (v(1, 0) - v(0, 0)) * fx;
        let b = v(0, 1) + (v(1, 1) - v(0, 1)) * fx;
        a + (b - a) * fy
    }

    fn lattice(&self, x: i64, y: i64, octave: u64) -> f32 {
        let h = mix64(
            self.seed
                ^ (x as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15)
                ^ (y as u64).wrapping_mul(0xC2B2_AE3D_27D4_EB4F)
                ^ octave.wrapping_mul(0x1656_67B1_9E37_79F9),
        );
        (h >> 40) as f32 / (1u64 << 23) as f32 - 1.0
    }
}

fn fade(t: f32) -> f32 {
    t * t * t * (t * (t * 6.0 - 15.0) + 10.0)
}

fn smoothstep(edge0: f32, edge1: f32, x: f32) -> f32 {
    let t = ((x - edge0) / (edge1 - edge0)).clamp(0.0, 1.0);
    t * t * (3.0 - 2.0 * t)
}

fn gaussian(p: Vec2, centre: Vec2, radius: f32) -> f32 {
    (-(p.distance_squared(centre)) / (radius * radius)).exp()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn terrain_is_deterministic_per_seed() {
        assert_eq!(Terrain::generate(3), Terrain::generate(3));
        assert_ne!(Terrain::generate(3), Terrain::generate(4));
    }

    #[test]
    fn the_region_has_sea_beach_and_hills() {
        let t = Terrain::generate(1);
        let (lo, hi) = t.range();
        assert!(lo < WATER_HEIGHT - 5.0, "a real sea floor: {lo}");
        assert!(hi > WATER_HEIGHT + 15.0, "real hills: {hi}");
        // The east edge is under water, the west is land.
        assert!(t.height_at(Vec2::new(250.0, 128.0)) < WATER_HEIGHT);
        assert!(t.height_at(Vec2::new(20.0, 128.0)) > WATER_HEIGHT);
        let under = t.heights().iter().filter(|&&h| h < WATER_HEIGHT).count();
        let frac = under as f32 / t.heights().len() as f32;
        assert!((0.1..0.45).contains(&frac), "water covers {frac}");
    }

    #[test]
    fn building_sites_are_flat_and_dry() {
        let t = Terrain::generate(1);
        for site in [VILLAGE, STONE_CIRCLE, CASTLE, LIGHTHOUSE] {
            let c = t.height_at(site.centre);
            assert!(c > WATER_HEIGHT, "{site:?} is dry");
            for k in 0..16 {
                let a = k as f32 * std::f32::consts::TAU / 16.0;
                let p = site.centre + Vec2::new(a.cos(), a.sin()) * site.flat_radius * 0.9;
                assert!((t.height_at(p) - c).abs() < 0.05, "{site:?} is flat");
            }
        }
    }

    #[test]
    fn detail_bands_show_all_four_textures_on_dry_land() {
        for seed in [1, 2, 7] {
            let t = Terrain::generate(seed);
            let (start, range) = t.detail_bands();
            let mut counts = [0usize; 4];
            let mut dry = 0;
            for &h in t.heights() {
                if h < WATER_HEIGHT {
                    continue;
                }
                dry += 1;
                let k = ((h - start) * 4.0 / range).clamp(0.0, 3.0).round() as usize;
                counts[k] += 1;
            }
            for (k, &n) in counts.iter().enumerate() {
                assert!(
                    n * 200 > dry,
                    "seed {seed}: texture {k} covers {n} of {dry} dry samples ({start}, {range})"
                );
            }
        }
    }

    #[test]
    fn bilinear_sampling_matches_samples_at_grid_points() {
        let t = Terrain::generate(2);
        assert_eq!(t.height_at(Vec2::new(10.0, 20.0)), t.sample(10, 20));
        let mid = t.height_at(Vec2::new(10.5, 20.0));
        let (a, b) = (t.sample(10, 20), t.sample(11, 20));
        assert!((mid - (a + b) / 2.0).abs() < 1e-4);
    }
}

//! Procedural pixels: a dozen tileable patterns (blocks, planks, scales,
//! noise, streaks, stripes, checks, glow, panes, cobbles, lace) drawn in two
//! colours. Every pattern wraps at the texture's edges, so repeats on a
//! face show no seams. Deterministic from a seed.

use crate::sim::rng::{SplitMix64, mix64};

/// An sRGB colour, 8 bits per channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rgb(pub u8, pub u8, pub u8);

impl Rgb {
    fn to_f32(self) -> [f32; 3] {
        [self.0, self.1, self.2].map(|c| f32::from(c) / 255.0)
    }

    fn from_f32(c: [f32; 3]) -> Rgb {
        let q = |v: f32| (v.clamp(0.0, 1.0) * 255.0).round() as u8;
        Rgb(q(c[0]), q(c[1]), q(c[2]))
    }

    /// The colour with its hue turned by `turns` (a fraction of the colour
    /// wheel) and its brightness multiplied by `value`.
    pub fn shifted(self, turns: f32, value: f32) -> Rgb {
        let [r, g, b] = self.to_f32();
        let max = r.max(g).max(b);
        let min = r.min(g).min(b);
        let delta = max - min;
        let hue = if delta <= f32::EPSILON {
            0.0
        } else if max == r {
            ((g - b) / delta).rem_euclid(6.0) / 6.0
        } else if max == g {
            ((b - r) / delta + 2.0) / 6.0
        } else {
            ((r - g) / delta + 4.0) / 6.0
        };
        let sat = if max <= f32::EPSILON {
            0.0
        } else {
            delta / max
        };
        let h = (hue + turns).rem_euclid(1.0) * 6.0;
        let v = (max * value).clamp(0.0, 1.0);
        let c = v * sat;
        let x = c * (1.0 - ((h % 2.0) - 1.0).abs());
        let (r1, g1, b1) = match h as u32 {
            0 => (c, x, 0.0),
            1 => (x, c, 0.0),
            2 => (0.0, c, x),
            3 => (0.0, x, c),
            4 => (x, 0.0, c),
            _ => (c, 0.0, x),
        };
        let m = v - c;
        Rgb::from_f32([r1 + m, g1 + m, b1 + m])
    }
}

/// Pixels of a drawn texture, row by row from the top.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Image {
    /// Width in pixels.
    pub width: u32,
    /// Height in pixels.
    pub height: u32,
    /// 3 (RGB) or 4 (RGBA).
    pub components: u8,
    /// `width × height × components` bytes.
    pub pixels: Vec<u8>,
}

impl Image {
    /// The mean of each channel, 0..=255 (alpha last when there is one).
    pub fn mean(&self) -> Vec<f64> {
        let n = usize::from(self.components);
        let mut sums = vec![0.0f64; n];
        for px in self.pixels.chunks_exact(n) {
            for (s, &v) in sums.iter_mut().zip(px) {
                *s += f64::from(v);
            }
        }
        let count = (self.pixels.len() / n.max(1)).max(1) as f64;
        sums.into_iter().map(|s| s / count).collect()
    }
}

/// A tileable pattern; `t` = 0 is the first colour, 1 the second.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Pattern {
    /// Staggered blocks with mortar joints.
    Blocks {
        /// Courses top to bottom.
        rows: u32,
        /// Blocks per course.
        cols: u32,
        /// Joint width as a fraction of a block.
        mortar: f32,
    },
    /// Fractal value noise.
    Noise {
        /// Coarsest lattice cells across the texture.
        cells: u32,
        /// 0 (flat) ..= 1 (full range).
        contrast: f32,
    },
    /// Overlapping rounded tiles (roofs).
    Scales {
        /// Rows of tiles.
        rows: u32,
        /// Tiles per row.
        cols: u32,
    },
    /// Vertical planks with grain.
    Planks {
        /// Planks across.
        count: u32,
    },
    /// Fine vertical streaks (needles, grass).
    Streaks {
        /// Streaks across.
        count: u32,
    },
    /// Horizontal brushed metal.
    Brushed,
    /// Vertical stripes.
    Stripes {
        /// Stripes across (even).
        count: u32,
    },
    /// A checkerboard.
    Checker {
        /// Squares along each side.
        n: u32,
    },
    /// A radial glow, bright in the middle.
    Glow,
    /// Glass panes in a frame; the panes are translucent (alpha).
    Panes {
        /// Panes along each side.
        n: u32,
    },
    /// Rounded stones (Voronoi cells) with dark joints.
    Cobbles {
        /// Cells along each side.
        cells: u32,
    },
    /// Lace: round holes (alpha 0) in a light cloth.
    Lace {
        /// Holes along each side.
        n: u32,
    },
}

impl Pattern {
    /// The same kind of pattern with its proportions changed a little.
    pub fn varied(self, rng: &mut SplitMix64) -> Pattern {
        let mut bump = |v: u32, lo: u32, hi: u32| (v + rng.below(4) as u32).clamp(lo, hi);
        match self {
            Pattern::Blocks { rows, cols, mortar } => Pattern::Blocks {
                rows: bump(rows, 2, 12),
                cols: bump(cols, 2, 12),
                mortar,
            },
            Pattern::Noise { cells, contrast } => Pattern::Noise {
                cells: bump(cells, 4, 48),
                contrast,
            },
            Pattern::Scales { rows, cols } => Pattern::Scales {
                rows: bump(rows, 4, 16),
                cols: bump(cols, 4, 16),
            },
            Pattern::Planks { count } => Pattern::Planks {
                count: bump(count, 2, 10),
            },
            Pattern::Streaks { count } => Pattern::Streaks {
                count: bump(count, 16, 128),
            },
            Pattern::Stripes { count } => Pattern::Stripes {
                count: bump(count / 2, 2, 16) * 2,
            },
            Pattern::Checker { n } => Pattern::Checker {
                n: bump(n / 2, 2, 16) * 2,
            },
            Pattern::Panes { n } => Pattern::Panes { n: bump(n, 2, 8) },
            Pattern::Cobbles { cells } => Pattern::Cobbles {
                cells: bump(cells, 4, 24),
            },
            Pattern::Lace { n } => Pattern::Lace { n: bump(n, 4, 16) },
            other => other,
        }
    }

    /// Draws `width × height` pixels blending the two colours.
    pub fn render(
        self,
        width: u32,
        height: u32,
        components: u8,
        (a, b): (Rgb, Rgb),
        seed: u64,
    ) -> Image {
        let (a, b) = (a.to_f32(), b.to_f32());
        let n = usize::from(components);
        let mut pixels = Vec::with_capacity(width as usize * height as usize * n);
        let noise = Noise { seed };
        for y in 0..height {
            for x in 0..width {
                let u = (x as f32 + 0.5) / width as f32;
                let v = (y as f32 + 0.5) / height as f32;
                let (t, alpha) = self.sample(u, v, &noise);
                let t = t.clamp(0.0, 1.0);
                let c = [0, 1, 2].map(|i| a[i] + (b[i] - a[i]) * t);
                let Rgb(r, g, bl) = Rgb::from_f32(c);
                pixels.extend_from_slice(&[r, g, bl]);
                if n == 4 {
                    pixels.push((alpha.clamp(0.0, 1.0) * 255.0).round() as u8);
                }
            }
        }
        Image {
            width,
            height,
            components,
            pixels,
        }
    }

    /// Blend factor and alpha at texture coordinates (`u`, `v`) in 0..1.
    fn sample(self, u: f32, v: f32, noise: &Noise) -> (f32, f32) {
        match self {
            Pattern::Blocks { rows, cols, mortar } => {
                let fy = v * rows as f32;
                let row = fy.floor() as u32;
                let shift = if row % 2 == 1 { 0.5 } else { 0.0 };
                let fx = u * cols as f32 + shift;
                let col = (fx.floor() as u32) % cols;
                let (lu, lv) = (fx.fract(), fy.fract());
                let joint = lu < mortar || lv < mortar * 1.5;
                if joint {
                    return (1.0, 1.0);
                }
                let tone = noise.hash(row, col, 1);
                let grit = noise.fbm(u, v, 32, 2, 2);
                (0.05 + 0.45 * tone + 0.3 * (grit - 0.5), 1.0)
            }
            Pattern::Noise { cells, contrast } => {
                let n = noise.fbm(u, v, cells, 4, 3);
                (0.5 + (n - 0.5) * (0.6 + contrast * 2.4), 1.0)
            }
            Pattern::Scales { rows, cols } => {
                let fy = v * rows as f32;
                let row = fy.floor() as u32;
                let shift = if row % 2 == 1 { 0.5 } else { 0.0 };
                let fx = u * cols as f32 + shift;
                let (lu, lv) = (fx.fract() - 0.5, fy.fract());
                // Each tile is rounded at its lower edge: darker towards it.
                let d = (lu * lu * 4.0 + lv * lv).sqrt();
                let col = (fx.floor() as u32) % cols;
                let tone = noise.hash(row, col, 4);
                (0.15 * tone + d.powf(3.0) * 0.9, 1.0)
            }
            Pattern::Planks { count } => {
                let fx = u * count as f32;
                let plank = fx.floor() as u32;
                if fx.fract() < 0.03 {
                    return (1.0, 1.0);
                }
                let tone = noise.hash(plank, 0, 5);
                let warp = noise.fbm(u, v, 4, 2, 6);
                let grain = ((fx * 9.0 + warp * 6.0) * std::f32::consts::TAU).sin();
                (0.2 + 0.35 * tone + 0.2 * grain, 1.0)
            }
            Pattern::Streaks { count } => {
                let n = noise.stretched(u, v, count, 3, 7);
                (n * 1.2 - 0.1, 1.0)
            }
            Pattern::Brushed => {
                let n = noise.stretched(v, u, 64, 2, 8);
                (0.2 + 0.6 * n, 1.0)
            }
            Pattern::Stripes { count } => {
                let stripe = (u * count as f32).floor() as u32 % 2;
                let n = noise.fbm(u, v, 8, 2, 9);
                (stripe as f32 + (n - 0.5) * 0.15, 1.0)
            }
            Pattern::Checker { n } => {
                let cell = ((u * n as f32).floor() as u32 + (v * n as f32).floor() as u32) % 2;
                (cell as f32, 1.0)
            }
            Pattern::Glow => {
                let d = ((u - 0.5).powi(2) + (v - 0.5).powi(2)).sqrt() * 2.0;
                (d.min(1.0).powf(0.8), 1.0)
            }
            Pattern::Panes { n } => {
                let (lu, lv) = ((u * n as f32).fract(), (v * n as f32).fract());
                let frame = !(0.06..=0.94).contains(&lu) || !(0.06..=0.94).contains(&lv);
                if frame {
                    (1.0, 1.0)
                } else {
                    let n = noise.fbm(u, v, 8, 2, 10);
                    (0.1 * n, 0.35 + 0.2 * n)
                }
            }
            Pattern::Cobbles { cells } => {
                let (f1, f2, id) = noise.voronoi(u, v, cells);
                if f2 - f1 < 0.08 {
                    return (1.0, 1.0);
                }
                let tone = (id % 1024) as f32 / 1023.0;
                (0.1 + 0.4 * tone + 0.5 * f1.min(0.6), 1.0)
            }
            Pattern::Lace { n } => {
                let (lu, lv) = ((u * n as f32).fract() - 0.5, (v * n as f32).fract() - 0.5);
                let d = (lu * lu + lv * lv).sqrt();
                let corner = (0.5 - lu.abs()).hypot(0.5 - lv.abs());
                if d < 0.28 || corner < 0.1 {
                    (0.0, 0.0)
                } else if d < 0.34 {
                    (1.0, 1.0)
                } else {
                    (0.3 * noise.fbm(u, v, 16, 2, 11), 1.0)
                }
            }
        }
    }
}

/// Periodic value noise: the lattice wraps, so the texture tiles.
struct Noise {
    seed: u64,
}

impl Noise {
    /// A hash of integer coordinates in 0..=1.
    fn hash(&self, x: u32, y: u32, salt: u64) -> f32 {
        let h = mix64(
            self.seed
                ^ u64::from(x).wrapping_mul(0x9E37_79B9_7F4A_7C15)
                ^ u64::from(y).wrapping_mul(0xC2B2_AE3D_27D4_EB4F)
                ^ salt.wrapping_mul(0x1656_67B1_9E37_79F9),
        );
        (h >> 40) as f32 / ((1u64 << 24) - 1) as f32
    }

    /// Value noise with `px × py` cells across the texture, 0..=1.
    fn value(&self, u: f32, v: f32, px: u32, py: u32, salt: u64) -> f32 {
        let (x, y) = (u * px as f32, v * py as f32);
        let (x0, y0) = (x.floor(), y.floor());
        let (fx, fy) = (fade(x - x0), fade(y - y0));
        let (ix, iy) = (x0 as u32 % px, y0 as u32 % py);
        let (jx, jy) = ((ix + 1) % px, (iy + 1) % py);
        let a = self.hash(ix, iy, salt);
        let b = self.hash(jx, iy, salt);
        let c = self.hash(ix, jy, salt);
        let d = self.hash(jx, jy, salt);
        let top = a + (b - a) * fx;
        let bottom = c + (d - c) * fx;
        top + (bottom - top) * fy
    }

    /// Octaves of [`Noise::value`] from `cells` up, 0..=1.
    fn fbm(&self, u: f32, v: f32, cells: u32, octaves: u32, salt: u64) -> f32 {
        let (mut sum, mut amp, mut norm, mut c) = (0.0, 0.5, 0.0, cells.max(1));
        for o in 0..octaves {
            sum += amp * self.value(u, v, c, c, salt * 16 + u64::from(o));
            norm += amp;
            amp *= 0.5;
            c *= 2;
        }
        sum / norm
    }

    /// Noise with many cells across `u` and few along `v` (streaks).
    fn stretched(&self, u: f32, v: f32, across: u32, octaves: u32, salt: u64) -> f32 {
        let (mut sum, mut amp, mut norm) = (0.0, 0.5, 0.0);
        let (mut cu, mut cv) = (across.max(1), 2u32);
        for o in 0..octaves {
            sum += amp * self.value(u, v, cu, cv, salt * 16 + u64::from(o));
            norm += amp;
            amp *= 0.5;
            cu *= 2;
            cv *= 2;
        }
        sum / norm
    }

    /// Distances (in cells) to the nearest and second-nearest jittered
    /// point of a wrapping `cells × cells` grid, and the nearest cell's id.
    fn voronoi(&self, u: f32, v: f32, cells: u32) -> (f32, f32, u32) {
        let (x, y) = (u * cells as f32, v * cells as f32);
        let (cx, cy) = (x.floor() as i64, y.floor() as i64);
        let (mut f1, mut f2, mut id) = (f32::MAX, f32::MAX, 0);
        let n = i64::from(cells);
        for dy in -1..=1 {
            for dx in -1..=1 {
                let (gx, gy) = (cx + dx, cy + dy);
                let (wx, wy) = (gx.rem_euclid(n) as u32, gy.rem_euclid(n) as u32);
                let px = gx as f32 + 0.15 + 0.7 * self.hash(wx, wy, 12);
                let py = gy as f32 + 0.15 + 0.7 * self.hash(wx, wy, 13);
                let d = ((px - x).powi(2) + (py - y).powi(2)).sqrt();
                if d < f1 {
                    f2 = f1;
                    f1 = d;
                    id = (self.hash(wx, wy, 14) * 1023.0) as u32;
                } else if d < f2 {
                    f2 = d;
                }
            }
        }
        (f1, f2, id)
    }
}

fn fade(t: f32) -> f32 {
    t * t * t * (t * (t * 6.0 - 15.0) + 10.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hue_shifts_keep_grey_and_turn_colours() {
        assert_eq!(Rgb(128, 128, 128).shifted(0.3, 1.0), Rgb(128, 128, 128));
        assert_eq!(Rgb(255, 0, 0).shifted(1.0 / 3.0, 1.0), Rgb(0, 255, 0));
        assert_eq!(Rgb(200, 100, 50).shifted(0.0, 1.0), Rgb(200, 100, 50));
    }

    #[test]
    fn patterns_tile_without_seams() {
        // The first and last columns are neighbours when the texture repeats:
        // they differ no more than neighbouring columns inside do (noise).
        let img = Pattern::Noise {
            cells: 8,
            contrast: 1.0,
        }
        .render(64, 64, 3, (Rgb(0, 0, 0), Rgb(255, 255, 255)), 5);
        let px = |x: u32, y: u32| i32::from(img.pixels[((y * 64 + x) * 3) as usize]);
        let wrap: i32 = (0..64).map(|y| (px(0, y) - px(63, y)).abs()).sum();
        let inside: i32 = (0..64).map(|y| (px(31, y) - px(32, y)).abs()).sum();
        assert!(wrap <= inside * 3 + 64, "wrap {wrap} inside {inside}");
    }

    #[test]
    fn alpha_patterns_have_holes() {
        let img =
            Pattern::Lace { n: 8 }.render(64, 64, 4, (Rgb(250, 250, 250), Rgb(200, 200, 200)), 1);
        let alphas: Vec<u8> = img.pixels.chunks_exact(4).map(|p| p[3]).collect();
        assert!(alphas.contains(&0));
        assert!(alphas.contains(&255));
    }
}

//! The 16×16 transform of a terrain patch: an orthonormal 2-D DCT-II, the
//! per-frequency quantization step `1 + 2(u + v)`, and the zig-zag order
//! that puts low frequencies first so the coefficient stream ends early.

use std::sync::OnceLock;

/// Samples along one patch edge.
pub(crate) const N: usize = 16;
/// Samples in one patch.
pub(crate) const NN: usize = N * N;

struct Tables {
    /// `cos((2n + 1) u π / 32)` at `[u * N + n]`.
    cosine: [f64; NN],
    /// Zig-zag position of the coefficient at `[v * N + u]` (v = vertical
    /// frequency, u = horizontal frequency).
    zigzag: [usize; NN],
}

fn tables() -> &'static Tables {
    static TABLES: OnceLock<Tables> = OnceLock::new();
    TABLES.get_or_init(|| {
        let mut cosine = [0.0; NN];
        for u in 0..N {
            for n in 0..N {
                cosine[u * N + n] =
                    ((2 * n + 1) as f64 * u as f64 * std::f64::consts::PI / (2 * N) as f64).cos();
            }
        }
        Tables {
            cosine,
            zigzag: zigzag_order(),
        }
    })
}

/// The zig-zag scan of LL's `buildCopyMatrix16`: diagonals `u + v = s` in
/// turn; odd diagonals run from high `u` to low, even ones from low to high,
/// so the scan starts (0,0), (1,0), (0,1), (0,2), (1,1), (2,0), (3,0), …
fn zigzag_order() -> [usize; NN] {
    let mut order = [0usize; NN];
    let mut count = 0;
    for s in 0..(2 * N - 1) {
        let lo = s.saturating_sub(N - 1);
        let hi = s.min(N - 1);
        let us: Vec<usize> = if s % 2 == 1 {
            (lo..=hi).rev().collect()
        } else {
            (lo..=hi).collect()
        };
        for u in us {
            let v = s - u;
            order[v * N + u] = count;
            count += 1;
        }
    }
    order
}

/// The zig-zag position of frequency (u, v).
#[cfg(test)]
pub(crate) fn zigzag_index(u: usize, v: usize) -> usize {
    tables().zigzag[v * N + u]
}

/// The quantization step of frequency (u, v).
pub(crate) fn quant_step(u: usize, v: usize) -> f64 {
    1.0 + 2.0 * (u + v) as f64
}

fn scale(k: usize) -> f64 {
    if k == 0 {
        std::f64::consts::FRAC_1_SQRT_2
    } else {
        1.0
    }
}

/// Forward transform of a patch (row-major, `[row * N + col]`) into
/// quantized coefficients in zig-zag order, rounded to nearest.
pub(crate) fn forward_quantized(block: &[f64; NN]) -> [i32; NN] {
    let t = tables();
    // Rows: horizontal frequencies.
    let mut rows = [0.0f64; NN];
    for j in 0..N {
        for u in 0..N {
            let mut total = 0.0;
            for i in 0..N {
                total += block[j * N + i] * t.cosine[u * N + i];
            }
            rows[j * N + u] = scale(u) * total;
        }
    }
    // Columns: vertical frequencies, with the 2/N normalization.
    let mut out = [0i32; NN];
    for u in 0..N {
        for v in 0..N {
            let mut total = 0.0;
            for j in 0..N {
                total += rows[j * N + u] * t.cosine[v * N + j];
            }
            let coef = (2.0 / N as f64) * scale(v) * total;
            let q = (coef / quant_step(u, v)).round();
            // Block values are within ±2^prequant, so |q| is far below i32 range.
            out[t.zigzag[v * N + u]] = q as i32;
        }
    }
    out
}

/// Inverse transform: zig-zag quantized coefficients back to a patch of
/// normalized samples (row-major).
pub(crate) fn inverse(coefs: &[i32; NN]) -> [f32; NN] {
    let t = tables();
    let mut freq = [0.0f64; NN];
    for v in 0..N {
        for u in 0..N {
            freq[v * N + u] = f64::from(coefs[t.zigzag[v * N + u]]) * quant_step(u, v);
        }
    }
    // Columns first (vertical frequencies → rows), then rows.
    let mut cols = [0.0f64; NN];
    for u in 0..N {
        for n in 0..N {
            let mut total = 0.0;
            for v in 0..N {
                total += scale(v) * freq[v * N + u] * t.cosine[v * N + n];
            }
            cols[n * N + u] = total;
        }
    }
    let mut out = [0.0f32; NN];
    for n in 0..N {
        for m in 0..N {
            let mut total = 0.0;
            for u in 0..N {
                total += scale(u) * cols[n * N + u] * t.cosine[u * N + m];
            }
            out[n * N + m] = ((2.0 / N as f64) * total) as f32;
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn zigzag_matches_ll_copy_matrix_start_and_end() {
        let expected = [
            ((0, 0), 0),
            ((1, 0), 1),
            ((0, 1), 2),
            ((0, 2), 3),
            ((1, 1), 4),
            ((2, 0), 5),
            ((3, 0), 6),
            ((0, 3), 9),
            ((15, 15), 255),
            ((14, 15), 254),
            ((15, 14), 253),
        ];
        for ((u, v), idx) in expected {
            assert_eq!(zigzag_index(u, v), idx, "frequency ({u}, {v})");
        }
        let mut seen = [false; NN];
        for u in 0..N {
            for v in 0..N {
                seen[zigzag_index(u, v)] = true;
            }
        }
        assert!(seen.iter().all(|&s| s), "zig-zag is a permutation");
    }

    #[test]
    fn transform_is_orthonormal_without_quantization_error() {
        // A block whose coefficients are exact multiples of their quant
        // steps survives forward + inverse up to float rounding.
        let mut coefs = [0i32; NN];
        coefs[0] = 100;
        coefs[1] = -7;
        coefs[2] = 3;
        coefs[40] = 1;
        let block = inverse(&coefs);
        let as_f64: [f64; NN] = std::array::from_fn(|i| f64::from(block[i]));
        assert_eq!(forward_quantized(&as_f64), coefs);
    }
}

//! The deterministic generator of the traces shipped in `config/traces/`.
//!
//! Every number comes from a fixed-seed SplitMix64 generator and integer
//! microseconds, using only additions and multiplications (no `ln`/`cos`,
//! whose last bits may differ between platforms), so the same CSV comes out
//! everywhere. `tests/governor_traces.rs` checks the committed files equal
//! this output; `KESTREL_WRITE_TRACES=1 cargo test --test governor_traces`
//! rewrites them.

use super::core::FrameSample;

/// A small deterministic generator (SplitMix64).
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    /// A generator with a fixed seed.
    pub fn new(seed: u64) -> Self {
        Self(seed)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    pub fn unit(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// Roughly normal with mean 0 and standard deviation `sd`, bounded to
    /// ±3.46 sd (the sum of four uniforms).
    pub fn noise(&mut self, sd: f64) -> f64 {
        let sum = self.unit() + self.unit() + self.unit() + self.unit();
        // The sum has mean 2 and variance 4/12; 0.57735 = sqrt(1/3).
        (sum - 2.0) / 0.577_350_269_189_625_8 * sd
    }
}

/// What one generated frame costs.
struct Cost {
    cpu_ms: f64,
    gpu_ms: Option<f64>,
}

/// Frames back to back from t = 0 for `duration_ms`; `cost(start_ms, rng)`
/// gives each frame's CPU (and GPU) time. Times are kept in whole
/// microseconds so the CSV's 3 decimals hold them exactly.
fn generate(
    seed: u64,
    duration_ms: f64,
    mut cost: impl FnMut(f64, &mut Rng) -> Cost,
) -> Vec<FrameSample> {
    let mut rng = Rng::new(seed);
    let mut t_us: i64 = 0;
    let mut out = Vec::new();
    let us = |ms: f64| ((ms * 1000.0).round() as i64).max(1000);
    while (t_us as f64) < duration_ms * 1000.0 {
        let c = cost(t_us as f64 / 1000.0, &mut rng);
        let cpu_us = us(c.cpu_ms);
        let gpu_us = c.gpu_ms.map(us);
        t_us += cpu_us.max(gpu_us.unwrap_or(0));
        out.push(FrameSample {
            t_ms: t_us as f64 / 1000.0,
            frame_ms: cpu_us as f64 / 1000.0,
            gpu_ms: gpu_us.map(|g| g as f64 / 1000.0),
            memory_pressure: None,
        });
    }
    out
}

fn cpu(ms: f64) -> Cost {
    Cost {
        cpu_ms: ms,
        gpu_ms: None,
    }
}

/// 60 s of 14 ms frames with a little noise (sd 0.8 ms): inside the band
/// between the shipped limits, so the governor never moves.
pub fn steady() -> Vec<FrameSample> {
    generate(1, 60_000.0, |_, r| cpu(14.0 + r.noise(0.8)))
}

/// 60 s at 13 ms with a 0.6 s spike to 45 ms at 10 s (too short to matter),
/// a 3 s one at 20 s (sustained: one step down), then 9 ms from 35 s
/// (lasting headroom: one step up).
pub fn spike() -> Vec<FrameSample> {
    generate(2, 60_000.0, |t, r| {
        let base = if (10_000.0..10_600.0).contains(&t) || (20_000.0..23_000.0).contains(&t) {
            45.0
        } else if t >= 35_000.0 {
            9.0
        } else {
            13.0
        };
        cpu(base + r.noise(0.5))
    })
}

/// 90 s of a GPU-bound load growing slowly: the CPU stays near 9 ms while
/// the GPU time rises linearly from 10 ms to 40 ms (`gpu_ms` column).
pub fn degradation() -> Vec<FrameSample> {
    generate(3, 90_000.0, |t, r| Cost {
        cpu_ms: 9.0 + r.noise(0.3),
        gpu_ms: Some(10.0 + 30.0 * t / 90_000.0 + r.noise(1.0)),
    })
}

/// 60 s around the target: 15.5 ms with sd 2.5 ms of noise, and 3% of frames
/// hitched to 25–50 ms. About a sixth of the frame time is in slow frames
/// and a twentieth in headroom frames: the governor must hold still.
pub fn noisy() -> Vec<FrameSample> {
    generate(4, 60_000.0, |_, r| {
        let ms = 15.5 + r.noise(2.5);
        let hitch = r.unit() < 0.03;
        let hitch_ms = 25.0 + 25.0 * r.unit();
        cpu(if hitch { hitch_ms } else { ms })
    })
}

/// The shipped traces: file stem (in `config/traces/`) and frames.
pub fn shipped() -> Vec<(&'static str, Vec<FrameSample>)> {
    vec![
        ("steady", steady()),
        ("spike", spike()),
        ("degradation", degradation()),
        ("noisy", noisy()),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generator_is_deterministic_and_times_accumulate() {
        assert_eq!(spike(), spike());
        let s = degradation();
        assert!(s.windows(2).all(|w| {
            let cost = w[1].cost_ms();
            ((w[1].t_ms - w[0].t_ms) - cost).abs() < 1e-9
        }));
        let mut r = Rng::new(7);
        let n: Vec<f64> = (0..10_000).map(|_| r.noise(1.0)).collect();
        let mean = n.iter().sum::<f64>() / n.len() as f64;
        let var = n.iter().map(|x| x * x).sum::<f64>() / n.len() as f64;
        assert!(
            mean.abs() < 0.05 && (var - 1.0).abs() < 0.05,
            "{mean} {var}"
        );
    }
}

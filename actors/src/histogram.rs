//! [`LatencyHistogram`]: an HdrHistogram-style latency histogram that records
//! without allocating or locking and can be read from any thread.
//!
//! Buckets are log-linear: values below 64 ns are exact, above that every
//! power of two is split into 32 linear sub-buckets, so any recorded value is
//! known to within 1/32 (about 3 %). Values are nanoseconds, clamped at
//! 2^46 ns (about 19.5 hours).
//!
//! Each histogram has exactly one writer (the actor's own thread records its
//! wait and handling times), so a record is a relaxed load and store per
//! field — no read-modify-write, no lock. Readers (the telemetry actor) load
//! the buckets with relaxed ordering; a summary taken while the actor is
//! recording may miss the record in flight, never more.

use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

use serde::Serialize;

const SUB_BITS: u32 = 5;
const SUB: usize = 1 << SUB_BITS;
/// Values below this are counted exactly, one bucket each.
const LINEAR: usize = 2 * SUB;
const FIRST_EXP: u32 = SUB_BITS + 1;
const LAST_EXP: u32 = 45;
const BUCKETS: usize = LINEAR + (LAST_EXP - FIRST_EXP + 1) as usize * SUB;
/// The largest value kept as itself; larger values are clamped to it.
pub const MAX_TRACKED_NS: u64 = (1 << (LAST_EXP + 1)) - 1;

#[inline]
fn bucket_index(value: u64) -> usize {
    if value < LINEAR as u64 {
        return value as usize;
    }
    let v = value.min(MAX_TRACKED_NS);
    let exp = 63 - v.leading_zeros();
    let shift = exp - SUB_BITS;
    let mantissa = ((v >> shift) as usize) & (SUB - 1);
    LINEAR + (exp - FIRST_EXP) as usize * SUB + mantissa
}

/// Inclusive value range `[low, high]` covered by bucket `idx`.
fn bucket_range(idx: usize) -> (u64, u64) {
    if idx < LINEAR {
        return (idx as u64, idx as u64);
    }
    let k = idx - LINEAR;
    let exp = FIRST_EXP + (k / SUB) as u32;
    let mantissa = (k % SUB) as u64;
    let shift = exp - SUB_BITS;
    let low = (SUB as u64 + mantissa) << shift;
    (low, low + (1u64 << shift) - 1)
}

/// A lock-free, allocation-free (after construction) latency histogram.
pub struct LatencyHistogram {
    buckets: Box<[AtomicU64]>,
    sum: AtomicU64,
    max: AtomicU64,
}

impl Default for LatencyHistogram {
    fn default() -> Self {
        Self::new()
    }
}

impl std::fmt::Debug for LatencyHistogram {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("LatencyHistogram")
            .field("summary", &self.summary())
            .finish()
    }
}

impl LatencyHistogram {
    /// An empty histogram (allocates its fixed bucket array once, about 10 KiB).
    pub fn new() -> Self {
        Self {
            buckets: (0..BUCKETS).map(|_| AtomicU64::new(0)).collect(),
            sum: AtomicU64::new(0),
            max: AtomicU64::new(0),
        }
    }

    /// Record one value in nanoseconds. Must only be called from one thread
    /// at a time (the owning actor's thread): it uses load + store, not
    /// read-modify-write, to stay cheap on the hot path.
    #[inline]
    pub(crate) fn record_single_writer(&self, value_ns: u64) {
        let b = &self.buckets[bucket_index(value_ns)];
        b.store(b.load(Relaxed).wrapping_add(1), Relaxed);
        self.sum
            .store(self.sum.load(Relaxed).saturating_add(value_ns), Relaxed);
        if value_ns > self.max.load(Relaxed) {
            self.max.store(value_ns, Relaxed);
        }
    }

    /// Record one value from any thread (read-modify-write; slower).
    pub fn record(&self, value_ns: u64) {
        self.buckets[bucket_index(value_ns)].fetch_add(1, Relaxed);
        self.sum.fetch_add(value_ns, Relaxed);
        self.max.fetch_max(value_ns, Relaxed);
    }

    /// Number of values recorded.
    pub fn count(&self) -> u64 {
        self.buckets.iter().map(|b| b.load(Relaxed)).sum()
    }

    /// Copy the bucket counts into `out` (cleared first; reuse it to avoid allocating).
    pub fn copy_counts(&self, out: &mut Vec<u64>) {
        out.clear();
        out.extend(self.buckets.iter().map(|b| b.load(Relaxed)));
    }

    /// Percentiles, mean and maximum, in microseconds.
    pub fn summary(&self) -> LatencySummary {
        let counts: Vec<u64> = self.buckets.iter().map(|b| b.load(Relaxed)).collect();
        let max_ns = self.max.load(Relaxed);
        summarize(&counts, self.sum.load(Relaxed), max_ns)
    }
}

/// Build a summary from bucket counts (as copied by [`LatencyHistogram::copy_counts`]).
fn summarize(counts: &[u64], sum_ns: u64, max_ns: u64) -> LatencySummary {
    let count: u64 = counts.iter().sum();
    if count == 0 {
        return LatencySummary::default();
    }
    let at = |q: f64| -> f64 {
        // The value below which a fraction q of the records lie: the rank
        // ceil(q * count), at least 1.
        let rank = ((q * count as f64).ceil() as u64).clamp(1, count);
        let mut seen = 0u64;
        for (idx, &c) in counts.iter().enumerate() {
            seen += c;
            if seen >= rank {
                let (low, high) = bucket_range(idx);
                let mid = low + (high - low) / 2;
                return mid.min(max_ns) as f64 / 1000.0;
            }
        }
        max_ns as f64 / 1000.0
    };
    LatencySummary {
        count,
        mean_us: sum_ns as f64 / count as f64 / 1000.0,
        p50_us: at(0.50),
        p90_us: at(0.90),
        p99_us: at(0.99),
        max_us: max_ns as f64 / 1000.0,
    }
}

/// A latency distribution in microseconds (within about 3 %).
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize)]
pub struct LatencySummary {
    /// Values recorded.
    pub count: u64,
    /// Mean.
    pub mean_us: f64,
    /// Median.
    pub p50_us: f64,
    /// 90th percentile.
    pub p90_us: f64,
    /// 99th percentile.
    pub p99_us: f64,
    /// Largest value recorded (exact).
    pub max_us: f64,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buckets_cover_every_value_contiguously() {
        let mut expected_low = 0u64;
        for idx in 0..BUCKETS {
            let (low, high) = bucket_range(idx);
            assert_eq!(low, expected_low, "bucket {idx}");
            assert!(high >= low);
            assert_eq!(bucket_index(low), idx);
            assert_eq!(bucket_index(high), idx);
            expected_low = high + 1;
        }
        assert_eq!(expected_low - 1, MAX_TRACKED_NS);
        assert_eq!(bucket_index(u64::MAX), BUCKETS - 1);
    }

    #[test]
    fn relative_error_is_within_one_thirty_second() {
        for idx in LINEAR..BUCKETS {
            let (low, high) = bucket_range(idx);
            assert!(((high - low) as f64) / (low as f64) <= 1.0 / 32.0 + 1e-12);
        }
    }

    #[test]
    fn percentiles_of_a_known_distribution() {
        let h = LatencyHistogram::new();
        for v in 1..=1000u64 {
            h.record_single_writer(v * 1000); // 1 µs .. 1 ms
        }
        let s = h.summary();
        assert_eq!(s.count, 1000);
        assert!((s.p50_us - 500.0).abs() / 500.0 < 0.04, "{s:?}");
        assert!((s.p99_us - 990.0).abs() / 990.0 < 0.04, "{s:?}");
        assert_eq!(s.max_us, 1000.0);
        assert!((s.mean_us - 500.5).abs() < 1e-9);
    }

    #[test]
    fn empty_histogram_summarises_to_zero() {
        assert_eq!(LatencyHistogram::new().summary(), LatencySummary::default());
    }
}

//! `AgentThrottle`: the viewer's bandwidth budget, split over the seven
//! categories a region sends in.

/// The seven throttle categories, in wire order.
pub const CATEGORIES: [&str; 7] = [
    "resend", "land", "wind", "cloud", "task", "texture", "asset",
];

/// Share of the budget per category (sums to 1). Objects (`task`) and
/// textures get most; wind and clouds a token amount.
pub const SHARES: [f32; 7] = [0.10, 0.17, 0.02, 0.02, 0.27, 0.27, 0.15];

/// Lowest budget sent (a region treats very small throttles as "stalled").
pub const MIN_KBPS: u32 = 100;
/// Highest budget sent.
pub const MAX_KBPS: u32 = 32_000;

/// The `Throttles` blob: seven little-endian `f32` bits-per-second values.
pub fn throttle_bytes(kbps: u32) -> [u8; 28] {
    let bps = kbps.clamp(MIN_KBPS, MAX_KBPS) as f32 * 1000.0;
    let mut out = [0u8; 28];
    for (i, share) in SHARES.iter().enumerate() {
        out[i * 4..i * 4 + 4].copy_from_slice(&(bps * share).to_le_bytes());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shares_sum_to_budget() {
        assert!((SHARES.iter().sum::<f32>() - 1.0).abs() < 1e-6);
        let b = throttle_bytes(1000);
        let total: f32 = b
            .chunks_exact(4)
            .map(|c| f32::from_le_bytes([c[0], c[1], c[2], c[3]]))
            .sum();
        assert!((total - 1_000_000.0).abs() < 1.0);
        let land = f32::from_le_bytes([b[4], b[5], b[6], b[7]]);
        assert!((land - 170_000.0).abs() < 1.0);
        // Clamped.
        let low = throttle_bytes(1);
        assert_eq!(
            f32::from_le_bytes([low[0], low[1], low[2], low[3]]),
            10_000.0
        );
    }
}

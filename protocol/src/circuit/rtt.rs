//! Round-trip time estimation (SRTT/RTTVAR, RFC 6298 style) and the resend
//! timeout derived from it.

use std::time::Duration;

/// Bounds and starting point of the resend timeout.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct RtoConfig {
    /// Timeout used before the first RTT sample.
    pub initial: Duration,
    /// Lower bound (protects against spurious resends on a fast link).
    pub min: Duration,
    /// Upper bound, also the cap of the exponential backoff.
    pub max: Duration,
}

impl Default for RtoConfig {
    fn default() -> Self {
        RtoConfig {
            initial: Duration::from_millis(1000),
            min: Duration::from_millis(200),
            max: Duration::from_millis(4000),
        }
    }
}

/// Smoothed RTT and its variation, fed by ping echoes and by acks of
/// packets that were never resent (Karn's rule: a resent packet's ack is
/// ambiguous and gives no sample).
#[derive(Debug, Clone)]
pub struct RttEstimator {
    srtt: Option<Duration>,
    rttvar: Duration,
    latest: Option<Duration>,
    config: RtoConfig,
}

impl RttEstimator {
    /// An estimator with no samples yet.
    pub fn new(config: RtoConfig) -> Self {
        RttEstimator {
            srtt: None,
            rttvar: Duration::ZERO,
            latest: None,
            config,
        }
    }

    /// Folds one RTT sample in.
    pub fn sample(&mut self, rtt: Duration) {
        self.latest = Some(rtt);
        match self.srtt {
            None => {
                self.srtt = Some(rtt);
                self.rttvar = rtt / 2;
            }
            Some(srtt) => {
                let err = srtt.abs_diff(rtt);
                self.rttvar = (self.rttvar * 3 + err) / 4;
                self.srtt = Some((srtt * 7 + rtt) / 8);
            }
        }
    }

    /// The smoothed RTT, if any sample arrived.
    pub fn smoothed(&self) -> Option<Duration> {
        self.srtt
    }

    /// The most recent sample.
    pub fn latest(&self) -> Option<Duration> {
        self.latest
    }

    /// The resend timeout: `SRTT + 4·RTTVAR`, clamped to the configured bounds.
    pub fn rto(&self) -> Duration {
        let raw = match self.srtt {
            None => self.config.initial,
            Some(srtt) => srtt + (self.rttvar * 4).max(Duration::from_millis(10)),
        };
        raw.clamp(self.config.min, self.config.max)
    }

    /// The timeout for a packet already resent `attempts` times: the RTO
    /// doubled per attempt, capped at the maximum.
    pub fn backoff(&self, attempts: u32) -> Duration {
        let base = self.rto();
        let factor = 1u32 << attempts.min(16);
        base.saturating_mul(factor).min(self.config.max)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_sample_then_smoothing() {
        let mut e = RttEstimator::new(RtoConfig::default());
        assert_eq!(e.rto(), Duration::from_millis(1000));
        e.sample(Duration::from_millis(100));
        assert_eq!(e.smoothed(), Some(Duration::from_millis(100)));
        // 100 + 4*50 = 300
        assert_eq!(e.rto(), Duration::from_millis(300));
        e.sample(Duration::from_millis(180));
        // rttvar = (3*50+80)/4 = 57.5; srtt = (700+180)/8 = 110
        assert_eq!(e.smoothed(), Some(Duration::from_millis(110)));
        assert_eq!(e.rto(), Duration::from_millis(340));
        assert_eq!(e.backoff(1), Duration::from_millis(680));
        assert_eq!(e.backoff(10), Duration::from_millis(4000));
    }

    #[test]
    fn rto_clamped_low() {
        let mut e = RttEstimator::new(RtoConfig::default());
        for _ in 0..50 {
            e.sample(Duration::from_micros(50));
        }
        assert_eq!(e.rto(), Duration::from_millis(200));
    }
}

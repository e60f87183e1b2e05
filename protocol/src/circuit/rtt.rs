//! Round-trip time estimation and the resend timeout, as Linden Lab's
//! reference viewer derives them (`indra/llmessage/llcircuit.h/.cpp`,
//! `message.h`):
//!
//! - an *averaged ping* starts at 1000 ms (`INITIAL_PING_VALUE_MSEC`);
//! - each sample first raises it to the sample if larger (fast attack),
//!   then relaxes it: `avg = 0.8·avg + 0.2·sample`
//!   (`LL_AVERAGED_PING_ALPHA` = 0.2), clamped to 100 ms..2000 ms
//!   (`LL_AVERAGED_PING_MIN` / `_MAX`);
//! - the resend timeout is `max(1 s, 5 × averaged ping)`
//!   (`LL_MINIMUM_RELIABLE_TIMEOUT_SECONDS`, `LL_RELIABLE_TIMEOUT_FACTOR`),
//!   recomputed at every resend, with no exponential backoff.
//!
//! The reference samples only ping echoes; Kestrel also samples acks of
//! packets never resent (Karn's rule). A peer that batches its acks (OpenSim
//! acks 220–250 ms late during login) therefore raises the average, which
//! only makes resends later, never earlier.

use std::time::Duration;

/// The reference's averaged-ping relaxation constant, 0.2, as a fraction
/// (numerator, denominator) so the arithmetic on durations stays exact.
pub const AVERAGED_PING_ALPHA: (u32, u32) = (1, 5);

/// The parameters of the resend timeout. The defaults are the reference
/// viewer's constants.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct RtoConfig {
    /// Averaged ping before any sample (`INITIAL_PING_VALUE_MSEC`, 1000 ms).
    pub initial_ping: Duration,
    /// Lower clamp of the averaged ping (`LL_AVERAGED_PING_MIN`, 100 ms).
    pub ping_min: Duration,
    /// Upper clamp of the averaged ping (`LL_AVERAGED_PING_MAX`, 2000 ms).
    pub ping_max: Duration,
    /// The shortest resend timeout (`LL_MINIMUM_RELIABLE_TIMEOUT_SECONDS`,
    /// 1 s).
    pub min_timeout: Duration,
    /// The resend timeout is this many averaged pings
    /// (`LL_RELIABLE_TIMEOUT_FACTOR`, 5).
    pub timeout_factor: u32,
}

impl Default for RtoConfig {
    fn default() -> Self {
        RtoConfig {
            initial_ping: Duration::from_millis(1000),
            ping_min: Duration::from_millis(100),
            ping_max: Duration::from_millis(2000),
            min_timeout: Duration::from_secs(1),
            timeout_factor: 5,
        }
    }
}

/// The averaged ping of a circuit (fast attack, slow decay), fed by ping
/// echoes and by acks of packets that were never resent (a resent packet's
/// ack is ambiguous and gives no sample).
#[derive(Debug, Clone)]
pub struct RttEstimator {
    averaged: Duration,
    /// Plain smoothed RTT (7/8 old + 1/8 new), for reporting only.
    srtt: Option<Duration>,
    latest: Option<Duration>,
    config: RtoConfig,
}

impl RttEstimator {
    /// An estimator with no samples yet (averaged ping = `initial_ping`).
    pub fn new(config: RtoConfig) -> Self {
        RttEstimator {
            averaged: config.initial_ping,
            srtt: None,
            latest: None,
            config,
        }
    }

    /// Folds one RTT sample in.
    pub fn sample(&mut self, rtt: Duration) {
        self.latest = Some(rtt);
        self.srtt = Some(self.srtt.map_or(rtt, |s| (s * 7 + rtt) / 8));
        let (num, den) = AVERAGED_PING_ALPHA;
        let raised = self.averaged.max(rtt);
        let relaxed = raised * (den - num) / den + rtt * num / den;
        self.averaged = relaxed.clamp(self.config.ping_min, self.config.ping_max);
    }

    /// The smoothed round trip (7/8 old, 1/8 new), once any sample
    /// arrived: what a user reads as "the RTT". The timeout uses
    /// [`Self::averaged`] instead.
    pub fn smoothed(&self) -> Option<Duration> {
        self.srtt
    }

    /// The averaged ping the timeout uses (the initial value before any
    /// sample).
    pub fn averaged(&self) -> Duration {
        self.averaged
    }

    /// The most recent sample.
    pub fn latest(&self) -> Option<Duration> {
        self.latest
    }

    /// The resend timeout: `max(min_timeout, timeout_factor × averaged)`.
    pub fn rto(&self) -> Duration {
        self.averaged
            .saturating_mul(self.config.timeout_factor)
            .max(self.config.min_timeout)
    }

    /// The timeout for a packet already resent `attempts` times. The
    /// reference applies no backoff: every resend waits [`Self::rto`] as it
    /// stands at that moment.
    pub fn backoff(&self, attempts: u32) -> Duration {
        let _ = attempts;
        self.rto()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ms(n: u64) -> Duration {
        Duration::from_millis(n)
    }

    #[test]
    fn starts_at_the_initial_ping() {
        let e = RttEstimator::new(RtoConfig::default());
        assert_eq!(e.smoothed(), None);
        assert_eq!(e.averaged(), ms(1000));
        // 5 × 1000 ms.
        assert_eq!(e.rto(), ms(5000));
        assert_eq!(e.backoff(3), ms(5000));
    }

    #[test]
    fn slow_decay_then_fast_attack() {
        let mut e = RttEstimator::new(RtoConfig::default());
        e.sample(ms(20));
        // max(20, 1000) = 1000; 0.8·1000 + 0.2·20 = 804.
        assert_eq!(e.averaged(), ms(804));
        assert_eq!(e.smoothed(), Some(ms(20)));
        assert_eq!(e.rto(), ms(4020));
        e.sample(ms(20));
        // 0.8·804 + 0.2·20 = 647.2.
        assert_eq!(e.averaged(), Duration::from_micros(647_200));
        // A worse sample is taken whole: max(1500, 647.2) then
        // 0.8·1500 + 0.2·1500 = 1500.
        e.sample(ms(1500));
        assert_eq!(e.averaged(), ms(1500));
        assert_eq!(e.rto(), ms(7500));
        assert_eq!(e.latest(), Some(ms(1500)));
    }

    #[test]
    fn averaged_ping_is_clamped_and_the_timeout_floored() {
        let mut e = RttEstimator::new(RtoConfig::default());
        e.sample(ms(9000));
        assert_eq!(e.averaged(), ms(2000));
        assert_eq!(e.rto(), ms(10_000));
        for _ in 0..60 {
            e.sample(Duration::from_micros(50));
        }
        assert_eq!(e.averaged(), ms(100));
        // 5 × 100 ms = 500 ms, under the 1 s floor.
        assert_eq!(e.rto(), ms(1000));
    }

    #[test]
    fn a_late_batched_ack_does_not_cause_a_resend() {
        // OpenSim acks 220–250 ms after the send during login: far inside
        // the 1 s floor, whatever the samples before.
        let mut e = RttEstimator::new(RtoConfig::default());
        for _ in 0..60 {
            e.sample(ms(1));
        }
        assert!(e.rto() > ms(250));
        assert_eq!(e.rto(), ms(1000));
    }
}

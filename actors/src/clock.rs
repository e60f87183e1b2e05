//! One monotonic time base for every actor, as `u64` nanoseconds.
//!
//! Enqueue and handling times are stored in atomics and compared across
//! threads, so they are nanoseconds since a process-wide epoch rather than
//! `Instant`s. Every message reads the clock three times (enqueue, handling
//! start, handling end), so the clock is `quanta`'s: the CPU's invariant
//! time-stamp counter scaled to nanoseconds (several times cheaper than
//! `Instant::now` here), falling back to the OS monotonic clock where the
//! counter is not usable.

use std::sync::OnceLock;
use std::time::Duration;

struct Base {
    clock: quanta::Clock,
    epoch_raw: u64,
}

static BASE: OnceLock<Base> = OnceLock::new();

#[inline]
fn base() -> &'static Base {
    match BASE.get() {
        Some(b) => b,
        None => base_slow(),
    }
}

#[cold]
fn base_slow() -> &'static Base {
    BASE.get_or_init(|| {
        // Calibrates the counter against the OS clock once (a few ms).
        let clock = quanta::Clock::new();
        let epoch_raw = clock.raw();
        Base { clock, epoch_raw }
    })
}

/// Fix the epoch and calibrate the clock (done by the runtime at start-up
/// so no message pays for it).
pub(crate) fn init() {
    base();
}

/// Nanoseconds since the epoch (monotonic). Never returns 0, so 0 can mean "unset".
#[inline]
pub(crate) fn now_ns() -> u64 {
    let b = base();
    b.clock.delta_as_nanos(b.epoch_raw, b.clock.raw()).max(1)
}

/// A duration as whole nanoseconds, saturating.
#[inline]
pub(crate) fn duration_ns(d: Duration) -> u64 {
    u64::try_from(d.as_nanos()).unwrap_or(u64::MAX)
}

/// Milliseconds since the epoch, for timestamps shown to people.
pub(crate) fn now_ms() -> u64 {
    now_ns() / 1_000_000
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn is_monotonic_and_tracks_real_time() {
        init();
        let a = now_ns();
        let t0 = std::time::Instant::now();
        std::thread::sleep(Duration::from_millis(20));
        let b = now_ns();
        let real = t0.elapsed().as_nanos() as u64;
        assert!(b > a);
        // Same order of magnitude as the OS clock (calibration, not timing).
        assert!(
            b - a >= real / 2 && b - a <= real * 2,
            "{} vs {real}",
            b - a
        );
    }
}

//! Seeded wire impairment: loss, duplication, reordering and delay, applied
//! to datagrams at the simulator's socket (one [`Impairment`] per
//! direction). It is sans-IO: callers push datagrams with the current time
//! and poll for the ones due; nothing here sleeps or touches a socket.
//!
//! The fate of the n-th datagram (lost? duplicated?) depends only on the seed
//! and n — see [`FateSchedule`] — so a test can replay the schedule and
//! check the counts exactly. Reordering draws from a separate stream, so
//! turning it on does not change which datagrams are lost.
//!
//! Stages, in order:
//! 1. fate: drop with probability `loss`, else deliver once or (with
//!    probability `duplicate`) twice;
//! 2. reorder: a hold buffer of `reorder_window` datagrams; when it is full a
//!    random one is released; a datagram is never held longer than
//!    [`REORDER_MAX_HOLD`];
//! 3. delay: a FIFO adding `latency` to each datagram, bounded to
//!    [`DELAY_QUEUE_CAPACITY`] (overflow is dropped and counted).

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use super::config::ImpairmentConfig;
use super::rng::SplitMix64;

/// Longest a datagram waits in the reorder buffer when traffic is too thin
/// to push it out.
pub const REORDER_MAX_HOLD: Duration = Duration::from_millis(30);

/// Bound of the delay queue (datagrams in flight at once per direction).
pub const DELAY_QUEUE_CAPACITY: usize = 8192;

/// What happens to one datagram before reordering and delay.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fate {
    /// Dropped.
    Lost,
    /// Delivered once.
    Delivered,
    /// Delivered twice.
    Duplicated,
}

/// The seeded sequence of fates: the n-th call of [`FateSchedule::next_fate`]
/// gives the fate of the n-th datagram pushed into an [`Impairment`] built
/// with the same configuration and stream.
#[derive(Debug, Clone)]
pub struct FateSchedule {
    rng: SplitMix64,
    loss: f64,
    duplicate: f64,
}

impl FateSchedule {
    /// The schedule of `config`'s seed for one direction (`stream`).
    pub fn new(config: &ImpairmentConfig, stream: u64) -> Self {
        FateSchedule {
            rng: SplitMix64::derive(config.seed, stream),
            loss: config.loss,
            duplicate: config.duplicate,
        }
    }

    /// The fate of the next datagram. Always draws two numbers, so the
    /// schedule of datagram n does not depend on earlier fates.
    pub fn next_fate(&mut self) -> Fate {
        let lost = self.rng.next_f64() < self.loss;
        let dup = self.rng.next_f64() < self.duplicate;
        match (lost, dup) {
            (true, _) => Fate::Lost,
            (false, true) => Fate::Duplicated,
            (false, false) => Fate::Delivered,
        }
    }
}

/// Counters of one direction's impairment.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ImpairmentStats {
    /// Datagrams pushed in.
    pub offered: u64,
    /// Dropped by the loss schedule.
    pub lost: u64,
    /// Extra copies made by the duplication schedule.
    pub duplicated: u64,
    /// Dropped because the delay queue was full.
    pub overflowed: u64,
    /// Delivered after a datagram pushed later than them had been delivered.
    pub reordered: u64,
    /// Datagrams handed out (copies included).
    pub delivered: u64,
}

#[derive(Debug)]
struct Entry<T> {
    index: u64,
    since: Instant,
    item: T,
}

/// One direction's impairment pipeline.
#[derive(Debug)]
pub struct Impairment<T> {
    fates: FateSchedule,
    pick: SplitMix64,
    window: usize,
    latency: Duration,
    pushed: u64,
    held: Vec<Entry<T>>,
    delayed: VecDeque<Entry<T>>,
    highest_delivered: Option<u64>,
    stats: ImpairmentStats,
}

impl<T: Clone> Impairment<T> {
    /// A pipeline for `config`; `stream` tells the two directions apart so
    /// they get independent schedules from one seed.
    pub fn new(config: &ImpairmentConfig, stream: u64) -> Self {
        Impairment {
            fates: FateSchedule::new(config, stream),
            pick: SplitMix64::derive(config.seed, stream ^ 0x5EED_0DE2),
            window: config.reorder_window,
            latency: Duration::from_millis(config.latency_ms),
            pushed: 0,
            held: Vec::with_capacity(config.reorder_window + 1),
            delayed: VecDeque::new(),
            highest_delivered: None,
            stats: ImpairmentStats::default(),
        }
    }

    /// Offers one datagram at time `now`.
    pub fn push(&mut self, now: Instant, item: T) {
        let index = self.pushed;
        self.pushed += 1;
        self.stats.offered += 1;
        match self.fates.next_fate() {
            Fate::Lost => self.stats.lost += 1,
            Fate::Delivered => self.hold(now, index, item),
            Fate::Duplicated => {
                self.stats.duplicated += 1;
                self.hold(now, index, item.clone());
                self.hold(now, index, item);
            }
        }
    }

    /// The next datagram due at `now`, if any.
    pub fn poll(&mut self, now: Instant) -> Option<T> {
        self.release_expired(now);
        let due = self
            .delayed
            .front()
            .is_some_and(|e| e.since + self.latency <= now);
        if !due {
            return None;
        }
        let entry = self.delayed.pop_front()?;
        match self.highest_delivered {
            Some(h) if entry.index < h => self.stats.reordered += 1,
            Some(h) if entry.index == h => {}
            _ => self.highest_delivered = Some(entry.index),
        }
        self.stats.delivered += 1;
        Some(entry.item)
    }

    /// When the next datagram becomes due (for a timer), `None` when empty.
    pub fn next_deadline(&self) -> Option<Instant> {
        let held = self.held.iter().map(|e| e.since + REORDER_MAX_HOLD).min();
        let delayed = self.delayed.front().map(|e| e.since + self.latency);
        match (held, delayed) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// Datagrams inside the pipeline (held or delayed).
    pub fn in_flight(&self) -> usize {
        self.held.len() + self.delayed.len()
    }

    /// The counters so far.
    pub fn stats(&self) -> ImpairmentStats {
        self.stats
    }

    /// Forgets every datagram in flight (the counters stay).
    pub fn clear(&mut self) {
        self.held.clear();
        self.delayed.clear();
    }

    fn hold(&mut self, now: Instant, index: u64, item: T) {
        let entry = Entry {
            index,
            since: now,
            item,
        };
        if self.window == 0 {
            self.delay(now, entry);
            return;
        }
        self.held.push(entry);
        if self.held.len() > self.window {
            let i = self.pick.below(self.held.len());
            let out = self.held.swap_remove(i);
            self.delay(now, out);
        }
    }

    fn release_expired(&mut self, now: Instant) {
        while let Some(i) = self
            .held
            .iter()
            .position(|e| e.since + REORDER_MAX_HOLD <= now)
        {
            let out = self.held.swap_remove(i);
            let released_at = out.since + REORDER_MAX_HOLD;
            self.delay(released_at, out);
        }
    }

    fn delay(&mut self, now: Instant, mut entry: Entry<T>) {
        if self.delayed.len() >= DELAY_QUEUE_CAPACITY {
            self.stats.overflowed += 1;
            return;
        }
        // The delay queue is FIFO; keep due times monotonic even when an
        // expired hold is released "in the past".
        let floor = self.delayed.back().map(|e| e.since).unwrap_or(now);
        entry.since = now.max(floor);
        self.delayed.push_back(entry);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cfg(loss: f64, dup: f64, window: usize, latency_ms: u64, seed: u64) -> ImpairmentConfig {
        ImpairmentConfig {
            loss,
            duplicate: dup,
            reorder_window: window,
            latency_ms,
            seed,
        }
    }

    fn drain(imp: &mut Impairment<u32>, now: Instant) -> Vec<u32> {
        std::iter::from_fn(|| imp.poll(now)).collect()
    }

    #[test]
    fn clean_config_passes_everything_in_order() {
        let mut imp = Impairment::new(&ImpairmentConfig::default(), 0);
        let t = Instant::now();
        for i in 0..1000 {
            imp.push(t, i);
        }
        assert_eq!(drain(&mut imp, t), (0..1000).collect::<Vec<_>>());
        let s = imp.stats();
        assert_eq!(
            (s.lost, s.duplicated, s.reordered, s.delivered),
            (0, 0, 0, 1000)
        );
    }

    #[test]
    fn fates_follow_the_seeded_schedule_exactly() {
        let c = cfg(0.2, 0.05, 0, 0, 7);
        let mut imp = Impairment::new(&c, 1);
        let mut schedule = FateSchedule::new(&c, 1);
        let t = Instant::now();
        let mut expected = Vec::new();
        for i in 0..5000u32 {
            imp.push(t, i);
            match schedule.next_fate() {
                Fate::Lost => {}
                Fate::Delivered => expected.push(i),
                Fate::Duplicated => expected.extend([i, i]),
            }
        }
        assert_eq!(drain(&mut imp, t), expected);
        let s = imp.stats();
        assert_eq!(s.delivered as usize, expected.len());
        assert_eq!(s.offered - s.lost + s.duplicated, s.delivered);
    }

    #[test]
    fn rates_are_within_tolerance_over_many_datagrams() {
        let mut imp = Impairment::new(&cfg(0.2, 0.05, 0, 0, 11), 0);
        let t = Instant::now();
        for i in 0..20_000 {
            imp.push(t, i);
        }
        let s = imp.stats();
        // 20 000 draws: the standard deviation of the lost count is ~57.
        assert!((3700..=4300).contains(&s.lost), "lost {}", s.lost);
        // Duplication applies to the ~16 000 survivors at 5 %: ~800 ± 28.
        assert!((650..=950).contains(&s.duplicated), "dup {}", s.duplicated);
    }

    #[test]
    fn same_seed_same_traffic_different_seed_different_traffic() {
        let run = |seed| {
            let mut imp = Impairment::new(&cfg(0.3, 0.1, 8, 0, seed), 0);
            let t = Instant::now();
            let mut out = Vec::new();
            for i in 0..500 {
                imp.push(t, i);
                out.extend(drain(&mut imp, t));
            }
            out.extend(drain(&mut imp, t + Duration::from_secs(1)));
            out
        };
        assert_eq!(run(5), run(5));
        assert_ne!(run(5), run(6));
    }

    #[test]
    fn reordering_keeps_every_datagram_and_counts_the_late_ones() {
        let mut imp = Impairment::new(&cfg(0.0, 0.0, 8, 0, 3), 0);
        let t = Instant::now();
        let mut out = Vec::new();
        for i in 0..2000u32 {
            imp.push(t, i);
            out.extend(drain(&mut imp, t));
        }
        // At most `window` datagrams are held at once.
        assert_eq!(imp.in_flight(), 8);
        assert_eq!(imp.next_deadline(), Some(t + REORDER_MAX_HOLD));
        assert!(drain(&mut imp, t + REORDER_MAX_HOLD / 2).is_empty());
        out.extend(drain(&mut imp, t + REORDER_MAX_HOLD));
        let mut sorted = out.clone();
        sorted.sort_unstable();
        assert_eq!(
            sorted,
            (0..2000).collect::<Vec<_>>(),
            "nothing lost or invented"
        );
        let late = out
            .iter()
            .scan(None::<u32>, |hi, &v| {
                let late = hi.is_some_and(|h| v < h);
                *hi = Some(hi.map_or(v, |h| h.max(v)));
                Some(late)
            })
            .filter(|&l| l)
            .count() as u64;
        assert_eq!(imp.stats().reordered, late);
        assert!(late > 500, "a window of 8 reorders most datagrams: {late}");
    }

    #[test]
    fn latency_holds_each_datagram_for_the_configured_time() {
        let mut imp = Impairment::new(&cfg(0.0, 0.0, 0, 40, 1), 0);
        let t = Instant::now();
        imp.push(t, 1);
        imp.push(t + Duration::from_millis(10), 2);
        assert_eq!(imp.poll(t + Duration::from_millis(39)), None);
        assert_eq!(imp.next_deadline(), Some(t + Duration::from_millis(40)));
        assert_eq!(imp.poll(t + Duration::from_millis(40)), Some(1));
        assert_eq!(imp.poll(t + Duration::from_millis(45)), None);
        assert_eq!(imp.poll(t + Duration::from_millis(50)), Some(2));
        assert_eq!(imp.next_deadline(), None);
    }

    #[test]
    fn the_delay_queue_is_bounded() {
        let mut imp = Impairment::new(&cfg(0.0, 0.0, 0, 1000, 1), 0);
        let t = Instant::now();
        for i in 0..(DELAY_QUEUE_CAPACITY as u32 + 100) {
            imp.push(t, i);
        }
        assert_eq!(imp.in_flight(), DELAY_QUEUE_CAPACITY);
        assert_eq!(imp.stats().overflowed, 100);
    }
}

//! The governor's decision logic: pure, deterministic, driven only by the
//! samples it is given (their own timestamps are its clock), so the actor and
//! the replay tool make the same decisions from the same frames.
//!
//! ## What "sustained" means
//! Each frame is classified by its cost, `max(frame_ms, gpu_ms)`:
//! * **slow** when the cost exceeds `target × (1 + down_margin)`, or its
//!   memory pressure is at or above `memory_pressure_limit`;
//! * **headroom** when the cost is below `target × (1 − up_margin)` and the
//!   memory pressure (if known) is below the limit;
//! * neither otherwise (the hysteresis band between the two limits).
//!
//! The governor steps **down** when slow frames make up at least
//! `down_fraction` of the frame time of the last `down_window_ms`, and **up**
//! when headroom frames make up at least `up_fraction` of the frame time of
//! the last `up_window_ms`. Shares are of *time* (each frame weighs its cost),
//! not of frame count: counting frames would let the many short frames
//! outvote the few long ones, which steps down too late and up too early,
//! and would make the rule depend on the frame rate. A window counts only once it
//! is *full*: the governor has been observing for at least its length since
//! it started or since the last change settled. After every change the
//! governor ignores frames for `cooldown_ms` (caches refill, pipelines are
//! rebuilt: those frames say little about the new profile) and then needs a
//! full window of new frames, so two changes are always at least
//! `cooldown_ms + down_window_ms` apart.
//!
//! A step up that is undone by a step down within its probation
//! (`cooldown_ms + up_window_ms` after it) was premature: the up window is then
//! doubled, up to `2^max_up_backoff` times, until a step up survives its
//! probation. This stops a load that sits between two profiles from flapping.

use std::collections::VecDeque;
use std::fmt;

use crate::config::PerformanceProfile;

use super::thresholds::Thresholds;

/// The most samples a window holds (about 60 s at 1000 frames a second). A
/// window that would hold more forgets its oldest samples early (counted in
/// [`GovernorCore::samples_forgotten`]).
pub const MAX_WINDOW_SAMPLES: usize = 1 << 16;

/// One frame, as the governor sees it (and as a trace row stores it).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FrameSample {
    /// When the frame ended, ms since the start of the session or trace.
    /// Never decreases from one sample to the next.
    pub t_ms: f64,
    /// The frame's CPU work time, ms (start of frame to submit, without the
    /// wait for vsync: a vsync-bound frame interval hides all headroom).
    pub frame_ms: f64,
    /// The frame's GPU time, ms, when the renderer measured it.
    pub gpu_ms: Option<f64>,
    /// Memory in use as a fraction of its budget (texture + VT caches against
    /// their budgets, or VRAM against the adapter's), when known.
    pub memory_pressure: Option<f64>,
}

impl FrameSample {
    /// A sample with only a frame time.
    pub fn new(t_ms: f64, frame_ms: f64) -> Self {
        Self {
            t_ms,
            frame_ms,
            gpu_ms: None,
            memory_pressure: None,
        }
    }

    /// What the frame cost: the larger of its CPU and GPU times (the frame
    /// rate is bound by whichever is slower).
    pub fn cost_ms(&self) -> f64 {
        match self.gpu_ms {
            Some(g) if g > self.frame_ms => g,
            _ => self.frame_ms,
        }
    }

    /// A sample from telemetry's [`FrameTiming`](kestrel_actors::telemetry::FrameTiming)
    /// (CPU time and GPU pass times), ending at `t_ms`.
    pub fn from_timing(t_ms: f64, timing: &kestrel_actors::telemetry::FrameTiming) -> Self {
        Self {
            t_ms,
            frame_ms: f64::from(timing.cpu_ms),
            gpu_ms: (timing.pass_count() > 0).then(|| f64::from(timing.gpu_ms())),
            memory_pressure: None,
        }
    }
}

/// Why the governor changed the profile.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Reason {
    /// Slow frames took too large a share of the down window.
    Overload {
        /// Share (0–1) of the window's frame time spent in slow frames.
        slow_share: f64,
        /// Share (0–1) spent in frames that were slow because of memory pressure.
        memory_share: f64,
        /// Frames in the window.
        frames: u32,
        /// The cost above which a frame is slow, ms.
        limit_ms: f64,
        /// The window's length, ms.
        window_ms: f64,
    },
    /// Headroom frames took a large enough share of the up window.
    Headroom {
        /// Share (0–1) of the window's frame time spent in headroom frames.
        fast_share: f64,
        /// Frames in the window.
        frames: u32,
        /// The cost below which a frame has headroom, ms.
        limit_ms: f64,
        /// The window's length, ms (after any backoff).
        window_ms: f64,
    },
}

impl fmt::Display for Reason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match *self {
            Reason::Overload {
                slow_share,
                memory_share,
                frames,
                limit_ms,
                window_ms,
            } => {
                write!(
                    f,
                    "{:.0}% of the last {window_ms:.0} ms ({frames} frames) in frames over {limit_ms:.2} ms",
                    slow_share * 100.0
                )?;
                if memory_share > 0.0 {
                    write!(f, " ({:.0}% under memory pressure)", memory_share * 100.0)?;
                }
                Ok(())
            }
            Reason::Headroom {
                fast_share,
                frames,
                limit_ms,
                window_ms,
            } => write!(
                f,
                "{:.0}% of the last {window_ms:.0} ms ({frames} frames) in frames under {limit_ms:.2} ms",
                fast_share * 100.0
            ),
        }
    }
}

/// A change of profile decided by the governor.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Transition {
    /// The time of the sample that decided it, ms.
    pub t_ms: f64,
    /// The profile before.
    pub from: PerformanceProfile,
    /// The profile after.
    pub to: PerformanceProfile,
    /// Why.
    pub why: Reason,
}

/// One frame in a window: when it ended and its cost in whole microseconds
/// (integers, so the running sums never drift).
#[derive(Debug, Clone, Copy)]
struct Entry {
    t_ms: f64,
    cost_us: u64,
    hit: bool,
    memory: bool,
}

/// The frames of the last `span` ms, with the time spent in those that matter.
#[derive(Debug, Clone)]
struct Window {
    samples: VecDeque<Entry>,
    total_us: u64,
    hit_us: u64,
    memory_us: u64,
    forgotten: u64,
}

impl Window {
    fn new() -> Self {
        Self {
            samples: VecDeque::new(),
            total_us: 0,
            hit_us: 0,
            memory_us: 0,
            forgotten: 0,
        }
    }

    fn clear(&mut self) {
        self.samples.clear();
        self.total_us = 0;
        self.hit_us = 0;
        self.memory_us = 0;
    }

    fn pop_front(&mut self) {
        if let Some(e) = self.samples.pop_front() {
            self.total_us -= e.cost_us;
            if e.hit {
                self.hit_us -= e.cost_us;
            }
            if e.memory {
                self.memory_us -= e.cost_us;
            }
        }
    }

    fn push(&mut self, e: Entry) {
        if self.samples.len() >= MAX_WINDOW_SAMPLES {
            self.pop_front();
            self.forgotten += 1;
        }
        self.samples.push_back(e);
        self.total_us += e.cost_us;
        if e.hit {
            self.hit_us += e.cost_us;
        }
        if e.memory {
            self.memory_us += e.cost_us;
        }
    }

    /// Keep only samples with `t > now - span`.
    fn trim(&mut self, now_ms: f64, span_ms: f64) {
        while self
            .samples
            .front()
            .is_some_and(|e| e.t_ms <= now_ms - span_ms)
        {
            self.pop_front();
        }
    }

    fn frames(&self) -> u32 {
        // Bounded by MAX_WINDOW_SAMPLES.
        self.samples.len() as u32
    }

    /// Share (0–1) of the window's time in frames that matter.
    fn share(&self) -> f64 {
        if self.total_us == 0 {
            0.0
        } else {
            self.hit_us as f64 / self.total_us as f64
        }
    }

    fn memory_share(&self) -> f64 {
        if self.total_us == 0 {
            0.0
        } else {
            self.memory_us as f64 / self.total_us as f64
        }
    }
}

/// Where the core stands between changes.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Phase {
    /// No sample seen since the (re)start: the next one starts the clock.
    Idle,
    /// Observing; windows are full once `now - from_ms` reaches their length.
    /// Samples at or before `from_ms` are ignored (the cooldown).
    Observing { from_ms: f64 },
}

/// The governor's decision logic. Feed it every frame with
/// [`observe`](Self::observe) or [`observe_sample`](Self::observe_sample);
/// it answers the profile change, if this frame decided one.
#[derive(Debug, Clone)]
pub struct GovernorCore {
    thresholds: Thresholds,
    profile: PerformanceProfile,
    phase: Phase,
    down: Window,
    up: Window,
    last_t_ms: Option<f64>,
    /// Time and origin of the last step up, while it is on probation.
    last_up: Option<(f64, PerformanceProfile)>,
    /// Doublings of the up window after premature step ups.
    up_backoff: u32,
    samples_seen: u64,
    samples_out_of_order: u64,
}

impl GovernorCore {
    /// A governor starting at `profile`.
    pub fn new(thresholds: Thresholds, profile: PerformanceProfile) -> Self {
        Self {
            thresholds,
            profile,
            phase: Phase::Idle,
            down: Window::new(),
            up: Window::new(),
            last_t_ms: None,
            last_up: None,
            up_backoff: 0,
            samples_seen: 0,
            samples_out_of_order: 0,
        }
    }

    /// The profile in force.
    pub fn profile(&self) -> PerformanceProfile {
        self.profile
    }

    /// The thresholds in force.
    pub fn thresholds(&self) -> &Thresholds {
        &self.thresholds
    }

    /// Samples observed so far.
    pub fn samples_seen(&self) -> u64 {
        self.samples_seen
    }

    /// Samples ignored because their time was earlier than the previous one's.
    pub fn samples_out_of_order(&self) -> u64 {
        self.samples_out_of_order
    }

    /// Samples dropped from a window early because it held
    /// [`MAX_WINDOW_SAMPLES`].
    pub fn samples_forgotten(&self) -> u64 {
        self.down.forgotten + self.up.forgotten
    }

    /// How many times the up window is currently doubled.
    pub fn up_backoff(&self) -> u32 {
        self.up_backoff
    }

    /// The up window in force now (ms), after backoff.
    pub fn effective_up_window_ms(&self) -> f64 {
        f64::from(self.thresholds.up_window_ms) * f64::from(1u32 << self.up_backoff.min(16))
    }

    /// New thresholds: the windows start over (their frames were classified
    /// against the old limits); the backoff is kept.
    pub fn set_thresholds(&mut self, thresholds: Thresholds) {
        self.thresholds = thresholds;
        self.up_backoff = self.up_backoff.min(thresholds.max_up_backoff);
        self.restart();
    }

    /// The profile was chosen from outside (the user, or the saved settings):
    /// adopt it and start over, as after one of our own changes.
    pub fn set_profile(&mut self, profile: PerformanceProfile) {
        self.profile = profile;
        self.last_up = None;
        self.settle_from_last();
    }

    /// Forget the windows; the next sample starts the clock again (used when
    /// the governor is re-enabled after a pause).
    pub fn restart(&mut self) {
        self.down.clear();
        self.up.clear();
        self.phase = Phase::Idle;
    }

    /// Clear the windows and ignore frames for the cooldown from the last sample's time.
    fn settle_from_last(&mut self) {
        self.down.clear();
        self.up.clear();
        self.phase = match self.last_t_ms {
            Some(t) => Phase::Observing {
                from_ms: t + f64::from(self.thresholds.cooldown_ms),
            },
            None => Phase::Idle,
        };
    }

    /// Observe one frame that ended at `t_ms` and took `frame_ms`.
    pub fn observe(&mut self, t_ms: f64, frame_ms: f64) -> Option<Transition> {
        self.observe_sample(&FrameSample::new(t_ms, frame_ms))
    }

    /// Observe one frame with its GPU time and memory pressure, if known.
    pub fn observe_sample(&mut self, s: &FrameSample) -> Option<Transition> {
        let t = s.t_ms;
        if !t.is_finite() || self.last_t_ms.is_some_and(|last| t < last) {
            self.samples_out_of_order += 1;
            return None;
        }
        self.last_t_ms = Some(t);
        self.samples_seen += 1;
        let th = self.thresholds;

        let from_ms = match self.phase {
            Phase::Idle => {
                // The first sample starts the clock; it is not counted itself.
                self.phase = Phase::Observing { from_ms: t };
                return None;
            }
            Phase::Observing { from_ms } => from_ms,
        };
        // A step up that lived through its probation was right: no more backoff.
        if let Some((t_up, _)) = self.last_up
            && t - t_up > f64::from(th.cooldown_ms) + self.effective_up_window_ms()
        {
            self.last_up = None;
            self.up_backoff = 0;
        }
        if t <= from_ms {
            return None; // cooling down
        }

        let cost = s.cost_ms();
        let memory_high = s
            .memory_pressure
            .is_some_and(|p| p >= th.memory_pressure_limit);
        let slow = cost > th.slow_limit_ms() || memory_high;
        let fast = cost < th.headroom_limit_ms() && !memory_high;
        // Costs are bounded (a trace refuses frames over 60 s; the actor's
        // senders are the renderer): the cast saturates anyway.
        let cost_us = (cost.max(0.0) * 1000.0).round() as u64;
        let down_span = f64::from(th.down_window_ms);
        let up_span = self.effective_up_window_ms();
        self.down.push(Entry {
            t_ms: t,
            cost_us,
            hit: slow,
            memory: memory_high,
        });
        self.down.trim(t, down_span);
        self.up.push(Entry {
            t_ms: t,
            cost_us,
            hit: fast,
            memory: false,
        });
        self.up.trim(t, up_span);
        let observed = t - from_ms;

        if observed >= down_span
            && let Some(to) = self.profile.step_down()
            && self.profile > th.min_profile
            && self.down.share() >= th.down_fraction
        {
            let why = Reason::Overload {
                slow_share: self.down.share(),
                memory_share: self.down.memory_share(),
                frames: self.down.frames(),
                limit_ms: th.slow_limit_ms(),
                window_ms: down_span,
            };
            // Undoing a step up still on probation: it was premature.
            if let Some((_, origin)) = self.last_up.take()
                && origin == to
            {
                self.up_backoff = (self.up_backoff + 1).min(th.max_up_backoff);
            }
            return Some(self.change(t, to, why));
        }
        if observed >= up_span
            && let Some(to) = self.profile.step_up()
            && self.profile < th.max_profile
            && self.up.share() >= th.up_fraction
        {
            let why = Reason::Headroom {
                fast_share: self.up.share(),
                frames: self.up.frames(),
                limit_ms: th.headroom_limit_ms(),
                window_ms: up_span,
            };
            self.last_up = Some((t, self.profile));
            return Some(self.change(t, to, why));
        }
        None
    }

    fn change(&mut self, t_ms: f64, to: PerformanceProfile, why: Reason) -> Transition {
        let from = self.profile;
        self.profile = to;
        self.settle_from_last();
        Transition {
            t_ms,
            from,
            to,
            why,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use PerformanceProfile::*;

    fn th() -> Thresholds {
        Thresholds {
            target_frame_ms: 10.0,
            down_margin: 0.2,
            up_margin: 0.3,
            down_window_ms: 1000,
            down_fraction: 0.5,
            up_window_ms: 3000,
            up_fraction: 0.9,
            cooldown_ms: 500,
            min_profile: Low,
            max_profile: High,
            memory_pressure_limit: 0.9,
            max_up_backoff: 2,
        }
    }

    /// Feed `frame_ms` frames back to back from `t` until `until`; returns the transitions and the end time.
    fn run(
        core: &mut GovernorCore,
        mut t: f64,
        until: f64,
        frame_ms: f64,
    ) -> (Vec<Transition>, f64) {
        let mut out = Vec::new();
        while t < until {
            t += frame_ms;
            out.extend(core.observe(t, frame_ms));
        }
        (out, t)
    }

    #[test]
    fn overload_steps_down_once_the_down_window_is_full() {
        let mut core = GovernorCore::new(th(), High);
        let (tr, _) = run(&mut core, 0.0, 5000.0, 20.0);
        // First sample at t=20 starts the clock; window full at t=1020; then
        // cooldown 500 + window 1000 before the next step.
        assert_eq!(tr.len(), 2);
        assert_eq!((tr[0].from, tr[0].to, tr[0].t_ms), (High, Balanced, 1020.0));
        assert_eq!((tr[1].from, tr[1].to, tr[1].t_ms), (Balanced, Low, 2520.0));
        assert!(matches!(
            tr[0].why,
            Reason::Overload {
                slow_share: 1.0,
                frames: 50,
                ..
            }
        ));
    }

    #[test]
    fn band_frames_never_move_the_profile() {
        let mut core = GovernorCore::new(th(), Balanced);
        // 10 ms: neither slow (> 12) nor headroom (< 7).
        let (tr, _) = run(&mut core, 0.0, 60_000.0, 10.0);
        assert!(tr.is_empty());
    }

    #[test]
    fn headroom_steps_up_after_the_longer_window_and_stops_at_max() {
        let mut core = GovernorCore::new(th(), Low);
        let (tr, _) = run(&mut core, 0.0, 20_000.0, 5.0);
        let pairs: Vec<_> = tr.iter().map(|t| (t.from, t.to)).collect();
        assert_eq!(pairs, vec![(Low, Balanced), (Balanced, High)]);
        assert_eq!(tr[0].t_ms, 3005.0);
        assert_eq!(tr[1].t_ms, 3005.0 + 500.0 + 3000.0);
    }

    #[test]
    fn premature_step_up_doubles_the_up_window() {
        let mut core = GovernorCore::new(th(), Balanced);
        let (tr, t) = run(&mut core, 0.0, 4000.0, 5.0);
        assert_eq!(tr.len(), 1);
        assert_eq!(tr[0].to, High);
        // High turns out too expensive: back down within probation (at 4520).
        let (tr, t) = run(&mut core, t, t + 700.0, 20.0);
        assert_eq!(tr.len(), 1);
        assert_eq!(tr[0].to, Balanced);
        let down_at = tr[0].t_ms;
        assert_eq!(core.up_backoff(), 1);
        assert_eq!(core.effective_up_window_ms(), 6000.0);
        // Headroom again: the next step up needs 6 s of it after the cooldown, not 3 s.
        let (tr, _) = run(&mut core, t, t + 8000.0, 5.0);
        assert_eq!(tr.len(), 1);
        assert_eq!(tr[0].t_ms, down_at + 500.0 + 6000.0, "{:?}", tr[0]);
    }

    #[test]
    fn memory_pressure_counts_as_slow() {
        let mut core = GovernorCore::new(th(), High);
        let mut t = 0.0;
        let mut out = Vec::new();
        while t < 2000.0 {
            t += 5.0;
            let mut s = FrameSample::new(t, 5.0);
            s.memory_pressure = Some(0.95);
            out.extend(core.observe_sample(&s));
        }
        assert_eq!(out.len(), 1);
        assert!(matches!(
            out[0].why,
            Reason::Overload {
                memory_share: 1.0,
                frames: 200,
                ..
            }
        ));
    }

    #[test]
    fn custom_profile_and_limits_hold_still() {
        let mut core = GovernorCore::new(th(), Custom);
        assert!(run(&mut core, 0.0, 10_000.0, 50.0).0.is_empty());
        let mut t = th();
        t.min_profile = Balanced;
        let mut core = GovernorCore::new(t, Balanced);
        assert!(run(&mut core, 0.0, 10_000.0, 50.0).0.is_empty());
    }

    #[test]
    fn out_of_order_samples_are_ignored_and_counted() {
        let mut core = GovernorCore::new(th(), High);
        core.observe(100.0, 10.0);
        core.observe(50.0, 10.0);
        core.observe(f64::NAN, 10.0);
        assert_eq!((core.samples_seen(), core.samples_out_of_order()), (1, 2));
    }

    #[test]
    fn gpu_time_bounds_the_cost() {
        let mut s = FrameSample::new(0.0, 4.0);
        assert_eq!(s.cost_ms(), 4.0);
        s.gpu_ms = Some(9.0);
        assert_eq!(s.cost_ms(), 9.0);
    }
}

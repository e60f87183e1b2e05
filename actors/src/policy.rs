//! [`SupervisionPolicy`]: how a supervisor reacts to faults, and
//! [`RestartTracker`], which applies its restart intensity and backoff.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

/// What to do when a handler runs past the watchdog time.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum HangAction {
    /// Count the hang and restart the actor (through the restart intensity), as for a crash.
    Restart,
    /// Only count the hang.
    Record,
}

/// What to do when the restart intensity is exceeded.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Exhausted {
    /// Disable the actor: its messages are dead-lettered and sends refused until re-enabled.
    Disable,
    /// Disable the actor and report an [`Escalation`](crate::Escalation) to its parent
    /// (or to the runtime's escalation log), which decides what happens next.
    Escalate,
}

/// Exponential restart backoff: `initial * factor^k`, at most `max`, where k
/// is the number of restarts already inside the intensity window.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Backoff {
    /// Delay before the first restart in a window.
    pub initial: Duration,
    /// Growth factor per further restart (≥ 1).
    pub factor: f64,
    /// Upper bound of the delay.
    pub max: Duration,
}

impl Backoff {
    /// The delay before the restart that follows `previous` restarts in the window.
    pub fn delay(&self, previous: usize) -> Duration {
        let exp = i32::try_from(previous).unwrap_or(i32::MAX);
        let secs = self.initial.as_secs_f64() * self.factor.powi(exp);
        if !secs.is_finite() || secs >= self.max.as_secs_f64() {
            self.max
        } else {
            Duration::from_secs_f64(secs)
        }
    }
}

/// An OTP-style supervision policy for one actor.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct SupervisionPolicy {
    /// Restart intensity: at most this many restarts …
    pub max_restarts: u32,
    /// … within this window; one more fault and the policy gives up (`on_exhausted`).
    pub restart_window: Duration,
    /// Delay before each restart.
    pub backoff: Backoff,
    /// A handler running longer than this is a hang (`None`: no watchdog).
    pub watchdog: Option<Duration>,
    /// What a hang does.
    pub on_hang: HangAction,
    /// A message whose handler panicked this many times is dead-lettered (K ≥ 1).
    pub poison_after: u32,
    /// What to do past the restart intensity.
    pub on_exhausted: Exhausted,
}

impl Default for SupervisionPolicy {
    fn default() -> Self {
        Self {
            max_restarts: 5,
            restart_window: Duration::from_secs(10),
            backoff: Backoff {
                initial: Duration::from_millis(10),
                factor: 2.0,
                max: Duration::from_secs(2),
            },
            watchdog: Some(Duration::from_millis(500)),
            on_hang: HangAction::Restart,
            poison_after: 3,
            on_exhausted: Exhausted::Disable,
        }
    }
}

/// The verdict on one fault.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RestartDecision {
    /// Restart after this delay.
    RestartAfter(Duration),
    /// The intensity is exceeded.
    GiveUp,
}

/// Applies restart intensity and backoff: remembers the restarts inside the window.
#[derive(Clone, Debug)]
pub struct RestartTracker {
    recent: VecDeque<Instant>,
}

impl Default for RestartTracker {
    fn default() -> Self {
        Self::new()
    }
}

impl RestartTracker {
    /// No restarts yet.
    pub fn new() -> Self {
        Self {
            recent: VecDeque::new(),
        }
    }

    /// Decide what a fault at `now` leads to, recording the restart if one is allowed.
    pub fn on_fault(&mut self, policy: &SupervisionPolicy, now: Instant) -> RestartDecision {
        while let Some(&oldest) = self.recent.front() {
            if now.saturating_duration_since(oldest) >= policy.restart_window {
                self.recent.pop_front();
            } else {
                break;
            }
        }
        if self.recent.len() >= policy.max_restarts as usize {
            return RestartDecision::GiveUp;
        }
        let delay = policy.backoff.delay(self.recent.len());
        self.recent.push_back(now);
        RestartDecision::RestartAfter(delay)
    }

    /// Forget past restarts (after a manual re-enable).
    pub fn reset(&mut self) {
        self.recent.clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_and_caps() {
        let b = Backoff {
            initial: Duration::from_millis(10),
            factor: 2.0,
            max: Duration::from_millis(50),
        };
        let got: Vec<u128> = (0..5).map(|k| b.delay(k).as_millis()).collect();
        assert_eq!(got, vec![10, 20, 40, 50, 50]);
    }

    #[test]
    fn intensity_allows_n_restarts_per_window_then_gives_up() {
        let policy = SupervisionPolicy {
            max_restarts: 2,
            restart_window: Duration::from_secs(10),
            ..SupervisionPolicy::default()
        };
        let t0 = Instant::now();
        let mut t = RestartTracker::new();
        assert!(matches!(
            t.on_fault(&policy, t0),
            RestartDecision::RestartAfter(_)
        ));
        assert!(matches!(
            t.on_fault(&policy, t0 + Duration::from_secs(1)),
            RestartDecision::RestartAfter(_)
        ));
        assert_eq!(
            t.on_fault(&policy, t0 + Duration::from_secs(2)),
            RestartDecision::GiveUp
        );
        // Once the first restart leaves the window there is room again.
        assert!(matches!(
            t.on_fault(&policy, t0 + Duration::from_secs(10)),
            RestartDecision::RestartAfter(_)
        ));
    }
}

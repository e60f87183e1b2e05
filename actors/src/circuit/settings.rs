//! [`CircuitSettings`]: every timeout, rate and bound of the circuit actor.

use std::time::Duration;

use kestrel_protocol::circuit::CircuitConfig;

use super::caps::WANTED_CAPABILITIES;
use super::http::{HttpTimeouts, TlsTrust};
use super::login::ViewerInfo;

/// Exponential backoff between retries: `initial · 2^k`, at most `max`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryBackoff {
    /// The first delay.
    pub initial: Duration,
    /// The cap.
    pub max: Duration,
}

impl RetryBackoff {
    /// The delay before retry number `attempt` (0-based).
    pub fn delay(&self, attempt: u32) -> Duration {
        self.initial
            .saturating_mul(1u32 << attempt.min(16))
            .min(self.max)
    }
}

/// How the circuit actor behaves. The defaults suit a real grid; tests
/// shorten the timeouts.
#[derive(Debug, Clone, PartialEq)]
pub struct CircuitSettings {
    /// Timeouts of the login call and the seed capability.
    pub http: HttpTimeouts,
    /// Which servers `https://` logins and capabilities trust beyond the
    /// built-in roots.
    pub tls: TlsTrust,
    /// How long one `EventQueueGet` long poll may take (longer than the
    /// region's hold time, ~25 s on OpenSimulator).
    pub event_queue_timeout: Duration,
    /// Retry delays after a failed poll or seed request.
    pub caps_backoff: RetryBackoff,
    /// Seed-capability requests tried before giving up on capabilities.
    pub seed_attempts: u32,
    /// The capabilities asked for.
    pub capabilities: Vec<String>,
    /// No datagram for this long: the circuit has timed out.
    pub circuit_timeout: Duration,
    /// How often `AgentUpdate` goes out once connected (10 Hz).
    pub agent_update_interval: Duration,
    /// How often a `StartPingCheck` goes out.
    pub ping_interval: Duration,
    /// How often resends, acks and timeouts are looked at.
    pub tick_interval: Duration,
    /// How long to wait for `LogoutReply`.
    pub logout_timeout: Duration,
    /// Delays between reconnection attempts after a timeout.
    pub reconnect_backoff: RetryBackoff,
    /// Reconnection attempts before giving up; `None`: until the region is back.
    pub reconnect_attempts: Option<u32>,
    /// The initial bandwidth budget for `AgentThrottle`, kbit/s.
    pub bandwidth_kbps: u32,
    /// Reliability tunables of the circuit core.
    pub core: CircuitConfig,
    /// How the viewer names itself at login.
    pub viewer: ViewerInfo,
    /// Outgoing reliable messages queued while the unacked window is full.
    pub outbox_capacity: usize,
}

impl Default for CircuitSettings {
    fn default() -> Self {
        CircuitSettings {
            http: HttpTimeouts {
                connect: Duration::from_secs(5),
                response: Duration::from_secs(20),
            },
            tls: TlsTrust::default(),
            event_queue_timeout: Duration::from_secs(60),
            caps_backoff: RetryBackoff {
                initial: Duration::from_millis(500),
                max: Duration::from_secs(10),
            },
            seed_attempts: 5,
            capabilities: WANTED_CAPABILITIES.iter().map(|s| s.to_string()).collect(),
            circuit_timeout: Duration::from_secs(20),
            agent_update_interval: Duration::from_millis(100),
            ping_interval: Duration::from_secs(2),
            tick_interval: Duration::from_millis(20),
            logout_timeout: Duration::from_secs(5),
            reconnect_backoff: RetryBackoff {
                initial: Duration::from_secs(1),
                max: Duration::from_secs(15),
            },
            reconnect_attempts: None,
            bandwidth_kbps: 1500,
            core: CircuitConfig::default(),
            viewer: ViewerInfo::default(),
            outbox_capacity: 512,
        }
    }
}

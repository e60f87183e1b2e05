//! What the circuit publishes: [`CircuitStats`] (a snapshot for the editor
//! and the headless report) and [`CircuitEvent`]s for subscribers.

use serde::Serialize;

use crate::message::Message;

/// Where the circuit is in its life.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Default)]
#[serde(rename_all = "snake_case")]
pub enum CircuitState {
    /// Not started.
    #[default]
    Idle,
    /// The XML-RPC login is in progress.
    LoggingIn,
    /// The UDP circuit is open; the region handshake is in progress.
    Connecting,
    /// Handshake done; the agent is in the region.
    Connected,
    /// No packet arrived for the circuit timeout.
    TimedOut,
    /// Logging in again after a timeout, with backoff.
    Reconnecting,
    /// `LogoutRequest` sent; waiting for `LogoutReply`.
    LoggingOut,
    /// Logged out (or the logout timed out).
    LoggedOut,
    /// The login failed; see `last_error`.
    Failed,
}

/// A snapshot of the circuit, published through `Latest<CircuitStats>`.
#[derive(Debug, Clone, PartialEq, Serialize, Default)]
pub struct CircuitStats {
    /// The state.
    pub state: CircuitState,
    /// True once `RegionHandshake` and `AgentMovementComplete` arrived (and
    /// the reply went out) on the current circuit.
    pub handshake: bool,
    /// The region's name (from `RegionHandshake`).
    pub region_name: Option<String>,
    /// The region's handle (from the login reply / `AgentMovementComplete`).
    pub region_handle: Option<u64>,
    /// Smoothed round-trip time, milliseconds.
    pub rtt_ms: Option<f64>,
    /// Datagrams received.
    pub packets_in: u64,
    /// Datagrams sent.
    pub packets_out: u64,
    /// Reliable packets resent.
    pub resent: u64,
    /// Received duplicates dropped.
    pub duplicates_dropped: u64,
    /// Reliable packets given up after the retry limit while the circuit
    /// was up.
    pub reliable_lost: u64,
    /// Reliable packets still unacked when the region closed the circuit
    /// during logout (OpenSim may close the agent before acking its
    /// `LogoutRequest`); not counted in `reliable_lost`.
    pub unacked_at_logout: u64,
    /// Malformed datagrams (bad framing or undecodable message).
    pub malformed: u64,
    /// Well-framed packets whose message number the template does not know
    /// (acked and dropped; not malformed).
    pub unknown_messages: u64,
    /// Ack ids sent.
    pub acks_sent: u64,
    /// Reliable packets in flight now.
    pub in_flight: usize,
    /// Datagrams ignored: from an address other than the region's, or
    /// arriving while no circuit is open (after a timeout or logout).
    pub foreign_packets: u64,
    /// Datagrams the socket would not take (treated as lost on the wire).
    pub send_errors: u64,
    /// Times a subscriber's full mailbox made the circuit wait.
    pub subscriber_waits: u64,
    /// Messages a disabled or stopped subscriber could not take.
    pub undeliverable: u64,
    /// Event-queue events received.
    pub caps_events: u64,
    /// Completed reconnections after a timeout.
    pub reconnects: u64,
    /// Times the actor was restarted by its supervisor (circuit resumed).
    pub resumed: u64,
    /// The region answered the last logout (false: none yet, or it timed out).
    pub logout_answered: bool,
    /// The last error shown to the user.
    pub last_error: Option<String>,
}

/// Something that happened to the circuit, for subscribers
/// (`SubscribeEvents`).
#[derive(Debug, Clone, PartialEq)]
pub enum CircuitEvent {
    /// The state changed.
    State(CircuitState),
    /// Login failed (the text is the user-facing error).
    LoginFailed(String),
    /// A reliable packet was given up after the retry limit.
    ReliableLost {
        /// Its message name (or `"unknown"`).
        message: &'static str,
        /// Its sequence number.
        sequence: u32,
    },
    /// No packet arrived for the circuit timeout.
    TimedOut,
    /// The circuit is back after a timeout.
    Reconnected,
    /// Logged out; `timed_out` when no `LogoutReply` came in time.
    LoggedOut {
        /// The reply never came.
        timed_out: bool,
    },
}

impl Message for CircuitEvent {
    type Result = ();
}

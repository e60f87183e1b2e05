//! The messages the circuit actor handles (besides subscriptions).

use std::net::SocketAddr;
use std::time::Instant;

use glam::{Quat, Vec3};
use kestrel_protocol::login::LoginSuccess;
use kestrel_protocol::messages::Message as WireMessage;
use kestrel_protocol::types::Uuid;

use super::login::LoginParams;
use super::stats::{CircuitEvent, CircuitState};
use super::subscriptions::{CapsEvent, SubscribeError};
use crate::mailbox::Recipient;
use crate::message::Message;

/// Log in and open the circuit. Progress shows in the stats and events.
#[derive(Debug, Clone)]
pub struct Connect(pub LoginParams);

impl Message for Connect {
    type Result = Result<(), ConnectError>;
}

/// What a region session needs once logged in (from the login reply, or
/// from an `EnableSimulator` for a neighbouring region).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionInfo {
    /// The agent.
    pub agent_id: Uuid,
    /// The session.
    pub session_id: Uuid,
    /// The circuit code the region expects in `UseCircuitCode`.
    pub circuit_code: u32,
    /// The region's UDP address.
    pub sim: SocketAddr,
    /// The seed capability URL, if any.
    pub seed_capability: Option<String>,
    /// The region's handle.
    pub region_handle: u64,
}

impl From<&LoginSuccess> for SessionInfo {
    fn from(s: &LoginSuccess) -> Self {
        SessionInfo {
            agent_id: s.agent_id,
            session_id: s.session_id,
            circuit_code: s.circuit_code,
            sim: SocketAddr::from((s.sim_ip, s.sim_port)),
            seed_capability: (!s.seed_capability.is_empty()).then(|| s.seed_capability.clone()),
            region_handle: s.region_handle(),
        }
    }
}

/// Open a circuit to a region for a session that is already logged in
/// (no XML-RPC login; no automatic re-login on timeout).
#[derive(Debug, Clone)]
pub struct Attach(pub SessionInfo);

impl Message for Attach {
    type Result = Result<(), ConnectError>;
}

/// Why `Connect`/`Attach` was refused at once.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ConnectError {
    /// A session is already running (log out first).
    #[error("the circuit is already {0:?}; log out first")]
    Busy(CircuitState),
    /// The UDP socket could not be opened.
    #[error("cannot open the UDP socket: {0}")]
    Socket(String),
}

/// The agent's control flags (`AgentUpdate.ControlFlags`), a bit set.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Hash)]
pub struct ControlFlags(pub u32);

impl ControlFlags {
    /// Walk forward.
    pub const AT_POS: ControlFlags = ControlFlags(0x0000_0001);
    /// Walk backward.
    pub const AT_NEG: ControlFlags = ControlFlags(0x0000_0002);
    /// Strafe left.
    pub const LEFT_POS: ControlFlags = ControlFlags(0x0000_0004);
    /// Strafe right.
    pub const LEFT_NEG: ControlFlags = ControlFlags(0x0000_0008);
    /// Up (jump / fly up).
    pub const UP_POS: ControlFlags = ControlFlags(0x0000_0010);
    /// Down (crouch / fly down).
    pub const UP_NEG: ControlFlags = ControlFlags(0x0000_0020);
    /// Fly.
    pub const FLY: ControlFlags = ControlFlags(0x0000_2000);
    /// Turn left.
    pub const TURN_LEFT: ControlFlags = ControlFlags(0x0200_0000);
    /// Turn right.
    pub const TURN_RIGHT: ControlFlags = ControlFlags(0x0400_0000);
    /// Away.
    pub const AWAY: ControlFlags = ControlFlags(0x0800_0000);

    /// These flags with `other` added.
    pub const fn with(self, other: ControlFlags) -> Self {
        ControlFlags(self.0 | other.0)
    }

    /// True when every bit of `other` is set.
    pub const fn contains(self, other: ControlFlags) -> bool {
        self.0 & other.0 == other.0
    }
}

/// Where the agent's camera is, for `AgentUpdate` (the region uses it for
/// interest management).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct AgentCamera {
    /// Camera position, region metres.
    pub center: Vec3,
    /// Looking direction.
    pub at: Vec3,
    /// Left axis.
    pub left: Vec3,
    /// Up axis.
    pub up: Vec3,
    /// Draw distance, metres.
    pub far: f32,
}

impl Default for AgentCamera {
    fn default() -> Self {
        AgentCamera {
            center: Vec3::new(128.0, 128.0, 30.0),
            at: Vec3::X,
            left: Vec3::Y,
            up: Vec3::Z,
            far: 128.0,
        }
    }
}

/// The latest agent controls (sent by the window); they go out in each
/// `AgentUpdate` until replaced.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct AgentControl {
    /// Movement keys and modes.
    pub flags: ControlFlags,
    /// Body rotation.
    pub body_rotation: Quat,
    /// Head rotation.
    pub head_rotation: Quat,
    /// The camera.
    pub camera: AgentCamera,
}

impl Message for AgentControl {
    type Result = ();
}

/// Set the bandwidth budget (the active performance settings'); sent to the
/// region as `AgentThrottle`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SetBandwidth {
    /// kbit/s over all categories.
    pub kbps: u32,
}

impl Message for SetBandwidth {
    type Result = ();
}

/// Whether a message must be acked by the region.
pub use kestrel_protocol::circuit::Reliability;

/// Send a message to the region.
#[derive(Debug, Clone)]
pub struct SendMessage {
    /// The message.
    pub message: WireMessage<'static>,
    /// Reliable or not.
    pub reliability: Reliability,
}

impl Message for SendMessage {
    type Result = Result<(), CircuitSendError>;
}

/// Why a message for the region was not taken.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum CircuitSendError {
    /// No circuit is open.
    #[error("no circuit is open (state {0:?})")]
    NotConnected(CircuitState),
    /// The outgoing queue is full (too many reliable messages unacked); try later.
    #[error("the outgoing queue is full; try again later")]
    Backpressure,
    /// The message does not fit the wire.
    #[error("cannot encode the message: {0}")]
    Encode(String),
}

/// Log out: `LogoutRequest`, then wait for `LogoutReply` (or the logout
/// timeout). Answers the state at the time of asking.
#[derive(Debug, Clone, Copy)]
pub struct Logout;

impl Message for Logout {
    type Result = CircuitState;
}

/// Receive [`CircuitEvent`]s.
#[derive(Debug, Clone)]
pub struct SubscribeEvents(pub Recipient<CircuitEvent>);

impl Message for SubscribeEvents {
    type Result = Result<(), SubscribeError>;
}

/// Receive event-queue events as [`CapsEvent`]s.
#[derive(Debug, Clone)]
pub struct SubscribeCaps(pub Recipient<CapsEvent>);

impl Message for SubscribeCaps {
    type Result = Result<(), SubscribeError>;
}

/// A datagram read from the circuit's socket (sent by the socket reader
/// task; benchmarks inject them directly).
#[derive(Debug, Clone)]
pub struct Datagram {
    /// The bytes.
    pub bytes: Vec<u8>,
    /// The sender.
    pub from: SocketAddr,
    /// When it was read.
    pub received_at: Instant,
}

impl Message for Datagram {
    type Result = ();
}

/// Ask for the current session (agent and session ids, region address),
/// e.g. to build messages for `SendMessage`.
#[derive(Debug, Clone, Copy)]
pub struct GetSession;

impl Message for GetSession {
    type Result = Option<SessionInfo>;
}

/// Asks the circuit for a capability's URL (`None` until the seed capability
/// has answered, or when the region did not grant it).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GetCapability(pub String);

impl Message for GetCapability {
    type Result = Option<String>;
}

//! The circuit actor: login, the UDP circuit to a region, capabilities and
//! the event queue, and typed subscriptions for the other actors.
//!
//! # Using it
//! ```text
//! let circuit = spawn_circuit(&runtime, "circuit", CircuitSettings::default(), SpawnOptions::new())?;
//! circuit.addr.ask(Subscribe::to::<ObjectUpdate<'static>>(scene.recipient())).await??;
//! circuit.addr.ask(Connect(LoginParams { login_uri, first, last, password, start })).await??;
//! // circuit.stats (Latest<CircuitStats>) shows the state, RTT and counters;
//! // SubscribeEvents gives CircuitEvent (timeouts, reconnects, lost packets, logout).
//! circuit.addr.ask(Logout).await?;
//! ```
//! The reliability of the circuit is the sans-IO core
//! [`kestrel_protocol::circuit`]; this actor adds the socket, the clocks and
//! the session. Its state (the core, the socket, the session, the
//! subscriptions) is *durable*: after a crash the supervisor restarts the
//! actor and the circuit resumes where it was; the message that crashed it
//! is handled again, and nothing reliable is lost.

mod actor;
mod caps;
mod caps_loop;
mod census;
mod headless;
mod http;
mod login;
mod messages;
mod session;
mod settings;
mod stats;
mod subscriptions;
mod throttle;

#[cfg(test)]
mod tests;

pub use actor::{CircuitActor, CircuitDurable};
pub use caps::{CapsError, PollResult, WANTED_CAPABILITIES, fetch_seed, poll_event_queue};
pub use census::{CensusCounts, GetCensus, RegionCensus, census_message_ids};
pub use headless::{HeadlessError, HeadlessOptions, HeadlessReport, HeadlessSession, run_headless};
pub use http::{
    HttpClient, HttpError, HttpPhase, HttpResponse, HttpTimeouts, TlsFileError, TlsTrust,
    TlsTrustError,
};
pub use login::{LoginFailure, LoginParams, ViewerInfo, login, login_request};
pub use messages::{
    AgentCamera, AgentControl, Attach, CircuitSendError, Connect, ConnectError, ControlFlags,
    Datagram, GetCapability, GetSession, Logout, Reliability, SendMessage, SessionInfo,
    SetBandwidth, SubscribeCaps, SubscribeEvents,
};
pub use settings::{CircuitSettings, RetryBackoff};
pub use stats::{CircuitEvent, CircuitState, CircuitStats};
pub use subscriptions::{
    CapsEvent, MAX_SUBSCRIPTIONS, PacketMeta, Received, Subscribe, SubscribeError, SubscriptionId,
    Undeliverable, Unsubscribe,
};
pub use throttle::{CATEGORIES as THROTTLE_CATEGORIES, SHARES as THROTTLE_SHARES, throttle_bytes};

use crate::bus::Latest;
use crate::mailbox::Addr;
use crate::name::ActorName;
use crate::runtime::{RuntimeHandle, SpawnError, SpawnOptions};

/// A running circuit actor: its address and its published stats.
#[derive(Debug, Clone)]
pub struct CircuitHandle {
    /// Send it `Connect`, `Subscribe`, `AgentControl`, `Logout`, …
    pub addr: Addr<CircuitActor>,
    /// The latest [`CircuitStats`].
    pub stats: Latest<CircuitStats>,
}

/// Spawns a circuit actor named `name` on `runtime` (its mailbox and
/// supervision come from the `[actors.<name>]` config unless `options`
/// say otherwise).
pub fn spawn_circuit(
    runtime: &RuntimeHandle,
    name: impl Into<ActorName>,
    settings: CircuitSettings,
    options: SpawnOptions,
) -> Result<CircuitHandle, SpawnError> {
    let stats = Latest::new(CircuitStats::default());
    let durable = CircuitDurable::new(settings, stats.clone());
    let addr = runtime.spawn_with::<CircuitActor>(name, durable, options)?;
    Ok(CircuitHandle { addr, stats })
}

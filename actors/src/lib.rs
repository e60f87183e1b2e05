//! `kestrel-actors`: the layer every Kestrel actor stands on.
//!
//! * **Instrumented, bounded mailboxes** ([`Addr`], [`MailboxMetrics`]): depth,
//!   capacity, enqueued/handled/refused/dead-lettered counts, wait and handling
//!   time histograms that record without allocating, crashes, hangs, restarts
//!   and the last fault.
//! * **Supervision** ([`SupervisedActor`], [`SupervisionPolicy`]): panics are
//!   caught and counted, the actor is rebuilt from its [`Durable`] state after
//!   an exponential backoff, restart intensity is enforced (disable or
//!   escalate past it), hangs are detected by a watchdog, and a message that
//!   keeps crashing its handler becomes a dead letter.
//! * **Fault injection** ([`FaultSpec`], `KESTREL_FAULTS`) from config,
//!   environment or at run time ([`Control::SetFaults`]).
//! * **The snapshot bus** ([`bus::Latest`], [`bus::Deltas`]) to the render
//!   thread, which never blocks or allocates when reading it.
//! * **Telemetry** ([`telemetry::TelemetryActor`]): one immutable snapshot of
//!   all of the above plus frame timings.
//!
//! Actix runs underneath (each actor on its own arbiter thread, started by
//! [`ActorRuntime::start`] away from the caller's thread). See `docs/ACTORS.md`.

#![warn(missing_docs)]

mod actor;
mod blocking;
mod bounded_log;
pub mod bus;
pub mod circuit;
mod clock;
mod config;
mod control;
mod dead_letters;
mod faults;
mod histogram;
mod mailbox;
mod message;
mod metrics;
mod name;
mod panics;
pub mod plugin;
mod policy;
mod registry;
mod runtime;
mod supervisor;
pub mod telemetry;
mod watchdog;

pub use actor::{ActorCallback, Ctx, Durable, Handles, SupervisedActor};
pub use blocking::block_on;
pub use bounded_log::BoundedLog;
pub use config::{ActorSettings, ActorsConfig, BUILTIN_ACTORS_TOML, ConfigError, RuntimeSettings};
pub use control::{Control, ControlError, Escalation, MAX_CONTROL_IN_FLIGHT};
pub use dead_letters::{DeadLetter, DeadLetterReason, DeadLetters};
pub use faults::{FAULTS_ENV, FaultParseError, FaultPlan, FaultSpec};
pub use histogram::{LatencyHistogram, LatencySummary, MAX_TRACKED_NS};
pub use mailbox::{Addr, AskError, BoxFuture, Recipient, SendError};
pub use message::Message;
pub use metrics::{
    ActorState, FaultKind, FaultRecord, MailboxCounters, MailboxMetrics, MailboxSnapshot,
};
pub use name::ActorName;
pub use panics::install_panic_hook;
pub use policy::{
    Backoff, Exhausted, HangAction, RestartDecision, RestartTracker, SupervisionPolicy,
};
pub use registry::{ActorEntry, Registry};
pub use runtime::{ActorRuntime, RuntimeError, RuntimeHandle, SpawnError, SpawnOptions};

/// The names an actor module needs.
pub mod prelude {
    pub use crate::bus::{Deltas, DrainBudget, Keyed, Latest};
    pub use crate::{
        ActorRuntime, ActorSettings, ActorsConfig, Addr, AskError, Control, Ctx, DeadLetterReason,
        Durable, Handles, Message, Recipient, RuntimeHandle, SendError, SupervisedActor,
        SupervisionPolicy,
    };
}

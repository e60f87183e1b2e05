//! Run-time control of a supervised actor ([`Control`]) and the report a
//! supervisor sends upward when it gives up ([`Escalation`]).

use serde::Serialize;
use thiserror::Error;

use crate::faults::FaultSpec;
use crate::message::Message;
use crate::metrics::FaultRecord;
use crate::name::ActorName;

/// A command to an actor's supervisor (from the editor, a parent or a test).
/// Control commands bypass the bounded message mailbox but are themselves
/// bounded: at most [`MAX_CONTROL_IN_FLIGHT`] per actor at a time.
#[derive(Clone, Debug, PartialEq)]
pub enum Control {
    /// Replace the actor's fault-injection spec (counters start over).
    SetFaults(FaultSpec),
    /// Stop injecting faults.
    ClearFaults,
    /// Re-enable a disabled actor: forget past restarts and start it from its durable state.
    Enable,
    /// Disable the actor now (its messages are dead-lettered, sends refused).
    Disable,
}

/// Control commands that may be queued for one actor at once.
pub const MAX_CONTROL_IN_FLIGHT: usize = 16;

/// A control command that was not delivered.
#[derive(Debug, Error, Clone, PartialEq, Eq)]
pub enum ControlError {
    /// No actor of that name is registered.
    #[error("no actor named `{0}`")]
    UnknownActor(String),
    /// Too many control commands are already queued for this actor.
    #[error("actor `{0}` has {MAX_CONTROL_IN_FLIGHT} control commands queued already")]
    Busy(String),
    /// The actor has stopped (runtime shut down).
    #[error("actor `{0}` has stopped")]
    Closed(String),
}

pub(crate) struct ControlMsg(pub(crate) Control);

impl actix::Message for ControlMsg {
    type Result = ();
}

/// Sent by a supervisor whose `on_exhausted` policy is `escalate` when its
/// restart intensity is exceeded, to the parent given at spawn (or to the
/// runtime's escalation log). The actor is disabled; the parent may re-enable
/// it with [`Control::Enable`] or take wider action.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Escalation {
    /// The actor that gave up.
    pub actor: ActorName,
    /// Its last fault.
    pub fault: Option<FaultRecord>,
    /// Restarts it had made in total.
    pub restarts: u64,
    /// When, in milliseconds on the actor clock.
    pub at_ms: u64,
}

impl Message for Escalation {
    type Result = ();
}

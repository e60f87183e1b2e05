//! Dead letters: messages that will never be handled, kept (bounded) for
//! inspection and always counted.

use std::any::Any;
use std::fmt;

use serde::Serialize;

use crate::bounded_log::BoundedLog;
use crate::name::ActorName;

/// Why a message became a dead letter.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DeadLetterReason {
    /// Its handler panicked on it this many times (the policy's `poison_after`).
    Poison {
        /// Crashed attempts.
        attempts: u32,
    },
    /// It reached an actor that is disabled (restart intensity exceeded or disabled on request).
    Disabled,
    /// A handler or sender gave up on delivering it (e.g. the next actor is disabled).
    Undeliverable {
        /// Why, in words.
        detail: String,
    },
}

impl fmt::Display for DeadLetterReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Poison { attempts } => write!(f, "poison message ({attempts} crashed attempts)"),
            Self::Disabled => f.write_str("actor disabled"),
            Self::Undeliverable { detail } => write!(f, "undeliverable: {detail}"),
        }
    }
}

/// One dead letter. The message itself is kept as `payload`
/// (downcast it to the message type to inspect or re-send it).
pub struct DeadLetter {
    /// The actor it was addressed to, or that gave up on it.
    pub actor: ActorName,
    /// The message's Rust type name.
    pub message_type: &'static str,
    /// Why.
    pub reason: DeadLetterReason,
    /// When, in milliseconds on the actor clock.
    pub at_ms: u64,
    /// The message.
    pub payload: Box<dyn Any + Send>,
}

impl fmt::Debug for DeadLetter {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DeadLetter")
            .field("actor", &self.actor)
            .field("message_type", &self.message_type)
            .field("reason", &self.reason)
            .field("at_ms", &self.at_ms)
            .finish_non_exhaustive()
    }
}

/// The runtime-wide dead-letter store: the newest letters, plus counts of all
/// of them (`total`) and of those evicted to keep the store bounded.
pub type DeadLetters = BoundedLog<DeadLetter>;

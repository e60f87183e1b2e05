//! [`Message`]: what actors exchange, and the internal [`Envelope`] that
//! carries a message through an instrumented mailbox.

use tokio::sync::oneshot;

use crate::dead_letters::DeadLetterReason;

/// A message a supervised actor can handle.
///
/// ```
/// use kestrel_actors::Message;
/// struct Ping(u32);
/// impl Message for Ping {
///     type Result = u32;
/// }
/// ```
pub trait Message: Send + 'static {
    /// What the handler answers (`()` for fire-and-forget messages).
    type Result: Send + 'static;
}

/// The reply channel of an [`ask`](crate::Addr::ask).
pub(crate) type ReplyTx<M> = oneshot::Sender<Result<<M as Message>::Result, DeadLetterReason>>;

/// A message on its way through an instrumented mailbox: when it was
/// enqueued, how often its handler has crashed on it, and where to reply.
pub(crate) struct Envelope<M: Message> {
    pub(crate) msg: M,
    /// Actor-clock nanoseconds when the sender's slot was taken.
    pub(crate) enqueued_ns: u64,
    /// Handling attempts that crashed.
    pub(crate) crashed_attempts: u32,
    pub(crate) reply: Option<ReplyTx<M>>,
}

impl<M: Message> actix::Message for Envelope<M> {
    type Result = ();
}

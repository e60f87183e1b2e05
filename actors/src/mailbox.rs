//! The sending side of an instrumented, bounded mailbox: [`Addr`] (typed by
//! actor) and [`Recipient`] (typed by message), with [`SendError`] and
//! [`AskError`].
//!
//! The bound is kept here, in front of the actix mailbox: a send first takes
//! a slot (an atomic compare-and-swap on the depth; the slot is freed when
//! the message is handled or dead-lettered), so `depth`, `refused` and the
//! capacity are exact. `try_send` never waits; `send`/`ask` wait for room.

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::Ordering;

use tokio::sync::oneshot;

use crate::actor::{Handles, SupervisedActor};
use crate::blocking::block_on;
use crate::clock;
use crate::control::{Control, ControlError, ControlMsg, MAX_CONTROL_IN_FLIGHT};
use crate::dead_letters::DeadLetterReason;
use crate::message::{Envelope, Message, ReplyTx};
use crate::metrics::{ActorState, MailboxMetrics};
use crate::name::ActorName;
use crate::supervisor::Supervisor;

/// Why a message was not accepted. The message comes back to the sender,
/// who must handle it; every refusal is counted in the actor's `refused`.
pub enum SendError<M> {
    /// The mailbox is at capacity.
    Full(M),
    /// Fault injection (`refuse-ms`) is refusing every message for now.
    Refusing(M),
    /// The actor is disabled.
    Disabled(M),
    /// The actor has stopped (runtime shut down).
    Closed(M),
}

impl<M> SendError<M> {
    /// The message that was not sent.
    pub fn into_inner(self) -> M {
        match self {
            Self::Full(m) | Self::Refusing(m) | Self::Disabled(m) | Self::Closed(m) => m,
        }
    }

    fn kind(&self) -> &'static str {
        match self {
            Self::Full(_) => "mailbox full",
            Self::Refusing(_) => "refusing messages (fault injection)",
            Self::Disabled(_) => "actor disabled",
            Self::Closed(_) => "actor stopped",
        }
    }
}

impl<M> fmt::Debug for SendError<M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SendError({})", self.kind())
    }
}

impl<M> fmt::Display for SendError<M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "message not sent: {}", self.kind())
    }
}

impl<M> std::error::Error for SendError<M> {}

/// Why an [`ask`](Addr::ask) got no answer.
pub enum AskError<M> {
    /// The message was not accepted.
    NotSent(SendError<M>),
    /// The message became a dead letter (its handler kept crashing, or the actor was disabled).
    DeadLettered(DeadLetterReason),
    /// The actor stopped before answering (runtime shut down).
    Dropped,
}

impl<M> fmt::Debug for AskError<M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

impl<M> fmt::Display for AskError<M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::NotSent(e) => fmt::Display::fmt(e, f),
            Self::DeadLettered(reason) => write!(f, "message dead-lettered: {reason}"),
            Self::Dropped => f.write_str("actor stopped before answering"),
        }
    }
}

impl<M> std::error::Error for AskError<M> {}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Refusal {
    Full,
    Refusing,
    Disabled,
    Closed,
}

impl Refusal {
    fn with<M>(self, msg: M) -> SendError<M> {
        match self {
            Self::Full => SendError::Full(msg),
            Self::Refusing => SendError::Refusing(msg),
            Self::Disabled => SendError::Disabled(msg),
            Self::Closed => SendError::Closed(msg),
        }
    }
}

/// Decrements the waiter count when a waiting send ends (or is cancelled).
struct WaiterGuard<'a>(&'a MailboxMetrics);

impl<'a> WaiterGuard<'a> {
    fn new(m: &'a MailboxMetrics) -> Self {
        m.waiters.fetch_add(1, Ordering::SeqCst);
        Self(m)
    }
}

impl Drop for WaiterGuard<'_> {
    fn drop(&mut self) {
        self.0.waiters.fetch_sub(1, Ordering::SeqCst);
    }
}

/// The address of a supervised actor: send it messages, ask it questions,
/// control it, read its metrics. Cheap to clone, `Send + Sync`.
pub struct Addr<A: SupervisedActor> {
    tx: actix::Addr<Supervisor<A>>,
    metrics: Arc<MailboxMetrics>,
}

impl<A: SupervisedActor> Clone for Addr<A> {
    fn clone(&self) -> Self {
        Self {
            tx: self.tx.clone(),
            metrics: self.metrics.clone(),
        }
    }
}

impl<A: SupervisedActor> fmt::Debug for Addr<A> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Addr({})", self.metrics.name)
    }
}

impl<A: SupervisedActor> Addr<A> {
    pub(crate) fn new(tx: actix::Addr<Supervisor<A>>, metrics: Arc<MailboxMetrics>) -> Self {
        Self { tx, metrics }
    }

    /// The actor's name.
    pub fn name(&self) -> &ActorName {
        &self.metrics.name
    }

    /// The actor's live metrics.
    pub fn metrics(&self) -> &Arc<MailboxMetrics> {
        &self.metrics
    }

    /// Take a mailbox slot, or say why not.
    #[inline]
    fn admit(&self) -> Result<(), Refusal> {
        let m = &*self.metrics;
        let until = m.refuse_until_ns.load(Ordering::Acquire);
        if until != 0 {
            if clock::now_ns() < until {
                return Err(Refusal::Refusing);
            }
            let _ =
                m.refuse_until_ns
                    .compare_exchange(until, 0, Ordering::AcqRel, Ordering::Relaxed);
        }
        if m.state() == ActorState::Disabled {
            return Err(Refusal::Disabled);
        }
        if m.take_slot() {
            return Ok(());
        }
        // Only a full mailbox can make a sender wait, so only here does a
        // stopped actor need to be noticed before actix would.
        if m.closed.load(Ordering::SeqCst) {
            return Err(Refusal::Closed);
        }
        Err(Refusal::Full)
    }

    /// Hand an envelope (slot already taken) to the actix mailbox.
    #[inline]
    fn push<M: Message>(&self, msg: M, reply: Option<ReplyTx<M>>) -> Result<(), SendError<M>>
    where
        A: Handles<M>,
    {
        let env = Envelope {
            msg,
            enqueued_ns: clock::now_ns(),
            crashed_attempts: 0,
            reply,
        };
        match self.tx.try_send(env) {
            Ok(()) => Ok(()),
            Err(e) => {
                // The actix mailbox is unbounded (the bound is ours), so this
                // only happens when the actor has stopped.
                let env = match e {
                    actix::prelude::SendError::Full(env)
                    | actix::prelude::SendError::Closed(env) => env,
                };
                self.metrics.untake_slot();
                self.metrics.sender.0.refused.fetch_add(1, Ordering::AcqRel);
                Err(SendError::Closed(env.msg))
            }
        }
    }

    fn refuse<M>(&self, why: Refusal, msg: M) -> SendError<M> {
        self.metrics.sender.0.refused.fetch_add(1, Ordering::AcqRel);
        why.with(msg)
    }

    /// Send without waiting: the message is accepted, or comes back in the error.
    #[inline]
    pub fn try_send<M: Message>(&self, msg: M) -> Result<(), SendError<M>>
    where
        A: Handles<M>,
    {
        match self.admit() {
            Ok(()) => self.push(msg, None),
            Err(why) => Err(self.refuse(why, msg)),
        }
    }

    async fn send_inner<M: Message>(
        &self,
        msg: M,
        reply: Option<ReplyTx<M>>,
    ) -> Result<(), SendError<M>>
    where
        A: Handles<M>,
    {
        match self.admit() {
            Ok(()) => return self.push(msg, reply),
            Err(Refusal::Full) => {}
            Err(why) => return Err(self.refuse(why, msg)),
        }
        self.metrics
            .sender
            .0
            .send_waits
            .fetch_add(1, Ordering::AcqRel);
        let _waiting = WaiterGuard::new(&self.metrics);
        loop {
            let notified = self.metrics.room.notified();
            let mut notified = std::pin::pin!(notified);
            // Register before re-checking, so a slot freed in between wakes us.
            notified.as_mut().enable();
            match self.admit() {
                Ok(()) => return self.push(msg, reply),
                Err(Refusal::Full) => notified.await,
                Err(why) => return Err(self.refuse(why, msg)),
            }
        }
    }

    /// Send, waiting for room if the mailbox is full. Fails only if the actor
    /// is disabled, refusing (fault injection) or stopped.
    pub async fn send<M: Message>(&self, msg: M) -> Result<(), SendError<M>>
    where
        A: Handles<M>,
    {
        self.send_inner(msg, None).await
    }

    /// [`send`](Self::send) from a thread outside any async runtime.
    pub fn send_blocking<M: Message>(&self, msg: M) -> Result<(), SendError<M>>
    where
        A: Handles<M>,
    {
        block_on(self.send(msg))
    }

    /// Send (waiting for room) and wait for the handler's answer.
    pub async fn ask<M: Message>(&self, msg: M) -> Result<M::Result, AskError<M>>
    where
        A: Handles<M>,
    {
        let (tx, rx) = oneshot::channel();
        self.send_inner(msg, Some(tx))
            .await
            .map_err(AskError::NotSent)?;
        match rx.await {
            Ok(Ok(answer)) => Ok(answer),
            Ok(Err(reason)) => Err(AskError::DeadLettered(reason)),
            Err(_) => Err(AskError::Dropped),
        }
    }

    /// [`ask`](Self::ask) from a thread outside any async runtime.
    pub fn ask_blocking<M: Message>(&self, msg: M) -> Result<M::Result, AskError<M>>
    where
        A: Handles<M>,
    {
        block_on(self.ask(msg))
    }

    /// Send a control command to the actor's supervisor. A `refuse-ms` fault
    /// takes effect at once; the rest when the supervisor reads the command.
    pub fn control(&self, command: Control) -> Result<(), ControlError> {
        send_control(&self.tx, &self.metrics, command)
    }

    /// A message-typed handle to this actor.
    pub fn recipient<M: Message>(&self) -> Recipient<M>
    where
        A: Handles<M>,
    {
        Recipient {
            inner: Arc::new(self.clone()),
        }
    }
}

pub(crate) fn send_control<A: SupervisedActor>(
    tx: &actix::Addr<Supervisor<A>>,
    metrics: &MailboxMetrics,
    command: Control,
) -> Result<(), ControlError> {
    let name = || metrics.name.to_string();
    let s = &metrics.sender.0;
    if s.control_in_flight.fetch_add(1, Ordering::AcqRel) >= MAX_CONTROL_IN_FLIGHT {
        s.control_in_flight.fetch_sub(1, Ordering::AcqRel);
        return Err(ControlError::Busy(name()));
    }
    match &command {
        Control::SetFaults(spec) => {
            let until = spec
                .refuse_ms
                .map(|ms| clock::now_ns().saturating_add(ms.saturating_mul(1_000_000)))
                .unwrap_or(0);
            metrics.refuse_until_ns.store(until, Ordering::Release);
        }
        Control::ClearFaults => metrics.refuse_until_ns.store(0, Ordering::Release),
        Control::Enable | Control::Disable => {}
    }
    tx.try_send(ControlMsg(command)).map_err(|_| {
        s.control_in_flight.fetch_sub(1, Ordering::AcqRel);
        ControlError::Closed(name())
    })
}

/// A boxed, sendable future.
pub type BoxFuture<T> = Pin<Box<dyn Future<Output = T> + Send + 'static>>;

trait ErasedAddr<M: Message>: Send + Sync {
    fn try_send(&self, msg: M) -> Result<(), SendError<M>>;
    fn send(&self, msg: M) -> BoxFuture<Result<(), SendError<M>>>;
    fn ask(&self, msg: M) -> BoxFuture<Result<M::Result, AskError<M>>>;
    fn metrics(&self) -> &Arc<MailboxMetrics>;
}

impl<A: Handles<M>, M: Message> ErasedAddr<M> for Addr<A> {
    fn try_send(&self, msg: M) -> Result<(), SendError<M>> {
        Addr::try_send(self, msg)
    }
    fn send(&self, msg: M) -> BoxFuture<Result<(), SendError<M>>> {
        let addr = self.clone();
        Box::pin(async move { addr.send(msg).await })
    }
    fn ask(&self, msg: M) -> BoxFuture<Result<M::Result, AskError<M>>> {
        let addr = self.clone();
        Box::pin(async move { addr.ask(msg).await })
    }
    fn metrics(&self) -> &Arc<MailboxMetrics> {
        &self.metrics
    }
}

/// A handle to any supervised actor that handles `M` (when the sender should
/// not know the receiver's type). Cheap to clone.
pub struct Recipient<M: Message> {
    inner: Arc<dyn ErasedAddr<M>>,
}

impl<M: Message> Clone for Recipient<M> {
    fn clone(&self) -> Self {
        Self {
            inner: self.inner.clone(),
        }
    }
}

impl<M: Message> fmt::Debug for Recipient<M> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Recipient({})", self.inner.metrics().name)
    }
}

impl<M: Message> Recipient<M> {
    /// The receiving actor's name.
    pub fn name(&self) -> &ActorName {
        &self.inner.metrics().name
    }
    /// The receiving actor's metrics.
    pub fn metrics(&self) -> &Arc<MailboxMetrics> {
        self.inner.metrics()
    }
    /// See [`Addr::try_send`].
    pub fn try_send(&self, msg: M) -> Result<(), SendError<M>> {
        self.inner.try_send(msg)
    }
    /// See [`Addr::send`].
    pub fn send(&self, msg: M) -> BoxFuture<Result<(), SendError<M>>> {
        self.inner.send(msg)
    }
    /// See [`Addr::send_blocking`].
    pub fn send_blocking(&self, msg: M) -> Result<(), SendError<M>> {
        block_on(self.inner.send(msg))
    }
    /// See [`Addr::ask`].
    pub fn ask(&self, msg: M) -> BoxFuture<Result<M::Result, AskError<M>>> {
        self.inner.ask(msg)
    }
    /// See [`Addr::ask_blocking`].
    pub fn ask_blocking(&self, msg: M) -> Result<M::Result, AskError<M>> {
        block_on(self.inner.ask(msg))
    }
}

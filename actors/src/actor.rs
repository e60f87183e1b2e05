//! What an actor written on this runtime implements ([`SupervisedActor`],
//! [`Handles`]), the [`Durable`] state its supervisor keeps across crashes,
//! and the [`Ctx`] its handlers get.

use std::any::Any;
use std::cell::Cell;
use std::future::Future;
use std::ops::{Deref, DerefMut};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::pin::Pin;
use std::rc::Rc;
use std::sync::Arc;
use std::task::{Context as TaskContext, Poll};
use std::time::Duration;

use actix::fut::LocalBoxActorFuture;
use actix::{ActorFutureExt, AsyncContext, SpawnHandle};

use crate::clock;
use crate::dead_letters::{DeadLetter, DeadLetterReason};
use crate::mailbox::Addr;
use crate::message::Message;
use crate::metrics::MailboxMetrics;
use crate::name::ActorName;
use crate::runtime::RuntimeHandle;
use crate::supervisor::{Links, Supervisor};

/// An actor that runs under a Kestrel supervisor.
///
/// The actor value itself is *volatile*: after a crash it is dropped and
/// rebuilt by [`start`](Self::start). Everything that must survive a crash
/// lives in [`Self::Durable`], which the supervisor keeps and hands back.
pub trait SupervisedActor: Sized + 'static {
    /// State that survives crashes and restarts (sequence numbers, tables, caches…).
    type Durable: Send + 'static;

    /// Build the actor: on first start and after every restart
    /// ([`Durable::incarnation`] tells which). A panic here is a crash too.
    fn start(durable: &mut Durable<Self::Durable>, ctx: &mut Ctx<'_, Self>) -> Self;
}

/// A supervised actor that handles messages of type `M`.
pub trait Handles<M: Message>: SupervisedActor {
    /// Handle one message. The message is borrowed so that, if the handler
    /// panics, the supervisor still has it to retry after the restart (and
    /// to dead-letter after `poison_after` crashes). Write durable changes so
    /// that a panic half-way leaves them consistent (compute, then assign).
    fn handle(
        &mut self,
        msg: &M,
        durable: &mut Durable<Self::Durable>,
        ctx: &mut Ctx<'_, Self>,
    ) -> M::Result;
}

/// State that survives crashes: owned by the supervisor, lent to the actor.
#[derive(Debug, Default)]
pub struct Durable<S> {
    state: S,
    incarnation: u64,
}

impl<S> Durable<S> {
    pub(crate) fn new(state: S) -> Self {
        Self {
            state,
            incarnation: 0,
        }
    }

    /// 0 on the first start, then the number of restarts so far.
    pub fn incarnation(&self) -> u64 {
        self.incarnation
    }

    pub(crate) fn set_incarnation(&mut self, n: u64) {
        self.incarnation = n;
    }

    /// The state by value.
    pub fn into_inner(self) -> S {
        self.state
    }
}

impl<S> Deref for Durable<S> {
    type Target = S;
    fn deref(&self) -> &S {
        &self.state
    }
}

impl<S> DerefMut for Durable<S> {
    fn deref_mut(&mut self) -> &mut S {
        &mut self.state
    }
}

/// Futures and timers started by one incarnation of an actor; cancelled when
/// it crashes so a restarted actor never receives its predecessor's callbacks.
#[derive(Default)]
pub(crate) struct TaskSet {
    tasks: Vec<(SpawnHandle, Rc<Cell<bool>>)>,
}

impl TaskSet {
    fn push(&mut self, handle: SpawnHandle, done: Rc<Cell<bool>>) {
        if self.tasks.len() >= 32 {
            self.tasks.retain(|(_, done)| !done.get());
        }
        self.tasks.push((handle, done));
    }

    pub(crate) fn cancel_all<A: SupervisedActor>(
        &mut self,
        ctx: &mut actix::Context<Supervisor<A>>,
    ) {
        for (handle, done) in self.tasks.drain(..) {
            if !done.get() {
                ctx.cancel_future(handle);
            }
        }
    }
}

/// What a handler can do besides computing its answer: learn its name and
/// address, schedule timers, run futures, dead-letter a message, reach the runtime.
///
/// Callbacks given to `run_later`, `run_interval`, `spawn` and `wait_for`
/// run under the same supervision as handlers (a panic is a crash) and are
/// dropped if the actor restarts before they fire.
pub struct Ctx<'a, A: SupervisedActor> {
    pub(crate) inner: &'a mut actix::Context<Supervisor<A>>,
    pub(crate) links: &'a Links,
    pub(crate) tasks: &'a mut TaskSet,
    /// `wait_for` futures of the running handler: started only if it returns
    /// (a crashed attempt's effects are discarded; the message is retried).
    pub(crate) waits: &'a mut Vec<LocalBoxActorFuture<Supervisor<A>, ()>>,
    pub(crate) generation: u64,
}

/// A callback run on the actor: `f(actor, durable, ctx)`.
pub trait ActorCallback<A: SupervisedActor>:
    FnOnce(&mut A, &mut Durable<A::Durable>, &mut Ctx<'_, A>) + 'static
{
}
impl<A: SupervisedActor, F> ActorCallback<A> for F where
    F: FnOnce(&mut A, &mut Durable<A::Durable>, &mut Ctx<'_, A>) + 'static
{
}

impl<'a, A: SupervisedActor> Ctx<'a, A> {
    /// This actor's name.
    pub fn name(&self) -> &ActorName {
        &self.links.metrics.name
    }

    /// This actor's live metrics.
    pub fn metrics(&self) -> &Arc<MailboxMetrics> {
        &self.links.metrics
    }

    /// This actor's own address.
    pub fn address(&self) -> Addr<A> {
        Addr::new(self.inner.address(), self.links.metrics.clone())
    }

    /// The runtime this actor runs on (to spawn other actors, find them by name…).
    pub fn runtime(&self) -> &RuntimeHandle {
        &self.links.runtime
    }

    /// Send `msg` to the dead letters from this actor (counted in its `dead_lettered`).
    pub fn dead_letter<M: Send + 'static>(&mut self, msg: M, reason: DeadLetterReason) {
        self.links.dead_letter(msg, reason);
    }

    /// Run `f` once after `delay`.
    pub fn run_later<F: ActorCallback<A>>(&mut self, delay: Duration, f: F) {
        let generation = self.generation;
        let done = Rc::new(Cell::new(false));
        let flag = done.clone();
        let handle = self.inner.run_later(delay, move |sup, ctx| {
            flag.set(true);
            sup.run_callback(generation, ctx, f);
        });
        self.tasks.push(handle, done);
    }

    /// Run `f` every `every`, until the actor restarts or stops.
    pub fn run_interval<F>(&mut self, every: Duration, mut f: F)
    where
        F: FnMut(&mut A, &mut Durable<A::Durable>, &mut Ctx<'_, A>) + 'static,
    {
        let generation = self.generation;
        let handle = self.inner.run_interval(every, move |sup, ctx| {
            sup.run_callback(
                generation,
                ctx,
                |a: &mut A, d: &mut Durable<A::Durable>, c: &mut Ctx<'_, A>| f(a, d, c),
            );
        });
        self.tasks.push(handle, Rc::new(Cell::new(false)));
    }

    /// Run `fut` on the actor's thread, alongside its messages; `then` gets
    /// its output. A panic inside the future is a crash of this actor.
    pub fn spawn<Fut, T, F>(&mut self, fut: Fut, then: F)
    where
        Fut: Future<Output = T> + 'static,
        T: 'static,
        F: FnOnce(T, &mut A, &mut Durable<A::Durable>, &mut Ctx<'_, A>) + 'static,
    {
        let done = Rc::new(Cell::new(false));
        let handle = self.inner.spawn(self.wrap(fut, then, done.clone()));
        self.tasks.push(handle, done);
    }

    /// Run `fut` and handle no other message until it completes (the actor
    /// "awaits"): e.g. waiting for room in the next actor's mailbox. Messages
    /// keep queueing (bounded) meanwhile. The future starts when the current
    /// handler returns, and not at all if the handler panics (the message is
    /// retried, so its effects must not happen twice). Several `wait_for`s of
    /// one handler run one after the other, in the order they were made. A
    /// restart for a hang waits until they are done.
    pub fn wait_for<Fut, T, F>(&mut self, fut: Fut, then: F)
    where
        Fut: Future<Output = T> + 'static,
        T: 'static,
        F: FnOnce(T, &mut A, &mut Durable<A::Durable>, &mut Ctx<'_, A>) + 'static,
    {
        let fut = self.wrap(fut, then, Rc::new(Cell::new(false)));
        self.waits.push(Box::pin(fut));
    }

    fn wrap<Fut, T, F>(
        &self,
        fut: Fut,
        then: F,
        done: Rc<Cell<bool>>,
    ) -> impl actix::ActorFuture<Supervisor<A>, Output = ()> + 'static
    where
        Fut: Future<Output = T> + 'static,
        T: 'static,
        F: FnOnce(T, &mut A, &mut Durable<A::Durable>, &mut Ctx<'_, A>) + 'static,
    {
        let generation = self.generation;
        actix::fut::wrap_future::<_, Supervisor<A>>(CatchUnwind(Box::pin(fut))).map(
            move |result, sup, ctx| {
                done.set(true);
                match result {
                    Ok(value) => sup.run_callback(
                        generation,
                        ctx,
                        move |a: &mut A, d: &mut Durable<A::Durable>, c: &mut Ctx<'_, A>| {
                            then(value, a, d, c)
                        },
                    ),
                    Err(payload) => sup.callback_panicked(generation, payload, ctx),
                }
            },
        )
    }
}

impl Links {
    pub(crate) fn dead_letter<M: Send + 'static>(&self, msg: M, reason: DeadLetterReason) {
        MailboxMetrics::add(&self.metrics.actor.0.dead_lettered);
        self.dead_letters.push(DeadLetter {
            actor: self.metrics.name.clone(),
            message_type: std::any::type_name::<M>(),
            reason,
            at_ms: clock::now_ms(),
            payload: Box::new(msg),
        });
    }
}

/// Polls a future inside `catch_unwind`, so a panicking future crashes its
/// actor instead of the arbiter thread.
struct CatchUnwind<F>(Pin<Box<F>>);

impl<F: Future> Future for CatchUnwind<F> {
    type Output = Result<F::Output, Box<dyn Any + Send>>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut TaskContext<'_>) -> Poll<Self::Output> {
        let inner = self.0.as_mut();
        crate::panics::enter_supervised();
        let polled = catch_unwind(AssertUnwindSafe(|| inner.poll(cx)));
        crate::panics::leave_supervised();
        match polled {
            Ok(Poll::Pending) => Poll::Pending,
            Ok(Poll::Ready(v)) => Poll::Ready(Ok(v)),
            Err(payload) => Poll::Ready(Err(payload)),
        }
    }
}

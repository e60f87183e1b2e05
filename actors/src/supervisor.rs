//! [`Supervisor`]: the actix actor that wraps one supervised actor. It
//! catches panics, times handlers against the watchdog, retries or
//! dead-letters the message that crashed, restarts the actor from its
//! durable state after a backoff, and gives up (disable or escalate) past the
//! restart intensity.

use std::panic::{AssertUnwindSafe, catch_unwind, resume_unwind};
use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Instant;

use actix::fut::LocalBoxActorFuture;
use actix::{ActorFutureExt, AsyncContext};

use crate::actor::{Ctx, Durable, Handles, SupervisedActor, TaskSet};
use crate::bounded_log::BoundedLog;
use crate::clock;
use crate::config::ActorSettings;
use crate::control::{Control, ControlMsg, Escalation};
use crate::dead_letters::{DeadLetterReason, DeadLetters};
use crate::faults::{FaultInjector, FaultSpec};
use crate::mailbox::Recipient;
use crate::message::{Envelope, Message};
use crate::metrics::{ActorState, FaultKind, MailboxMetrics};
use crate::panics;
use crate::policy::{Exhausted, HangAction, RestartDecision, RestartTracker, SupervisionPolicy};
use crate::runtime::RuntimeHandle;

/// What a supervisor shares with the rest of the runtime.
pub(crate) struct Links {
    pub(crate) metrics: Arc<MailboxMetrics>,
    pub(crate) dead_letters: Arc<DeadLetters>,
    pub(crate) escalate_to: Option<Recipient<Escalation>>,
    pub(crate) escalation_log: Arc<BoundedLog<Escalation>>,
    pub(crate) runtime: RuntimeHandle,
}

/// The actix actor that runs a [`SupervisedActor`] under supervision.
/// Crate-internal; actors only ever see it through [`Ctx`].
pub struct Supervisor<A: SupervisedActor> {
    // Boxed so the actix actor is `Unpin` whatever the user's types are.
    actor: Option<Box<A>>,
    durable: Box<Durable<A::Durable>>,
    links: Links,
    policy: SupervisionPolicy,
    tracker: RestartTracker,
    faults: FaultInjector,
    /// Bumped whenever the actor value is dropped; callbacks of older generations are stale.
    generation: u64,
    tasks: TaskSet,
    /// `wait_for` futures registered by the handler now running.
    deferred_waits: Vec<LocalBoxActorFuture<Self, ()>>,
    watchdog_ns: u64,
    restarts: u64,
}

/// A message held across a restart: retried after it, or dead-lettered if the actor gives up.
trait PendingMessage<A: SupervisedActor> {
    fn redeliver(self: Box<Self>, sup: &mut Supervisor<A>, ctx: &mut actix::Context<Supervisor<A>>);
    fn dead_letter(self: Box<Self>, sup: &mut Supervisor<A>, reason: DeadLetterReason);
}

impl<A: Handles<M>, M: Message> PendingMessage<A> for Envelope<M> {
    fn redeliver(
        self: Box<Self>,
        sup: &mut Supervisor<A>,
        ctx: &mut actix::Context<Supervisor<A>>,
    ) {
        sup.deliver(*self, ctx);
    }
    fn dead_letter(self: Box<Self>, sup: &mut Supervisor<A>, reason: DeadLetterReason) {
        sup.dead_letter_envelope(*self, reason);
    }
}

type Pending<A> = Option<Box<dyn PendingMessage<A>>>;

struct Guarded<R> {
    result: std::thread::Result<R>,
    elapsed_ns: u64,
    hung: bool,
}

/// Run `f` under `catch_unwind`, marking the actor busy for the watchdog and
/// counting a hang (once) if it ran past the watchdog time.
#[inline]
fn guarded<R>(
    metrics: &MailboxMetrics,
    watchdog_ns: u64,
    start_ns: u64,
    f: impl FnOnce() -> R,
) -> Guarded<R> {
    if watchdog_ns != 0 {
        metrics
            .actor
            .0
            .busy_since_ns
            .store(start_ns, Ordering::Release);
    }
    panics::enter_supervised();
    let result = catch_unwind(AssertUnwindSafe(f));
    panics::leave_supervised();
    let elapsed_ns = clock::now_ns().saturating_sub(start_ns);
    let mut hung = false;
    if watchdog_ns != 0 {
        metrics.actor.0.busy_since_ns.store(0, Ordering::Release);
        if elapsed_ns > watchdog_ns {
            hung = true;
            metrics.count_hang_once(start_ns);
            metrics.record_fault(
                FaultKind::Hang,
                format!(
                    "handler ran {} ms (watchdog {} ms)",
                    elapsed_ns / 1_000_000,
                    watchdog_ns / 1_000_000
                ),
            );
        }
    }
    Guarded {
        result,
        elapsed_ns,
        hung,
    }
}

impl<A: SupervisedActor> Supervisor<A> {
    pub(crate) fn new(durable: A::Durable, links: Links, settings: &ActorSettings) -> Self {
        Self {
            actor: None,
            durable: Box::new(Durable::new(durable)),
            watchdog_ns: settings
                .policy
                .watchdog
                .map(clock::duration_ns)
                .unwrap_or(0),
            policy: settings.policy.clone(),
            faults: FaultInjector::new(settings.faults.clone()),
            links,
            tracker: RestartTracker::new(),
            generation: 0,
            tasks: TaskSet::default(),
            deferred_waits: Vec::new(),
            restarts: 0,
        }
    }

    fn metrics(&self) -> &MailboxMetrics {
        &self.links.metrics
    }

    /// Handle one message (first attempt or retry).
    pub(crate) fn deliver<M: Message>(
        &mut self,
        mut env: Envelope<M>,
        ctx: &mut actix::Context<Self>,
    ) where
        A: Handles<M>,
    {
        if self.actor.is_none() {
            // Only a disabled actor has no value while its mailbox is open:
            // backoff and restarts block the mailbox (ctx.wait).
            self.dead_letter_envelope(env, DeadLetterReason::Disabled);
            return;
        }
        let start = clock::now_ns();
        if env.crashed_attempts == 0 {
            self.links
                .metrics
                .wait
                .0
                .record_single_writer(start.saturating_sub(env.enqueued_ns));
        }
        let injection = self.faults.next_attempt();
        let Supervisor {
            actor,
            durable,
            links,
            tasks,
            deferred_waits,
            generation,
            watchdog_ns,
            ..
        } = self;
        let Some(actor) = actor.as_mut() else {
            return;
        };
        let mut c = Ctx {
            inner: ctx,
            links,
            tasks,
            waits: deferred_waits,
            generation: *generation,
        };
        let msg = &env.msg;
        let attempt = env.crashed_attempts + 1;
        let g = guarded(&links.metrics, *watchdog_ns, start, || {
            if let Some(stall) = injection.stall {
                std::thread::sleep(stall);
            }
            if injection.panic {
                // resume_unwind skips the panic hook: injected panics are expected.
                resume_unwind(Box::new(format!(
                    "injected fault: panic on handling attempt {attempt}"
                )));
            }
            actor.handle(msg, durable, &mut c)
        });
        self.links
            .metrics
            .handling
            .0
            .record_single_writer(g.elapsed_ns);
        match g.result {
            Ok(answer) => {
                // Count before replying: whoever waits for the reply sees
                // the message accounted for.
                MailboxMetrics::bump_single_writer(&self.metrics().actor.0.handled);
                self.release_slot();
                if let Some(tx) = env.reply.take() {
                    let _ = tx.send(Ok(answer));
                }
                let restart = g.hung && self.policy.on_hang == HangAction::Restart;
                self.commit_waits(restart, ctx);
            }
            Err(payload) => {
                self.deferred_waits.clear();
                self.crashed(FaultKind::Panic, payload);
                env.crashed_attempts += 1;
                if env.crashed_attempts >= self.policy.poison_after {
                    let attempts = env.crashed_attempts;
                    self.dead_letter_envelope(env, DeadLetterReason::Poison { attempts });
                    self.fail(None, ctx);
                } else {
                    self.fail(Some(Box::new(env)), ctx);
                }
            }
        }
    }

    /// After a successful handler: start its `wait_for` futures (in the
    /// order made), then, if it hung, restart once they are done.
    #[inline]
    fn commit_waits(&mut self, restart: bool, ctx: &mut actix::Context<Self>) {
        if self.deferred_waits.is_empty() && !restart {
            return;
        }
        self.commit_waits_slow(restart, ctx);
    }

    #[cold]
    fn commit_waits_slow(&mut self, restart: bool, ctx: &mut actix::Context<Self>) {
        if self.deferred_waits.is_empty() {
            if restart {
                self.fail(None, ctx);
            }
            return;
        }
        // actix polls the most recent wait first: push the restart first and
        // the handler's waits in reverse.
        if restart {
            ctx.wait(actix::fut::ready(()).map(|(), sup: &mut Self, ctx| sup.fail(None, ctx)));
        }
        let waits = std::mem::take(&mut self.deferred_waits);
        for w in waits.into_iter().rev() {
            ctx.wait(w);
        }
    }

    pub(crate) fn dead_letter_envelope<M: Message>(
        &mut self,
        env: Envelope<M>,
        reason: DeadLetterReason,
    ) {
        let reply = env.reply;
        self.links.dead_letter(env.msg, reason.clone());
        self.release_slot();
        if let Some(tx) = reply {
            let _ = tx.send(Err(reason));
        }
    }

    #[inline]
    fn release_slot(&self) {
        self.metrics().release_slot();
    }

    fn crashed(&mut self, kind: FaultKind, payload: Box<dyn std::any::Any + Send>) {
        let detail = panics::describe(&*payload);
        MailboxMetrics::add(&self.metrics().actor.0.crashes);
        tracing::warn!(actor = %self.metrics().name, %detail, "actor crashed");
        self.metrics().record_fault(kind, detail);
        // Dropping a payload can itself panic; contain it.
        let _ = catch_unwind(AssertUnwindSafe(move || drop(payload)));
    }

    /// Drop the actor value (and everything it scheduled).
    fn drop_actor(&mut self, ctx: &mut actix::Context<Self>) {
        self.generation += 1;
        self.tasks.cancel_all(ctx);
        if let Some(actor) = self.actor.take() {
            panics::enter_supervised();
            let dropped = catch_unwind(AssertUnwindSafe(move || drop(actor)));
            panics::leave_supervised();
            if let Err(payload) = dropped {
                let detail = panics::describe(&*payload);
                tracing::warn!(actor = %self.metrics().name, %detail, "actor panicked while being dropped");
            }
        }
    }

    /// After a crash or hang: restart after backoff, or give up.
    fn fail(&mut self, pending: Pending<A>, ctx: &mut actix::Context<Self>) {
        self.drop_actor(ctx);
        match self.tracker.on_fault(&self.policy, Instant::now()) {
            RestartDecision::RestartAfter(delay) => {
                self.metrics().set_state(ActorState::BackingOff);
                // ctx.wait: the mailbox is not processed until the restart;
                // messages keep queueing (bounded by the capacity).
                ctx.wait(
                    actix::fut::wrap_future::<_, Self>(actix::clock::sleep(delay))
                        .map(move |(), sup, ctx| sup.start_actor(true, pending, ctx)),
                );
            }
            RestartDecision::GiveUp => self.give_up(pending),
        }
    }

    /// Build the actor value from the durable state, then retry `pending`.
    fn start_actor(
        &mut self,
        is_restart: bool,
        pending: Pending<A>,
        ctx: &mut actix::Context<Self>,
    ) {
        self.metrics().set_state(ActorState::Starting);
        if is_restart {
            self.restarts += 1;
            MailboxMetrics::add(&self.metrics().actor.0.restarts);
            self.durable.set_incarnation(self.restarts);
        }
        let Supervisor {
            durable,
            links,
            tasks,
            deferred_waits,
            generation,
            ..
        } = self;
        let mut c = Ctx {
            inner: ctx,
            links,
            tasks,
            waits: deferred_waits,
            generation: *generation,
        };
        panics::enter_supervised();
        let built = catch_unwind(AssertUnwindSafe(|| A::start(durable, &mut c)));
        panics::leave_supervised();
        match built {
            Ok(actor) => {
                self.actor = Some(Box::new(actor));
                self.metrics().set_state(ActorState::Running);
                self.commit_waits(false, ctx);
                if let Some(p) = pending {
                    p.redeliver(self, ctx);
                }
            }
            Err(payload) => {
                self.deferred_waits.clear();
                self.crashed(FaultKind::StartPanic, payload);
                self.fail(pending, ctx);
            }
        }
    }

    fn give_up(&mut self, pending: Pending<A>) {
        self.metrics().set_state(ActorState::Disabled);
        tracing::warn!(actor = %self.metrics().name, "restart intensity exceeded; actor disabled");
        if let Some(p) = pending {
            p.dead_letter(self, DeadLetterReason::Disabled);
        }
        if self.policy.on_exhausted == Exhausted::Escalate {
            MailboxMetrics::add(&self.metrics().actor.0.escalations);
            let escalation = Escalation {
                actor: self.metrics().name.clone(),
                fault: self.metrics().last_fault(),
                restarts: self.restarts,
                at_ms: clock::now_ms(),
            };
            let unsent = match &self.links.escalate_to {
                Some(parent) => parent.try_send(escalation).err().map(|e| e.into_inner()),
                None => Some(escalation),
            };
            if let Some(escalation) = unsent {
                self.links.escalation_log.push(escalation);
            }
        }
    }

    /// Run a timer/future callback of generation `generation` on the actor.
    pub(crate) fn run_callback<F>(&mut self, generation: u64, ctx: &mut actix::Context<Self>, f: F)
    where
        F: FnOnce(&mut A, &mut Durable<A::Durable>, &mut Ctx<'_, A>),
    {
        if generation != self.generation {
            return;
        }
        let start = clock::now_ns();
        let Supervisor {
            actor,
            durable,
            links,
            tasks,
            deferred_waits,
            generation,
            watchdog_ns,
            ..
        } = self;
        let Some(actor) = actor.as_mut() else {
            return;
        };
        let mut c = Ctx {
            inner: ctx,
            links,
            tasks,
            waits: deferred_waits,
            generation: *generation,
        };
        let g = guarded(&links.metrics, *watchdog_ns, start, || {
            f(actor, durable, &mut c)
        });
        match g.result {
            Err(payload) => {
                self.deferred_waits.clear();
                self.crashed(FaultKind::Panic, payload);
                self.fail(None, ctx);
            }
            Ok(()) => {
                let restart = g.hung && self.policy.on_hang == HangAction::Restart;
                self.commit_waits(restart, ctx);
            }
        }
    }

    /// A spawned future of generation `generation` panicked.
    pub(crate) fn callback_panicked(
        &mut self,
        generation: u64,
        payload: Box<dyn std::any::Any + Send>,
        ctx: &mut actix::Context<Self>,
    ) {
        if generation == self.generation {
            self.crashed(FaultKind::Panic, payload);
            self.fail(None, ctx);
        }
    }
}

impl<A: SupervisedActor> actix::Actor for Supervisor<A> {
    type Context = actix::Context<Self>;

    fn started(&mut self, ctx: &mut Self::Context) {
        self.start_actor(false, None, ctx);
    }
}

impl<A: Handles<M>, M: Message> actix::Handler<Envelope<M>> for Supervisor<A> {
    type Result = ();

    fn handle(&mut self, env: Envelope<M>, ctx: &mut Self::Context) {
        self.deliver(env, ctx);
    }
}

impl<A: SupervisedActor> actix::Handler<ControlMsg> for Supervisor<A> {
    type Result = ();

    fn handle(&mut self, msg: ControlMsg, ctx: &mut Self::Context) {
        self.metrics()
            .sender
            .0
            .control_in_flight
            .fetch_sub(1, Ordering::AcqRel);
        match msg.0 {
            Control::SetFaults(spec) => self.faults = FaultInjector::new(spec),
            Control::ClearFaults => self.faults = FaultInjector::new(FaultSpec::default()),
            Control::Enable => {
                if self.actor.is_none() && self.metrics().state() == ActorState::Disabled {
                    self.tracker.reset();
                    self.start_actor(true, None, ctx);
                }
            }
            Control::Disable => {
                self.drop_actor(ctx);
                self.metrics().set_state(ActorState::Disabled);
            }
        }
    }
}

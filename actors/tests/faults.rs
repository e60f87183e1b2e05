//! Fault-injection tests: for each fault kind, the exact counts of crashes,
//! restarts, dead letters and the final state, with durable state surviving
//! and every message accounted for.

mod common;

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use common::*;
use kestrel_actors::prelude::*;
use kestrel_actors::{
    ActorState, DeadLetterReason, Escalation, Exhausted, FaultKind, FaultSpec, SpawnOptions,
};

fn runtime() -> ActorRuntime {
    ActorRuntime::start(ActorsConfig::default()).expect("runtime starts")
}

fn spawn_counter(rt: &ActorRuntime, name: &str, s: ActorSettings) -> Addr<Counter> {
    rt.spawn_with::<Counter>(
        name,
        CounterState::default(),
        SpawnOptions::new().settings(s),
    )
    .expect("spawn")
}

#[test]
fn panic_on_nth_message_is_retried_after_a_restart_and_durable_state_survives() {
    let rt = runtime();
    let mut s = settings(64);
    s.faults.panic_nth = Some(3);
    let a = spawn_counter(&rt, "counter", s);

    let answers: Vec<u64> = (1..=10).map(|i| a.ask_blocking(Work(i)).unwrap()).collect();
    // The third message crashed its handler once, was retried after the
    // restart and answered like the others.
    assert_eq!(answers, (1..=10).collect::<Vec<_>>());

    let seen = a.ask_blocking(Get).unwrap();
    assert_eq!(seen.durable_count, 10);
    assert_eq!(seen.durable_sum, 55);
    assert_eq!(seen.volatile_count, 8, "volatile state restarts from zero");
    assert_eq!(seen.incarnation, 1);

    let m = a.metrics();
    assert_eq!(
        (m.crashes(), m.restarts(), m.dead_lettered(), m.hangs()),
        (1, 1, 0, 0)
    );
    assert_eq!((m.handled(), m.enqueued(), m.refused()), (11, 11, 0));
    assert_eq!(m.state(), ActorState::Running);
    let fault = m.last_fault().expect("fault recorded");
    assert_eq!(fault.kind, FaultKind::Panic);
    assert!(fault.detail.contains("injected fault"), "{}", fault.detail);
    assert_eq!(m.wait_histogram().count(), 11);
    assert_eq!(
        m.handling_histogram().count(),
        12,
        "11 handled + 1 crashed attempt"
    );
    assert_accounted(m);
}

#[test]
fn hang_past_the_watchdog_is_counted_once_and_restarts_the_actor() {
    let rt = runtime();
    let mut s = settings(64);
    s.policy.watchdog = Some(Duration::from_millis(200));
    // Stall the first message well past the watchdog (sleep never returns early).
    s.faults.stall_ms = Some(600);
    let a = spawn_counter(&rt, "slow", s);

    let answers: Vec<u64> = (1..=5).map(|i| a.ask_blocking(Work(i)).unwrap()).collect();
    assert_eq!(answers, vec![1, 2, 3, 4, 5]);
    let seen = a.ask_blocking(Get).unwrap();
    assert_eq!(
        (seen.durable_count, seen.durable_sum, seen.incarnation),
        (5, 15, 1)
    );

    let m = a.metrics();
    assert_eq!(
        (m.hangs(), m.restarts(), m.crashes(), m.dead_lettered()),
        (1, 1, 0, 0)
    );
    assert_eq!(m.handled(), 6);
    assert_eq!(m.state(), ActorState::Running);
    assert_eq!(m.last_fault().unwrap().kind, FaultKind::Hang);
    assert_accounted(m);
}

#[test]
fn watchdog_counts_a_handler_that_is_still_running() {
    let rt = runtime();
    let mut s = settings(64);
    s.policy.watchdog = Some(Duration::from_millis(20));
    let a = spawn_counter(&rt, "stuck", s);

    let gate = Gate::default();
    a.try_send(Block(gate.clone())).unwrap();
    // The handler cannot return until the gate opens: only the watchdog
    // thread can see this hang.
    wait_until("watchdog counts the hang", || a.metrics().hangs() == 1);
    let m = a.metrics();
    assert!(m.busy_ns().is_some(), "handler still running");
    let fault = m.last_fault().unwrap();
    assert_eq!(fault.kind, FaultKind::Hang);
    assert!(fault.detail.contains("still running"), "{}", fault.detail);

    gate.open();
    wait_idle(m);
    assert_eq!(a.ask_blocking(Work(7)).unwrap(), 1);
    // Counted once although the supervisor also saw it when the handler returned.
    assert_eq!((m.hangs(), m.restarts(), m.crashes()), (1, 1, 0));
    assert_eq!(m.handled(), 2);
    assert_accounted(m);
}

#[test]
fn full_mailbox_refuses_with_a_typed_error_and_a_waiting_sender_gets_through() {
    let rt = runtime();
    let a = spawn_counter(&rt, "small", settings(4));
    let gate = Gate::default();

    // One slot for the blocked handler, three queued behind it.
    a.try_send(Block(gate.clone())).unwrap();
    for i in 1..=3 {
        a.try_send(Work(i)).unwrap();
    }
    assert_eq!(a.metrics().depth(), 4);
    for i in 10..15 {
        match a.try_send(Work(i)) {
            Err(SendError::Full(back)) => assert_eq!(back, Work(i), "the message comes back"),
            other => panic!("expected Full, got {other:?}"),
        }
    }

    let waiter = {
        let a = a.clone();
        std::thread::spawn(move || a.send_blocking(Work(100)))
    };
    wait_until("sender waits for room", || a.metrics().send_waits() == 1);
    assert_eq!(a.metrics().depth(), 4, "capacity holds while it waits");

    gate.open();
    waiter
        .join()
        .unwrap()
        .expect("waiting send succeeds once there is room");
    wait_idle(a.metrics());

    let seen = a.ask_blocking(Get).unwrap();
    assert_eq!((seen.durable_count, seen.durable_sum), (4, 106));
    let m = a.metrics();
    assert_eq!((m.refused(), m.send_waits(), m.enqueued()), (5, 1, 6));
    assert_eq!((m.handled(), m.dead_lettered(), m.crashes()), (6, 0, 0));
    assert_accounted(m);
}

#[test]
fn poison_message_is_dead_lettered_after_k_crashes() {
    let rt = runtime();
    let mut s = settings(64);
    s.policy.poison_after = 3;
    let a = spawn_counter(&rt, "poisoned", s);

    assert_eq!(a.ask_blocking(Work(1)).unwrap(), 1);
    match a.ask_blocking(Work(POISON)) {
        Err(AskError::DeadLettered(DeadLetterReason::Poison { attempts: 3 })) => {}
        other => panic!("expected a poison dead letter, got {other:?}"),
    }
    assert_eq!(a.ask_blocking(Work(2)).unwrap(), 2);

    let m = a.metrics();
    assert_eq!(
        (m.crashes(), m.restarts(), m.dead_lettered(), m.handled()),
        (3, 3, 1, 2)
    );
    assert_eq!(m.state(), ActorState::Running);
    let fault = m.last_fault().unwrap();
    assert!(fault.detail.contains("poison message"), "{}", fault.detail);
    assert!(
        fault.detail.contains("common/mod.rs"),
        "location: {}",
        fault.detail
    );

    let letters = rt.dead_letters().take_all();
    assert_eq!(letters.len(), 1);
    assert_eq!(letters[0].actor.as_str(), "poisoned");
    assert_eq!(letters[0].reason, DeadLetterReason::Poison { attempts: 3 });
    assert_eq!(
        letters[0].payload.downcast_ref::<Work>(),
        Some(&Work(POISON))
    );

    let seen = a.ask_blocking(Get).unwrap();
    assert_eq!(
        (seen.durable_count, seen.durable_sum, seen.incarnation),
        (2, 3, 3)
    );
    assert_accounted(m);
}

#[test]
fn restart_storm_past_the_intensity_disables_the_actor_and_dead_letters_the_rest() {
    let rt = runtime();
    let mut s = settings(64);
    s.policy.max_restarts = 3;
    s.policy.poison_after = 100;
    s.policy.on_exhausted = Exhausted::Disable;
    let a = spawn_counter(&rt, "storm", s);

    // Queue everything behind a blocked handler so the storm starts only
    // once all five messages are in the mailbox.
    let gate = Gate::default();
    a.try_send(Block(gate.clone())).unwrap();
    a.control(Control::SetFaults(FaultSpec {
        panic_prob: Some(1.0),
        ..FaultSpec::default()
    }))
    .unwrap();
    for i in 1..=5 {
        a.try_send(Work(i)).unwrap();
    }
    gate.open();
    wait_idle(a.metrics());

    let m = a.metrics();
    assert_eq!(m.state(), ActorState::Disabled);
    // Three restarts allowed, the fourth crash exceeds the intensity.
    assert_eq!((m.crashes(), m.restarts(), m.handled()), (4, 3, 1));
    assert_eq!(m.dead_lettered(), 5);
    assert_eq!(rt.dead_letters().total(), 5);
    assert!(
        rt.dead_letters()
            .take_all()
            .iter()
            .all(|d| d.reason == DeadLetterReason::Disabled)
    );
    assert!(matches!(
        a.try_send(Work(9)),
        Err(SendError::Disabled(Work(9)))
    ));
    assert_eq!(m.refused(), 1);
    assert_accounted(m);

    // Re-enable: durable state is still there.
    a.control(Control::ClearFaults).unwrap();
    a.control(Control::Enable).unwrap();
    wait_until("re-enabled", || m.state() == ActorState::Running);
    assert_eq!(a.ask_blocking(Work(40)).unwrap(), 1);
    let seen = a.ask_blocking(Get).unwrap();
    assert_eq!((seen.durable_count, seen.durable_sum), (1, 40));
    assert_eq!(m.restarts(), 4);
    assert_accounted(m);
}

/// Records the escalations it receives.
struct Parent;
impl SupervisedActor for Parent {
    type Durable = Vec<Escalation>;
    fn start(_: &mut Durable<Vec<Escalation>>, _: &mut Ctx<'_, Self>) -> Self {
        Parent
    }
}
impl Handles<Escalation> for Parent {
    fn handle(&mut self, e: &Escalation, d: &mut Durable<Vec<Escalation>>, _: &mut Ctx<'_, Self>) {
        d.push(e.clone());
    }
}
struct Escalations;
impl Message for Escalations {
    type Result = Vec<Escalation>;
}
impl Handles<Escalations> for Parent {
    fn handle(
        &mut self,
        _: &Escalations,
        d: &mut Durable<Vec<Escalation>>,
        _: &mut Ctx<'_, Self>,
    ) -> Vec<Escalation> {
        d.clone()
    }
}

#[test]
fn exceeding_the_intensity_with_escalate_reports_to_the_parent() {
    let rt = runtime();
    let parent = rt.spawn::<Parent>("parent", Vec::new()).unwrap();
    let mut s = settings(64);
    s.policy.max_restarts = 0;
    s.policy.on_exhausted = Exhausted::Escalate;
    s.faults.panic_nth = Some(1);
    let child = rt
        .spawn_with::<Counter>(
            "child",
            CounterState::default(),
            SpawnOptions::new()
                .settings(s)
                .escalate_to(parent.recipient()),
        )
        .unwrap();

    match child.ask_blocking(Work(1)) {
        Err(AskError::DeadLettered(DeadLetterReason::Disabled)) => {}
        other => panic!("expected dead letter, got {other:?}"),
    }
    wait_until("parent got it", || parent.metrics().handled() == 1);
    let got = parent.ask_blocking(Escalations).unwrap();
    assert_eq!(got.len(), 1);
    assert_eq!(got[0].actor.as_str(), "child");
    assert_eq!(got[0].fault.as_ref().unwrap().kind, FaultKind::Panic);

    let m = child.metrics();
    assert_eq!(
        (
            m.crashes(),
            m.restarts(),
            m.dead_lettered(),
            m.escalations()
        ),
        (1, 0, 1, 1)
    );
    assert_eq!(m.state(), ActorState::Disabled);
    assert_eq!(
        rt.escalations().total(),
        0,
        "went to the parent, not the log"
    );
    assert_accounted(m);
}

#[test]
fn escalation_without_a_parent_goes_to_the_runtime_log() {
    let rt = runtime();
    let mut s = settings(64);
    s.policy.max_restarts = 1;
    s.policy.poison_after = 10;
    s.policy.on_exhausted = Exhausted::Escalate;
    s.faults.panic_prob = Some(1.0);
    let a = spawn_counter(&rt, "orphan", s);
    a.try_send(Work(1)).unwrap();
    wait_idle(a.metrics());
    let log = rt.escalations().take_all();
    assert_eq!(log.len(), 1);
    assert_eq!(log[0].actor.as_str(), "orphan");
    assert_eq!(log[0].restarts, 1);
    let m = a.metrics();
    assert_eq!((m.crashes(), m.restarts(), m.dead_lettered()), (2, 1, 1));
    assert_eq!(m.state(), ActorState::Disabled);
}

#[test]
fn refuse_window_refuses_every_send_until_cleared() {
    let rt = runtime();
    let mut s = settings(64);
    s.faults.refuse_ms = Some(600_000);
    let a = spawn_counter(&rt, "refusing", s);
    for i in 0..3 {
        assert!(matches!(
            a.try_send(Work(i)),
            Err(SendError::Refusing(Work(_)))
        ));
    }
    match a.ask_blocking(Work(5)) {
        Err(AskError::NotSent(SendError::Refusing(Work(5)))) => {}
        other => panic!("expected refusal, got {other:?}"),
    }
    let m = a.metrics();
    assert_eq!((m.refused(), m.enqueued()), (4, 0));

    a.control(Control::ClearFaults).unwrap();
    assert_eq!(a.ask_blocking(Work(8)).unwrap(), 1);
    assert_eq!((m.refused(), m.enqueued(), m.handled()), (4, 1, 1));
    assert_accounted(m);
}

fn seeded_run(seed: u64) -> (u64, u64, u64, u64) {
    let rt = runtime();
    let mut s = settings(256);
    s.policy.poison_after = 2;
    s.policy.max_restarts = 1000;
    s.faults.panic_prob = Some(0.2);
    s.faults.seed = seed;
    let a = spawn_counter(&rt, "dice", s);
    for i in 0..200 {
        a.send_blocking(Work(i)).unwrap();
    }
    wait_idle(a.metrics());
    let m = a.metrics();
    assert_accounted(m);
    assert_eq!(m.handled() + m.dead_lettered(), 200);
    let counts = (m.crashes(), m.restarts(), m.dead_lettered(), m.handled());
    a.control(Control::ClearFaults).unwrap();
    let seen = a.ask_blocking(Get).unwrap();
    assert_eq!(
        seen.durable_count, counts.3,
        "durable count survives every restart"
    );
    counts
}

#[test]
fn panic_probability_is_reproducible_for_a_seed() {
    let first = seeded_run(7);
    let second = seeded_run(7);
    assert_eq!(first, second);
    let (crashes, restarts, dead, _) = first;
    assert!(crashes > 10, "p = 0.2 over 200+ attempts: {crashes}");
    assert_eq!(
        crashes, restarts,
        "every crash within the intensity restarts"
    );
    assert!(dead > 0, "some message crashed twice: {dead}");
}

#[test]
fn control_is_bounded_and_unknown_names_are_errors() {
    let rt = runtime();
    let a = spawn_counter(&rt, "ctl", settings(8));
    assert!(matches!(
        rt.registry().control("nobody", Control::Enable),
        Err(kestrel_actors::ControlError::UnknownActor(_))
    ));
    rt.registry()
        .control("ctl", Control::SetFaults(FaultSpec::default()))
        .unwrap();
    assert!(rt.spawn::<Counter>("ctl", CounterState::default()).is_err());
    let _ = Arc::clone(a.metrics());
    let _ = Ordering::SeqCst;
}

#[test]
fn shutdown_wakes_senders_waiting_for_room() {
    let rt = runtime();
    let a = spawn_counter(&rt, "closing", settings(1));
    let gate = Gate::default();
    a.try_send(Block(gate.clone())).unwrap();
    let waiter = {
        let a = a.clone();
        std::thread::spawn(move || a.send_blocking(Work(1)))
    };
    wait_until("sender waits for room", || a.metrics().send_waits() == 1);
    let stopper = std::thread::spawn(move || rt.shutdown());
    match waiter.join().unwrap() {
        Err(SendError::Closed(Work(1))) => {}
        other => panic!("expected Closed, got {other:?}"),
    }
    gate.open();
    stopper.join().unwrap();
    let m = a.metrics();
    assert_eq!((m.enqueued(), m.refused(), m.send_waits()), (1, 1, 1));
}

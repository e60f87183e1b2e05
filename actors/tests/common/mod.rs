//! A test actor and helpers shared by the integration tests.
#![allow(dead_code)]

use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};

use kestrel_actors::prelude::*;
use kestrel_actors::{Backoff, MailboxMetrics};

/// A message whose handler panics.
pub const POISON: u64 = 666;

/// Add a value to the durable sum; answers the durable count.
#[derive(Debug, Clone, PartialEq)]
pub struct Work(pub u64);
impl Message for Work {
    type Result = u64;
}

/// Read the counter's state.
pub struct Get;
impl Message for Get {
    type Result = Seen;
}

/// What `Get` answers.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Seen {
    pub durable_count: u64,
    pub durable_sum: u64,
    pub volatile_count: u64,
    pub incarnation: u64,
}

/// A gate a handler waits on until the test opens it.
#[derive(Clone, Default)]
pub struct Gate(Arc<(Mutex<bool>, Condvar)>);

impl Gate {
    pub fn open(&self) {
        *self.0.0.lock().unwrap() = true;
        self.0.1.notify_all();
    }
    fn wait(&self) {
        let mut open = self.0.0.lock().unwrap();
        while !*open {
            open = self.0.1.wait(open).unwrap();
        }
    }
}

/// Block the handler until the gate opens.
pub struct Block(pub Gate);
impl Message for Block {
    type Result = ();
}

#[derive(Default)]
pub struct CounterState {
    pub count: u64,
    pub sum: u64,
}

/// Counts `Work` in its durable state and in a volatile field.
pub struct Counter {
    volatile: u64,
}

impl SupervisedActor for Counter {
    type Durable = CounterState;
    fn start(_: &mut Durable<CounterState>, _: &mut Ctx<'_, Self>) -> Self {
        Counter { volatile: 0 }
    }
}

impl Handles<Work> for Counter {
    fn handle(&mut self, msg: &Work, d: &mut Durable<CounterState>, _: &mut Ctx<'_, Self>) -> u64 {
        assert_ne!(msg.0, POISON, "poison message");
        self.volatile += 1;
        d.count += 1;
        d.sum += msg.0;
        d.count
    }
}

impl Handles<Get> for Counter {
    fn handle(&mut self, _: &Get, d: &mut Durable<CounterState>, _: &mut Ctx<'_, Self>) -> Seen {
        Seen {
            durable_count: d.count,
            durable_sum: d.sum,
            volatile_count: self.volatile,
            incarnation: d.incarnation(),
        }
    }
}

impl Handles<Block> for Counter {
    fn handle(&mut self, msg: &Block, _: &mut Durable<CounterState>, _: &mut Ctx<'_, Self>) {
        msg.0.wait();
    }
}

/// Settings for tests: fast backoff, no watchdog unless asked, generous intensity.
pub fn settings(capacity: usize) -> ActorSettings {
    ActorSettings {
        capacity,
        policy: SupervisionPolicy {
            max_restarts: 100,
            restart_window: Duration::from_secs(60),
            backoff: Backoff {
                initial: Duration::from_millis(1),
                factor: 2.0,
                max: Duration::from_millis(5),
            },
            watchdog: None,
            ..SupervisionPolicy::default()
        },
        faults: Default::default(),
    }
}

/// Poll until `cond` holds. The limit only guards against a deadlocked test;
/// it is not a performance threshold.
pub fn wait_until(what: &str, mut cond: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while !cond() {
        assert!(Instant::now() < deadline, "never happened: {what}");
        std::thread::sleep(Duration::from_millis(1));
    }
}

/// Every accepted message is handled, dead-lettered, or still in the mailbox.
pub fn assert_accounted(m: &MailboxMetrics) {
    assert_eq!(
        m.enqueued(),
        m.handled() + m.dead_lettered() + m.depth() as u64,
        "{:?}",
        m.snapshot()
    );
}

/// Wait until the actor has finished every accepted message.
pub fn wait_idle(m: &MailboxMetrics) {
    wait_until("mailbox drained", || {
        m.depth() == 0 && m.enqueued() == m.handled() + m.dead_lettered()
    });
}

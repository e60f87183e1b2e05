//! Shared by the `circuit_*` integration tests: the embedded simulator on
//! its own tokio runtime, short circuit timeouts, an event log actor, and a
//! `wait_until` that fails with a clear message instead of hanging.

#![allow(dead_code)]

use std::time::{Duration, Instant};

use kestrel::sim::{CircuitInfo, SimConfig, SimHandle, Simulator};
use kestrel_actors::circuit::{
    CapsEvent, CircuitEvent, CircuitSettings, LoginParams, RetryBackoff,
};
use kestrel_actors::{ActorName, ActorsConfig, Ctx, Durable, Handles, Message, SupervisedActor};
use kestrel_protocol::login::StartLocation;

/// Generous overall deadline for one step of a test (only to avoid hanging;
/// no test passes or fails on timing otherwise).
pub const STEP: Duration = Duration::from_secs(90);

/// The embedded simulator, served by a runtime of its own.
pub struct TestSim {
    pub rt: tokio::runtime::Runtime,
    pub sim: SimHandle,
}

impl TestSim {
    pub fn start(config: SimConfig) -> Self {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("tokio runtime for the simulator");
        let sim = rt
            .block_on(Simulator::start(config))
            .expect("the embedded simulator starts");
        TestSim { rt, sim }
    }

    /// A clean region without churn, so object counts are exact.
    pub fn clean_config(objects: usize) -> SimConfig {
        SimConfig {
            object_count: objects,
            churn_secs: 0,
            event_queue_timeout_ms: 2_000,
            ..SimConfig::default()
        }
    }

    pub fn login(&self, password: &str) -> LoginParams {
        LoginParams {
            login_uri: self.sim.login_uri(),
            first: "Test".into(),
            last: "Pilot".into(),
            password: password.into(),
            start: StartLocation::Last,
        }
    }

    pub fn circuits(&self) -> Vec<CircuitInfo> {
        self.rt.block_on(self.sim.circuits())
    }

    /// Waits until the region has handed the whole region to our circuit
    /// and every reliable packet of it was acked by the viewer.
    pub fn wait_region_delivered(&self) -> CircuitInfo {
        wait_until("the region to be delivered and acked", STEP, || {
            self.circuits()
                .into_iter()
                .find(|c| c.in_world && c.region_sent && c.in_flight == 0)
        })
    }

    pub fn kill(&self) {
        self.rt.block_on(self.sim.kill());
    }

    pub fn restart(&self) {
        self.rt
            .block_on(self.sim.restart())
            .expect("the region restarts on its ports");
    }
}

/// Circuit settings with short timeouts for tests.
pub fn test_settings() -> CircuitSettings {
    CircuitSettings {
        circuit_timeout: Duration::from_secs(3),
        ping_interval: Duration::from_millis(500),
        reconnect_backoff: RetryBackoff {
            initial: Duration::from_millis(200),
            max: Duration::from_secs(1),
        },
        ..CircuitSettings::default()
    }
}

/// The built-in actor config with a relaxed watchdog: the test machine may
/// be loaded, and a handler descheduled past the 100 ms watchdog would count
/// as a hang (a restart) and spoil exact restart counts.
pub fn test_actors() -> ActorsConfig {
    let mut c = ActorsConfig::builtin();
    for name in ["circuit", "census", "events"] {
        let mut s = c.settings_for(&ActorName::new(name));
        s.policy.watchdog = Some(Duration::from_secs(30));
        c.actors.insert(ActorName::new(name), s);
    }
    c
}

/// Polls `f` every 20 ms until it returns `Some`, or panics naming `what`.
pub fn wait_until<T>(what: &str, deadline: Duration, mut f: impl FnMut() -> Option<T>) -> T {
    let end = Instant::now() + deadline;
    loop {
        if let Some(v) = f() {
            return v;
        }
        if Instant::now() >= end {
            panic!("gave up after {deadline:?} waiting for {what}");
        }
        std::thread::sleep(Duration::from_millis(20));
    }
}

/// Records the circuit's events.
pub struct EventLog;

impl SupervisedActor for EventLog {
    type Durable = Vec<CircuitEvent>;
    fn start(_: &mut Durable<Vec<CircuitEvent>>, _: &mut Ctx<'_, Self>) -> Self {
        EventLog
    }
}

impl Handles<CircuitEvent> for EventLog {
    fn handle(
        &mut self,
        e: &CircuitEvent,
        d: &mut Durable<Vec<CircuitEvent>>,
        _: &mut Ctx<'_, Self>,
    ) {
        if d.len() < 10_000 {
            d.push(e.clone());
        }
    }
}

/// Ask the log for what it has.
pub struct GetEvents;

impl Message for GetEvents {
    type Result = Vec<CircuitEvent>;
}

impl Handles<GetEvents> for EventLog {
    fn handle(
        &mut self,
        _: &GetEvents,
        d: &mut Durable<Vec<CircuitEvent>>,
        _: &mut Ctx<'_, Self>,
    ) -> Vec<CircuitEvent> {
        (**d).clone()
    }
}

/// Records event-queue events.
pub struct CapsLog;

impl SupervisedActor for CapsLog {
    type Durable = Vec<CapsEvent>;
    fn start(_: &mut Durable<Vec<CapsEvent>>, _: &mut Ctx<'_, Self>) -> Self {
        CapsLog
    }
}

impl Handles<CapsEvent> for CapsLog {
    fn handle(&mut self, e: &CapsEvent, d: &mut Durable<Vec<CapsEvent>>, _: &mut Ctx<'_, Self>) {
        if d.len() < 10_000 {
            d.push(e.clone());
        }
    }
}

/// Ask the caps log for what it has.
pub struct GetCaps;

impl Message for GetCaps {
    type Result = Vec<CapsEvent>;
}

impl Handles<GetCaps> for CapsLog {
    fn handle(
        &mut self,
        _: &GetCaps,
        d: &mut Durable<Vec<CapsEvent>>,
        _: &mut Ctx<'_, Self>,
    ) -> Vec<CapsEvent> {
        (**d).clone()
    }
}

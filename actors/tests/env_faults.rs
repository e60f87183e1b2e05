//! `KESTREL_FAULTS` reaches the named actor through the config. A test
//! binary of its own: it sets a process-wide environment variable.

mod common;

use common::*;
use kestrel_actors::prelude::*;
use kestrel_actors::{ActorState, FAULTS_ENV, FaultKind};

#[test]
fn kestrel_faults_env_var_configures_the_named_actor() {
    // SAFETY: the only test in this binary; nothing else reads the environment concurrently.
    unsafe { std::env::set_var(FAULTS_ENV, "scene:panic-nth=2;circuit:stall-ms=1") };
    let config = ActorsConfig::builtin_with_env().expect("valid KESTREL_FAULTS");
    let scene = config.settings_for(&"scene".into());
    assert_eq!(scene.faults.panic_nth, Some(2));
    assert_eq!(scene.capacity, 8192, "the rest of [actors.scene] is kept");
    assert_eq!(
        config.settings_for(&"circuit".into()).faults.stall_ms,
        Some(1)
    );

    let rt = ActorRuntime::start(config).unwrap();
    let a = rt
        .spawn::<Counter>("scene", CounterState::default())
        .unwrap();
    for i in 1..=3 {
        assert_eq!(a.ask_blocking(Work(i)).unwrap(), i);
    }
    let m = a.metrics();
    assert_eq!((m.crashes(), m.restarts(), m.handled()), (1, 1, 3));
    assert_eq!(m.state(), ActorState::Running);
    assert_eq!(m.last_fault().unwrap().kind, FaultKind::Panic);

    unsafe { std::env::set_var(FAULTS_ENV, "scene:explode=1") };
    let err = ActorsConfig::builtin_with_env().unwrap_err().to_string();
    assert!(
        err.contains("KESTREL_FAULTS") && err.contains("unknown key `explode`"),
        "{err}"
    );
}

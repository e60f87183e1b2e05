//! Panic plumbing for supervisors: a chained panic hook that keeps caught
//! handler panics off stderr (they are counted, recorded as the actor's last
//! fault and logged through `tracing` instead) and remembers where they happened.

use std::any::Any;
use std::cell::{Cell, RefCell};
use std::sync::Once;

thread_local! {
    static IN_SUPERVISED: Cell<bool> = const { Cell::new(false) };
    static LAST_LOCATION: RefCell<Option<String>> = const { RefCell::new(None) };
}

static INSTALL: Once = Once::new();

/// Install the supervisor panic hook once per process. It wraps the hook
/// that was installed before: panics outside supervised code are reported
/// exactly as before. Called by [`ActorRuntime::start`](crate::ActorRuntime::start).
pub fn install_panic_hook() {
    INSTALL.call_once(|| {
        let previous = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if IN_SUPERVISED.with(Cell::get) {
                let location = info
                    .location()
                    .map(|l| format!("{}:{}:{}", l.file(), l.line(), l.column()));
                LAST_LOCATION.with(|slot| *slot.borrow_mut() = location);
            } else {
                previous(info);
            }
        }));
    });
}

#[inline]
pub(crate) fn enter_supervised() {
    IN_SUPERVISED.with(|f| f.set(true));
}

#[inline]
pub(crate) fn leave_supervised() {
    IN_SUPERVISED.with(|f| f.set(false));
}

/// "message (at file:line:col)" for a caught panic payload.
pub(crate) fn describe(payload: &(dyn Any + Send)) -> String {
    let message = if let Some(s) = payload.downcast_ref::<&'static str>() {
        (*s).to_owned()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "non-string panic payload".to_owned()
    };
    match LAST_LOCATION.with(|slot| slot.borrow_mut().take()) {
        Some(location) => format!("{message} (at {location})"),
        None => message,
    }
}

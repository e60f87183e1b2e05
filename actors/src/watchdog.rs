//! The watchdog thread: notices handlers that are *still* running past their
//! watchdog time (a handler cannot be preempted; the supervisor itself only
//! sees a hang when the handler returns, and never if it does not).

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::{self, JoinHandle};
use std::time::Duration;

use crate::clock;
use crate::metrics::{FaultKind, MailboxMetrics};
use crate::registry::Registry;

/// A running watchdog thread.
pub(crate) struct Watchdog {
    stop: Arc<AtomicBool>,
    thread: Option<JoinHandle<()>>,
}

impl Watchdog {
    pub(crate) fn start(registry: Arc<Registry>, scan: Duration) -> std::io::Result<Self> {
        let stop = Arc::new(AtomicBool::new(false));
        let flag = stop.clone();
        let thread = thread::Builder::new()
            .name("kestrel-watchdog".into())
            .spawn(move || {
                while !flag.load(Ordering::Acquire) {
                    for entry in registry.list().iter() {
                        check(entry.metrics());
                    }
                    thread::park_timeout(scan);
                }
            })?;
        Ok(Self {
            stop,
            thread: Some(thread),
        })
    }

    pub(crate) fn stop(&mut self) {
        self.stop.store(true, Ordering::Release);
        if let Some(t) = self.thread.take() {
            t.thread().unpark();
            let _ = t.join();
        }
    }
}

impl Drop for Watchdog {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Count the running handler of `m` as a hang if it is past the watchdog time.
pub(crate) fn check(m: &MailboxMetrics) {
    let watchdog = m.watchdog_ns.load(Ordering::Relaxed);
    if watchdog == 0 {
        return;
    }
    // Read the clock before the start time: if the start is then nonzero,
    // that handler was still running at `now`, so its run is at least now - since.
    let now = clock::now_ns();
    let since = m.actor.0.busy_since_ns.load(Ordering::Acquire);
    if since == 0 || now.saturating_sub(since) <= watchdog {
        return;
    }
    if m.count_hang_once(since) {
        m.record_fault(
            FaultKind::Hang,
            format!(
                "handler running for {} ms and still running (watchdog {} ms)",
                (now - since) / 1_000_000,
                watchdog / 1_000_000
            ),
        );
    }
}

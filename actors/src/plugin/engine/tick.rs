//! The tick: event fan-out, deadlines and memory, updates, retiring runners.

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use super::{Count, Engine, HangMark, Runner, emit, ms};
use crate::clock;
use crate::plugin::api::PluginEvent;
use crate::plugin::events::{Callback, WatchdogEventKind as W};
use crate::plugin::inprocess::Job;
use crate::plugin::isolated::describe_status;
use crate::plugin::protocol::HostMessage;
use crate::plugin::retire::RetireeRunner;
use crate::plugin::status::PluginState;

impl Engine {
    pub(super) fn dispatch(&mut self, event: PluginEvent) {
        let kind = event.kind();
        let event = Arc::new(event);
        for e in &mut self.entries {
            if !e.info.capabilities.events.contains(kind) {
                continue;
            }
            let live = matches!(
                e.state,
                PluginState::Loading | PluginState::Running | PluginState::Hung
            );
            let delivered = live
                && match &mut e.runner {
                    Runner::InProcess(w) => w.try_send(Job::Event(event.clone())).is_ok(),
                    Runner::Isolated(p) => {
                        p.ready
                            && p.request(Callback::Event, |seq| HostMessage::Event {
                                seq,
                                event: (*event).clone(),
                            })
                            .is_ok()
                    }
                    Runner::Idle => false,
                };
            if !delivered {
                e.events_dropped += 1;
            }
        }
    }

    pub(super) fn tick(&mut self, now: Instant) {
        for i in 0..self.entries.len() {
            self.watch(i, now);
            if self.entries[i].state == PluginState::BackingOff
                && self.entries[i].restart_at.is_some_and(|t| t <= now)
            {
                let e = &mut self.entries[i];
                e.incarnation += 1;
                e.restarts += 1;
                emit(
                    &self.log,
                    e,
                    W::Restarted,
                    None,
                    format!("incarnation {}", e.incarnation),
                );
                self.start_incarnation(i, None);
            }
            self.drive(i, now);
        }
        self.poll_retiring(now);
        self.publish(now, false);
    }

    /// Deadlines and memory of entry `i`.
    pub(super) fn watch(&mut self, i: usize, now: Instant) {
        let e = &mut self.entries[i];
        match &mut e.runner {
            Runner::Idle => {}
            Runner::InProcess(w) => {
                let since = w.shared.busy_since_ns.load(Ordering::Acquire);
                if let Some(mark) = e.hang {
                    if since != mark.key {
                        return self.returned_late(i, mark);
                    }
                    if now.saturating_duration_since(mark.reported_at) >= self.config.hang_grace {
                        w.abandon();
                        e.runner = Runner::Idle;
                        e.hang = None;
                        e.state = PluginState::Disabled;
                        e.restart_at = None;
                        self.abandoned_threads += 1;
                        emit(
                            &self.log,
                            e,
                            W::Abandoned,
                            Some(mark.callback),
                            format!(
                                "still running {} ms after being reported hung; thread abandoned",
                                ms(self.config.hang_grace)
                            ),
                        );
                        emit(
                            &self.log,
                            e,
                            W::Disabled,
                            None,
                            "hung callback never returned".into(),
                        );
                    }
                    return;
                }
                if since == 0 {
                    return;
                }
                let cb = Callback::from_u8(w.shared.callback.load(Ordering::Relaxed))
                    .unwrap_or(Callback::Update);
                let Some(deadline) = self.config.deadline(cb) else {
                    return;
                };
                let ran = Duration::from_nanos(clock::now_ns().saturating_sub(since));
                if ran > deadline {
                    e.hangs += 1;
                    e.hang = Some(HangMark {
                        key: since,
                        reported_at: now,
                        callback: cb,
                    });
                    e.state = PluginState::Hung;
                    e.last_fault = Some(format!(
                        "Hung in {cb:?}: past its {} ms deadline",
                        ms(deadline)
                    ));
                    emit(
                        &self.log,
                        e,
                        W::Hung,
                        Some(cb),
                        format!("running for {} ms, deadline {} ms", ms(ran), ms(deadline)),
                    );
                }
            }
            Runner::Isolated(p) => {
                if now.saturating_duration_since(p.last_rss_check) >= self.config.rss_check_interval
                {
                    p.last_rss_check = now;
                    e.rss_kib = p.rss_kib();
                    if let (Some(rss), Some(max)) = (e.rss_kib, self.config.max_rss_kib)
                        && rss > max
                    {
                        let cb = p.current().map(|(c, _)| c.callback);
                        return self.fault(
                            i,
                            W::MemoryLimit,
                            cb,
                            format!("resident memory {rss} KiB over the limit of {max} KiB"),
                            Count::Crash,
                        );
                    }
                }
                let Some((current, started)) = p.current() else {
                    return;
                };
                if let Some(mark) = e.hang {
                    if now.saturating_duration_since(mark.reported_at) >= self.config.hang_grace {
                        let detail = format!(
                            "no answer {} ms after being reported hung; process killed",
                            ms(self.config.hang_grace)
                        );
                        self.fault(i, W::Killed, Some(mark.callback), detail, Count::Nothing);
                    }
                    return;
                }
                let Some(deadline) = self.config.deadline(current.callback) else {
                    return;
                };
                let ran = now.saturating_duration_since(started);
                if ran > deadline {
                    e.hangs += 1;
                    e.hang = Some(HangMark {
                        key: current.seq,
                        reported_at: now,
                        callback: current.callback,
                    });
                    e.state = PluginState::Hung;
                    e.last_fault = Some(format!(
                        "Hung in {:?}: past its {} ms deadline",
                        current.callback,
                        ms(deadline)
                    ));
                    emit(
                        &self.log,
                        e,
                        W::Hung,
                        Some(current.callback),
                        format!("no answer for {} ms, deadline {} ms", ms(ran), ms(deadline)),
                    );
                }
            }
        }
    }

    /// Send entry `i` its update and fixed update when due.
    pub(super) fn drive(&mut self, i: usize, now: Instant) {
        let step = self.config.fixed_step;
        let e = &mut self.entries[i];
        if e.state != PluginState::Running {
            return;
        }
        let dt = now.saturating_duration_since(e.last_update);
        let fixed_due = now >= e.next_fixed;
        if fixed_due {
            e.next_fixed += step;
            if e.next_fixed <= now {
                e.next_fixed = now + step;
            }
        }
        match &mut e.runner {
            Runner::InProcess(w) => {
                if w.shared.update_queued.swap(true, Ordering::AcqRel) {
                    e.updates_skipped += 1;
                } else if w.try_send(Job::Update(dt)).is_ok() {
                    e.last_update = now;
                } else {
                    w.shared.update_queued.store(false, Ordering::Release);
                    e.updates_skipped += 1;
                }
                if fixed_due
                    && !w.shared.fixed_queued.swap(true, Ordering::AcqRel)
                    && w.try_send(Job::FixedUpdate(step)).is_err()
                {
                    w.shared.fixed_queued.store(false, Ordering::Release);
                }
            }
            Runner::Isolated(p) => {
                if p.in_flight(Callback::Update) {
                    e.updates_skipped += 1;
                } else if p
                    .request(Callback::Update, |seq| HostMessage::Update {
                        seq,
                        dt_us: u64::try_from(dt.as_micros()).unwrap_or(u64::MAX),
                    })
                    .is_ok()
                {
                    e.last_update = now;
                } else {
                    e.updates_skipped += 1;
                }
                if fixed_due && !p.in_flight(Callback::FixedUpdate) {
                    let step_us = u64::try_from(step.as_micros()).unwrap_or(u64::MAX);
                    let _ = p.request(Callback::FixedUpdate, |seq| HostMessage::FixedUpdate {
                        seq,
                        step_us,
                    });
                }
            }
            Runner::Idle => {}
        }
    }

    pub(super) fn poll_retiring(&mut self, now: Instant) {
        let mut k = 0;
        while k < self.retiring.len() {
            let r = &mut self.retiring[k];
            let done = match &mut r.runner {
                RetireeRunner::Worker(w) => {
                    if w.finished() {
                        w.join();
                        true
                    } else if now >= r.kill_at {
                        w.abandon();
                        self.abandoned_threads += 1;
                        self.log.push(r.tag.event(
                            W::Abandoned,
                            format!(
                                "worker thread did not end within {} ms; abandoned",
                                ms(self.config.shutdown_grace.max(self.config.hang_grace))
                            ),
                        ));
                        true
                    } else {
                        false
                    }
                }
                RetireeRunner::Child(p) => {
                    if let Some(status) = p.try_reap() {
                        // A clean exit after an unload is not a watchdog event.
                        if !(r.reaped_reported || (r.graceful && status.success())) {
                            r.reaped_reported = true;
                            self.log
                                .push(r.tag.event(W::Reaped, describe_status(status)));
                        }
                        if p.threads_finished() || now >= r.kill_at + Duration::from_secs(2) {
                            self.abandoned_threads += p.join_threads();
                            true
                        } else {
                            false
                        }
                    } else {
                        if now >= r.kill_at && !p.killed {
                            p.kill();
                            if r.graceful {
                                self.log.push(r.tag.event(
                                    W::Killed,
                                    "did not exit after shutdown; killed".into(),
                                ));
                            }
                        }
                        false
                    }
                }
            };
            if done {
                let r = self.retiring.swap_remove(k);
                if let Some(reply) = r.reply {
                    let _ = reply.send(Ok(()));
                }
            } else {
                k += 1;
            }
        }
    }
}

//! Reports from runners: in-process outcomes, isolated frames, plugin outputs.

use std::sync::atomic::Ordering;
use std::time::Instant;

use super::{Count, Engine, HangMark, Runner, emit, ms};
use crate::plugin::api::{
    LogLevel, MAX_CHAT_BYTES, MAX_LOG_BYTES, MAX_OVERLAY_BYTES, PluginOutput,
};
use crate::plugin::events::{Callback, WatchdogEventKind as W};
use crate::plugin::isolated::is_garbage;
use crate::plugin::outcome::{Outcome, OutcomeKind};
use crate::plugin::protocol::{ChildMessage, HostMessage, PROTOCOL_VERSION};
use crate::plugin::status::PluginState;
use crate::plugin::supervisor::OutgoingChat;
use crate::policy::HangAction;

impl Engine {
    pub(super) fn outcome(&mut self, o: Outcome) {
        let Some(i) = self.index(o.id) else { return };
        let e = &self.entries[i];
        if e.incarnation != o.incarnation || matches!(e.runner, Runner::Idle) {
            return;
        }
        match o.what {
            OutcomeKind::Loaded => {
                let e = &mut self.entries[i];
                e.loaded = true;
                if e.state == PluginState::Loading {
                    e.state = PluginState::Running;
                    e.last_update = Instant::now();
                }
            }
            OutcomeKind::Outputs(outputs) => self.outputs(i, outputs),
            OutcomeKind::Panicked { callback, detail } => {
                self.fault(i, W::Panicked, Some(callback), detail, Count::Crash)
            }
            OutcomeKind::LoadFailed(detail) => {
                self.fault(i, W::LoadFailed, Some(Callback::Load), detail, Count::Crash)
            }
            OutcomeKind::Stopped => {}
            OutcomeKind::Frame(msg) => self.frame(i, msg),
            OutcomeKind::PipeEnded(err) => {
                let callback = match &self.entries[i].runner {
                    Runner::Isolated(p) => p.current().map(|(p, _)| p.callback),
                    _ => None,
                };
                if is_garbage(&err) {
                    self.fault(i, W::ProtocolError, callback, err.to_string(), Count::Crash);
                } else {
                    self.fault(i, W::ProcessExited, callback, err.to_string(), Count::Crash);
                }
            }
        }
    }

    pub(super) fn frame(&mut self, i: usize, msg: ChildMessage) {
        let Runner::Isolated(p) = &mut self.entries[i].runner else {
            return;
        };
        let front = p.outstanding.front().copied();
        let seq_ok =
            |seq: u64| front.is_some_and(|f| f.seq == seq && f.callback != Callback::Handshake);
        match msg {
            ChildMessage::Hello { protocol, info } => {
                if front.is_none_or(|f| f.callback != Callback::Handshake) {
                    return self.protocol_error(i, "a second hello".into());
                }
                if protocol != PROTOCOL_VERSION {
                    return self.disable(
                        i,
                        W::Incompatible,
                        format!(
                            "plugin speaks protocol {protocol}, this viewer {PROTOCOL_VERSION}"
                        ),
                    );
                }
                if let Err(err) = info.validate() {
                    return self.disable(i, W::Incompatible, format!("bad declaration: {err}"));
                }
                p.answered();
                p.ready = true;
                let sent = p.request(Callback::Load, |seq| HostMessage::Load { seq });
                let e = &mut self.entries[i];
                e.info = info;
                if sent.is_err() {
                    self.protocol_error(i, "cannot send load".into());
                }
            }
            ChildMessage::Done { seq, outputs } => {
                if !seq_ok(seq) {
                    return self.protocol_error(
                        i,
                        format!("answer for request {seq}, expected {front:?}"),
                    );
                }
                let Some(done) = p.answered() else { return };
                let e = &mut self.entries[i];
                match done.callback {
                    Callback::Load => {
                        e.loaded = true;
                        if e.state == PluginState::Loading {
                            e.state = PluginState::Running;
                            e.last_update = Instant::now();
                        }
                    }
                    Callback::Update => {
                        e.counters.updates.fetch_add(1, Ordering::Relaxed);
                    }
                    Callback::FixedUpdate => {
                        e.counters.fixed_updates.fetch_add(1, Ordering::Relaxed);
                    }
                    Callback::Event => {
                        e.counters.events.fetch_add(1, Ordering::Relaxed);
                    }
                    _ => {}
                }
                self.outputs(i, outputs);
                if let Some(mark) = self.entries[i].hang
                    && mark.key == seq
                {
                    self.returned_late(i, mark);
                }
            }
            ChildMessage::LoadFailed { seq, error } => {
                if !seq_ok(seq) {
                    return self.protocol_error(
                        i,
                        format!("load_failed for request {seq}, expected {front:?}"),
                    );
                }
                self.fault(i, W::LoadFailed, Some(Callback::Load), error, Count::Crash);
            }
            ChildMessage::Panicked { seq, detail } => {
                if !seq_ok(seq) {
                    return self.protocol_error(
                        i,
                        format!("panicked for request {seq}, expected {front:?}"),
                    );
                }
                let cb = front.map(|f| f.callback);
                self.fault(i, W::Panicked, cb, detail, Count::Crash);
            }
        }
    }

    pub(super) fn protocol_error(&mut self, i: usize, detail: String) {
        self.fault(i, W::ProtocolError, None, detail, Count::Crash);
    }

    /// A callback reported hung has returned.
    pub(super) fn returned_late(&mut self, i: usize, mark: HangMark) {
        let e = &mut self.entries[i];
        e.hang = None;
        let late = ms(mark.reported_at.elapsed());
        match self.config.policy.on_hang {
            HangAction::Restart => self.fault(
                i,
                W::ReturnedLate,
                Some(mark.callback),
                format!("returned {late} ms after being reported hung; restarting"),
                Count::Nothing,
            ),
            HangAction::Record => {
                emit(
                    &self.log,
                    e,
                    W::ReturnedLate,
                    Some(mark.callback),
                    format!("returned {late} ms after being reported hung"),
                );
                e.state = if e.loaded {
                    PluginState::Running
                } else {
                    PluginState::Loading
                };
            }
        }
    }

    pub(super) fn outputs(&mut self, i: usize, outputs: Vec<PluginOutput>) {
        let e = &mut self.entries[i];
        let caps = e.info.capabilities;
        for o in outputs {
            match o {
                PluginOutput::Chat(req) => {
                    if !caps.send_chat || req.text.len() > MAX_CHAT_BYTES {
                        e.denied += 1;
                        let why = if caps.send_chat {
                            "chat text too long"
                        } else {
                            "chat without the send_chat capability"
                        };
                        emit(&self.log, e, W::CapabilityDenied, None, why.into());
                        continue;
                    }
                    let chat = OutgoingChat {
                        plugin: e.id,
                        name: e.info.name.clone(),
                        channel: req.channel,
                        text: req.text,
                    };
                    match self.chat_tx.try_send(chat) {
                        Ok(()) => e.chat_sent += 1,
                        Err(_) => e.chat_dropped += 1,
                    }
                }
                PluginOutput::Overlay { text } => {
                    let too_long = text.as_ref().is_some_and(|t| t.len() > MAX_OVERLAY_BYTES);
                    if !caps.overlay || too_long {
                        e.denied += 1;
                        let why = if caps.overlay {
                            "overlay text too long"
                        } else {
                            "overlay without the overlay capability"
                        };
                        emit(&self.log, e, W::CapabilityDenied, None, why.into());
                        continue;
                    }
                    e.overlay = text;
                }
                PluginOutput::Log { level, mut text } => {
                    if text.len() > MAX_LOG_BYTES {
                        let mut cut = MAX_LOG_BYTES;
                        while !text.is_char_boundary(cut) {
                            cut -= 1;
                        }
                        text.truncate(cut);
                    }
                    let name = &e.info.name;
                    match level {
                        LogLevel::Debug => {
                            tracing::debug!(target: "kestrel::plugin", plugin = %name, "{text}")
                        }
                        LogLevel::Info => {
                            tracing::info!(target: "kestrel::plugin", plugin = %name, "{text}")
                        }
                        LogLevel::Warn => {
                            tracing::warn!(target: "kestrel::plugin", plugin = %name, "{text}")
                        }
                    }
                }
            }
        }
    }
}

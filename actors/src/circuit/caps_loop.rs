//! The circuit actor's capability work: the seed request after the circuit
//! opens, then the `EventQueueGet` long-poll loop, each with retries.

use std::time::Duration;

use super::actor::{CircuitActor, CircuitDurable};
use super::caps::{PollResult, fetch_seed, poll_event_queue};
use super::stats::CircuitState;
use super::subscriptions::{CapsEvent, offer_all};
use crate::actor::Ctx;

impl CircuitActor {
    /// Requests the capabilities from the seed URL after `delay`.
    pub(crate) fn fetch_seed(
        &mut self,
        d: &mut CircuitDurable,
        ctx: &mut Ctx<'_, Self>,
        delay: Duration,
    ) {
        let Some(url) = d.session.as_ref().and_then(|s| s.seed_capability.clone()) else {
            return;
        };
        if self.seed_in_flight == Some(d.epoch) {
            return;
        }
        let epoch = d.epoch;
        self.seed_in_flight = Some(epoch);
        let http = self.http.clone();
        let names = d.settings.capabilities.clone();
        let timeout = d.settings.http.response;
        ctx.spawn(
            async move {
                tokio::time::sleep(delay).await;
                fetch_seed(&http, &url, &names, timeout).await
            },
            move |result, a: &mut Self, d, ctx| {
                if a.seed_in_flight == Some(epoch) {
                    a.seed_in_flight = None;
                }
                if epoch != d.epoch || !d.circuit_open() {
                    return;
                }
                match result {
                    Ok(caps) => {
                        tracing::info!(granted = caps.0.len(), "capabilities received");
                        d.eq.url = caps.url("EventQueueGet").map(str::to_string);
                        d.caps = Some(caps);
                        a.poll_event_queue(d, ctx, Duration::ZERO);
                    }
                    Err(e) => {
                        d.seed_failures += 1;
                        tracing::warn!(error = %e, failures = d.seed_failures, "seed capability failed");
                        d.last_error = Some(format!("seed capability: {e}"));
                        if d.seed_failures < d.settings.seed_attempts {
                            let delay = d.settings.caps_backoff.delay(d.seed_failures - 1);
                            a.fetch_seed(d, ctx, delay);
                        }
                    }
                }
            },
        );
    }

    /// Starts the next event-queue poll after `delay` (one at a time).
    pub(crate) fn poll_event_queue(
        &mut self,
        d: &mut CircuitDurable,
        ctx: &mut Ctx<'_, Self>,
        delay: Duration,
    ) {
        let Some(url) = d.eq.url.clone() else { return };
        if self.eq_in_flight == Some(d.epoch) || d.state == CircuitState::LoggingOut {
            return;
        }
        let epoch = d.epoch;
        self.eq_in_flight = Some(epoch);
        let http = self.http.clone();
        let ack = d.eq.ack;
        let timeout = d.settings.event_queue_timeout;
        ctx.spawn(
            async move {
                tokio::time::sleep(delay).await;
                poll_event_queue(&http, &url, ack, false, timeout).await
            },
            move |result, a: &mut Self, d, ctx| {
                if a.eq_in_flight == Some(epoch) {
                    a.eq_in_flight = None;
                }
                if epoch != d.epoch || !d.circuit_open() {
                    return;
                }
                match result {
                    Ok(PollResult::Events(batch)) => {
                        d.eq.failures = 0;
                        // A batch whose ack was lost comes again with the same id.
                        if d.eq.last_delivered != Some(batch.id) {
                            d.eq.last_delivered = Some(batch.id);
                            let mut waits = Vec::new();
                            for ev in batch.events {
                                d.extra.caps_events += 1;
                                let event = CapsEvent {
                                    name: ev.message,
                                    body: ev.body,
                                };
                                let dd: &mut CircuitDurable = d;
                                waits.extend(offer_all(
                                    &mut dd.caps_subs,
                                    &event,
                                    &mut dd.extra.undeliverable,
                                ));
                            }
                            a.wait_deliveries(d, waits, ctx);
                        }
                        d.eq.ack = Some(batch.id);
                        a.poll_event_queue(d, ctx, Duration::ZERO);
                    }
                    Ok(PollResult::Empty) => a.poll_event_queue(d, ctx, Duration::ZERO),
                    Ok(PollResult::Closed) => {
                        tracing::info!("event queue closed by the region");
                        d.eq.url = None;
                    }
                    Err(e) => {
                        d.eq.failures += 1;
                        tracing::warn!(error = %e, failures = d.eq.failures, "event queue poll failed");
                        let delay = d.settings.caps_backoff.delay(d.eq.failures - 1);
                        a.poll_event_queue(d, ctx, delay);
                    }
                }
            },
        );
    }

    /// Tells the region we are leaving (`done: true`), best effort.
    pub(crate) fn close_event_queue(&mut self, d: &mut CircuitDurable, ctx: &mut Ctx<'_, Self>) {
        let Some(url) = d.eq.url.take() else { return };
        let http = self.http.clone();
        let ack = d.eq.ack;
        let timeout = d.settings.http.response;
        ctx.spawn(
            async move { poll_event_queue(&http, &url, ack, true, timeout).await },
            |_, _: &mut Self, _, _| {},
        );
    }
}

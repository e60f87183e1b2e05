//! `EventQueueGet`: the per-agent long poll (`POST /caps/<seed>/eq`).
//!
//! The viewer posts `{ack, done}`; the simulator holds the request until an
//! event is queued or the hold time ([`SimConfig::event_queue_timeout_ms`])
//! passes. Behaviour, following OpenSimulator:
//! - events waiting → `200` with `{events: [{message, body}], id}`;
//! - hold time over, nothing queued → `502` with a short text body (the
//!   viewer treats it as "no events, poll again");
//! - unknown or closed queue (logged out, timed out, never issued) → `404`
//!   (the viewer stops polling);
//! - the batch stays until a poll acknowledges its `id`; a poll that does
//!   not (the answer was lost) gets the same batch again;
//! - `done: true` closes the queue and is answered `404`.
//!
//! [`SimConfig::event_queue_timeout_ms`]: super::config::SimConfig::event_queue_timeout_ms

use std::collections::VecDeque;
use std::time::Duration;

use hyper::StatusCode;
use kestrel_protocol::llsd::caps::{EventQueueEvent, EventQueueGetRequest, EventQueueGetResponse};
use kestrel_protocol::llsd::{self, Llsd};
use parking_lot::Mutex;
use tokio::sync::Notify;

use super::caps::{SeedId, llsd_reply, parse_llsd_body};
use super::http::HttpReply;
use super::state::Shared;

/// Events queued per agent at most; beyond it the oldest is dropped (and
/// counted), as a region sheds events for a viewer that stopped polling.
pub const MAX_PENDING_EVENTS: usize = 512;

/// Events sent in one answer at most.
pub const MAX_BATCH: usize = 64;

#[derive(Debug, Default)]
struct QueueState {
    pending: VecDeque<EventQueueEvent>,
    /// The batch last answered and not yet acknowledged.
    unacked: Option<(i32, Vec<EventQueueEvent>)>,
    next_id: i32,
    closed: bool,
    dropped: u64,
}

/// One agent's event queue.
#[derive(Debug, Default)]
pub struct EventQueue {
    state: Mutex<QueueState>,
    wake: Notify,
}

/// What a poll found.
#[derive(Debug, Clone, PartialEq)]
pub enum PollOutcome {
    /// A batch of events (new, or re-sent because it was not acknowledged).
    Events(EventQueueGetResponse),
    /// Nothing arrived within the hold time.
    Timeout,
    /// The queue is closed.
    Closed,
}

impl EventQueue {
    /// An empty, open queue; the first batch gets id 1.
    pub fn new() -> Self {
        EventQueue {
            state: Mutex::new(QueueState {
                next_id: 1,
                ..QueueState::default()
            }),
            wake: Notify::new(),
        }
    }

    /// Queues an event and wakes a waiting poll. Dropped when closed.
    pub fn push(&self, message: &str, body: Llsd) {
        {
            let mut s = self.state.lock();
            if s.closed {
                return;
            }
            if s.pending.len() >= MAX_PENDING_EVENTS {
                s.pending.pop_front();
                s.dropped += 1;
            }
            s.pending.push_back(EventQueueEvent {
                message: message.to_string(),
                body,
            });
        }
        self.wake.notify_waiters();
    }

    /// Closes the queue: waiting and later polls get [`PollOutcome::Closed`].
    pub fn close(&self) {
        self.state.lock().closed = true;
        self.wake.notify_waiters();
    }

    /// Drops queued and unacknowledged events (the region died).
    pub fn clear(&self) {
        let mut s = self.state.lock();
        s.pending.clear();
        s.unacked = None;
    }

    /// Events dropped because the queue was full.
    pub fn dropped(&self) -> u64 {
        self.state.lock().dropped
    }

    /// Events waiting to be polled.
    pub fn pending(&self) -> usize {
        self.state.lock().pending.len()
    }

    /// One poll: acknowledges, then answers at once or waits up to `hold`.
    pub async fn poll(&self, request: &EventQueueGetRequest, hold: Duration) -> PollOutcome {
        let deadline = tokio::time::Instant::now() + hold;
        {
            let mut s = self.state.lock();
            if request.done {
                s.closed = true;
                drop(s);
                self.wake.notify_waiters();
                return PollOutcome::Closed;
            }
            if let Some((id, batch)) = &s.unacked {
                if request.ack == Some(*id) {
                    s.unacked = None;
                } else {
                    return PollOutcome::Events(EventQueueGetResponse {
                        events: batch.clone(),
                        id: *id,
                    });
                }
            }
        }
        loop {
            let notified = self.wake.notified();
            tokio::pin!(notified);
            // Register before looking, so a push between the look and the
            // wait still wakes this poll.
            notified.as_mut().enable();
            {
                let mut s = self.state.lock();
                if s.closed {
                    return PollOutcome::Closed;
                }
                if !s.pending.is_empty() {
                    let n = s.pending.len().min(MAX_BATCH);
                    let batch: Vec<EventQueueEvent> = s.pending.drain(..n).collect();
                    let id = s.next_id;
                    s.next_id = if id == i32::MAX { 1 } else { id + 1 };
                    s.unacked = Some((id, batch.clone()));
                    return PollOutcome::Events(EventQueueGetResponse { events: batch, id });
                }
            }
            if tokio::time::timeout_at(deadline, notified).await.is_err() {
                return PollOutcome::Timeout;
            }
        }
    }
}

/// `POST /caps/<seed>/eq`.
pub async fn poll(shared: &Shared, seed: SeedId, body: &[u8]) -> HttpReply {
    let Some(session) = shared.sessions.lock().by_seed(seed) else {
        return HttpReply::text(
            StatusCode::NOT_FOUND,
            format!("event queue {seed} is not live (logged out, timed out or never issued)"),
        );
    };
    // An empty body is a first poll with nothing to acknowledge.
    let request = if body.iter().all(u8::is_ascii_whitespace) {
        EventQueueGetRequest::default()
    } else {
        let value = match parse_llsd_body(body, "EventQueueGet request") {
            Ok(v) => v,
            Err(reply) => return reply,
        };
        match llsd::from_value::<EventQueueGetRequest>(value) {
            Ok(r) => r,
            Err(e) => {
                return HttpReply::text(
                    StatusCode::BAD_REQUEST,
                    format!("EventQueueGet request: expected a map {{ack, done}}: {e}"),
                );
            }
        }
    };
    match session
        .events
        .poll(&request, shared.config.event_queue_timeout())
        .await
    {
        PollOutcome::Events(response) => {
            shared.stats.eq_batches.inc();
            shared
                .stats
                .eq_events_sent
                .add(response.events.len() as u64);
            match llsd::to_value(&response) {
                Ok(v) => llsd_reply(&v),
                Err(e) => HttpReply::text(
                    StatusCode::INTERNAL_SERVER_ERROR,
                    format!("event batch: {e}"),
                ),
            }
        }
        PollOutcome::Timeout => {
            shared.stats.eq_timeouts.inc();
            HttpReply::text(
                StatusCode::BAD_GATEWAY,
                "Upstream error: no events within the hold time; poll again",
            )
        }
        PollOutcome::Closed => HttpReply::text(StatusCode::NOT_FOUND, "event queue closed"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ev(name: &str) -> Llsd {
        Llsd::new_map().with("name", Llsd::String(name.into()))
    }

    #[tokio::test]
    async fn a_waiting_poll_wakes_when_an_event_arrives() {
        let q = std::sync::Arc::new(EventQueue::new());
        let q2 = q.clone();
        let poll = tokio::spawn(async move {
            q2.poll(&EventQueueGetRequest::default(), Duration::from_secs(10))
                .await
        });
        tokio::time::sleep(Duration::from_millis(20)).await;
        q.push("Hello", ev("a"));
        match poll.await.expect("poll task") {
            PollOutcome::Events(r) => {
                assert_eq!(r.id, 1);
                assert_eq!(r.events.len(), 1);
                assert_eq!(r.events[0].message, "Hello");
            }
            other => panic!("expected events, got {other:?}"),
        }
    }

    #[tokio::test]
    async fn unacknowledged_batches_are_resent_and_acks_move_on() {
        let q = EventQueue::new();
        q.push("A", ev("a"));
        let hold = Duration::from_millis(20);
        let first = q.poll(&EventQueueGetRequest::default(), hold).await;
        let PollOutcome::Events(first) = first else {
            panic!("events")
        };
        // The answer was "lost": the viewer polls again without acking.
        let again = q.poll(&EventQueueGetRequest::default(), hold).await;
        assert_eq!(again, PollOutcome::Events(first.clone()));
        // Acked: nothing more, so the poll times out.
        let ack = EventQueueGetRequest {
            ack: Some(first.id),
            done: false,
        };
        assert_eq!(q.poll(&ack, hold).await, PollOutcome::Timeout);
        q.push("B", ev("b"));
        let PollOutcome::Events(second) = q.poll(&ack, hold).await else {
            panic!("events")
        };
        assert_eq!(second.id, first.id + 1);
        assert_eq!(second.events[0].message, "B");
    }

    #[tokio::test]
    async fn done_closes_the_queue_and_the_queue_is_bounded() {
        let q = EventQueue::new();
        for i in 0..(MAX_PENDING_EVENTS + 10) {
            q.push("E", Llsd::Integer(i as i32));
        }
        assert_eq!(q.pending(), MAX_PENDING_EVENTS);
        assert_eq!(q.dropped(), 10);
        let done = EventQueueGetRequest {
            ack: None,
            done: true,
        };
        assert_eq!(
            q.poll(&done, Duration::from_millis(5)).await,
            PollOutcome::Closed
        );
        assert_eq!(
            q.poll(&EventQueueGetRequest::default(), Duration::from_millis(5))
                .await,
            PollOutcome::Closed
        );
    }
}

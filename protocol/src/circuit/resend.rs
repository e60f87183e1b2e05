//! The resend queue: reliable packets sent and not yet acked, kept as the
//! bytes that went out so they can be resent verbatim with the resent flag.

use std::collections::VecDeque;
use std::time::Instant;

use super::window::sequence_diff;
use super::wire::FLAG_RESENT;
use crate::packet::SequenceNumber;

/// One reliable packet waiting for its ack.
#[derive(Debug, Clone)]
pub struct Unacked {
    /// Its sequence number.
    pub sequence: SequenceNumber,
    /// The datagram as first sent.
    pub bytes: Vec<u8>,
    /// When it was first sent.
    pub first_sent: Instant,
    /// How many times it was resent.
    pub resends: u32,
    /// When it is resent (or given up on) next.
    pub deadline: Instant,
}

/// Reliable packets in flight, in send order, bounded by `capacity`.
#[derive(Debug, Clone)]
pub struct ResendQueue {
    entries: VecDeque<Unacked>,
    capacity: usize,
    /// No deadline is earlier than this (a lower bound; `None` when empty).
    earliest: Option<Instant>,
    /// Sequences found due by the last scan, handled one per poll.
    due: VecDeque<SequenceNumber>,
    /// When that scan ran.
    scanned_at: Option<Instant>,
}

impl ResendQueue {
    /// An empty queue holding at most `capacity` packets.
    pub fn new(capacity: usize) -> Self {
        ResendQueue {
            entries: VecDeque::new(),
            capacity: capacity.max(1),
            earliest: None,
            due: VecDeque::new(),
            scanned_at: None,
        }
    }

    /// Packets in flight.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// True when nothing is in flight.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// True when no further reliable packet may be sent.
    pub fn is_full(&self) -> bool {
        self.entries.len() >= self.capacity
    }

    /// The bound.
    pub fn capacity(&self) -> usize {
        self.capacity
    }

    /// The oldest sequence still unacked.
    pub fn oldest(&self) -> Option<SequenceNumber> {
        self.entries.front().map(|e| e.sequence)
    }

    /// The earliest time something may become due.
    pub fn earliest_deadline(&self) -> Option<Instant> {
        if self.due.is_empty() {
            self.earliest
        } else {
            self.scanned_at
        }
    }

    /// Adds a freshly sent packet; its sequence must be newer than all queued.
    /// Returns the entry back when the queue is full.
    pub fn push(&mut self, entry: Unacked) -> Result<(), Unacked> {
        if self.is_full() {
            return Err(entry);
        }
        self.earliest = Some(match self.earliest {
            Some(e) => e.min(entry.deadline),
            None => entry.deadline,
        });
        self.entries.push_back(entry);
        Ok(())
    }

    fn index_of(&self, sequence: SequenceNumber) -> Option<usize> {
        let front = self.entries.front()?.sequence.0;
        let key = sequence_diff(sequence.0, front);
        if key < 0 {
            return None;
        }
        let i = self
            .entries
            .binary_search_by_key(&key, |e| sequence_diff(e.sequence.0, front))
            .ok()?;
        // Only the exact number acks it (a peer counting past 2^24 differs above bit 24).
        (self.entries[i].sequence == sequence).then_some(i)
    }

    /// Removes the packet an ack names; `None` when it is not in flight
    /// (already acked, given up on, or never ours).
    pub fn ack(&mut self, sequence: SequenceNumber) -> Option<Unacked> {
        let i = self.index_of(sequence)?;
        let e = self.entries.remove(i);
        if self.entries.is_empty() {
            self.earliest = None;
            self.due.clear();
        }
        e
    }

    /// The next packet whose deadline passed: either resent now (flag set,
    /// backoff applied via `next_timeout(resends)`), or, past `max_resends`,
    /// removed and returned as lost.
    pub fn poll_due(
        &mut self,
        now: Instant,
        max_resends: u32,
        next_timeout: impl Fn(u32) -> std::time::Duration,
    ) -> Option<Due<'_>> {
        if self.due.is_empty() {
            match self.earliest {
                Some(e) if e <= now => self.scan(now),
                _ => return None,
            }
        }
        while let Some(seq) = self.due.pop_front() {
            let Some(i) = self.index_of(seq) else {
                continue;
            };
            if self.entries[i].deadline > now {
                continue;
            }
            if self.entries[i].resends >= max_resends {
                let e = self.entries.remove(i)?;
                return Some(Due::Lost(e));
            }
            let deadline = {
                let e = &mut self.entries[i];
                e.resends += 1;
                e.deadline = now + next_timeout(e.resends);
                e.bytes[0] |= FLAG_RESENT;
                e.deadline
            };
            self.earliest = Some(self.earliest.map_or(deadline, |x| x.min(deadline)));
            return Some(Due::Resend(&self.entries[i]));
        }
        None
    }

    /// Collects all due sequences and recomputes the lower bound of the rest.
    fn scan(&mut self, now: Instant) {
        self.scanned_at = Some(now);
        let mut earliest = None::<Instant>;
        for e in &self.entries {
            if e.deadline <= now {
                self.due.push_back(e.sequence);
            } else {
                earliest = Some(earliest.map_or(e.deadline, |x| x.min(e.deadline)));
            }
        }
        self.earliest = earliest;
    }

    /// All packets in flight, oldest first.
    pub fn iter(&self) -> impl Iterator<Item = &Unacked> {
        self.entries.iter()
    }
}

/// What [`ResendQueue::poll_due`] found.
#[derive(Debug)]
pub enum Due<'a> {
    /// Resend these bytes (the resent flag is already set).
    Resend(&'a Unacked),
    /// Given up after the retry limit.
    Lost(Unacked),
}

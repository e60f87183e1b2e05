//! Acks owed to the peer: collected as reliable packets arrive, appended to
//! outgoing packets when they fit, otherwise flushed as `PacketAck`.

use std::collections::VecDeque;
use std::time::Instant;

use crate::packet::SequenceNumber;

/// A bounded FIFO of sequence numbers to ack, with their arrival time.
#[derive(Debug, Clone)]
pub struct PendingAcks {
    queue: VecDeque<(SequenceNumber, Instant)>,
    capacity: usize,
}

impl PendingAcks {
    /// An empty list holding at most `capacity` acks.
    pub fn new(capacity: usize) -> Self {
        PendingAcks {
            queue: VecDeque::new(),
            capacity: capacity.max(1),
        }
    }

    /// Queues an ack. When full the oldest is dropped and `false` returned:
    /// the peer then resends that packet, which is acked again.
    pub fn push(&mut self, sequence: SequenceNumber, now: Instant) -> bool {
        let kept = if self.queue.len() >= self.capacity {
            self.queue.pop_front();
            false
        } else {
            true
        };
        self.queue.push_back((sequence, now));
        kept
    }

    /// Acks waiting.
    pub fn len(&self) -> usize {
        self.queue.len()
    }

    /// True when no ack is owed.
    pub fn is_empty(&self) -> bool {
        self.queue.is_empty()
    }

    /// When the oldest waiting ack arrived.
    pub fn oldest(&self) -> Option<Instant> {
        self.queue.front().map(|&(_, t)| t)
    }

    /// Takes up to `n` acks, oldest first.
    pub fn take(&mut self, n: usize) -> impl ExactSizeIterator<Item = SequenceNumber> + '_ {
        let n = n.min(self.queue.len());
        self.queue.drain(..n).map(|(s, _)| s)
    }
}

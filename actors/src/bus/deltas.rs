//! [`Deltas<T>`]: a bounded, lock-free queue of changes from actors to the
//! render thread, with producers that coalesce or wait when it is full.

use std::collections::{HashMap, VecDeque};
use std::hash::Hash;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use crossbeam_queue::ArrayQueue;
use serde::Serialize;

use crate::metrics::Padded;

/// How often a waiting producer looks for room again. The render thread
/// makes room at most once per frame and never signals anyone (signalling
/// could take a lock), so producers poll.
const WAIT_POLL: Duration = Duration::from_millis(1);

/// A change that belongs to one object: a full queue keeps only the latest
/// change per key (the object's latest state) until there is room.
pub trait Keyed {
    /// The object id.
    type Key: Eq + Hash + Clone;
    /// This change's object id.
    fn key(&self) -> Self::Key;
}

#[derive(Default)]
struct Counters {
    offered: AtomicU64,
    queued: AtomicU64,
    coalesced: AtomicU64,
    deferred: AtomicU64,
    pending: AtomicU64,
    waits: AtomicU64,
}

struct Inner<T> {
    queue: ArrayQueue<T>,
    producers: Padded<Counters>,
    /// Written only by the draining thread.
    drained: Padded<AtomicU64>,
}

/// A bounded queue of deltas, drained by the render thread. Cheap to clone;
/// clones share the queue.
pub struct Deltas<T> {
    inner: Arc<Inner<T>>,
}

impl<T> Clone for Deltas<T> {
    fn clone(&self) -> Self {
        Self {
            inner: self.inner.clone(),
        }
    }
}

impl<T> std::fmt::Debug for Deltas<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Deltas")
            .field("stats", &self.stats())
            .finish()
    }
}

/// A drain budget: at most this many items, and optionally at most this long.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DrainBudget {
    /// Items at most.
    pub max_items: usize,
    /// Time at most (checked every few items).
    pub max_time: Option<Duration>,
}

impl DrainBudget {
    /// At most `n` items.
    pub fn items(n: usize) -> Self {
        Self {
            max_items: n,
            max_time: None,
        }
    }

    /// At most `n` items and about `micros` microseconds.
    pub fn items_and_micros(n: usize, micros: u64) -> Self {
        Self {
            max_items: n,
            max_time: Some(Duration::from_micros(micros)),
        }
    }
}

/// Why a drain stopped.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DrainStop {
    /// The queue was empty.
    Empty,
    /// The item budget was used up.
    ItemBudget,
    /// The time budget was used up.
    TimeBudget,
    /// The caller's buffer was at capacity (it is never grown).
    BufferFull,
}

/// The result of one drain.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Drained {
    /// Items taken.
    pub items: usize,
    /// Why it stopped.
    pub stopped_by: DrainStop,
}

/// Counters of a [`Deltas`] queue. When no producer is mid-push:
/// `offered == drained + len + pending + coalesced`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct DeltaStats {
    /// Queue capacity.
    pub capacity: usize,
    /// Items in the queue now.
    pub len: usize,
    /// Items accepted by producers.
    pub offered: u64,
    /// Items put into the queue (directly or after waiting in a producer's pending set).
    pub queued: u64,
    /// Items taken by the render thread.
    pub drained: u64,
    /// Items replaced by a newer item for the same key while waiting for room.
    pub coalesced: u64,
    /// Items that found the queue full and were held in a producer's pending set.
    pub deferred: u64,
    /// Items held in producers' pending sets now.
    pub pending: u64,
    /// Pushes that found the queue full and waited.
    pub waits: u64,
}

/// How often to look at the clock while draining with a time budget.
const TIME_CHECK_EVERY: usize = 8;

impl<T> Deltas<T> {
    /// A queue holding at most `capacity` items (at least 1).
    pub fn new(capacity: usize) -> Self {
        Self {
            inner: Arc::new(Inner {
                queue: ArrayQueue::new(capacity.max(1)),
                producers: Padded::default(),
                drained: Padded::default(),
            }),
        }
    }

    /// Items in the queue now.
    pub fn len(&self) -> usize {
        self.inner.queue.len()
    }

    /// True when the queue is empty.
    pub fn is_empty(&self) -> bool {
        self.inner.queue.is_empty()
    }

    /// The queue's capacity.
    pub fn capacity(&self) -> usize {
        self.inner.queue.capacity()
    }

    /// Render side: move items into `out` within `budget`. Never blocks and
    /// never allocates: it stops when `out` is at its capacity rather than grow it.
    pub fn drain_into(&self, out: &mut Vec<T>, budget: DrainBudget) -> Drained {
        let room = out.capacity() - out.len();
        let limit = budget.max_items.min(room);
        let mut drained = self.drain_with(
            DrainBudget {
                max_items: limit,
                ..budget
            },
            |item| out.push(item),
        );
        if drained.stopped_by == DrainStop::ItemBudget && limit < budget.max_items {
            drained.stopped_by = DrainStop::BufferFull;
        }
        drained
    }

    /// Render side: hand items to `f` within `budget`. Never blocks; allocates
    /// nothing itself.
    pub fn drain_with(&self, budget: DrainBudget, mut f: impl FnMut(T)) -> Drained {
        let started = budget.max_time.map(|limit| (Instant::now(), limit));
        let mut items = 0;
        let stopped_by = loop {
            if items >= budget.max_items {
                break DrainStop::ItemBudget;
            }
            if let Some((t0, limit)) = started
                && items % TIME_CHECK_EVERY == 0
                && items > 0
                && t0.elapsed() >= limit
            {
                break DrainStop::TimeBudget;
            }
            match self.inner.queue.pop() {
                Some(item) => {
                    f(item);
                    items += 1;
                }
                None => break DrainStop::Empty,
            }
        };
        let d = &self.inner.drained.0;
        d.store(d.load(Ordering::Relaxed) + items as u64, Ordering::Release);
        Drained { items, stopped_by }
    }

    /// The queue's counters.
    pub fn stats(&self) -> DeltaStats {
        let p = &self.inner.producers.0;
        DeltaStats {
            capacity: self.capacity(),
            len: self.len(),
            offered: p.offered.load(Ordering::Acquire),
            queued: p.queued.load(Ordering::Acquire),
            drained: self.inner.drained.0.load(Ordering::Acquire),
            coalesced: p.coalesced.load(Ordering::Acquire),
            deferred: p.deferred.load(Ordering::Acquire),
            pending: p.pending.load(Ordering::Acquire),
            waits: p.waits.load(Ordering::Acquire),
        }
    }

    /// A producer that waits for room when the queue is full.
    pub fn waiting_sender(&self) -> WaitingSender<T> {
        WaitingSender {
            deltas: self.clone(),
        }
    }

    /// A producer that, when the queue is full, holds items aside and keeps
    /// only the latest per key (at most `max_pending` keys) until there is room.
    pub fn coalescing_sender(&self, max_pending: usize) -> CoalescingSender<T>
    where
        T: Keyed,
    {
        CoalescingSender {
            deltas: self.clone(),
            order: VecDeque::new(),
            pending: HashMap::new(),
            max_pending: max_pending.max(1),
        }
    }

    fn counters(&self) -> &Counters {
        &self.inner.producers.0
    }
}

/// A producer for [`Deltas`] that waits for room. Cheap to clone.
pub struct WaitingSender<T> {
    deltas: Deltas<T>,
}

impl<T> Clone for WaitingSender<T> {
    fn clone(&self) -> Self {
        Self {
            deltas: self.deltas.clone(),
        }
    }
}

impl<T> WaitingSender<T> {
    /// Push if there is room; the item comes back otherwise (not counted as offered).
    pub fn try_push(&self, item: T) -> Result<(), T> {
        self.deltas.inner.queue.push(item)?;
        let c = self.deltas.counters();
        c.offered.fetch_add(1, Ordering::AcqRel);
        c.queued.fetch_add(1, Ordering::AcqRel);
        Ok(())
    }

    /// Push, waiting (asynchronously, on a tokio/actix timer) for room.
    pub async fn push(&self, mut item: T) {
        let mut waited = false;
        loop {
            match self.try_push(item) {
                Ok(()) => return,
                Err(back) => {
                    item = back;
                    if !waited {
                        waited = true;
                        self.deltas.counters().waits.fetch_add(1, Ordering::AcqRel);
                    }
                    tokio::time::sleep(WAIT_POLL).await;
                }
            }
        }
    }

    /// Push, sleeping the thread while there is no room (for non-async producers).
    pub fn push_blocking(&self, mut item: T) {
        let mut waited = false;
        loop {
            match self.try_push(item) {
                Ok(()) => return,
                Err(back) => {
                    item = back;
                    if !waited {
                        waited = true;
                        self.deltas.counters().waits.fetch_add(1, Ordering::AcqRel);
                    }
                    std::thread::sleep(WAIT_POLL);
                }
            }
        }
    }
}

/// What happened to a pushed item.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Pushed {
    /// It is in the queue.
    Queued,
    /// The queue was full (or older items were waiting): it waits in the pending set.
    Deferred,
    /// It replaced an older pending item for the same key.
    Coalesced,
}

/// The pending set is at `max_pending` keys and this item's key is new: the
/// item comes back; flush (or wait) and push again.
#[derive(Debug)]
pub struct PendingFull<T>(pub T);

/// A producer for [`Deltas`] that never waits: when the queue is full it
/// keeps the latest item per key aside and moves them into the queue, in
/// first-deferred order, as room appears (on every push, or [`flush`](Self::flush)).
/// Not `Clone`: one producer owns its pending set.
pub struct CoalescingSender<T: Keyed> {
    deltas: Deltas<T>,
    order: VecDeque<T::Key>,
    pending: HashMap<T::Key, T>,
    max_pending: usize,
}

impl<T: Keyed> CoalescingSender<T> {
    /// Items waiting for room in this producer's pending set.
    pub fn pending(&self) -> usize {
        self.pending.len()
    }

    /// Offer an item. While items are pending, new ones queue behind them
    /// (coalescing by key) so the render thread sees changes in order.
    pub fn push(&mut self, item: T) -> Result<Pushed, PendingFull<T>> {
        self.flush();
        let c = self.deltas.counters();
        if self.pending.is_empty() {
            match self.deltas.inner.queue.push(item) {
                Ok(()) => {
                    c.offered.fetch_add(1, Ordering::AcqRel);
                    c.queued.fetch_add(1, Ordering::AcqRel);
                    return Ok(Pushed::Queued);
                }
                Err(back) => return self.defer(back),
            }
        }
        self.defer(item)
    }

    fn defer(&mut self, item: T) -> Result<Pushed, PendingFull<T>> {
        let c = self.deltas.counters();
        let key = item.key();
        if let Some(slot) = self.pending.get_mut(&key) {
            *slot = item;
            c.offered.fetch_add(1, Ordering::AcqRel);
            c.coalesced.fetch_add(1, Ordering::AcqRel);
            return Ok(Pushed::Coalesced);
        }
        if self.pending.len() >= self.max_pending {
            return Err(PendingFull(item));
        }
        self.order.push_back(key.clone());
        self.pending.insert(key, item);
        c.offered.fetch_add(1, Ordering::AcqRel);
        c.deferred.fetch_add(1, Ordering::AcqRel);
        c.pending.fetch_add(1, Ordering::AcqRel);
        Ok(Pushed::Deferred)
    }

    /// Move pending items into the queue while there is room; returns how many moved.
    pub fn flush(&mut self) -> usize {
        let c = self.deltas.counters();
        let mut moved = 0;
        while let Some(key) = self.order.front() {
            let Some(item) = self.pending.remove(key) else {
                self.order.pop_front();
                continue;
            };
            match self.deltas.inner.queue.push(item) {
                Ok(()) => {
                    self.order.pop_front();
                    c.queued.fetch_add(1, Ordering::AcqRel);
                    c.pending.fetch_sub(1, Ordering::AcqRel);
                    moved += 1;
                }
                Err(back) => {
                    let key = key.clone();
                    self.pending.insert(key, back);
                    break;
                }
            }
        }
        moved
    }
}

impl<T: Keyed> Drop for CoalescingSender<T> {
    fn drop(&mut self) {
        // Items still pending when the producer goes away are not lost
        // silently: they stay visible as `pending` in the stats.
        self.flush();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, Clone, PartialEq)]
    struct Pos {
        id: u32,
        x: u32,
    }

    impl Keyed for Pos {
        type Key = u32;
        fn key(&self) -> u32 {
            self.id
        }
    }

    fn balanced(s: &DeltaStats) -> bool {
        s.offered == s.drained + s.len as u64 + s.pending + s.coalesced
            && s.queued == s.drained + s.len as u64
    }

    #[test]
    fn full_queue_coalesces_by_key_and_keeps_latest_state_in_order() {
        let d = Deltas::new(2);
        let mut tx = d.coalescing_sender(16);
        assert_eq!(tx.push(Pos { id: 1, x: 0 }).unwrap(), Pushed::Queued);
        assert_eq!(tx.push(Pos { id: 2, x: 0 }).unwrap(), Pushed::Queued);
        assert_eq!(tx.push(Pos { id: 3, x: 0 }).unwrap(), Pushed::Deferred);
        assert_eq!(tx.push(Pos { id: 1, x: 1 }).unwrap(), Pushed::Deferred);
        assert_eq!(tx.push(Pos { id: 3, x: 2 }).unwrap(), Pushed::Coalesced);
        assert_eq!(tx.push(Pos { id: 1, x: 3 }).unwrap(), Pushed::Coalesced);
        assert!(balanced(&d.stats()), "{:?}", d.stats());

        let mut out = Vec::with_capacity(8);
        d.drain_into(&mut out, DrainBudget::items(8));
        assert_eq!(tx.flush(), 2);
        d.drain_into(&mut out, DrainBudget::items(8));
        let got: Vec<(u32, u32)> = out.iter().map(|p| (p.id, p.x)).collect();
        assert_eq!(got, vec![(1, 0), (2, 0), (3, 2), (1, 3)]);
        let s = d.stats();
        assert_eq!(
            (s.offered, s.coalesced, s.deferred, s.pending),
            (6, 2, 2, 0)
        );
        assert!(balanced(&s), "{s:?}");
    }

    #[test]
    fn pending_set_is_bounded_and_gives_the_item_back() {
        let d = Deltas::new(1);
        let mut tx = d.coalescing_sender(1);
        tx.push(Pos { id: 1, x: 0 }).unwrap();
        tx.push(Pos { id: 2, x: 0 }).unwrap();
        let PendingFull(back) = tx.push(Pos { id: 3, x: 9 }).unwrap_err();
        assert_eq!(back, Pos { id: 3, x: 9 });
        assert!(balanced(&d.stats()));
    }

    #[test]
    fn drain_respects_item_budget_and_never_grows_the_buffer() {
        let d = Deltas::new(16);
        let tx = d.waiting_sender();
        for i in 0..10 {
            tx.try_push(i).unwrap();
        }
        let mut out = Vec::with_capacity(4);
        let cap = out.capacity();
        let r = d.drain_into(&mut out, DrainBudget::items(3));
        assert_eq!((r.items, r.stopped_by), (3, DrainStop::ItemBudget));
        let r = d.drain_into(&mut out, DrainBudget::items(100));
        assert_eq!((r.items, r.stopped_by), (cap - 3, DrainStop::BufferFull));
        assert_eq!(out.capacity(), cap);
        out.clear();
        let mut n = 0;
        let r = d.drain_with(DrainBudget::items_and_micros(100, 1_000_000), |_| n += 1);
        assert_eq!((r.stopped_by, n), (DrainStop::Empty, 10 - cap));
        assert_eq!(d.stats().drained, 10);
    }

    #[test]
    fn waiting_sender_waits_for_room_and_counts_it() {
        let d = Deltas::new(1);
        let tx = d.waiting_sender();
        tx.push_blocking(1u32);
        let t = {
            let tx = tx.clone();
            std::thread::spawn(move || tx.push_blocking(2u32))
        };
        // Drain only once the producer is known to be waiting for room.
        while d.stats().waits == 0 {
            std::thread::yield_now();
        }
        let mut got = Vec::with_capacity(2);
        while got.len() < 2 {
            d.drain_with(DrainBudget::items(1), |x| got.push(x));
            std::thread::yield_now();
        }
        t.join().unwrap();
        assert_eq!(got, vec![1, 2]);
        let s = d.stats();
        assert_eq!((s.offered, s.drained, s.waits), (2, 2, 1));
    }
}

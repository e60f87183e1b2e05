//! [`BoundedLog`]: a fixed-capacity record of recent events that counts what
//! it had to evict (used for dead letters and escalations).

use std::collections::VecDeque;
use std::sync::atomic::{AtomicU64, Ordering};

use parking_lot::Mutex;

/// Keeps the newest `capacity` entries; older ones are evicted and counted.
/// The lock is held only to push or take entries, never on a render path.
#[derive(Debug)]
pub struct BoundedLog<T> {
    entries: Mutex<VecDeque<T>>,
    capacity: usize,
    total: AtomicU64,
    evicted: AtomicU64,
}

impl<T> BoundedLog<T> {
    /// An empty log keeping at most `capacity` entries (at least 1).
    pub fn new(capacity: usize) -> Self {
        let capacity = capacity.max(1);
        Self {
            entries: Mutex::new(VecDeque::with_capacity(capacity.min(4096))),
            capacity,
            total: AtomicU64::new(0),
            evicted: AtomicU64::new(0),
        }
    }

    /// Append an entry, evicting (and counting) the oldest if full.
    pub fn push(&self, entry: T) {
        let mut q = self.entries.lock();
        if q.len() >= self.capacity {
            q.pop_front();
            self.evicted.fetch_add(1, Ordering::AcqRel);
        }
        q.push_back(entry);
        self.total.fetch_add(1, Ordering::AcqRel);
    }

    /// Entries ever pushed.
    pub fn total(&self) -> u64 {
        self.total.load(Ordering::Acquire)
    }

    /// Entries evicted because the log was full.
    pub fn evicted(&self) -> u64 {
        self.evicted.load(Ordering::Acquire)
    }

    /// Entries held now.
    pub fn len(&self) -> usize {
        self.entries.lock().len()
    }

    /// True when no entry is held.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Remove and return every held entry, oldest first. Taken entries stay
    /// counted in [`total`](Self::total).
    pub fn take_all(&self) -> Vec<T> {
        self.entries.lock().drain(..).collect()
    }

    /// Look at the held entries under the lock.
    pub fn with_entries<R>(&self, f: impl FnOnce(&VecDeque<T>) -> R) -> R {
        f(&self.entries.lock())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn evicts_oldest_and_counts() {
        let log = BoundedLog::new(2);
        for i in 0..5 {
            log.push(i);
        }
        assert_eq!((log.total(), log.evicted(), log.len()), (5, 3, 2));
        assert_eq!(log.take_all(), vec![3, 4]);
        assert_eq!(log.total(), 5);
    }
}

//! [`Latest<T>`]: a value replaced whole by its producer and read wait-free.

use std::fmt;
use std::ops::Deref;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use arc_swap::{ArcSwap, Guard};

struct Inner<T> {
    value: ArcSwap<T>,
    version: AtomicU64,
}

/// The latest published `T`. Producers [`publish`](Self::publish) a new value
/// (allocating its `Arc` on their side); readers [`load`](Self::load) it
/// without locking, waiting or allocating (arc-swap's debt slots; the first
/// read on a thread registers that thread once). Cheap to clone; clones share the value.
pub struct Latest<T> {
    inner: Arc<Inner<T>>,
}

impl<T> Clone for Latest<T> {
    fn clone(&self) -> Self {
        Self {
            inner: self.inner.clone(),
        }
    }
}

impl<T: fmt::Debug> fmt::Debug for Latest<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Latest")
            .field("version", &self.version())
            .field("value", &*self.load())
            .finish()
    }
}

impl<T: Default> Default for Latest<T> {
    fn default() -> Self {
        Self::new(T::default())
    }
}

impl<T> Latest<T> {
    /// Start with `initial` (version 0).
    pub fn new(initial: T) -> Self {
        Self {
            inner: Arc::new(Inner {
                value: ArcSwap::from_pointee(initial),
                version: AtomicU64::new(0),
            }),
        }
    }

    /// Replace the value (producer side; allocates the new `Arc`).
    pub fn publish(&self, value: T) {
        self.publish_arc(Arc::new(value));
    }

    /// Replace the value with an existing `Arc`.
    pub fn publish_arc(&self, value: Arc<T>) {
        self.inner.value.store(value);
        self.inner.version.fetch_add(1, Ordering::AcqRel);
    }

    /// Read the current value: wait-free, no allocation. Hold the guard briefly
    /// (a frame); keep [`load_full`](Self::load_full) for longer.
    #[inline]
    pub fn load(&self) -> LatestGuard<T> {
        LatestGuard(self.inner.value.load())
    }

    /// The current value as an owned `Arc` (a reference-count increment, no allocation).
    #[inline]
    pub fn load_full(&self) -> Arc<T> {
        self.inner.value.load_full()
    }

    /// How many times a value was published. Lets a reader skip work when
    /// nothing changed since its last look.
    #[inline]
    pub fn version(&self) -> u64 {
        self.inner.version.load(Ordering::Acquire)
    }
}

/// A borrowed view of a [`Latest`] value.
pub struct LatestGuard<T>(Guard<Arc<T>>);

impl<T> Deref for LatestGuard<T> {
    type Target = T;
    #[inline]
    fn deref(&self) -> &T {
        &self.0
    }
}

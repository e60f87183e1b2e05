//! Heap allocation counting per thread, behind the cargo feature
//! `alloc-stats` (see docs/RENDERING.md, "Allocations per frame").
//!
//! [`CountingAlloc`] is a global allocator over [`System`] that counts, per
//! thread, the allocations (`alloc` and `realloc`) and the bytes requested.
//! The counts go into one of two buckets: Kestrel's own code, or code inside
//! a *wgpu scope* ([`in_wgpu`], [`wgpu`]) — wgpu-core and the Vulkan driver
//! allocate on every submit and Kestrel cannot remove that, so the renderer
//! marks its wgpu calls and both figures are reported side by side.
//!
//! A binary or test opts in with [`count_allocations!`](crate::count_allocations)
//! (the `kestrel` binary does). The library does not install the allocator
//! itself, so test binaries that bring their own counting allocator keep
//! linking when the feature is on.
//!
//! Without the feature the scope guard is an empty type, [`thread_counts`]
//! returns `None`, and nothing is counted: the instrumentation costs nothing.

/// One thread's allocation counters since it started. Subtract two
/// snapshots ([`AllocCounts::since`]) to get what happened in between.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AllocCounts {
    /// Allocations (`alloc`, `alloc_zeroed`, `realloc`) made by Kestrel's code.
    pub kestrel_allocs: u64,
    /// Bytes requested by those allocations (a `realloc` counts its new size).
    pub kestrel_bytes: u64,
    /// Allocations made inside wgpu scopes (wgpu-core, the driver, egui-wgpu).
    pub wgpu_allocs: u64,
    /// Bytes requested inside wgpu scopes.
    pub wgpu_bytes: u64,
    /// Bytes released on this thread (`dealloc`, and the old block of a
    /// `realloc`), whoever allocated them: a block allocated on one thread
    /// and freed on another shows here on the other, so this does not net
    /// against the bytes above. [`live_bytes`] is the process-wide balance.
    pub freed_bytes: u64,
}

impl AllocCounts {
    /// The counts between `earlier` and `self` (both from the same thread).
    pub fn since(&self, earlier: &AllocCounts) -> AllocCounts {
        AllocCounts {
            kestrel_allocs: self.kestrel_allocs.wrapping_sub(earlier.kestrel_allocs),
            kestrel_bytes: self.kestrel_bytes.wrapping_sub(earlier.kestrel_bytes),
            wgpu_allocs: self.wgpu_allocs.wrapping_sub(earlier.wgpu_allocs),
            wgpu_bytes: self.wgpu_bytes.wrapping_sub(earlier.wgpu_bytes),
            freed_bytes: self.freed_bytes.wrapping_sub(earlier.freed_bytes),
        }
    }
}

/// The calling thread's counters, or `None` when allocations are not being
/// counted (the feature is off, or no [`count_allocations!`](crate::count_allocations)
/// in this binary).
///
/// The first call of a process checks whether the counting allocator is
/// installed by allocating one byte; later calls never allocate.
pub fn thread_counts() -> Option<AllocCounts> {
    imp::thread_counts()
}

/// Bytes currently live (allocated, not yet freed) in the whole process
/// (every thread), or `None` when allocations are not being counted.
pub fn live_bytes() -> Option<u64> {
    imp::live_bytes()
}

/// Marks the calling thread as inside wgpu until the guard drops:
/// allocations meanwhile count as wgpu's. Nests. Wrap only wgpu calls on
/// data Kestrel has already prepared, so Kestrel's own work stays counted.
#[inline]
#[must_use = "the scope ends when the guard drops"]
pub fn in_wgpu() -> WgpuScope {
    imp::enter()
}

/// Runs `f` inside a wgpu scope (see [`in_wgpu`]).
#[inline]
pub fn wgpu<R>(f: impl FnOnce() -> R) -> R {
    let _scope = in_wgpu();
    f()
}

/// Installs Kestrel's counting allocator as this binary's global allocator
/// when the `alloc-stats` feature is on; expands to nothing otherwise. Use
/// once, at the top level of a binary or integration test crate.
#[cfg(feature = "alloc-stats")]
#[macro_export]
macro_rules! count_allocations {
    () => {
        #[global_allocator]
        static KESTREL_COUNTING_ALLOC: $crate::alloc_stats::CountingAlloc =
            $crate::alloc_stats::CountingAlloc;
    };
}

/// Installs Kestrel's counting allocator as this binary's global allocator
/// when the `alloc-stats` feature is on; expands to nothing otherwise. Use
/// once, at the top level of a binary or integration test crate.
#[cfg(not(feature = "alloc-stats"))]
#[macro_export]
macro_rules! count_allocations {
    () => {};
}

#[cfg(feature = "alloc-stats")]
pub use imp::{CountingAlloc, WgpuScope};

#[cfg(not(feature = "alloc-stats"))]
pub use imp::WgpuScope;

#[cfg(feature = "alloc-stats")]
mod imp {
    use std::alloc::{GlobalAlloc, Layout, System};
    use std::cell::Cell;
    use std::sync::atomic::{AtomicU8, AtomicU64, Ordering};

    use super::AllocCounts;

    /// The counting global allocator (install it with
    /// [`count_allocations!`](crate::count_allocations)).
    #[derive(Debug, Clone, Copy, Default)]
    pub struct CountingAlloc;

    thread_local! {
        static KESTREL_ALLOCS: Cell<u64> = const { Cell::new(0) };
        static KESTREL_BYTES: Cell<u64> = const { Cell::new(0) };
        static WGPU_ALLOCS: Cell<u64> = const { Cell::new(0) };
        static WGPU_BYTES: Cell<u64> = const { Cell::new(0) };
        static FREED_BYTES: Cell<u64> = const { Cell::new(0) };
        /// Depth of nested wgpu scopes on this thread.
        static WGPU_DEPTH: Cell<u32> = const { Cell::new(0) };
    }

    /// Bytes live in the process (allocated and not yet freed, any thread).
    static LIVE: AtomicU64 = AtomicU64::new(0);

    const UNKNOWN: u8 = 0;
    const YES: u8 = 1;
    const NO: u8 = 2;
    static INSTALLED: AtomicU8 = AtomicU8::new(UNKNOWN);

    fn add(cell: &'static std::thread::LocalKey<Cell<u64>>, n: u64) {
        // `try_with`: a thread being torn down has no thread-locals left;
        // its last allocations simply go uncounted.
        let _ = cell.try_with(|c| c.set(c.get().wrapping_add(n)));
    }

    fn counted(bytes: usize) {
        let in_wgpu = WGPU_DEPTH.try_with(Cell::get).unwrap_or(0) > 0;
        let (allocs, total) = if in_wgpu {
            (&WGPU_ALLOCS, &WGPU_BYTES)
        } else {
            (&KESTREL_ALLOCS, &KESTREL_BYTES)
        };
        add(allocs, 1);
        add(total, bytes as u64);
    }

    // SAFETY: every method forwards to `System` with the caller's arguments;
    // the bookkeeping touches only `const`-initialised thread-locals without
    // destructors and an atomic, so it never allocates or re-enters.
    unsafe impl GlobalAlloc for CountingAlloc {
        unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
            let p = unsafe { System.alloc(layout) };
            if !p.is_null() {
                counted(layout.size());
                LIVE.fetch_add(layout.size() as u64, Ordering::Relaxed);
            }
            p
        }

        unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
            let p = unsafe { System.alloc_zeroed(layout) };
            if !p.is_null() {
                counted(layout.size());
                LIVE.fetch_add(layout.size() as u64, Ordering::Relaxed);
            }
            p
        }

        unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
            unsafe { System.dealloc(ptr, layout) };
            add(&FREED_BYTES, layout.size() as u64);
            LIVE.fetch_sub(layout.size() as u64, Ordering::Relaxed);
        }

        unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
            let p = unsafe { System.realloc(ptr, layout, new_size) };
            if !p.is_null() {
                counted(new_size);
                add(&FREED_BYTES, layout.size() as u64);
                LIVE.fetch_add(new_size as u64, Ordering::Relaxed);
                LIVE.fetch_sub(layout.size() as u64, Ordering::Relaxed);
            }
            p
        }
    }

    fn raw() -> AllocCounts {
        let get = |c: &'static std::thread::LocalKey<Cell<u64>>| c.try_with(Cell::get).unwrap_or(0);
        AllocCounts {
            kestrel_allocs: get(&KESTREL_ALLOCS),
            kestrel_bytes: get(&KESTREL_BYTES),
            wgpu_allocs: get(&WGPU_ALLOCS),
            wgpu_bytes: get(&WGPU_BYTES),
            freed_bytes: get(&FREED_BYTES),
        }
    }

    /// Whether `CountingAlloc` is this binary's allocator: probed once by
    /// allocating a byte and looking for it in the counters.
    fn installed() -> bool {
        match INSTALLED.load(Ordering::Acquire) {
            YES => true,
            NO => false,
            _ => {
                let before = raw();
                drop(std::hint::black_box(Box::new(0u8)));
                let after = raw();
                let yes = after.kestrel_allocs + after.wgpu_allocs
                    > before.kestrel_allocs + before.wgpu_allocs;
                INSTALLED.store(if yes { YES } else { NO }, Ordering::Release);
                yes
            }
        }
    }

    pub(super) fn thread_counts() -> Option<AllocCounts> {
        installed().then(raw)
    }

    pub(super) fn live_bytes() -> Option<u64> {
        installed().then(|| LIVE.load(Ordering::Relaxed))
    }

    /// A wgpu scope; allocations count as wgpu's until it drops.
    #[derive(Debug)]
    pub struct WgpuScope {
        // Not Send: the scope belongs to the thread that opened it.
        _thread: std::marker::PhantomData<*const ()>,
    }

    #[inline]
    pub(super) fn enter() -> WgpuScope {
        let _ = WGPU_DEPTH.try_with(|d| d.set(d.get() + 1));
        WgpuScope {
            _thread: std::marker::PhantomData,
        }
    }

    impl Drop for WgpuScope {
        #[inline]
        fn drop(&mut self) {
            let _ = WGPU_DEPTH.try_with(|d| d.set(d.get().saturating_sub(1)));
        }
    }
}

#[cfg(not(feature = "alloc-stats"))]
mod imp {
    use super::AllocCounts;

    /// A wgpu scope; without the `alloc-stats` feature it does nothing.
    #[derive(Debug)]
    pub struct WgpuScope;

    #[inline(always)]
    pub(super) fn enter() -> WgpuScope {
        WgpuScope
    }

    #[inline(always)]
    pub(super) fn thread_counts() -> Option<AllocCounts> {
        None
    }

    #[inline(always)]
    pub(super) fn live_bytes() -> Option<u64> {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn since_subtracts_every_counter() {
        let a = AllocCounts {
            kestrel_allocs: 2,
            kestrel_bytes: 100,
            wgpu_allocs: 1,
            wgpu_bytes: 50,
            freed_bytes: 20,
        };
        let b = AllocCounts {
            kestrel_allocs: 5,
            kestrel_bytes: 300,
            wgpu_allocs: 4,
            wgpu_bytes: 90,
            freed_bytes: 400,
        };
        let d = b.since(&a);
        assert_eq!((d.kestrel_allocs, d.kestrel_bytes), (3, 200));
        assert_eq!((d.wgpu_allocs, d.wgpu_bytes, d.freed_bytes), (3, 40, 380));
    }

    #[test]
    fn without_an_installed_allocator_nothing_is_reported() {
        // The library's unit-test binary never installs the counting allocator.
        assert_eq!(thread_counts(), None);
        assert_eq!(live_bytes(), None);
        // The scope is usable either way.
        assert_eq!(wgpu(|| 7), 7);
    }
}

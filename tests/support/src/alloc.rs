//! A counting global allocator: every call forwarded unchanged to the system allocator,
//! with counts beside it. A test binary that proves "no allocation after construction"
//! installs it once:
//!
//! ```ignore
//! #[global_allocator]
//! static GLOBAL: letdown_test_support::alloc::Counting = letdown_test_support::alloc::Counting;
//! ```
//!
//! and compares [`allocations`] (the whole process: for tests that run alone in their
//! binary or one at a time, whose threads all count) or [`thread_allocations`] (this
//! thread only: for tests that share their binary with others running in parallel)
//! before and after the part under test. [`live_bytes`] and [`peak_bytes`] tell how much
//! memory is held at once.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;
use std::sync::atomic::{AtomicUsize, Ordering};

/// The system allocator, counting allocations (`alloc`, `alloc_zeroed`, `realloc`) and
/// the bytes alive.
pub struct Counting;

static ALLOCATIONS: AtomicUsize = AtomicUsize::new(0);
static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

thread_local! {
    // Const-initialised and without destructor: touching it never allocates, so the
    // allocator cannot re-enter itself.
    static THREAD_ALLOCATIONS: Cell<usize> = const { Cell::new(0) };
}

fn count(grown: usize, shrunk: usize) {
    ALLOCATIONS.fetch_add(1, Ordering::Relaxed);
    // `try_with`: while a thread is torn down its counter may be gone; nothing to count.
    let _ = THREAD_ALLOCATIONS.try_with(|c| c.set(c.get() + 1));
    LIVE.fetch_sub(shrunk, Ordering::Relaxed);
    let live = LIVE.fetch_add(grown, Ordering::Relaxed) + grown;
    PEAK.fetch_max(live, Ordering::Relaxed);
}

// SAFETY: every call is forwarded unchanged to the system allocator; only counters (atomics
// and a const-initialised thread-local without destructor, none of which allocates) are
// added.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        count(layout.size(), 0);
        // SAFETY: same contract as the caller's.
        unsafe { System.alloc(layout) }
    }

    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        count(layout.size(), 0);
        // SAFETY: same contract as the caller's.
        unsafe { System.alloc_zeroed(layout) }
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
        // SAFETY: same contract as the caller's.
        unsafe { System.dealloc(ptr, layout) }
    }

    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        count(new_size, layout.size());
        // SAFETY: same contract as the caller's.
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

/// Allocations by every thread of the process so far (zero unless [`Counting`] is the
/// binary's global allocator).
pub fn allocations() -> usize {
    ALLOCATIONS.load(Ordering::Relaxed)
}

/// Allocations by the calling thread so far.
pub fn thread_allocations() -> usize {
    THREAD_ALLOCATIONS.with(Cell::get)
}

/// Bytes allocated and not yet freed, by the whole process.
pub fn live_bytes() -> usize {
    LIVE.load(Ordering::Relaxed)
}

/// The most bytes alive at once since the last [`reset_peak`] (or the start).
pub fn peak_bytes() -> usize {
    PEAK.load(Ordering::Relaxed)
}

/// Starts a new peak from the bytes alive now, and returns them.
pub fn reset_peak() -> usize {
    let live = live_bytes();
    PEAK.store(live, Ordering::Relaxed);
    live
}

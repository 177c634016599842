//! The sensor side: a producer handle that moves blocks of samples into a lock-free SPSC
//! queue without ever blocking.
//!
//! The queue is two `ringbuf` rings: one of [`Sample`]s and one of [`BlockHeader`]s (how
//! many samples a push brought, when they arrived, and how many samples were lost just
//! before them). A push copies its samples into the sample ring, then publishes one
//! header; the engine thread reads a header before it touches that header's samples, so
//! the header's release store makes the samples visible. Per push: a `memcpy` of the
//! samples, two atomic index stores, two single-writer counter stores — no lock, no
//! syscall, no allocation, whatever the block size. (Only with
//! [`WaitStrategy::Park`](super::WaitStrategy::Park) does a push also wake the engine
//! thread, a futex syscall when that thread sleeps.)
//!
//! # Overrun policy: the oldest data is kept
//! When the queue is full the newest samples of the push are dropped, counted as
//! overruns, and the engine is told of them as a gap (`Engine::process_gap`) in their
//! place in the stream. The producer cannot evict the oldest samples without writing to
//! the consumer's side of the ring (which would need a lock or a CAS per slot), and a gap
//! is what the engine's safety logic understands: it pauses the pump on stale data and
//! resumes after good data. Keeping the oldest also keeps what the engine has not seen
//! yet in order, so its filters never see a sample twice or out of order.

use super::latency::Clock;
use super::stats::{bump, ProducerCounters};
use super::Shared;
use crate::sample::Sample;
use ringbuf::traits::{Observer, Producer};
use ringbuf::{HeapProd, HeapRb};
use std::sync::atomic::{fence, Ordering};
use std::sync::Arc;
use std::thread::Thread;

/// What one push delivered: a block of consecutive samples, the gap before it, and when
/// it arrived.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub(crate) struct BlockHeader {
    /// When the block arrived, ns on the pipeline's [`Clock`].
    pub(crate) arrival_ns: u64,
    /// Samples lost (overrun or reported missing) just before this block.
    pub(crate) missing_before: u64,
    /// Samples in the block (0 for a header that only carries a gap).
    pub(crate) count: u32,
}

/// The result of [`SensorProducer::push`].
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Pushed {
    /// Samples queued.
    pub accepted: usize,
    /// Samples dropped because the queue was full (counted as overruns).
    pub dropped: usize,
}

/// The sensor side of a pipeline: pushes blocks of samples. In a pump this runs in the
/// sensor interrupt (or the DMA-complete callback): it never blocks, never allocates and
/// makes no syscall. Dropping it (or [`close`](Self::close)) ends the stream; the engine
/// thread then processes everything still queued and stops.
pub struct SensorProducer {
    samples: HeapProd<Sample>,
    headers: HeapProd<BlockHeader>,
    shared: Arc<Shared>,
    clock: Clock,
    /// Samples lost since the last header, to announce in the next one.
    pending_missing: u64,
    /// The engine thread, unparked at the end of the stream (and after a push with
    /// `WaitStrategy::Park`).
    engine_thread: Thread,
    /// Whether a push unparks a sleeping engine thread (`WaitStrategy::Park`).
    unpark_on_push: bool,
}

/// The rings a pipeline moves samples through, before they are split between the two
/// threads.
pub(crate) struct Rings {
    pub(crate) samples: HeapRb<Sample>,
    pub(crate) headers: HeapRb<BlockHeader>,
}

impl Rings {
    /// Rings for `capacity` samples (and as many headers: one sample per push at worst).
    pub(crate) fn new(capacity: usize) -> Self {
        Self {
            samples: HeapRb::new(capacity),
            headers: HeapRb::new(capacity),
        }
    }
}

impl SensorProducer {
    pub(crate) fn new(
        samples: HeapProd<Sample>,
        headers: HeapProd<BlockHeader>,
        shared: Arc<Shared>,
        clock: Clock,
        engine_thread: Thread,
        unpark_on_push: bool,
    ) -> Self {
        Self {
            samples,
            headers,
            shared,
            clock,
            pending_missing: 0,
            engine_thread,
            unpark_on_push,
        }
    }

    /// The pipeline's clock (for time stamps given to [`push_at`](Self::push_at)).
    pub fn clock(&self) -> Clock {
        self.clock
    }

    /// Room left in the queue, samples.
    pub fn vacant_len(&self) -> usize {
        if self.headers.is_full() {
            0
        } else {
            self.samples.vacant_len()
        }
    }

    /// Queues `samples`, arrived now. What does not fit is dropped, counted as overruns and
    /// reported to the engine as a gap (the oldest data is kept).
    #[inline]
    pub fn push(&mut self, samples: &[Sample]) -> Pushed {
        let now = self.clock.now_ns();
        self.push_at(samples, now)
    }

    /// Queues `samples` that arrived at `arrival_ns` (on [`clock`](Self::clock)). A paced
    /// feed passes each block's scheduled arrival here, so latency counts from when the
    /// data was due, not from when a late producer got to it (no coordinated omission).
    /// What does not fit is dropped, counted and reported as a gap.
    #[inline]
    pub fn push_at(&mut self, samples: &[Sample], arrival_ns: u64) -> Pushed {
        let accepted = self.enqueue(samples, arrival_ns);
        let dropped = samples.len() - accepted;
        let counters = self.counters();
        if dropped > 0 {
            bump(&counters.overruns, dropped as u64);
            bump(&counters.overrun_events, 1);
            self.pending_missing += dropped as u64;
        }
        Pushed { accepted, dropped }
    }

    /// Queues as many of `samples` as fit and returns how many; the rest is the caller's
    /// to retry, and is neither counted as an overrun nor reported as a gap. For feeds
    /// that can wait (a file replay, a throughput benchmark), not for a sensor.
    #[inline]
    pub fn try_push_at(&mut self, samples: &[Sample], arrival_ns: u64) -> usize {
        self.enqueue(samples, arrival_ns)
    }

    /// Reports `n` samples that never arrived (a sensor dropout); the engine processes
    /// them as a gap before the next pushed sample.
    pub fn report_missing(&mut self, n: u64) {
        bump(&self.counters().missing, n);
        self.pending_missing += n;
    }

    /// Ends the stream (the same as dropping the producer): the engine thread processes
    /// every sample still queued, then stops.
    pub fn close(self) {}

    fn counters(&self) -> &ProducerCounters {
        &self.shared.counters.producer.0
    }

    /// Copies what fits, then publishes its header. Returns the samples queued.
    #[inline]
    fn enqueue(&mut self, samples: &[Sample], arrival_ns: u64) -> usize {
        // A header is needed for anything to be delivered; checking it first means no
        // sample is ever queued without one (the vacancy can only grow meanwhile).
        if self.headers.is_full() || (samples.is_empty() && self.pending_missing == 0) {
            return 0;
        }
        // At most u32::MAX per header; the ring is never that large (checked at start).
        let accepted = self.samples.push_slice(samples);
        if accepted == 0 && self.pending_missing == 0 {
            return 0;
        }
        let header = BlockHeader {
            arrival_ns,
            missing_before: self.pending_missing,
            count: accepted as u32,
        };
        // Cannot fail: checked above and only this thread fills the ring.
        let _ = self.headers.try_push(header);
        self.pending_missing = 0;
        bump(&self.counters().samples_in, accepted as u64);
        self.wake_engine();
        accepted
    }

    /// With `WaitStrategy::Park`: unparks the engine thread if it announced it sleeps.
    #[inline]
    fn wake_engine(&self) {
        if self.unpark_on_push {
            // Pairs with the fence in the engine's park: either it sees our header on its
            // re-check, or we see its `sleeping` flag here (Dekker's pattern).
            fence(Ordering::SeqCst);
            if self.shared.sleeping.load(Ordering::Relaxed) {
                self.engine_thread.unpark();
            }
        }
    }

    /// Sends a header with the lost samples still to announce, if there is room.
    fn flush_missing(&mut self) {
        if self.pending_missing > 0 {
            let now = self.clock.now_ns();
            self.enqueue(&[], now);
        }
    }
}

impl Drop for SensorProducer {
    fn drop(&mut self) {
        self.flush_missing();
        // Release: every push above happens-before the engine thread's Acquire load
        // that sees `closed`, so its final drain finds them all.
        self.shared.closed.store(true, Ordering::Release);
        self.engine_thread.unpark();
    }
}

impl core::fmt::Debug for SensorProducer {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("SensorProducer")
            .field("vacant_len", &self.vacant_len())
            .field("pending_missing", &self.pending_missing)
            .finish_non_exhaustive()
    }
}

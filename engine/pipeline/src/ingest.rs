//! The sensor side: a producer handle that moves blocks of samples into a lock-free SPSC
//! queue without ever blocking.
//!
//! The queue is one `ringbuf` ring of [`Slot`]s. A slot is a block header (when its
//! samples arrived, how many samples were lost just before them, how many it holds) with
//! room for [`SLOT_SAMPLES`] samples inline, so a push of up to 32 samples writes one slot
//! and publishes it with one release store of the ring's write index: the header and its
//! samples become visible together, and the engine thread reads one index to find them.
//! The producer checks for room against its own cached copy of the engine thread's read
//! index and loads the real one only when the ring looks full, so in steady state a push
//! touches the slot (4–5 cache lines), the write index and the producer's own counters —
//! nothing the engine thread writes. Per push: a copy of the samples, one atomic index
//! store, one or two single-writer counter stores — no lock, no syscall, no allocation.
//! A push of more than 32 samples fills consecutive slots (each with the push's arrival
//! time) and publishes them with one index store. (Only with
//! [`WaitStrategy::Park`](super::WaitStrategy::Park) does a push also wake the engine
//! thread, a futex syscall when that thread sleeps.)
//! A producer that knows when its next block is due can call [`SensorProducer::warm`]
//! shortly before it, to take the push's cache misses outside the push.
//!
//! Room is counted in slots: [`SensorProducer::vacant_len`] is the free slots × 32, the
//! largest push that fits whole; a push shorter than 32 samples still takes a whole slot,
//! so a queue of `capacity` samples holds `capacity / 32` pushes whatever their size
//! ([`PipelineConfig::for_stream`](super::PipelineConfig::for_stream) sizes it from the
//! block size).
//!
//! # Overrun policy: the oldest data is kept
//! When the queue is full the newest samples of the push are dropped, counted as
//! overruns, and the engine is told of them as a gap (`Engine::process_gap`) in their
//! place in the stream: the next slot that gets through carries the count. The producer
//! cannot evict the oldest samples without writing to the consumer's side of the ring
//! (which would need a lock or a CAS per slot), and a gap is what the engine's safety
//! logic understands: it pauses the pump on stale data and resumes after good data.
//! Keeping the oldest also keeps what the engine has not seen yet in order, so its
//! filters never see a sample twice or out of order. A gap still unannounced when the
//! stream ends is handed over at close (no slot needed) and processed after the last
//! queued sample.

use super::latency::Clock;
use super::stats::ProducerCounters;
use super::Shared;
use letdown_engine::Sample;
use ringbuf::traits::{Observer, Producer};
use ringbuf::{HeapProd, HeapRb};
use std::sync::atomic::{fence, Ordering};
use std::sync::Arc;
use std::thread::Thread;

/// Samples one slot of the queue holds (the design's block size: a push of 32 samples is
/// one slot).
pub const SLOT_SAMPLES: usize = 32;

/// One slot of the queue: what one push (or one 32-sample piece of a longer push)
/// delivered, with its header.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Slot {
    /// When the block arrived, ns on the pipeline's [`Clock`].
    pub(crate) arrival_ns: u64,
    /// Samples lost (overrun or reported missing) just before this slot's samples.
    pub(crate) missing_before: u64,
    /// Samples in use (0 for a slot that only carries a gap), ≤ [`SLOT_SAMPLES`].
    len: u32,
    samples: [Sample; SLOT_SAMPLES],
}

impl Slot {
    /// A slot holding `chunk` (at most [`SLOT_SAMPLES`] samples).
    #[inline]
    fn new(chunk: &[Sample], arrival_ns: u64, missing_before: u64) -> Self {
        // A full chunk is copied straight in; a short one after zeroing the rest.
        if let Ok(full) = <&[Sample; SLOT_SAMPLES]>::try_from(chunk) {
            return Self {
                arrival_ns,
                missing_before,
                len: SLOT_SAMPLES as u32,
                samples: *full,
            };
        }
        let mut slot = Self {
            arrival_ns,
            missing_before,
            len: chunk.len() as u32,
            samples: [Sample::default(); SLOT_SAMPLES],
        };
        slot.samples[..chunk.len()].copy_from_slice(chunk);
        slot
    }

    /// The samples it carries.
    #[inline]
    pub(crate) fn samples(&self) -> &[Sample] {
        // `len ≤ SLOT_SAMPLES` by construction; the bound check is one compare.
        &self.samples[..self.len as usize]
    }
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
    queue: HeapProd<Slot>,
    shared: Arc<Shared>,
    clock: Clock,
    /// Samples lost since the last slot, to announce in the next one.
    pending_missing: u64,
    /// This side's counters, kept here and stored (not read back) into the shared ones,
    /// so a push never loads a shared line.
    samples_in: u64,
    overruns: u64,
    overrun_events: u64,
    missing: u64,
    /// The engine thread, unparked at the end of the stream (and after a push with
    /// `WaitStrategy::Park`).
    engine_thread: Thread,
    /// Whether a push unparks a sleeping engine thread (`WaitStrategy::Park`).
    unpark_on_push: bool,
}

/// The ring for a queue of `capacity` samples (`capacity / 32` slots, rounded up, at
/// least 2), before it is split between the two threads.
pub(crate) fn ring(capacity: usize) -> HeapRb<Slot> {
    HeapRb::new(slots_for(capacity))
}

/// Slots of a queue of `capacity` samples.
pub(crate) fn slots_for(capacity: usize) -> usize {
    capacity.div_ceil(SLOT_SAMPLES).max(2)
}

impl SensorProducer {
    pub(crate) fn new(
        queue: HeapProd<Slot>,
        shared: Arc<Shared>,
        clock: Clock,
        engine_thread: Thread,
        unpark_on_push: bool,
    ) -> Self {
        Self {
            queue,
            shared,
            clock,
            pending_missing: 0,
            samples_in: 0,
            overruns: 0,
            overrun_events: 0,
            missing: 0,
            engine_thread,
            unpark_on_push,
        }
    }

    /// The pipeline's clock (for time stamps given to [`push_at`](Self::push_at)).
    pub fn clock(&self) -> Clock {
        self.clock
    }

    /// Room left in the queue, samples: free slots × [`SLOT_SAMPLES`], the longest push
    /// that fits whole (a shorter push still takes a whole slot).
    pub fn vacant_len(&self) -> usize {
        self.queue.vacant_len() * SLOT_SAMPLES
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
        if dropped > 0 {
            self.overrun(dropped);
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

    /// Takes the next push's cache misses ahead of time, for a producer that knows when
    /// its next block is due (a timer-paced sensor read; the paced feed of `letdown
    /// latency` calls it as it starts its final spin before a block). Through the push's
    /// own code it writes a slot of zeros into the next free place of the ring without
    /// publishing it (the engine thread never sees it; the next push overwrites it), and
    /// stores the ring's write index and this side's sample count again unchanged, so
    /// the push that follows finds the slot's cache lines, the ring's bookkeeping and its
    /// code hot. A thread that slept since its last block otherwise pays those misses
    /// inside the push: p50 about 2 µs cold against 0.2 µs warm at 1 kHz in blocks of 32
    /// on the 2-vCPU virtual machines this was measured on (`letdown latency --cold` and
    /// `letdown latency`). A sensor interrupt on a cacheless microcontroller has no such
    /// cost to move. It warms the path of pushes of up to [`SLOT_SAMPLES`] samples (one
    /// slot); a longer push takes another path and finds only its first slot warm. Never
    /// blocks, no syscall, no allocation; does nothing to a full ring.
    pub fn warm(&mut self) {
        self.write_slot(&[Sample::default(); SLOT_SAMPLES], 0, false);
        self.queue.push_iter(core::iter::empty());
        self.counters()
            .samples_in
            .store(self.samples_in, Ordering::Relaxed);
    }

    /// The user's new settings (the firmware reports a change): validated here, then
    /// handed to the engine thread, which applies them
    /// ([`Engine::set_user_settings`](letdown_engine::Engine::set_user_settings)) before it
    /// processes any sample pushed after this call (possibly a few queued samples
    /// earlier). Refused with the first field out of range, and then nothing changes.
    /// No lock, no allocation, no syscall.
    pub fn set_user_settings(
        &mut self,
        settings: letdown_engine::UserSettings,
    ) -> Result<(), letdown_engine::SettingsError> {
        settings.validate()?;
        self.shared.settings.publish(&settings);
        Ok(())
    }

    /// Reports `n` samples that never arrived (a sensor dropout); the engine processes
    /// them as a gap before the next pushed sample.
    pub fn report_missing(&mut self, n: u64) {
        self.missing = self.missing.saturating_add(n);
        self.counters()
            .missing
            .store(self.missing, Ordering::Relaxed);
        self.pending_missing = self.pending_missing.saturating_add(n);
    }

    /// Ends the stream (the same as dropping the producer): the engine thread processes
    /// every sample still queued, then stops.
    pub fn close(self) {}

    fn counters(&self) -> &ProducerCounters {
        &self.shared.counters.producer.0
    }

    #[cold]
    #[inline(never)]
    fn overrun(&mut self, dropped: usize) {
        self.overruns += dropped as u64;
        self.overrun_events += 1;
        let (overruns, events) = (self.overruns, self.overrun_events);
        let c = self.counters();
        c.overruns.store(overruns, Ordering::Relaxed);
        c.overrun_events.store(events, Ordering::Relaxed);
        self.pending_missing = self.pending_missing.saturating_add(dropped as u64);
    }

    /// Queues what fits, whole slots, behind the pending gap. Returns the samples queued.
    #[inline]
    fn enqueue(&mut self, samples: &[Sample], arrival_ns: u64) -> usize {
        if samples.len() > SLOT_SAMPLES {
            return self.enqueue_slots(samples, arrival_ns);
        }
        if samples.is_empty() && self.pending_missing == 0 {
            return 0;
        }
        if !self.write_slot(samples, arrival_ns, true) {
            return 0;
        }
        self.pending_missing = 0;
        self.queued(samples.len());
        samples.len()
    }

    /// Builds the slot for `samples` (≤ 32) behind the pending gap and, with `publish`,
    /// queues it; without, writes it into the next free place unpublished (see
    /// [`warm`](Self::warm): the same code, so a warm-up runs what the push will). Returns
    /// whether there was room.
    #[inline(never)]
    fn write_slot(&mut self, samples: &[Sample], arrival_ns: u64, publish: bool) -> bool {
        let slot = Slot::new(samples, arrival_ns, self.pending_missing);
        if publish {
            // Checks for room against the cached read index; loads the engine thread's
            // only when the ring looks full.
            return self.queue.try_push(slot).is_ok();
        }
        match self.queue.vacant_slices_mut().0.first_mut() {
            Some(place) => {
                place.write(slot);
                true
            }
            None => false,
        }
    }

    /// A push longer than one slot: as many whole slots as fit, published together.
    #[inline(never)]
    fn enqueue_slots(&mut self, samples: &[Sample], arrival_ns: u64) -> usize {
        let mut missing = self.pending_missing;
        // `push_iter` takes an item only when it has a place for it.
        let slots = self
            .queue
            .push_iter(samples.chunks(SLOT_SAMPLES).map(|chunk| {
                let slot = Slot::new(chunk, arrival_ns, missing);
                missing = 0;
                slot
            }));
        if slots == 0 {
            return 0;
        }
        self.pending_missing = 0;
        let accepted = samples.len().min(slots * SLOT_SAMPLES);
        self.queued(accepted);
        accepted
    }

    #[inline]
    fn queued(&mut self, n: usize) {
        self.samples_in += n as u64;
        self.shared
            .counters
            .producer
            .0
            .samples_in
            .store(self.samples_in, Ordering::Relaxed);
        self.wake_engine();
    }

    /// With `WaitStrategy::Park`: unparks the engine thread if it announced it sleeps.
    #[inline]
    fn wake_engine(&self) {
        if self.unpark_on_push {
            // Pairs with the fence in the engine's park: either it sees our slot on its
            // re-check, or we see its `sleeping` flag here (Dekker's pattern).
            fence(Ordering::SeqCst);
            if self.shared.sleeping.load(Ordering::Relaxed) {
                self.engine_thread.unpark();
            }
        }
    }
}

impl Drop for SensorProducer {
    fn drop(&mut self) {
        // A gap not yet announced goes with the end of the stream: the engine thread
        // processes it after the last queued slot. Release (below): every push and this
        // store happen-before the engine thread's Acquire load that sees `closed`, so its
        // final drain finds them all.
        self.shared
            .trailing_missing
            .store(self.pending_missing, Ordering::Relaxed);
        self.pending_missing = 0;
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

//! Feeding a pipeline from a recorded input: paced by the clock like a sensor, or flat
//! out for throughput: the measurement harness of `letdown latency` (beside it in this crate),
//! the benchmarks and the pipeline's tests.
//!
//! A paced feed hands block `k` to the producer at `start + k·block/rate`, stamped with
//! that scheduled time (so a late feed or a blocking push shows up in the latency rather
//! than delaying the clock it is measured from: no coordinated omission). To keep its
//! own lateness out of the figures, the feeding thread sleeps until `spin_guard` before
//! each block is due and spins the rest of the way, as a sensor interrupt would fire on
//! time; its remaining lateness is reported apart. A warm feed ([`Warmth::Warm`]) also
//! warms the sink ([`SampleSink::warm`]) and reads the block's samples as it starts to
//! spin, the way a real-time producer that knows its next deadline keeps its path hot;
//! a cold one pushes straight after waking, and so measures the cache misses of a thread
//! that slept since its last block.
//!
//! A flat-out feed offers each block until the queue takes it. While a queue is full it
//! backs off ([`Backoff`]: spin, `sched_yield`, then short sleeps) instead of spinning:
//! on a loaded machine a spinning feed holds a core that the engine thread, the only one
//! that can make room, is waiting for.

use crate::baseline::BaselineProducer;
use hdrhistogram::Histogram;
use letdown_engine::Sample;
use letdown_pipeline::{new_histogram, tighten_timer_slack, Clock, SensorProducer};
use std::time::Duration;

/// Something a feed pushes blocks into: the pipeline's producer or the baseline's.
pub trait SampleSink {
    /// The clock arrival times are on.
    fn clock(&self) -> Clock;
    /// Queues a block that arrived at `arrival_ns`; returns the samples dropped.
    fn push_at(&mut self, samples: &[Sample], arrival_ns: u64) -> usize;
    /// Queues what fits of a block; returns the samples queued (the caller retries the
    /// rest).
    fn try_push_at(&mut self, samples: &[Sample], arrival_ns: u64) -> usize;
    /// Brings what a push of `next` touches into this core's caches without queueing
    /// anything (called by a warm paced feed shortly before `next` is due).
    fn warm(&mut self, next: &[Sample]);
}

/// Whether a paced feed warms its sink before each block (see the module docs).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Warmth {
    /// Warm the sink and read the block as the final spin starts.
    Warm,
    /// Push straight after waking.
    Cold,
}

impl SampleSink for SensorProducer {
    fn clock(&self) -> Clock {
        SensorProducer::clock(self)
    }
    fn push_at(&mut self, samples: &[Sample], arrival_ns: u64) -> usize {
        SensorProducer::push_at(self, samples, arrival_ns).dropped
    }
    fn try_push_at(&mut self, samples: &[Sample], arrival_ns: u64) -> usize {
        SensorProducer::try_push_at(self, samples, arrival_ns)
    }
    fn warm(&mut self, _next: &[Sample]) {
        SensorProducer::warm(self);
    }
}

impl SampleSink for BaselineProducer {
    fn clock(&self) -> Clock {
        BaselineProducer::clock(self)
    }
    fn push_at(&mut self, samples: &[Sample], arrival_ns: u64) -> usize {
        BaselineProducer::push_at(self, samples, arrival_ns).dropped
    }
    fn try_push_at(&mut self, samples: &[Sample], arrival_ns: u64) -> usize {
        BaselineProducer::try_push_at(self, samples, arrival_ns)
    }
    fn warm(&mut self, next: &[Sample]) {
        BaselineProducer::warm(self, next);
    }
}

/// What a feed measured on its side.
#[derive(Clone, Debug)]
pub struct FeedReport {
    /// Duration of each push call, ns.
    pub push: Histogram<u64>,
    /// Paced feeds: how late each push started after its block was due, ns (the feeding
    /// thread's own wake-up; empty for unpaced feeds).
    pub lateness: Histogram<u64>,
    /// Samples offered.
    pub samples: u64,
    /// Samples dropped by the sink (overruns).
    pub dropped: u64,
    /// From the first push to the end of the last.
    pub elapsed: Duration,
}

impl FeedReport {
    fn new() -> Self {
        Self {
            push: new_histogram(),
            lateness: new_histogram(),
            samples: 0,
            dropped: 0,
            elapsed: Duration::ZERO,
        }
    }
}

/// Feeds `input` in blocks of `block` samples at `rate_hz`, in real time (see the module
/// docs). The calling thread's timer slack is set to 1 ns for the duration.
pub fn feed_paced(
    sink: &mut impl SampleSink,
    input: &[Sample],
    rate_hz: f64,
    block: usize,
    spin_guard: Duration,
    warmth: Warmth,
) -> FeedReport {
    tighten_timer_slack();
    let clock = sink.clock();
    let block = block.max(1);
    let period_ns = block as f64 * 1e9 / rate_hz;
    let mut report = FeedReport::new();
    // First block due 1 ms from now, so the first wait is like every other.
    let start_ns = clock.now_ns() + 1_000_000;
    for (k, chunk) in input.chunks(block).enumerate() {
        let due_ns = start_ns + (k as f64 * period_ns) as u64;
        sleep_until(&clock, due_ns, spin_guard);
        // A feed that woke late pushes at once: a warm-up now would only delay the push.
        if warmth == Warmth::Warm && clock.now_ns() < due_ns {
            sink.warm(chunk);
            read(chunk);
        }
        while clock.now_ns() < due_ns {
            core::hint::spin_loop();
        }
        let t0 = clock.now_ns();
        report.dropped += sink.push_at(chunk, due_ns) as u64;
        let t1 = clock.now_ns();
        report.push.saturating_record(t1 - t0);
        report.lateness.saturating_record(t0.saturating_sub(due_ns));
        report.samples += chunk.len() as u64;
    }
    report.elapsed = Duration::from_nanos(clock.now_ns().saturating_sub(start_ns));
    report
}

/// Feeds `input` in blocks of `block` samples as fast as the sink takes them: a replay,
/// not a sensor, so nothing is dropped; what a full queue did not take is offered again
/// after a back-off (see [`Backoff`]) that gives the CPU away rather than spin against a
/// descheduled engine thread. Each block is stamped with the time it was first offered;
/// each attempt's duration is recorded (a second clock read only after a back-off). The
/// calling thread's timer slack is set to 1 ns, so the back-off's sleeps are short.
pub fn feed_unpaced(sink: &mut impl SampleSink, input: &[Sample], block: usize) -> FeedReport {
    tighten_timer_slack();
    let clock = sink.clock();
    let mut report = FeedReport::new();
    let start_ns = clock.now_ns();
    let mut t0 = start_ns;
    let mut backoff = Backoff::new();
    for chunk in input.chunks(block.max(1)) {
        let arrival_ns = t0;
        let mut rest = chunk;
        loop {
            let n = sink.try_push_at(rest, arrival_ns);
            let t1 = clock.now_ns();
            report.push.saturating_record(t1.saturating_sub(t0));
            t0 = t1;
            rest = &rest[n..];
            if rest.is_empty() {
                break;
            }
            if n > 0 {
                backoff.reset();
            }
            backoff.wait();
            t0 = clock.now_ns();
        }
        backoff.reset();
        report.samples += chunk.len() as u64;
    }
    report.elapsed = Duration::from_nanos(t0.saturating_sub(start_ns));
    report
}

/// How a flat-out feed waits for room in a full queue: 16 spin-loop hints (the engine
/// thread frees a batch of slots within microseconds when it runs), then 64
/// `sched_yield`s (tens of µs: a thread waiting for this core, perhaps the engine thread
/// itself, runs), then sleeps of 20 µs doubling up to 320 µs (the engine thread has been
/// off its core for a while; the feed leaves this one free; a queue of
/// [`REPLAY_CAPACITY`](letdown_pipeline::REPLAY_CAPACITY) samples still holds work for it when the
/// feed wakes). Back to the first step whenever the queue took something.
#[derive(Clone, Copy, Debug, Default)]
pub struct Backoff {
    step: u32,
}

impl Backoff {
    const SPINS: u32 = 16;
    const YIELDS: u32 = 64;
    const FIRST_SLEEP_US: u64 = 20;
    const MAX_SLEEP_US: u64 = 320;

    /// A back-off at its first step.
    pub fn new() -> Self {
        Self { step: 0 }
    }

    /// Back to the first step (after progress).
    #[inline]
    pub fn reset(&mut self) {
        self.step = 0;
    }

    /// Waits one step and moves to the next.
    pub fn wait(&mut self) {
        let step = self.step;
        self.step = self.step.saturating_add(1);
        if step < Self::SPINS {
            core::hint::spin_loop();
        } else if step < Self::SPINS + Self::YIELDS {
            std::thread::yield_now();
        } else {
            let doublings = (step - Self::SPINS - Self::YIELDS).min(16);
            let us = (Self::FIRST_SLEEP_US << doublings).min(Self::MAX_SLEEP_US);
            std::thread::sleep(Duration::from_micros(us));
        }
    }
}

/// Sleeps until `guard` before `due_ns`.
fn sleep_until(clock: &Clock, due_ns: u64, guard: Duration) {
    let guard_ns = u64::try_from(guard.as_nanos()).unwrap_or(u64::MAX);
    let now = clock.now_ns();
    let wake_ns = due_ns.saturating_sub(guard_ns);
    if now < wake_ns {
        std::thread::sleep(Duration::from_nanos(wake_ns - now));
    }
}

/// Reads every sample of `chunk`, so its cache lines are loaded before the push copies it.
fn read(chunk: &[Sample]) {
    let sum = chunk
        .iter()
        .fold(0.0f32, |acc, s| acc + s.pressure_mmhg + s.flow_ml_min);
    core::hint::black_box(sum);
}

//! Time stamps and latency histograms.
//!
//! Every time in the pipeline is a `u64` of nanoseconds on one monotonic [`Clock`] (an
//! epoch taken when the pipeline starts; reading it is a vDSO call, not a syscall). Histograms are HdrHistograms created with their bounds up front
//! ([`new_histogram`]) and recorded with saturating calls, so recording never allocates
//! and never fails: a value beyond [`HIGHEST_NS`] is counted as `HIGHEST_NS`.

use hdrhistogram::Histogram;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
#[cfg(not(target_os = "linux"))]
use std::time::Instant;

/// Highest value a histogram tells apart, ns (10 s). Larger values are recorded as this.
pub const HIGHEST_NS: u64 = 10_000_000_000;
/// Significant decimal digits a histogram keeps: 3, i.e. every value within 0.1 %.
pub const SIGNIFICANT_DIGITS: u8 = 3;

/// A latency histogram in nanoseconds, 1 ns … 10 s at 3 significant digits (about
/// 180 KiB, allocated here once).
pub fn new_histogram() -> Histogram<u64> {
    // The bounds are constants that satisfy hdrhistogram's rules (low ≥ 1,
    // high ≥ 2·low, digits ≤ 5), so creation cannot fail.
    Histogram::new_with_bounds(1, HIGHEST_NS, SIGNIFICANT_DIGITS)
        .expect("constant histogram bounds are valid")
}

/// The pipeline's monotonic clock: nanoseconds since its epoch.
///
/// On Linux it reads `CLOCK_MONOTONIC` (the clock behind `Instant`) through
/// `rustix::time::clock_gettime` (libc's, a vDSO call) and subtracts the epoch in
/// nanoseconds: two integer operations, where `Instant` arithmetic costs about 40
/// instructions per read (`Timespec::sub_timespec`, `Duration` normalisation; callgrind,
/// `benches/callgrind.sh`), and the pipeline reads the clock once per push and once per
/// block. Elsewhere it falls back to `Instant`.
#[derive(Clone, Copy, Debug)]
pub struct Clock {
    #[cfg(target_os = "linux")]
    epoch_ns: u64,
    #[cfg(not(target_os = "linux"))]
    epoch: Instant,
}

impl Clock {
    /// A clock whose zero is now.
    pub fn new() -> Self {
        Self {
            #[cfg(target_os = "linux")]
            epoch_ns: monotonic_ns(),
            #[cfg(not(target_os = "linux"))]
            epoch: Instant::now(),
        }
    }

    /// Nanoseconds since the epoch.
    #[inline]
    pub fn now_ns(&self) -> u64 {
        #[cfg(target_os = "linux")]
        {
            monotonic_ns().saturating_sub(self.epoch_ns)
        }
        #[cfg(not(target_os = "linux"))]
        {
            let d = self.epoch.elapsed();
            // 2⁶⁴ ns is 584 years: no overflow for a pipeline's lifetime.
            d.as_secs()
                .wrapping_mul(1_000_000_000)
                .wrapping_add(u64::from(d.subsec_nanos()))
        }
    }
}

/// `CLOCK_MONOTONIC` in nanoseconds (since boot: far from overflowing a `u64`).
#[cfg(target_os = "linux")]
#[inline]
fn monotonic_ns() -> u64 {
    let t = rustix::time::clock_gettime(rustix::time::ClockId::Monotonic);
    // Monotonic time is never negative; `tv_nsec` is below 10⁹.
    (t.tv_sec as u64)
        .wrapping_mul(1_000_000_000)
        .wrapping_add(t.tv_nsec as u64)
}

impl Default for Clock {
    fn default() -> Self {
        Self::new()
    }
}

/// The percentiles this project reports (DESIGN §6), in nanoseconds.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Percentiles {
    /// Number of values recorded.
    pub count: u64,
    /// Median, ns.
    pub p50_ns: u64,
    /// 99th percentile, ns.
    pub p99_ns: u64,
    /// 99.9th percentile, ns.
    pub p999_ns: u64,
    /// 99.99th percentile, ns.
    pub p9999_ns: u64,
    /// Largest value, ns.
    pub max_ns: u64,
}

impl Percentiles {
    /// The percentiles of `h` (all zero when it is empty). Walks the histogram's buckets
    /// once; does not allocate.
    pub fn of(h: &Histogram<u64>) -> Self {
        if h.is_empty() {
            return Self::default();
        }
        let mut q = h.value_at_quantiles([0.5, 0.99, 0.999, 0.9999]);
        let mut next = || q.next().unwrap_or(0);
        Self {
            count: h.len(),
            p50_ns: next(),
            p99_ns: next(),
            p999_ns: next(),
            p9999_ns: next(),
            max_ns: h.max(),
        }
    }

    /// The values in the order p50, p99, p99.9, p99.99, max.
    pub fn values_ns(&self) -> [u64; 5] {
        [
            self.p50_ns,
            self.p99_ns,
            self.p999_ns,
            self.p9999_ns,
            self.max_ns,
        ]
    }
}

/// Buckets of a [`LiveHistogram`]: values 0 … 7 exactly, then 8 per power of two up to
/// 2³⁴ ns (17 s, above [`HIGHEST_NS`]).
const LIVE_BUCKETS: usize = 8 * 33;

/// A coarse histogram one thread records into and any thread reads while it runs, for
/// the live percentiles of [`EngineHandle::stats`](super::EngineHandle::stats): 8
/// buckets per power of two (a value is known within 12.5 %), one `AtomicU64` each,
/// written only by the recording thread with a plain load and store (a dozen
/// instructions per record, no read-modify-write), read by a reader without stopping
/// it. A reader racing the writer sees some records and not others (telemetry, not
/// accounting); the exact figures are in the hdrhistograms.
pub(crate) struct LiveHistogram {
    counts: [AtomicU64; LIVE_BUCKETS],
    max: AtomicU64,
}

impl Default for LiveHistogram {
    fn default() -> Self {
        Self {
            counts: core::array::from_fn(|_| AtomicU64::new(0)),
            max: AtomicU64::new(0),
        }
    }
}

impl core::fmt::Debug for LiveHistogram {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("LiveHistogram")
            .field("percentiles", &self.percentiles())
            .finish()
    }
}

impl LiveHistogram {
    /// The bucket of `v` (clamped to [`HIGHEST_NS`]).
    #[inline]
    fn index(v: u64) -> usize {
        let v = v.min(HIGHEST_NS);
        if v < 8 {
            return v as usize;
        }
        // The leading one at bit e ≥ 3; the three bits below it pick one of 8 buckets.
        let e = 63 - v.leading_zeros();
        let m = (v >> (e - 3)) & 7;
        ((e - 2) * 8) as usize + m as usize
    }

    /// The largest value of bucket `i`.
    fn upper(i: usize) -> u64 {
        if i < 8 {
            return i as u64;
        }
        let (e, m) = (i / 8 + 2, (i % 8) as u64);
        ((8 + m + 1) << (e - 3)) - 1
    }

    /// Adds `n` values `v`. Only one thread may record.
    #[inline]
    pub(crate) fn record_n(&self, v: u64, n: u64) {
        let c = &self.counts[Self::index(v)];
        c.store(c.load(Relaxed).wrapping_add(n), Relaxed);
        if v > self.max.load(Relaxed) {
            self.max.store(v, Relaxed);
        }
    }

    /// The percentiles of what has been recorded so far, each the largest value of its
    /// bucket (at most 12.5 % above the true one) and never above the maximum; count and
    /// maximum exact.
    pub(crate) fn percentiles(&self) -> Percentiles {
        let counts: [u64; LIVE_BUCKETS] = core::array::from_fn(|i| self.counts[i].load(Relaxed));
        let max = self.max.load(Relaxed);
        let total: u64 = counts.iter().sum();
        if total == 0 {
            return Percentiles::default();
        }
        let target = |q: f64| ((q * total as f64).ceil() as u64).clamp(1, total);
        let targets = [target(0.5), target(0.99), target(0.999), target(0.9999)];
        let mut values = [0u64; 4];
        let (mut k, mut cumulative) = (0, 0u64);
        for (i, &c) in counts.iter().enumerate() {
            cumulative += c;
            while k < 4 && cumulative >= targets[k] {
                values[k] = Self::upper(i).min(max);
                k += 1;
            }
            if k == 4 {
                break;
            }
        }
        Percentiles {
            count: total,
            p50_ns: values[0],
            p99_ns: values[1],
            p999_ns: values[2],
            p9999_ns: values[3],
            max_ns: max,
        }
    }
}

/// [`Percentiles`] published by one thread for others to read (the engine thread's exact
/// figures, stored once at the end before it sets `finished`). Each field is read
/// atomically on its own.
#[derive(Debug, Default)]
pub(crate) struct AtomicPercentiles {
    fields: [AtomicU64; 6],
}

impl AtomicPercentiles {
    pub(crate) fn store(&self, p: &Percentiles) {
        let values = [p.count, p.p50_ns, p.p99_ns, p.p999_ns, p.p9999_ns, p.max_ns];
        for (field, v) in self.fields.iter().zip(values) {
            field.store(v, Relaxed);
        }
    }

    pub(crate) fn load(&self) -> Percentiles {
        let v = |i: usize| self.fields[i].load(Relaxed);
        Percentiles {
            count: v(0),
            p50_ns: v(1),
            p99_ns: v(2),
            p999_ns: v(3),
            p9999_ns: v(4),
            max_ns: v(5),
        }
    }
}

/// The engine thread's histograms, all created before the thread starts.
#[derive(Clone, Debug)]
pub struct LatencyHistograms {
    /// Per sample: arrival (the producer's time stamp) → end of the processing of the
    /// block it came in, ns. The end is read once per block, so a sample's figure is an
    /// upper bound (it includes the rest of its block's processing).
    pub sample: Histogram<u64>,
    /// Per event: arrival of the sample that caused it → the hint's `try_send`, ns.
    pub hint: Histogram<u64>,
    /// Per slot taken from the queue (one push of up to 32 samples; the baseline: per
    /// batch it takes): time spent processing it, ns. The first slot of each look at the
    /// queue is timed from the start of that look.
    pub block: Histogram<u64>,
}

impl LatencyHistograms {
    /// Empty histograms with their bounds.
    pub fn new() -> Self {
        Self {
            sample: new_histogram(),
            hint: new_histogram(),
            block: new_histogram(),
        }
    }
}

impl Default for LatencyHistograms {
    fn default() -> Self {
        Self::new()
    }
}

//! Time stamps and latency histograms.
//!
//! Every time in the pipeline is a `u64` of nanoseconds on one monotonic [`Clock`] (an
//! `Instant` epoch taken when the pipeline starts; reading it is a vDSO call, not a
//! syscall). Histograms are HdrHistograms created with their bounds up front
//! ([`new_histogram`]) and recorded with saturating calls, so recording never allocates
//! and never fails: a value beyond [`HIGHEST_NS`] is counted as `HIGHEST_NS`.

use hdrhistogram::Histogram;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};
use std::time::{Duration, Instant};

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
#[derive(Clone, Copy, Debug)]
pub struct Clock {
    epoch: Instant,
}

impl Clock {
    /// A clock whose zero is now.
    pub fn new() -> Self {
        Self {
            epoch: Instant::now(),
        }
    }

    /// Nanoseconds since the epoch.
    #[inline]
    pub fn now_ns(&self) -> u64 {
        self.ns_at(Instant::now())
    }

    /// `t` in nanoseconds since the epoch (0 for instants before it).
    #[inline]
    pub fn ns_at(&self, t: Instant) -> u64 {
        u64::try_from(t.saturating_duration_since(self.epoch).as_nanos()).unwrap_or(u64::MAX)
    }

    /// The instant `ns` nanoseconds after the epoch.
    pub fn instant_at(&self, ns: u64) -> Instant {
        self.epoch + Duration::from_nanos(ns)
    }
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

/// [`Percentiles`] published by one thread for others to read while it runs. Each field
/// is read atomically on its own; a reader racing a publication may mix two
/// publications' fields (telemetry, not accounting).
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
    /// Per block taken from the queue: time spent processing it, ns.
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

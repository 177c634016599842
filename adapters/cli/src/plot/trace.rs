//! What a session picture shows, recorded while the session runs: the sensor readings
//! reduced to 10 ms buckets (lowest and highest reading of each channel, so pump cycles
//! survive the reduction), the engine's cycle-mean flow and baseline at each bucket, the
//! engine's events, and the labelled ejections.
//!
//! Memory: 10 ms buckets are 100 per second of session (about 3 MB for 15 minutes),
//! whatever the sample rate; `--from/--to` keeps only that span. A span too long for
//! [`MAX_BUCKETS`] is recorded coarser: whenever the buckets fill up, neighbours are
//! merged in pairs and the bucket length doubles, so a day-long session costs no more
//! than 43 minutes (a picture is a few thousand pixels wide: it loses nothing).

use letdown_datasets::labels::Ejection;
use letdown_engine::{Engine, Event, Sample};
use std::ops::Range;

/// Length of one recorded bucket, s (at least one sample), while the span fits.
pub const BUCKET_S: f64 = 0.01;
/// Most buckets kept (32 bytes each: 8 MiB).
pub const MAX_BUCKETS: usize = 1 << 18;

/// The lowest and highest finite value seen, or empty.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Span {
    /// Lowest value.
    pub min: f32,
    /// Highest value.
    pub max: f32,
}

impl Span {
    /// No value yet.
    pub const EMPTY: Span = Span {
        min: f32::INFINITY,
        max: f32::NEG_INFINITY,
    };

    /// Whether no value was added.
    pub fn is_empty(&self) -> bool {
        self.min > self.max
    }

    /// Widens the span to `value` (non-finite values are ignored).
    pub fn add(&mut self, value: f32) {
        if value.is_finite() {
            self.min = self.min.min(value);
            self.max = self.max.max(value);
        }
    }

    /// The span covering both.
    pub fn merge(self, other: Span) -> Span {
        Span {
            min: self.min.min(other.min),
            max: self.max.max(other.max),
        }
    }
}

/// One bucket of the recording.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Bucket {
    /// Start of the bucket, s since session start.
    pub t_s: f64,
    /// Pressure readings, mmHg (empty when every sample was missing).
    pub pressure_mmhg: Span,
    /// Flow readings, mL/min (empty when every sample was missing).
    pub flow_ml_min: Span,
    /// The engine's cycle-mean flow at the bucket's start, mL/min.
    pub engine_flow_ml_min: f32,
    /// The engine's zero-flow baseline at the bucket's start, mL/min.
    pub engine_baseline_ml_min: f32,
}

/// Records the buckets of one session between `from_s` and `to_s`.
#[derive(Clone, Debug)]
pub struct TraceRecorder {
    rate_hz: f64,
    bucket_len: u64,
    from_index: u64,
    to_index: u64,
    current: Option<(u64, Bucket)>,
    buckets: Vec<Bucket>,
}

impl TraceRecorder {
    /// A recorder for a stream at `rate_hz` (Hz, > 0) keeping `[from_s, to_s)` (s; `None`
    /// = to the end).
    pub fn new(rate_hz: f64, from_s: f64, to_s: Option<f64>) -> Self {
        let index = |t: f64| (t.max(0.0) * rate_hz).round() as u64;
        Self {
            rate_hz,
            bucket_len: ((BUCKET_S * rate_hz).round() as u64).max(1),
            from_index: index(from_s),
            to_index: to_s.map_or(u64::MAX, index),
            current: None,
            buckets: Vec::new(),
        }
    }

    /// Records sample `index` (`None` = missing) after the engine has processed it.
    /// Indices must come in increasing order.
    pub fn record(&mut self, index: u64, sample: Option<Sample>, engine: &Engine) {
        if index < self.from_index || index >= self.to_index {
            return;
        }
        let fresh = !matches!(self.current, Some((n, _)) if n == index / self.bucket_len);
        if fresh {
            if let Some((_, done)) = self.current.take() {
                self.push(done);
            }
            // Pushing may have coarsened the buckets: the last one may take this sample.
            let number = index / self.bucket_len;
            let resumed = self
                .buckets
                .last()
                .is_some_and(|b| self.number(b) == number);
            let bucket = match self.buckets.pop() {
                Some(last) if resumed => last,
                last => {
                    self.buckets.extend(last);
                    let snapshot = engine.snapshot();
                    Bucket {
                        t_s: (number * self.bucket_len) as f64 / self.rate_hz,
                        pressure_mmhg: Span::EMPTY,
                        flow_ml_min: Span::EMPTY,
                        engine_flow_ml_min: snapshot.flow_ml_min,
                        engine_baseline_ml_min: snapshot.baseline_ml_min,
                    }
                }
            };
            self.current = Some((number, bucket));
        }
        if let (Some((_, bucket)), Some(s)) = (self.current.as_mut(), sample) {
            bucket.pressure_mmhg.add(s.pressure_mmhg);
            bucket.flow_ml_min.add(s.flow_ml_min);
        }
    }

    /// Records the samples of `gap` as missing: the same buckets as recording each, but
    /// visiting only the first sample of each bucket (the others change nothing), so a
    /// long gap costs its buckets, not its samples.
    pub fn record_gap(&mut self, gap: Range<u64>, engine: &Engine) {
        let end = gap.end.min(self.to_index);
        let mut index = gap.start.max(self.from_index);
        while index < end {
            self.record(index, None, engine);
            // Read after `record`: recording may have lengthened the buckets.
            index = (index / self.bucket_len + 1) * self.bucket_len;
        }
    }

    /// The number of the bucket starting at `b.t_s` at the current bucket length.
    fn number(&self, b: &Bucket) -> u64 {
        // `t_s` is `number × length / rate`: the small margin absorbs its rounding.
        (b.t_s * self.rate_hz / self.bucket_len as f64 + 1e-6).floor() as u64
    }

    /// Adds a finished bucket, first halving the resolution when [`MAX_BUCKETS`] are kept.
    fn push(&mut self, done: Bucket) {
        if self.buckets.len() == MAX_BUCKETS {
            self.bucket_len *= 2;
            let buckets = std::mem::take(&mut self.buckets);
            for b in buckets {
                self.merge_in(b);
            }
        }
        self.merge_in(done);
    }

    /// Appends `b`, or widens the last bucket with it when both have the same number;
    /// the first of the merged keeps its start and engine values.
    fn merge_in(&mut self, b: Bucket) {
        let number = self.number(&b);
        let same = self
            .buckets
            .last()
            .is_some_and(|last| self.number(last) == number);
        match self.buckets.last_mut() {
            Some(last) if same => {
                last.pressure_mmhg = last.pressure_mmhg.merge(b.pressure_mmhg);
                last.flow_ml_min = last.flow_ml_min.merge(b.flow_ml_min);
            }
            _ => self.buckets.push(Bucket {
                t_s: (number * self.bucket_len) as f64 / self.rate_hz,
                ..b
            }),
        }
    }

    /// Length of one bucket, s.
    pub fn bucket_s(&self) -> f64 {
        self.bucket_len as f64 / self.rate_hz
    }

    /// The recorded buckets, in time order.
    pub fn finish(mut self) -> Vec<Bucket> {
        if let Some((_, done)) = self.current.take() {
            self.buckets.push(done);
        }
        self.buckets
    }
}

/// Everything one session picture shows.
#[derive(Clone, Debug)]
pub struct Trace {
    /// The session's name (the picture's title).
    pub name: String,
    /// A line under the title: profile, rate, source.
    pub subtitle: String,
    /// Sample rate, Hz.
    pub rate_hz: f64,
    /// Session length, s.
    pub duration_s: f64,
    /// Start and end of the span shown, s.
    pub from_s: f64,
    /// End of the span shown, s.
    pub to_s: f64,
    /// Length of one bucket, s.
    pub bucket_s: f64,
    /// The readings, in time order.
    pub buckets: Vec<Bucket>,
    /// The labelled ejections (empty when the session has no labels).
    pub labels: Vec<Ejection>,
    /// Every engine event, in order.
    pub events: Vec<Event>,
    /// Onset detections of the flow-threshold baseline, s.
    pub threshold_onsets_s: Vec<f64>,
}

#[cfg(test)]
mod tests {
    use super::*;
    use letdown_engine::EngineConfig;

    #[test]
    fn buckets_keep_lowest_and_highest_reading_and_the_asked_span() {
        let engine = EngineConfig::new(1000.0).build().expect("valid config");
        let mut r = TraceRecorder::new(1000.0, 1.0, Some(2.0));
        for i in 0..3000u64 {
            let s = (i % 7 != 0).then(|| Sample::new(-((i % 10) as f32), (i % 3) as f32));
            r.record(i, s, &engine);
        }
        assert_eq!(r.bucket_s(), 0.01);
        let buckets = r.finish();
        assert_eq!(buckets.len(), 100);
        assert_eq!(buckets[0].t_s, 1.0);
        assert_eq!(
            buckets[0].pressure_mmhg,
            Span {
                min: -9.0,
                max: 0.0
            }
        );
        assert_eq!(buckets[0].flow_ml_min, Span { min: 0.0, max: 2.0 });
        let mut empty = TraceRecorder::new(100.0, 0.0, None);
        empty.record(0, None, &engine);
        assert!(empty.finish()[0].flow_ml_min.is_empty());
    }

    #[test]
    fn a_gap_gives_the_buckets_its_samples_would() {
        // Gaps inside and across the span's ends, one long enough to coarsen the buckets.
        let engine = EngineConfig::new(100.0).build().expect("valid config");
        let long = 3 * MAX_BUCKETS as u64;
        let gaps = [(50, 20), (990, 30), (1_500, long), (long + 1_700, 100)];
        let (from_s, to_s) = (1.0, Some((long + 1_750) as f64 / 100.0));
        let mut per_sample = TraceRecorder::new(100.0, from_s, to_s);
        let mut per_gap = TraceRecorder::new(100.0, from_s, to_s);
        let mut index = 0;
        for (start, missing) in gaps {
            for i in index..start {
                let s = Some(Sample::new(-((i % 10) as f32), (i % 3) as f32));
                per_sample.record(i, s, &engine);
                per_gap.record(i, s, &engine);
            }
            for i in start..start + missing {
                per_sample.record(i, None, &engine);
            }
            per_gap.record_gap(start..start + missing, &engine);
            index = start + missing;
        }
        assert_eq!(per_gap.bucket_s(), per_sample.bucket_s());
        assert!(per_gap.bucket_s() > BUCKET_S);
        // Compared as printed: the engine's flow is NaN before its first cycle.
        let (per_gap, per_sample) = (per_gap.finish(), per_sample.finish());
        assert_eq!(format!("{per_gap:?}"), format!("{per_sample:?}"));
    }

    #[test]
    fn a_span_too_long_for_the_buckets_is_recorded_coarser_with_the_same_extremes() {
        // 100 Hz: one sample a bucket until MAX_BUCKETS, two after one halving, four
        // after two; 2.3 × MAX_BUCKETS samples need two.
        let engine = EngineConfig::new(100.0).build().expect("valid config");
        let n = MAX_BUCKETS as u64 * 23 / 10;
        let value = |i: u64| ((i * 7919) % 1000) as f32;
        let mut r = TraceRecorder::new(100.0, 0.0, None);
        for i in 0..n {
            let s = (i % 5 != 0).then(|| Sample::new(-value(i), value(i + 1)));
            r.record(i, s, &engine);
        }
        assert_eq!(r.bucket_s(), 0.04);
        let buckets = r.finish();
        assert_eq!(buckets.len() as u64, n.div_ceil(4));
        for (k, b) in buckets.iter().enumerate() {
            let k = k as u64;
            assert!((b.t_s - k as f64 * 0.04).abs() < 1e-9, "{k}: {b:?}");
            let mut pressure = Span::EMPTY;
            let mut flow = Span::EMPTY;
            for i in (4 * k..4 * k + 4).filter(|i| i % 5 != 0 && *i < n) {
                pressure.add(-value(i));
                flow.add(value(i + 1));
            }
            assert_eq!((b.pressure_mmhg, b.flow_ml_min), (pressure, flow), "{k}");
        }
    }
}

//! `letdown latency --json`: the typed schema (keys in the parent module's docs). The
//! stable headline keys stay at the top level for scripts; everything measured per
//! variant (the headline pipeline, the baseline, each wait strategy) is one
//! [`VariantJson`], the same type wherever a variant appears.

use super::super::round::Variant;
use super::super::summary::{PercentilesUs, Spread, SpreadsUs, Summary};
use super::targets::Target;
use super::{Report, RequestedRealtime, VariantSummary};
use letdown_io::feed::Warmth;
use serde::Serialize;
use std::collections::BTreeMap;

/// The `--json` object.
#[derive(Serialize)]
pub struct Json {
    schema: &'static str,
    rate_hz: f64,
    seconds: f64,
    rounds: u32,
    samples: u64,
    overruns: u64,
    hints_dropped: u64,
    latency_us: PercentilesUs,
    baseline_latency_us: PercentilesUs,
    push_us: PercentilesUs,
    baseline_push_us: PercentilesUs,
    host_wakeup_us: PercentilesUs,
    throughput_samples_per_s: f64,
    baseline_throughput_samples_per_s: f64,
    mode: &'static str,
    feed: Option<&'static str>,
    block: usize,
    block_period_us: f64,
    repeat: u32,
    capacity: usize,
    seed: u64,
    wait: &'static str,
    samples_per_round: u64,
    dropouts_per_round: u64,
    pipeline: VariantJson,
    baseline: VariantJson,
    host_wakeup: ProbeJson,
    waits: Vec<VariantJson>,
    realtime: Option<RealtimeJson>,
    targets: Vec<Target>,
}

/// One measured variant over all rounds: totals, then medians over rounds.
#[derive(Serialize)]
struct VariantJson {
    /// The pipeline's wait strategy; `null` for the baseline.
    wait: Option<&'static str>,
    samples: u64,
    processed: u64,
    overruns: u64,
    events: u64,
    hints_dropped: u64,
    hints_received: u64,
    latency_us: Option<PercentilesUs>,
    hint_latency_us: Option<PercentilesUs>,
    hint_received_us: Option<PercentilesUs>,
    block_us: Option<PercentilesUs>,
    push_us: Option<PercentilesUs>,
    feed_lateness_us: Option<PercentilesUs>,
    throughput_samples_per_s: Option<f64>,
    engine_cpu_cores: Option<f64>,
    /// The scheduling of its engine thread, read from `/proc`.
    engine_thread: Option<String>,
    /// `[min, max]` over rounds of each figure above.
    spread: BTreeMap<&'static str, SpreadJson>,
}

/// A spread: of percentiles, or of one value.
#[derive(Serialize)]
#[serde(untagged)]
enum SpreadJson {
    Percentiles(SpreadsUs),
    Value([f64; 2]),
}

/// The host's own wake-up lateness.
#[derive(Serialize)]
struct ProbeJson {
    period_us: f64,
    wakeups_per_round: u64,
    spread: Option<SpreadsUs>,
}

#[derive(Serialize)]
struct RealtimeJson {
    memory_locked: String,
    fifo: String,
    main_thread: Option<String>,
}

impl Report {
    /// The report as the `--json` object.
    pub fn json(&self) -> Json {
        let s = &self.setup;
        let (a, b) = (self.headline(), self.baseline());
        let medians = |x: &Option<Summary>| x.as_ref().map_or(ZERO, Summary::medians);
        let median = |x: &Option<Spread>| x.map_or(0.0, |s| s.median);
        Json {
            schema: "letdown-latency/2",
            rate_hz: s.rate_hz,
            seconds: s.seconds,
            rounds: s.rounds,
            samples: a.offered,
            overruns: a.overruns,
            hints_dropped: a.hints_dropped,
            latency_us: medians(&a.sample),
            baseline_latency_us: medians(&b.sample),
            push_us: medians(&a.push),
            baseline_push_us: medians(&b.push),
            host_wakeup_us: medians(&self.probe),
            throughput_samples_per_s: median(&a.throughput),
            baseline_throughput_samples_per_s: median(&b.throughput),
            mode: if s.paced { "paced" } else { "unpaced" },
            feed: match (s.paced, s.warmth) {
                (false, _) => None,
                (true, Warmth::Warm) => Some("warm"),
                (true, Warmth::Cold) => Some("cold"),
            },
            block: s.block,
            block_period_us: s.period.as_secs_f64() * 1e6,
            repeat: s.repeat,
            capacity: s.capacity,
            seed: s.seed,
            wait: s.headline.name(),
            samples_per_round: s.samples_per_round,
            dropouts_per_round: s.dropouts,
            pipeline: VariantJson::new(a),
            baseline: VariantJson::new(b),
            host_wakeup: ProbeJson {
                period_us: s.period.as_secs_f64() * 1e6,
                wakeups_per_round: s.probe_wakeups,
                spread: self.probe.as_ref().map(Summary::spreads),
            },
            waits: self.pipelines().map(VariantJson::new).collect(),
            realtime: s.realtime.as_ref().map(RealtimeJson::new),
            targets: self.targets(),
        }
    }
}

/// What a figure nothing measured is written as, among the stable keys.
const ZERO: PercentilesUs = PercentilesUs {
    p50: 0.0,
    p99: 0.0,
    p999: 0.0,
    p9999: 0.0,
    max: 0.0,
};

impl VariantJson {
    fn new(v: &VariantSummary) -> Self {
        let mut spread = BTreeMap::new();
        for (key, s) in [
            ("latency_us", &v.sample),
            ("hint_latency_us", &v.hint),
            ("hint_received_us", &v.received),
            ("block_us", &v.block),
            ("push_us", &v.push),
            ("feed_lateness_us", &v.lateness),
        ] {
            if let Some(s) = s {
                spread.insert(key, SpreadJson::Percentiles(s.spreads()));
            }
        }
        for (key, s) in [
            ("throughput_samples_per_s", v.throughput),
            ("engine_cpu_cores", v.cpu),
        ] {
            if let Some(s) = s {
                spread.insert(key, SpreadJson::Value([s.min, s.max]));
            }
        }
        let medians = |s: &Option<Summary>| s.as_ref().map(Summary::medians);
        Self {
            wait: match v.variant {
                Variant::Pipeline(w) => Some(w.name()),
                Variant::Baseline => None,
            },
            samples: v.offered,
            processed: v.processed,
            overruns: v.overruns,
            events: v.events,
            hints_dropped: v.hints_dropped,
            hints_received: v.hints_received,
            latency_us: medians(&v.sample),
            hint_latency_us: medians(&v.hint),
            hint_received_us: medians(&v.received),
            block_us: medians(&v.block),
            push_us: medians(&v.push),
            feed_lateness_us: medians(&v.lateness),
            throughput_samples_per_s: v.throughput.map(|t| t.median),
            engine_cpu_cores: v.cpu.map(|c| c.median),
            engine_thread: v.scheduling.clone(),
            spread,
        }
    }
}

impl RealtimeJson {
    fn new(rt: &RequestedRealtime) -> Self {
        let granted = |r: &Result<(), String>| match r {
            Ok(()) => "yes".to_string(),
            Err(why) => why.clone(),
        };
        Self {
            memory_locked: granted(&rt.memory_locked),
            fifo: granted(&rt.fifo),
            main_thread: rt.main_thread.clone(),
        }
    }
}

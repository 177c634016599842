//! What `letdown latency` prints: aligned tables ([`text`]), or one JSON object
//! ([`json`]), from the runs summarised here; the real-time targets are judged apart
//! ([`targets`]), the formatters only print the verdicts.
//!
//! # JSON keys (schema `"letdown-latency/2"`)
//! Stable (scripts read them; listed in the README): `rate_hz`, `seconds`, `rounds`, `samples`, `overruns`,
//! `hints_dropped`, `latency_us`, `baseline_latency_us`, `push_us`, `baseline_push_us`,
//! `host_wakeup_us`, `throughput_samples_per_s`, `baseline_throughput_samples_per_s`
//! (meanings in `letdown latency --help`). Every `…_us` object is `{p50, p99, p999,
//! p9999, max}` in µs, each the median over rounds.
//!
//! Extra:
//! - how it was measured: `mode` (`"paced"` / `"unpaced"`), `feed` (paced: `"warm"`, or
//!   `"cold"` with `--cold`; `null` unpaced), `block` (samples per push),
//!   `block_period_us`, `repeat` (unpaced passes over the input per run, 1 paced),
//!   `capacity` (queue capacity of both pipelines, samples: the lock-free queue's slots ×
//!   32, the baseline's `VecDeque` bound), `seed`, `wait` (the strategy of the headline
//!   figures), `samples_per_round`, `dropouts_per_round` (simulated sensor dropouts, fed
//!   as NaN);
//! - `pipeline` (the headline wait strategy), `baseline`, and `waits` (one per measured
//!   wait strategy): each a variant object with the same keys — `wait` (`null` for the
//!   baseline); over all rounds `samples`, `processed`, `overruns`, `events`,
//!   `hints_dropped`, `hints_received` (by the controller thread); medians over rounds
//!   `latency_us` (sample → processed), `hint_latency_us` (sample → hint sent; `null`
//!   without events), `hint_received_us` (→ received by the controller), `block_us`
//!   (processing per block), `push_us`, `feed_lateness_us` (the feeding thread's own
//!   lateness; `null` unpaced), `throughput_samples_per_s`, `engine_cpu_cores` (CPU used
//!   by the engine thread while it ran, in cores; `null` without `/proc`);
//!   `engine_thread` (its scheduling, read from `/proc`); and `spread`: for each figure,
//!   `[min, max]` over rounds (percentile objects as `{p50: [min, max], …}`). The
//!   baseline's queue is bounded at the same capacity, with the same policy: a paced
//!   push that does not fit is dropped and counted; an unpaced feed retries instead;
//! - `host_wakeup`: `{period_us, wakeups_per_round, spread}`;
//! - `realtime`: `null`, or `{memory_locked, fifo, main_thread}`: `"yes"` or the reason
//!   refused, and the main thread's scheduling read from `/proc`;
//! - `targets`: the real-time targets that this command measures, each `{target,
//!   measured, met}`.

mod json;
mod targets;
mod text;

use super::round::{Measured, Variant};
use super::summary::{Spread, Summary};
use letdown_io::feed::Warmth;
use letdown_pipeline::{Percentiles, RealtimeStatus, WaitStrategy};
use std::time::Duration;

/// What the command asked of the OS before the runs.
#[derive(Clone, Debug)]
pub struct RequestedRealtime {
    /// `mlockall`.
    pub memory_locked: Result<(), String>,
    /// `SCHED_FIFO` for the main thread, which every later thread inherits.
    pub fifo: Result<(), String>,
    /// The main thread's scheduling afterwards, read from `/proc`.
    pub main_thread: Option<String>,
}

/// Everything measured, with how.
pub struct Setup {
    pub rate_hz: f64,
    pub seconds: f64,
    pub block: usize,
    pub rounds: u32,
    pub paced: bool,
    /// Paced: whether the feed warmed the queues before each block.
    pub warmth: Warmth,
    pub repeat: u32,
    /// Queue capacity of both pipelines, samples.
    pub capacity: usize,
    pub seed: u64,
    pub samples_per_round: u64,
    pub input_samples: u64,
    pub dropouts: u64,
    pub generated_s: f64,
    pub period: Duration,
    pub probe_wakeups: u64,
    pub headline: WaitStrategy,
    pub realtime: Option<RequestedRealtime>,
    /// The variants in the order each round ran them.
    pub variants: Vec<Variant>,
    /// Per variant, its runs in round order.
    pub runs: Vec<Vec<Measured>>,
    /// The wake-up probe of each round, ns.
    pub probes: Vec<Percentiles>,
}

/// One variant over all rounds.
struct VariantSummary {
    variant: Variant,
    sample: Option<Summary>,
    hint: Option<Summary>,
    received: Option<Summary>,
    block: Option<Summary>,
    push: Option<Summary>,
    lateness: Option<Summary>,
    throughput: Option<Spread>,
    cpu: Option<Spread>,
    offered: u64,
    processed: u64,
    overruns: u64,
    events: u64,
    hints_dropped: u64,
    hints_received: u64,
    scheduling: Option<String>,
    realtime: Option<RealtimeStatus>,
}

impl VariantSummary {
    fn new(variant: Variant, runs: &[Measured]) -> Self {
        let of = |f: fn(&Measured) -> &Percentiles| Summary::of(runs.iter().map(f));
        let sum = |f: fn(&Measured) -> u64| runs.iter().map(f).sum();
        Self {
            variant,
            sample: of(|m| &m.sample),
            hint: of(|m| &m.hint),
            received: of(|m| &m.received),
            block: of(|m| &m.block),
            push: of(|m| &m.push),
            lateness: of(|m| &m.feed_lateness),
            throughput: Spread::of(runs.iter().map(Measured::throughput)),
            cpu: Spread::of(runs.iter().filter_map(|m| m.engine_cpu_cores)),
            offered: sum(|m| m.offered),
            processed: sum(|m| m.processed),
            overruns: sum(|m| m.overruns),
            events: sum(|m| m.events),
            hints_dropped: sum(|m| m.hints_dropped),
            hints_received: sum(|m| m.hints_received),
            scheduling: runs
                .iter()
                .find_map(|m| m.engine_thread.map(|t| t.scheduling())),
            realtime: runs.iter().find_map(|m| m.realtime.clone()),
        }
    }

    fn title(&self) -> String {
        match self.variant {
            Variant::Pipeline(w) => format!("Lock-free pipeline, wait {w}"),
            Variant::Baseline => "Baseline (Mutex<VecDeque> + Condvar, std::sync::mpsc)".into(),
        }
    }
}

/// The measurements, summarised.
pub struct Report {
    setup: Setup,
    variants: Vec<VariantSummary>,
    probe: Option<Summary>,
}

impl Report {
    /// Summarises `setup`'s runs.
    pub fn new(setup: Setup) -> Self {
        let variants = setup
            .variants
            .iter()
            .zip(&setup.runs)
            .map(|(v, runs)| VariantSummary::new(*v, runs))
            .collect();
        let probe = Summary::of(&setup.probes);
        Self {
            setup,
            variants,
            probe,
        }
    }

    fn headline(&self) -> &VariantSummary {
        let wanted = Variant::Pipeline(self.setup.headline);
        self.variants
            .iter()
            .find(|v| v.variant == wanted)
            .unwrap_or(&self.variants[0])
    }

    fn baseline(&self) -> &VariantSummary {
        self.variants
            .iter()
            .find(|v| v.variant == Variant::Baseline)
            .unwrap_or(&self.variants[0])
    }

    fn pipelines(&self) -> impl Iterator<Item = &VariantSummary> {
        self.variants
            .iter()
            .filter(|v| matches!(v.variant, Variant::Pipeline(_)))
    }
}

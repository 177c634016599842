//! What `letdown latency` prints: aligned tables, or one JSON object.
//!
//! # JSON keys
//! Stable (scripts read them; listed in the README): `rate_hz`, `seconds`, `rounds`, `samples`, `overruns`,
//! `hints_dropped`, `latency_us`, `baseline_latency_us`, `push_us`, `baseline_push_us`,
//! `host_wakeup_us`, `throughput_samples_per_s`, `baseline_throughput_samples_per_s`
//! (meanings in `letdown latency --help`). Every `…_us` object is `{p50, p99, p999,
//! p9999, max}` in µs, each the median over rounds.
//!
//! Extra:
//! - `schema`: `"letdown-latency/1"`;
//! - `mode` (`"paced"` / `"unpaced"`), `feed` (paced: `"warm"`, or `"cold"` with
//!   `--cold`; `null` unpaced), `block` (samples per push), `block_period_us`,
//!   `repeat` (unpaced passes over the input per run, 1 paced), `capacity` (queue
//!   capacity of both pipelines, samples: the lock-free queue's slots × 32, the
//!   baseline's `VecDeque` bound), `seed`, `wait` (the
//!   strategy of the headline figures), `samples_per_round`, `dropouts_per_round`
//!   (simulated sensor dropouts, fed as NaN);
//! - lock-free pipeline, over all rounds: `processed`, `events`, `hints_received` (by
//!   the controller thread); and medians over rounds: `hint_latency_us` (sample → hint
//!   sent; `null` without events), `hint_received_us` (→ received by the controller),
//!   `block_us` (processing per block), `feed_lateness_us` (the feeding thread's own
//!   lateness; `null` unpaced), `engine_cpu_cores` (CPU used by the engine thread while
//!   it ran, in cores; `null` without `/proc`);
//! - the same for the baseline, prefixed `baseline_`, and `baseline_samples`,
//!   `baseline_overruns` (its queue is bounded at the same capacity, with the same
//!   policy: a paced push that does not fit is dropped and counted; an unpaced feed
//!   retries instead), `baseline_hints_dropped`;
//! - `host_wakeup_period_us`, `host_wakeups_per_round`;
//! - `spread`: for each `…_us` key above and the two throughputs, `[min, max]` over
//!   rounds (percentile objects as `{p50: [min, max], …}`);
//! - `waits`: one object per measured wait strategy (`wait`, `samples`, `processed`,
//!   `overruns`, `events`, `hints_dropped`, `latency_us`, `hint_latency_us`, `block_us`,
//!   `push_us`, `throughput_samples_per_s`, `engine_cpu_cores`, `spread`);
//! - `realtime`: `null`, or `{memory_locked, fifo, main_thread, engine_thread,
//!   baseline_thread}`: `"yes"` or the reason refused, and the scheduling read from
//!   `/proc` for each thread;
//! - `targets`: the targets that this command measures, each `{target,
//!   measured, met}`.

use super::super::table::{Align, Table};
use super::round::{Measured, Variant};
use super::summary::{PercentilesUs, Spread, SpreadsUs, Summary};
use letdown_adapters::feed::Warmth;
use letdown_pipeline::{Percentiles, RealtimeStatus, WaitStrategy, FIFO_PRIORITY};
use serde::Serialize;
use std::collections::BTreeMap;
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

/// A real-time target (README, "The real-time pipeline") that this command measures.
struct Target {
    target: String,
    measured: String,
    met: Option<bool>,
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

    /// The targets, with what was measured here.
    fn targets(&self) -> Vec<Target> {
        let (a, b) = (self.headline(), self.baseline());
        let median =
            |s: &Option<Summary>, f: fn(&Summary) -> Spread| s.as_ref().map(|s| f(s).median);
        let mut targets = Vec::new();
        let at_most = |target: &str, v: Option<f64>, limit: f64| Target {
            target: target.to_string(),
            measured: v.map_or("n/a".into(), |v| format!("{} µs", us(v))),
            met: v.map(|v| v <= limit),
        };
        if self.setup.paced {
            let ratio = match (median(&a.push, |s| s.p50), median(&b.push, |s| s.p50)) {
                (Some(a), Some(b)) if a > 0.0 => Some((b / a, a, b)),
                _ => None,
            };
            targets.push(Target {
                target: "push p50 ≥ 20× below the baseline's".into(),
                measured: ratio.map_or("n/a".into(), |(r, a, b)| {
                    format!("{r:.1}× ({} vs {} µs)", us(a), us(b))
                }),
                met: ratio.map(|(r, _, _)| r >= 20.0),
            });
            targets.push(at_most(
                "push p99.9 ≤ 5 µs",
                median(&a.push, |s| s.p999),
                5.0,
            ));
            targets.push(at_most(
                "sample-to-hint p50 ≤ 20 µs (sample → processed)",
                median(&a.sample, |s| s.p50),
                20.0,
            ));
            targets.push(at_most(
                "sample-to-hint p99.9 ≤ 1 ms (sample → processed)",
                median(&a.sample, |s| s.p999),
                1000.0,
            ));
        } else {
            let (ta, tb) = (
                a.throughput.map(|s| s.median),
                b.throughput.map(|s| s.median),
            );
            targets.push(Target {
                target: "unpaced throughput ≥ 10 M samples/s".into(),
                measured: ta.map_or("n/a".into(), |t| format!("{:.2} M samples/s", t / 1e6)),
                met: ta.map(|t| t >= 10e6),
            });
            let ratio = match (ta, tb) {
                (Some(a), Some(b)) if b > 0.0 => Some(a / b),
                _ => None,
            };
            targets.push(Target {
                target: "unpaced throughput ≥ 5× the baseline's".into(),
                measured: ratio.map_or("n/a".into(), |r| format!("{r:.1}×")),
                met: ratio.map(|r| r >= 5.0),
            });
        }
        targets
    }

    /// The report as aligned text.
    pub fn text(&self) -> Vec<String> {
        let s = &self.setup;
        let mut out = Vec::new();
        let feed = if s.paced {
            match s.warmth {
                Warmth::Warm => "paced by the clock, each queue warmed before a block is due",
                Warmth::Cold => "paced by the clock, pushed cold (--cold)",
            }
            .to_string()
        } else {
            format!(
                "flat out (unpaced), the session fed {} times per run",
                s.repeat
            )
        };
        out.push(format!(
            "letdown latency: {} s of simulated pumping (typical mother, seed {}) at {} Hz, \
             blocks of {} samples ({} ms), {feed}",
            s.seconds,
            s.seed,
            s.rate_hz,
            s.block,
            ms(s.period)
        ));
        let order: Vec<String> = s
            .variants
            .iter()
            .map(|v| match v {
                Variant::Pipeline(w) => format!("pipeline ({w})"),
                Variant::Baseline => "baseline".into(),
            })
            .chain(["wake-up probe".to_string()])
            .collect();
        out.push(format!(
            "{} round(s), each running in turn: {}",
            s.rounds,
            order.join(", ")
        ));
        let per_run = if s.paced {
            String::new()
        } else {
            format!(", {} per run", s.samples_per_round)
        };
        out.push(format!(
            "input: {} samples ({} sensor dropouts, fed as NaN){per_run}, simulated in \
             {:.2} s before any timing",
            s.input_samples, s.dropouts, s.generated_s
        ));
        out.push(format!(
            "queues: {} samples each (lock-free: {} slots of 32; baseline: VecDeque bounded \
             at the same size; a full queue keeps the oldest data{})",
            s.capacity,
            s.capacity.div_ceil(32),
            if s.paced {
                ", drops and counts the rest"
            } else {
                ", the flat-out feed backs off and retries"
            }
        ));
        if let Some(rt) = &s.realtime {
            out.push(String::new());
            out.extend(self.realtime_lines(rt));
        }
        if !s.paced {
            out.push(String::new());
            out.push(
                "unpaced: throughput is the headline; the latencies below are queueing time \
                 (a sample waits behind everything pushed before it), not reaction time; \
                 a push attempt is every call, including those a full queue refused"
                    .into(),
            );
        }
        let spread_note = if s.rounds > 1 {
            format!(
                "median over {} rounds, min–max over rounds below it",
                s.rounds
            )
        } else {
            "one round".to_string()
        };
        for v in &self.variants {
            out.push(String::new());
            out.push(format!("{} — µs, {spread_note}", v.title()));
            out.extend(self.variant_table(v));
            out.push(format!(
                "  all rounds: {} samples in, {} processed, {} overruns, {} events, {} hints \
                 dropped, {} received by the controller",
                v.offered, v.processed, v.overruns, v.events, v.hints_dropped, v.hints_received
            ));
            out.push(format!(
                "  throughput {} samples/s{}; engine thread CPU {} cores",
                v.throughput.map_or("n/a".into(), |t| count(t.median)),
                if s.paced {
                    " (paced: the feed's rate)"
                } else {
                    ""
                },
                v.cpu.map_or("n/a".into(), |c| format!("{:.3}", c.median)),
            ));
        }
        out.push(String::new());
        out.push(format!(
            "Host wake-up (a bare thread sleeping {} ms, {} times per round: the machine's \
             own lateness) — µs, {spread_note}",
            ms(s.period),
            s.probe_wakeups
        ));
        out.extend(self.rows_table(&[("wake-up lateness", self.probe.as_ref())]));
        if self.pipelines().count() > 1 {
            out.push(String::new());
            out.extend(self.wait_table());
        }
        out.push(String::new());
        out.push("Real-time targets measured here (medians over rounds):".into());
        let mut t = Table::new(&[
            ("target", Align::Left),
            ("measured", Align::Right),
            ("", Align::Left),
        ]);
        for target in self.targets() {
            let verdict = match target.met {
                Some(true) => "met",
                Some(false) => "NOT met",
                None => "n/a",
            };
            t.row(vec![target.target, target.measured, verdict.into()]);
        }
        out.extend(t.render().into_iter().map(|l| format!("  {l}")));
        if s.paced && s.rate_hz != 1000.0 {
            out.push("  (the issue states its latency targets at 1000 Hz)".into());
        }
        out
    }

    fn realtime_lines(&self, rt: &RequestedRealtime) -> Vec<String> {
        let granted = |r: &Result<(), String>| match r {
            Ok(()) => "yes".to_string(),
            Err(why) => format!("no, {why}"),
        };
        let mut lines = vec![
            "real-time mode (--realtime), as granted by the OS:".to_string(),
            format!("  memory locked (mlockall): {}", granted(&rt.memory_locked)),
            format!(
                "  SCHED_FIFO priority {FIFO_PRIORITY} for the main thread (inherited by \
                 every thread started after it): {}",
                granted(&rt.fifo)
            ),
        ];
        let seen = |what: &str, s: &Option<String>| {
            format!(
                "  {what}, read from /proc: {}",
                s.as_deref().unwrap_or("unknown")
            )
        };
        lines.push(seen("main thread (sensor feed)", &rt.main_thread));
        for v in &self.variants {
            let name = match v.variant {
                Variant::Pipeline(w) => format!("pipeline engine thread ({w})"),
                Variant::Baseline => "baseline engine thread".into(),
            };
            lines.push(seen(&name, &v.scheduling));
        }
        if let Some(status) = self.headline().realtime.as_ref() {
            lines.push("  the pipeline's own real-time mode reported:".into());
            lines.extend(status.describe().lines().map(|l| format!("    {l}")));
        }
        lines
    }

    fn variant_table(&self, v: &VariantSummary) -> Vec<String> {
        let mut rows = vec![
            ("sample → processed", v.sample.as_ref()),
            ("sample → hint sent", v.hint.as_ref()),
            ("sample → hint received", v.received.as_ref()),
            ("processing per block", v.block.as_ref()),
            (
                if self.setup.paced {
                    "push (sensor side)"
                } else {
                    "push attempt (sensor side)"
                },
                v.push.as_ref(),
            ),
        ];
        if self.setup.paced {
            rows.push(("feed lateness (feeder's own)", v.lateness.as_ref()));
        }
        self.rows_table(&rows)
    }

    fn rows_table(&self, rows: &[(&str, Option<&Summary>)]) -> Vec<String> {
        let mut t = Table::new(&[
            ("measure", Align::Left),
            ("n/round", Align::Right),
            ("p50", Align::Right),
            ("p99", Align::Right),
            ("p99.9", Align::Right),
            ("p99.99", Align::Right),
            ("max", Align::Right),
        ]);
        for (name, summary) in rows {
            let Some(s) = summary else {
                t.row(vec![(*name).into(), "0".into(), "–".into()]);
                continue;
            };
            let mut cells = vec![(*name).to_string(), count(s.count.median)];
            cells.extend(s.values().iter().map(|v| us(v.median)));
            t.row(cells);
            if self.setup.rounds > 1 {
                let mut cells = vec![String::new(), String::new()];
                cells.extend(s.values().iter().map(range));
                t.row(cells);
            }
        }
        t.render().into_iter().map(|l| format!("  {l}")).collect()
    }

    fn wait_table(&self) -> Vec<String> {
        let mut out = vec![format!(
            "Wait strategies compared (medians over {} rounds; latency = sample → \
             processed, µs; CPU = the engine thread's, in cores)",
            self.setup.rounds
        )];
        let mut t = Table::new(&[
            ("wait", Align::Left),
            ("p50", Align::Right),
            ("p99", Align::Right),
            ("p99.9", Align::Right),
            ("p99.99", Align::Right),
            ("max", Align::Right),
            ("block p50", Align::Right),
            ("push p50", Align::Right),
            ("push p99.9", Align::Right),
            ("CPU", Align::Right),
            ("overruns", Align::Right),
            ("throughput/s", Align::Right),
        ]);
        for v in &self.variants {
            let name = match v.variant {
                Variant::Pipeline(w) => w.name().to_string(),
                Variant::Baseline => "baseline".into(),
            };
            let mut cells = vec![name];
            match &v.sample {
                Some(s) => cells.extend(s.values().iter().map(|x| us(x.median))),
                None => cells.extend(std::iter::repeat_n("–".to_string(), 5)),
            }
            let m = |s: &Option<Summary>, f: fn(&Summary) -> Spread| {
                s.as_ref().map_or("–".into(), |s| us(f(s).median))
            };
            cells.push(m(&v.block, |s| s.p50));
            cells.push(m(&v.push, |s| s.p50));
            cells.push(m(&v.push, |s| s.p999));
            cells.push(v.cpu.map_or("n/a".into(), |c| format!("{:.3}", c.median)));
            cells.push(v.overruns.to_string());
            cells.push(v.throughput.map_or("n/a".into(), |t| count(t.median)));
            t.row(cells);
        }
        out.extend(t.render().into_iter().map(|l| format!("  {l}")));
        out
    }

    /// The report as the `--json` object.
    pub fn json(&self) -> Json {
        let s = &self.setup;
        let (a, b) = (self.headline(), self.baseline());
        let zero = PercentilesUs {
            p50: 0.0,
            p99: 0.0,
            p999: 0.0,
            p9999: 0.0,
            max: 0.0,
        };
        let medians = |x: &Option<Summary>| x.as_ref().map(Summary::medians);
        let median = |x: &Option<Spread>| x.map_or(0.0, |s| s.median);
        let mut spread = BTreeMap::new();
        let mut add = |key: &str, x: &Option<Summary>| {
            if let Some(x) = x {
                spread.insert(key.to_string(), SpreadJson::Percentiles(x.spreads()));
            }
        };
        add("latency_us", &a.sample);
        add("baseline_latency_us", &b.sample);
        add("push_us", &a.push);
        add("baseline_push_us", &b.push);
        add("host_wakeup_us", &self.probe);
        add("hint_latency_us", &a.hint);
        add("baseline_hint_latency_us", &b.hint);
        add("hint_received_us", &a.received);
        add("baseline_hint_received_us", &b.received);
        add("block_us", &a.block);
        add("baseline_block_us", &b.block);
        add("feed_lateness_us", &a.lateness);
        add("baseline_feed_lateness_us", &b.lateness);
        for (key, t) in [
            ("throughput_samples_per_s", a.throughput),
            ("baseline_throughput_samples_per_s", b.throughput),
        ] {
            if let Some(t) = t {
                spread.insert(key.to_string(), SpreadJson::Value([t.min, t.max]));
            }
        }
        let realtime = s.realtime.as_ref().map(|rt| {
            let granted = |r: &Result<(), String>| match r {
                Ok(()) => "yes".to_string(),
                Err(why) => why.clone(),
            };
            RealtimeJson {
                memory_locked: granted(&rt.memory_locked),
                fifo: granted(&rt.fifo),
                main_thread: rt.main_thread.clone(),
                engine_thread: a.scheduling.clone(),
                baseline_thread: b.scheduling.clone(),
            }
        });
        Json {
            schema: "letdown-latency/1",
            rate_hz: s.rate_hz,
            seconds: s.seconds,
            rounds: s.rounds,
            samples: a.offered,
            overruns: a.overruns,
            hints_dropped: a.hints_dropped,
            latency_us: medians(&a.sample).unwrap_or(zero),
            baseline_latency_us: medians(&b.sample).unwrap_or(zero),
            push_us: medians(&a.push).unwrap_or(zero),
            baseline_push_us: medians(&b.push).unwrap_or(zero),
            host_wakeup_us: medians(&self.probe).unwrap_or(zero),
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
            processed: a.processed,
            events: a.events,
            hints_received: a.hints_received,
            hint_latency_us: medians(&a.hint),
            hint_received_us: medians(&a.received),
            block_us: medians(&a.block),
            feed_lateness_us: medians(&a.lateness),
            engine_cpu_cores: a.cpu.map(|c| c.median),
            baseline_samples: b.offered,
            baseline_processed: b.processed,
            baseline_overruns: b.overruns,
            baseline_events: b.events,
            baseline_hints_dropped: b.hints_dropped,
            baseline_hints_received: b.hints_received,
            baseline_hint_latency_us: medians(&b.hint),
            baseline_hint_received_us: medians(&b.received),
            baseline_block_us: medians(&b.block),
            baseline_feed_lateness_us: medians(&b.lateness),
            baseline_engine_cpu_cores: b.cpu.map(|c| c.median),
            host_wakeup_period_us: s.period.as_secs_f64() * 1e6,
            host_wakeups_per_round: s.probe_wakeups,
            spread,
            waits: self.pipelines().map(WaitJson::new).collect(),
            realtime,
            targets: self
                .targets()
                .into_iter()
                .map(|t| TargetJson {
                    target: t.target,
                    measured: t.measured,
                    met: t.met,
                })
                .collect(),
        }
    }
}

/// The `--json` object (keys in the module docs).
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
    processed: u64,
    events: u64,
    hints_received: u64,
    hint_latency_us: Option<PercentilesUs>,
    hint_received_us: Option<PercentilesUs>,
    block_us: Option<PercentilesUs>,
    feed_lateness_us: Option<PercentilesUs>,
    engine_cpu_cores: Option<f64>,
    baseline_samples: u64,
    baseline_processed: u64,
    baseline_overruns: u64,
    baseline_events: u64,
    baseline_hints_dropped: u64,
    baseline_hints_received: u64,
    baseline_hint_latency_us: Option<PercentilesUs>,
    baseline_hint_received_us: Option<PercentilesUs>,
    baseline_block_us: Option<PercentilesUs>,
    baseline_feed_lateness_us: Option<PercentilesUs>,
    baseline_engine_cpu_cores: Option<f64>,
    host_wakeup_period_us: f64,
    host_wakeups_per_round: u64,
    spread: BTreeMap<String, SpreadJson>,
    waits: Vec<WaitJson>,
    realtime: Option<RealtimeJson>,
    targets: Vec<TargetJson>,
}

/// A spread: of percentiles, or of one value.
#[derive(Serialize)]
#[serde(untagged)]
enum SpreadJson {
    Percentiles(SpreadsUs),
    Value([f64; 2]),
}

/// One wait strategy's figures.
#[derive(Serialize)]
struct WaitJson {
    wait: &'static str,
    samples: u64,
    processed: u64,
    overruns: u64,
    events: u64,
    hints_dropped: u64,
    latency_us: Option<PercentilesUs>,
    hint_latency_us: Option<PercentilesUs>,
    block_us: Option<PercentilesUs>,
    push_us: Option<PercentilesUs>,
    throughput_samples_per_s: Option<f64>,
    engine_cpu_cores: Option<f64>,
    spread: BTreeMap<&'static str, SpreadsUs>,
}

impl WaitJson {
    fn new(v: &VariantSummary) -> Self {
        let Variant::Pipeline(wait) = v.variant else {
            unreachable!("only pipeline variants are listed in waits")
        };
        let mut spread = BTreeMap::new();
        for (key, s) in [
            ("latency_us", &v.sample),
            ("block_us", &v.block),
            ("push_us", &v.push),
        ] {
            if let Some(s) = s {
                spread.insert(key, s.spreads());
            }
        }
        Self {
            wait: wait.name(),
            samples: v.offered,
            processed: v.processed,
            overruns: v.overruns,
            events: v.events,
            hints_dropped: v.hints_dropped,
            latency_us: v.sample.as_ref().map(Summary::medians),
            hint_latency_us: v.hint.as_ref().map(Summary::medians),
            block_us: v.block.as_ref().map(Summary::medians),
            push_us: v.push.as_ref().map(Summary::medians),
            throughput_samples_per_s: v.throughput.map(|t| t.median),
            engine_cpu_cores: v.cpu.map(|c| c.median),
            spread,
        }
    }
}

#[derive(Serialize)]
struct RealtimeJson {
    memory_locked: String,
    fifo: String,
    main_thread: Option<String>,
    engine_thread: Option<String>,
    baseline_thread: Option<String>,
}

#[derive(Serialize)]
struct TargetJson {
    target: String,
    measured: String,
    met: Option<bool>,
}

/// A time in µs with three significant figures or so.
fn us(v: f64) -> String {
    if v < 1.0 {
        format!("{v:.3}")
    } else if v < 10.0 {
        format!("{v:.2}")
    } else if v < 100.0 {
        format!("{v:.1}")
    } else {
        format!("{v:.0}")
    }
}

fn range(s: &Spread) -> String {
    format!("{}–{}", us(s.min), us(s.max))
}

fn ms(d: Duration) -> String {
    let v = d.as_secs_f64() * 1e3;
    if v < 10.0 {
        format!("{v:.2}")
    } else {
        format!("{v:.1}")
    }
}

/// A count or rate, with thin groupings of three digits.
fn count(v: f64) -> String {
    let digits = format!("{:.0}", v.max(0.0));
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(' ');
        }
        out.push(c);
    }
    out
}

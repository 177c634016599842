//! `letdown latency`'s report as aligned text: the setup, one table per variant, the
//! host's wake-up lateness, the wait strategies side by side, and the targets with their
//! verdicts (judged in [`super::targets`]).

use super::super::super::table::{Align, Table};
use super::super::round::Variant;
use super::super::summary::{Spread, Summary};
use super::{Report, RequestedRealtime, VariantSummary};
use letdown_io::feed::Warmth;
use letdown_pipeline::FIFO_PRIORITY;
use std::time::Duration;

impl Report {
    /// The report as aligned text.
    pub fn text(&self) -> Vec<String> {
        let s = &self.setup;
        let mut out = self.setup_lines();
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
            out.extend(self.variant_lines(v, &spread_note));
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
        out.extend(self.target_lines());
        out
    }

    /// What was measured, and how: input, rounds, queues.
    fn setup_lines(&self) -> Vec<String> {
        let s = &self.setup;
        let feed = self.feed_description();
        let per_run = if s.paced {
            String::new()
        } else {
            format!(", {} per run", s.samples_per_round)
        };
        vec![
            format!(
                "letdown latency: {} s of simulated pumping (typical mother, seed {}) at {} Hz, \
                 blocks of {} samples ({} ms), {feed}",
                s.seconds,
                s.seed,
                s.rate_hz,
                s.block,
                ms(s.period)
            ),
            self.rounds_line(),
            format!(
                "input: {} samples ({} sensor dropouts, fed as NaN){per_run}, simulated in \
                 {:.2} s before any timing",
                s.input_samples, s.dropouts, s.generated_s
            ),
            self.queues_line(),
        ]
    }

    /// How the samples were fed: paced by the clock (warm or cold), or flat out.
    fn feed_description(&self) -> String {
        let s = &self.setup;
        if s.paced {
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
        }
    }

    /// The rounds, and what runs in each, in the order it runs.
    fn rounds_line(&self) -> String {
        let s = &self.setup;
        let order: Vec<String> = s
            .variants
            .iter()
            .map(|v| match v {
                Variant::Pipeline(w) => format!("pipeline ({w})"),
                Variant::Baseline => "baseline".into(),
            })
            .chain(["wake-up probe".to_string()])
            .collect();
        format!(
            "{} round(s), each running in turn: {}",
            s.rounds,
            order.join(", ")
        )
    }

    /// Both queues' size, in samples, and what each does when full.
    fn queues_line(&self) -> String {
        let s = &self.setup;
        format!(
            "queues: {} samples each (lock-free: {} slots of 32; baseline: VecDeque bounded \
             at the same size; a full queue keeps the oldest data{})",
            s.capacity,
            s.capacity.div_ceil(32),
            if s.paced {
                ", drops and counts the rest"
            } else {
                ", the flat-out feed backs off and retries"
            }
        )
    }

    /// One variant's table and totals.
    fn variant_lines(&self, v: &VariantSummary, spread_note: &str) -> Vec<String> {
        let s = &self.setup;
        let mut out = vec![format!("{} — µs, {spread_note}", v.title())];
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
        out
    }

    /// The targets table: each target, what was measured, and the verdict.
    fn target_lines(&self) -> Vec<String> {
        let s = &self.setup;
        let mut out = vec!["Real-time targets measured here (medians over rounds):".to_string()];
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
            out.push("  (the latency targets are stated at 1000 Hz)".into());
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
}

/// A time in µs with three significant figures or so.
pub(super) fn us(v: f64) -> String {
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
pub(super) fn count(v: f64) -> String {
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

//! The real-time targets (README, "The real-time pipeline") that `letdown latency`
//! measures, and the judgment of each: met, not met, or not measured. The formatters
//! print the verdicts; they do not decide them.

use super::super::summary::{Spread, Summary};
use super::text::us;
use super::Report;
use serde::Serialize;

/// One target, what was measured against it, and the verdict (also as `--json` writes it).
#[derive(Serialize)]
pub(super) struct Target {
    /// The target as the README states it.
    pub(super) target: String,
    /// The measured figure, with its unit.
    pub(super) measured: String,
    /// `None`: nothing measured to judge.
    pub(super) met: Option<bool>,
}

impl Report {
    /// The real-time targets this run measures, each judged met or not (or `None`: not
    /// measured).
    pub(super) fn targets(&self) -> Vec<Target> {
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
}

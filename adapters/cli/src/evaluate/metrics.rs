//! The evaluation's numbers: each session's result, and the metrics per strategy, per
//! profile, per rate and overall — the object `letdown evaluate --json` prints.
//!
//! Key names are stable (schema `letdown-evaluate/1`, listed in adapters/cli/EVALUATE.md);
//! a value that would divide by zero, or summarise nothing, is `null`. Maps are sorted
//! by key. Units are in the key names (`_s` seconds, `_ml` millilitres, `_hz` hertz,
//! `per_hour` per hour of pumping).

use super::closed_loop::LoopStrategy;
use super::open_loop::Detector;
use letdown_datasets::score::{
    percentile, Aggregate, SessionScore, WINDOW_AFTER_S, WINDOW_BEFORE_S,
};
use letdown_datasets::Outcome;
use serde::Serialize;
use std::collections::BTreeMap;

/// The schema name and version printed as `schema`.
pub const SCHEMA: &str = "letdown-evaluate/1";

/// What one evaluated session is: where it comes from and its labels. Held by
/// [`SessionResult`], and printed flat at the head of its [`SessionEntry`].
#[derive(Clone, Debug, Serialize)]
pub struct SessionInfo {
    /// The session's name.
    pub name: String,
    /// `simulated` or `file`.
    pub source: &'static str,
    /// The mother's profile (`unknown` for a file without `# profile:`).
    pub profile: String,
    /// Sample rate, Hz.
    pub rate_hz: f64,
    /// Session length, s.
    pub duration_s: f64,
    /// The simulator's seed, for simulated sessions (`null` for files).
    pub seed: Option<u64>,
    /// Labelled ejections.
    pub labels: usize,
    /// Earliest labelled onset, s.
    pub first_onset_s: Option<f64>,
}

/// One evaluated session.
#[derive(Clone, Debug)]
pub struct SessionResult {
    /// What the session is.
    pub info: SessionInfo,
    /// Onset detections per detector, s, in [`Detector::ALL`] order.
    pub onsets_s: [Vec<f64>; 3],
    /// Scores per detector, in [`Detector::ALL`] order.
    pub scores: [SessionScore; 3],
    /// Closed-loop outcomes per strategy, in [`LoopStrategy::ALL`] order (simulated
    /// sessions only).
    pub closed_loop: Option<[Outcome; super::closed_loop::STRATEGIES]>,
}

/// What was evaluated, as given on the command line.
#[derive(Clone, Debug, Serialize)]
pub struct Input {
    /// Session files and folders given.
    pub paths: Vec<String>,
    /// The simulated part; `null` when none.
    pub simulated: Option<SimulatedInput>,
}

/// The `--simulate` options.
#[derive(Clone, Debug, Serialize)]
pub struct SimulatedInput {
    /// Sessions per profile and rate.
    pub sessions_per_profile: u32,
    /// Profiles simulated.
    pub profiles: Vec<String>,
    /// Sample rates, Hz.
    pub rates_hz: Vec<f64>,
    /// Length of each session, minutes.
    pub minutes: f64,
    /// Faults injected (`none`, or a comma-separated list).
    pub faults: String,
    /// Seed of session 0; session i of every profile and rate uses seed + i.
    pub seed: u64,
    /// The open-loop pump program (closed loop replaces it with the strategy's hints).
    pub program: String,
    /// Whether the everyday mess of real sessions was left out.
    pub clean: bool,
}

/// Mean, median, 95th percentile, minimum and maximum of per-session values.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct Summary {
    /// How many values.
    pub count: usize,
    /// Mean.
    pub mean: f64,
    /// Median.
    pub median: f64,
    /// 95th percentile.
    pub p95: f64,
    /// Smallest.
    pub min: f64,
    /// Largest.
    pub max: f64,
}

impl Summary {
    /// The summary of the finite `values`; `None` when there are none.
    pub fn of(values: impl IntoIterator<Item = f64>) -> Option<Self> {
        let mut sorted: Vec<f64> = values.into_iter().filter(|v| v.is_finite()).collect();
        sorted.sort_by(f64::total_cmp);
        let count = sorted.len();
        Some(Self {
            count,
            mean: sorted.iter().sum::<f64>() / count.max(1) as f64,
            median: percentile(&sorted, 50.0)?,
            p95: percentile(&sorted, 95.0)?,
            min: *sorted.first()?,
            max: *sorted.last()?,
        })
    }
}

/// Closed-loop metrics of one strategy over a group of simulated sessions.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ClosedLoopMetrics {
    /// Sessions in the group.
    pub sessions: usize,
    /// Milk removed per session, mL.
    pub volume_ml: Option<Summary>,
    /// Time until 90 % of the session's volume was removed, s (sessions that removed
    /// any milk).
    pub time_to_90pct_s: Option<Summary>,
    /// Mis-phase per ejection, per session, s: stimulating while some labelled
    /// ejection's milk flows (between its onset and its end), or expressing while none
    /// does (before the first, between ejections, after the last; all expression when
    /// there was none). Pauses count as neither.
    pub misphase_s: Option<Summary>,
    /// Mis-phase against the first letdown only, per session, s: stimulating from the
    /// first labelled onset on, or expressing before it (all expression when there was
    /// none). Pauses count as neither.
    pub first_switch_misphase_s: Option<Summary>,
}

impl ClosedLoopMetrics {
    /// The metrics of per-session `outcomes`.
    pub fn of(outcomes: &[&Outcome]) -> Self {
        Self {
            sessions: outcomes.len(),
            volume_ml: Summary::of(outcomes.iter().map(|o| o.volume_ml)),
            time_to_90pct_s: Summary::of(outcomes.iter().filter_map(|o| o.time_to_90pct_s)),
            misphase_s: Summary::of(outcomes.iter().map(|o| o.misphase_s)),
            first_switch_misphase_s: Summary::of(
                outcomes.iter().map(|o| o.first_switch_misphase_s),
            ),
        }
    }
}

/// A strategy's metrics overall, per profile and per sample rate.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Breakdown<M> {
    /// Over every session.
    pub all: M,
    /// Per profile name (`relaxed`, `typical`, `stressed`, `no-letdown`, `unknown`, …).
    pub profiles: BTreeMap<String, M>,
    /// Per sample rate, keyed by the rate in Hz as text (`"1000"`).
    pub rates_hz: BTreeMap<String, M>,
}

impl<M> Breakdown<M> {
    /// `metric` over all of `items`, and over each profile's and each rate's share.
    fn of<T>(items: &[T], key: impl Fn(&T) -> (String, f64), metric: impl Fn(&[&T]) -> M) -> Self {
        let all: Vec<&T> = items.iter().collect();
        let mut profiles: BTreeMap<String, Vec<&T>> = BTreeMap::new();
        let mut rates: BTreeMap<String, Vec<&T>> = BTreeMap::new();
        for item in items {
            let (profile, rate) = key(item);
            profiles.entry(profile).or_default().push(item);
            rates.entry(rate_key(rate)).or_default().push(item);
        }
        Self {
            all: metric(&all),
            profiles: profiles.into_iter().map(|(k, v)| (k, metric(&v))).collect(),
            rates_hz: rates.into_iter().map(|(k, v)| (k, metric(&v))).collect(),
        }
    }
}

/// A rate as a map key: `1000`, `2500.5`.
pub fn rate_key(rate_hz: f64) -> String {
    format!("{rate_hz}")
}

/// One session in `per_session`.
#[derive(Clone, Debug, Serialize)]
pub struct SessionEntry {
    /// What the session is: its keys come first, at this level.
    #[serde(flatten)]
    pub info: SessionInfo,
    /// Per detector key.
    pub detection: BTreeMap<&'static str, SessionDetection>,
    /// Per closed-loop strategy key (empty for files).
    pub closed_loop: BTreeMap<&'static str, SessionLoop>,
}

/// One detector on one session.
#[derive(Clone, Debug, Serialize)]
pub struct SessionDetection {
    /// Onset detections, s.
    pub onsets_s: Vec<f64>,
    /// First-letdown delay, s (`null` when missed or without labels).
    pub first_delay_s: Option<f64>,
    /// Labels matched.
    pub true_positives: usize,
    /// False alarms.
    pub false_positives: usize,
    /// Labels missed.
    pub false_negatives: usize,
}

/// One strategy on one simulated session.
#[derive(Clone, Debug, Serialize)]
pub struct SessionLoop {
    /// Milk removed, mL.
    pub volume_ml: f64,
    /// Time to 90 % of it, s.
    pub time_to_90pct_s: Option<f64>,
    /// Mis-phase per ejection, s (see [`ClosedLoopMetrics::misphase_s`]).
    pub misphase_s: f64,
    /// Mis-phase against the first letdown only, s (see
    /// [`ClosedLoopMetrics::first_switch_misphase_s`]).
    pub first_switch_misphase_s: f64,
    /// Hints the strategy gave.
    pub hints: u32,
}

/// The matching window of DESIGN §6.
#[derive(Clone, Copy, Debug, Serialize)]
pub struct Window {
    /// How long before a labelled onset a detection still matches, s.
    pub before_s: f64,
    /// How long after, s.
    pub after_s: f64,
}

/// Everything `--json` prints.
#[derive(Clone, Debug, Serialize)]
pub struct Report {
    /// Schema name and version.
    pub schema: &'static str,
    /// The matching window.
    pub match_window: Window,
    /// What was evaluated.
    pub input: Input,
    /// Sessions evaluated (with labels).
    pub sessions: usize,
    /// Open-loop detection metrics per detector key (`engine`, `flow_threshold`,
    /// `timer`).
    pub detection: BTreeMap<&'static str, Breakdown<Aggregate>>,
    /// Closed-loop metrics per strategy key (`engine`, `timer`, `expression_only`,
    /// `flow_threshold`) over the simulated sessions; empty without any.
    pub closed_loop: BTreeMap<&'static str, Breakdown<ClosedLoopMetrics>>,
    /// Each session's own numbers.
    pub per_session: Vec<SessionEntry>,
}

impl Report {
    /// The report over `results`.
    pub fn new(input: Input, results: &[SessionResult]) -> Self {
        fn key(r: &SessionResult) -> (String, f64) {
            (r.info.profile.clone(), r.info.rate_hz)
        }
        let detection = Detector::ALL
            .iter()
            .enumerate()
            .map(|(i, d)| {
                let breakdown = Breakdown::of(results, key, |group| {
                    let scores: Vec<SessionScore> =
                        group.iter().map(|r| r.scores[i].clone()).collect();
                    Aggregate::from_sessions(&scores)
                });
                (d.key(), breakdown)
            })
            .collect();
        let simulated: Vec<&SessionResult> =
            results.iter().filter(|r| r.closed_loop.is_some()).collect();
        let closed_loop = if simulated.is_empty() {
            BTreeMap::new()
        } else {
            LoopStrategy::ALL
                .iter()
                .enumerate()
                .map(|(i, s)| {
                    let breakdown = Breakdown::of(
                        &simulated,
                        |r: &&SessionResult| key(r),
                        |group| {
                            let outcomes: Vec<&Outcome> = group
                                .iter()
                                .filter_map(|r| r.closed_loop.as_ref().map(|c| &c[i]))
                                .collect();
                            ClosedLoopMetrics::of(&outcomes)
                        },
                    );
                    (s.key(), breakdown)
                })
                .collect()
        };
        Self {
            schema: SCHEMA,
            match_window: Window {
                before_s: WINDOW_BEFORE_S,
                after_s: WINDOW_AFTER_S,
            },
            input,
            sessions: results.len(),
            detection,
            closed_loop,
            per_session: results.iter().map(session_entry).collect(),
        }
    }
}

fn session_entry(r: &SessionResult) -> SessionEntry {
    let detection = Detector::ALL
        .iter()
        .enumerate()
        .map(|(i, d)| {
            let s = &r.scores[i];
            (
                d.key(),
                SessionDetection {
                    onsets_s: r.onsets_s[i].clone(),
                    first_delay_s: s.first.and_then(|f| f.delay_s()),
                    true_positives: s.true_positives,
                    false_positives: s.false_positives,
                    false_negatives: s.false_negatives,
                },
            )
        })
        .collect();
    let closed_loop = r
        .closed_loop
        .iter()
        .flat_map(|outcomes| LoopStrategy::ALL.iter().zip(outcomes))
        .map(|(s, o)| {
            (
                s.key(),
                SessionLoop {
                    volume_ml: o.volume_ml,
                    time_to_90pct_s: o.time_to_90pct_s,
                    misphase_s: o.misphase_s,
                    first_switch_misphase_s: o.first_switch_misphase_s,
                    hints: o.hints,
                },
            )
        })
        .collect();
    SessionEntry {
        info: r.info.clone(),
        detection,
        closed_loop,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn summaries_skip_non_finite_values_and_empty_sets_are_none() {
        let s = Summary::of([3.0, 1.0, f64::NAN, 2.0]).expect("values");
        assert_eq!(
            (s.count, s.mean, s.median, s.min, s.max),
            (3, 2.0, 2.0, 1.0, 3.0)
        );
        assert_eq!(Summary::of([]), None);
        assert_eq!(rate_key(1000.0), "1000");
        assert_eq!(rate_key(2500.5), "2500.5");
    }
}

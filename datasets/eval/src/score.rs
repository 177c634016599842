//! Scoring detections against labelled ejections (DESIGN §6).
//!
//! An onset detection at `t` matches a labelled ejection when `t` lies in
//! `[onset_s − 1 s, onset_s + 20 s]` (both ends included). Each label matches at most
//! one detection and each detection at most one label.
//!
//! **Matching is greedy in time order, and that is optimal here.** Detections are taken
//! in increasing time; each goes to the earliest-onset label that is still unmatched and
//! whose window contains it. All windows have the same length, so the earliest-onset
//! window is also the one that closes first, and giving each point to the open interval
//! that closes first is the classic exchange argument for a maximum matching of points to
//! intervals: no other assignment matches more pairs, so the TP count is the best any
//! matching could give. It is deterministic (ties in time keep the input order, labels
//! are taken in onset order) and it gives the first label the earliest detection in its
//! window, which is what the first-letdown delay should measure.
//!
//! Per session ([`score_session`]): whether the first letdown (the earliest labelled
//! onset) was detected, its delay (matching detection − onset), its delay beyond the
//! physical limit (detection − `visible_s`) where the label carries `visible_s`, and
//! TP / FP / FN over all ejections. Every onset detection that matches no label is a
//! false alarm (FP); [`SessionScore::duplicates`] counts the ones among them that fell in
//! the window of a label already matched.
//!
//! Over sessions ([`Aggregate::from_sessions`]): first-letdown detection rate, delay
//! median / p95 / max, beyond-visible median / p95 / max, precision / recall / F1, false
//! alarms per hour of pumping, and sessions without ejections that got any detection.
//! Percentiles interpolate linearly between the closest ranks (numpy's default). Ratios
//! that would divide by zero are `None`.
//!
//! **Unobservable ejections.** DESIGN §3 defines `visible_s` as the moment an ejection's
//! own flow first becomes measurable at the sensor, before which no detector can see it.
//! A label whose `visible_s` is at or after the session's end, one whose onset is (its
//! milk cannot be visible before it flows), or — where the session's labels carry
//! `visible_s` at all — a label without it (the simulator's way of saying "not visible
//! before the recording stopped"), cannot be detected by any detector: when unmatched it
//! is counted in [`SessionScore::unobservable`], not as a false negative.
//! When matched it still counts as a true positive.
//!
//! **Ejections over a flowing one.** Later ejections often begin while an earlier one
//! still flows (before its labelled end, when its own flow is still above a tenth of its
//! peak); the sum a flow sensor reads then hides the new one's rise in the old one's
//! level and wander, and flow-based detection agrees with ultrasound on only about 72 %
//! of ejections event by event (Prime 2009, DESIGN §1). [`SessionScore::overlapping`]
//! counts those labels (observable ones only) and [`SessionScore::overlapping_found`]
//! the matched ones among them, so that recall can be read apart for the two kinds.
//!
//! Plain types, no I/O. Non-finite detection times never match (they count as false
//! alarms); labels are taken as finite (the label readers guarantee it).

use crate::labels::Ejection;

/// How long before a labelled onset a detection still matches it, s.
pub const WINDOW_BEFORE_S: f64 = 1.0;
/// How long after a labelled onset a detection still matches it, s.
pub const WINDOW_AFTER_S: f64 = 20.0;

/// Whether an onset detection at `detection_s` matches a labelled onset at `onset_s`:
/// `onset_s − 1 s ≤ detection_s ≤ onset_s + 20 s`.
pub fn in_window(onset_s: f64, detection_s: f64) -> bool {
    detection_s >= onset_s - WINDOW_BEFORE_S && detection_s <= onset_s + WINDOW_AFTER_S
}

/// How the first letdown of a session (its earliest labelled ejection) was detected.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct FirstLetdown {
    /// The labelled onset, s since session start.
    pub onset_s: f64,
    /// The label's `visible_s`, when it carries one, s.
    pub visible_s: Option<f64>,
    /// The matching detection, s; `None` when it was missed.
    pub detected_s: Option<f64>,
}

impl FirstLetdown {
    /// Detection − onset, s (−1 … 20); `None` when missed.
    pub fn delay_s(&self) -> Option<f64> {
        self.detected_s.map(|d| d - self.onset_s)
    }

    /// Detection − `visible_s`, s: the part of the delay that is the detector's own
    /// (negative if it fired before the flow was visible); `None` when missed or when
    /// the label has no `visible_s`.
    pub fn beyond_visible_s(&self) -> Option<f64> {
        Some(self.detected_s? - self.visible_s?)
    }
}

/// The score of one session.
#[derive(Clone, Debug, PartialEq)]
pub struct SessionScore {
    /// Session length, s (used for false alarms per hour).
    pub duration_s: f64,
    /// Labelled ejections.
    pub labels: usize,
    /// Onset detections.
    pub onsets: usize,
    /// Labels matched by a detection.
    pub true_positives: usize,
    /// Onset detections that match no label: the false alarms.
    pub false_positives: usize,
    /// Labels no detection matched.
    pub false_negatives: usize,
    /// False positives that fell inside the window of a label another detection had
    /// already matched (repeated detections of one ejection).
    pub duplicates: usize,
    /// Unmatched labels whose ejection never became visible at the sensor within the
    /// session (see the module docs); not counted as false negatives.
    pub unobservable: usize,
    /// Labels (not counting unobservable ones) whose ejection began before an earlier
    /// label's end: while an earlier ejection still flowed.
    pub overlapping: usize,
    /// Of those, the ones matched by a detection.
    pub overlapping_found: usize,
    /// For each label, in onset order: the time of the detection matched to it, s.
    pub matches: Vec<Option<f64>>,
    /// The first letdown; `None` for a session without labels.
    pub first: Option<FirstLetdown>,
}

impl SessionScore {
    /// Onset detections that match no label (same as [`false_positives`](Self::false_positives)).
    pub fn false_alarms(&self) -> usize {
        self.false_positives
    }

    /// Whether the session has labels and its first letdown was detected.
    pub fn first_detected(&self) -> bool {
        self.first.is_some_and(|f| f.detected_s.is_some())
    }
}

/// Scores the onset detections at `onset_detections_s` (s, any order) against `labels`
/// for a session `duration_s` long. See the module docs for the matching rule.
pub fn score_session(
    labels: &[Ejection],
    onset_detections_s: &[f64],
    duration_s: f64,
) -> SessionScore {
    let mut sorted_labels: Vec<Ejection> = labels.to_vec();
    sorted_labels.sort_by(|a, b| a.onset_s.total_cmp(&b.onset_s));
    let onsets: Vec<f64> = sorted_labels.iter().map(|l| l.onset_s).collect();

    let mut detections: Vec<f64> = onset_detections_s
        .iter()
        .copied()
        .filter(|d| d.is_finite())
        .collect();
    let non_finite = onset_detections_s.len() - detections.len();
    detections.sort_by(f64::total_cmp);

    let matched = match_detections(&onsets, &detections);
    let true_positives = matched.matches.iter().filter(|m| m.is_some()).count();
    let unobservable = unobservable_misses(&sorted_labels, &matched.matches, duration_s);
    let (overlapping, overlapping_found) =
        overlapping_labels(&sorted_labels, &matched.matches, duration_s);
    let first = sorted_labels.first().map(|l| FirstLetdown {
        onset_s: l.onset_s,
        visible_s: l.visible_s,
        detected_s: matched.matches.first().copied().flatten(),
    });
    SessionScore {
        duration_s,
        labels: onsets.len(),
        onsets: onset_detections_s.len(),
        true_positives,
        false_positives: non_finite + matched.unmatched,
        false_negatives: onsets.len() - true_positives - unobservable,
        unobservable,
        duplicates: matched.duplicates,
        overlapping,
        overlapping_found,
        matches: matched.matches,
        first,
    }
}

/// How the detections of a session matched its labels.
struct Matched {
    /// For each label, the detection matched to it, s.
    matches: Vec<Option<f64>>,
    /// Detections that matched no label.
    unmatched: usize,
    /// Of those, the ones inside the window of a label already matched.
    duplicates: usize,
}

/// Matches the sorted finite `detections` to the sorted label `onsets` (both s): each
/// detection to the earliest label still unmatched whose window holds it.
fn match_detections(onsets: &[f64], detections: &[f64]) -> Matched {
    let mut matches: Vec<Option<f64>> = vec![None; onsets.len()];
    // Labels before `open` have windows that closed before the current detection.
    let mut open = 0;
    let (mut unmatched, mut duplicates) = (0, 0);
    for &d in detections {
        while open < onsets.len() && d > onsets[open] + WINDOW_AFTER_S {
            open += 1;
        }
        let candidates = onsets[open..]
            .iter()
            .take_while(|&&onset| onset - WINDOW_BEFORE_S <= d)
            .count();
        let window = open..open + candidates;
        match window
            .clone()
            .find(|&j| matches[j].is_none() && in_window(onsets[j], d))
        {
            Some(j) => matches[j] = Some(d),
            None => {
                unmatched += 1;
                if window.clone().any(|j| in_window(onsets[j], d)) {
                    duplicates += 1;
                }
            }
        }
    }
    Matched {
        matches,
        unmatched,
        duplicates,
    }
}

/// Labels missed that no detector could see: never visible at the sensor within the
/// session (with `visible_s` labels; without a `visible_s` where the others carry one).
fn unobservable_misses(labels: &[Ejection], matches: &[Option<f64>], duration_s: f64) -> usize {
    let unseen = never_visible(labels, duration_s);
    labels
        .iter()
        .zip(matches)
        .filter(|&(l, m)| m.is_none() && unseen(l))
        .count()
}

/// Whether a label of `labels` was never visible at the sensor within a session
/// `duration_s` long (see [`unobservable_misses`]). An ejection that begins at or after
/// the session's end is never visible in it, whether or not its label carries
/// `visible_s` (which is never before the onset).
fn never_visible(labels: &[Ejection], duration_s: f64) -> impl Fn(&Ejection) -> bool {
    let carries_visible = labels.iter().any(|l| l.visible_s.is_some());
    move |l| match l.visible_s {
        _ if l.onset_s >= duration_s => true,
        Some(v) => v >= duration_s,
        None => carries_visible,
    }
}

/// Of the sorted `labels`, those that began before an earlier label's end, not counting
/// unobservable misses (neither as overlapping nor as the earlier ejection: an ejection
/// never visible at the sensor hides nothing there); and how many of them `matches`
/// matched.
fn overlapping_labels(
    labels: &[Ejection],
    matches: &[Option<f64>],
    duration_s: f64,
) -> (usize, usize) {
    let unseen = never_visible(labels, duration_s);
    let mut flowing_until = f64::NEG_INFINITY;
    let (mut overlapping, mut found) = (0, 0);
    for (l, m) in labels.iter().zip(matches) {
        if m.is_none() && unseen(l) {
            continue;
        }
        if l.onset_s < flowing_until {
            overlapping += 1;
            found += usize::from(m.is_some());
        }
        flowing_until = flowing_until.max(l.end_s);
    }
    (overlapping, found)
}

/// Median, 95th percentile and maximum of a set of values.
#[derive(Clone, Copy, Debug, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct Distribution {
    /// How many values.
    pub count: usize,
    /// Median.
    pub median: f64,
    /// 95th percentile (linear interpolation between the closest ranks).
    pub p95: f64,
    /// Largest value.
    pub max: f64,
}

impl Distribution {
    /// The distribution of the finite values in `values`; `None` when there are none.
    pub fn of(values: &[f64]) -> Option<Self> {
        let mut sorted: Vec<f64> = values.iter().copied().filter(|v| v.is_finite()).collect();
        sorted.sort_by(f64::total_cmp);
        Some(Self {
            count: sorted.len(),
            median: percentile(&sorted, 50.0)?,
            p95: percentile(&sorted, 95.0)?,
            max: *sorted.last()?,
        })
    }
}

/// The `p`-th percentile (0 … 100) of ascending `sorted` values, interpolating linearly
/// between the closest ranks (rank `p/100 · (n − 1)`, numpy's default); `None` when empty.
pub fn percentile(sorted: &[f64], p: f64) -> Option<f64> {
    let last = sorted.len().checked_sub(1)?;
    let rank = (p.clamp(0.0, 100.0) / 100.0) * last as f64;
    let below = rank.floor() as usize;
    let above = rank.ceil() as usize;
    let (lo, hi) = (*sorted.get(below)?, *sorted.get(above)?);
    Some(lo + (hi - lo) * (rank - below as f64))
}

/// Scores over a set of sessions (DESIGN §6): what `letdown replay` prints after its
/// table and `letdown evaluate` per detector and group (its `--json` serializes this
/// struct, with feature `serde`: field for field, the length as `hours`).
#[derive(Clone, Debug, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct Aggregate {
    /// Sessions scored.
    pub sessions: usize,
    /// Their total length, s (serialized as `hours`).
    #[cfg_attr(
        feature = "serde",
        serde(rename = "hours", serialize_with = "serialize_hours")
    )]
    pub duration_s: f64,
    /// Sessions with at least one labelled ejection.
    pub letdown_sessions: usize,
    /// Of those, sessions whose first letdown was detected.
    pub first_detected: usize,
    /// `first_detected / letdown_sessions`; `None` without letdown sessions.
    pub first_detection_rate: Option<f64>,
    /// First-letdown delay (detection − onset) over the detected first letdowns, s.
    pub first_delay_s: Option<Distribution>,
    /// First-letdown delay beyond the physical limit (detection − `visible_s`) over the
    /// detected first letdowns whose label carries `visible_s`, s.
    pub beyond_visible_s: Option<Distribution>,
    /// Matched labels, all sessions.
    pub true_positives: usize,
    /// Unmatched onset detections (false alarms), all sessions.
    pub false_positives: usize,
    /// Unmatched labels, all sessions.
    pub false_negatives: usize,
    /// Of the false positives, repeated detections of an already matched ejection.
    pub duplicates: usize,
    /// Labels that never became visible within their session (not false negatives).
    pub unobservable: usize,
    /// Labels (not counting unobservable ones) whose ejection began while an earlier one
    /// still flowed, all sessions ([`SessionScore::overlapping`]).
    pub overlapping: usize,
    /// Of those, the ones matched.
    pub overlapping_found: usize,
    /// TP / (TP + FP); `None` without any onset detection.
    pub precision: Option<f64>,
    /// TP / (TP + FN); `None` without any label.
    pub recall: Option<f64>,
    /// 2·TP / (2·TP + FP + FN); `None` without labels and detections.
    pub f1: Option<f64>,
    /// False positives per hour over the total length; `None` when that is zero.
    pub false_alarms_per_hour: Option<f64>,
    /// Sessions without labelled ejections.
    pub no_letdown_sessions: usize,
    /// Of those, sessions that got any onset detection.
    pub no_letdown_with_detection: usize,
}

/// A length in seconds written as hours.
#[cfg(feature = "serde")]
fn serialize_hours<S: serde::Serializer>(duration_s: &f64, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_f64(duration_s / 3600.0)
}

impl Aggregate {
    /// Their total length, h.
    pub fn hours(&self) -> f64 {
        self.duration_s / 3600.0
    }

    /// The observable labels split in two, each as (matched, all): those that began while
    /// an earlier ejection still flowed ([`overlapping`](Self::overlapping)), and the
    /// others. Their recalls are `matched / all`.
    pub fn overlap_split(&self) -> [(usize, usize); 2] {
        let observable = self.true_positives + self.false_negatives;
        [
            (self.overlapping_found, self.overlapping),
            (
                self.true_positives - self.overlapping_found,
                observable - self.overlapping,
            ),
        ]
    }

    /// Aggregates per-session scores.
    pub fn from_sessions(scores: &[SessionScore]) -> Self {
        let ratio = |num: usize, den: usize| (den > 0).then(|| num as f64 / den as f64);
        let sum = |f: fn(&SessionScore) -> usize| scores.iter().map(f).sum::<usize>();
        let firsts: Vec<FirstLetdown> = scores.iter().filter_map(|s| s.first).collect();
        let delays: Vec<f64> = firsts.iter().filter_map(FirstLetdown::delay_s).collect();
        let beyond: Vec<f64> = firsts
            .iter()
            .filter_map(FirstLetdown::beyond_visible_s)
            .collect();
        let no_letdown: Vec<&SessionScore> = scores.iter().filter(|s| s.labels == 0).collect();
        let (tp, fp, fn_) = (
            sum(|s| s.true_positives),
            sum(|s| s.false_positives),
            sum(|s| s.false_negatives),
        );
        // Folded from +0.0: an empty f64 `sum` is -0.0.
        let duration_s = scores.iter().fold(0.0, |acc, s| acc + s.duration_s);
        let hours = duration_s / 3600.0;
        Self {
            sessions: scores.len(),
            duration_s,
            letdown_sessions: firsts.len(),
            first_detected: delays.len(),
            first_detection_rate: ratio(delays.len(), firsts.len()),
            first_delay_s: Distribution::of(&delays),
            beyond_visible_s: Distribution::of(&beyond),
            true_positives: tp,
            false_positives: fp,
            false_negatives: fn_,
            duplicates: sum(|s| s.duplicates),
            unobservable: sum(|s| s.unobservable),
            overlapping: sum(|s| s.overlapping),
            overlapping_found: sum(|s| s.overlapping_found),
            precision: ratio(tp, tp + fp),
            recall: ratio(tp, tp + fn_),
            f1: ratio(2 * tp, 2 * tp + fp + fn_),
            false_alarms_per_hour: (hours.is_finite() && hours > 0.0).then(|| fp as f64 / hours),
            no_letdown_sessions: no_letdown.len(),
            no_letdown_with_detection: no_letdown.iter().filter(|s| s.onsets > 0).count(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ejections_that_begin_while_an_earlier_one_flows_are_counted_apart() {
        let label = |onset_s: f64, end_s: f64, visible_s: f64| Ejection {
            onset_s,
            end_s,
            visible_s: Some(visible_s),
        };
        let labels = [
            label(50.0, 150.0, 57.0),
            label(100.0, 200.0, 106.0), // over the first: found
            label(180.0, 260.0, 186.0), // over the second: missed
            label(300.0, 400.0, 305.0), // after every end
            label(395.0, 900.0, 905.0), // over the fourth, never visible: not counted
        ];
        let s = score_session(&labels, &[101.0, 52.0, 301.0], 900.0);
        assert_eq!(
            (s.true_positives, s.false_negatives, s.unobservable),
            (3, 1, 1)
        );
        assert_eq!((s.overlapping, s.overlapping_found), (2, 1));
        let a = Aggregate::from_sessions(&[s.clone(), s]);
        assert_eq!((a.overlapping, a.overlapping_found), (4, 2));
        assert_eq!(a.overlap_split(), [(2, 4), (4, 4)]);
        // In any order; and over an ejection never visible, none is hidden.
        let mut shuffled = labels;
        shuffled.reverse();
        let s = score_session(&shuffled, &[301.0, 101.0, 52.0], 900.0);
        assert_eq!((s.overlapping, s.overlapping_found), (2, 1));
        let unseen_first = [label(10.0, 800.0, 950.0), label(300.0, 400.0, 305.0)];
        let s = score_session(&unseen_first, &[301.0], 900.0);
        assert_eq!((s.unobservable, s.overlapping), (1, 0));
    }

    #[test]
    fn ejections_never_visible_in_the_session_are_not_misses() {
        let seen = Ejection {
            onset_s: 50.0,
            end_s: 150.0,
            visible_s: Some(57.0),
        };
        let late = Ejection {
            onset_s: 890.0,
            end_s: 900.0,
            visible_s: Some(903.0),
        };
        let unknown = Ejection {
            onset_s: 895.0,
            end_s: 900.0,
            visible_s: None,
        };
        let s = score_session(&[seen, late, unknown], &[58.0], 900.0);
        assert_eq!(
            (s.true_positives, s.false_negatives, s.unobservable),
            (1, 0, 2)
        );
        // Detected anyway: a true positive, not unobservable.
        let s = score_session(&[seen, late], &[58.0, 899.5], 900.0);
        assert_eq!(
            (s.true_positives, s.false_negatives, s.unobservable),
            (2, 0, 0)
        );
        // Labels without visible_s at all (a labels file without the column): all count.
        let plain = |o: f64| Ejection {
            onset_s: o,
            end_s: o + 60.0,
            visible_s: None,
        };
        let s = score_session(&[plain(50.0), plain(890.0)], &[55.0], 900.0);
        assert_eq!((s.false_negatives, s.unobservable), (1, 0));
        // One that begins after the recording ended: never visible in it, either way.
        let s = score_session(&[plain(50.0), plain(900.0), plain(950.0)], &[55.0], 900.0);
        assert_eq!((s.false_negatives, s.unobservable), (0, 2));
        let a = Aggregate::from_sessions(&[score_session(&[seen, late], &[58.0], 900.0)]);
        assert_eq!((a.unobservable, a.recall), (1, Some(1.0)));
    }

    fn label(onset_s: f64, end_s: f64) -> Ejection {
        Ejection {
            onset_s,
            end_s,
            visible_s: None,
        }
    }

    fn visible(onset_s: f64, end_s: f64, visible_s: f64) -> Ejection {
        Ejection {
            onset_s,
            end_s,
            visible_s: Some(visible_s),
        }
    }

    fn close(a: f64, b: f64) -> bool {
        letdown_test_support::isclose(a, b, 0.0, 1e-9)
    }

    #[test]
    fn exact_matches() {
        let labels = [label(90.0, 200.0), label(300.0, 400.0)];
        let s = score_session(&labels, &[95.0, 310.0], 600.0);
        assert_eq!(
            (s.true_positives, s.false_positives, s.false_negatives),
            (2, 0, 0)
        );
        assert_eq!(s.matches, vec![Some(95.0), Some(310.0)]);
        let first = s.first.expect("labels present");
        assert_eq!(first.delay_s(), Some(5.0));
        assert_eq!(first.beyond_visible_s(), None);
        assert!(s.first_detected());
    }

    #[test]
    fn window_edges_are_included() {
        let labels = [label(100.0, 200.0)];
        for d in [99.0, 120.0] {
            let s = score_session(&labels, &[d], 300.0);
            assert_eq!(s.true_positives, 1, "detection at {d}");
        }
        let early = score_session(&labels, &[98.999], 300.0);
        let late = score_session(&labels, &[120.001], 300.0);
        for s in [early, late] {
            assert_eq!(
                (s.true_positives, s.false_positives, s.false_negatives),
                (0, 1, 1)
            );
            assert!(!s.first_detected());
            assert_eq!(s.duplicates, 0);
        }
        let s = score_session(&labels, &[99.0], 300.0);
        assert_eq!(s.first.and_then(|f| f.delay_s()), Some(-1.0));
    }

    #[test]
    fn duplicates_match_once() {
        let labels = [label(100.0, 200.0)];
        let s = score_session(&labels, &[105.0, 101.0, 110.0], 300.0);
        assert_eq!(
            (s.true_positives, s.false_positives, s.false_negatives),
            (1, 2, 0)
        );
        assert_eq!(s.duplicates, 2);
        // The earliest detection in the window is the one matched.
        assert_eq!(s.matches, vec![Some(101.0)]);
        assert_eq!(s.false_alarms(), 2);
    }

    #[test]
    fn overlapping_windows_give_maximum_matching() {
        // Windows [99, 120] and [109, 130]: 115 and 118 both fit both windows; the
        // earlier detection goes to the earlier label and both labels match.
        let labels = [label(100.0, 150.0), label(110.0, 160.0)];
        let s = score_session(&labels, &[118.0, 115.0], 300.0);
        assert_eq!((s.true_positives, s.false_positives), (2, 0));
        assert_eq!(s.matches, vec![Some(115.0), Some(118.0)]);
        // 125 fits only the second window: the first label stays missed.
        let s = score_session(&labels, &[125.0], 300.0);
        assert_eq!(s.matches, vec![None, Some(125.0)]);
        assert!(!s.first_detected());
        // 105 fits only the first, 121 only the second.
        let s = score_session(&labels, &[121.0, 105.0], 300.0);
        assert_eq!(s.matches, vec![Some(105.0), Some(121.0)]);
    }

    #[test]
    fn visible_limit() {
        let labels = [visible(100.0, 200.0, 104.0)];
        let s = score_session(&labels, &[107.5], 300.0);
        let first = s.first.expect("labels present");
        assert_eq!(first.delay_s(), Some(7.5));
        assert_eq!(first.beyond_visible_s(), Some(3.5));
    }

    #[test]
    fn empty_and_no_label_sessions() {
        let s = score_session(&[], &[], 0.0);
        assert_eq!(
            (s.labels, s.onsets, s.true_positives, s.false_positives),
            (0, 0, 0, 0)
        );
        assert_eq!(s.first, None);
        let s = score_session(&[], &[50.0, 70.0], 600.0);
        assert_eq!((s.false_positives, s.false_negatives), (2, 0));
        let s = score_session(&[label(90.0, 180.0)], &[], 600.0);
        assert_eq!((s.true_positives, s.false_negatives), (0, 1));
        assert!(!s.first_detected());
    }

    #[test]
    fn non_finite_detections_never_match() {
        let s = score_session(
            &[label(10.0, 60.0)],
            &[f64::NAN, 12.0, f64::INFINITY],
            100.0,
        );
        assert_eq!((s.true_positives, s.false_positives, s.onsets), (1, 2, 3));
    }

    #[test]
    fn percentiles_interpolate() {
        let v = [1.0, 2.0, 3.0, 4.0];
        assert_eq!(percentile(&v, 50.0), Some(2.5));
        assert!(close(percentile(&v, 95.0).unwrap_or(f64::NAN), 3.85));
        assert_eq!(percentile(&[], 50.0), None);
        assert_eq!(percentile(&[7.0], 95.0), Some(7.0));
        let d = Distribution::of(&[3.0, 1.0, f64::NAN, 2.0]).expect("finite values");
        assert_eq!((d.count, d.median, d.max), (3, 2.0, 3.0));
        assert!(close(d.p95, 2.9));
    }

    #[test]
    fn aggregate_over_sessions() {
        let scores = [
            // Detected 4 s late, visible 2 s after onset: 2 s beyond the limit.
            score_session(&[visible(100.0, 200.0, 102.0)], &[104.0], 1800.0),
            // First missed, second found, one false alarm.
            score_session(
                &[label(60.0, 120.0), label(400.0, 500.0)],
                &[30.0, 405.0],
                1800.0,
            ),
            // No letdown, one false alarm.
            score_session(&[], &[700.0], 1800.0),
            // No letdown, quiet.
            score_session(&[], &[], 1800.0),
        ];
        let a = Aggregate::from_sessions(&scores);
        assert_eq!(a.sessions, 4);
        assert_eq!((a.letdown_sessions, a.first_detected), (2, 1));
        assert_eq!(a.first_detection_rate, Some(0.5));
        assert_eq!(
            a.first_delay_s.map(|d| (d.count, d.median, d.max)),
            Some((1, 4.0, 4.0))
        );
        assert_eq!(a.beyond_visible_s.map(|d| d.median), Some(2.0));
        assert_eq!(
            (a.true_positives, a.false_positives, a.false_negatives),
            (2, 2, 1)
        );
        assert_eq!(a.precision, Some(0.5));
        assert!(close(a.recall.unwrap_or(f64::NAN), 2.0 / 3.0));
        assert!(close(a.f1.unwrap_or(f64::NAN), 4.0 / 7.0));
        assert_eq!(a.duration_s, 7200.0);
        assert_eq!(a.false_alarms_per_hour, Some(1.0));
        assert_eq!((a.no_letdown_sessions, a.no_letdown_with_detection), (2, 1));
    }

    #[test]
    fn aggregate_of_nothing_has_no_ratios() {
        let a = Aggregate::from_sessions(&[]);
        assert_eq!(a.sessions, 0);
        assert_eq!(a.first_detection_rate, None);
        assert_eq!(a.first_delay_s, None);
        assert_eq!((a.precision, a.recall, a.f1), (None, None, None));
        assert_eq!(a.false_alarms_per_hour, None);
    }
}

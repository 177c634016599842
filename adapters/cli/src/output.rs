//! What `replay` prints: one line per event, a summary line and a score line per
//! session, and the final table with the aggregate score. Units are printed with every
//! number.

use super::session_run::Replay;
use super::table::{Align, Table};
use letdown_datasets::score::{Aggregate, Distribution, SessionScore};
use letdown_engine::Event;
use letdown_io::session_csv::{Metadata, SAMPLE_RATE_KEY};
use std::path::Path;

/// How a session's replay went, for the final table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Status {
    /// Replayed to the end (and scored, when it has labels).
    Ok,
    /// Not replayed at all: unreadable, malformed metadata or header, or a rate the
    /// engine refuses.
    NotStarted,
    /// Replay stopped at a malformed row.
    ReadError,
    /// Replayed, but its label file is malformed: not scored.
    LabelsError,
    /// Replayed, but its detection file could not be written.
    OutputError,
}

impl Status {
    /// The word shown in the table.
    pub fn word(self) -> &'static str {
        match self {
            Status::Ok => "ok",
            Status::NotStarted => "not replayed",
            Status::ReadError => "read error",
            Status::LabelsError => "labels error",
            Status::OutputError => "output error",
        }
    }
}

/// One session's row of the final table.
pub struct SessionResult {
    /// The session's name (file name without `.csv`).
    pub name: String,
    /// What was replayed; `None` when nothing was.
    pub replay: Option<Replay>,
    /// Labelled ejections, when a valid label file sits beside the session.
    pub labels: Option<usize>,
    /// The score, when the session was replayed to its end and has labels.
    pub score: Option<SessionScore>,
    /// How it went.
    pub status: Status,
}

/// `== NAME  (PATH, RATE Hz, key: value, …)`.
pub fn session_heading(name: &str, path: &Path, metadata: &Metadata) -> String {
    let mut text = format!(
        "== {name}  ({}, {} Hz",
        path.display(),
        metadata.sample_rate_hz
    );
    for (key, value) in metadata
        .entries
        .iter()
        .filter(|(k, _)| k != SAMPLE_RATE_KEY)
    {
        text.push_str(&format!(", {key}: {value}"));
    }
    text.push(')');
    text
}

/// One event: time, sample index, kind, reason, confidence, and the hint's mode,
/// vacuum and rate when it carries one.
pub fn event_line(event: &Event, sample_rate_hz: f64) -> String {
    let mut text = format!(
        "  {:>10.3} s  #{:<9}  {:<5}  {:<17}  confidence {:.2}",
        event.sample_index as f64 / sample_rate_hz,
        event.sample_index,
        event.kind.to_string(),
        event.reason.to_string(),
        event.confidence
    );
    if let Some(h) = &event.hint {
        text.push_str(&format!(
            "  hint: {} {:.1} mmHg {:.1} cpm, ramp {} cycles",
            h.mode, h.target_vacuum_mmhg, h.rate_cpm, h.ramp_cycles
        ));
        if let Some(cue) = h.cue {
            text.push_str(&format!(", cue {cue}"));
        }
    }
    text
}

/// `NAME: N samples, D s, G gaps (M missing), O onsets, E ends, first detected T s, S samples/s (X× real time)`.
pub fn session_summary(name: &str, r: &Replay) -> String {
    let gaps = match r.gaps {
        0 => String::from("no gaps"),
        1 => format!("1 gap ({} samples missing)", r.missing),
        n => format!("{n} gaps ({} samples missing)", r.missing),
    };
    format!(
        "   {name}: {} samples, {:.3} s, {gaps}, {} onsets, {} ends, first detected {}, {}",
        r.rows,
        r.duration_s(),
        r.onsets_s.len(),
        r.ends,
        seconds(r.first_detection_s()),
        speed(r.rows, r.duration_s(), r.elapsed_s)
    )
}

/// The DESIGN §6 score of one session, in one line.
pub fn score_line(s: &SessionScore) -> String {
    let first = match s.first {
        None => String::from("no labelled letdown"),
        Some(f) => match f.detected_s {
            None => format!("first letdown at {:.3} s missed", f.onset_s),
            Some(d) => {
                let mut text = format!(
                    "first letdown at {:.3} s detected at {d:.3} s (delay {}",
                    f.onset_s,
                    seconds(f.delay_s())
                );
                if let Some(b) = f.beyond_visible_s() {
                    text.push_str(&format!(", {b:.3} s beyond visible"));
                }
                text.push(')');
                text
            }
        },
    };
    format!(
        "   score: {first}; {} labels, TP {} FP {} FN {}, false alarms {} ({} duplicates){}",
        s.labels,
        s.true_positives,
        s.false_positives,
        s.false_negatives,
        s.false_alarms(),
        s.duplicates,
        unobservable_note(s.unobservable)
    )
}

/// `; N never visible before the session ended` when N > 0 (see `score`'s module docs).
fn unobservable_note(n: usize) -> String {
    if n == 0 {
        String::new()
    } else {
        format!("; {n} not counted: never visible at the sensor before the session ended")
    }
}

/// The final table: one row per session.
pub fn summary_table(results: &[SessionResult]) -> Vec<String> {
    let mut table = Table::new(&[
        ("session", Align::Left),
        ("samples", Align::Right),
        ("duration_s", Align::Right),
        ("gaps", Align::Right),
        ("onsets", Align::Right),
        ("ends", Align::Right),
        ("first_detected_s", Align::Right),
        ("labels", Align::Right),
        ("first_delay_s", Align::Right),
        ("TP", Align::Right),
        ("FP", Align::Right),
        ("FN", Align::Right),
        ("samples/s", Align::Right),
        ("status", Align::Left),
    ]);
    let dash = || String::from("-");
    for result in results {
        let mut cells = vec![result.name.clone()];
        match &result.replay {
            Some(r) => cells.extend([
                r.rows.to_string(),
                format!("{:.3}", r.duration_s()),
                r.gaps.to_string(),
                r.onsets_s.len().to_string(),
                r.ends.to_string(),
                r.first_detection_s()
                    .map_or_else(dash, |t| format!("{t:.3}")),
            ]),
            None => cells.extend(std::iter::repeat_with(dash).take(6)),
        }
        cells.push(result.labels.map_or_else(dash, |n| n.to_string()));
        match &result.score {
            Some(s) => cells.extend([
                s.first
                    .and_then(|f| f.delay_s())
                    .map_or_else(dash, |d| format!("{d:.3}")),
                s.true_positives.to_string(),
                s.false_positives.to_string(),
                s.false_negatives.to_string(),
            ]),
            None => cells.extend(std::iter::repeat_with(dash).take(4)),
        }
        cells.push(
            result
                .replay
                .as_ref()
                .and_then(Replay::samples_per_s)
                .map_or_else(dash, si),
        );
        cells.push(result.status.word().to_owned());
        table.row(cells);
    }
    table.render()
}

/// Totals over all sessions and the aggregate DESIGN §6 score over the scored ones;
/// `unread_paths` paths given gave no session at all (missing, not a session file), and
/// are counted apart so that the summary never says "0 with problems" after them.
pub fn aggregate_lines(results: &[SessionResult], unread_paths: usize) -> Vec<String> {
    let replays: Vec<&Replay> = results.iter().filter_map(|r| r.replay.as_ref()).collect();
    let rows: u64 = replays.iter().map(|r| r.rows).sum();
    // Folded from +0.0: an empty f64 `sum` is -0.0, printed "-0.000".
    let duration_s = replays.iter().fold(0.0, |acc, r| acc + r.duration_s());
    let elapsed_s = replays.iter().fold(0.0, |acc, r| acc + r.elapsed_s);
    let failed = results.iter().filter(|r| r.status != Status::Ok).count();
    let unread = match unread_paths {
        0 => String::new(),
        1 => String::from(", and 1 path that gave no session"),
        n => format!(", and {n} paths that gave no session"),
    };
    let mut lines = vec![format!(
        "sessions: {} ({} with problems{unread}); {rows} samples, {duration_s:.3} s of \
         pumping, {}",
        results.len(),
        failed,
        speed(rows, duration_s, elapsed_s)
    )];
    let scores: Vec<SessionScore> = results.iter().filter_map(|r| r.score.clone()).collect();
    if scores.is_empty() {
        lines.push(String::from("score: no session with labels was replayed"));
        return lines;
    }
    let a = Aggregate::from_sessions(&scores);
    lines.push(format!(
        "score over {} labelled sessions ({:.3} h): DESIGN §6",
        a.sessions,
        a.duration_s / 3600.0
    ));
    lines.push(format!(
        "  first letdown: detected {}/{} ({}); delay {}; beyond visible {}",
        a.first_detected,
        a.letdown_sessions,
        percent(a.first_detection_rate),
        distribution(a.first_delay_s),
        distribution(a.beyond_visible_s)
    ));
    lines.push(format!(
        "  all ejections: TP {} FP {} FN {} ({} duplicates); precision {}, recall {}, F1 {}{}",
        a.true_positives,
        a.false_positives,
        a.false_negatives,
        a.duplicates,
        ratio(a.precision),
        ratio(a.recall),
        ratio(a.f1),
        unobservable_note(a.unobservable)
    ));
    if let Some(line) = overlap_split(&a) {
        lines.push(line);
    }
    lines.push(format!(
        "  false alarms: {} per hour; sessions without letdown with any detection: {}/{}",
        a.false_alarms_per_hour
            .map_or_else(|| String::from("-"), |f| format!("{f:.2}")),
        a.no_letdown_with_detection,
        a.no_letdown_sessions
    ));
    lines
}

/// Recall over the ejections that began while an earlier one still flowed, and over the
/// others (see `letdown_datasets::score`); `None` without any observable label.
fn overlap_split(a: &Aggregate) -> Option<String> {
    let [(over_found, over), (rest_found, rest)] = a.overlap_split();
    let recall = |found: usize, of: usize| ratio((of > 0).then(|| found as f64 / of as f64));
    (over + rest > 0).then(|| {
        format!(
            "  of them, begun while an earlier one still flowed: found {over_found}/{over} (recall {}); the others {rest_found}/{rest} (recall {})",
            recall(over_found, over),
            recall(rest_found, rest)
        )
    })
}

/// `12.345 s`, or `-`.
fn seconds(t: Option<f64>) -> String {
    t.map_or_else(|| String::from("-"), |t| format!("{t:.3} s"))
}

/// `0.833`, or `-`.
fn ratio(x: Option<f64>) -> String {
    x.map_or_else(|| String::from("-"), |x| format!("{x:.3}"))
}

/// `75.0 %`, or `-`.
fn percent(x: Option<f64>) -> String {
    x.map_or_else(|| String::from("-"), |x| format!("{:.1} %", 100.0 * x))
}

/// `median 5.200 s, p95 9.800 s, max 10.100 s`, or `-`.
fn distribution(d: Option<Distribution>) -> String {
    d.map_or_else(
        || String::from("-"),
        |d| {
            format!(
                "median {:.3} s, p95 {:.3} s, max {:.3} s (n={})",
                d.median, d.p95, d.max, d.count
            )
        },
    )
}

/// A rate with an SI prefix: `950`, `12.3 k`, `4.56 M`.
fn si(x: f64) -> String {
    if x >= 1e9 {
        format!("{:.2} G", x / 1e9)
    } else if x >= 1e6 {
        format!("{:.2} M", x / 1e6)
    } else if x >= 1e3 {
        format!("{:.1} k", x / 1e3)
    } else {
        format!("{x:.0}")
    }
}

/// `4.56 M samples/s (4560× real time)`, or `speed not measurable` when too fast to time.
fn speed(rows: u64, duration_s: f64, elapsed_s: f64) -> String {
    if elapsed_s > 0.0 {
        format!(
            "{} samples/s ({:.0}× real time)",
            si(rows as f64 / elapsed_s),
            duration_s / elapsed_s
        )
    } else {
        String::from("speed not measurable")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use letdown_datasets::labels::Ejection;
    use letdown_datasets::score::score_session;
    use letdown_engine::{ControlHint, EventKind, Mode, Reason};

    #[test]
    fn event_lines_show_time_kind_reason_confidence_and_hint() {
        let hint = ControlHint {
            sample_index: 95_321,
            mode: Mode::Expression,
            target_vacuum_mmhg: -180.0,
            rate_cpm: 60.0,
            ramp_cycles: 2,
            reason: Reason::LetdownDetected,
            confidence: 0.93,
            cue: None,
        };
        let event = Event {
            sample_index: 95_321,
            kind: EventKind::Onset,
            reason: Reason::LetdownDetected,
            confidence: 0.93,
            hint: Some(hint),
        };
        let line = event_line(&event, 1000.0);
        for part in [
            "95.321 s",
            "#95321",
            "onset",
            "letdown_detected",
            "confidence 0.93",
            "hint: expression -180.0 mmHg 60.0 cpm",
        ] {
            assert!(line.contains(part), "{line:?} lacks {part:?}");
        }
        let bare = event_line(
            &Event {
                hint: None,
                ..event
            },
            1000.0,
        );
        assert!(!bare.contains("hint"), "{bare}");
    }

    #[test]
    fn summary_and_score_lines() {
        let replay = Replay {
            sample_rate_hz: 1000.0,
            rows: 9000,
            gaps: 1,
            missing: 1000,
            length_samples: 10_000,
            onsets_s: vec![4.5],
            ends: 1,
            hints: 0,
            elapsed_s: 0.001,
        };
        let line = session_summary("s1", &replay);
        assert!(
            line.contains("9000 samples, 10.000 s, 1 gap (1000 samples missing)"),
            "{line}"
        );
        assert!(line.contains("first detected 4.500 s"), "{line}");
        assert!(
            line.contains("9.00 M samples/s (10000× real time)"),
            "{line}"
        );
        let labels = [Ejection {
            onset_s: 4.0,
            end_s: 8.0,
            visible_s: Some(4.25),
        }];
        let score = score_session(&labels, &replay.onsets_s, replay.duration_s());
        let line = score_line(&score);
        assert!(
            line.contains("detected at 4.500 s (delay 0.500 s, 0.250 s beyond visible)"),
            "{line}"
        );
        let results = [SessionResult {
            name: "s1".into(),
            replay: Some(replay),
            labels: Some(1),
            score: Some(score),
            status: Status::Ok,
        }];
        let table = summary_table(&results);
        assert_eq!(table.len(), 3);
        assert!(table[2].starts_with("s1"), "{table:?}");
        let agg = aggregate_lines(&results, 0);
        assert!(
            agg[0].starts_with("sessions: 1 (0 with problems); "),
            "{agg:?}"
        );
        let agg = aggregate_lines(&results, 2);
        let counted = "sessions: 1 (0 with problems, and 2 paths that gave no session); ";
        assert!(agg[0].starts_with(counted), "{agg:?}");
        assert!(
            agg.iter().any(|l| l.contains("detected 1/1 (100.0 %)")),
            "{agg:?}"
        );
    }
}

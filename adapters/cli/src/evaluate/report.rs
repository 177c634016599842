//! The evaluation as aligned tables for people: detection (open loop) and closed loop,
//! one block of rows per profile (then per rate when several were run, then overall),
//! one row per strategy.

use super::closed_loop::LoopStrategy;
use super::metrics::{rate_key, Breakdown, ClosedLoopMetrics, Report, Summary};
use super::open_loop::Detector;
use crate::table::{Align, Table};
use letdown_datasets::score::{Aggregate, Distribution};
use std::collections::BTreeMap;

/// Profiles in the order people read them; others follow alphabetically.
const PROFILE_ORDER: [&str; 5] = ["relaxed", "typical", "stressed", "no-letdown", "unknown"];

/// The groups of rows: each profile, each rate (when there are several), and `all`.
/// Each is (title, key) where key picks the group out of a [`Breakdown`].
fn groups<M>(breakdown: &Breakdown<M>) -> Vec<(String, Group)> {
    let mut profiles: Vec<&String> = breakdown.profiles.keys().collect();
    profiles.sort_by_key(|p| {
        (
            PROFILE_ORDER
                .iter()
                .position(|o| o == p)
                .unwrap_or(PROFILE_ORDER.len()),
            p.as_str(),
        )
    });
    let mut out: Vec<(String, Group)> = profiles
        .into_iter()
        .map(|p| (p.clone(), Group::Profile(p.clone())))
        .collect();
    if breakdown.rates_hz.len() > 1 {
        let mut rates: Vec<(f64, &String)> = breakdown
            .rates_hz
            .keys()
            .map(|k| (k.parse().unwrap_or(f64::NAN), k))
            .collect();
        rates.sort_by(|a, b| a.0.total_cmp(&b.0));
        out.extend(
            rates
                .into_iter()
                .map(|(_, k)| (format!("{k} Hz"), Group::Rate(k.clone()))),
        );
    }
    out.push(("all".to_owned(), Group::All));
    out
}

/// Which part of a [`Breakdown`] a row block shows.
enum Group {
    Profile(String),
    Rate(String),
    All,
}

impl Group {
    fn pick<'a, M>(&self, b: &'a Breakdown<M>) -> Option<&'a M> {
        match self {
            Group::Profile(p) => b.profiles.get(p),
            Group::Rate(r) => b.rates_hz.get(r),
            Group::All => Some(&b.all),
        }
    }
}

/// The columns of [`detection_table`] (and of [`detection_row`]'s cells).
pub(super) const DETECTION_COLUMNS: [(&str, Align); 13] = [
    ("group", Align::Left),
    ("detector", Align::Left),
    ("sessions", Align::Right),
    ("first found", Align::Right),
    ("delay med s", Align::Right),
    ("p95 s", Align::Right),
    ("max s", Align::Right),
    ("beyond visible med s", Align::Right),
    ("precision", Align::Right),
    ("recall", Align::Right),
    ("F1", Align::Right),
    ("false alarms/h", Align::Right),
    ("no-letdown w/ detection", Align::Right),
];

/// The detection table: one row per (group, detector).
pub fn detection_table(report: &Report) -> Vec<String> {
    let mut table = Table::new(&DETECTION_COLUMNS);
    let Some(first) = report.detection.get(Detector::Engine.key()) else {
        return Vec::new();
    };
    for (title, group) in groups(first) {
        for (i, d) in Detector::ALL.iter().enumerate() {
            let Some(m) = report.detection.get(d.key()).and_then(|b| group.pick(b)) else {
                continue;
            };
            let title = if i == 0 { title.clone() } else { String::new() };
            table.row(detection_row(title, d.label(), m));
        }
    }
    table.render()
}

/// One detection row's cells, in [`detection_table`]'s columns.
pub(super) fn detection_row(group: String, detector: &str, m: &Aggregate) -> Vec<String> {
    let q = |d: Option<Distribution>, f: fn(&Distribution) -> f64| {
        d.as_ref().map_or_else(dash, |d| format!("{:.1}", f(d)))
    };
    vec![
        group,
        detector.to_owned(),
        m.sessions.to_string(),
        first_found(m),
        q(m.first_delay_s, |d| d.median),
        q(m.first_delay_s, |d| d.p95),
        q(m.first_delay_s, |d| d.max),
        q(m.beyond_visible_s, |d| d.median),
        ratio(m.precision),
        ratio(m.recall),
        ratio(m.f1),
        false_alarms(m),
        no_letdown_with_detection(m),
    ]
}

/// `found/sessions (rate %)` of the first letdowns, or `-` without letdown sessions.
pub(super) fn first_found(m: &Aggregate) -> String {
    if m.letdown_sessions == 0 {
        dash()
    } else {
        format!(
            "{}/{} {}",
            m.first_detected,
            m.letdown_sessions,
            percent(m.first_detection_rate)
        )
    }
}

/// False alarms per hour, two decimals, or `-`.
pub(super) fn false_alarms(m: &Aggregate) -> String {
    m.false_alarms_per_hour
        .map_or_else(dash, |f| format!("{f:.2}"))
}

/// `with detection/sessions` without letdown, or `-` when there is none.
pub(super) fn no_letdown_with_detection(m: &Aggregate) -> String {
    if m.no_letdown_sessions == 0 {
        dash()
    } else {
        format!("{}/{}", m.no_letdown_with_detection, m.no_letdown_sessions)
    }
}

/// The closed-loop table: one row per (group, strategy); `vs timer` compares mean
/// volumes with the timer's over the same sessions; mis-phase per ejection (mean,
/// median, p95), then the first-switch mis-phase (mean).
pub fn closed_loop_table(report: &Report) -> Vec<String> {
    let mut table = Table::new(&[
        ("group", Align::Left),
        ("pump follows", Align::Left),
        ("sessions", Align::Right),
        ("volume mL mean", Align::Right),
        ("vs timer", Align::Right),
        ("to 90 % s median", Align::Right),
        ("p95 s", Align::Right),
        ("mis-phase per ejection s mean", Align::Right),
        ("median", Align::Right),
        ("p95", Align::Right),
        ("1st-switch mis-phase s mean", Align::Right),
    ]);
    let loops: &BTreeMap<&str, Breakdown<ClosedLoopMetrics>> = &report.closed_loop;
    let Some(first) = loops.get(LoopStrategy::Engine.key()) else {
        return Vec::new();
    };
    for (title, group) in groups(first) {
        let timer_mean = loops
            .get(LoopStrategy::Timer.key())
            .and_then(|b| group.pick(b))
            .and_then(|m| m.volume_ml)
            .map(|v| v.mean);
        for (i, s) in LoopStrategy::ALL.iter().enumerate() {
            let Some(m) = loops.get(s.key()).and_then(|b| group.pick(b)) else {
                continue;
            };
            let title = if i == 0 { title.clone() } else { String::new() };
            let mean = |x: Option<Summary>, f: fn(&Summary) -> f64| {
                x.as_ref().map_or_else(dash, |s| format!("{:.1}", f(s)))
            };
            let vs_timer = match (m.volume_ml.map(|v| v.mean), timer_mean) {
                (Some(v), Some(t)) if t > 0.0 => format!("{:+.1} %", 100.0 * (v / t - 1.0)),
                _ => dash(),
            };
            table.row(vec![
                title,
                s.label().to_owned(),
                m.sessions.to_string(),
                mean(m.volume_ml, |s| s.mean),
                vs_timer,
                mean(m.time_to_90pct_s, |s| s.median),
                mean(m.time_to_90pct_s, |s| s.p95),
                mean(m.misphase_s, |s| s.mean),
                mean(m.misphase_s, |s| s.median),
                mean(m.misphase_s, |s| s.p95),
                mean(m.first_switch_misphase_s, |s| s.mean),
            ]);
        }
    }
    table.render()
}

/// What detection buys apart from what cues buy (DESIGN §6), per group, from the mean
/// volumes and mis-phase of the closed-loop table: detection alone is the engine with the
/// cue effect at 0 against the timer (neither pump's cues act); the engine's cues are the
/// engine against itself with the effect at 0; the timer's prompt is the timer with its
/// 90 s relaxation prompt against the plain timer; both with cues compares the engine and
/// the prompted timer as the simulator assumes cues act.
pub fn closed_loop_split_table(report: &Report) -> Vec<String> {
    let mut table = Table::new(&[
        ("group", Align::Left),
        ("sessions", Align::Right),
        ("detection alone: engine vs timer", Align::Right),
        ("engine's cues", Align::Right),
        ("timer's 90 s prompt", Align::Right),
        ("both with cues: engine vs timer", Align::Right),
        ("mis-phase engine/timer, no cue effect", Align::Right),
        ("with cues", Align::Right),
    ]);
    let loops = &report.closed_loop;
    let Some(first) = loops.get(LoopStrategy::Engine.key()) else {
        return Vec::new();
    };
    for (title, group) in groups(first) {
        let metric = |s: LoopStrategy| loops.get(s.key()).and_then(|b| group.pick(b));
        let mean = |s: LoopStrategy, f: fn(&ClosedLoopMetrics) -> Option<Summary>| {
            metric(s).and_then(f).map(|x| x.mean)
        };
        let volume = |s| mean(s, |m| m.volume_ml);
        let misphase = |s| mean(s, |m| m.misphase_s);
        let gain = |a: Option<f64>, b: Option<f64>| match (a, b) {
            (Some(a), Some(b)) if b > 0.0 => format!("{:+.1} %", 100.0 * (a / b - 1.0)),
            _ => dash(),
        };
        let ratio = |a: Option<f64>, b: Option<f64>| match (a, b) {
            (Some(a), Some(b)) if b > 0.0 => format!("{:.2}", a / b),
            _ => dash(),
        };
        use LoopStrategy::{Engine, EngineNoCueEffect, Timer, TimerRelaxPrompt};
        table.row(vec![
            title,
            metric(Engine).map_or(0, |m| m.sessions).to_string(),
            gain(volume(EngineNoCueEffect), volume(Timer)),
            gain(volume(Engine), volume(EngineNoCueEffect)),
            gain(volume(TimerRelaxPrompt), volume(Timer)),
            gain(volume(Engine), volume(TimerRelaxPrompt)),
            ratio(misphase(EngineNoCueEffect), misphase(Timer)),
            ratio(misphase(Engine), misphase(TimerRelaxPrompt)),
        ]);
    }
    table.render()
}

/// Every line `letdown evaluate` prints without `--json`.
pub fn text_report(report: &Report) -> Vec<String> {
    let mut lines = Vec::new();
    // In numeric order, as the table's rows are (not as text: 1000 before 250).
    let mut rates: Vec<f64> = report.per_session.iter().map(|s| s.info.rate_hz).collect();
    rates.sort_by(f64::total_cmp);
    rates.dedup();
    let rates: Vec<String> = rates.into_iter().map(rate_key).collect();
    let hours = report
        .detection
        .get(Detector::Engine.key())
        .map_or(0.0, |b| b.all.hours());
    lines.push(format!(
        "Detection, open loop (DESIGN §6): {} sessions, {hours:.2} h of pumping at {} Hz. \
         An onset matches a labelled ejection within [onset - {} s, onset + {} s]; \
         delay = detection - labelled onset.",
        report.sessions,
        rates.join(", "),
        report.match_window.before_s,
        report.match_window.after_s
    ));
    lines.extend(detection_table(report));
    if !report.closed_loop.is_empty() {
        lines.push(String::new());
        lines.push(
            "Closed loop (the simulated pump follows each strategy's hints; simulated \
             sessions only): milk removed, time to 90 % of it, and seconds in the wrong \
             phase per ejection (stimulating while an ejection's milk flows, or expressing \
             while none does); 1st-switch mis-phase: stimulating after the first letdown \
             began, or expressing before it."
                .to_owned(),
        );
        lines.extend(closed_loop_table(report));
        lines.push(String::new());
        lines.push(
            "What detection buys and what cues buy (mean volumes of the table above): a \
             cue's effect on the reflex is a simulator assumption (relaxation x1.63 on the \
             reflex drive for 300 s, from Feher 1989's +63 % volume), so 'engine, cue \
             effect 0' runs the engine's hints with cues that change nothing, and the timer \
             pump gets the cue a simple app would send (relax at 90 s). Mis-phase: mean \
             per-ejection mis-phase, engine over timer."
                .to_owned(),
        );
        lines.extend(closed_loop_split_table(report));
    }
    lines
}

pub(super) fn dash() -> String {
    String::from("-")
}

pub(super) fn ratio(x: Option<f64>) -> String {
    x.map_or_else(dash, |x| format!("{x:.3}"))
}

fn percent(x: Option<f64>) -> String {
    x.map_or_else(dash, |x| format!("({:.0} %)", 100.0 * x))
}

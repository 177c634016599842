//! `--group-by family` and `--halves` of `letdown replay` and `letdown evaluate`: the
//! DESIGN §6 score per family of sessions and per even/odd half, with how far the halves
//! are apart, as a table or as the `groups` key of `--json`. The rule and the scoring are
//! the library's ([`letdown_io::session_groups`]); this module only prints them.

use super::metrics::{Report, SessionResult};
use super::open_loop::Detector;
use super::report::{dash, false_alarms, first_found, no_letdown_with_detection, ratio};
use crate::table::{Align, Table};
use clap::{Args, ValueEnum};
use letdown_datasets::score::{Aggregate, SessionScore};
use letdown_io::session_groups::{group_scores, GroupScore, Grouping, Half, HalvesApart};
use serde::Serialize;
use std::collections::BTreeMap;

/// The rule in one sentence, printed above the table and in `--json`.
pub const RULE: &str = "family = session name before its trailing -NN number \
    (ext-hard-07 -> ext-hard; a name without one is its own family); even half = NN even, \
    odd half = NN odd (tune on even, report odd); odd - even = how far apart they are";

/// The grouping options, shared by `replay` and `evaluate`.
#[derive(Clone, Copy, Debug, Default, Args)]
pub struct GroupArgs {
    /// Also print the DESIGN §6 score per group of sessions: `family` = the session name
    /// before its trailing -NN number (ext-hard-07 -> ext-hard; a name without one is
    /// its own family).
    #[arg(long, value_name = "KEY", value_enum)]
    group_by: Option<GroupBy>,

    /// Also print the score of the even-numbered and the odd-numbered sessions apart
    /// (the number ending the name: tune on even, report odd) and how far apart they
    /// are (odd - even); per family with --group-by family.
    #[arg(long)]
    halves: bool,
}

/// `--group-by`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
enum GroupBy {
    /// The session name before its trailing -NN number.
    Family,
}

impl GroupArgs {
    /// The grouping asked for; `None` when neither option was given (the output then
    /// stays as it is without them).
    pub fn grouping(&self) -> Option<Grouping> {
        let by_family = self.group_by == Some(GroupBy::Family);
        (by_family || self.halves).then_some(Grouping {
            by_family,
            halves: self.halves,
        })
    }
}

/// One detector's groups: its name in tables, its key in JSON, and the rows.
pub struct DetectorGroups {
    /// Name in the table.
    pub label: &'static str,
    /// Key in `--json`.
    pub key: &'static str,
    /// Its groups, in [`group_scores`] order.
    pub groups: Vec<GroupScore>,
}

impl DetectorGroups {
    /// Groups `sessions` (name, score) of the detector `label` / `key`.
    pub fn new(
        label: &'static str,
        key: &'static str,
        sessions: &[(String, SessionScore)],
        grouping: Grouping,
    ) -> Self {
        Self {
            label,
            key,
            groups: group_scores(sessions, grouping),
        }
    }
}

/// Each detector's groups over the evaluated sessions.
pub fn evaluated_groups(sessions: &[SessionResult], grouping: Grouping) -> Vec<DetectorGroups> {
    Detector::ALL
        .iter()
        .enumerate()
        .map(|(i, d)| {
            let scored: Vec<(String, SessionScore)> = sessions
                .iter()
                .map(|s| (s.info.name.clone(), s.scores[i].clone()))
                .collect();
            DetectorGroups::new(d.label(), d.key(), &scored, grouping)
        })
        .collect()
}

/// The table: per group, one row per detector; after a group's odd half, the `odd - even`
/// rows. Every detector has the same groups (they scored the same sessions).
pub fn group_table(detectors: &[DetectorGroups]) -> Vec<String> {
    let Some(first) = detectors.first() else {
        return Vec::new();
    };
    let mut table = Table::new(&[
        ("group", Align::Left),
        ("detector", Align::Left),
        ("sessions", Align::Right),
        ("first found", Align::Right),
        ("delay med s", Align::Right),
        ("beyond visible med s", Align::Right),
        ("beyond visible p95 s", Align::Right),
        ("precision", Align::Right),
        ("recall", Align::Right),
        ("F1", Align::Right),
        ("false alarms/h", Align::Right),
        ("no-letdown w/ detection", Align::Right),
    ]);
    for (g, group) in first.groups.iter().enumerate() {
        for (i, d) in detectors.iter().enumerate() {
            let title = if i == 0 { group.title() } else { String::new() };
            table.row(score_row(title, d.label, &d.groups[g]));
        }
        if group.half == Some(Half::Odd) {
            for (i, d) in detectors.iter().enumerate() {
                let family = group.family.as_deref();
                let Some(apart) = HalvesApart::of(&d.groups, family) else {
                    continue;
                };
                let title = if i == 0 {
                    format!("{} odd - even", family.unwrap_or("all"))
                } else {
                    String::new()
                };
                table.row(apart_row(title, d.label, &apart));
            }
        }
    }
    let mut lines = vec![
        String::from("score per group (DESIGN §6):"),
        format!("  {RULE}"),
    ];
    lines.extend(table.render());
    lines
}

fn score_row(title: String, detector: &str, group: &GroupScore) -> Vec<String> {
    let m = &group.score;
    let seconds = |x: Option<f64>| x.map_or_else(dash, |x| format!("{x:.2}"));
    vec![
        title,
        detector.to_owned(),
        m.sessions.to_string(),
        first_found(m),
        seconds(m.first_delay_s.map(|d| d.median)),
        seconds(m.beyond_visible_s.map(|d| d.median)),
        seconds(m.beyond_visible_s.map(|d| d.p95)),
        ratio(m.precision),
        ratio(m.recall),
        ratio(m.f1),
        false_alarms(m),
        no_letdown_with_detection(m),
    ]
}

fn apart_row(title: String, detector: &str, apart: &HalvesApart) -> Vec<String> {
    let signed =
        |x: Option<f64>, decimals: usize| x.map_or_else(dash, |x| format!("{x:+.decimals$}"));
    vec![
        title,
        detector.to_owned(),
        dash(),
        apart
            .first_detection_rate
            .map_or_else(dash, |x| format!("{:+.0} pp", 100.0 * x)),
        signed(apart.first_delay_median_s, 2),
        signed(apart.beyond_visible_median_s, 2),
        signed(apart.beyond_visible_p95_s, 2),
        signed(apart.precision, 3),
        signed(apart.recall, 3),
        signed(apart.f1, 3),
        signed(apart.false_alarms_per_hour, 2),
        dash(),
    ]
}

/// The `groups` key of `--json`.
#[derive(Clone, Debug, Serialize)]
pub struct GroupsJson {
    /// The grouping rule in words.
    pub rule: &'static str,
    /// Whether rows per family were asked for.
    pub by_family: bool,
    /// Whether the halves were asked for.
    pub halves: bool,
    /// One entry per group, in table order.
    pub rows: Vec<GroupJson>,
}

/// One group in `--json`.
#[derive(Clone, Debug, Serialize)]
pub struct GroupJson {
    /// The family; `null` for the rows over every family.
    pub family: Option<String>,
    /// `even`, `odd`, or `null` for both halves together.
    pub half: Option<&'static str>,
    /// The sessions in the group, by name.
    pub sessions: Vec<String>,
    /// Detector key → the DESIGN §6 metrics over the group.
    pub detection: BTreeMap<&'static str, Aggregate>,
    /// Detector key → odd − even figures; only on the rows of both halves, when both
    /// halves have sessions (else `null`).
    pub odd_minus_even: Option<BTreeMap<&'static str, HalvesApart>>,
}

/// The `groups` key from every detector's groups.
pub fn groups_json(detectors: &[DetectorGroups], grouping: Grouping) -> GroupsJson {
    let rows = detectors.first().map_or_else(Vec::new, |first| {
        first
            .groups
            .iter()
            .enumerate()
            .map(|(g, group)| {
                let family = group.family.as_deref();
                let odd_minus_even = group.half.is_none().then(|| {
                    detectors
                        .iter()
                        .filter_map(|d| Some((d.key, HalvesApart::of(&d.groups, family)?)))
                        .collect::<BTreeMap<_, _>>()
                });
                GroupJson {
                    family: group.family.clone(),
                    half: group.half.map(Half::word),
                    sessions: group.sessions.clone(),
                    detection: detectors
                        .iter()
                        .map(|d| (d.key, d.groups[g].score.clone()))
                        .collect(),
                    odd_minus_even: odd_minus_even.filter(|m| !m.is_empty()),
                }
            })
            .collect()
    });
    GroupsJson {
        rule: RULE,
        by_family: grouping.by_family,
        halves: grouping.halves,
        rows,
    }
}

/// `letdown evaluate --json` with `groups` after the report's own keys.
#[derive(Serialize)]
pub struct ReportWithGroups<'a> {
    /// The report as without grouping.
    #[serde(flatten)]
    pub report: &'a Report,
    /// The groups.
    pub groups: GroupsJson,
}

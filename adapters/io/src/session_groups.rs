//! Sessions grouped by family and by half, and the DESIGN §6 score of each group — how the
//! outside development set (`datasets/external-dev/`) is reported.
//!
//! The rule reads the session's name only (its file name without `.csv` / `.csv.gz`):
//! - its **number** is the run of ASCII digits after its last `-`, when the name ends in
//!   one (`ext-hard-07` → `07`);
//! - its **family** is the name without that `-NN` (`ext-hard-07` → `ext-hard`); a name
//!   without a number is a family of its own (the whole name);
//! - its **half** is [`Half::Even`] when the number is even, [`Half::Odd`] when odd; a
//!   name without a number is in neither half (it still counts in its family's and in
//!   the overall rows of both halves).
//!
//! Tune on the even half, report the odd half, and show how far apart they are
//! ([`HalvesApart`]). Every figure comes from [`letdown_eval::score`]: one definition
//! of each metric.

use crate::labels_csv::read_labels;
use crate::session_files::{labels_path, list_sessions, session_name};
use crate::session_run::{replay_session_with, Outcome};
use crate::SessionFileError;
use letdown_engine::EngineConfig;
use letdown_eval::score::{score_session, Aggregate, SessionScore};
use rayon::prelude::*;
use serde::Serialize;
use std::collections::BTreeMap;
use std::fmt;
use std::io;
use std::path::{Path, PathBuf};

/// Which half of a numbered set a session is in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Half {
    /// Even-numbered sessions (`-00`, `-02`, …): where tuning is allowed.
    Even,
    /// Odd-numbered sessions (`-01`, `-03`, …): where results are reported.
    Odd,
}

impl Half {
    /// Both halves, even first.
    pub const BOTH: [Half; 2] = [Half::Even, Half::Odd];

    /// The half of the session named `name`; `None` when the name ends in no number.
    pub fn of(name: &str) -> Option<Half> {
        let last = number(name)?.bytes().last()?;
        Some(if (last - b'0') % 2 == 0 {
            Half::Even
        } else {
            Half::Odd
        })
    }

    /// `even` or `odd`.
    pub fn word(self) -> &'static str {
        match self {
            Half::Even => "even",
            Half::Odd => "odd",
        }
    }
}

impl fmt::Display for Half {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.word())
    }
}

/// The number a session's name ends in: the ASCII digits after its last `-`, when there
/// are any and nothing else follows that `-`.
pub fn number(name: &str) -> Option<&str> {
    let (_, digits) = name.rsplit_once('-')?;
    (!digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit())).then_some(digits)
}

/// The family of the session named `name`: the name without its trailing `-NN`, or the
/// whole name when it ends in no number.
pub fn family(name: &str) -> &str {
    match number(name) {
        Some(digits) => &name[..name.len() - digits.len() - 1],
        None => name,
    }
}

/// How to group sessions.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Grouping {
    /// One set of rows per family (else only the overall rows).
    pub by_family: bool,
    /// The even and the odd half apart, beside both together.
    pub halves: bool,
}

impl Grouping {
    /// Per family and per half.
    pub const FAMILY_AND_HALF: Grouping = Grouping {
        by_family: true,
        halves: true,
    };
}

/// The DESIGN §6 score of one group of sessions.
#[derive(Clone, Debug, PartialEq)]
pub struct GroupScore {
    /// The family; `None` for the rows over every family.
    pub family: Option<String>,
    /// The half; `None` for both halves together (sessions without a number included).
    pub half: Option<Half>,
    /// The sessions' names, in the order given.
    pub sessions: Vec<String>,
    /// Their score: first letdown found, delays, beyond visible, precision, recall, F1,
    /// false alarms per hour, sessions without letdown with any detection, and counts.
    pub score: Aggregate,
}

impl GroupScore {
    /// Whether this is the group of `family` (`None`: all families) and `half` (`None`:
    /// both halves).
    pub fn is(&self, family: Option<&str>, half: Option<Half>) -> bool {
        self.family.as_deref() == family && self.half == half
    }

    /// `ext-std`, `ext-std even`, `all odd`: how tables name the group.
    pub fn title(&self) -> String {
        let family = self.family.as_deref().unwrap_or("all");
        match self.half {
            None => family.to_owned(),
            Some(half) => format!("{family} {half}"),
        }
    }
}

/// Scores grouped as `grouping` asks, from each session's name and score. Rows come per
/// family in name order (both halves, then even, then odd, when halves are asked for),
/// then the same over all families. Empty halves and empty inputs give no row.
pub fn group_scores(sessions: &[(String, SessionScore)], grouping: Grouping) -> Vec<GroupScore> {
    let mut families: BTreeMap<&str, Vec<&(String, SessionScore)>> = BTreeMap::new();
    if grouping.by_family {
        for session in sessions {
            families
                .entry(family(&session.0))
                .or_default()
                .push(session);
        }
    }
    let all: Vec<&(String, SessionScore)> = sessions.iter().collect();
    let mut groups = Vec::new();
    let named = families.into_iter().map(|(f, members)| (Some(f), members));
    for (family, members) in named.chain(std::iter::once((None, all))) {
        let halves: &[Option<Half>] = if grouping.halves {
            &[None, Some(Half::Even), Some(Half::Odd)]
        } else {
            &[None]
        };
        for &half in halves {
            let chosen: Vec<&(String, SessionScore)> = members
                .iter()
                .copied()
                .filter(|(name, _)| half.is_none() || Half::of(name) == half)
                .collect();
            if chosen.is_empty() {
                continue;
            }
            let scores: Vec<SessionScore> = chosen.iter().map(|(_, s)| s.clone()).collect();
            groups.push(GroupScore {
                family: family.map(str::to_owned),
                half,
                sessions: chosen.iter().map(|(name, _)| name.clone()).collect(),
                score: Aggregate::from_sessions(&scores),
            });
        }
    }
    groups
}

/// How far the odd half is from the even half: each figure as odd − even; `None` where
/// either half has no value. Serialized with these field names (`letdown evaluate
/// --json`).
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
pub struct HalvesApart {
    /// First letdowns found, fraction (0 … 1).
    pub first_detection_rate: Option<f64>,
    /// Median first-letdown delay, s.
    pub first_delay_median_s: Option<f64>,
    /// Median delay beyond the moment the flow became visible, s.
    pub beyond_visible_median_s: Option<f64>,
    /// 95th percentile of that delay, s.
    pub beyond_visible_p95_s: Option<f64>,
    /// Precision.
    pub precision: Option<f64>,
    /// Recall.
    pub recall: Option<f64>,
    /// F1.
    pub f1: Option<f64>,
    /// False alarms per hour of pumping.
    pub false_alarms_per_hour: Option<f64>,
}

impl HalvesApart {
    /// Odd − even, figure by figure.
    pub fn between(even: &Aggregate, odd: &Aggregate) -> Self {
        let apart = |f: fn(&Aggregate) -> Option<f64>| Some(f(odd)? - f(even)?);
        Self {
            first_detection_rate: apart(|a| a.first_detection_rate),
            first_delay_median_s: apart(|a| a.first_delay_s.map(|d| d.median)),
            beyond_visible_median_s: apart(|a| a.beyond_visible_s.map(|d| d.median)),
            beyond_visible_p95_s: apart(|a| a.beyond_visible_s.map(|d| d.p95)),
            precision: apart(|a| a.precision),
            recall: apart(|a| a.recall),
            f1: apart(|a| a.f1),
            false_alarms_per_hour: apart(|a| a.false_alarms_per_hour),
        }
    }

    /// The halves of `family` (`None`: all families) in `groups`, when both are there.
    pub fn of(groups: &[GroupScore], family: Option<&str>) -> Option<Self> {
        let find = |half| groups.iter().find(|g| g.is(family, Some(half)));
        Some(Self::between(
            &find(Half::Even)?.score,
            &find(Half::Odd)?.score,
        ))
    }
}

/// Why a folder could not be scored.
#[derive(Debug)]
pub enum GroupScoreError {
    /// The folder cannot be listed.
    ListFolder {
        /// The folder.
        dir: PathBuf,
        /// Why.
        error: io::Error,
    },
    /// The folder holds no session file (`*.csv`, `*.csv.gz`).
    NoSessions {
        /// The folder.
        dir: PathBuf,
    },
    /// A session has no label file beside it, so it cannot be scored.
    NoLabels {
        /// The session file.
        session: PathBuf,
    },
    /// A label file is unreadable or malformed.
    Labels(SessionFileError),
    /// A session could not be replayed to its end (file, line, field and reason).
    Session(String),
}

impl fmt::Display for GroupScoreError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::ListFolder { dir, error } => {
                write!(f, "{}: cannot list folder: {error}", dir.display())
            }
            Self::NoSessions { dir } => write!(
                f,
                "{}: no session files (*.csv or *.csv.gz) in this folder",
                dir.display()
            ),
            Self::NoLabels { session } => write!(
                f,
                "{}: no labels beside it (NAME.labels.csv): cannot be scored",
                session.display()
            ),
            Self::Labels(e) => e.fmt(f),
            Self::Session(message) => f.write_str(message),
        }
    }
}

impl std::error::Error for GroupScoreError {}

/// Replays every session in `dir` (`*.csv`, `*.csv.gz`, with labels beside each) through
/// the engine of the default configuration, by the loop `letdown replay` uses, and scores
/// them per family × half ([`Grouping::FAMILY_AND_HALF`], rows as in
/// [`group_scores`]). Sessions run in parallel on rayon's pool.
///
/// Errors, rather than an empty or partial result, when the folder has no session, a
/// session has no labels, or any file is unreadable or malformed.
pub fn score_by_group(dir: &Path) -> Result<Vec<GroupScore>, GroupScoreError> {
    score_by_group_with(dir, &EngineConfig::new(1000.0))
}

/// [`score_by_group`] with engines built from `config` (its sample rate replaced by each
/// file's), e.g. with one detector test switched off.
pub fn score_by_group_with(
    dir: &Path,
    config: &EngineConfig,
) -> Result<Vec<GroupScore>, GroupScoreError> {
    let paths = list_sessions(dir).map_err(|error| GroupScoreError::ListFolder {
        dir: dir.to_owned(),
        error,
    })?;
    if paths.is_empty() {
        return Err(GroupScoreError::NoSessions {
            dir: dir.to_owned(),
        });
    }
    let scored: Result<Vec<(String, SessionScore)>, GroupScoreError> = paths
        .par_iter()
        .map(|path| score_file(path, config))
        .collect();
    Ok(group_scores(&scored?, Grouping::FAMILY_AND_HALF))
}

/// One session file replayed and scored against its labels.
fn score_file(
    path: &Path,
    config: &EngineConfig,
) -> Result<(String, SessionScore), GroupScoreError> {
    let name = session_name(path).map_err(|e| GroupScoreError::Session(e.to_string()))?;
    let labels_file = labels_path(path).map_err(GroupScoreError::Labels)?;
    if !labels_file.is_file() {
        return Err(GroupScoreError::NoLabels {
            session: path.to_owned(),
        });
    }
    let labels = read_labels(&labels_file).map_err(GroupScoreError::Labels)?;
    let replay = match replay_session_with(path, config, &mut ()) {
        Outcome::Complete(replay) => replay,
        Outcome::Stopped(_, e) => return Err(GroupScoreError::Session(e.to_string())),
        Outcome::NotStarted(message) => return Err(GroupScoreError::Session(message)),
    };
    let score = score_session(&labels, &replay.onsets_s, replay.duration_s());
    Ok((name, score))
}

#[cfg(test)]
mod tests {
    use super::*;
    use letdown_eval::labels::Ejection;

    #[test]
    fn family_number_and_half_follow_the_trailing_number() {
        assert_eq!(family("ext-hard-07"), "ext-hard");
        assert_eq!(number("ext-hard-07"), Some("07"));
        assert_eq!(Half::of("ext-hard-07"), Some(Half::Odd));
        assert_eq!(Half::of("ext-std-10"), Some(Half::Even));
        assert_eq!(
            Half::of("x-123456789012345678901234567890"),
            Some(Half::Even)
        );
        for name in [
            "sim-typical-s11-timer120-100hz-8min",
            "ext-std-",
            "plain",
            "a-1b",
        ] {
            assert_eq!(family(name), name);
            assert_eq!(Half::of(name), None);
        }
        assert_eq!(family("-3"), "");
    }

    #[test]
    fn groups_come_per_family_then_overall_with_halves_apart() {
        let label = Ejection {
            onset_s: 100.0,
            end_s: 150.0,
            visible_s: Some(104.0),
        };
        let session = |name: &str, detected: &[f64]| {
            (name.to_owned(), score_session(&[label], detected, 600.0))
        };
        let sessions = [
            session("b-00", &[105.0]),
            session("b-01", &[]),
            session("a-02", &[106.0, 300.0]),
            session("loose", &[107.0]),
        ];
        let groups = group_scores(&sessions, Grouping::FAMILY_AND_HALF);
        let titles: Vec<String> = groups.iter().map(GroupScore::title).collect();
        assert_eq!(
            titles,
            ["a", "a even", "b", "b even", "b odd", "loose", "all", "all even", "all odd"]
        );
        let all = &groups[6];
        assert_eq!(all.sessions, ["b-00", "b-01", "a-02", "loose"]);
        assert_eq!(all.score.true_positives, 3);
        assert_eq!(all.score.false_positives, 1);
        let even = groups.iter().find(|g| g.is(None, Some(Half::Even)));
        assert_eq!(even.map(|g| g.sessions.len()), Some(2));
        let apart = HalvesApart::of(&groups, Some("b")).expect("both halves of b");
        assert_eq!(apart.first_detection_rate, Some(-1.0));
        assert_eq!(
            apart.beyond_visible_median_s, None,
            "odd half found nothing"
        );
        assert_eq!(HalvesApart::of(&groups, Some("a")), None);

        let plain = group_scores(&sessions, Grouping::default());
        assert_eq!(plain.len(), 1);
        assert_eq!(plain[0].title(), "all");
        assert!(group_scores(&[], Grouping::FAMILY_AND_HALF).is_empty());
    }
}

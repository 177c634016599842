//! The stress table: detection quality (open loop, DESIGN §6) with each everyday
//! phenomenon alone, beside none and all of them, on the same simulated mothers.
//!
//! Each [`StressCase`] turns a session spec into its variant: no faults, only the case's
//! phenomena, and — for a phenomenon alone — that phenomenon in *every* session (at its
//! everyday size and frequency within the session), so that each row shows what that
//! phenomenon does to the detector. `all (everyday)` is the simulator's default mix, each
//! phenomenon in its own fraction of sessions; `all (every session)` has every phenomenon
//! in every session. The sessions are run through [`crate::evaluate::run_engine`] and
//! scored with [`crate::score`]; nothing here measures on its own.

use crate::evaluate::run_engine;
use crate::faults::FaultSet;
use crate::generator::{SessionSpec, SpecError};
use crate::phenomena::{Phenomenon, PhenomenonSet};
use crate::score::{Aggregate, SessionScore};
use letdown_engine::EngineConfig;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;

/// One row of the stress table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum StressCase {
    /// No phenomenon at all (clean sessions).
    None,
    /// This phenomenon alone, in every session.
    Alone(Phenomenon),
    /// Every phenomenon, each in its everyday fraction of sessions (the default).
    Everyday,
    /// Every phenomenon in every session.
    AllEverySession,
}

impl StressCase {
    /// The rows in table order: none, each phenomenon alone, all (everyday), all (every
    /// session).
    pub fn all() -> Vec<StressCase> {
        let mut cases = vec![StressCase::None];
        cases.extend(Phenomenon::ALL.map(StressCase::Alone));
        cases.extend([StressCase::Everyday, StressCase::AllEverySession]);
        cases
    }

    /// The row's name: `none`, the phenomenon's name, `all (everyday)`, `all (every
    /// session)`.
    pub fn name(self) -> String {
        match self {
            StressCase::None => "none".to_owned(),
            StressCase::Alone(p) => p.name().to_owned(),
            StressCase::Everyday => "all (everyday)".to_owned(),
            StressCase::AllEverySession => "all (every session)".to_owned(),
        }
    }

    /// The variant of `spec` this case runs: no faults, the case's phenomena.
    pub fn apply(self, spec: SessionSpec) -> SessionSpec {
        let (set, every) = match self {
            StressCase::None => (PhenomenonSet::NONE, false),
            StressCase::Alone(p) => (PhenomenonSet::NONE.with(p), true),
            StressCase::Everyday => (PhenomenonSet::all(), false),
            StressCase::AllEverySession => (PhenomenonSet::all(), true),
        };
        spec.with_faults(FaultSet::NONE)
            .with_phenomena(set)
            .with_phenomena_in_every_session(every)
    }
}

/// One row's result.
#[derive(Clone, Debug)]
pub struct StressRow {
    /// The case.
    pub case: StressCase,
    /// Each session's score, in the order of the specs given.
    pub scores: Vec<SessionScore>,
    /// Their aggregate (DESIGN §6).
    pub aggregate: Aggregate,
}

/// Runs every case of `cases` on every spec of `specs` (each turned into the case's
/// variant by [`StressCase::apply`]) through a fresh engine built from `config`, over
/// `threads` threads (at least one); rows in the order of `cases`. The result does not
/// depend on the number of threads.
pub fn run_stress(
    specs: &[SessionSpec],
    cases: &[StressCase],
    config: &EngineConfig,
    threads: usize,
) -> Result<Vec<StressRow>, SpecError> {
    let jobs: Vec<(usize, SessionSpec)> = cases
        .iter()
        .enumerate()
        .flat_map(|(c, case)| specs.iter().map(move |s| (c, case.apply(*s))))
        .collect();
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<Option<Result<SessionScore, SpecError>>>> =
        Mutex::new(vec![None; jobs.len()]);
    std::thread::scope(|scope| {
        for _ in 0..threads.max(1) {
            scope.spawn(|| loop {
                let i = next.fetch_add(1, Ordering::Relaxed);
                let Some((_, spec)) = jobs.get(i) else { break };
                let score = run_engine(*spec, config).map(|run| run.score);
                if let Ok(mut r) = results.lock() {
                    r[i] = Some(score);
                }
            });
        }
    });
    let results = results.into_inner().unwrap_or_default();
    let mut rows: Vec<StressRow> = cases
        .iter()
        .map(|case| StressRow {
            case: *case,
            scores: Vec::new(),
            aggregate: Aggregate::from_sessions(&[]),
        })
        .collect();
    for ((c, _), result) in jobs.iter().zip(results) {
        // A worker that panicked leaves `None`: the spec was refused before it could run.
        let score = result.unwrap_or(Err(SpecError::RateHz))?;
        rows[*c].scores.push(score);
    }
    for row in &mut rows {
        row.aggregate = Aggregate::from_sessions(&row.scores);
    }
    Ok(rows)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::profile::Profile;

    #[test]
    fn cases_name_every_phenomenon_and_set_the_spec() {
        let cases = StressCase::all();
        assert_eq!(cases.len(), Phenomenon::ALL.len() + 3);
        let base = SessionSpec::new(3).with_faults(FaultSet::all());
        for case in &cases {
            let s = case.apply(base);
            assert!(s.faults.is_empty());
            assert_eq!(s.seed, 3);
            match case {
                StressCase::Alone(p) => {
                    assert_eq!(case.name(), p.name());
                    assert_eq!(s.phenomena.iter().collect::<Vec<_>>(), vec![*p]);
                    assert!(s.phenomena_in_every_session);
                }
                StressCase::None => assert!(s.phenomena.is_empty()),
                StressCase::Everyday => {
                    assert_eq!(s.phenomena, PhenomenonSet::all());
                    assert!(!s.phenomena_in_every_session);
                }
                StressCase::AllEverySession => assert!(s.phenomena_in_every_session),
            }
        }
    }

    #[test]
    fn rows_do_not_depend_on_threads() {
        let specs: Vec<SessionSpec> = (0..2)
            .map(|i| {
                SessionSpec::new(i)
                    .with_profile(Profile::Typical)
                    .with_rate_hz(100.0)
                    .with_minutes(3.0)
            })
            .collect();
        let cases = [StressCase::None, StressCase::Alone(Phenomenon::Trickle)];
        let config = EngineConfig::new(100.0);
        let one = run_stress(&specs, &cases, &config, 1).unwrap();
        let two = run_stress(&specs, &cases, &config, 2).unwrap();
        assert_eq!(one.len(), 2);
        for (a, b) in one.iter().zip(&two) {
            assert_eq!(a.case, b.case);
            assert_eq!(a.aggregate, b.aggregate);
            assert_eq!(a.scores.len(), 2);
        }
    }
}

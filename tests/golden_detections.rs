//! Golden tests: on fixed seeded simulated sessions, the exact sample index of every
//! onset and end the engine reports is pinned, so any change of behaviour shows up here;
//! and every pinned onset is checked against its session's labels (DESIGN §6 matching),
//! so a false alarm cannot be pinned as if it were right. After an intended change,
//! print the new table with
//! `cargo test --test golden_detections print_the_golden_table -- --ignored --nocapture`,
//! review the diff, and paste it.

use letdown_datasets::evaluate::run_engine;
use letdown_datasets::score::score_session;
use letdown_datasets::Ejection;
use letdown_datasets::{FaultSet, Profile, PumpProgram, SessionSpec};
use letdown_engine::{EngineConfig, EventKind};

/// (profile, rate Hz, seed, program, faults) of each golden session, 10 minutes each.
const SESSIONS: [(&str, f64, u64, &str, &str); 6] = [
    ("typical", 100.0, 7001, "timer", "none"),
    ("relaxed", 500.0, 7002, "button", "none"),
    ("stressed", 1000.0, 7003, "timer", "none"),
    ("no-letdown", 2000.0, 7004, "timer", "none"),
    (
        "typical",
        1000.0,
        7005,
        "expression-only",
        "spikes,bubbles,drift,gain",
    ),
    (
        "typical",
        250.0,
        7006,
        "timer",
        "dropout,stuck,saturation,overvacuum",
    ),
];

/// Expected (kind, sample index) of every onset ('O') and end ('E'), per session.
const EXPECTED: [&[(char, u64)]; 6] = [
    &[
        ('O', 6500),
        ('E', 13200),
        ('O', 25892),
        ('E', 33949),
        ('O', 34288),
        ('O', 44742),
        ('E', 49479),
        ('O', 54072),
    ],
    &[
        ('O', 33329),
        ('E', 75539),
        ('O', 79064),
        ('E', 110454),
        ('O', 211379),
        ('E', 240054),
        ('O', 288574),
    ],
    &[('O', 127309), ('E', 214759)],
    &[],
    &[('O', 79669), ('E', 219209), ('O', 599769)],
    &[
        ('O', 22991),
        ('E', 59473),
        ('O', 61665),
        ('E', 80713),
        ('O', 117593),
        ('E', 144623),
    ],
];

/// The engine's onsets and ends in session `i`, and the session's labels.
fn detections(i: usize) -> (Vec<(char, u64)>, Vec<Ejection>) {
    let (profile, rate, seed, program, faults) = SESSIONS[i];
    let spec = SessionSpec::new(seed)
        .with_profile(profile.parse::<Profile>().unwrap())
        .with_rate_hz(rate)
        .with_minutes(10.0)
        .with_program(program.parse::<PumpProgram>().unwrap())
        .with_faults(faults.parse::<FaultSet>().unwrap());
    let run = run_engine(spec, &EngineConfig::new(rate as f32)).unwrap();
    let events = run
        .events
        .iter()
        .filter_map(|e| match e.kind {
            EventKind::Onset => Some(('O', e.sample_index)),
            EventKind::End => Some(('E', e.sample_index)),
            EventKind::Hint => None,
        })
        .collect();
    (events, run.labels)
}

#[test]
fn detections_are_pinned_to_exact_sample_indices() {
    for (i, expected) in EXPECTED.iter().enumerate() {
        let (got, _) = detections(i);
        assert_eq!(&got[..], *expected, "session {:?}", SESSIONS[i]);
    }
}

#[test]
fn every_pinned_onset_matches_a_labelled_ejection() {
    for (i, expected) in EXPECTED.iter().enumerate() {
        let (_, labels) = detections(i);
        let rate = SESSIONS[i].1;
        let onsets: Vec<f64> = expected
            .iter()
            .filter(|(kind, _)| *kind == 'O')
            .map(|&(_, index)| index as f64 / rate)
            .collect();
        let score = score_session(&labels, &onsets, 600.0);
        assert_eq!(
            score.false_positives, 0,
            "session {:?}: a pinned onset is a false alarm by its own labels ({:?} at {onsets:?} s)",
            SESSIONS[i], labels
        );
    }
}

/// Prints the table to paste into `EXPECTED` after an intended change (not a check).
#[test]
#[ignore = "prints the golden table for review; run by hand"]
fn print_the_golden_table() {
    for i in 0..SESSIONS.len() {
        println!("    &{:?},", detections(i).0);
    }
}

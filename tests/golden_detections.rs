//! Golden tests: on fixed seeded simulated sessions, the exact sample index of every
//! onset and end the engine reports is pinned, so any change of behaviour shows up here.
//! After an intended change, regenerate the table with
//! `GOLDEN_PRINT=1 cargo test --test golden_detections -- --nocapture` and review the diff.

use letdown_datasets::evaluate::run_engine;
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

fn detections(i: usize) -> Vec<(char, u64)> {
    let (profile, rate, seed, program, faults) = SESSIONS[i];
    let spec = SessionSpec::new(seed)
        .with_profile(profile.parse::<Profile>().unwrap())
        .with_rate_hz(rate)
        .with_minutes(10.0)
        .with_program(program.parse::<PumpProgram>().unwrap())
        .with_faults(faults.parse::<FaultSet>().unwrap());
    let run = run_engine(spec, &EngineConfig::new(rate as f32)).unwrap();
    run.events
        .iter()
        .filter_map(|e| match e.kind {
            EventKind::Onset => Some(('O', e.sample_index)),
            EventKind::End => Some(('E', e.sample_index)),
            EventKind::Hint => None,
        })
        .collect()
}

#[test]
fn detections_are_pinned_to_exact_sample_indices() {
    let print = std::env::var_os("GOLDEN_PRINT").is_some();
    for (i, expected) in EXPECTED.iter().enumerate() {
        let got = detections(i);
        if print {
            println!("    &{got:?},");
            continue;
        }
        assert_eq!(&got[..], *expected, "session {:?}", SESSIONS[i]);
    }
}

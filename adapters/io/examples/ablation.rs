//! Ablation study of the onset detector: the DESIGN §6 figures with every test on, and
//! with each one switched off in turn, on the outside development set (its two halves)
//! and on the own simulator; then the trade-off of false alarms against delay as the
//! CUSUM's persistence (its in-control run length, set by `false_alarms_per_hour`) moves.
//!
//! `cargo run --release -p letdown-io --example ablation -- [DEV_DIR] [SIM_PER_PROFILE]`
//! (defaults: `datasets/external-dev`, 10 sessions per profile at 100 and 1000 Hz, seeds
//! 1…, 15 min, the simulator's everyday phenomena on). Files are replayed by the loop
//! `letdown replay` uses, simulated sessions by the one `letdown evaluate` uses.
use letdown_datasets::evaluate::run_engine;
use letdown_datasets::profile::CONCRETE_PROFILES;
use letdown_datasets::score::{Aggregate, SessionScore};
use letdown_datasets::SessionSpec;
use letdown_engine::{DetectorTest, EngineConfig};
use letdown_io::session_groups::{score_by_group_with, Half};
use rayon::prelude::*;
use std::path::PathBuf;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let dev = PathBuf::from(args.first().map_or("datasets/external-dev", |s| s));
    let per_profile: u64 = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(10);
    let mut variants = vec![("all tests on".to_owned(), EngineConfig::new(1000.0))];
    for t in DetectorTest::ALL {
        variants.push((format!("without {t}"), EngineConfig::new(1000.0).without(t)));
    }
    println!(
        "{:24} {:9} {:>8} {:>7} {:>7} {:>6} {:>6} {:>9}",
        "variant", "set", "first", "bv med", "bv p95", "F1", "FA/h", "no-ld hit"
    );
    let specs = simulated(per_profile);
    for rate in [0.005, 0.5, 5.0] {
        variants.push((
            format!("persistence {rate}/h"),
            EngineConfig::new(1000.0).false_alarms_per_hour(rate),
        ));
    }
    for (name, config) in &variants {
        let groups = score_by_group_with(&dev, config).unwrap_or_else(|e| panic!("{e}"));
        for half in Half::BOTH {
            let group = groups
                .iter()
                .find(|g| g.is(None, Some(half)))
                .expect("every family's half");
            row(name, &format!("dev {half}"), &group.score);
        }
        let scores: Vec<SessionScore> = specs
            .par_iter()
            .map(|&spec| run_engine(spec, config).expect("valid spec").score)
            .collect();
        row(name, "own sim", &Aggregate::from_sessions(&scores));
    }
}

/// `per_profile` seeded sessions of every profile at 100 and 1000 Hz.
fn simulated(per_profile: u64) -> Vec<SessionSpec> {
    let mut specs = Vec::new();
    for rate in [100.0, 1000.0] {
        for profile in CONCRETE_PROFILES {
            for i in 0..per_profile {
                specs.push(
                    SessionSpec::new(1 + i)
                        .with_profile(profile)
                        .with_rate_hz(rate),
                );
            }
        }
    }
    specs
}

fn row(name: &str, set: &str, a: &Aggregate) {
    let first = format!("{}/{}", a.first_detected, a.letdown_sessions);
    let (med, p95) = a
        .beyond_visible_s
        .as_ref()
        .map_or((f64::NAN, f64::NAN), |d| (d.median, d.p95));
    println!(
        "{name:24} {set:9} {first:>8} {med:>7.2} {p95:>7.2} {:>6.3} {:>6.2} {:>9}",
        a.f1.unwrap_or(f64::NAN),
        a.false_alarms_per_hour.unwrap_or(f64::NAN),
        format!("{}/{}", a.no_letdown_with_detection, a.no_letdown_sessions)
    );
}

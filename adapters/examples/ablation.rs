//! Ablation study of the onset detector: the DESIGN §6 figures with every test on, and
//! with each one switched off in turn, on the outside development set (its two halves)
//! and on the own simulator.
//!
//! `cargo run --release -p letdown-adapters --example ablation -- [DEV_DIR] [SIM_PER_PROFILE]`
//! (defaults: `datasets/external-dev`, 10 sessions per profile at 100 and 1000 Hz, seeds 1…,
//! 15 min, the simulator's everyday mess on).
use letdown_adapters::{read_labels, SessionItem, SessionReader};
use letdown_datasets::profile::CONCRETE_PROFILES;
use letdown_datasets::score::{score_session, Aggregate, SessionScore};
use letdown_datasets::{Generator, SessionSpec};
use letdown_engine::{DetectorTest, EngineConfig, Event, EventKind};
use rayon::prelude::*;
use std::path::{Path, PathBuf};

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let dev = PathBuf::from(args.first().map_or("datasets/external-dev", |s| s));
    let per_profile: u64 = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(10);
    let files = dev_files(&dev);
    assert!(!files.is_empty(), "no sessions in {}", dev.display());
    let mut variants: Vec<(String, EngineConfig)> = vec![("all tests on".into(), base(100.0))];
    for t in DetectorTest::ALL {
        variants.push((format!("without {t}"), base(100.0).without(t)));
    }
    println!(
        "{:24} {:9} {:>8} {:>7} {:>7} {:>6} {:>6} {:>9}",
        "variant", "set", "first", "bv med", "bv p95", "F1", "FA/h", "no-ld hit"
    );
    for (name, config) in &variants {
        for (half, parity) in [("dev even", 0), ("dev odd", 1)] {
            let scores: Vec<SessionScore> = files
                .par_iter()
                .filter(|(_, n)| n % 2 == parity)
                .map(|(path, _)| score_file(path, config))
                .collect();
            row(name, half, &Aggregate::from_sessions(&scores));
        }
        let scores: Vec<SessionScore> = simulated(per_profile)
            .par_iter()
            .map(|spec| score_simulated(spec.clone(), config))
            .collect();
        row(name, "own sim", &Aggregate::from_sessions(&scores));
    }
}

fn base(rate_hz: f32) -> EngineConfig {
    EngineConfig::new(rate_hz)
}

/// The session files of `dir` with the number that ends each name (its half).
fn dev_files(dir: &Path) -> Vec<(PathBuf, u32)> {
    let mut files: Vec<(PathBuf, u32)> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter_map(|p| {
            let name = p.file_name()?.to_str()?.to_owned();
            let stem = name.strip_suffix(".csv.gz").or(name.strip_suffix(".csv"))?;
            if stem.ends_with(".labels") {
                return None;
            }
            let n = stem.rsplit('-').next()?.parse().ok()?;
            Some((p, n))
        })
        .collect();
    files.sort();
    files
}

fn labels_path(session: &Path) -> PathBuf {
    let name = session.file_name().unwrap().to_str().unwrap();
    let stem = name.strip_suffix(".gz").unwrap_or(name);
    session.with_file_name(stem.replace(".csv", ".labels.csv"))
}

fn score_file(path: &Path, config: &EngineConfig) -> SessionScore {
    let mut reader = SessionReader::open(path).unwrap_or_else(|e| panic!("{e}"));
    let rate = reader.metadata().sample_rate_hz;
    let mut engine = EngineConfig {
        sample_rate_hz: rate as f32,
        ..*config
    }
    .build()
    .unwrap();
    let mut onsets = Vec::new();
    let mut n = 0u64;
    for item in reader.by_ref() {
        match item.unwrap_or_else(|e| panic!("{e}")) {
            SessionItem::Row(row) => {
                n = row.index + 1;
                note(engine.process(row.sample), rate, &mut onsets);
            }
            SessionItem::Gap(gap) => {
                note(engine.process_gap(gap.missing), rate, &mut onsets);
            }
        }
    }
    let labels = read_labels(labels_path(path)).unwrap_or_else(|e| panic!("{e}"));
    score_session(&labels, &onsets, n as f64 / rate)
}

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

fn score_simulated(spec: SessionSpec, config: &EngineConfig) -> SessionScore {
    let rate = spec.rate_hz;
    let mut engine = EngineConfig {
        sample_rate_hz: rate as f32,
        ..*config
    }
    .build()
    .unwrap();
    let mut generator = Generator::new(spec).unwrap();
    let mut onsets = Vec::new();
    while let Some(s) = generator.next_sample() {
        let e = if s.present {
            engine.process(s.sample)
        } else {
            engine.process_gap(1)
        };
        note(e, rate, &mut onsets);
    }
    score_session(&generator.labels(), &onsets, generator.duration_s())
}

/// Keeps the time of an onset event, s.
fn note(e: Option<Event>, rate: f64, onsets: &mut Vec<f64>) {
    if let Some(e) = e.filter(|e| e.kind == EventKind::Onset) {
        onsets.push(e.sample_index as f64 / rate);
    }
}

fn row(name: &str, set: &str, a: &Aggregate) {
    let first = format!("{}/{}", a.first_detected, a.letdown_sessions);
    let (med, p95) = a
        .beyond_limit_s
        .as_ref()
        .map_or((f64::NAN, f64::NAN), |d| (d.median, d.p95));
    println!(
        "{name:24} {set:9} {first:>8} {med:>7.2} {p95:>7.2} {:>6.3} {:>6.2} {:>9}",
        a.f1.unwrap_or(f64::NAN),
        a.false_alarms_per_hour.unwrap_or(f64::NAN),
        format!("{}/{}", a.no_letdown_with_detection, a.no_letdown_sessions)
    );
}

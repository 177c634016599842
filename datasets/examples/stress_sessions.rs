//! Each session's misses and false alarms in one row of the stress table, for finding
//! which sessions a change moved: `cargo run --release -p letdown-datasets --example
//! stress_sessions -- CASE [N] [RATES]`. CASE is a phenomenon's name (the row with it
//! alone), `none`, `everyday` or `every` (all phenomena in every session); N sessions
//! per profile and rate (default 5) and RATES comma-separated (default 100,1000), seeds
//! from 1, as `letdown evaluate --stress --simulate N --rate RATES --seed 1` runs them.
//! Panics on an unreadable argument: a debugging tool.
use letdown_datasets::evaluate::run_engine;
use letdown_datasets::stress::StressCase;
use letdown_datasets::{Phenomenon, Profile, SessionSpec};
use letdown_engine::EngineConfig;

const PROFILES: [Profile; 4] = [
    Profile::Relaxed,
    Profile::Typical,
    Profile::Stressed,
    Profile::NoLetdown,
];

fn main() {
    let a: Vec<String> = std::env::args().skip(1).collect();
    let case = match a[0].as_str() {
        "none" => StressCase::None,
        "everyday" => StressCase::Everyday,
        "every" => StressCase::AllEverySession,
        name => StressCase::Alone(name.parse::<Phenomenon>().unwrap()),
    };
    let n: u64 = a.get(1).map_or(5, |v| v.parse().unwrap());
    let rates: Vec<f64> = a.get(2).map_or(vec![100.0, 1000.0], |v| {
        v.split(',').map(|r| r.parse().unwrap()).collect()
    });
    for profile in PROFILES {
        for &rate in &rates {
            for seed in 1..=n {
                let spec = SessionSpec::new(seed)
                    .with_profile(profile)
                    .with_rate_hz(rate);
                print_session(&format!("{profile} s{seed} {rate} Hz"), case.apply(spec));
            }
        }
    }
}

/// One session's onsets, then each label no onset matched and each onset that matched no
/// label (s), under `name`.
fn print_session(name: &str, spec: SessionSpec) {
    let run = run_engine(spec, &EngineConfig::new(spec.rate_hz as f32)).unwrap();
    let onsets: Vec<String> = run.onsets_s.iter().map(|t| format!("{t:.1}")).collect();
    println!("{name} onsets [{}]", onsets.join(", "));
    for (label, matched) in run.labels.iter().zip(&run.score.matches) {
        if matched.is_none() {
            let visible = label
                .visible_s
                .map_or("-".to_owned(), |v| format!("{v:.1}"));
            println!("{name} MISS onset {:.1} visible {visible}", label.onset_s);
        }
    }
    for t in &run.onsets_s {
        if !run.score.matches.contains(&Some(*t)) {
            println!("{name} FA {t:.1}");
        }
    }
}

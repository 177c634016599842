//! Quality sweep used while developing the detector: profiles × rates × seeds, open loop,
//! on both cores. `cargo run --release -p letdown-datasets --example sweep -- N [faults] [seed0]`
use letdown_datasets::evaluate::run_engine;
use letdown_datasets::score::{Aggregate, SessionScore};
use letdown_datasets::{FaultSet, Profile, PumpProgram, SessionSpec};
use letdown_engine::EngineConfig;

/// One session's spec, score, onset times and (onset, visible) labels.
type Row = (SessionSpec, SessionScore, Vec<f64>, Vec<(f64, Option<f64>)>);

fn main() {
    let mut args = std::env::args().skip(1);
    let n: u64 = args.next().and_then(|a| a.parse().ok()).unwrap_or(20);
    let faults: FaultSet = args
        .next()
        .map(|a| a.parse().expect("faults"))
        .unwrap_or(FaultSet::NONE);
    let seed0: u64 = args.next().and_then(|a| a.parse().ok()).unwrap_or(1000);
    let verbose = std::env::var("VERBOSE").is_ok();
    let profiles = [
        Profile::Typical,
        Profile::Relaxed,
        Profile::Stressed,
        Profile::NoLetdown,
    ];
    let rates = [100.0, 500.0, 1000.0, 2000.0];
    let programs = ["timer", "button", "expression-only"];
    let mut jobs = Vec::new();
    for (pi, p) in profiles.iter().enumerate() {
        for (ri, r) in rates.iter().enumerate() {
            for i in 0..n {
                let seed = seed0 + i * 16 + (pi * 4 + ri) as u64 * 100_000;
                let program: PumpProgram = programs[(i % 3) as usize].parse().unwrap();
                jobs.push(
                    SessionSpec::new(seed)
                        .with_profile(*p)
                        .with_rate_hz(*r)
                        .with_minutes(15.0)
                        .with_faults(faults)
                        .with_program(program),
                );
            }
        }
    }
    let results: Vec<Row> = std::thread::scope(|s| {
        let chunks: Vec<_> = jobs.chunks(jobs.len().div_ceil(2)).collect();
        let handles: Vec<_> = chunks
            .into_iter()
            .map(|c| {
                s.spawn(move || {
                    c.iter()
                        .map(|spec| {
                            let run = run_engine(*spec, &EngineConfig::new(1000.0)).expect("run");
                            let labels = run
                                .labels
                                .iter()
                                .map(|l| (l.onset_s, l.visible_s))
                                .collect();
                            (*spec, run.score, run.onsets_s, labels)
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap())
            .collect()
    });
    let show = |name: &str, scores: Vec<SessionScore>| {
        let a = Aggregate::from_sessions(&scores);
        let d = |x: &Option<letdown_datasets::score::Distribution>| {
            x.as_ref().map_or("-".into(), |d| {
                format!("med {:.2} p95 {:.2} max {:.2}", d.median, d.p95, d.max)
            })
        };
        println!("{name:>12}: first {}/{} delay[{}] beyond[{}] P {:.3} R {:.3} F1 {:.3} FA/h {:.2} noLD-with-det {}/{}",
            a.first_detected, a.letdown_sessions, d(&a.first_delay_s), d(&a.beyond_visible_s),
            a.precision.unwrap_or(f64::NAN), a.recall.unwrap_or(f64::NAN), a.f1.unwrap_or(f64::NAN),
            a.false_alarms_per_hour.unwrap_or(f64::NAN), a.no_letdown_with_detection, a.no_letdown_sessions);
    };
    for p in profiles {
        show(
            &p.to_string(),
            results
                .iter()
                .filter(|r| r.0.profile == p)
                .map(|r| r.1.clone())
                .collect(),
        );
    }
    for r in rates {
        show(
            &format!("{r} Hz"),
            results
                .iter()
                .filter(|x| x.0.rate_hz == r)
                .map(|x| x.1.clone())
                .collect(),
        );
    }
    show("all", results.iter().map(|r| r.1.clone()).collect());
    if verbose {
        for (spec, sc, on, labels) in &results {
            if sc.false_positives > 0
                || sc.false_negatives > 0
                || sc
                    .first
                    .as_ref()
                    .is_some_and(|f| f.beyond_visible_s().is_some_and(|b| b > 3.0))
            {
                println!(
                    "{} {} {:?} seed {}: FP {} FN {} onsets {:?} labels {:?}",
                    spec.profile,
                    spec.rate_hz,
                    spec.program,
                    spec.seed,
                    sc.false_positives,
                    sc.false_negatives,
                    on.iter()
                        .map(|x| (x * 10.0).round() / 10.0)
                        .collect::<Vec<_>>(),
                    labels
                        .iter()
                        .map(|(o, v)| (
                            (o * 10.0).round() / 10.0,
                            v.map(|v| (v * 10.0).round() / 10.0)
                        ))
                        .collect::<Vec<_>>()
                );
            }
        }
    }
}

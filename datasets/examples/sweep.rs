//! Quality sweep used while developing the detector: profiles × rates × seeds, open loop,
//! on both cores. `cargo run --release -p letdown-datasets --example sweep -- N [faults] [seed0]`
use letdown_datasets::evaluate::run_engine;
use letdown_datasets::score::{Aggregate, SessionScore};
use letdown_datasets::{FaultSet, Profile, PumpProgram, SessionSpec};
use letdown_engine::EngineConfig;

/// One session's spec, score, onset times and (onset, visible) labels.
type Row = (SessionSpec, SessionScore, Vec<f64>, Vec<(f64, Option<f64>)>);

/// Sessions per profile and rate, faults forced on, first seed.
struct Args {
    n: u64,
    faults: FaultSet,
    seed0: u64,
}

const PROFILES: [Profile; 4] = [
    Profile::Typical,
    Profile::Relaxed,
    Profile::Stressed,
    Profile::NoLetdown,
];
const RATES: [f64; 4] = [100.0, 500.0, 1000.0, 2000.0];

fn main() {
    let args = parse_args();
    let results = run_all(&specs(&args));
    for p in PROFILES {
        show(&p.to_string(), results.iter().filter(|r| r.0.profile == p));
    }
    for r in RATES {
        show(
            &format!("{r} Hz"),
            results.iter().filter(|x| x.0.rate_hz == r),
        );
    }
    show("all", results.iter());
    if std::env::var("VERBOSE").is_ok() {
        results
            .iter()
            .filter(|r| worth_a_look(&r.1))
            .for_each(print_row);
    }
}

fn parse_args() -> Args {
    let mut args = std::env::args().skip(1);
    let n: u64 = args.next().and_then(|a| a.parse().ok()).unwrap_or(20);
    let faults: FaultSet = args
        .next()
        .map(|a| a.parse().expect("faults"))
        .unwrap_or(FaultSet::NONE);
    let seed0: u64 = args.next().and_then(|a| a.parse().ok()).unwrap_or(1000);
    Args { n, faults, seed0 }
}

/// `n` sessions of 15 minutes per profile and rate, the programs in turn.
fn specs(args: &Args) -> Vec<SessionSpec> {
    let programs = ["timer", "button", "expression-only"];
    let mut jobs = Vec::new();
    for (pi, p) in PROFILES.iter().enumerate() {
        for (ri, r) in RATES.iter().enumerate() {
            for i in 0..args.n {
                let seed = args.seed0 + i * 16 + (pi * 4 + ri) as u64 * 100_000;
                let program: PumpProgram = programs[(i % 3) as usize].parse().unwrap();
                jobs.push(
                    SessionSpec::new(seed)
                        .with_profile(*p)
                        .with_rate_hz(*r)
                        .with_minutes(15.0)
                        .with_faults(args.faults)
                        .with_program(program),
                );
            }
        }
    }
    jobs
}

/// Runs the engine over every session, half of them on each core.
fn run_all(jobs: &[SessionSpec]) -> Vec<Row> {
    std::thread::scope(|s| {
        let handles: Vec<_> = jobs
            .chunks(jobs.len().div_ceil(2))
            .map(|c| s.spawn(move || c.iter().map(|spec| run_one(*spec)).collect::<Vec<_>>()))
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap())
            .collect()
    })
}

fn run_one(spec: SessionSpec) -> Row {
    let run = run_engine(spec, &EngineConfig::new(1000.0)).expect("run");
    let labels = run
        .labels
        .iter()
        .map(|l| (l.onset_s, l.visible_s))
        .collect();
    (spec, run.score, run.onsets_s, labels)
}

/// One line of the DESIGN §6 score of `rows`.
fn show<'a>(name: &str, rows: impl Iterator<Item = &'a Row>) {
    let scores: Vec<SessionScore> = rows.map(|r| r.1.clone()).collect();
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
}

/// A session with a false or missed onset, or a first onset over 3 s beyond visible.
fn worth_a_look(sc: &SessionScore) -> bool {
    sc.false_positives > 0
        || sc.false_negatives > 0
        || sc
            .first
            .as_ref()
            .is_some_and(|f| f.beyond_visible_s().is_some_and(|b| b > 3.0))
}

fn print_row((spec, sc, on, labels): &Row) {
    let tenth = |x: f64| (x * 10.0).round() / 10.0;
    println!(
        "{} {} {:?} seed {}: FP {} FN {} onsets {:?} labels {:?}",
        spec.profile,
        spec.rate_hz,
        spec.program,
        spec.seed,
        sc.false_positives,
        sc.false_negatives,
        on.iter().map(|&x| tenth(x)).collect::<Vec<_>>(),
        labels
            .iter()
            .map(|&(o, v)| (tenth(o), v.map(tenth)))
            .collect::<Vec<_>>()
    );
}

//! Per-cycle trace of the engine over one session file, for finding out why a detection
//! came (or did not): `cargo run --release -p letdown-io --example trace_file -- FILE [FROM_S TO_S]`.
//! One line per analysis block: time, cycle rate and depth, the block's raw mean flow,
//! its pump-synchronous amplitude and rejected share, then what the detector holds
//! (three-cycle median, baseline, noise, CUSUM and threshold, ejection flag), pump-sync's
//! figures (the two-cycle pulsation excess, the bar it must reach for the three-cycle
//! excess, the sensor's pulsation transfer), the block's highest and lowest accepted
//! readings and the top of the artefact band the next block's readings must stay under
//! (all mL/min), the pulsation's phase against the block's start (degrees), and any event.
use letdown_engine::{Engine, EngineConfig};
use letdown_io::session_run::engine_for_session;
use letdown_io::{Row, SessionFileError, SessionItem, SessionReader};
use std::fmt::Display;
use std::path::Path;

fn main() {
    let (path, from, to) = arguments();
    let mut reader = or_exit(SessionReader::open(&path));
    // The default engine at the file's rate, as `letdown replay` runs it.
    let config = EngineConfig::new(1000.0);
    let mut engine = or_exit(engine_for_session(
        Path::new(&path),
        reader.metadata(),
        &config,
    ));
    let mut cycles = 0;
    println!(
        "t_s rate depth mean puls rej m3 base sigma cusum h ej lock bar transfer peak low band phase event"
    );
    for item in reader.by_ref() {
        let Some(row) = row_or_gap(&mut engine, item) else {
            continue;
        };
        let event = engine.process(row.sample);
        let stats = engine.stats();
        let shown = (from..=to).contains(&row.t_s);
        if shown && event.is_some() {
            println!("{:.2} EVENT {:?}", row.t_s, event);
        }
        if stats.cycles + stats.artefact_cycles != cycles {
            cycles = stats.cycles + stats.artefact_cycles;
            if shown {
                print_cycle(row.t_s, &engine);
            }
        }
    }
}

/// The value, or the error printed as `letdown replay` prints it and exit status 2 (an
/// unreadable file, or a rate the engine refuses).
fn or_exit<T, E: Display>(result: Result<T, E>) -> T {
    result.unwrap_or_else(|e| {
        eprintln!("{e}");
        std::process::exit(2)
    })
}

/// `FILE [FROM_S TO_S]`: the session file and the span traced, s since session start (a
/// time missing or not a number: the session's start or end). Without a file, the usage
/// and exit status 2.
fn arguments() -> (String, f64, f64) {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(path) = args.first() else {
        eprintln!("usage: trace_file FILE [FROM_S TO_S]");
        std::process::exit(2);
    };
    let from: f64 = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(0.0);
    let to: f64 = args
        .get(2)
        .and_then(|a| a.parse().ok())
        .unwrap_or(f64::INFINITY);
    (path.clone(), from, to)
}

/// The sample row `item` holds; a gap goes to the engine instead (`None`), and a read
/// error ends the trace with exit status 2.
fn row_or_gap(engine: &mut Engine, item: Result<SessionItem, SessionFileError>) -> Option<Row> {
    match item {
        Ok(SessionItem::Row(row)) => Some(row),
        Ok(SessionItem::Gap(gap)) => {
            engine.process_gap(gap.missing);
            None
        }
        Err(e) => {
            eprintln!("{e}");
            std::process::exit(2)
        }
    }
}

/// The line of a cycle that ended at `t_s`: its rate (cycles/min) and depth (mmHg), its
/// block's mean flow and pulsation (mL/min) and rejected share, then the detector's
/// three-cycle flow, baseline and noise (mL/min), CUSUM and threshold, ejection flag, and
/// pump-sync's pulsation excess and bar (mL/min) and transfer, then the block's highest and
/// lowest accepted readings and the artefact band's top for the next block (mL/min), and
/// the pulsation's phase against the block's start (degrees).
fn print_cycle(t_s: f64, engine: &Engine) {
    let s = engine.snapshot();
    let (c, b) = (s.last_cycle.unwrap(), s.last_block.unwrap());
    let (lock, bar, transfer) = engine.detector().pump_sync_trace();
    println!(
        "{:.2} {:.0} {:.0} {:.2} {:.2} {:.2} {:.2} {:.2} {:.2} {:.1} {:.1} {} {:.2} {:.2} {:.2} {:.1} {:.1} {:.1} {:.0}",
        t_s,
        c.rate_cpm,
        c.depth_mmhg,
        b.mean_flow_ml_min,
        b.pulsation_ml_min,
        b.rejected_fraction,
        s.flow_ml_min,
        s.baseline_ml_min,
        s.sigma_ml_min,
        s.cusum.0,
        s.cusum.1,
        u8::from(s.in_ejection),
        lock,
        bar,
        transfer,
        b.peak_flow_ml_min,
        b.min_flow_ml_min,
        engine.detector().band().1,
        b.pulsation_phasor[1].atan2(b.pulsation_phasor[0]).to_degrees()
    );
}

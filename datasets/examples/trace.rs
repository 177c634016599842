//! Per-cycle trace of the engine on one simulated session, for debugging detections:
//! `cargo run --release -p letdown-datasets --example trace -- PROFILE RATE SEED PROGRAM FROM_S TO_S [faults]`
use core::ops::RangeInclusive;
use letdown_datasets::{FaultSet, Generator, Profile, PumpProgram, SessionSpec};
use letdown_engine::{Engine, EngineConfig, Event, Mode};

fn main() {
    let (spec, window) = parse_args();
    let mut g = Generator::new(spec).unwrap();
    print_scheduled_events(&g);
    let mut e = EngineConfig::new(spec.rate_hz as f32).build().unwrap();
    trace(&mut g, &mut e, &window);
    for l in g.labels() {
        println!(
            "label {:.1} end {:.1} visible {:?}",
            l.onset_s, l.end_s, l.visible_s
        );
    }
}

/// The session named on the command line and the window to print, s (`FROM_S ..= TO_S`).
/// A seventh argument gives the faults (default none), an eighth the length in minutes
/// (default 15). Panics on a missing or unreadable argument: a debugging tool.
fn parse_args() -> (SessionSpec, RangeInclusive<f64>) {
    let a: Vec<String> = std::env::args().skip(1).collect();
    let profile: Profile = a[0].parse().unwrap();
    let rate: f64 = a[1].parse().unwrap();
    let seed: u64 = a[2].parse().unwrap();
    let program: PumpProgram = a[3].parse().unwrap();
    let (from, to): (f64, f64) = (a[4].parse().unwrap(), a[5].parse().unwrap());
    let faults: FaultSet = a
        .get(6)
        .map(|f| f.parse().unwrap())
        .unwrap_or(FaultSet::NONE);
    let spec = SessionSpec::new(seed)
        .with_profile(profile)
        .with_rate_hz(rate)
        .with_minutes(a.get(7).map(|m| m.parse().unwrap()).unwrap_or(15.0))
        .with_program(program)
        .with_faults(faults);
    (spec, from..=to)
}

/// The session's scheduled disturbances, from its header: the faults asked for, the
/// user's actions and the fault episodes (the keys that name events, episodes, users or
/// faults).
fn print_scheduled_events(g: &Generator) {
    for (k, v) in g.metadata() {
        if k.contains("event") || k.contains("episode") || k.contains("user") || k.contains("fault")
        {
            println!("# {k}: {v}");
        }
    }
}

/// Runs the session through the engine, printing each event and each completed pump
/// cycle inside `window` (s); a cycle's true flow is the mean of the true flow at the
/// sensor over the samples since the previous cycle, mL/min.
fn trace(g: &mut Generator, e: &mut Engine, window: &RangeInclusive<f64>) {
    let mut cycles = 0;
    let mut true_acc = 0.0f64;
    let mut n_acc = 0u32;
    while let Some(s) = g.next_sample() {
        let ev = if s.present {
            e.process(s.sample)
        } else {
            e.process_gap(1)
        };
        true_acc += f64::from(s.truth.sensor_flow_ml_min);
        n_acc += 1;
        if let Some(ev) = ev {
            if window.contains(&s.t_s) {
                print_event(s.t_s, ev);
            }
        }
        let st = e.stats();
        if st.cycles != cycles {
            cycles = st.cycles;
            if window.contains(&s.t_s) {
                print_cycle(s.t_s, true_acc / f64::from(n_acc), e, s.truth.mode);
            }
            true_acc = 0.0;
            n_acc = 0;
        }
    }
}

/// One engine event at `t_s` (s): kind, reason, confidence and the mode it asks for.
fn print_event(t_s: f64, ev: Event) {
    println!(
        "EVENT {:.2} {:?} {:?} conf {:.2} {:?}",
        t_s,
        ev.kind,
        ev.reason,
        ev.confidence,
        ev.hint.map(|h| h.mode)
    );
}

/// The engine's state after a cycle that ended at `t_s` (s), beside the true flow
/// (`true_flow_ml_min`, mL/min) and the pump's true `mode`.
fn print_cycle(t_s: f64, true_flow_ml_min: f64, e: &Engine, mode: Mode) {
    let sn = e.snapshot();
    let c = sn.last_cycle.unwrap();
    println!("{:7.2} true {:6.2} m3 {:6.2} base {:6.2} sig {:5.3} S {:5.2}/{:4.2} ej {} rate {:5.1} depth {:6.1} mode {:?}",
        t_s, true_flow_ml_min, sn.flow_ml_min, sn.baseline_ml_min, sn.sigma_ml_min, sn.cusum.0, sn.cusum.1, sn.in_ejection as u8, c.rate_cpm, c.depth_mmhg, mode);
}

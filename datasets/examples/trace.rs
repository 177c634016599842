//! Per-cycle trace of the engine on one simulated session, for debugging detections:
//! `cargo run --release -p letdown-datasets --example trace -- PROFILE RATE SEED PROGRAM FROM_S TO_S [faults]`
use letdown_datasets::{FaultSet, Generator, Profile, PumpProgram, SessionSpec};
use letdown_engine::EngineConfig;

fn main() {
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
    let mut g = Generator::new(spec).unwrap();
    for (k, v) in g.metadata() {
        if k.contains("event") || k.contains("episode") || k.contains("user") || k.contains("fault")
        {
            println!("# {k}: {v}");
        }
    }
    let mut e = EngineConfig::new(rate as f32).build().unwrap();
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
            if s.t_s >= from && s.t_s <= to {
                println!(
                    "EVENT {:.2} {:?} {:?} conf {:.2} {:?}",
                    s.t_s,
                    ev.kind,
                    ev.reason,
                    ev.confidence,
                    ev.hint.map(|h| h.mode)
                );
            }
        }
        let st = e.stats();
        if st.cycles != cycles {
            cycles = st.cycles;
            if s.t_s >= from && s.t_s <= to {
                let sn = e.snapshot();
                let c = sn.last_cycle.unwrap();
                println!("{:7.2} true {:6.2} m3 {:6.2} base {:6.2} sig {:5.3} S {:5.2}/{:4.2} ej {} rate {:5.1} depth {:6.1} mode {:?}",
                    s.t_s, true_acc / f64::from(n_acc), sn.flow_ml_min, sn.baseline_ml_min, sn.sigma_ml_min, sn.cusum.0, sn.cusum.1, sn.in_ejection as u8, c.rate_cpm, c.depth_mmhg, s.truth.mode);
            }
            true_acc = 0.0;
            n_acc = 0;
        }
    }
    for l in g.labels() {
        println!(
            "label {:.1} end {:.1} visible {:?}",
            l.onset_s, l.end_s, l.visible_s
        );
    }
}

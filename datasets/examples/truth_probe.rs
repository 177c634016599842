//! Prints the simulator's ground truth around a time window (developer aid):
//! `truth_probe PROFILE RATE SEED PROGRAM FROM TO [faults] [minutes]`
use letdown_datasets::{FaultSet, Generator, Profile, PumpProgram, SessionSpec};
fn main() {
    let a: Vec<String> = std::env::args().skip(1).collect();
    let spec = SessionSpec::new(a[2].parse().unwrap())
        .with_profile(a[0].parse::<Profile>().unwrap())
        .with_rate_hz(a[1].parse().unwrap())
        .with_program(a[3].parse::<PumpProgram>().unwrap())
        .with_faults(
            a.get(6)
                .map(|f| f.parse::<FaultSet>().unwrap())
                .unwrap_or(FaultSet::NONE),
        )
        .with_minutes(a.get(7).map(|m| m.parse().unwrap()).unwrap_or(15.0));
    let (from, to): (f64, f64) = (a[4].parse().unwrap(), a[5].parse().unwrap());
    let mut g = Generator::new(spec).unwrap();
    let mut last = -1.0;
    while let Some(s) = g.next_sample() {
        if s.t_s >= from && s.t_s <= to && s.t_s - last >= 0.1 {
            last = s.t_s;
            println!("{:8.2} rel {:8.3} rem {:8.3} p {:7.1} breast {:6.2} sensor_true {:6.2} measured {:7.2} mode {:?}", s.t_s, g.released_ml(), g.removed_ml(), s.truth.pressure_mmhg, s.truth.breast_flow_ml_min, s.truth.sensor_flow_ml_min, s.sample.flow_ml_min, s.truth.mode);
        }
    }
    for e in g.ejection_truth() {
        println!("{e:?}");
    }
}

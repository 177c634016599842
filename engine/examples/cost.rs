//! Runs the engine over a pre-generated pump-like input, for instruction counting:
//! `valgrind --tool=callgrind --toggle-collect='*run_engine*' target/release/examples/cost 1000 60`.
use letdown_engine::{EngineConfig, Sample};
use std::hint::black_box;

#[inline(never)]
fn run_engine(rate: f32, input: &[Sample]) -> usize {
    let mut engine = EngineConfig::new(rate).build().expect("config");
    let mut events = 0;
    for &s in input {
        if engine.process(black_box(s)).is_some() {
            events += 1;
        }
    }
    events
}

fn main() {
    let mut args = std::env::args().skip(1);
    let rate: f32 = args.next().and_then(|a| a.parse().ok()).unwrap_or(1000.0);
    let seconds: f32 = args.next().and_then(|a| a.parse().ok()).unwrap_or(60.0);
    let n = (rate * seconds) as usize;
    let mut noise = 0x2545_f491_4f6c_dd1du64;
    let input: Vec<Sample> = (0..n)
        .map(|i| {
            noise ^= noise << 13;
            noise ^= noise >> 7;
            noise ^= noise << 17;
            let u = (noise >> 40) as f32 / (1u64 << 24) as f32 - 0.5;
            let t = i as f32 / rate;
            let phase = (t * 110.0 / 60.0).fract();
            let p = if phase < 0.5 { -200.0 * phase } else { 0.0 };
            let flow = if t > 30.0 {
                25.0 * (1.0 - (-(t - 30.0) / 10.0).exp())
            } else {
                0.0
            };
            Sample::new(p + 3.0 * u, flow * 2.0 * (phase < 0.5) as u8 as f32 + u)
        })
        .collect();
    let events = run_engine(rate, &input);
    println!("{n} samples, {events} events");
}

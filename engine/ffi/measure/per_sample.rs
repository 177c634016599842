//! The per-sample loop in Rust, for measure.sh's comparison with the same loop through the
//! C ABI (per_sample.c): read a session file's samples into memory, then `run_call` calls
//! `Engine::process` once per sample, as a call (a Rust caller in another crate without
//! LTO gets one; with LTO and a single caller the optimiser could inline the engine into
//! the loop, which no C caller can have). measure.sh compiles it with the flags of the
//! firmware build of the C library (opt-level "s", fat LTO, panic = "abort") against the
//! engine that build uses, and callgrind counts `run_call` alone.
//!
//!   per_sample SESSION.csv     prints: samples N events N last_event_index N
//!
//! Gaps in the file are ignored (both programs feed the rows as they are).

use letdown_engine::{Engine, EngineConfig, Event, Sample};

/// `Engine::process` as a Rust caller in another crate gets it without LTO: a call.
type Process = fn(&mut Engine, Sample) -> Option<Event>;

/// One `Engine::process` call per sample through `process`; counts the events and keeps
/// the last one's index. Unmangled so that callgrind's `--toggle-collect` finds it.
#[no_mangle]
#[inline(never)]
fn run_call(process: Process, engine: &mut Engine, samples: &[Sample], last: &mut u64) -> u64 {
    let mut events = 0;
    for &s in samples {
        if let Some(e) = process(engine, s) {
            events += 1;
            *last = e.sample_index;
        }
    }
    events
}

fn main() {
    let path = std::env::args()
        .nth(1)
        .expect("usage: per_sample SESSION.csv");
    let text = std::fs::read_to_string(&path).expect("the session file is readable");
    let mut rate = 0.0;
    let mut samples = Vec::new();
    for line in text.lines() {
        if let Some(r) = line.strip_prefix("# sample_rate_hz: ") {
            rate = r.trim().parse().expect("a numeric rate");
        } else if !line.starts_with('#') && !line.starts_with('t') {
            let mut fields = line
                .split(',')
                .skip(1)
                .map(|x| x.parse::<f32>().expect("a number"));
            let (p, f) = (
                fields.next().expect("pressure"),
                fields.next().expect("flow"),
            );
            samples.push(Sample::new(p, f));
        }
    }
    let config = EngineConfig::new(rate);
    let samples = std::hint::black_box(&samples[..]);
    // Through a pointer the optimiser cannot see through, so the call stays a call.
    let process = std::hint::black_box(Engine::process as Process);
    let mut last = 0;
    let mut engine = config.build().expect("a valid default config");
    let events = run_call(process, &mut engine, samples, &mut last);
    // The C library links `process_gap` too (ld_process_gap), which shares code with
    // `process` and so changes what the optimiser inlines into it; link it here as well
    // (a real firmware reports its gaps), so that both sides run the same engine code.
    assert_eq!(engine.process_gap(std::hint::black_box(0)), None);
    println!(
        "samples {} events {events} last_event_index {last}",
        samples.len()
    );
}

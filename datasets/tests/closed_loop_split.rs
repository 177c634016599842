//! The closed-loop gain split into what detection buys and what cues buy (DESIGN §6), on a
//! fixed seeded set at 100 Hz, so that a regression in either part fails CI.
//!
//! Detection alone: the engine's hints with the cue effect at 0 (its cues change nothing)
//! against the 2-minute timer. Cues: the engine against itself with the effect at 0, and
//! the timer with a relaxation prompt at 90 s against the plain timer (the simulator's
//! assumed effect, [`CueEffect::AS_CITED`]).

use letdown_datasets::baselines::{CuedTimer, TimerBaseline};
use letdown_datasets::{
    run_closed_loop, CueEffect, EngineStrategy, Outcome, Profile, SessionSpec, Strategy,
};
use letdown_engine::EngineConfig;

const RATE_HZ: f64 = 100.0;

fn specs() -> Vec<SessionSpec> {
    let mut out = Vec::new();
    for profile in [Profile::Relaxed, Profile::Typical, Profile::Stressed] {
        for seed in 1..=4 {
            out.push(
                SessionSpec::new(seed)
                    .with_profile(profile)
                    .with_rate_hz(RATE_HZ)
                    .with_minutes(15.0),
            );
        }
    }
    out
}

fn run(specs: &[SessionSpec], effect: CueEffect, make: fn() -> Box<dyn Strategy>) -> Vec<Outcome> {
    specs
        .iter()
        .map(|spec| {
            let mut s = make();
            run_closed_loop(spec.with_cue_effect(effect), s.as_mut()).expect("valid spec")
        })
        .collect()
}

fn mean(outcomes: &[Outcome], f: fn(&Outcome) -> f64) -> f64 {
    outcomes.iter().map(f).sum::<f64>() / outcomes.len() as f64
}

fn engine() -> Box<dyn Strategy> {
    Box::new(EngineStrategy::from_config(&EngineConfig::new(RATE_HZ as f32)).unwrap())
}
fn timer() -> Box<dyn Strategy> {
    Box::new(TimerBaseline::new(RATE_HZ))
}
fn cued_timer() -> Box<dyn Strategy> {
    Box::new(CuedTimer::new(RATE_HZ))
}

#[test]
fn detection_and_cueing_each_buy_their_own_part() {
    let specs = specs();
    let engine_cued = run(&specs, CueEffect::AS_CITED, engine);
    let engine_alone = run(&specs, CueEffect::NONE, engine);
    let timer_plain = run(&specs, CueEffect::AS_CITED, timer);
    let timer_cued = run(&specs, CueEffect::AS_CITED, cued_timer);
    // The plain timer sends no cue: the cue effect cannot change it.
    assert_eq!(run(&specs, CueEffect::NONE, timer), timer_plain);

    let volume = |o: &[Outcome]| mean(o, |o| o.volume_ml);
    let misphase = |o: &[Outcome]| mean(o, |o| o.misphase_s);
    let gain = |a: f64, b: f64| 100.0 * (a / b - 1.0);
    let detection = gain(volume(&engine_alone), volume(&timer_plain));
    let engine_cues = gain(volume(&engine_cued), volume(&engine_alone));
    let timer_prompt = gain(volume(&timer_cued), volume(&timer_plain));
    let misphase_ratio = misphase(&engine_alone) / misphase(&timer_plain);
    println!(
        "detection alone {detection:+.1} %, engine's cues {engine_cues:+.1} %, timer's \
         prompt {timer_prompt:+.1} %, mis-phase engine/timer {misphase_ratio:.2}"
    );
    assert!(
        (3.0..=30.0).contains(&detection),
        "detection alone {detection:+.1} %"
    );
    assert!(
        (2.0..=30.0).contains(&engine_cues),
        "engine's cues {engine_cues:+.1} %"
    );
    assert!(
        (0.0..=30.0).contains(&timer_prompt),
        "timer's prompt {timer_prompt:+.1} %"
    );
    assert!(
        misphase_ratio <= 0.5,
        "mis-phase engine/timer {misphase_ratio:.2}"
    );
}

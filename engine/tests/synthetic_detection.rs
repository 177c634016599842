//! End-to-end checks on a tiny synthetic pump written here, independent of the project's
//! simulator: a pump waveform, pulsatile flow with one or two ejections delayed by a
//! transport lag, noise. They pin what the engine must do whatever the data source.

use letdown_engine::{EngineConfig, Event, EventKind, Mode, Reason, Sample};

struct Synth {
    rate: f32,
    noise: u64,
}

impl Synth {
    fn uniform(&mut self) -> f32 {
        self.noise ^= self.noise << 13;
        self.noise ^= self.noise >> 7;
        self.noise ^= self.noise << 17;
        (self.noise >> 40) as f32 / (1u64 << 24) as f32
    }
    fn gauss(&mut self) -> f32 {
        (0..4).map(|_| self.uniform()).sum::<f32>() - 2.0
    }
}

/// Ejection flow at the breast (mL/min): smoothstep rise over `rise_s` to `peak`, then
/// exponential decay with `decay_s`.
fn ejection(t: f32, onset: f32, rise_s: f32, peak: f32, decay_s: f32) -> f32 {
    let u = (t - onset) / rise_s;
    if u <= 0.0 {
        0.0
    } else if u < 1.0 {
        peak * u * u * (3.0 - 2.0 * u)
    } else {
        peak * (-(t - onset - rise_s) / decay_s).exp()
    }
}

/// Runs a session; returns (events, time when the ejection's cycle-mean flow at the
/// sensor first reaches 1 mL/min).
fn run(
    rate: f32,
    seconds: f32,
    ejections: &[(f32, f32, f32)],
    noise_ml_min: f32,
) -> (Vec<Event>, Vec<f32>) {
    simulate(rate, seconds, ejections, noise_ml_min, |_| 0.0, true)
}

/// [`run`] with the flow sensor's offset moving by `offset(t)` mL/min at `t` s, and a
/// pump that follows the engine's hints (`follows_hints`) or keeps the expression rhythm
/// throughout (as the outside set's recorded pumps do).
fn simulate(
    rate: f32,
    seconds: f32,
    ejections: &[(f32, f32, f32)],
    noise_ml_min: f32,
    offset: impl Fn(f32) -> f32,
    follows_hints: bool,
) -> (Vec<Event>, Vec<f32>) {
    let mut engine = EngineConfig::new(rate).build().unwrap();
    let mut synth = Synth {
        rate,
        noise: 0x9e37_79b9_7f4a_7c15,
    };
    let lag = 1.5;
    let mut events = Vec::new();
    let mut phase = 0.0f32;
    let mut cpm = if follows_hints { 110.0f32 } else { 60.0 };
    let n = (seconds * rate) as usize;
    for i in 0..n {
        let t = i as f32 / synth.rate;
        let hint = events.iter().rev().find_map(|e: &Event| e.hint);
        if let Some(h) = hint.filter(|_| follows_hints) {
            cpm = match h.mode {
                Mode::Expression => 60.0,
                _ => 110.0,
            };
        }
        phase = (phase + cpm / 60.0 / rate).fract();
        let depth = if cpm > 90.0 { -100.0 } else { -180.0 };
        let p = if phase < 0.4 {
            depth * (1.0 - (-phase / 0.08).exp())
        } else if phase < 0.55 {
            depth
        } else if phase < 0.65 {
            depth * (0.65 - phase) / 0.1
        } else {
            0.0
        };
        let mean: f32 = ejections
            .iter()
            .map(|&(on, rise, peak)| ejection(t - lag, on, rise, peak, 60.0))
            .sum();
        // Milk moves during the suction stroke: pulse shape with mean 1 over the cycle.
        let pulse = if phase < 0.55 { 1.0 / 0.55 } else { 0.0 };
        let flow = mean * pulse + noise_ml_min * synth.gauss() - 0.8 + offset(t);
        let pressure = p + 2.0 * synth.gauss();
        if let Some(e) = engine.process(Sample::new(pressure, flow)) {
            events.push(e);
        }
    }
    let visible = ejections
        .iter()
        .map(|&(on, rise, peak)| {
            let mut t = on;
            while ejection(t, on, rise, peak, 60.0) < 1.0 {
                t += 0.01;
            }
            t + lag
        })
        .collect();
    (events, visible)
}

fn onsets(events: &[Event], rate: f32) -> Vec<f32> {
    events
        .iter()
        .filter(|e| e.kind == EventKind::Onset)
        .map(|e| e.time_s(rate) as f32)
        .collect()
}

#[test]
fn one_ejection_is_detected_within_the_physical_window_at_every_rate() {
    for rate in [100.0, 500.0, 1000.0, 2000.0] {
        let (events, visible) = run(rate, 200.0, &[(70.0, 20.0, 30.0)], 1.0);
        let on = onsets(&events, rate);
        assert_eq!(on.len(), 1, "rate {rate}: onsets {on:?}");
        let delay = on[0] - visible[0];
        assert!(
            (-1.0..=2.0).contains(&delay),
            "rate {rate}: delay beyond visible {delay:.2} s"
        );
        let switch = events
            .iter()
            .find(|e| e.kind == EventKind::Onset)
            .and_then(|e| e.hint)
            .expect("the onset carries the switch to expression");
        assert_eq!(switch.mode, Mode::Expression);
        assert_eq!(switch.reason, Reason::LetdownDetected);
        assert!(switch.ramp_cycles >= 2);
    }
}

#[test]
fn no_ejection_means_no_onset_and_a_fallback_switch_at_120_s() {
    let (events, _) = run(1000.0, 200.0, &[], 1.0);
    assert!(onsets(&events, 1000.0).is_empty(), "{events:?}");
    let fallback = events
        .iter()
        .find(|e| e.reason == Reason::FallbackTimer)
        .expect("fallback hint");
    assert!((fallback.time_s(1000.0) - 120.0).abs() < 0.05);
    let cue = events
        .iter()
        .find(|e| e.reason == Reason::LateLetdownCue)
        .expect("late-letdown cue");
    assert!((cue.time_s(1000.0) - 90.0).abs() < 0.05);
}

#[test]
fn a_second_ejection_is_found_after_the_first() {
    let (events, visible) = run(
        500.0,
        400.0,
        &[(60.0, 15.0, 35.0), (230.0, 20.0, 20.0)],
        1.0,
    );
    let on = onsets(&events, 500.0);
    assert_eq!(on.len(), 2, "onsets {on:?}, visible {visible:?}");
    assert!(
        on[1] > visible[1] - 1.0 && on[1] < visible[1] + 15.0,
        "{on:?} vs {visible:?}"
    );
}

#[test]
fn a_sensor_offset_rising_after_the_ejection_does_not_hold_the_session_end_off() {
    // After the ejection, the sensor's zero climbs by 3 mL/min over 20 s from 400 s and
    // stays there, with no milk: no pulsation at the pump rate. The session still ends
    // 300 s after the ejection's end, as it does without the offset. The pump keeps the
    // expression rhythm the ejection's strong flow measured the sensor's pulsation at (at
    // another rhythm the offset is taken for flow: `session::WeakFlow`).
    let rate = 100.0;
    let ejection = [(70.0, 20.0, 30.0)];
    let ends = |events: &[Event]| -> (Vec<u64>, Vec<u64>) {
        let at = |reason| {
            events
                .iter()
                .filter(|e| e.reason == reason)
                .map(|e| e.sample_index)
                .collect()
        };
        (at(Reason::FlowFaded), at(Reason::SessionEnd))
    };
    let (plain, _) = simulate(rate, 900.0, &ejection, 1.0, |_| 0.0, false);
    let rise = |t: f32| 3.0 * ((t - 400.0) / 20.0).clamp(0.0, 1.0);
    let (offset, _) = simulate(rate, 900.0, &ejection, 1.0, rise, false);
    let (faded, end) = ends(&plain);
    let ejection_end = faded.first().expect("the ejection's end");
    assert_eq!(end, [ejection_end + 30_000], "{plain:?}");
    assert_eq!(ends(&offset), (faded, end), "{offset:?}");
}

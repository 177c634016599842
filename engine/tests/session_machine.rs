//! The session state machine (DESIGN §5), transition by transition, with exact sample
//! indices.
//!
//! Each case drives [`SessionMachine`] directly with a script of synthetic detector
//! outputs and safety calls, in the order the engine makes them on one sample (safety,
//! then detection, then the timers), ticking every sample of a 100 Hz stream, and compares
//! the whole list of events it returns. A few end-to-end tests at the bottom run the same
//! transitions through [`Engine`] on synthetic pump signals.
//!
//! Defaults at 100 Hz, in samples: first cue 9 000 (90 s), cue interval 6 000 (60 s),
//! fallback 12 000 (120 s), fade 2 000 (20 s), session end 30 000 (300 s).

use letdown_engine::detector::Detection;
use letdown_engine::session::{CycleFlow, SessionMachine, CUE_INTERVAL_S, CUE_ORDER, RAMP_CYCLES};
mod support;

use support::{run_engine, RATE_HZ};

use letdown_engine::{ControlHint, Cue, EngineConfig, Event, EventKind, Mode, Reason, Sample};

// DESIGN §5: any change of vacuum or rate ramped over at least two pump cycles.
const _: () = assert!(RAMP_CYCLES >= 2);

/// One input to the machine at a sample.
#[derive(Clone, Copy, Debug)]
enum In {
    Onset,
    End,
    /// A cycle's end while an ejection the detector found is under way (no event of
    /// its own).
    Ejecting,
    /// A cycle's end at zero flow as the detector sees it, its baseline at this level
    /// (mL/min; no event of its own), on a sensor whose pulsation strong flow has not
    /// measured.
    Level(f32),
    /// The same on a sensor of pulsation transfer `transfer` (milk's pump-synchronous
    /// amplitude per mL/min), the cycle's pulsation `pulsation` (mL/min).
    Pulsing {
        level: f32,
        pulsation: f32,
        transfer: f32,
    },
    Pause(Reason),
    Resume,
}

/// What an event must be: index, kind, reason, and the hint's mode and cue (`None`: the
/// event carries no hint).
type Want = (u64, EventKind, Reason, Option<(Mode, Option<Cue>)>);

use EventKind::{End as EEnd, Hint as EHint, Onset as EOnset};
use Mode::{Expression as Expr, Pause as PauseMode, Stimulation as Stim};
use Reason::*;

fn config() -> EngineConfig {
    EngineConfig::new(RATE_HZ)
}

/// Runs `script` (sorted by index) over `n` samples; every event, in order.
fn drive(cfg: &EngineConfig, script: &[(u64, In)], n: u64) -> Vec<Event> {
    let mut m = SessionMachine::new(cfg);
    let mut events = Vec::new();
    let mut next = script.iter().peekable();
    for i in 0..n {
        // The engine's order on one sample: safety first, then detections, then timers.
        let mut here: Vec<In> = Vec::new();
        while let Some(&&(at, input)) = next.peek() {
            if at != i {
                assert!(at > i, "script out of order at {at}");
                break;
            }
            here.push(input);
            next.next();
        }
        here.sort_by_key(|x| match x {
            In::Pause(_) | In::Resume => 0,
            In::Onset | In::End | In::Ejecting | In::Level(_) | In::Pulsing { .. } => 1,
        });
        for input in here {
            events.extend(match input {
                In::Pause(r) => Some(m.pause(i, r)),
                In::Resume => Some(m.resume(i)),
                In::Onset => Some(m.on_detection(i, Detection::Onset { confidence: 0.9 })),
                In::End => Some(m.on_detection(i, Detection::End { confidence: 0.8 })),
                In::Ejecting | In::Level(_) | In::Pulsing { .. } => {
                    m.note_flow(i, &cycle_flow(input));
                    None
                }
            });
        }
        if let Some(e) = m.tick(i) {
            events.push(e);
        }
    }
    events
}

/// What the engine would tell the machine at a cycle's end.
fn cycle_flow(input: In) -> CycleFlow {
    let (baseline_ml_min, pulsation_ml_min, transfer) = match input {
        In::Level(level) => (level, f32::NAN, None),
        In::Pulsing {
            level,
            pulsation,
            transfer,
        } => (level, pulsation, Some(transfer)),
        _ => (0.0, f32::NAN, None),
    };
    CycleFlow {
        baseline_ml_min,
        flow_ml_min: baseline_ml_min,
        in_ejection: matches!(input, In::Ejecting),
        at_zero_flow: true,
        pump_changed: false,
        pulsation_ml_min,
        transfer,
        // The script's sensor has been measured: its transfer is given.
        teaches_transfer: true,
    }
}

fn summary(events: &[Event]) -> Vec<Want> {
    events
        .iter()
        .map(|e| {
            (
                e.sample_index,
                e.kind,
                e.reason,
                e.hint.map(|h| (h.mode, h.cue)),
            )
        })
        .collect()
}

/// Every hint in `events` asks for the configured targets of its mode, never beyond the
/// maximum, ramped over at least two cycles (a pause at once).
fn check_targets(cfg: &EngineConfig, events: &[Event]) {
    for h in events.iter().filter_map(|e| e.hint) {
        let (vacuum, rate) = match h.mode {
            Stim => (cfg.stimulation_vacuum_mmhg, cfg.stimulation_rate_cpm),
            Expr => (cfg.expression_vacuum_mmhg, cfg.expression_rate_cpm),
            PauseMode => (0.0, 0.0),
        };
        assert_eq!(h.target_vacuum_mmhg, vacuum, "{h:?}");
        assert_eq!(h.rate_cpm, rate, "{h:?}");
        assert!(h.target_vacuum_mmhg >= cfg.max_vacuum_mmhg, "{h:?}");
        assert!(h.target_vacuum_mmhg >= -300.0, "{h:?}");
        let ramp = if h.mode == PauseMode { 0 } else { RAMP_CYCLES };
        assert_eq!(h.ramp_cycles, ramp, "{h:?}");
    }
}

struct Case {
    name: &'static str,
    script: &'static [(u64, In)],
    samples: u64,
    want: &'static [Want],
}

const CASES: &[Case] = &[
    Case {
        name: "letdown before the first cue: switch at the detection, no cue, no fallback",
        script: &[(8_000, In::Onset)],
        samples: 20_000,
        want: &[(8_000, EOnset, LetdownDetected, Some((Expr, None)))],
    },
    Case {
        name: "fade and the next ejection: back to stimulation fade_s after the end, \
               expression again at the next onset, and again",
        script: &[
            (8_000, In::Onset),
            (14_000, In::End),
            (30_000, In::Onset),
            (36_000, In::End),
        ],
        samples: 40_000,
        want: &[
            (8_000, EOnset, LetdownDetected, Some((Expr, None))),
            (14_000, EEnd, FlowFaded, None),
            (16_000, EHint, FlowFaded, Some((Stim, None))),
            (30_000, EOnset, LetdownDetected, Some((Expr, None))),
            (36_000, EEnd, FlowFaded, None),
            (38_000, EHint, FlowFaded, Some((Stim, None))),
        ],
    },
    Case {
        name: "a new onset inside fade_s keeps expression (no flip-flop)",
        script: &[(8_000, In::Onset), (14_000, In::End), (15_000, In::Onset)],
        samples: 30_000,
        want: &[
            (8_000, EOnset, LetdownDetected, Some((Expr, None))),
            (14_000, EEnd, FlowFaded, None),
            (15_000, EOnset, LetdownDetected, None),
        ],
    },
    Case {
        name: "no letdown: cues in order every 60 s from 90 s, fallback at 120 s, session \
               end 300 s after the fallback, then nothing",
        script: &[],
        samples: 60_000,
        want: &[
            (9_000, EHint, LateLetdownCue, Some((Stim, Some(Cue::Relax)))),
            (12_000, EHint, FallbackTimer, Some((Expr, None))),
            (
                15_000,
                EHint,
                LateLetdownCue,
                Some((Expr, Some(Cue::BabyPhoto))),
            ),
            (
                21_000,
                EHint,
                LateLetdownCue,
                Some((Expr, Some(Cue::Warmth))),
            ),
            (
                27_000,
                EHint,
                LateLetdownCue,
                Some((Expr, Some(Cue::Massage))),
            ),
            (
                33_000,
                EHint,
                LateLetdownCue,
                Some((Expr, Some(Cue::Relax))),
            ),
            (
                39_000,
                EHint,
                LateLetdownCue,
                Some((Expr, Some(Cue::BabyPhoto))),
            ),
            (42_000, EHint, SessionEnd, Some((PauseMode, None))),
        ],
    },
    Case {
        name: "late letdown after the fallback: onset reported, no second switch, no \
               more cues; its end and fade return to stimulation",
        script: &[(20_000, In::Onset), (26_000, In::End)],
        samples: 30_000,
        want: &[
            (9_000, EHint, LateLetdownCue, Some((Stim, Some(Cue::Relax)))),
            (12_000, EHint, FallbackTimer, Some((Expr, None))),
            (
                15_000,
                EHint,
                LateLetdownCue,
                Some((Expr, Some(Cue::BabyPhoto))),
            ),
            (20_000, EOnset, LetdownDetected, None),
            (26_000, EEnd, FlowFaded, None),
            (28_000, EHint, FlowFaded, Some((Stim, None))),
        ],
    },
    Case {
        name: "letdown between the first cue and the fallback: one cue, then none",
        script: &[(10_000, In::Onset)],
        samples: 20_000,
        want: &[
            (9_000, EHint, LateLetdownCue, Some((Stim, Some(Cue::Relax)))),
            (10_000, EOnset, LetdownDetected, Some((Expr, None))),
        ],
    },
    Case {
        name: "session end 300 s after the last end; flow returning after it resumes \
               expression",
        script: &[(8_000, In::Onset), (14_000, In::End), (50_000, In::Onset)],
        samples: 52_000,
        want: &[
            (8_000, EOnset, LetdownDetected, Some((Expr, None))),
            (14_000, EEnd, FlowFaded, None),
            (16_000, EHint, FlowFaded, Some((Stim, None))),
            (44_000, EHint, SessionEnd, Some((PauseMode, None))),
            (50_000, EOnset, LetdownDetected, Some((Expr, None))),
        ],
    },
    Case {
        name: "after flow returns, the session may end again 300 s after its end",
        script: &[
            (8_000, In::Onset),
            (14_000, In::End),
            (50_000, In::Onset),
            (55_000, In::End),
        ],
        samples: 90_000,
        want: &[
            (8_000, EOnset, LetdownDetected, Some((Expr, None))),
            (14_000, EEnd, FlowFaded, None),
            (16_000, EHint, FlowFaded, Some((Stim, None))),
            (44_000, EHint, SessionEnd, Some((PauseMode, None))),
            (50_000, EOnset, LetdownDetected, Some((Expr, None))),
            (55_000, EEnd, FlowFaded, None),
            (57_000, EHint, FlowFaded, Some((Stim, None))),
            (85_000, EHint, SessionEnd, Some((PauseMode, None))),
        ],
    },
    Case {
        name: "a baseline more than twice the detectable flow above its lowest since the \
               last ejection's end (a weak ejection the detector found no onset in) moves \
               the session end; a smaller rise does not",
        script: &[
            (8_000, In::Onset),
            (14_000, In::End),
            (15_000, In::Level(0.5)),
            (16_000, In::Level(0.3)),
            (20_000, In::Level(2.4)),
            (24_000, In::Level(2.2)),
            (30_000, In::Level(0.4)),
        ],
        samples: 60_000,
        want: &[
            (8_000, EOnset, LetdownDetected, Some((Expr, None))),
            (14_000, EEnd, FlowFaded, None),
            (16_000, EHint, FlowFaded, Some((Stim, None))),
            (50_000, EHint, SessionEnd, Some((PauseMode, None))),
        ],
    },
    Case {
        name: "an ejection starts the lowest level anew: what flows after it is measured \
               from where its end left the flow, not from before it",
        script: &[
            (8_000, In::Onset),
            (14_000, In::End),
            (15_000, In::Level(0.3)),
            (16_000, In::Onset),
            (16_500, In::Ejecting),
            (17_000, In::End),
            (18_000, In::Level(2.0)),
            (20_000, In::Level(3.5)),
        ],
        samples: 60_000,
        want: &[
            (8_000, EOnset, LetdownDetected, Some((Expr, None))),
            (14_000, EEnd, FlowFaded, None),
            (16_000, EOnset, LetdownDetected, None),
            (17_000, EEnd, FlowFaded, None),
            (19_000, EHint, FlowFaded, Some((Stim, None))),
            (47_000, EHint, SessionEnd, Some((PauseMode, None))),
        ],
    },
    Case {
        name: "never a session end while an ejection is in progress, however long",
        script: &[(1_000, In::Onset)],
        samples: 200_000,
        want: &[(1_000, EOnset, LetdownDetected, Some((Expr, None)))],
    },
    Case {
        name: "pause and resume in stimulation, each safety reason",
        script: &[
            (500, In::Pause(OverVacuum)),
            (600, In::Resume),
            (700, In::Pause(SensorFault)),
            (800, In::Resume),
            (900, In::Pause(StaleData)),
            (1_000, In::Resume),
        ],
        samples: 2_000,
        want: &[
            (500, EHint, OverVacuum, Some((PauseMode, None))),
            (600, EHint, SensorRecovered, Some((Stim, None))),
            (700, EHint, SensorFault, Some((PauseMode, None))),
            (800, EHint, SensorRecovered, Some((Stim, None))),
            (900, EHint, StaleData, Some((PauseMode, None))),
            (1_000, EHint, SensorRecovered, Some((Stim, None))),
        ],
    },
    Case {
        name: "pause and resume in expression; a second, graver reason re-pauses",
        script: &[
            (1_000, In::Onset),
            (2_000, In::Pause(SensorFault)),
            (2_050, In::Pause(OverVacuum)),
            (2_100, In::Resume),
            (3_000, In::Pause(StaleData)),
            (3_100, In::Resume),
        ],
        samples: 4_000,
        want: &[
            (1_000, EOnset, LetdownDetected, Some((Expr, None))),
            (2_000, EHint, SensorFault, Some((PauseMode, None))),
            (2_050, EHint, OverVacuum, Some((PauseMode, None))),
            (2_100, EHint, SensorRecovered, Some((Expr, None))),
            (3_000, EHint, StaleData, Some((PauseMode, None))),
            (3_100, EHint, SensorRecovered, Some((Expr, None))),
        ],
    },
    Case {
        name: "pause and resume after the session end: the resume keeps the pump paused",
        script: &[
            (1_000, In::Onset),
            (2_000, In::End),
            (33_000, In::Pause(OverVacuum)),
            (33_100, In::Resume),
        ],
        samples: 34_000,
        want: &[
            (1_000, EOnset, LetdownDetected, Some((Expr, None))),
            (2_000, EEnd, FlowFaded, None),
            (4_000, EHint, FlowFaded, Some((Stim, None))),
            (32_000, EHint, SessionEnd, Some((PauseMode, None))),
            (33_000, EHint, OverVacuum, Some((PauseMode, None))),
            (33_100, EHint, SensorRecovered, Some((PauseMode, None))),
        ],
    },
    Case {
        name: "onset during a pause: reported without a hint, the resume carries expression",
        script: &[
            (7_900, In::Pause(OverVacuum)),
            (8_000, In::Onset),
            (8_100, In::Resume),
        ],
        samples: 20_000,
        want: &[
            (7_900, EHint, OverVacuum, Some((PauseMode, None))),
            (8_000, EOnset, LetdownDetected, None),
            (8_100, EHint, SensorRecovered, Some((Expr, None))),
        ],
    },
    Case {
        name: "fallback during a pause: the resume carries expression",
        script: &[(11_900, In::Pause(StaleData)), (12_500, In::Resume)],
        samples: 14_000,
        want: &[
            (9_000, EHint, LateLetdownCue, Some((Stim, Some(Cue::Relax)))),
            (11_900, EHint, StaleData, Some((PauseMode, None))),
            (12_000, EHint, FallbackTimer, None),
            (12_500, EHint, SensorRecovered, Some((Expr, None))),
        ],
    },
    Case {
        name: "fade during a pause: the resume carries stimulation",
        script: &[
            (1_000, In::Onset),
            (2_000, In::End),
            (3_000, In::Pause(SensorFault)),
            (5_000, In::Resume),
        ],
        samples: 6_000,
        want: &[
            (1_000, EOnset, LetdownDetected, Some((Expr, None))),
            (2_000, EEnd, FlowFaded, None),
            (3_000, EHint, SensorFault, Some((PauseMode, None))),
            (4_000, EHint, FlowFaded, None),
            (5_000, EHint, SensorRecovered, Some((Stim, None))),
        ],
    },
    Case {
        name: "a cue due during a pause is given at the resume, the next 60 s later",
        script: &[(8_950, In::Pause(SensorFault)), (9_400, In::Resume)],
        samples: 16_000,
        want: &[
            (8_950, EHint, SensorFault, Some((PauseMode, None))),
            (9_400, EHint, SensorRecovered, Some((Stim, None))),
            (9_400, EHint, LateLetdownCue, Some((Stim, Some(Cue::Relax)))),
            (12_000, EHint, FallbackTimer, Some((Expr, None))),
            (
                15_400,
                EHint,
                LateLetdownCue,
                Some((Expr, Some(Cue::BabyPhoto))),
            ),
        ],
    },
    Case {
        name: "a session end due during a pause is suggested at the resume",
        script: &[
            (1_000, In::Onset),
            (2_000, In::End),
            (31_000, In::Pause(StaleData)),
            (33_000, In::Resume),
        ],
        samples: 34_000,
        want: &[
            (1_000, EOnset, LetdownDetected, Some((Expr, None))),
            (2_000, EEnd, FlowFaded, None),
            (4_000, EHint, FlowFaded, Some((Stim, None))),
            (31_000, EHint, StaleData, Some((PauseMode, None))),
            (33_000, EHint, SensorRecovered, Some((Stim, None))),
            (33_000, EHint, SessionEnd, Some((PauseMode, None))),
        ],
    },
];

/// The session ends `script` (sorted by index) brings over `n` samples, by sample index.
fn session_ends(script: &[(u64, In)], n: u64) -> Vec<u64> {
    drive(&config(), script, n)
        .iter()
        .filter(|e| e.reason == SessionEnd)
        .map(|e| e.sample_index)
        .collect()
}

#[test]
fn before_any_letdown_flow_after_the_fallback_switch_moves_the_session_end() {
    // Without a letdown the quiet time counts from the fallback switch (120 s) at the
    // earliest: flow before it changes nothing, flow after it restarts the count.
    assert_eq!(session_ends(&[], 50_000), [42_000]);
    let before = [(5_000, In::Level(0.2)), (6_000, In::Level(2.5))];
    assert_eq!(session_ends(&before, 50_000), [42_000]);
    let after = [(13_000, In::Level(0.2)), (16_000, In::Level(2.5))];
    assert_eq!(session_ends(&after, 50_000), [46_000]);
}

#[test]
fn a_raised_level_held_longer_than_any_ejection_flows_is_the_sensors_offset() {
    // After an ejection's end at 14 000, the baseline steps from 0.3 to 3 mL/min and
    // stays there (an offset step the detector absorbed, or a drift that added up):
    // flow for the longest an ejection flows, 210 s (21 000 samples) from 16 000, then
    // the new lowest level, and the session ends 300 s after the last cycle counted.
    let mut script = vec![
        (8_000, In::Onset),
        (14_000, In::End),
        (15_000, In::Level(0.3)),
    ];
    script.extend((16..=90).map(|k| (k * 1_000, In::Level(3.0))));
    assert_eq!(session_ends(&script, 90_000), [67_000]);
    // A weak ejection's rise and fall within that time counts whole.
    let mut script = vec![
        (8_000, In::Onset),
        (14_000, In::End),
        (15_000, In::Level(0.3)),
    ];
    script.extend((16..=30).map(|k| (k * 1_000, In::Level(3.0))));
    script.push((31_000, In::Level(0.4)));
    assert_eq!(session_ends(&script, 90_000), [60_000]);
}

/// After an ejection's end at 14 000: twenty cycles (1 s each) at 0.3 mL/min pulsing at
/// `quiet` mL/min, then the baseline at 3 mL/min from 16 100 to 30 000 pulsing at
/// `raised`, back at 0.4 from 30 100; `transfer`: the sensor's, where strong flow has
/// measured it.
fn raised_level(quiet: f32, raised: f32, transfer: Option<f32>) -> Vec<(u64, In)> {
    let cycle = |level: f32, pulsation: f32| match transfer {
        Some(transfer) => In::Pulsing {
            level,
            pulsation,
            transfer,
        },
        None => In::Level(level),
    };
    let mut script = vec![(8_000, In::Onset), (14_000, In::End)];
    script.extend((141..=160).map(|k| (k * 100, cycle(0.3, quiet))));
    script.extend((161..=300).map(|k| (k * 100, cycle(3.0, raised))));
    script.extend((301..=400).map(|k| (k * 100, cycle(0.4, quiet))));
    script
}

#[test]
fn a_raised_level_without_milks_pulsation_is_the_sensors_offset() {
    // Milk of 2.7 mL/min over the quiet level shows 1.35 mL/min at the pump rate on a
    // sensor of transfer 0.5; the offset shows none, and is dropped once its mean power
    // stands clear of the noise (a few cycles): the session ends 300 s after the
    // ejection's end.
    assert_eq!(
        session_ends(&raised_level(0.5, 0.5, Some(0.5)), 70_000),
        [44_000]
    );
    // With milk's pulsation, or on a sensor whose pulsation no strong flow has measured,
    // the level is flow until it falls back.
    let milk = (0.25f32 + 1.35 * 1.35).sqrt();
    assert_eq!(
        session_ends(&raised_level(0.5, milk, Some(0.5)), 70_000),
        [60_000]
    );
    assert_eq!(
        session_ends(&raised_level(0.5, 0.5, None), 70_000),
        [60_000]
    );
    // Before ten cycles at zero flow have shown the noise's own pulsation, no offset is
    // shown: five of the twenty.
    let mut few_quiet = raised_level(0.5, 0.5, Some(0.5));
    few_quiet.retain(|&(at, _)| !(14_100..15_600).contains(&at));
    assert_eq!(session_ends(&few_quiet, 70_000), [60_000]);
    // On a sensor whose noise at the pump rate (3 mL/min) outweighs milk's pulsation the
    // offset is never shown.
    assert_eq!(
        session_ends(&raised_level(3.0, 3.0, Some(0.5)), 70_000),
        [60_000]
    );
}

#[test]
fn every_transition_at_its_exact_sample() {
    let cfg = config();
    // The table's sample arithmetic assumes the defaults.
    assert_eq!(cfg.late_cue_s, 90.0);
    assert_eq!(CUE_INTERVAL_S, 60.0);
    assert_eq!(cfg.fallback_s, 120.0);
    assert_eq!(cfg.fade_s, 20.0);
    assert_eq!(cfg.session_end_s, 300.0);
    let mut failures = Vec::new();
    for case in CASES {
        let events = drive(&cfg, case.script, case.samples);
        check_targets(&cfg, &events);
        let got = summary(&events);
        if got != case.want {
            failures.push(format!(
                "{}:\n  want {:?}\n  got  {:?}",
                case.name, case.want, got
            ));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn the_table_covers_every_reason_and_mode_transition() {
    let cfg = config();
    let mut reasons = Vec::new();
    let mut transitions = Vec::new();
    for case in CASES {
        let mut mode = Stim;
        for e in drive(&cfg, case.script, case.samples) {
            if !reasons.contains(&e.reason) {
                reasons.push(e.reason);
            }
            if let Some(h) = e.hint {
                if h.mode != mode && !transitions.contains(&(mode, h.mode)) {
                    transitions.push((mode, h.mode));
                }
                mode = h.mode;
            }
        }
    }
    for r in Reason::ALL {
        assert!(reasons.contains(&r), "no case gives {r}");
    }
    for from in [Stim, Expr, PauseMode] {
        for to in [Stim, Expr, PauseMode] {
            if from != to {
                assert!(
                    transitions.contains(&(from, to)),
                    "no case goes {from} → {to}"
                );
            }
        }
    }
}

#[test]
fn cues_follow_the_documented_order_and_settings() {
    // Earlier first cue, later fallback, longer session end: the whole cycle of cues in
    // stimulation, then the fallback.
    let cfg = config().late_cue_s(30.0).fallback_s(300.0);
    let events = drive(&cfg, &[], 40_000);
    let cues: Vec<(u64, Cue)> = events
        .iter()
        .filter_map(|e| e.hint.and_then(|h| h.cue.map(|c| (e.sample_index, c))))
        .collect();
    let want: Vec<(u64, Cue)> = (0..7u64)
        .map(|k| (3_000 + 6_000 * k, CUE_ORDER[k as usize % 4]))
        .collect();
    assert_eq!(cues, want);
    assert_eq!(
        CUE_ORDER,
        [Cue::Relax, Cue::BabyPhoto, Cue::Warmth, Cue::Massage]
    );
    check_targets(&cfg, &events);
}

#[test]
fn a_late_letdown_never_gets_deeper_vacuum_than_the_users_settings() {
    // DESIGN §5: cues, never deeper vacuum. Before any letdown the pump is asked for the
    // stimulation vacuum, and from the fallback on for the expression vacuum, and nothing
    // deeper, for the whole of a long session without letdown; a cue carries the targets
    // of the mode the pump is already in.
    for cfg in [
        config(),
        config()
            .max_vacuum_mmhg(-120.0)
            .stimulation_vacuum_mmhg(-60.0)
            .expression_vacuum_mmhg(-110.0),
    ] {
        let events = drive(&cfg, &[], 100_000);
        check_targets(&cfg, &events);
        let mut deepest_before_fallback = 0.0f32;
        let mut previous: Option<ControlHint> = None;
        for e in &events {
            let Some(h) = e.hint else { continue };
            if e.sample_index < 12_000 {
                deepest_before_fallback = deepest_before_fallback.min(h.target_vacuum_mmhg);
            }
            if h.cue.is_some() {
                if let Some(p) = previous {
                    assert_eq!(
                        (h.mode, h.target_vacuum_mmhg, h.rate_cpm),
                        (p.mode, p.target_vacuum_mmhg, p.rate_cpm),
                        "a cue changed the targets: {h:?}"
                    );
                }
            }
            previous = Some(h);
        }
        assert_eq!(deepest_before_fallback, cfg.stimulation_vacuum_mmhg);
    }
}

// ---- end to end through the engine -------------------------------------------------

fn hints(events: &[Event]) -> Vec<(u64, Reason, Mode, Option<Cue>)> {
    events
        .iter()
        .filter_map(|e| e.hint.map(|h| (e.sample_index, e.reason, h.mode, h.cue)))
        .collect()
}

#[test]
fn engine_without_milk_cues_falls_back_and_ends() {
    let mut engine = config().build().unwrap();
    let events = run_engine(&mut engine, 45_000, |_, s| Some(s));
    assert!(
        events.iter().all(|e| e.kind == EHint),
        "no milk, no detection: {events:?}"
    );
    assert_eq!(
        hints(&events),
        [
            (9_000, LateLetdownCue, Stim, Some(Cue::Relax)),
            (12_000, FallbackTimer, Expr, None),
            (15_000, LateLetdownCue, Expr, Some(Cue::BabyPhoto)),
            (21_000, LateLetdownCue, Expr, Some(Cue::Warmth)),
            (27_000, LateLetdownCue, Expr, Some(Cue::Massage)),
            (33_000, LateLetdownCue, Expr, Some(Cue::Relax)),
            (39_000, LateLetdownCue, Expr, Some(Cue::BabyPhoto)),
            (42_000, SessionEnd, PauseMode, None),
        ]
    );
}

#[test]
fn engine_safety_pauses_at_the_sample_and_resumes_after_the_clear_time() {
    // Clear time 0.5 s = 50 samples of good data.
    let mut engine = config().build().unwrap();
    let events = run_engine(&mut engine, 16_000, |i, s| match i {
        // Over-vacuum for one sample: beyond the user's −250 mmHg.
        1_000 => Some(Sample::new(-260.0, s.flow_ml_min)),
        // An impossible flow reading.
        2_000 => Some(Sample::new(s.pressure_mmhg, f32::NAN)),
        // Ten samples never arrive.
        3_000..3_010 => None,
        // A fault across the first cue (due at 9 000): it comes at the resume.
        8_990 => Some(Sample::new(f32::INFINITY, s.flow_ml_min)),
        // A fault across the fallback (due at 12 000): the resume carries expression.
        11_990 => Some(Sample::new(s.pressure_mmhg, 1_000.0)),
        _ => Some(s),
    });
    assert_eq!(
        hints(&events),
        [
            (1_000, OverVacuum, PauseMode, None),
            (1_050, SensorRecovered, Stim, None),
            (2_000, SensorFault, PauseMode, None),
            (2_050, SensorRecovered, Stim, None),
            (3_000, StaleData, PauseMode, None),
            (3_059, SensorRecovered, Stim, None),
            (8_990, SensorFault, PauseMode, None),
            (9_040, SensorRecovered, Stim, None),
            (9_040, LateLetdownCue, Stim, Some(Cue::Relax)),
            (11_990, SensorFault, PauseMode, None),
            (12_040, SensorRecovered, Expr, None),
            (15_040, LateLetdownCue, Expr, Some(Cue::BabyPhoto)),
        ]
    );
    let fallback: Vec<&Event> = events
        .iter()
        .filter(|e| e.reason == FallbackTimer)
        .collect();
    assert_eq!(fallback.len(), 1);
    assert_eq!(
        (fallback[0].sample_index, fallback[0].hint),
        (12_000, None),
        "the fallback during the pause changes the mode without a hint"
    );
}

#[test]
fn a_flow_sensor_reading_no_flow_steadily_pauses_nothing_but_one_frozen_at_a_flow_does() {
    // A low-flow cutoff reads exactly 0 while no milk flows, and a quantised sensor whose
    // noise is below its step reads its offset (−0.5 mL/min) as steadily: for a minute
    // and more before letdown. Neither is a fault: paused, with no milk, the reading could
    // never change to resume the pump.
    for no_flow in [0.0, -0.5, 0.5] {
        let mut engine = config().build().unwrap();
        let events = run_engine(&mut engine, 10_000, |_, s| {
            Some(Sample::new(s.pressure_mmhg, no_flow))
        });
        assert_eq!(
            hints(&events),
            [(9_000, LateLetdownCue, Stim, Some(Cue::Relax))],
            "{no_flow} mL/min is a reading of no flow, not a fault"
        );
    }
    // Frozen at 1.5 mL/min (a flow) from sample 1 000: a fault after the stuck time (2 s).
    let mut engine = config().build().unwrap();
    let events = run_engine(&mut engine, 2_000, |i, s| {
        Some(Sample::new(
            s.pressure_mmhg,
            if i >= 1_000 { 1.5 } else { 0.0 },
        ))
    });
    assert_eq!(hints(&events), [(1_201, SensorFault, PauseMode, None)]);
    // No flow reads up to the smallest flow the detector is configured to see: at 2 mL/min
    // a steady 1.5 is a reading of no flow, and 2.5 is frozen.
    for (frozen, pause) in [(1.5, None), (2.5, Some(1_201))] {
        let mut engine = config().min_flow_ml_min(2.0).build().unwrap();
        let events = run_engine(&mut engine, 2_000, |i, s| {
            Some(Sample::new(
                s.pressure_mmhg,
                if i >= 1_000 { frozen } else { 0.0 },
            ))
        });
        let paused = hints(&events)
            .into_iter()
            .find(|h| h.1 == SensorFault)
            .map(|h| h.0);
        assert_eq!(paused, pause, "{frozen} mL/min with min_flow_ml_min 2");
    }
}

#[test]
fn a_frozen_pressure_sensor_that_glitches_now_and_then_is_still_stuck() {
    // Frozen at −100 mmHg from 10 s on, with a NaN (or a missing sample) every 1.5 s,
    // sooner than the stuck time (2 s): each glitch pauses and the clear time after it
    // resumes, but the run of identical readings goes on across it, so after 2 s of them
    // the sensor is stuck and the pause holds, glitches or not. A frozen pressure sensor
    // hides over-vacuum.
    for glitch in ["NaN", "gap"] {
        let mut engine = config().build().unwrap();
        let events = run_engine(&mut engine, 6_000, |i, s| match i {
            1_000.. if i % 150 == 49 && glitch == "gap" => None,
            1_000.. if i % 150 == 49 => Some(Sample::new(f32::NAN, s.flow_ml_min)),
            1_000.. => Some(Sample::new(-100.0, s.flow_ml_min)),
            _ => Some(s),
        });
        let first = if glitch == "gap" {
            StaleData
        } else {
            SensorFault
        };
        // The run's 201st repeat (`stuck_s` × 100 Hz), the glitch at 1 099 not counted.
        assert_eq!(
            hints(&events),
            [
                (1_099, first, PauseMode, None),
                (1_149, SensorRecovered, Stim, None),
                (1_202, SensorFault, PauseMode, None),
            ],
            "{glitch} every 1.5 s"
        );
    }
}

#[test]
fn a_gap_longer_than_any_stream_counts_as_the_longest_and_the_timers_go_on() {
    // A missing-sample count gone negative in the caller's arithmetic (nearly 2⁶⁴):
    // taken as `MAX_GAP_SAMPLES`, so the index, on which every timer counts, does not
    // saturate and each timer fires once, not on every tick.
    use letdown_engine::MAX_GAP_SAMPLES;
    let mut engine = config().build().unwrap();
    run_engine(&mut engine, 1_000, |_, s| Some(s));
    let mut events: Vec<Event> = engine.process_gap(u64::MAX).into_iter().collect();
    let after = 1_000 + MAX_GAP_SAMPLES;
    assert_eq!(engine.sample_index(), after);
    assert_eq!(engine.stats().missing_samples, MAX_GAP_SAMPLES);
    for i in 1_000..3_000 {
        events.extend(engine.process(support::pump(i)));
    }
    // Over by then: the fallback (during the pause: the resume carries expression), the
    // first cue and, with no flow since, the session's end.
    let resume = after + (letdown_engine::FAULT_CLEAR_S * RATE_HZ) as u64 - 1;
    assert_eq!(
        hints(&events),
        [
            (1_000, StaleData, PauseMode, None),
            (resume, SensorRecovered, Expr, None),
            (resume, LateLetdownCue, Expr, Some(Cue::Relax)),
            (resume + 1, SessionEnd, PauseMode, None),
        ]
    );
}

#[test]
fn a_flow_only_fault_leaves_the_pump_cycling_with_its_flow_unused() {
    // A steady 6 mL/min; the flow sensor reads NaN from 10 s to 13 s (a fault at once, its
    // last good reading held), the pressure still shows every stroke. The pump did not
    // stop, so its cycles go on (no restart, and no surge of stored milk to hold back
    // after it), each with its flow unused and no volume counted for it; once the flow
    // reads again, so are its cycles.
    let flowing = |_, s: Sample| Some(Sample::new(s.pressure_mmhg, s.flow_ml_min + 6.0));
    let mut engine = config().build().unwrap();
    run_engine(&mut engine, 1_000, flowing);
    let (before, volume) = (engine.stats(), engine.snapshot().volume_ml);
    let events = run_engine(&mut engine, 1_300, |_, s| {
        Some(Sample::new(s.pressure_mmhg, f32::NAN))
    });
    assert_eq!(hints(&events), [(1_000, SensorFault, PauseMode, None)]);
    let during = engine.stats();
    let cycles = during.cycles - before.cycles;
    let unused = during.artefact_cycles - before.artefact_cycles;
    // 3 s at 110 cycles/min: 5 or 6 cycles close, the first begun before the fault.
    assert!(cycles >= 5, "{cycles} pump cycles through the flow fault");
    assert!(unused + 1 >= cycles, "{unused} of {cycles} cycles unused");
    assert!(
        engine.snapshot().volume_ml - volume < 1e-3,
        "held readings add no volume"
    );
    let events = run_engine(&mut engine, 1_600, flowing);
    assert_eq!(hints(&events), [(1_349, SensorRecovered, Stim, None)]);
    let after = engine.stats();
    assert!(after.cycles - during.cycles >= 5, "the pump's cycles go on");
    assert!(
        after.artefact_cycles - during.artefact_cycles <= 1,
        "the flow's cycles are used again once it reads (one straddles the fault's end)"
    );
}

#[test]
fn a_pressure_sensor_reading_exactly_atmosphere_pauses_until_the_pump_pulls_again() {
    // The user stops the pump from 10 s to 15 s, and a coarse, quiet pressure sensor reads
    // exactly atmosphere meanwhile: after the stuck time (2 s) that is a sensor fault,
    // since a failed pressure sensor reads atmosphere too. The pause holds while the
    // reading stands and clears the clear time (0.5 s) after the pump pulls again: the
    // firmware must let the user's restart through it (`Reason::SensorFault`).
    let mut engine = config().build().unwrap();
    let events = run_engine(&mut engine, 2_000, |i, s| match i {
        1_000..1_500 => Some(Sample::new(0.0, s.flow_ml_min)),
        _ => Some(s),
    });
    // The pressure moves again at 1 500; 50 samples of good data clear the fault.
    let clear = (letdown_engine::FAULT_CLEAR_S * RATE_HZ) as u64;
    assert_eq!(
        hints(&events),
        [
            (1_201, SensorFault, PauseMode, None),
            (1_500 + clear - 1, SensorRecovered, Stim, None),
        ]
    );
}

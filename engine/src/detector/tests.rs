//! The detector's decisions on idealised cycle sequences: each rule on the case it is for,
//! and for most also without it (an ablation in miniature).

use super::*;

const CYCLE: Cycle = Cycle {
    len: 100,
    rate_cpm: 60.0,
    depth_mmhg: -150.0,
    release_mmhg: 0.0,
    pumping: true,
};

/// Every test but phase-alarm: the tests' idealised milk pulses in one phase from its
/// first cycle, which phase-alarm would take for an onset before the mechanism a test
/// is about decides (it is tested on its own below).
const BUT_PHASE_ALARM: DetectorTests = DetectorTests::ALL.without(DetectorTest::PhaseAlarm);

fn block(mean: f32) -> BlockFeatures {
    // Milk moves with the pump: its fundamental is about its mean.
    pulsing_block(mean, mean)
}

/// A cycle of mean `mean` mL/min, pulsing as milk does, with `rejected` of its samples
/// rejected.
fn with_rejected(mean: f32, rejected: f32) -> BlockFeatures {
    BlockFeatures {
        rejected_fraction: rejected,
        ..block(mean)
    }
}

/// A cycle of mean flow `mean` whose pulsation is `pulsation` (mL/min), at the same
/// point of every cycle, as milk's.
fn pulsing_block(mean: f32, pulsation: f32) -> BlockFeatures {
    BlockFeatures {
        mean_flow_ml_min: mean,
        volume_ml: mean / 60.0,
        pulsation_ml_min: pulsation,
        pulsation_phasor: [pulsation, 0.0],
        peak_flow_ml_min: mean + 0.5,
        min_flow_ml_min: mean - 0.5,
        rejected_fraction: 0.0,
    }
}

/// A detector that has seen a minute of zero flow whose cycle means alternate
/// `0.2 ± scatter` mL/min.
fn settled_at(scatter: f32) -> EjectionDetector {
    settled_in(&CYCLE, scatter)
}

/// A detector that has seen a minute of zero flow in cycles of the pump setting
/// `cycle`, their means alternating `0.2 ± scatter` mL/min.
fn settled_in(cycle: &Cycle, scatter: f32) -> EjectionDetector {
    let mut d = EjectionDetector::new(1.0, 0.05);
    for i in 0..60 {
        let m = if i % 2 == 0 {
            0.2 + scatter
        } else {
            0.2 - scatter
        };
        assert_eq!(d.process(cycle, &block(m), 1.0), None);
    }
    d
}

/// A detector that has seen a minute of quiet zero flow (±0.05 mL/min).
fn settled() -> EjectionDetector {
    settled_at(0.05)
}

/// The pulsation's noise estimate at zero flow after warm-up: `quiet` cycles whose
/// pulsation stays at 0.2 mL/min, then `scattered` in which it scatters by ±0.15 mL/min.
fn pulsation_noise_after(quiet: usize, scattered: usize) -> f32 {
    let mut d = EjectionDetector::new(1.0, 0.05);
    let cycle = |p: f32| pulsing_block(0.2, p);
    let scatter = [0.05, 0.35, 0.2, 0.35, 0.05, 0.2];
    let warm_up = (WARMUP_S as usize) + 1;
    let scattered = scatter.iter().copied().cycle().take(scattered);
    let pulsations = core::iter::repeat_n(0.2, warm_up + quiet).chain(scattered);
    for p in pulsations {
        assert_eq!(d.process(&CYCLE, &cycle(p), 1.0), None);
    }
    d.puls_dev
}

#[test]
fn pulsation_noise_estimate_does_not_hang_on_its_first_cycles() {
    // A sensor whose pulsation is quiet for the first cycles after warm-up (its noise
    // starts later, or the first cycles happen to agree) must not keep the noise bar
    // of pump-sync low for the next minute: 30 scattered cycles on, the estimate has
    // come 0.65 of the way to where it settles (a running mean over the first cycles;
    // the exponential average alone, with its first cycle's weight still 0.97³⁰ = 0.4,
    // came 0.48 of it).
    let settled = pulsation_noise_after(0, 300);
    let late = pulsation_noise_after(3, 30);
    assert!(settled > 0.05, "{settled}");
    assert!(late >= 0.6 * settled, "{late} vs {settled}");
}

/// A cycle whose flow has no component at the pump rate (offset, wobble, held values).
fn unlocked(mean: f32) -> BlockFeatures {
    pulsing_block(mean, 0.1)
}

#[test]
fn one_spike_cycle_at_zero_flow_does_not_alarm() {
    let mut d = settled();
    // A spike that survived artefact rejection: one cycle far above anything noise
    // gives. Its increment is winsorised below the threshold.
    assert_eq!(d.process(&CYCLE, &block(30.0), 1.0), None);
    let (s, h) = d.cusum();
    assert!(s > 0.0 && s < h, "{s} {h}");
    for _ in 0..5 {
        assert_eq!(d.process(&CYCLE, &block(0.2), 1.0), None);
    }
    assert!(!d.in_ejection());
    assert_eq!(d.cusum().0, 0.0);
}

/// A rise of the mean by 2.5 mL/min from zero flow, its pulsation at `pulsation` mL/min
/// (0.2 at zero flow), on a sensor whose learnt transfer is `transfer`, with the
/// pulsation's deviation at zero flow set to `dev`. Whether it is an onset.
fn rise_is_onset(transfer: f32, dev: f32, pulsation: f32) -> bool {
    let mut d = settled();
    d.transfer = transfer;
    d.puls_dev = dev;
    let cycle = |mean: f32| pulsing_block(mean, pulsation);
    [2.7, 2.8, 2.9].iter().any(|&m| {
        matches!(
            d.process(&CYCLE, &cycle(m), 1.0),
            Some(Detection::Onset { .. })
        )
    })
}

#[test]
fn a_pulsation_rise_within_its_own_noise_backs_no_onset() {
    // The pulsation rises by 0.2 mL/min on a sensor whose learnt transfer is low (0.4).
    assert!(
        rise_is_onset(0.4, 0.05, 0.4),
        "above a quiet pulsation's noise the share test backs it"
    );
    assert!(!rise_is_onset(0.4, 0.3, 0.4));
}

#[test]
fn a_rise_must_show_half_the_pulsation_milk_shows_on_this_sensor() {
    // A transfer of 0.6: milk's pulsation would rise by 1.5 mL/min; the pulsation's
    // deviation at zero flow is 0.3 mL/min.
    assert!(
        rise_is_onset(0.6, 0.3, 1.2),
        "two-thirds of milk's pulsation"
    );
    assert!(
        !rise_is_onset(0.6, 0.3, 0.7),
        "a third of milk's pulsation, within 2 deviations of its noise, is an offset"
    );
}

/// A motion burst of a few seconds: its extreme samples rejected, the rest of its
/// swing left inside the band in two cycles; then zero flow again. Whether it alarms.
fn motion_burst_alarms(tests: DetectorTests) -> bool {
    let mut d = settled().with_tests(tests);
    let burst = [with_rejected(3.0, 0.09), with_rejected(8.0, 0.04)];
    let quiet = [block(0.2); 4];
    burst
        .iter()
        .chain(&quiet)
        .any(|f| matches!(d.process(&CYCLE, f, 1.0), Some(Detection::Onset { .. })))
}

#[test]
fn a_motion_burst_with_rejected_samples_adds_no_evidence() {
    assert!(
        motion_burst_alarms(DetectorTests::ALL.without(DetectorTest::PartialGuard)),
        "the burst must be one the unguarded test takes for an onset"
    );
    assert!(!motion_burst_alarms(DetectorTests::ALL));
}

#[test]
fn a_dropout_of_two_cycles_in_a_rise_is_no_second_onset() {
    let mut d = settled();
    let rise = [2.5, 2.6, 4.4, 6.8, 7.9, 9.2, 10.3, 11.2, 11.9];
    assert_eq!(events(&mut d, &rise).0, 1);
    // The sensor loses the flow for two cycles (a partial one, then none) and finds it
    // again, still rising (cycle means as a noisy sensor read a dropout): the same ejection.
    let after = [7.8, -0.5, 11.6, 14.3, 15.3, 16.0, 16.0, 17.2, 17.1];
    assert_eq!(events(&mut d, &after).0, 0);
    assert!(d.in_ejection());
}

/// An artefact's decay at zero flow (cycle means `bump`) that fools the detector without
/// the partial-guard and lag-hold is no onset with either one, and an ejection's climb
/// right after it is still found.
fn assert_decay_is_no_onset(bump: &[f32]) {
    let neither = DetectorTests::ALL
        .without(DetectorTest::PartialGuard)
        .without(DetectorTest::LagHold);
    let mut d = settled().with_tests(neither);
    assert_eq!(events(&mut d, bump).0, 1, "the case must fool the detector");
    for test in [DetectorTest::PartialGuard, DetectorTest::LagHold] {
        let mut d = settled().with_tests(DetectorTests::ALL.without(test));
        assert_eq!(events(&mut d, bump), (0, 0), "without {test}");
    }
    let mut d = settled();
    assert_eq!(events(&mut d, bump), (0, 0));
    assert_eq!(events(&mut d, &RISE_TO_20), (1, 0));
}

#[test]
fn a_smeared_artefacts_decay_at_zero_flow_is_no_onset() {
    // A motion burst through a smoothing sensor: no sample leaves the band, and the
    // cycle means jump, then decay over the following cycles.
    assert_decay_is_no_onset(&[0.3, 4.0, 2.5, 1.5, 0.8, 0.5, 0.3, 0.2, 0.2, 0.2]);
}

#[test]
fn a_spike_smeared_by_a_slow_sensor_is_no_onset() {
    // A motion spike through a sensor that smooths over seconds: the cycle means jump,
    // the first cycle of its decay stays within the noise of the jump (the spike came
    // late in its cycle), then they decay. That first cycle does not climb.
    assert_decay_is_no_onset(&[0.2, 1.3, 1.25, 0.85, 0.6, 0.4, 0.3, 0.2, 0.2, 0.2]);
}

/// `d` on a sensor that strong flow has shown to pass a tenth of milk's pulsation, as
/// through a lag of 2 s.
fn as_lagging(mut d: EjectionDetector) -> EjectionDetector {
    d.transfer = MIN_TRANSFER;
    d.transfer_rate = CYCLE.rate_cpm;
    d
}

/// A detector settled at zero flow (pulsation 0.2 ± 0.05 mL/min) on a lagging sensor
/// ([`as_lagging`]).
fn on_a_lagging_sensor(tests: DetectorTests) -> EjectionDetector {
    as_lagging(settled().with_tests(tests))
}

/// The cycle at which the detector takes its first onset from `cycles` (mean,
/// pulsation; mL/min), if any.
fn first_onset(d: &mut EjectionDetector, cycles: &[(f32, f32)]) -> Option<usize> {
    cycles.iter().position(|&(m, p)| {
        matches!(
            d.process(&CYCLE, &pulsing_block(m, p), 1.0),
            Some(Detection::Onset { .. })
        )
    })
}

/// Milk's climb through a lagging sensor, 0.8 mL/min per cycle, its pulsation at
/// zero flow's 0.2 mL/min plus `leak` (a ramp of r mL/min over a cycle reads r/π in
/// the pulsation's bin).
fn lagged_climb(leak: f32) -> Vec<(f32, f32)> {
    (1..12)
        .map(|i| (0.2 + 0.8 * i as f32, 0.2 + leak))
        .collect()
}

const CLIMB_LEAK: f32 = 0.8 / core::f32::consts::PI;

#[test]
fn a_burst_a_lagging_sensor_spread_over_two_cycles_is_no_onset() {
    // A motion burst late in a cycle, through a sensor that smooths over 2 s: the
    // level jumps within that cycle (which pulses far above its noise), stands
    // higher still in the next (pulsing too, or not), then decays by the sensor's
    // time constant.
    for second_pulsation in [0.7, 0.2] {
        let burst = [
            (1.3, 1.3),
            (1.8, second_pulsation),
            (1.1, 0.3),
            (0.7, 0.2),
            (0.5, 0.2),
            (0.35, 0.2),
            (0.25, 0.2),
            (0.2, 0.2),
            (0.2, 0.2),
        ];
        let without = DetectorTests::ALL.without(DetectorTest::LagHold);
        let mut d = on_a_lagging_sensor(without);
        assert_eq!(
            first_onset(&mut d, &burst),
            Some(1),
            "the case must fool the detector ({second_pulsation})"
        );
        let mut d = on_a_lagging_sensor(DetectorTests::ALL);
        assert_eq!(first_onset(&mut d, &burst), None, "{second_pulsation}");
        assert!(!d.in_ejection());
        // The evidence was built anew: an ejection's climb right after is found as
        // from a settled zero flow.
        let fresh = first_onset(
            &mut on_a_lagging_sensor(DetectorTests::ALL),
            &lagged_climb(CLIMB_LEAK),
        );
        assert_eq!(first_onset(&mut d, &lagged_climb(CLIMB_LEAK)), fresh);
    }
}

#[test]
fn an_ejection_through_a_lagging_sensor_waits_one_cycle_for_its_level_to_hold() {
    let without = DetectorTests::ALL.without(DetectorTest::LagHold);
    let climb = lagged_climb(CLIMB_LEAK);
    let at = first_onset(&mut on_a_lagging_sensor(without), &climb);
    assert_eq!(at, Some(1));
    let held = first_onset(&mut on_a_lagging_sensor(DetectorTests::ALL), &climb);
    assert_eq!(held, Some(2));
    // Nothing waits before strong flow has shown how the sensor smooths, on a sensor
    // that shows milk's pulsation, or where no cycle pulses clear of the noise.
    let mut d = on_a_lagging_sensor(DetectorTests::ALL);
    d.transfer = PULSATION_TRANSFER_PRIOR;
    d.transfer_rate = f32::NAN;
    assert_eq!(first_onset(&mut d, &climb), at, "before strong flow");
    let mut d = on_a_lagging_sensor(DetectorTests::ALL);
    d.transfer = 0.6;
    assert_eq!(
        first_onset(&mut d, &climb),
        at,
        "a sensor that does not smooth"
    );
    let quiet = lagged_climb(0.0);
    let unheld = first_onset(&mut on_a_lagging_sensor(without), &quiet);
    assert!(unheld.is_some());
    assert_eq!(
        first_onset(&mut on_a_lagging_sensor(DetectorTests::ALL), &quiet),
        unheld,
        "no cycle pulsing clear of the noise"
    );
}

#[test]
fn a_burst_that_stands_still_after_its_jump_waits_on_an_unknown_sensor() {
    // A motion burst through a lagging sensor whose smoothing no strong flow has shown
    // yet (the prior transfer): the level jumps within one cycle, the next stands
    // barely higher, then it decays by the sensor's time constant.
    let burst = [
        (1.3, 1.3),
        (1.35, 0.7),
        (0.9, 0.3),
        (0.6, 0.2),
        (0.4, 0.2),
        (0.3, 0.2),
        (0.25, 0.2),
        (0.2, 0.2),
    ];
    let without = DetectorTests::ALL.without(DetectorTest::LagHold);
    let mut d = settled().with_tests(without);
    assert_eq!(
        first_onset(&mut d, &burst),
        Some(1),
        "the case must fool the detector"
    );
    let mut d = settled();
    assert_eq!(first_onset(&mut d, &burst), None);
    assert!(!d.in_ejection());
    // A flow that comes back high at once (behind unusable cycles) and falls no faster
    // than milk decays is an onset a cycle later: a fall of 0.5 mL/min, more than the
    // noise (0.26 by then) but less than milk may lose of its 4.9 mL/min in a cycle of
    // 1 s (0.7); the burst through the lag fell by 0.45 of 1.15.
    let held = [(5.0, 5.0), (5.1, 2.5), (4.6, 2.4), (4.6, 2.4), (4.7, 2.4)];
    assert_eq!(first_onset(&mut settled(), &held), Some(2));
}

#[test]
fn a_climb_that_slows_after_a_jump_waits_one_cycle_and_a_steady_one_none() {
    // Milk's flow climbing 1 mL/min a cycle, pulsing with it: no cycle stands still,
    // nothing waits.
    let steady: Vec<(f32, f32)> = (1..10)
        .map(|i| (0.2 + i as f32, 0.2 + 0.5 * i as f32))
        .collect();
    let without = DetectorTests::ALL.without(DetectorTest::LagHold);
    let at = first_onset(&mut settled().with_tests(without), &steady);
    assert_eq!(at, Some(1));
    assert_eq!(first_onset(&mut settled(), &steady), at);
    // The same climb with its second cycle's rise under a quarter of the first's (noise
    // on a climb): found one cycle later, once the next cycle has climbed on.
    let mut slowed = steady.clone();
    slowed[1].0 = slowed[0].0 + 0.2;
    assert_eq!(
        first_onset(&mut settled().with_tests(without), &slowed),
        Some(1)
    );
    assert_eq!(first_onset(&mut settled(), &slowed), Some(2));
}

#[test]
fn a_cycle_with_rejected_samples_does_not_end_the_lags_wait() {
    // The climb through a lagging sensor, its alarm waiting (cycle 1); the next cycle
    // had samples rejected, so the clean one after it decides.
    let mut d = on_a_lagging_sensor(DetectorTests::ALL);
    let onsets: Vec<bool> = lagged_climb(CLIMB_LEAK)[..4]
        .iter()
        .enumerate()
        .map(|(i, &(m, p))| {
            let f = BlockFeatures {
                rejected_fraction: if i == 2 { 0.1 } else { 0.0 },
                ..pulsing_block(m, p)
            };
            matches!(d.process(&CYCLE, &f, 1.0), Some(Detection::Onset { .. }))
        })
        .collect();
    assert_eq!(onsets, [false, false, false, true]);
}

/// The cycle of the first onset from zero flow over `cycles` (mean mL/min, pulsing as milk
/// does, and the share of its samples rejected), if any.
fn first_onset_with_losses(tests: DetectorTests, cycles: &[(f32, f32)]) -> Option<usize> {
    let mut d = settled().with_tests(tests);
    cycles.iter().position(|&(m, rejected)| {
        matches!(
            d.process(&CYCLE, &with_rejected(m, rejected), 1.0),
            Some(Detection::Onset { .. })
        )
    })
}

#[test]
fn a_bursts_tail_after_a_lost_cycle_waits_for_the_next_cycles_level() {
    // A rise builds some evidence, a burst loses one cycle and leaves its tail in the
    // next, clean and high; the cycle after falls back.
    let start = [(0.45, 0.0), (0.7, 0.0), (0.95, 0.0), (8.0, 0.5)];
    let burst = [
        &start[..],
        &[(4.0, 0.0), (0.95, 0.0), (0.95, 0.0), (0.95, 0.0)],
    ]
    .concat();
    let without = BUT_PHASE_ALARM.without(DetectorTest::LagHold);
    assert_eq!(
        first_onset_with_losses(without, &burst),
        Some(4),
        "the case must fool the detector without the rule"
    );
    assert_eq!(first_onset_with_losses(BUT_PHASE_ALARM, &burst), None);
    // Milk that flows on after the lost cycle is found one cycle later.
    let climb = [&start[..], &[(4.0, 0.0), (4.5, 0.0), (5.0, 0.0)]].concat();
    assert_eq!(first_onset_with_losses(without, &climb), Some(4));
    assert_eq!(first_onset_with_losses(BUT_PHASE_ALARM, &climb), Some(5));
}

/// Onsets while a settled detector takes `means` after the vacuum deepened (a switch
/// to expression at zero flow), then the onsets and ends of an ejection's rise.
fn after_a_deeper_vacuum(tests: DetectorTests, means: &[f32]) -> (usize, (usize, usize)) {
    let mut d = settled().with_tests(tests);
    let deep = Cycle {
        depth_mmhg: -200.0,
        ..CYCLE
    };
    let onsets = events_in(&mut d, &deep, means).0;
    let rise = [&[0.2; 10][..], &RISE_TO_20].concat();
    (onsets, events(&mut d, &rise))
}

/// The surge of stored milk `surge` (cycle means after the vacuum deepened) fools the
/// detector without partial-guard, and with it is no onset while the ejection after
/// it is still found.
fn assert_surge_is_no_onset(surge: &[f32]) {
    let without = DetectorTests::ALL.without(DetectorTest::PartialGuard);
    let fooled = after_a_deeper_vacuum(without, surge);
    assert_eq!(fooled.0, 1, "the case must fool the detector");
    assert_eq!(
        after_a_deeper_vacuum(DetectorTests::ALL, surge),
        (0, (1, 0))
    );
}

#[test]
fn a_surge_that_peaked_inside_the_post_change_window_is_no_onset() {
    // Stored milk after the switch peaks in the window's first cycles, which its
    // three-cycle median only shows at the end, when the cycle itself already fell.
    assert_surge_is_no_onset(&[
        1.0, 3.0, 2.6, 2.2, 1.8, 1.4, 1.0, 0.7, 0.5, 0.4, 0.3, 0.2, 0.2, 0.2,
    ]);
}

#[test]
fn a_surge_decaying_after_the_post_change_window_is_no_onset() {
    // A faster surge decays through the cycles after the window: each cycle falls by
    // less than the noise the surge itself raised, but the three-cycle median falls by more.
    assert_surge_is_no_onset(&[
        0.2, 3.5, 2.6, 1.8, 1.4, 1.1, 0.8, 0.6, 0.5, 0.4, 0.3, 0.2, 0.2, 0.2,
    ]);
}

/// Onsets while a settled detector sees the pump stop for ten cycles and resume with
/// cycle means `after` (mL/min), 1 s each.
fn onsets_after_a_stop(after: &[f32]) -> usize {
    let mut d = settled();
    stop(&mut d, 10);
    events(&mut d, after).0
}

/// The pump stands for `cycles` one-second blocks.
fn stop(d: &mut EjectionDetector, cycles: usize) {
    let stopped = Cycle {
        pumping: false,
        ..CYCLE
    };
    for _ in 0..cycles {
        assert_eq!(d.process(&stopped, &block(0.2), 1.0), None);
    }
}

#[test]
fn a_flow_that_carried_more_than_the_ducts_store_is_an_ejection() {
    // An ejection began while the pump stood (a leak, a pause): the pump resumes on
    // its decaying flow, which never climbs; 5 mL come out in about 20 cycles.
    let tail: Vec<f32> = (0..40).map(|i| 18.0 - 0.2 * i as f32).collect();
    assert_eq!(onsets_after_a_stop(&tail), 1);
    // A decaying flow that carries nearly 4 mL, twice the most our simulator stores in
    // the ducts: no ejection.
    let store: Vec<f32> = (0..32).map(|i| 14.0 - 0.43 * i as f32).collect();
    let carried: f32 = store.iter().map(|m| (m - 0.2) / 60.0).sum();
    assert!(carried > 3.5 && carried < DUCT_STORE_ML, "{carried}");
    assert_eq!(onsets_after_a_stop(&store), 0);
}

#[test]
fn a_cycle_with_rejected_samples_does_not_alarm_on_standing_evidence() {
    let mut d = settled();
    let (sigma, arl) = (0.5, 200.0);
    // An offset creeping up builds evidence for a reference shift of 1 mL/min.
    for _ in 0..2 {
        assert!(!d.test(0.9, 1.0, sigma, arl));
    }
    let (standing, h) = d.cusum();
    assert!(standing < h);
    // A motion burst: the cycle has rejected samples, and its low readings lifted the
    // trickle's reference shift to 2 mL/min, so the threshold for the same run length
    // falls below the statistic. Its increment is held at zero.
    d.spoiled = true;
    let alarm = d.test(1.5, 2.0, sigma, arl);
    assert!(!alarm);
    let (s, h) = d.cusum();
    assert!(s >= h && s <= standing, "{s} {h} {standing}");
}

/// Onsets while a detector settled on cycle means scattered by ±0.3 mL/min takes
/// `cycles`: `Some(mean)` a usable cycle of that mean flow (mL/min), `None` one whose
/// samples were all rejected.
fn onsets_through(cycles: &[Option<f32>]) -> usize {
    let mut d = settled_at(0.3);
    let lost = BlockFeatures {
        rejected_fraction: 1.0,
        ..block(0.2)
    };
    let features = cycles.iter().map(|c| c.map_or(lost, block));
    features
        .filter(|f| matches!(d.process(&CYCLE, f, 1.0), Some(Detection::Onset { .. })))
        .count()
}

#[test]
fn evidence_does_not_outlive_a_run_of_unusable_cycles() {
    // A flow sensor with a low-flow cutoff at zero flow: its zeros count as held
    // readings, so only the cycles a noise spike or a bubble lifts above the cutoff are
    // usable, with runs of unusable cycles between them (a 2 mL/min cutoff's copy of a
    // no-letdown session).
    let spikes = [
        &[Some(2.7), None, None, Some(3.0)][..],
        &[None; 7],
        &[Some(13.3)],
    ]
    .concat();
    assert_eq!(onsets_through(&spikes), 0);
    // Two unusable cycles amid an ejection's rise keep its evidence: the next cycle
    // completes it.
    let rise = [Some(2.5), Some(2.6), None, None, Some(5.0)];
    assert_eq!(onsets_through(&rise), 1);
}

/// The cycle (counted from the switch) at which an ejection rising from a switch to
/// expression at zero flow is found, the switch ramped in over `ramp` intermediate
/// cycles (rate 60 → 40 cycles/min, vacuum −100 → −200 mmHg). The rise is the cycle
/// means of a simulated first ejection that became visible at the switch.
fn onset_cycle_after_a_switch(ramp: &[Cycle], tests: DetectorTests) -> Option<usize> {
    let stimulation = Cycle {
        depth_mmhg: -100.0,
        ..CYCLE
    };
    let mut d = settled_in(&stimulation, 0.05).with_tests(tests);
    let expression = Cycle {
        rate_cpm: 40.0,
        depth_mmhg: -200.0,
        ..CYCLE
    };
    let settings = ramp.iter().chain(core::iter::repeat(&expression));
    let rise = [0.3, 1.6, 5.4, 8.6, 12.6, 17.6, 19.0, 20.0, 20.0, 20.0];
    settings.zip(rise).position(|(c, m)| {
        let dt_s = 60.0 / c.rate_cpm;
        matches!(d.process(c, &block(m), dt_s), Some(Detection::Onset { .. }))
    })
}

#[test]
fn a_ramped_switch_at_zero_flow_holds_an_ejection_no_longer_than_a_step() {
    let halfway = Cycle {
        rate_cpm: 48.0,
        depth_mmhg: -150.0,
        ..CYCLE
    };
    for tests in [DetectorTests::ALL, BUT_PHASE_ALARM] {
        let step = onset_cycle_after_a_switch(&[], tests);
        assert!(step.is_some());
        assert_eq!(onset_cycle_after_a_switch(&[halfway], tests), step);
    }
    // A setting held for two cycles is no ramp: the change after it opens its own window
    // (the window's own hold, on the mean's evidence alone: phase-alarm's pair of cycles
    // does not span a change of rhythm).
    let step = onset_cycle_after_a_switch(&[], BUT_PHASE_ALARM);
    let three_steps = onset_cycle_after_a_switch(&[halfway, halfway], BUT_PHASE_ALARM);
    assert_eq!(three_steps, step.map(|i| i + 1));
}

/// Takes the cycle `c` at zero flow; whether it was counted as a change of the pump's
/// settings (one that starts the count of cycles since a change anew: a first change,
/// not a ramp's second step).
fn counts_as_a_change(d: &mut EjectionDetector, c: &Cycle) -> bool {
    assert_eq!(d.process(c, &block(0.2), 60.0 / c.rate_cpm), None);
    d.suppress_cycles == 1
}

/// A minute at zero flow in cycles of 60 cycles/min at −150 mmHg whose rate and depth
/// both jitter by `jitter` (a fraction) in the pattern +1, −1, +½, −½, as a noisy
/// pressure sensor's boundaries and deepest readings do; then the cycles `after`.
/// Returns the changes counted over the minute's last third (the scatter has been
/// learnt by then), and which of `after` counted as a change.
fn pump_changes_seen(jitter: f32, after: [&Cycle; 4]) -> (usize, [bool; 4]) {
    let mut d = EjectionDetector::new(1.0, 0.05);
    let pattern = [1.0, -1.0, 0.5, -0.5];
    let mut jittered = 0;
    for i in 0..60 {
        let wobble = 1.0 + jitter * pattern[i % 4];
        let cycle = Cycle {
            rate_cpm: CYCLE.rate_cpm * wobble,
            depth_mmhg: CYCLE.depth_mmhg * wobble,
            ..CYCLE
        };
        if counts_as_a_change(&mut d, &cycle) && i >= 40 {
            jittered += 1;
        }
    }
    (jittered, after.map(|c| counts_as_a_change(&mut d, c)))
}

#[test]
fn a_pressure_sensors_jitter_is_no_pump_change_and_a_held_step_still_is() {
    // From the setting: 72 cycles/min is 20 % faster, 45 cycles/min 25 % slower,
    // −185 mmHg 23 % deeper; 40 cycles/min at −250 mmHg is a switch.
    let faster = Cycle {
        rate_cpm: 72.0,
        ..CYCLE
    };
    let slower = Cycle {
        rate_cpm: 45.0,
        ..CYCLE
    };
    let deeper = Cycle {
        depth_mmhg: -185.0,
        ..CYCLE
    };
    let switch = Cycle {
        rate_cpm: 40.0,
        depth_mmhg: -250.0,
        ..CYCLE
    };
    let at_once = [true, false, false, false];
    for step in [&faster, &slower, &deeper, &switch] {
        let seen = pump_changes_seen(0.0, [step; 4]);
        assert_eq!(seen, (0, at_once), "{step:?} on a steady pump");
    }
    // Steps of 4–8 % between cycles (6 % on average): a one-cycle step must pass 5 times
    // the scatter learnt so far (5.7 %), about 28 % (from the last jittered cycle, at 0.98
    // of the setting: 22, 23 and 26 %); a step the next cycle holds clear of the fixed
    // bar from the two cycles before it (at 0.98 and 1.02) counts then.
    for step in [&faster, &slower, &deeper] {
        let seen = pump_changes_seen(0.04, [step; 4]);
        assert_eq!(
            seen,
            (0, [false, true, false, false]),
            "{step:?} under jitter"
        );
    }
    assert_eq!(pump_changes_seen(0.04, [&switch; 4]), (0, at_once));
    // One cycle off the setting (−120 mmHg, 18 % from the last jittered cycle; its
    // return a step of 25 %): no step is held, before or after it.
    let shallow = Cycle {
        depth_mmhg: -120.0,
        ..CYCLE
    };
    let one_off = [&shallow, &CYCLE, &CYCLE, &CYCLE];
    assert_eq!(pump_changes_seen(0.04, one_off), (0, [false; 4]));
    // Steps of 10–18 %, some over the fixed 15 %, alternating: none holds.
    assert_eq!(pump_changes_seen(0.1, [&CYCLE; 4]), (0, [false; 4]));
}

/// Counts of (onsets, ends) while the detector takes the cycle means `means`.
fn events(d: &mut EjectionDetector, means: &[f32]) -> (usize, usize) {
    events_in(d, &CYCLE, means)
}

/// Counts of (onsets, ends) while the detector takes the cycle means `means` in
/// cycles of the pump setting `cycle`.
fn events_in(d: &mut EjectionDetector, cycle: &Cycle, means: &[f32]) -> (usize, usize) {
    let mut counts = (0, 0);
    for &m in means {
        match d.process(cycle, &block(m), 1.0) {
            Some(Detection::Onset { .. }) => counts.0 += 1,
            Some(Detection::End { .. }) => counts.1 += 1,
            None => {}
        }
    }
    counts
}

/// Cycle means of an ejection's rise to 20 mL/min from a settled zero flow.
const RISE_TO_20: [f32; 11] = [2.5, 2.6, 5.0, 8.0, 11.0, 14.0, 16.0, 18.0, 19.0, 20.0, 20.0];

/// An ejection rises to 20 mL/min and decays to a 6 mL/min tail; the sensor then reads
/// zero for four cycles and the tail again. The events after the rise.
fn dropout_on_a_tail(tests: DetectorTests) -> (usize, usize) {
    let mut d = settled().with_tests(tests);
    assert_eq!(events(&mut d, &RISE_TO_20), (1, 0));
    let decay = [
        17.0, 15.0, 13.0, 11.0, 10.0, 9.0, 8.0, 7.5, 7.0, 6.5, 6.2, 6.0,
    ];
    let dropout = [0.1, 0.0, 0.1, 0.1];
    let back = [5.8, 6.1, 6.0, 5.9, 6.0, 6.1, 5.9, 6.0];
    let all: Vec<f32> = [&decay[..], &dropout, &back].concat();
    events(&mut d, &all)
}

#[test]
fn a_dropout_on_a_tail_is_no_end_and_its_return_no_onset() {
    let without = DetectorTests::ALL.without(DetectorTest::DropoutHold);
    assert_eq!(
        dropout_on_a_tail(without),
        (1, 1),
        "the case must fool the detector"
    );
    assert_eq!(dropout_on_a_tail(DetectorTests::ALL), (0, 0));
}

#[test]
fn a_tail_decaying_to_zero_still_ends_with_the_dropout_hold() {
    let mut d = settled();
    assert_eq!(events(&mut d, &RISE_TO_20), (1, 0));
    let decay = [
        17.0, 15.0, 13.0, 11.0, 9.5, 8.0, 6.8, 5.8, 4.9, 4.2, 3.6, 3.0, 2.6, 2.2, 1.9,
    ];
    assert_eq!(events(&mut d, &decay), (0, 1));
    assert!(!d.in_ejection());
}

/// A minute at a 4.7 mL/min level read through a smoothing sensor (its lowest readings
/// near its mean), a dropout it spreads over five cycles, and the level back: onsets.
fn dropout_through_a_smoothing_sensor(tests: DetectorTests) -> usize {
    let mut d = EjectionDetector::new(1.0, 0.05).with_tests(tests);
    let level: Vec<f32> = (0..60).map(|i| 4.7 + 0.05 * (i % 3) as f32).collect();
    let dropout = [3.0, 1.4, 1.1, 2.5, 4.0];
    let back = [
        4.8, 4.7, 4.5, 4.4, 4.7, 4.9, 4.7, 4.7, 4.9, 5.2, 5.3, 5.2, 5.3, 5.2, 5.3,
    ];
    let all: Vec<f32> = [&level[..], &dropout, &back].concat();
    events(&mut d, &all).0
}

#[test]
fn a_dropout_a_smoothing_sensor_spreads_over_cycles_is_no_onset() {
    let without = DetectorTests::ALL.without(DetectorTest::DropoutHold);
    assert_eq!(
        dropout_through_a_smoothing_sensor(without),
        1,
        "the case must fool the detector"
    );
    assert_eq!(dropout_through_a_smoothing_sensor(DetectorTests::ALL), 0);
}

/// An ejection's rise to 20 mL/min, a dropout a smoothing sensor spreads over four
/// cycles, and the flow back at its level: (onsets, ends) after the rise.
fn dropout_in_a_rise(tests: DetectorTests) -> (usize, usize) {
    let mut d = settled().with_tests(tests);
    assert_eq!(events(&mut d, &RISE_TO_20), (1, 0));
    let dropout = [14.0, 8.0, 6.0, 6.5];
    let back = [12.0, 18.0, 20.0, 20.5, 21.0, 20.5, 21.0, 21.5, 21.0];
    let all: Vec<f32> = [&dropout[..], &back].concat();
    events(&mut d, &all)
}

#[test]
fn a_dropout_spread_over_cycles_in_a_rise_is_no_second_onset() {
    let without = DetectorTests::ALL.without(DetectorTest::DropoutHold);
    assert_eq!(
        dropout_in_a_rise(without).0,
        1,
        "the case must fool the detector"
    );
    assert_eq!(dropout_in_a_rise(DetectorTests::ALL), (0, 0));
}

/// Whether a flow decaying from 20 mL/min with the time constant `tau_s` is taken
/// for the sensor losing it at any cycle; and the ends reported.
fn decay_held(tau_s: f32) -> (bool, usize) {
    let mut d = settled();
    assert_eq!(events(&mut d, &RISE_TO_20), (1, 0));
    let mut held = false;
    let mut ends = 0;
    for t in 1..60 {
        let m = 0.2 + 20.0 * libm::expf(-(t as f32) / tau_s);
        ends += events(&mut d, &[m]).1;
        held |= d.expect_s > 0.0;
    }
    (held, ends)
}

/// Cycles of a second during which a level is expected back after a fall from a
/// minute at 100 mL/min to zero flow that lasts.
fn cycles_held_after_a_lasting_fall() -> usize {
    let mut d = EjectionDetector::new(1.0, 0.05);
    events(&mut d, &[100.0; 60]);
    (0..60)
        .filter(|_| {
            events(&mut d, &[0.2]);
            d.expect_s > 0.0
        })
        .count()
}

#[test]
fn a_fall_that_lasts_is_held_for_the_return_hold_only() {
    let held = cycles_held_after_a_lasting_fall();
    assert!((1..=RETURN_HOLD_S as usize).contains(&held), "{held}");
}

#[test]
fn a_fall_faster_than_milk_decays_is_held_and_a_decay_is_not() {
    // Milk decays with a time constant of 6.5 s at the fastest: that is no dropout.
    assert_eq!(decay_held(MIN_DECAY_TAU_S + 0.5), (false, 1));
    assert_eq!(decay_held(20.0), (false, 1));
    // A sensor losing the flow through a 2 s smoothing falls faster; once its hold
    // has lapsed and the flow has not come back, the ejection still ends.
    assert_eq!(decay_held(2.0), (true, 1));
}

#[test]
fn a_rise_alarms_at_the_second_cycle_without_smoothing_delay() {
    let mut d = settled();
    assert_eq!(d.process(&CYCLE, &block(2.5), 1.0), None);
    assert_eq!(d.partial_test(), None, "one cycle of evidence arms nothing");
    // Still climbing (a cycle standing still after the jump waits for the next: lag-hold).
    assert!(matches!(
        d.process(&CYCLE, &block(3.4), 1.0),
        Some(Detection::Onset { .. })
    ));
    // A step that stands still (2.5, then 2.6) waits a cycle for the next one.
    let mut d = settled();
    assert_eq!(d.process(&CYCLE, &block(2.5), 1.0), None);
    assert_eq!(d.process(&CYCLE, &block(2.6), 1.0), None);
    assert!(matches!(
        d.process(&CYCLE, &block(5.0), 1.0),
        Some(Detection::Onset { .. })
    ));
}

/// A detector after a minute of quieter zero flow (cycle means 0.2 ± 0.02 mL/min).
fn quiet() -> EjectionDetector {
    settled_at(0.02)
}

/// A quiet detector fed a rise accelerating as an ejection's flow starts (cycle means
/// `0.2 + 0.0095·i²` mL/min, 1 s cycles); with `noise`, the cycle means' noise
/// estimate is set to it as the rise begins. Per cycle: the statistic, its threshold
/// and the climb (mL/min); and the cycle of the onset.
fn slow_start(noise: Option<f32>) -> ([(f32, f32, f32); 16], Option<usize>) {
    // The climb read on the median alone: the wait is what is tested here.
    let mut d = quiet().with_tests(BUT_PHASE_ALARM.without(DetectorTest::PhaseClimb));
    if let Some(sigma) = noise {
        d.spread_m3 = sigma;
    }
    let mut rows = [(0.0, 0.0, 0.0); 16];
    for (i, row) in rows.iter_mut().enumerate() {
        let n = (i + 1) as f32;
        let detection = d.process(&CYCLE, &block(0.2 + 0.0095 * n * n), 1.0);
        let (s, h) = d.cusum();
        *row = (s, h, d.climb);
        if let Some(Detection::Onset { .. }) = detection {
            return (rows, Some(i));
        }
    }
    (rows, None)
}

#[test]
fn an_alarm_before_the_climb_waits_a_cycle_with_its_evidence_on_a_quiet_sensor() {
    // The cycle before the onset alarmed while the climb was still short of an
    // ejection's (0.44 against 0.48 mL/min): its evidence stood, and the next cycle,
    // climbing, completed the onset (built anew, the onset came a cycle later).
    let (rows, onset) = slow_start(None);
    let onset = onset.expect("found");
    let (s, h, climb) = rows[onset - 1];
    assert!(s > h && climb < CLIMB_ASKED_ML_MIN, "{rows:?}");
    assert!(
        rows[..onset - 1].iter().all(|&(s, h, _)| s <= h),
        "{rows:?}"
    );
}

#[test]
fn an_alarm_before_the_climb_is_built_anew_where_noise_could_carry_the_climb() {
    // The same rise where the cycle means' noise (0.3 mL/min) could carry the climb
    // test: a second look would be a second draw of the noise, so the evidence is
    // built anew at the alarm, and the onset comes a cycle later than the quiet
    // sensor's.
    let (quiet_rows, quiet_onset) = slow_start(None);
    let alarm = quiet_onset.expect("found") - 1;
    let (rows, onset) = slow_start(Some(0.3));
    assert_eq!(rows[alarm].0, 0.0, "{rows:?} against {quiet_rows:?}");
    assert_eq!(onset, quiet_onset.map(|i| i + 1), "{rows:?}");
}

#[test]
fn an_alarm_short_of_the_climb_keeps_its_evidence_once_per_build() {
    // Evidence over the threshold, the pulsation backing it, the climb still short.
    let refusal_keeps = |d: &mut EjectionDetector| {
        d.lock_excess = 10.0;
        d.climb = 0.5 * CLIMB_ASKED_ML_MIN;
        if d.cusum.s == 0.0 {
            d.cusum.s = 5.0;
        }
        assert_eq!(d.confirm(Alarm::RawMean, 3.0, 2.8, d.delta), None);
        d.cusum.s > 0.0
    };
    let mut d = quiet();
    // The first refusal keeps the evidence, the second builds it anew.
    assert!(refusal_keeps(&mut d));
    assert!(!refusal_keeps(&mut d));
    // Evidence built anew may wait once again.
    assert!(refusal_keeps(&mut d));
    // So may evidence that decayed to zero by itself after a refusal.
    for _ in 0..10 {
        assert_eq!(d.process(&CYCLE, &block(0.2), 1.0), None);
    }
    assert_eq!(d.cusum.s, 0.0);
    assert!(refusal_keeps(&mut d));
    // Where noise could carry the climb, not even the first refusal keeps it.
    let mut d = quiet();
    d.spread_m3 = 0.3;
    assert!(!refusal_keeps(&mut d));
}

#[test]
fn the_pulsation_agrees_in_phase_when_both_cycles_pulse_clear_of_the_noise() {
    // Zero flow's pulsation stands at 0.2 ± 0.02 mL/min (`quiet`).
    let agrees = |last: [f32; 2], this: [f32; 2]| {
        let mut d = quiet();
        d.note_phase(last, true);
        d.note_phase(this, true);
        d.phase_agrees()
    };
    assert!(
        agrees(pulsing(1.0, -70.0), pulsing(1.5, -45.0)),
        "25° apart"
    );
    assert!(
        !agrees(pulsing(1.0, -70.0), pulsing(1.5, -30.0)),
        "40° apart"
    );
    assert!(
        !agrees(pulsing(1.0, 100.0), pulsing(1.5, -80.0)),
        "opposite"
    );
    assert!(
        !agrees(pulsing(0.22, 10.0), pulsing(1.5, 10.0)),
        "the last one at the noise"
    );
    assert!(
        !agrees(pulsing(1.5, 10.0), pulsing(0.22, 10.0)),
        "this one at the noise"
    );
    // A cycle the sensor did not show breaks the pair.
    let mut d = quiet();
    d.note_phase(pulsing(1.0, 10.0), true);
    d.forget_phase();
    d.note_phase(pulsing(1.5, 10.0), true);
    assert!(!d.phase_agrees());
}

#[test]
fn the_phase_is_compared_over_clean_usable_cycles_of_one_rhythm() {
    let cycle = |degrees: f32, rejected: f32| BlockFeatures {
        pulsation_phasor: pulsing(1.5, degrees),
        pulsation_ml_min: 1.5,
        rejected_fraction: rejected,
        ..block(0.2)
    };
    let mut d = quiet();
    d.process(&CYCLE, &cycle(-60.0, 0.0), 1.0);
    d.process(&CYCLE, &cycle(-50.0, 0.0), 1.0);
    assert!(d.phase_agrees(), "two clean cycles in phase");
    d.process(&CYCLE, &cycle(130.0, 0.0), 1.0);
    assert_eq!(d.phase_pair, PhasePair::Oppose, "180° apart");
    d.process(&CYCLE, &cycle(-55.0, 0.1), 1.0);
    assert!(!d.phase_agrees(), "a cycle with rejected samples");
    assert!(
        d.phase_pair != PhasePair::Oppose,
        "a cycle with rejected samples opposes nothing"
    );
    d.process(&CYCLE, &cycle(-55.0, 0.0), 1.0);
    assert!(!d.phase_agrees(), "nor the one after it");
    d.process(&CYCLE, &cycle(-50.0, 0.0), 1.0);
    assert!(d.phase_agrees());
    d.process(&CYCLE, &cycle(-50.0, 0.5), 1.0);
    d.process(&CYCLE, &cycle(-50.0, 0.0), 1.0);
    assert!(!d.phase_agrees(), "across a cycle the sensor did not show");
    let faster = Cycle {
        rate_cpm: 110.0,
        ..CYCLE
    };
    d.process(&CYCLE, &cycle(-50.0, 0.0), 1.0);
    d.process(&faster, &cycle(-50.0, 0.0), 1.0);
    assert!(!d.phase_agrees(), "across a change of rhythm");
    // The changed cycle's own phase is not compared either: the lock-in turned at the
    // old rhythm's rate through it.
    d.process(&faster, &cycle(-50.0, 0.0), 1.0);
    assert!(
        !d.phase_agrees(),
        "the first cycle of the new rhythm has no partner"
    );
    d.process(&faster, &cycle(-50.0, 0.0), 1.0);
    assert!(d.phase_agrees(), "within the new rhythm");
    // Phase-veto alone looks across one cycle that did not show the pulsation cleanly (a
    // burst often spoils the cycle between its two halves), never across two.
    d.process(&faster, &cycle(-50.0, 0.1), 1.0);
    d.process(&faster, &cycle(130.0, 0.0), 1.0);
    assert_eq!(
        d.phase_pair,
        PhasePair::Oppose,
        "across one with rejected samples"
    );
    d.process(&faster, &cycle(130.0, 0.5), 1.0);
    d.process(&faster, &cycle(-50.0, 0.0), 1.0);
    assert_eq!(
        d.phase_pair,
        PhasePair::Oppose,
        "across one the sensor did not show"
    );
    d.process(&faster, &cycle(-50.0, 0.1), 1.0);
    d.process(&faster, &cycle(-50.0, 0.5), 1.0);
    d.process(&faster, &cycle(130.0, 0.0), 1.0);
    assert_eq!(d.phase_pair, PhasePair::Neither, "not across two");
}

#[test]
fn a_rise_whose_cycles_pulse_in_opposite_phases_is_a_burst() {
    // From quiet zero flow the mean rises 2.7, 2.8, 2.9 … mL/min, each cycle pulsing at
    // 1.5 mL/min, far clear of the pulsation's noise: the first `turning` cycles
    // `step` degrees apart, the rest in phase. The cycle of the onset, if any.
    let onset_cycle = |step: f32, turning: usize, tests: DetectorTests| {
        let mut d = settled().with_tests(tests);
        (0..8).find(|&i| {
            let f = BlockFeatures {
                pulsation_phasor: pulsing(1.5, step * i.min(turning) as f32),
                ..pulsing_block(2.7 + 0.1 * i as f32, 1.5)
            };
            matches!(d.process(&CYCLE, &f, 1.0), Some(Detection::Onset { .. }))
        })
    };
    let in_phase = onset_cycle(10.0, 8, BUT_PHASE_ALARM).expect("milk keeps its phase");
    assert!(in_phase < 3, "{in_phase}");
    assert_eq!(onset_cycle(100.0, 8, BUT_PHASE_ALARM), None, "100° a cycle");
    assert_eq!(onset_cycle(180.0, 8, BUT_PHASE_ALARM), None, "opposite");
    assert_eq!(
        onset_cycle(80.0, 8, BUT_PHASE_ALARM),
        Some(in_phase),
        "within a quarter period the pulsation decides nothing here"
    );
    // The burst's evidence is built anew: a rise that keeps its phase after it (from
    // cycle 4 on) is found on evidence of its own, not on its first cycle.
    let after = onset_cycle(180.0, 3, BUT_PHASE_ALARM).expect("in phase after the burst");
    assert!(after > 4, "{after}");
    let without = BUT_PHASE_ALARM.without(DetectorTest::PhaseVeto);
    assert_eq!(
        onset_cycle(180.0, 8, without),
        Some(in_phase),
        "without the test"
    );
}

/// A pulsation of `amplitude` mL/min at `degrees` against the cycle's start.
fn pulsing(amplitude: f32, degrees: f32) -> [f32; 2] {
    let r = degrees.to_radians();
    [amplitude * libm::cosf(r), amplitude * libm::sinf(r)]
}

#[test]
fn the_climb_is_read_on_the_latest_cycle_only_where_its_pulsation_keeps_its_phase() {
    // The three-cycle median a cycle behind the rise, short of the climb asked; the
    // latest cycle's own mean well past it.
    let rising = |tests: DetectorTests| {
        let mut d = quiet().with_tests(tests);
        d.climb = 0.5 * CLIMB_ASKED_ML_MIN;
        d.climb_raw = 3.0 * CLIMB_ASKED_ML_MIN;
        d
    };
    let mut d = rising(DetectorTests::ALL);
    d.note_phase(pulsing(1.0, -60.0), true);
    d.note_phase(pulsing(1.2, -50.0), true);
    assert!(d.climbing(), "in phase: milk");
    d.note_phase(pulsing(1.4, 60.0), true);
    assert!(!d.climbing(), "110° off: a burst or noise");
    let mut d = rising(DetectorTests::ALL.without(DetectorTest::PhaseClimb));
    d.note_phase(pulsing(1.0, -60.0), true);
    d.note_phase(pulsing(1.2, -50.0), true);
    assert!(!d.climbing(), "without the test the median decides");
}

/// The slow start the partial-cycle tests begin from: cycles at 0.75, 1.0, 1.25 …
/// mL/min that each add a little evidence, until the test is armed (at most 8); the
/// detector and how many cycles it took.
fn armed_by_a_slow_start(tests: DetectorTests) -> (EjectionDetector, usize) {
    let mut d = settled().with_tests(tests);
    assert_eq!(d.partial_test(), None, "no evidence yet: nothing armed");
    let mut fed = 0;
    while d.partial_test().is_none() && fed < 8 {
        fed += 1;
        assert_eq!(
            d.process(&CYCLE, &block(0.5 + 0.25 * fed as f32), 1.0),
            None
        );
    }
    (d, fed)
}

#[test]
fn the_partial_test_completes_evidence_of_two_cycles_inside_the_third() {
    let (mut d, fed) = armed_by_a_slow_start(BUT_PHASE_ALARM);
    assert!(fed >= 2, "armed after {fed} cycle(s)");
    let test = d
        .partial_test()
        .expect("armed after two cycles of evidence");
    let base = test.baseline_ml_min;
    assert!((base - 0.2).abs() < 0.05, "{base}");
    // At least half the detectable flow from the cycle in progress.
    assert!(test.excess_ml_min >= 0.5, "{}", test.excess_ml_min);
    assert_eq!(
        test.max_rejected_fraction, 0.0,
        "no rejected sample inside the cycle"
    );
    // The cycle in progress must read at least the last cycle's mean.
    assert_eq!(test.reach_ml_min, 0.5 + 0.25 * fed as f32);
    assert!(matches!(d.partial_onset(), Some(Detection::Onset { .. })));
    assert!(d.in_ejection());
    assert_eq!(d.partial_onset(), None, "fires once");
    // The cycle it fired in closes without a second onset.
    assert_eq!(d.process(&CYCLE, &block(2.6), 1.0), None);
    assert_eq!(d.partial_test(), None, "not armed during an ejection");
}

/// The slow start's armed detector on a lagging sensor ([`as_lagging`]); its cycles
/// pulsed clear of the noise.
fn armed_on_a_lagging_sensor(tests: DetectorTests) -> EjectionDetector {
    as_lagging(armed_by_a_slow_start(tests).0)
}

#[test]
fn a_within_cycle_completion_on_a_lagging_sensor_waits_for_the_next_cycles_level() {
    let without = BUT_PHASE_ALARM.without(DetectorTest::LagHold);
    let mut d = armed_on_a_lagging_sensor(without);
    assert!(
        matches!(d.partial_onset(), Some(Detection::Onset { .. })),
        "the case must fool the detector without the rule"
    );
    // A burst the sensor spreads: the cycle waited in ends high, the next one falls by
    // the sensor's time constant; no onset, and the evidence is built anew.
    let mut d = armed_on_a_lagging_sensor(BUT_PHASE_ALARM);
    let last = d.means.recent()[0];
    assert_eq!(d.partial_onset(), None);
    assert_eq!(
        d.process(&CYCLE, &block(last + 1.5), 1.0),
        None,
        "its cycle"
    );
    assert_eq!(
        d.process(&CYCLE, &block(last + 0.3), 1.0),
        None,
        "the decay"
    );
    assert!(!d.in_ejection());
    assert_eq!(d.cusum().0, 0.0, "the evidence is built anew");
    // A cycle that loses samples after the completion (or is lost) held an artefact's
    // edge: the evidence is built anew there.
    for rejected in [0.1, 0.5] {
        let mut d = armed_on_a_lagging_sensor(BUT_PHASE_ALARM);
        assert_eq!(d.partial_onset(), None);
        assert_eq!(
            d.process(&CYCLE, &with_rejected(last + 0.5, rejected), 1.0),
            None
        );
        assert_eq!(d.cusum().0, 0.0, "{rejected}");
        assert_eq!(
            d.process(&CYCLE, &block(last + 1.0), 1.0),
            None,
            "{rejected}"
        );
    }
    // Milk's climb: the next cycle holds its level, and the onset comes there.
    let mut d = armed_on_a_lagging_sensor(BUT_PHASE_ALARM);
    assert_eq!(d.partial_onset(), None);
    assert_eq!(
        d.process(&CYCLE, &block(last + 0.5), 1.0),
        None,
        "its cycle"
    );
    assert!(matches!(
        d.process(&CYCLE, &block(last + 1.0), 1.0),
        Some(Detection::Onset { .. })
    ));
    // Before strong flow has shown how the sensor smooths, the completion stands; and
    // where no cycle pulsed clear of the noise.
    let (mut d, _) = armed_by_a_slow_start(BUT_PHASE_ALARM);
    assert!(matches!(d.partial_onset(), Some(Detection::Onset { .. })));
    let mut d = armed_on_a_lagging_sensor(BUT_PHASE_ALARM);
    let quiet = 0.5 * d.single_cycle_noise_bar();
    (d.lock_this, d.lock_excess) = (quiet, quiet);
    assert!(d.pump_locked(d.last_excess), "pump-sync still backs it");
    assert!(matches!(d.partial_onset(), Some(Detection::Onset { .. })));
}

#[test]
fn without_the_guard_the_partial_test_asks_no_reading_to_be_reached() {
    let unguarded = BUT_PHASE_ALARM.without(DetectorTest::PartialGuard);
    let (d, _) = armed_by_a_slow_start(unguarded);
    let test = d.partial_test().expect("armed after a slow start");
    assert_eq!(test.reach_ml_min, f32::NEG_INFINITY);
    assert_eq!(test.max_rejected_fraction, MAX_REJECTED_FRACTION);
}

/// Zero flow (0.2 mL/min), a cycle at 0.75 mL/min, then one at `second` mL/min (cycles
/// of 1 s): whether the partial-cycle test is armed for the next cycle (no onset yet).
fn armed_after_a_jump_to(second: f32, tests: DetectorTests) -> bool {
    let mut d = settled().with_tests(tests);
    assert_eq!(d.process(&CYCLE, &block(0.75), 1.0), None);
    assert_eq!(d.process(&CYCLE, &block(second), 1.0), None);
    d.partial_test().is_some()
}

#[test]
fn a_jump_faster_than_milk_climbs_arms_no_partial_test() {
    assert!(
        armed_after_a_jump_to(1.0, BUT_PHASE_ALARM),
        "a climb as milk's"
    );
    // 14 mL/min in one second: a motion burst, whose decay a smoothing sensor spreads
    // into the next cycle's first samples.
    assert!(!armed_after_a_jump_to(15.0, BUT_PHASE_ALARM));
    assert!(!armed_after_a_jump_to(15.0, DetectorTests::ALL));
    let unguarded = BUT_PHASE_ALARM.without(DetectorTest::PartialGuard);
    assert!(
        armed_after_a_jump_to(15.0, unguarded),
        "the case must arm the test"
    );
}

/// A slow start at zero flow (0.75, then 1.0 mL/min), a motion burst lifting one cycle
/// to 15 mL/min, and its decay: the cycle of the first onset, if any.
fn onset_on_a_burst_after_a_slow_start(tests: DetectorTests) -> Option<usize> {
    let mut d = settled().with_tests(tests);
    [0.75, 1.0, 15.0, 0.3, 0.25].iter().position(|&m| {
        matches!(
            d.process(&CYCLE, &block(m), 1.0),
            Some(Detection::Onset { .. })
        )
    })
}

#[test]
fn a_cycle_that_jumped_faster_than_milk_climbs_completes_no_onset() {
    let unguarded = BUT_PHASE_ALARM.without(DetectorTest::PartialGuard);
    assert!(
        onset_on_a_burst_after_a_slow_start(unguarded) >= Some(2),
        "the case must fool it"
    );
    assert_eq!(onset_on_a_burst_after_a_slow_start(BUT_PHASE_ALARM), None);
    // With every test on, the slow start's second cycle, pulsing in phase with its
    // first as milk does, is the onset (phase-alarm); the burst and its decay add none.
    assert_eq!(
        onset_on_a_burst_after_a_slow_start(DetectorTests::ALL),
        Some(1)
    );
}

/// A transfer of 1.3 learnt at 60 cpm; twenty quiet cycles at `rate_cpm`; then a rise of
/// 0.5 mL/min per cycle whose pulsation grows by 0.4 of it, the pulsation's deviation at
/// zero flow 0.5 mL/min. Whether an onset came before the rise stood on its own.
fn weak_pulsation_onset_at(rate_cpm: f32) -> bool {
    let mut d = settled();
    d.transfer = 1.3;
    d.transfer_rate = 60.0;
    let cycle = Cycle { rate_cpm, ..CYCLE };
    for i in 0..20 {
        let m = if i % 2 == 0 { 0.25 } else { 0.15 };
        d.process(&cycle, &block(m), 1.0);
    }
    d.puls_dev = 0.5;
    (1..=6).any(|i| {
        let m = 0.2 + 0.5 * i as f32;
        let f = pulsing_block(m, 0.2 + 0.4 * (m - 0.2));
        matches!(d.process(&cycle, &f, 1.0), Some(Detection::Onset { .. }))
    })
}

#[test]
fn a_transfer_learnt_at_one_rhythm_is_not_asked_at_another() {
    assert!(
        !weak_pulsation_onset_at(60.0),
        "at its own rhythm it asks for 0.65 of the rise"
    );
    assert!(
        weak_pulsation_onset_at(110.0),
        "at another, no more than the prior"
    );
}

#[test]
fn a_rise_without_pump_synchronous_flow_is_an_offset() {
    let mut d = settled();
    for i in 0..30 {
        let m = 0.2 + 2.0 * (i as f32 / 10.0).min(1.0);
        assert_eq!(d.process(&CYCLE, &unlocked(m), 1.0), None, "cycle {i}");
    }
    assert!(!d.in_ejection());
    assert!(d.baseline_ml_min() > 1.5, "{}", d.baseline_ml_min());
    // The same rise, pulsing with the pump, from the new level is an ejection.
    let onset = (1..10).find_map(|i| d.process(&CYCLE, &block(2.2 + 0.5 * i as f32), 1.0));
    assert!(matches!(onset, Some(Detection::Onset { .. })));
}

/// A detector settled at zero flow (0.2 mL/min, its pulsation there too), on a sensor
/// whose learnt transfer is 0.6 and whose pulsation deviates by 0.5 mL/min at zero
/// flow (an onset's pulsation must clear 0.3 of its mean excess, at most 1.5 mL/min),
/// then `cycles` of (mean, pulsation), mL/min: the cycle of the first onset, if any,
/// and the baseline after each cycle.
fn onset_as_the_pulsation_comes(cycles: &[(f32, f32)]) -> (Option<usize>, Vec<f32>) {
    let mut d = settled();
    d.transfer = 0.6;
    d.puls_dev = 0.5;
    let mut onset = None;
    let mut baselines = Vec::new();
    for (i, &(mean, pulsation)) in cycles.iter().enumerate() {
        let found = d.process(&CYCLE, &pulsing_block(mean, pulsation), 1.0);
        if matches!(found, Some(Detection::Onset { .. })) && onset.is_none() {
            onset = Some(i);
        }
        baselines.push(d.baseline_ml_min());
    }
    (onset, baselines)
}

#[test]
fn an_alarm_waits_a_cycle_for_the_pulsation_its_own_cycle_shows() {
    // The first cycle's flow came late in it and barely pulses: at the alarm (the
    // second cycle) the two-cycle pulsation (0.5 over its level) is below the bar
    // (0.78), what this cycle shows alone (1.0) above it.
    let climb = [(2.7, 0.2), (2.8, 1.2), (2.9, 1.2), (3.0, 1.2)];
    let (onset, baselines) = onset_as_the_pulsation_comes(&climb);
    assert_eq!(onset, Some(2), "the next cycle's two-cycle mean backs it");
    assert!(
        baselines[1] < 1.0,
        "not absorbed at the wait: {baselines:?}"
    );
    // No pulsation in any cycle: an offset, absorbed at the alarm.
    let offset = climb.map(|(m, _)| (m, 0.2));
    let (onset, baselines) = onset_as_the_pulsation_comes(&offset);
    assert_eq!(onset, None);
    assert!(baselines[1] > 2.0, "{baselines:?}");
    // Once per build: a steeper rise whose bar climbs (0.66 at the alarm, 1.14 a cycle
    // later) as its pulsation follows clear of it alone (0.8, then 1.35) but not in
    // the two-cycle mean (0.4, then 1.08) is absorbed at that second wait, not found a
    // cycle later (below 4 mL/min over the baseline, where size alone would do).
    let steep = [(2.2, 0.2), (2.4, 1.0), (4.0, 1.55), (4.3, 3.0)];
    let (onset, baselines) = onset_as_the_pulsation_comes(&steep);
    assert_eq!(onset, None);
    assert!(baselines[2] > 2.0, "{baselines:?}");
    // A build is once: evidence that decayed to zero after a wait may wait again.
    let rested = [(0.2, 0.2); 12];
    let again = [&climb[..2], &rested[..], &climb[..]].concat();
    let (onset, _) = onset_as_the_pulsation_comes(&again);
    assert_eq!(onset, Some(2 + 12 + 2), "{again:?}");
}

/// Two minutes of zero flow whose mean wanders by ±0.6 mL/min (a trickle's wobble, an
/// offset's drift) while the pulsation stays at its noise (0.2 ± 0.02 mL/min), then an
/// ejection whose mean climbs 0.4 mL/min per cycle and pulses with the pump (a transfer
/// of 0.6). The cycle of its onset, counted from its start.
fn onset_cycle_on_a_wandering_level(tests: DetectorTests) -> Option<usize> {
    let mut d = EjectionDetector::new(1.0, 0.05).with_tests(tests);
    let cycle = pulsing_block;
    for i in 0..120 {
        let wander = 0.6 * libm::sinf(0.7 * i as f32);
        let noise = if i % 2 == 0 { 0.22 } else { 0.18 };
        assert_eq!(
            d.process(&CYCLE, &cycle(wander, noise), 1.0),
            None,
            "cycle {i}"
        );
    }
    (1..20).find(|&i| {
        let rise = 0.4 * i as f32;
        let found = d.process(&CYCLE, &cycle(rise, 0.2 + 0.6 * rise), 1.0);
        matches!(found, Some(Detection::Onset { .. }))
    })
}

#[test]
fn the_pulsation_finds_an_ejection_sooner_where_the_mean_wanders() {
    let with = onset_cycle_on_a_wandering_level(BUT_PHASE_ALARM).expect("found");
    let without = BUT_PHASE_ALARM.without(DetectorTest::PulseCusum);
    let without = onset_cycle_on_a_wandering_level(without).expect("found without");
    assert!(
        with < without,
        "cycle {with} with the pulsation's CUSUM, {without} without"
    );
}

/// A noisy zero flow (cycle means 0.2 ± 0.3 mL/min, their pulsation `zero` in turn), then
/// cycles of the mean `rise(i)` mL/min above it whose pulsation (0.4 of it above
/// 0.2 mL/min) lands `turn` degrees further round each cycle (0: at the same point of
/// every cycle, as milk's). The cycle of the onset, counted from 1, if any in 30.
fn onset_with_the_pulsation_turning(
    tests: DetectorTests,
    zero: &[f32],
    turn: f32,
    rise: impl Fn(f32) -> f32,
) -> Option<usize> {
    let mut d = EjectionDetector::new(1.0, 0.05).with_tests(tests);
    for i in 0..60 {
        let mean = if i % 2 == 0 { 0.5 } else { -0.1 };
        let quiet = pulsing_block(mean, zero[i % zero.len()]);
        assert_eq!(d.process(&CYCLE, &quiet, 1.0), None, "cycle {i}");
    }
    (1..=30).find(|&i| {
        let excess = rise(i as f32);
        let pulsation = 0.2 + 0.4 * excess;
        let cycle = BlockFeatures {
            pulsation_phasor: pulsing(pulsation, turn * i as f32),
            ..pulsing_block(0.2 + excess, pulsation)
        };
        matches!(
            d.process(&CYCLE, &cycle, 1.0),
            Some(Detection::Onset { .. })
        )
    })
}

#[test]
fn two_cycles_pulsing_in_phase_complete_evidence_within_a_cycles_reach() {
    let without = DetectorTests::ALL.without(DetectorTest::PhaseAlarm);
    let onset = |tests, turn, rise: fn(f32) -> f32| {
        onset_with_the_pulsation_turning(tests, &[0.3, 0.1], turn, rise)
    };
    let climb = |i: f32| 0.3 * i;
    let with_at = onset(DetectorTests::ALL, 0.0, climb);
    let without_at = onset(without, 0.0, climb);
    assert!(
        with_at.expect("found") < without_at.expect("found without"),
        "in phase: cycle {with_at:?} with the test, {without_at:?} without"
    );
    // A pulsation that lands anywhere (a motion burst's, noise) completes nothing.
    let with_at = onset(DetectorTests::ALL, 100.0, climb);
    let without_at = onset(without, 100.0, climb);
    assert_eq!(with_at, without_at, "turning 100° a cycle");
    // Nor milk's phase alone, before the mean's evidence is within a cycle's reach: a
    // flow that steps to 0.8 mL/min and climbs on pulses in phase from its second
    // cycle, and is found at its third.
    let stepped = |i: f32| 0.5 + 0.3 * i;
    assert_eq!(onset(DetectorTests::ALL, 0.0, stepped), Some(3));
}

#[test]
fn each_cycles_own_pulsation_noise_is_measured_beside_the_medians() {
    // Zero flow whose pulsation jumps to 1.1 mL/min every third cycle: its three-cycle
    // median never shows the jump, each cycle's own deviation from the level does.
    let mut d = EjectionDetector::new(1.0, 0.05);
    for i in 0..90 {
        let p = if i % 3 == 2 { 1.1 } else { 0.2 };
        assert_eq!(d.process(&CYCLE, &pulsing_block(0.2, p), 1.0), None);
    }
    assert!(d.puls_dev < 0.1, "the median's {}", d.puls_dev);
    assert!(d.puls_dev_raw > 0.25, "each cycle's {}", d.puls_dev_raw);
}

#[test]
fn the_pulsation_completes_evidence_only_clear_of_each_cycles_own_noise() {
    // Zero flow's pulsation at 0.2 mL/min, its three-cycle median steady (0.05), the
    // mean's evidence within a cycle's reach, and two cycles of 1 mL/min in phase.
    let alarms = |dev_raw: f32| {
        let mut d = quiet();
        d.puls_base = 0.2;
        d.puls_dev = 0.05;
        d.puls_dev_raw = dev_raw;
        d.threshold = 5.0;
        d.cusum.s = 4.0;
        d.note_phase(pulsing(1.0, -50.0), true);
        d.note_phase(pulsing(1.0, -40.0), true);
        assert!(d.phase_agrees(), "clear of the median's noise");
        d.phase_alarm(1.0, 1.0)
    };
    assert!(alarms(0.1), "each cycle's own noise 0.1 mL/min");
    assert!(
        !alarms(0.4),
        "a pulsation that scatters 0.4 mL/min cycle by cycle"
    );
}

/// A low flow at full vacuum, a seal leak that halves the vacuum and the flow for
/// 15 s, then the seal healed and the flow back where it was: whether an onset came.
fn leak_healed(tests: DetectorTests) -> bool {
    let mut d = EjectionDetector::new(1.0, 0.05).with_tests(tests);
    let leak = Cycle {
        depth_mmhg: -60.0,
        ..CYCLE
    };
    let mut onset = false;
    let mut run = |d: &mut EjectionDetector, c: &Cycle, m: f32| {
        onset |= matches!(d.process(c, &block(m), 1.0), Some(Detection::Onset { .. }));
    };
    for i in 0..60 {
        run(&mut d, &CYCLE, if i % 2 == 0 { 3.05 } else { 2.95 });
    }
    for i in 0..15 {
        run(&mut d, &leak, 3.0 - 1.5 * (i as f32 / 3.0).min(1.0));
    }
    for i in 0..30 {
        run(&mut d, &CYCLE, 1.5 + 1.5 * (i as f32 / 5.0).min(1.0));
    }
    onset
}

/// A cycle of a trickle between ejections: `mean` mL/min, pump-locked, the flow
/// stopping between strokes (its lowest reading at the sensor's zero).
fn trickle(mean: f32) -> BlockFeatures {
    BlockFeatures {
        min_flow_ml_min: 0.0,
        ..block(mean)
    }
}

/// Seconds from the start of `rise` (mL/min per s, from a 3 mL/min trickle, up by
/// `by` at most) to an onset, if any.
fn onset_on_a_trickle(tests: DetectorTests, rise: f32, by: f32) -> Option<u32> {
    let mut d = EjectionDetector::new(1.0, 0.05).with_tests(tests);
    for i in 0..60 {
        let m = if i % 2 == 0 { 3.05 } else { 2.95 };
        assert_eq!(d.process(&CYCLE, &trickle(m), 1.0), None);
    }
    (1..40).find(|&s| {
        let m = 3.0 + (rise * s as f32).min(by);
        matches!(
            d.process(&CYCLE, &trickle(m), 1.0),
            Some(Detection::Onset { .. })
        )
    })
}

#[test]
fn a_trickles_wander_is_no_onset_and_an_ejection_on_it_is_found() {
    // The trickle climbs by two fifths of its level as fast as an ejection starts: the
    // detectable flow alone would take it for one.
    let wander = |tests| onset_on_a_trickle(tests, 0.2, 1.2);
    assert_eq!(wander(DetectorTests::ALL), None);
    let without = DetectorTests::ALL.without(DetectorTest::TrickleLevel);
    assert!(wander(without).is_some());
    // An ejection on it (a weak one, 1 mL/min per s) stands out within seconds.
    let ejection = onset_on_a_trickle(DetectorTests::ALL, 1.0, 20.0);
    assert!(ejection.is_some_and(|s| s <= 4), "{ejection:?}");
    let earlier = onset_on_a_trickle(without, 1.0, 20.0);
    assert!(
        earlier.is_some_and(|s| s <= ejection.unwrap()),
        "{earlier:?}"
    );
}

#[test]
fn the_flow_back_at_its_level_after_a_leak_heals_is_no_onset() {
    assert!(!leak_healed(DetectorTests::ALL));
    // Without the rule the same return reads as a letdown.
    assert!(leak_healed(
        DetectorTests::ALL.without(DetectorTest::VacuumReturn)
    ));
}

#[test]
fn a_sensor_too_smooth_to_show_the_pulsation_still_detects_a_larger_rise() {
    let mut d = settled();
    let onset = (1..20).find_map(|i| {
        d.process(&CYCLE, &unlocked(0.2 + 0.8 * i as f32), 1.0)
            .map(|o| (i, o))
    });
    let (i, o) = onset.expect("found without pulsation");
    assert!(matches!(o, Detection::Onset { .. }));
    let excess = 0.8 * i as f32;
    assert!(excess >= UNLOCKED_FLOW_FACTOR, "{excess}");
    // Measured on the three-cycle median, and the evidence built anew after each
    // absorbed offset: up to three cycles' climb later.
    assert!(
        excess <= UNLOCKED_FLOW_FACTOR + 3.0 * 0.8 + 1e-3,
        "{excess}"
    );
}

/// A detector that has seen `cycles` one-second cycles of zero flow through a sensor that
/// smooths its noise: cycle means wandering slowly about 0.2 mL/min (steps of 0.05–0.1)
/// with a pulsation of 0.02 mL/min, a quarter of their mean step where white noise shows
/// 1.6 times it.
fn settled_smoothing_after(cycles: usize) -> EjectionDetector {
    const WANDER: [f32; 8] = [0.2, 0.3, 0.35, 0.3, 0.2, 0.1, 0.05, 0.1];
    let mut d = EjectionDetector::new(1.0, 0.05).with_tests(BUT_PHASE_ALARM);
    for m in WANDER.iter().cycle().take(cycles) {
        assert_eq!(d.process(&CYCLE, &pulsing_block(*m, 0.02), 1.0), None);
    }
    d
}

fn settled_smoothing() -> EjectionDetector {
    settled_smoothing_after(60)
}

/// The excess over the zero level (mL/min) at which a rise of `per_cycle` mL/min per
/// one-second cycle, pulsing no more than the noise, becomes an onset on `d`.
fn unpulsed_onset_excess(mut d: EjectionDetector, per_cycle: f32) -> Option<f32> {
    (1..60).find_map(|i| {
        let excess = per_cycle * i as f32;
        let block = pulsing_block(0.2 + excess, 0.02);
        matches!(
            d.process(&CYCLE, &block, 1.0),
            Some(Detection::Onset { .. })
        )
        .then_some(excess)
    })
}

#[test]
fn the_noise_shows_a_sensor_that_smooths_before_any_milk() {
    assert!(settled_smoothing().noise_smoothed());
    // Not within the warm-up (12 s here), before any zero-flow cycle has been taken.
    assert!(!settled_smoothing_after(12).noise_smoothed());
    // Steps of 0.1 mL/min with a pulsation of 0.15–0.25: white noise's shape.
    assert!(!settled().noise_smoothed());
    // A cutoff's exact zeros say nothing.
    let mut zeros = EjectionDetector::new(1.0, 0.05);
    for _ in 0..60 {
        assert_eq!(zeros.process(&CYCLE, &pulsing_block(0.0, 0.0), 1.0), None);
    }
    assert!(!zeros.noise_smoothed());
}

#[test]
fn a_climb_without_pulsation_stands_lower_on_a_sensor_whose_noise_shows_it_smooths() {
    // An ejection's climb of 0.8 mL/min per second, its pulsation smoothed away.
    let excess = unpulsed_onset_excess(settled_smoothing(), 0.8).expect("found");
    assert!(
        (SMOOTHED_UNLOCKED_FACTOR..UNLOCKED_FLOW_FACTOR).contains(&excess),
        "{excess}"
    );
    let without = settled_smoothing().with_tests(BUT_PHASE_ALARM.without(DetectorTest::NoiseShape));
    let later = unpulsed_onset_excess(without, 0.8).expect("found");
    assert!(later >= UNLOCKED_FLOW_FACTOR, "{later}");
    // An offset's creep of 0.15 mL/min per second, slower than twice the onset slope
    // (0.24), waits for the large excess as on any sensor, where a climb of 0.6 (its
    // three-cycle median a cycle behind, over a 4 s follower) does not.
    let creep = unpulsed_onset_excess(settled_smoothing(), 0.15);
    assert!(creep.is_none_or(|e| e >= UNLOCKED_FLOW_FACTOR), "{creep:?}");
    let climb = unpulsed_onset_excess(settled_smoothing(), 0.6).expect("found");
    assert!(
        (SMOOTHED_UNLOCKED_FACTOR..UNLOCKED_FLOW_FACTOR).contains(&climb),
        "{climb}"
    );
}

#[test]
fn ductal_milk_at_the_start_is_followed_silently_and_an_ejection_on_it_is_found() {
    // Without the ductal test the same flow gives an onset in the first 20 s.
    let mut ablated = EjectionDetector::new(1.0, 0.05)
        .with_tests(DetectorTests::ALL.without(DetectorTest::Ductal));
    let early = (0..20).any(|t| {
        let m = 0.2 + ductal_flow(t as f32);
        matches!(
            ablated.process(&CYCLE, &block(m), 1.0),
            Some(Detection::Onset { .. })
        )
    });
    assert!(early, "the ductal milk alone looks like an onset");
    let mut d = EjectionDetector::new(1.0, 0.05);
    let mut events = [0u32; 2];
    let mut first_onset_s = None;
    for t in 0..200 {
        let t = t as f32;
        let ductal = ductal_flow(t);
        // The first ejection: from 60 s, rising 1 mL/min per second to 20.
        let ejection = (t - 60.0).clamp(0.0, 20.0);
        let m = 0.2 + if (t as u32) % 2 == 0 { 0.05 } else { -0.05 } + ductal + ejection;
        match d.process(&CYCLE, &block(m), 1.0) {
            Some(Detection::Onset { .. }) => {
                events[0] += 1;
                first_onset_s.get_or_insert(t);
            }
            Some(Detection::End { .. }) => events[1] += 1,
            None => {}
        }
    }
    assert_eq!(
        events,
        [1, 0],
        "one onset, the ejection's, and no end of the ductal milk"
    );
    let t = first_onset_s.unwrap();
    assert!((61.0..=64.0).contains(&t), "found at {t} s");
}

/// Seconds of pumping at which an ejection rising 1 mL/min per second from `start_s`
/// (s, at the sensor) is found, after `unread_s` seconds of cycles the sensor showed
/// nothing usable of (held readings) and quiet zero flow up to the ejection.
fn found_at(unread_s: u32, start_s: f32) -> Option<f32> {
    let mut d = EjectionDetector::new(1.0, 0.05);
    let unread = BlockFeatures {
        rejected_fraction: 1.0,
        ..block(0.0)
    };
    for _ in 0..unread_s {
        assert_eq!(d.process(&CYCLE, &unread, 1.0), None);
    }
    (unread_s..unread_s + 60).find_map(|t| {
        let t = t as f32;
        let wobble = if (t as u32) % 2 == 0 { 0.05 } else { -0.05 };
        let m = 0.2 + wobble + (t - start_s).clamp(0.0, 20.0);
        let onset = matches!(
            d.process(&CYCLE, &block(m), 1.0),
            Some(Detection::Onset { .. })
        );
        onset.then_some(t)
    })
}

#[test]
fn the_earliest_first_ejection_is_found_at_once_not_taken_for_ductal_milk() {
    // First ejections begin 20 s into pumping at the earliest, and reach the sensor
    // after the transport delay (≥ 1 s): a rise from 21 s is found within a few
    // cycles, not after `DUCTAL_RISE_S` as ductal milk that kept climbing.
    let t = found_at(0, 21.0).expect("found");
    assert!(t <= 25.0, "found at {t} s");
}

#[test]
fn ductal_milk_that_reaches_the_sensor_late_in_the_first_20_s_is_no_onset() {
    // The same ductal milk arriving at 17 s (a long transport delay and a slow first
    // flow): first ejections begin 20 s into pumping at the earliest, so a rise that
    // began before is ductal milk, followed silently.
    let mut d = EjectionDetector::new(1.0, 0.05);
    let onset = (0..80).find(|&t| {
        let wobble = if t % 2 == 0 { 0.05 } else { -0.05 };
        let m = 0.2 + wobble + ductal_flow(t as f32 - 9.0);
        matches!(
            d.process(&CYCLE, &block(m), 1.0),
            Some(Detection::Onset { .. })
        )
    });
    assert_eq!(onset, None);
}

#[test]
fn the_pumping_clock_runs_through_cycles_the_sensor_did_not_show() {
    // A sensor that held its reading (or read an exact zero, its low-flow cutoff) for
    // the first 100 s of pumping: an ejection from 110 s is no ductal milk.
    let t = found_at(100, 110.0).expect("found");
    assert!(t <= 114.0, "found at {t} s");
}

/// Ductal milk: arrives at 8 s, peaks at 6 mL/min at 12 s, decays (τ 15 s), mL/min.
fn ductal_flow(t: f32) -> f32 {
    if t < 8.0 {
        0.0
    } else if t < 12.0 {
        1.5 * (t - 8.0)
    } else {
        6.0 * libm::expf(-(t - 12.0) / 15.0)
    }
}

/// A zero creeping up by 0.2 mL/min a cycle from zero flow (a drifting offset) on a
/// sensor whose cycle means scatter ±0.25 mL/min and that shows milk's pulsation (learnt
/// transfer 0.6), each cycle's pulsation from
/// `pulsation(i, excess)` (mL/min over the level the detector follows at zero flow;
/// `excess` the cycle's mean over the zero flow). The cycle of the first onset, if any,
/// within `cycles` cycles.
fn creep_onset(cycles: usize, pulsation: impl Fn(usize, f32) -> f32) -> Option<usize> {
    creep_onset_spoiled(cycles, None, pulsation)
}

/// The same creep, the cycle `spoiled` (if any) with a tenth of its samples rejected.
fn creep_onset_spoiled(
    cycles: usize,
    spoiled: Option<usize>,
    pulsation: impl Fn(usize, f32) -> f32,
) -> Option<usize> {
    let mut d = creep_sensor();
    let zero = d.puls_base;
    (0..cycles).find(|&i| {
        let excess = creep_excess(i);
        let rejected = if spoiled == Some(i) { 0.1 } else { 0.0 };
        let cycle = BlockFeatures {
            rejected_fraction: rejected,
            ..pulsing_block(0.2 + excess, zero + pulsation(i, excess))
        };
        matches!(
            d.process(&CYCLE, &cycle, 1.0),
            Some(Detection::Onset { .. })
        )
    })
}

/// The creep's mean excess over the zero flow at its cycle `i`, mL/min.
fn creep_excess(i: usize) -> f32 {
    0.2 * (i + 1) as f32
}

/// The pulsation of a creep that alarms at cycle `alarm` (see [`creep_alarm`]) whose
/// alarm's cycle and the one before it happen to pulse at 0.6 of what milk would show
/// (above the half the latest two cycles are asked for), its other cycles not at all.
fn lucky_pair(alarm: usize, i: usize, excess: f32) -> f32 {
    if i + 1 >= alarm && i <= alarm {
        0.36 * excess
    } else {
        0.0
    }
}

/// The creep's sensor after a minute at zero flow (cycle means and their pulsation
/// 0.2 ± 0.25 mL/min), its transfer learnt at the pump's rate.
fn creep_sensor() -> EjectionDetector {
    let mut d = settled_at(0.25);
    d.transfer = 0.6;
    d.transfer_rate = CYCLE.rate_cpm;
    d
}

/// The cycle at which the creep's evidence first alarms without pulsation (and is taken
/// as an offset: the statistic falls back to zero).
fn creep_alarm() -> usize {
    let mut d = creep_sensor();
    let zero = d.puls_base;
    (0..40)
        .find(|&i| {
            let excess = creep_excess(i);
            let before = d.cusum().0;
            d.process(&CYCLE, &pulsing_block(0.2 + excess, zero), 1.0);
            before > 0.0 && d.cusum().0 == 0.0
        })
        .expect("the creep alarms")
}

#[test]
fn pulsation_in_the_last_two_cycles_alone_does_not_back_a_creep_built_over_many() {
    // Milk pulses in every cycle of its rise: an onset by the cycle the creep alarms at.
    let alarm = creep_alarm();
    assert!(
        alarm >= 4,
        "a creep builds its evidence over cycles: {alarm}"
    );
    // Three cycles past the alarm the creep is still far below the large-excess fallback.
    let cycles = alarm + 3;
    let milk = creep_onset(cycles, |_, excess| 0.6 * excess);
    assert!(milk.is_some_and(|i| i <= alarm), "{milk:?} vs {alarm}");
    // The same creep with a lucky pair of cycles at its alarm ([`lucky_pair`]): the run
    // it was built over does not pulse.
    assert_eq!(
        creep_onset(cycles, |i, excess| lucky_pair(alarm, i, excess)),
        None
    );
    // Pulsing so in every cycle of the run, it is backed by the alarm's cycle.
    let steady = creep_onset(cycles, |_, excess| 0.36 * excess);
    assert!(steady.is_some_and(|i| i <= alarm), "{steady:?} vs {alarm}");
}

#[test]
fn a_burst_inside_the_run_does_not_back_it() {
    // The creep with a lucky pair of cycles at its alarm ([`lucky_pair`]); three cycles
    // earlier a motion burst, its extreme samples rejected, pulses at five times the
    // pair's: its pulsation is the burst's, and it adds nothing to the run, as it adds no
    // evidence.
    let alarm = creep_alarm();
    let burst = alarm - 3;
    let pulsation = |i: usize, excess: f32| {
        if i == burst {
            3.0 * excess
        } else {
            lucky_pair(alarm, i, excess)
        }
    };
    assert_eq!(creep_onset_spoiled(alarm + 3, Some(burst), pulsation), None);
}

/// Cycle means of an ejection's decay from 20 mL/min to a 6 mL/min tail.
const DECAY_TO_6: [f32; 15] = [
    18.0, 16.0, 14.0, 12.0, 10.5, 9.0, 8.0, 7.2, 6.6, 6.2, 6.0, 6.0, 5.9, 6.0, 6.1,
];

/// A cycle through a sensor that smooths milk's pulsation away: a tenth of its mean
/// pulses, and its lowest reading stays near its mean.
fn smoothed_block(mean: f32) -> BlockFeatures {
    pulsing_block(mean, 0.1 * mean)
}

/// Cycle means of an ejection for a smoothing sensor to read: its rise to 20 mL/min, a
/// minute near its peak (strong flow, where the sensor's transfer is learnt) and its
/// decay to a 6 mL/min tail.
fn ejection_with_a_minute_at_its_peak() -> Vec<f32> {
    [&RISE_TO_20[..], &[20.0; 60], &DECAY_TO_6].concat()
}

/// [`ejection_with_a_minute_at_its_peak`] read through a smoothing sensor, and its end;
/// then `after`. Onsets after the first, and whether the detector stood on a tail when
/// `after` began.
fn after_a_smoothed_ejection(after: &[f32]) -> (usize, bool) {
    let mut d = settled();
    let ejection = ejection_with_a_minute_at_its_peak();
    let (mut onsets, mut on_tail) = (0, false);
    for (i, &m) in ejection.iter().chain(after).enumerate() {
        if i == ejection.len() {
            assert!(!d.in_ejection(), "the ejection has ended");
            assert!(d.learnt_smoothing(), "strong flow showed the smoothing");
            on_tail = d.on_tail();
        }
        if let Some(Detection::Onset { .. }) = d.process(&CYCLE, &smoothed_block(m), 1.0) {
            onsets += 1;
        }
    }
    (onsets - 1, on_tail)
}

#[test]
fn on_a_smoothing_sensor_the_flow_left_after_an_end_is_a_tail() {
    // Its lowest readings ride on the flow and do not show the sensor's zero, so a
    // wobble's step, or its rise read through the raw means' jitter, must pass the
    // tail's tests (a sustained rise of the three-cycle median); a new ejection still
    // does.
    let step = [7.4, 7.5, 7.4, 7.5, 7.4, 7.5, 7.4, 7.5];
    assert_eq!(after_a_smoothed_ejection(&step), (0, true));
    let jitter = [6.5, 6.1, 6.9, 6.6, 7.3, 7.0, 7.6, 7.3, 7.5, 7.3];
    assert_eq!(after_a_smoothed_ejection(&jitter), (0, true));
    let ejection = [6.8, 8.0, 9.0, 9.5, 9.6, 9.5, 9.0];
    assert_eq!(after_a_smoothed_ejection(&ejection), (1, true));
}

/// Onsets after an ejection's rise to 20 mL/min and its decay to a 6 mL/min tail, a
/// stop of twelve cycles, and the pump resuming at its settings with cycle means
/// `after` (mL/min).
fn onsets_after_a_pause_on_a_tail(tests: DetectorTests, after: &[f32]) -> usize {
    let mut d = paused_on_a_tail(tests);
    events(&mut d, after).0
}

/// A detector that has seen an ejection's rise to 20 mL/min, its decay to a 6 mL/min
/// tail and the pump stand for twelve cycles.
fn paused_on_a_tail(tests: DetectorTests) -> EjectionDetector {
    let mut d = settled().with_tests(tests);
    assert_eq!(
        events(&mut d, &[&RISE_TO_20[..], &DECAY_TO_6].concat()).0,
        1
    );
    stop(&mut d, 12);
    d
}

#[test]
fn the_flow_back_at_its_level_after_a_pause_is_no_onset() {
    // The first cycles after the restart read the tubing refilling (the transport
    // delay), then the ejection's flow comes back, at once or over a few cycles.
    let back = [
        0.4, 0.4, 0.4, 0.5, 3.0, 6.0, 6.5, 6.4, 6.2, 6.1, 6.0, 6.0, 5.9, 6.0,
    ];
    let climbing_back = [
        0.4, 0.4, 0.5, 1.0, 2.0, 3.0, 4.0, 5.0, 5.6, 5.9, 6.0, 6.0, 5.9,
    ];
    let without = DetectorTests::ALL.without(DetectorTest::VacuumReturn);
    for after in [&back[..], &climbing_back] {
        assert_eq!(
            onsets_after_a_pause_on_a_tail(without, after),
            1,
            "the case must fool the detector"
        );
        assert_eq!(onsets_after_a_pause_on_a_tail(DetectorTests::ALL, after), 0);
    }
    // A new ejection rising past the level held before the pause is found.
    let new = [
        0.4, 0.4, 12.0, 9.0, 8.0, 9.0, 11.0, 13.0, 15.0, 17.0, 19.0, 20.0, 20.0,
    ];
    assert_eq!(onsets_after_a_pause_on_a_tail(DetectorTests::ALL, &new), 1);
}

#[test]
fn a_level_expected_back_is_held_for_pumping_time_not_for_usable_cycles() {
    // The ejection ended during the pause: after the restart the flow is back at only
    // 1 mL/min, and a sensor fault spoils fifteen cycles. The end must not wait for
    // twelve seconds of usable cycles after them.
    let mut d = paused_on_a_tail(DetectorTests::ALL);
    let unusable = 3..18;
    let end = (0..40).find(|i| {
        if *i == unusable.start {
            assert!(
                d.awaits_return(1.0),
                "the level before the stop is expected back"
            );
        }
        let f = if unusable.contains(i) {
            with_rejected(1.0, 1.0)
        } else {
            block(1.0)
        };
        matches!(d.process(&CYCLE, &f, 1.0), Some(Detection::End { .. }))
    });
    let end = end.expect("the ejection ends");
    // The restart's suppression holds the end for 6 s of usable cycles (three before the
    // fault, three after it, to cycle 20), the end's test needs a few more: counted in
    // usable cycles only, the 12 s expectation would hold it to cycle 27 and beyond.
    assert!(
        end <= unusable.end + 5,
        "ended {end} cycles after the restart"
    );
}

/// A detector that has seen an ejection through a smoothing sensor (its transfer learnt
/// below `SMOOTHING_TRANSFER`), its end and half a minute of zero flow after it.
fn back_at_zero_after_a_smoothed_ejection(tests: DetectorTests) -> EjectionDetector {
    let mut d = settled().with_tests(tests);
    let to_zero = [5.0, 4.0, 3.0, 2.2, 1.6, 1.1, 0.8, 0.5, 0.3, 0.2];
    let zero = [0.2, 0.25, 0.15, 0.2, 0.25, 0.15].repeat(5);
    let ejection = ejection_with_a_minute_at_its_peak();
    let means = [&ejection[..], &to_zero, &zero].concat();
    for m in means {
        d.process(&CYCLE, &smoothed_block(m), 1.0);
    }
    assert!(!d.in_ejection() && d.at_zero_flow());
    assert!(d.learnt_smoothing());
    d
}

#[test]
fn a_climb_without_pulsation_stands_lower_on_a_sensor_strong_flow_showed_to_smooth() {
    // A later ejection's climb of 0.8 mL/min per second, its pulsation smoothed away.
    let d = back_at_zero_after_a_smoothed_ejection(DetectorTests::ALL);
    let excess = unpulsed_onset_excess(d, 0.8).expect("found");
    assert!(
        (SMOOTHED_UNLOCKED_FACTOR..UNLOCKED_FLOW_FACTOR).contains(&excess),
        "{excess}"
    );
    let without = DetectorTests::ALL.without(DetectorTest::NoiseShape);
    let d = back_at_zero_after_a_smoothed_ejection(without);
    let later = unpulsed_onset_excess(d, 0.8).expect("found");
    assert!(later >= UNLOCKED_FLOW_FACTOR, "{later}");
}

/// Cycle `i` of a tail decaying from 20 mL/min (time constant 90 s) with a wobble of
/// `wobble` of its level (period 40 s), mL/min.
fn wobbling_tail(i: usize, wobble: f32) -> f32 {
    let t = i as f32;
    20.0 * (-t / 90.0).exp() * (1.0 + wobble * (core::f32::consts::TAU * t / 40.0).sin())
}

/// Cycles of the tail [`after_a_tail`] shows: the detector decays from about the 18th,
/// so the tails have shown over a minute (`WANDER_LEARN_S`) of decay.
const TAIL_CYCLES: usize = 100;

/// A detector that has seen an ejection's rise to 20 mL/min and [`TAIL_CYCLES`] of its
/// [`wobbling_tail`], and no onset on the tail.
fn after_a_tail(tests: DetectorTests, wobble: f32) -> EjectionDetector {
    let mut d = settled().with_tests(tests);
    assert_eq!(events(&mut d, &RISE_TO_20), (1, 0));
    let decay: Vec<f32> = (0..TAIL_CYCLES).map(|i| wobbling_tail(i, wobble)).collect();
    assert_eq!(events(&mut d, &decay), (0, 0));
    assert!(d.in_ejection(), "still on the decaying tail");
    d
}

/// Onsets while a new ejection adds `add` of the level [`after_a_tail`] left over 10 s,
/// on the tail that goes on as it did.
fn onsets_on_a_tail(tests: DetectorTests, wobble: f32, add: f32) -> usize {
    let mut d = after_a_tail(tests, wobble);
    let level = wobbling_tail(TAIL_CYCLES, wobble);
    let new: Vec<f32> = (0..20)
        .map(|i| wobbling_tail(TAIL_CYCLES + i, wobble) + add * level * (i as f32 / 10.0).min(1.0))
        .collect();
    events(&mut d, &new).0
}

#[test]
fn on_a_tail_that_decayed_smoothly_a_smaller_addition_is_an_ejection() {
    let smooth = after_a_tail(DetectorTests::ALL, 0.0);
    assert_eq!(smooth.wander.share(), WANDER_FLOOR_SHARE);
    // A third of the level, below the fixed share and above the floor.
    let without = DetectorTests::ALL.without(DetectorTest::TailWander);
    assert_eq!(onsets_on_a_tail(without, 0.0, 0.35), 0, "the fixed share");
    assert_eq!(onsets_on_a_tail(DetectorTests::ALL, 0.0, 0.35), 1);
    // Below the floor it is none.
    assert_eq!(onsets_on_a_tail(DetectorTests::ALL, 0.0, 0.15), 0);
}

#[test]
fn on_a_tail_that_wobbled_the_fixed_share_stands() {
    // A wobble of ±20 % shows as excursions the tail decays past again, of a fifth of the
    // level (the decay hides the rest of the swing): four times that is above the fixed
    // share, which stands (a ±10 % one shows 3 %, and the floor is asked).
    let d = after_a_tail(DetectorTests::ALL, 0.2);
    assert_eq!(d.wander.share(), REARM_LEVEL_SHARE);
    let d = after_a_tail(DetectorTests::ALL, 0.1);
    let floor = d.wander.share();
    assert_eq!(floor, WANDER_FLOOR_SHARE, "a minute of tails shown");
    // On the ±20 % tail the rule changes no decision: a third of the level added is
    // none, the level again is an onset, with the rule or without.
    let without = DetectorTests::ALL.without(DetectorTest::TailWander);
    for (add, onsets) in [(0.35, 0), (1.0, 1)] {
        let with = onsets_on_a_tail(DetectorTests::ALL, 0.2, add);
        assert_eq!(with, onsets, "{add}");
        assert_eq!(onsets_on_a_tail(without, 0.2, add), onsets, "{add}");
    }
}

#[test]
fn the_wander_counts_an_excursion_once_the_flow_is_back_down() {
    // Cycles of 20 s: the tails have shown a minute at the third.
    let mut w = TailWander::NEW;
    for m3 in [10.0, 9.0] {
        w.note(m3, 0.0, 0.0, 20.0);
        assert_eq!(w.share(), REARM_LEVEL_SHARE, "still learning");
    }
    w.note(8.0, 0.0, 0.0, 20.0);
    assert_eq!(w.share(), WANDER_FLOOR_SHARE, "a smooth decay");
    // An excursion of 0.8 above 8 mL/min counts once the flow is back down.
    for m3 in [8.5, 8.8, 8.6] {
        w.note(m3, 0.0, 0.0, 20.0);
        assert_eq!(w.share(), WANDER_FLOOR_SHARE);
    }
    w.note(7.9, 0.0, 0.0, 20.0);
    let learnt = WANDER_MARGIN * 0.1;
    assert!((w.share() - learnt).abs() < 1e-6, "{}", w.share());
    // The decay after an onset's peak drops the excursion under way (the new ejection's
    // rise), and the new tail shows half a minute of its own before the learnt share
    // applies to it.
    w.note(9.9, 0.0, 0.0, 20.0);
    w.restart();
    w.note(5.0, 0.0, 0.0, 20.0);
    assert_eq!(w.share(), REARM_LEVEL_SHARE);
    w.note(4.9, 0.0, 0.0, 20.0);
    assert!((w.share() - learnt).abs() < 1e-6, "{}", w.share());
    // A change of the pump's settings drops the excursion under way (its surge or its
    // deeper vacuum's level is no wander) but keeps the tail's time.
    w.note(6.9, 0.0, 0.0, 20.0);
    w.drop_excursion();
    w.note(4.5, 0.0, 0.0, 20.0);
    assert!((w.share() - learnt).abs() < 1e-6, "{}", w.share());
    // Near a tail's end an excursion is a share of the floor, not of the smaller level:
    // 0.3 above 1 mL/min counts as 0.3 of 2 (0.6 asked), not of 1 (0.8, the cap).
    for m3 in [1.0, 1.3, 0.9] {
        w.note(m3, 0.0, 2.0, 20.0);
    }
    let floored = WANDER_MARGIN * 0.15;
    assert!((w.share() - floored).abs() < 1e-6, "{}", w.share());
}

#[test]
fn a_step_only_the_learnt_share_let_alarm_is_not_absorbed() {
    // After a smooth tail the share asked is the floor; an alarm whose last three
    // increments are one step, standing below the fixed share of the level, builds its
    // evidence anew and leaves the baseline where it was; one above it is absorbed.
    let mut d = after_a_tail(DetectorTests::ALL, 0.0);
    assert_eq!(d.wander.share(), WANDER_FLOOR_SHARE);
    let level = d.baseline - d.zero_level;
    let base = d.baseline;
    d.m3_incs = [0.0, 0.0, 0.3 * level];
    assert!(!d.sustained_rise_or_absorb(base + 0.3 * level, 0.3 * level));
    assert_eq!(d.baseline, base, "not absorbed");
    assert!(!d.sustained_rise_or_absorb(base + level, level));
    assert_eq!(d.baseline, base + level, "absorbed");
    // Without tail-wander the fixed share is asked, and a step is absorbed at any size.
    let mut d = after_a_tail(DetectorTests::ALL.without(DetectorTest::TailWander), 0.0);
    let (level, base) = (d.baseline - d.zero_level, d.baseline);
    d.m3_incs = [0.0, 0.0, 0.3 * level];
    assert!(!d.sustained_rise_or_absorb(base + 0.3 * level, 0.3 * level));
    assert_eq!(d.baseline, base + 0.3 * level);
}

#[test]
fn a_weak_flow_no_onset_was_found_in_lifts_the_baseline() {
    // What the session's end reads a flow the detector found no onset in from
    // (`session::WeakFlow`: a baseline more than twice the detectable flow above
    // its lowest since the last ejection found). A weak, slow ejection through a sensor
    // that smooths its pulsation away: 3 mL/min over 25 s, below the unlocked fallback's
    // four times the detectable flow, so no onset; the baseline follows it up by more
    // than 2 mL/min.
    let mut d = settled();
    let (mut low, mut rise) = (f32::INFINITY, 0.0f32);
    for i in 0..120 {
        let t = i as f32;
        let rise_share = 0.5 * (1.0 - libm::cosf(core::f32::consts::PI * (t / 25.0).min(1.0)));
        let m = 0.2 + 3.0 * rise_share * libm::expf(-(t - 25.0).max(0.0) / 20.0);
        assert_eq!(d.process(&CYCLE, &unlocked(m), 1.0), None, "cycle {i}");
        assert!(!d.in_ejection());
        low = low.min(d.baseline_ml_min());
        rise = rise.max(d.baseline_ml_min() - low);
    }
    assert!(rise > 2.0, "{rise}");
}

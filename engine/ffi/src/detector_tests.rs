//! The detector's ablation switches in C: one bit per test of `DetectorTest::ALL`, in its
//! order, set in `ld_config.detector_tests_off` to switch that test off. A pump runs with
//! every test on (0, the default); the switches exist for ablation studies.

use crate::status::ld_status;
use letdown_engine::{DetectorTest, DetectorTests};

/// One of the detector's switchable rules (a test against false onsets, or a source of
/// onset evidence), as its bit in `ld_config.detector_tests_off` (`1 << i` for the `i`-th of
/// the Rust `DetectorTest::ALL`).
#[repr(u32)]
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ld_detector_test {
    /// Onsets need pump-synchronous flow ("pump-sync").
    LD_DETECTOR_TEST_PUMP_SYNC = 1 << 0,
    /// A rise in the first seconds of pumping is the milk already in the ducts ("ductal").
    LD_DETECTOR_TEST_DUCTAL = 1 << 1,
    /// Onsets need the flow to climb as fast as an ejection's ("rise-rate").
    LD_DETECTOR_TEST_RISE_RATE = 1 << 2,
    /// The guards against the rest of an artefact ("partial-guard").
    LD_DETECTOR_TEST_PARTIAL_GUARD = 1 << 3,
    /// Flow returning with the vacuum of a healed leak, or after a restart at the settings
    /// the pump stopped at, is no rise ("vacuum-return").
    LD_DETECTOR_TEST_VACUUM_RETURN = 1 << 4,
    /// A trickle between ejections raises the shift an onset must show ("trickle-level").
    LD_DETECTOR_TEST_TRICKLE_LEVEL = 1 << 5,
    /// A fall of the flow faster than milk decays is a sensor dropout: no end, and its
    /// return no onset ("dropout-hold").
    LD_DETECTOR_TEST_DROPOUT_HOLD = 1 << 6,
    /// At zero flow a second CUSUM on the pump-synchronous flow builds onset evidence
    /// ("pulse-cusum").
    LD_DETECTOR_TEST_PULSE_CUSUM = 1 << 7,
    /// An onset's climb may be read on the latest cycle when its pulsation agrees in
    /// phase with the last one's ("phase-climb").
    LD_DETECTOR_TEST_PHASE_CLIMB = 1 << 8,
    /// At zero flow two cycles pulsing in one phase complete the mean's evidence when it
    /// stands within a cycle's reach of its threshold ("phase-alarm").
    LD_DETECTOR_TEST_PHASE_ALARM = 1 << 9,
    /// At zero flow on a sensor that smooths the pulsation away, an onset backed by a cycle
    /// pulsing clear of its noise, and on any sensor one whose cycle stood nearly still
    /// after a jump between two usable cycles or on the first usable cycle after lost ones,
    /// waits a cycle for its level to hold (one completed inside a cycle: for that cycle's
    /// end and one more) ("lag-hold").
    LD_DETECTOR_TEST_LAG_HOLD = 1 << 10,
    /// At zero flow an alarm whose cycle and the last one pulse clear of their noise and
    /// more than a quarter period apart is a motion burst's, and its evidence is built
    /// anew ("phase-veto").
    LD_DETECTOR_TEST_PHASE_VETO = 1 << 11,
    /// On a sensor whose zero-flow noise shows it smooths, before strong flow has measured
    /// its transfer, or whose learnt transfer shows the smoothing, a rise of twice the
    /// detectable flow climbing twice the onset slope stands without pump-synchronous
    /// evidence ("noise-shape").
    LD_DETECTOR_TEST_NOISE_SHAPE = 1 << 12,
    /// On a decaying tail, a re-armed onset must add a share of the tail's level set by the
    /// largest wander the session's tails have shown, not the fixed share ("tail-wander").
    LD_DETECTOR_TEST_TAIL_WANDER = 1 << 13,
}

impl From<DetectorTest> for ld_detector_test {
    fn from(t: DetectorTest) -> Self {
        match t {
            DetectorTest::PumpSync => ld_detector_test::LD_DETECTOR_TEST_PUMP_SYNC,
            DetectorTest::Ductal => ld_detector_test::LD_DETECTOR_TEST_DUCTAL,
            DetectorTest::RiseRate => ld_detector_test::LD_DETECTOR_TEST_RISE_RATE,
            DetectorTest::PartialGuard => ld_detector_test::LD_DETECTOR_TEST_PARTIAL_GUARD,
            DetectorTest::VacuumReturn => ld_detector_test::LD_DETECTOR_TEST_VACUUM_RETURN,
            DetectorTest::TrickleLevel => ld_detector_test::LD_DETECTOR_TEST_TRICKLE_LEVEL,
            DetectorTest::DropoutHold => ld_detector_test::LD_DETECTOR_TEST_DROPOUT_HOLD,
            DetectorTest::PulseCusum => ld_detector_test::LD_DETECTOR_TEST_PULSE_CUSUM,
            DetectorTest::PhaseClimb => ld_detector_test::LD_DETECTOR_TEST_PHASE_CLIMB,
            DetectorTest::PhaseAlarm => ld_detector_test::LD_DETECTOR_TEST_PHASE_ALARM,
            DetectorTest::LagHold => ld_detector_test::LD_DETECTOR_TEST_LAG_HOLD,
            DetectorTest::PhaseVeto => ld_detector_test::LD_DETECTOR_TEST_PHASE_VETO,
            DetectorTest::NoiseShape => ld_detector_test::LD_DETECTOR_TEST_NOISE_SHAPE,
            DetectorTest::TailWander => ld_detector_test::LD_DETECTOR_TEST_TAIL_WANDER,
        }
    }
}

/// The bits of the tests that are off in `tests`.
pub(crate) fn off_mask(tests: DetectorTests) -> u32 {
    DetectorTest::ALL
        .into_iter()
        .filter(|&t| !tests.has(t))
        .fold(0, |mask, t| mask | ld_detector_test::from(t) as u32)
}

/// Every test on but those whose bit is set in `off`; `LD_ERR_DETECTOR_TESTS` for a bit
/// that is no test's.
pub(crate) fn from_off_mask(off: u32) -> Result<DetectorTests, ld_status> {
    let mut tests = DetectorTests::ALL;
    let mut known = 0;
    for t in DetectorTest::ALL {
        let bit = ld_detector_test::from(t) as u32;
        known |= bit;
        if off & bit != 0 {
            tests = tests.without(t);
        }
    }
    if off & !known == 0 {
        Ok(tests)
    } else {
        Err(ld_status::LD_ERR_DETECTOR_TESTS)
    }
}

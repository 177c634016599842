//! The onset detector's tests that can be switched off one at a time, so that an ablation
//! study measures what each one earns (README, "What each test earns"). All are on by
//! default; a pump runs with all of them.

use core::fmt;
use core::str::FromStr;

/// One of the detector's switchable rules: a test against false onsets, or a source of
/// onset evidence (pulse-cusum, phase-alarm, and noise-shape's lower fallback where the
/// noise shows why the pulsation is missing); switching one of those off makes onsets
/// harder, not easier.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DetectorTest {
    /// An onset needs pump-synchronous flow: the cycle's component at the pump rate must
    /// back the rise of its mean, in the latest two cycles and over the cycles its evidence
    /// was built on (offset drift, slow wobble and held values have none).
    PumpSync,
    /// A rise that began in the first seconds of pumping, before any ejection, is the milk
    /// already in the ducts, followed silently.
    Ductal,
    /// An onset needs the flow to be climbing at least as fast as an ejection's does: a
    /// trickle's or a tail's slow wander is not one.
    RiseRate,
    /// Guards against the rest of an artefact: the partial-cycle test is armed only on
    /// evidence from two cycles or more, the latest no steeper a jump than milk climbs, and
    /// fires only while no sample of the cycle was rejected; a cycle with rejected samples
    /// adds no onset evidence and does not widen the artefact band (a motion burst's swing
    /// left inside the band is no milk); at zero flow an alarm on a cycle whose mean or
    /// three-cycle median fell is an artefact's decay (a burst a smoothing sensor spread
    /// over the following cycles, a surge of stored milk after a pump change), not an
    /// onset, and one on a cycle that did not climb, or jumped faster than milk climbs,
    /// waits for the next (an ejection's flow climbs for 10–30 s); and the window after a
    /// pump change at zero flow ends in no alarm once a cycle fell below its highest.
    PartialGuard,
    /// When the vacuum returns to a depth it had before it weakened (a leak healed, or the
    /// pump restarting after a pause at the settings it stopped at), the flow is expected
    /// back at the level it had there: its return is no rise.
    VacuumReturn,
    /// At zero flow a trickle still running between ejections raises the shift an onset
    /// must show with its level, as on a tail: its slow wander is not a new ejection.
    TrickleLevel,
    /// A fall of the flow faster than milk's fastest decay from the level it last held is
    /// the sensor losing the flow, as a dropout that a smoothing sensor may spread over
    /// cycles: it ends neither the rise nor the ejection, and the level before the fall is
    /// expected back, so its return is no onset.
    DropoutHold,
    /// At zero flow a second CUSUM, on the pump-synchronous flow (the pulsation) against
    /// its own noise, builds onset evidence beside the mean's: where the mean wanders (a
    /// trickle, drift, a noisy sensor) milk's pulsation stands out of its noise sooner.
    /// Its alarm passes the same tests as the mean's.
    PulseCusum,
    /// An onset's climb may be read on the latest cycle's own mean, not only on the
    /// three-cycle median a cycle behind it, when that cycle's pulsation and the last one's
    /// stand clear of their noise and agree in phase: milk reaches the sensor at the same
    /// point of every pump cycle, a motion burst or noise anywhere.
    PhaseClimb,
    /// At zero flow, where the mean's CUSUM stands within one cycle's reach of its
    /// threshold, the latest two cycles pulsing in one phase, each clear of its own cycle's
    /// noise, complete the evidence: milk pulses at the same point of every pump cycle,
    /// noise and motion bursts anywhere.
    PhaseAlarm,
    /// At zero flow, on a sensor that strong flow has shown to smooth milk's pulsation
    /// away, an onset that a cycle pulsing clear of its noise backs waits one cycle for its
    /// level to hold (one completed inside a cycle, for that cycle's end and one more):
    /// such a sensor shows at the pump rate only a change of its level
    /// within the cycle, an ejection's climb or the jump of a motion burst it spreads over
    /// the next cycles, which then decays. On any sensor, an onset whose cycle stood
    /// nearly still after a jump between the two usable cycles before it (such a burst,
    /// before strong flow has shown the smoothing) waits likewise, and so does one on the
    /// first usable cycle after lost ones that jumped (a burst's tail).
    LagHold,
    /// At zero flow, an alarm of the mean's or the pulsation's CUSUM at a cycle's end whose
    /// cycle and the last usable one both pulse clear of a single cycle's noise, more than
    /// a quarter period apart, is a motion burst's, and the evidence is built anew: milk
    /// pulses at the same point of every pump cycle, a burst anywhere.
    PhaseVeto,
    /// On a sensor whose noise at zero flow shows it smooths its reading (its pulsation at
    /// the pump rate below half of what white noise of the same cycle-to-cycle steps
    /// shows), before strong flow has measured its transfer, and on one whose transfer
    /// strong flow has measured below `SMOOTHING_TRANSFER`, a rise stands without
    /// pump-synchronous evidence at twice the detectable flow, climbing twice the onset
    /// slope, instead of four times: there the missing pulsation is the sensor's, and an
    /// offset's creep climbs slower.
    NoiseShape,
    /// On a decaying tail, the share of the tail's level a re-armed onset must add falls
    /// from `REARM_LEVEL_SHARE` to `WANDER_MARGIN` times the largest wander the session's
    /// tails have shown (no lower than `WANDER_FLOOR_SHARE`), once they have shown a minute
    /// of it and this tail half a minute of its own: a new ejection adds its own amplitude,
    /// and where the flow has not wandered a smaller addition is one.
    TailWander,
}

impl DetectorTest {
    /// Every test, in the order of the ablation table.
    pub const ALL: [DetectorTest; 14] = [
        DetectorTest::PumpSync,
        DetectorTest::Ductal,
        DetectorTest::RiseRate,
        DetectorTest::PartialGuard,
        DetectorTest::VacuumReturn,
        DetectorTest::TrickleLevel,
        DetectorTest::DropoutHold,
        DetectorTest::PulseCusum,
        DetectorTest::PhaseClimb,
        DetectorTest::PhaseAlarm,
        DetectorTest::LagHold,
        DetectorTest::PhaseVeto,
        DetectorTest::NoiseShape,
        DetectorTest::TailWander,
    ];

    /// The test's name on the command line and in tables.
    pub const fn name(self) -> &'static str {
        match self {
            DetectorTest::PumpSync => "pump-sync",
            DetectorTest::Ductal => "ductal",
            DetectorTest::RiseRate => "rise-rate",
            DetectorTest::PartialGuard => "partial-guard",
            DetectorTest::VacuumReturn => "vacuum-return",
            DetectorTest::TrickleLevel => "trickle-level",
            DetectorTest::DropoutHold => "dropout-hold",
            DetectorTest::PulseCusum => "pulse-cusum",
            DetectorTest::PhaseClimb => "phase-climb",
            DetectorTest::PhaseAlarm => "phase-alarm",
            DetectorTest::LagHold => "lag-hold",
            DetectorTest::PhaseVeto => "phase-veto",
            DetectorTest::NoiseShape => "noise-shape",
            DetectorTest::TailWander => "tail-wander",
        }
    }

    const fn bit(self) -> u16 {
        1 << self as u16
    }
}

impl fmt::Display for DetectorTest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// A name that is not one of [`DetectorTest::ALL`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct UnknownDetectorTest;

impl fmt::Display for UnknownDetectorTest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("not a detector test (")?;
        for (i, test) in DetectorTest::ALL.iter().enumerate() {
            let sep = if i == 0 { "" } else { ", " };
            write!(f, "{sep}{test}")?;
        }
        f.write_str(")")
    }
}

impl FromStr for DetectorTest {
    type Err = UnknownDetectorTest;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        DetectorTest::ALL
            .into_iter()
            .find(|t| t.name() == s.trim())
            .ok_or(UnknownDetectorTest)
    }
}

/// A set of detector tests (which are on).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct DetectorTests(u16);

impl DetectorTests {
    /// Every test on: the default.
    pub const ALL: DetectorTests = DetectorTests((1 << DetectorTest::ALL.len()) - 1);

    /// This set without `test`.
    pub const fn without(self, test: DetectorTest) -> Self {
        DetectorTests(self.0 & !test.bit())
    }

    /// Whether `test` is on.
    pub const fn has(self, test: DetectorTest) -> bool {
        self.0 & test.bit() != 0
    }
}

impl Default for DetectorTests {
    fn default() -> Self {
        DetectorTests::ALL
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip_and_sets_switch_one_test_off() {
        for t in DetectorTest::ALL {
            assert_eq!(t.name().parse::<DetectorTest>(), Ok(t));
            let set = DetectorTests::ALL.without(t);
            assert!(!set.has(t));
            assert!(DetectorTest::ALL
                .iter()
                .filter(|&&o| o != t)
                .all(|&o| set.has(o)));
        }
        assert_eq!("spikes".parse::<DetectorTest>(), Err(UnknownDetectorTest));
        assert_eq!(
            UnknownDetectorTest.to_string(),
            "not a detector test (pump-sync, ductal, rise-rate, partial-guard, vacuum-return, \
             trickle-level, dropout-hold, pulse-cusum, phase-climb, phase-alarm, lag-hold, \
             phase-veto, noise-shape, tail-wander)"
        );
    }
}

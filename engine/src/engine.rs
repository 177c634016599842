//! The whole signal chain behind one `process` call.
//!
//! Per input sample: sanitize both channels → safety (over-vacuum, faults, stale data act
//! at this very sample) → decimate. Per decimated sample (100–200 Hz): filters → cycle
//! tracker and per-cycle flow features (with the detector's partial-cycle onset test,
//! when armed) → session timers. Per pump cycle: ejection detector → session state
//! machine. Each stage is a small value in this struct; nothing
//! allocates and the work per sample is bounded.

use crate::config::{EngineConfig, SettingsError, UserSettings};
use crate::cycle_tracker::{Cycle, CycleTracker};
use crate::decimate::{self, Decimated, Decimator};
use crate::detector::EjectionDetector;
use crate::event::Event;
use crate::features::{BlockFeatures, FlowFeatures};
use crate::filter::{self, Kind, Section};
use crate::hint::{ControlHint, Mode, Reason};
use crate::sample::Sample;
use crate::sanitize::{ChannelLimits, Sanitizer};
use crate::session::{CycleFlow, SessionMachine};
use crate::spectral_monitor::{SpectralFeatures, SpectralMonitor};

/// A fault or over-vacuum must have been absent this long before pumping resumes, s.
pub const FAULT_CLEAR_S: f32 = 0.5;
/// A flow reading repeated exactly for longer than this makes its pump cycle unusable
/// for detection, s: five refreshes of even a slow 10 Hz sensor (DESIGN §2). A stuck
/// sensor is only declared a fault after `stuck_s`, but its held value must not look like
/// milk in the meantime.
pub const SUSPECT_REPEAT_S: f32 = 0.5;

/// The longest gap [`Engine::process_gap`] takes, samples (2⁴⁰: 3.5 years at 10 kHz).
/// Longer ones count as this long, so the sample index cannot saturate even after 16
/// million of them.
pub const MAX_GAP_SAMPLES: u64 = 1 << 40;

/// Capacity of the event queue for events that fall on the same sample.
const QUEUE_LEN: usize = 4;

/// Counters of everything the engine rejected or could not deliver. Never silent.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct EngineStats {
    /// Samples processed (including reported missing ones).
    pub samples: u64,
    /// Pressure readings rejected (NaN, ±∞, out of range, stuck).
    pub pressure_faults: u64,
    /// Flow readings rejected (NaN, ±∞, out of range, stuck).
    pub flow_faults: u64,
    /// Samples with vacuum beyond the configured maximum.
    pub over_vacuum_samples: u64,
    /// Samples reported missing through [`Engine::process_gap`] (a gap counted at most
    /// [`MAX_GAP_SAMPLES`] long, as the index advances).
    pub missing_samples: u64,
    /// Pump cycles whose flow was mostly artefact, held or faulty, and so was not used.
    pub artefact_cycles: u64,
    /// Pump cycles analysed.
    pub cycles: u64,
    /// Events that could not be queued (more than the queue holds on one sample).
    pub events_dropped: u64,
}

/// Adds every counter of `other` (saturating), e.g. to total the counters of several
/// engines or sessions. The fields are destructured without `..`, so a counter added to
/// [`EngineStats`] fails to compile here until it is summed too.
impl core::ops::AddAssign for EngineStats {
    fn add_assign(&mut self, other: Self) {
        let EngineStats {
            samples,
            pressure_faults,
            flow_faults,
            over_vacuum_samples,
            missing_samples,
            artefact_cycles,
            cycles,
            events_dropped,
        } = other;
        self.samples = self.samples.saturating_add(samples);
        self.pressure_faults = self.pressure_faults.saturating_add(pressure_faults);
        self.flow_faults = self.flow_faults.saturating_add(flow_faults);
        self.over_vacuum_samples = self.over_vacuum_samples.saturating_add(over_vacuum_samples);
        self.missing_samples = self.missing_samples.saturating_add(missing_samples);
        self.artefact_cycles = self.artefact_cycles.saturating_add(artefact_cycles);
        self.cycles = self.cycles.saturating_add(cycles);
        self.events_dropped = self.events_dropped.saturating_add(events_dropped);
    }
}

/// What the engine currently sees; for telemetry and plots.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Snapshot {
    /// Mode the engine asks for (Pause while a safety pause is in force).
    pub mode: Mode,
    /// Latest pump cycle (rate, depth), if any.
    pub last_cycle: Option<Cycle>,
    /// Flow features of the latest analysis block (a pump cycle or an idle second).
    pub last_block: Option<BlockFeatures>,
    /// Latest cycle-mean flow (median of three cycles, artefacts rejected), mL/min.
    pub flow_ml_min: f32,
    /// Zero/baseline flow the detector compares against, mL/min.
    pub baseline_ml_min: f32,
    /// Cycle-to-cycle flow noise, mL/min.
    pub sigma_ml_min: f32,
    /// CUSUM statistic and threshold (standardized).
    pub cusum: (f32, f32),
    /// Whether an ejection is in progress.
    pub in_ejection: bool,
    /// Milk volume measured through the sensor so far, mL.
    pub volume_ml: f32,
    /// Latest windowed spectra of pressure and flow.
    pub spectral: SpectralFeatures,
}

/// The letdown detector for one pumping session.
#[derive(Clone, Debug)]
pub struct Engine {
    config: EngineConfig,
    index: u64,
    pressure: Sanitizer,
    flow: Sanitizer,
    over_vacuum_mmhg: f32,
    clear_samples: u32,
    suspect_repeats: u32,
    clear_count: u32,
    safety: Option<Reason>,
    decimator: Decimator,
    /// The analysis rate after decimation, Hz (not the input rate).
    internal_rate_hz: f32,
    flow_lowpass: Section,
    flow_primed: bool,
    tracker: CycleTracker,
    features: FlowFeatures,
    spectral: SpectralMonitor,
    detector: EjectionDetector,
    session: SessionMachine,
    last_cycle: Option<Cycle>,
    last_block: Option<BlockFeatures>,
    volume_ml: f32,
    queue: [Option<Event>; QUEUE_LEN],
    stats: EngineStats,
}

impl Engine {
    /// Inlined into [`EngineConfig::build`] (see there: the engine is built in place).
    #[inline(always)]
    pub(crate) fn from_valid(config: EngineConfig) -> Self {
        let rate = config.sample_rate_hz;
        let factor = decimate::factor_for(rate);
        let fs = rate / factor as f32;
        let stuck = (config.stuck_s * rate) as u32;
        let pass = biquad::Coefficients {
            a1: 0.0,
            a2: 0.0,
            b0: 1.0,
            b1: 0.0,
            b2: 0.0,
        };
        let flow_lp = filter::design(Kind::LowPass, fs, filter::FLOW_LOWPASS_HZ).unwrap_or(pass);
        let expected_cycle = (fs * 60.0 / config.stimulation_rate_cpm) as u32;
        Self {
            config,
            index: 0,
            pressure: Sanitizer::new(ChannelLimits::PRESSURE_MMHG, stuck),
            flow: Sanitizer::new(
                ChannelLimits::FLOW_ML_MIN.with_no_flow_below(config.min_flow_ml_min),
                stuck,
            ),
            over_vacuum_mmhg: config.max_vacuum_mmhg,
            clear_samples: ((FAULT_CLEAR_S * rate) as u32).max(1),
            suspect_repeats: (SUSPECT_REPEAT_S * rate) as u32,
            clear_count: 0,
            safety: None,
            decimator: Decimator::new(factor),
            internal_rate_hz: fs,
            flow_lowpass: Section::new(flow_lp),
            flow_primed: false,
            tracker: CycleTracker::new(fs),
            features: FlowFeatures::new(fs, expected_cycle),
            spectral: SpectralMonitor::new(fs),
            detector: EjectionDetector::new(config.min_flow_ml_min, config.false_alarms_per_hour)
                .with_tests(config.detector_tests),
            session: SessionMachine::new(&config),
            last_cycle: None,
            last_block: None,
            volume_ml: 0.0,
            queue: [None; QUEUE_LEN],
            stats: EngineStats::default(),
        }
    }

    /// The validated configuration this engine runs with.
    pub fn config(&self) -> &EngineConfig {
        &self.config
    }

    /// The user's settings the hints follow and the over-vacuum limit (DESIGN §5).
    pub fn user_settings(&self) -> UserSettings {
        self.session.user_settings()
    }

    /// Takes the user's new settings while the engine runs (the firmware calls this when
    /// the mother changes her comfort level): from the next sample on, every hint asks for
    /// them (an event still waiting from an earlier sample too) and vacuum beyond the new
    /// maximum pauses the pump. Refused with the first field out of range, and then
    /// nothing changes. No allocation, no hint for the change itself (the firmware that
    /// made it applies it); [`config`](Self::config) reports the new values.
    pub fn set_user_settings(&mut self, settings: UserSettings) -> Result<(), SettingsError> {
        settings.validate()?;
        self.config = self.config.with_user_settings(settings);
        self.over_vacuum_mmhg = settings.max_vacuum_mmhg;
        self.session.set_user_settings(settings);
        // An event still waiting (two fell on one sample) was made with the old targets:
        // it leaves with the new ones, so no hint goes beyond her new maximum (DESIGN §5).
        for waiting in self.queue.iter_mut().flatten() {
            if let Some(old) = waiting.hint {
                let hint =
                    self.session
                        .hint(old.sample_index, old.mode, old.reason, old.confidence);
                waiting.hint = Some(ControlHint {
                    cue: old.cue,
                    ..hint
                });
            }
        }
        Ok(())
    }

    /// Index of the next sample to be processed (= samples seen so far).
    pub fn sample_index(&self) -> u64 {
        self.index
    }

    /// Internal (decimated) analysis rate, Hz.
    pub fn internal_rate_hz(&self) -> f32 {
        self.internal_rate_hz
    }

    /// Counters of rejected, missing and dropped data.
    pub fn stats(&self) -> EngineStats {
        self.stats
    }

    /// The milk-ejection detector, for tracing its decisions (feature `internals`: not a
    /// stable API).
    #[cfg(feature = "internals")]
    pub fn detector(&self) -> &crate::detector::EjectionDetector {
        &self.detector
    }

    /// What the engine currently sees.
    pub fn snapshot(&self) -> Snapshot {
        Snapshot {
            mode: if self.session.is_paused() {
                Mode::Pause
            } else {
                self.session.mode()
            },
            last_cycle: self.last_cycle,
            last_block: self.last_block,
            flow_ml_min: self.detector.flow_ml_min(),
            baseline_ml_min: self.detector.baseline_ml_min(),
            sigma_ml_min: self.detector.sigma_ml_min(),
            cusum: self.detector.cusum(),
            in_ejection: self.detector.in_ejection(),
            volume_ml: self.volume_ml,
            spectral: self.spectral.latest(),
        }
    }

    /// Processes one sample; returns the event this sample completes, if any.
    ///
    /// Safety acts at this very sample: vacuum beyond the configured maximum, or a reading
    /// that is NaN, ±∞, impossible or stuck, returns a pause hint from this call, ahead of
    /// any event still waiting (which then comes without its hint: the pause outranks
    /// it). When two events fall on one sample (rare: a safety pause and a cycle's
    /// detection), the second is returned by the next call, with its own sample index.
    pub fn process(&mut self, sample: Sample) -> Option<Event> {
        let index = self.index;
        self.index = self.index.saturating_add(1);
        self.stats.samples = self.stats.samples.saturating_add(1);

        let p = self.pressure.process(sample.pressure_mmhg);
        let f = self.flow.process(sample.flow_ml_min);
        self.stats.pressure_faults += u64::from(p.fault.is_some());
        self.stats.flow_faults += u64::from(f.fault.is_some());
        let over = p.fault.is_none() && p.value < self.over_vacuum_mmhg;
        self.stats.over_vacuum_samples += u64::from(over);
        let valid = p.fault.is_none() && f.fault.is_none();

        let unsafe_reason = if over {
            Some(Reason::OverVacuum)
        } else if !valid {
            Some(Reason::SensorFault)
        } else {
            None
        };
        self.safety_step(index, unsafe_reason);
        if self.flow.repeats() > self.suspect_repeats {
            self.features.mark_suspect();
        }

        if let Some(d) =
            self.decimator
                .process(p.value, f.value, p.fault.is_none(), f.fault.is_none())
        {
            self.on_decimated(index, d);
        }
        self.pop()
    }

    /// Processes a block; the same events as calling [`process`](Self::process) per
    /// sample, delivered in order to `on_event`.
    pub fn process_block(&mut self, samples: &[Sample], mut on_event: impl FnMut(Event)) {
        for &s in samples {
            if let Some(e) = self.process(s) {
                on_event(e);
            }
        }
    }

    /// Reports `missing` samples that never arrived (a gap in the stream). The engine
    /// cannot see the pump during a gap, so the first missing sample raises a stale-data
    /// pause; pumping resumes after the usual clear time of good data. A run of identical
    /// readings goes on across the gap (a sensor frozen before it and after it is stuck).
    ///
    /// A gap longer than [`MAX_GAP_SAMPLES`] counts as that long: no stream has one, and
    /// the sample index, on which every timer counts, must never saturate (a count gone
    /// negative in the caller's arithmetic arrives as nearly 2⁶⁴). With `missing` 0
    /// nothing is processed and the next event still waiting, if any, is returned: the
    /// way to take the events a stream's last samples left behind.
    pub fn process_gap(&mut self, missing: u64) -> Option<Event> {
        if missing == 0 {
            return self.pop();
        }
        let missing = missing.min(MAX_GAP_SAMPLES);
        let index = self.index;
        self.index = self.index.saturating_add(missing);
        self.stats.samples = self.stats.samples.saturating_add(missing);
        self.stats.missing_samples = self.stats.missing_samples.saturating_add(missing);
        self.safety_step(index, Some(Reason::StaleData));
        self.decimator.invalidate();
        self.tracker.gap();
        self.features.disarm();
        self.pop()
    }

    fn safety_step(&mut self, index: u64, unsafe_reason: Option<Reason>) {
        match (unsafe_reason, self.safety) {
            (Some(reason), None) => {
                self.safety = Some(reason);
                self.clear_count = 0;
                self.pause(index, reason);
            }
            (Some(reason), Some(current)) => {
                self.clear_count = 0;
                // Over-vacuum outranks a sensor fault: say so when it appears.
                if reason == Reason::OverVacuum && current != Reason::OverVacuum {
                    self.safety = Some(reason);
                    self.pause(index, reason);
                }
            }
            (None, Some(_)) => {
                self.clear_count += 1;
                if self.clear_count >= self.clear_samples {
                    self.safety = None;
                    let e = self.session.resume(index);
                    self.push(e);
                }
            }
            (None, None) => {}
        }
    }

    fn on_decimated(&mut self, index: u64, d: Decimated) {
        let (pressure, flow) = (d.pressure_mmhg, d.flow_ml_min);
        if !self.flow_primed {
            self.flow_lowpass.settle(flow);
            self.flow_primed = true;
        }
        if !d.pressure_valid {
            // The pump's cycle cannot be followed through a pressure fault or a gap.
            self.tracker.gap();
            self.features.disarm();
        } else if !d.flow_valid {
            // Only the flow sensor failed: the pump, which the pressure shows, kept
            // pumping, so its cycle goes on (no stop, and no restart's surge after it),
            // with its flow unusable (as while the flow repeats one value: no partial-cycle
            // test fires in it) and no volume counted for the readings the sanitizer held.
            self.features.mark_unread();
        }
        let flow = self.flow_lowpass.process(flow);
        if self.features.process(flow) {
            if let Some(d) = self.detector.partial_onset() {
                let e = self.session.on_detection(index, d);
                self.push(e);
            }
        }
        self.spectral.process(pressure, flow);
        if let Some(cycle) = self.tracker.process(pressure) {
            self.on_cycle(index, cycle);
        }
        if let Some(e) = self.session.tick(index) {
            self.push(e);
        }
    }

    fn on_cycle(&mut self, index: u64, cycle: Cycle) {
        let features = self.features.close();
        self.last_block = Some(features);
        if cycle.pumping {
            self.features.expect_len(cycle.len);
            self.stats.cycles += 1;
            self.last_cycle = Some(cycle);
            if features.volume_ml.is_finite() {
                self.volume_ml += features.volume_ml.max(0.0);
            }
            if features.rejected_fraction > crate::detector::MAX_REJECTED_FRACTION {
                self.stats.artefact_cycles += 1;
            }
        }
        let dt = cycle.len as f32 / self.internal_rate_hz;
        let detection = self.detector.process(&cycle, &features, dt);
        if cycle.pumping {
            let d = &self.detector;
            let clean = features.rejected_fraction == 0.0;
            let flow = CycleFlow {
                baseline_ml_min: d.baseline_ml_min(),
                flow_ml_min: d.flow_ml_min(),
                in_ejection: d.in_ejection(),
                at_zero_flow: d.at_zero_flow(),
                pump_changed: d.holds_for_pump_change(),
                pulsation_ml_min: if clean {
                    features.pulsation_ml_min
                } else {
                    f32::NAN
                },
                transfer: d.milk_transfer(),
                teaches_transfer: d.teaches_transfer(),
            };
            self.session.note_flow(index, &flow);
        }
        let (lo, hi) = self.detector.band();
        self.features.set_band(lo, hi);
        if let Some(test) = self.detector.partial_test() {
            self.features.arm(test);
        }
        if let Some(d) = detection {
            let e = self.session.on_detection(index, d);
            self.push(e);
        }
    }

    fn push(&mut self, e: Event) {
        match self.queue.iter_mut().find(|slot| slot.is_none()) {
            Some(slot) => *slot = Some(e),
            None => self.stats.events_dropped += 1,
        }
    }

    /// Sends a safety pause for `reason` at sample `index`, ahead of any event still
    /// waiting from an earlier sample, so it leaves with this very call (DESIGN §5: within
    /// one sample). The waiting events follow it with their hints withdrawn: each was
    /// made before the pause and would tell the controller to pump again (the resume
    /// hint, once the fault clears, gives the mode to return to); the events themselves
    /// stay, with their own, earlier sample indices. With the queue full, the last
    /// waiting event is the one dropped (and counted), never the pause. Cold: a pause is
    /// rare, and inlined into the per-sample path the queue's shift cost up to 11
    /// instructions per sample there (callgrind, `engine/ffi/measure.sh`).
    #[cold]
    #[inline(never)]
    fn pause(&mut self, index: u64, reason: Reason) {
        let e = self.session.pause(index, reason);
        if self.queue[QUEUE_LEN - 1].is_some() {
            self.stats.events_dropped += 1;
        }
        for waiting in self.queue.iter_mut().flatten() {
            waiting.hint = None;
        }
        self.queue.rotate_right(1);
        self.queue[0] = Some(e);
    }

    #[inline]
    fn pop(&mut self) -> Option<Event> {
        // Almost always empty: keep the common path to one comparison.
        self.queue[0]?;
        let first = self.queue[0].take();
        self.queue.rotate_left(1);
        first
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::event::EventKind;

    /// An engine after 2 s of a steady vacuum with `n` events left waiting from earlier
    /// samples (as after two or more on one sample), each carrying a hint, and those
    /// events; the first event a reading beyond the maximum vacuum then returns must be
    /// the pause.
    fn pause_behind(n: usize) -> (Engine, Vec<Event>) {
        let mut engine = EngineConfig::new(100.0).build().expect("default config");
        for _ in 0..200 {
            engine.process(Sample::new(-50.0, 0.0));
        }
        let waiting: Vec<Event> = (0..n as u64)
            .map(|k| engine.session.resume(engine.sample_index() - 1 - k))
            .collect();
        for &e in &waiting {
            assert!(e.hint.is_some(), "{e:?}");
            engine.push(e);
        }
        let over = engine.config().max_vacuum_mmhg - 10.0;
        let first = engine.process(Sample::new(over, 0.0)).expect("an event");
        assert_eq!(first.reason, Reason::OverVacuum, "{first:?}");
        assert!(matches!(first.kind, EventKind::Hint), "{first:?}");
        (engine, waiting)
    }

    #[test]
    fn a_safety_pause_leaves_ahead_of_events_still_waiting_and_withdraws_their_hints() {
        let (mut engine, waiting) = pause_behind(2);
        let over = engine.config().max_vacuum_mmhg - 10.0;
        for w in waiting {
            let e = engine
                .process(Sample::new(over, 0.0))
                .expect("the waiting event");
            assert_eq!(e.sample_index, w.sample_index, "in order");
            assert_eq!(
                (e.reason, e.hint),
                (w.reason, None),
                "no hint to pump again"
            );
        }
        assert_eq!(engine.process(Sample::new(over, 0.0)), None);
        assert_eq!(engine.stats().events_dropped, 0);
    }

    #[test]
    fn a_safety_pause_into_a_full_queue_drops_the_last_waiting_event() {
        let (engine, _) = pause_behind(QUEUE_LEN);
        assert_eq!(engine.stats().events_dropped, 1, "counted, not silent");
    }
}

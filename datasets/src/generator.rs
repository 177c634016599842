//! The streaming session generator: mother, pump, milk path, sensors and faults tied
//! together, one sample at a time.
//!
//! Two clocks: the sample clock (the session's rate, 100 Hz – 10 kHz) drives the pump
//! waveform, the pulsatile removal of milk, the tubing and the sensors; a physiology tick
//! of ~10 ms (every `max(1, round(rate/100))` samples) drives the reflex, the ejections'
//! release into the ducts, user actions, the pump program, the sensor's drift and gain, and
//! the labels. Memory does not grow with the session's length except by a few bytes per
//! ejection.

use crate::ejection::Envelope;
use crate::faults::{self, FaultKind, FaultSet, FaultTimeline};
use crate::flow_variation::{Trickle, Wobble};
use crate::ground_truth::{OwnFlow, SensorPath, MAX_WINDOW_S};
use crate::labels::Ejection;
use crate::milk::{removal_rate_per_s, DuctStore, START_SHARE, TRICKLE_SHARE};
use crate::mother::{Mother, MotherId, SessionPhysiology};
use crate::phenomena::{Phenomenon, PhenomenonSet, Presence};
use crate::profile::Profile;
use crate::program::{ProgramClock, PumpProgram};
use crate::pump::{Command, Pump, PumpSettings, WaveShape, RATE_LIMITS_CPM};
use crate::random::{self, SimRng, Stream};
use crate::reflex::{stimulation_strength, CueEffect, Reflex};
use crate::sensor::{clip_flow, clip_pressure, quantise, Hold, SensorParams, Smoother, Tubing};
use crate::user::{self, UserAction, UserEvent};
use core::fmt;
use letdown_engine::{ControlHint, Mode, Sample, SampleSource, SourceItem};

/// Allowed sample rates, Hz (DESIGN §2).
pub const RATE_RANGE_HZ: (f64, f64) = (100.0, 10_000.0);
/// Longest session, minutes (24 h).
pub const MAX_MINUTES: f64 = 1440.0;
/// Physiology tick, s (approximately; a whole number of samples).
const TICK_S: f64 = 0.01;

/// Everything that defines a simulated session. Same spec → identical samples and labels.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SessionSpec {
    /// The mother's state ([`Profile::Mix`] is resolved from `seed`).
    pub profile: Profile,
    /// Sample rate of both channels, Hz (100 … 10 000).
    pub rate_hz: f64,
    /// Session length, minutes (> 0, ≤ 1440).
    pub minutes: f64,
    /// Faults to inject.
    pub faults: FaultSet,
    /// How the pump decides its phase.
    pub program: PumpProgram,
    /// Seed of everything session-level.
    pub seed: u64,
    /// The mother; `None` = a mother derived from the seed ([`MotherId::for_session`]).
    pub mother: Option<MotherId>,
    /// The everyday phenomena of real sessions that may happen (duct milk, trickle,
    /// wobble, user actions, sensor drift, gain steps, spikes, bubbles, slow and smoothing
    /// sensors: [`crate::phenomena`]), each in its own fraction of sessions. Default: all
    /// of them (the "messy" default); [`PhenomenonSet::NONE`] gives clean sessions
    /// (faults asked for in `faults` still happen).
    pub phenomena: PhenomenonSet,
    /// Every phenomenon of [`phenomena`](Self::phenomena) happens in every session, not
    /// only in its fraction (the stress table). Default `false`.
    pub phenomena_in_every_session: bool,
    /// How a hint's cue acts on the reflex (closed loop): a simulator assumption,
    /// [`CueEffect::AS_CITED`] by default, [`CueEffect::NONE`] to measure without it.
    pub cue_effect: CueEffect,
    /// The pump's expression rhythm, cycles/min; `None` = drawn per session within
    /// 45–78 cpm (DESIGN §1). Set, it must lie within the pump rhythms DESIGN §2 allows
    /// (24 … 130 cpm): a pump set slower than most is a family of its own for
    /// the detector, which decides once per pump cycle. The other draws stay the seed's.
    pub expression_rate_cpm: Option<f64>,
}

impl SessionSpec {
    /// Defaults: typical mother, 1000 Hz, 15 minutes, 2-minute timer pump, no faults,
    /// every everyday phenomenon at its own rate, the seed's own mother.
    pub fn new(seed: u64) -> Self {
        Self {
            profile: Profile::Typical,
            rate_hz: 1000.0,
            minutes: 15.0,
            faults: FaultSet::NONE,
            program: PumpProgram::default(),
            seed,
            mother: None,
            phenomena: PhenomenonSet::all(),
            phenomena_in_every_session: false,
            cue_effect: CueEffect::AS_CITED,
            expression_rate_cpm: None,
        }
    }

    /// Sets [`profile`](Self::profile).
    pub fn with_profile(mut self, profile: Profile) -> Self {
        self.profile = profile;
        self
    }
    /// Sets [`rate_hz`](Self::rate_hz).
    pub fn with_rate_hz(mut self, rate_hz: f64) -> Self {
        self.rate_hz = rate_hz;
        self
    }
    /// Sets [`minutes`](Self::minutes).
    pub fn with_minutes(mut self, minutes: f64) -> Self {
        self.minutes = minutes;
        self
    }
    /// Sets [`faults`](Self::faults).
    pub fn with_faults(mut self, faults: FaultSet) -> Self {
        self.faults = faults;
        self
    }
    /// Sets [`program`](Self::program).
    pub fn with_program(mut self, program: PumpProgram) -> Self {
        self.program = program;
        self
    }
    /// Sets [`mother`](Self::mother).
    pub fn with_mother(mut self, mother: MotherId) -> Self {
        self.mother = Some(mother);
        self
    }
    /// `true`: every everyday phenomenon at its own rate (the default); `false`: none
    /// (clean sessions). Sets [`phenomena`](Self::phenomena).
    pub fn with_messy(self, messy: bool) -> Self {
        self.with_phenomena(if messy {
            PhenomenonSet::all()
        } else {
            PhenomenonSet::NONE
        })
    }
    /// Sets [`phenomena`](Self::phenomena).
    pub fn with_phenomena(mut self, phenomena: PhenomenonSet) -> Self {
        self.phenomena = phenomena;
        self
    }
    /// Sets [`phenomena_in_every_session`](Self::phenomena_in_every_session).
    pub fn with_phenomena_in_every_session(mut self, every_session: bool) -> Self {
        self.phenomena_in_every_session = every_session;
        self
    }

    /// Whether any everyday phenomenon may happen (the opposite of a clean session).
    pub fn is_messy(&self) -> bool {
        !self.phenomena.is_empty()
    }

    pub(crate) fn presence(&self) -> Presence {
        Presence {
            set: self.phenomena,
            every_session: self.phenomena_in_every_session,
        }
    }
    /// Sets [`cue_effect`](Self::cue_effect).
    pub fn with_cue_effect(mut self, cue_effect: CueEffect) -> Self {
        self.cue_effect = cue_effect;
        self
    }

    /// Sets [`expression_rate_cpm`](Self::expression_rate_cpm).
    pub fn with_expression_rate_cpm(mut self, rate_cpm: f64) -> Self {
        self.expression_rate_cpm = Some(rate_cpm);
        self
    }

    /// Checks the ranges; the first field out of range is returned.
    pub fn validate(&self) -> Result<(), SpecError> {
        if !(RATE_RANGE_HZ.0..=RATE_RANGE_HZ.1).contains(&self.rate_hz) {
            return Err(SpecError::RateHz);
        }
        if !(self.minutes > 0.0 && self.minutes <= MAX_MINUTES) {
            return Err(SpecError::Minutes);
        }
        if let PumpProgram::Timer { switch_s } = self.program {
            if !(0.0..=3600.0).contains(&switch_s) {
                return Err(SpecError::TimerSwitch);
            }
        }
        if !self.cue_effect.is_valid() {
            return Err(SpecError::CueEffect);
        }
        let (slowest, fastest) = RATE_LIMITS_CPM;
        if let Some(rate) = self.expression_rate_cpm {
            if !(slowest..=fastest).contains(&rate) {
                return Err(SpecError::ExpressionRate);
            }
        }
        Ok(())
    }

    /// Session length, s.
    pub fn duration_s(&self) -> f64 {
        self.minutes * 60.0
    }

    /// Number of samples the session holds.
    pub fn sample_count(&self) -> u64 {
        (self.duration_s() * self.rate_hz).round().max(0.0) as u64
    }

    /// The mother of this session.
    pub fn mother_id(&self) -> MotherId {
        self.mother
            .unwrap_or_else(|| MotherId::for_session(self.seed))
    }
}

/// Why a [`SessionSpec`] was refused.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum SpecError {
    /// `rate_hz` outside 100 … 10 000 Hz (or not finite).
    RateHz,
    /// `minutes` not in (0, 1440].
    Minutes,
    /// A timer program's `switch_s` outside 0 … 3600 s.
    TimerSwitch,
    /// `cue_effect.fraction` outside 0 … 2 or `cue_effect.duration_s` outside (0, 3600] s.
    CueEffect,
    /// `expression_rate_cpm` outside 24 … 130 cycles/min (or not finite).
    ExpressionRate,
}

impl fmt::Display for SpecError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            SpecError::RateHz => "invalid session spec: rate_hz must be within 100 … 10000 Hz",
            SpecError::Minutes => "invalid session spec: minutes must be > 0 and ≤ 1440",
            SpecError::TimerSwitch => {
                "invalid session spec: timer switch_s must be within 0 … 3600 s"
            }
            SpecError::CueEffect => {
                "invalid session spec: cue_effect fraction must be within 0 … 2 and \
                 duration_s within 0 … 3600 s (above 0)"
            }
            SpecError::ExpressionRate => {
                "invalid session spec: expression_rate_cpm must be within 24 … 130 cycles/min"
            }
        })
    }
}

impl std::error::Error for SpecError {}

/// What really happened at one sample, before the sensors (for tests, plots and
/// debugging; a detector must not use it).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Truth {
    /// Pressure at the breast shield, mmHg.
    pub pressure_mmhg: f32,
    /// Milk flow leaving the nipple, mL/min (pulsatile).
    pub breast_flow_ml_min: f32,
    /// Milk flow through the flow sensor (after transport delay and tubing smoothing,
    /// before gain, offset, noise and faults), mL/min.
    pub sensor_flow_ml_min: f32,
    /// The pump's mode.
    pub mode: Mode,
}

/// One generated sample.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct SimSample {
    /// Sample index (0 = first).
    pub index: u64,
    /// Time since session start, s (`index / rate_hz`).
    pub t_s: f64,
    /// The sensor readings. NaN in both channels when `present` is false.
    pub sample: Sample,
    /// `false` = dropout: the sample never arrived (a writer leaves a time gap).
    pub present: bool,
    /// What really happened.
    pub truth: Truth,
}

impl SimSample {
    /// The sample as the engine's input: a dropout is a gap of this one sample.
    pub fn source_item(&self) -> SourceItem {
        if self.present {
            SourceItem::Sample {
                index: self.index,
                sample: self.sample,
            }
        } else {
            SourceItem::Gap {
                start_index: self.index,
                missing: 1,
            }
        }
    }
}

/// The simulator drives an engine like any session ([`letdown_engine::drive`]); it cannot
/// fail. Each dropout sample reaches the engine as its own one-sample gap, at once, as a
/// pump's firmware would report it.
impl SampleSource for Generator {
    type Error = core::convert::Infallible;

    fn next_item(&mut self) -> Result<Option<SourceItem>, Self::Error> {
        Ok(self.next_sample().map(|s| s.source_item()))
    }
}

/// One ejection of the session.
#[derive(Clone, Debug)]
struct EjectionState {
    envelope: Envelope,
    share: usize,
    own: OwnFlow,
    releasing: bool,
}

/// The session generator. Create with [`Generator::new`], pull samples with
/// [`next_sample`](Self::next_sample) (or iterate), feed hints with
/// [`apply_hint`](Self::apply_hint), read [`labels`](Self::labels) and
/// [`metadata`](Self::metadata).
#[derive(Clone, Debug)]
pub struct Generator {
    spec: SessionSpec,
    profile: Profile,
    mother: Mother,
    physiology: SessionPhysiology,
    initial_settings: PumpSettings,
    settings: PumpSettings,
    sensor: SensorParams,
    user_events: Vec<UserEvent>,
    trickle: Option<Trickle>,
    wobble: Option<Wobble>,
    // Clocks.
    n_samples: u64,
    index: u64,
    dt_s: f64,
    tick_n: u64,
    tick_s: f64,
    tick_countdown: u64,
    duration_s: f64,
    finished: bool,
    // Pump and program.
    pump: Pump,
    program: ProgramClock,
    hint_command: Command,
    hints_in_control: bool,
    last_command: Command,
    running_since_s: f64,
    user_next: usize,
    pause_until_s: f64,
    button_until_s: f64,
    leak_until_s: f64,
    // Mother.
    reflex: Reflex,
    physiology_rng: SimRng,
    ejections: Vec<EjectionState>,
    milk: DuctStore,
    // Sensors.
    tubing: Tubing,
    smoother: Smoother,
    /// The same stages for one ejection's own flow, as each new ejection's label starts
    /// them (at rest).
    label_path: SensorPath,
    hold: Hold,
    noise_rng: SimRng,
    flow_offset: f64,
    flow_gain: f64,
    faults: FaultTimeline,
}

impl Generator {
    /// A generator for `spec` (validated). Draws every session-level parameter now.
    pub fn new(spec: SessionSpec) -> Result<Self, SpecError> {
        spec.validate()?;
        Ok(Self::at_start(spec, SessionDraws::draw(&spec)))
    }

    /// The generator before its first sample: the session's draws `d` in place, the pump
    /// in the program's start mode, every clock at zero and no user action under way.
    fn at_start(spec: SessionSpec, d: SessionDraws) -> Self {
        let (start, hint_command) = start_commands(spec.program, &d.settings);
        let tick_n = ((spec.rate_hz * TICK_S).round() as u64).max(1);
        Self {
            spec,
            profile: d.profile,
            mother: d.mother,
            physiology: d.physiology,
            initial_settings: d.settings,
            settings: d.settings,
            sensor: d.sensor,
            user_events: d.user_events,
            trickle: d.trickle,
            wobble: d.wobble,
            n_samples: spec.sample_count(),
            index: 0,
            dt_s: 1.0 / spec.rate_hz,
            tick_n,
            tick_s: tick_n as f64 / spec.rate_hz,
            tick_countdown: 0,
            duration_s: spec.duration_s(),
            finished: false,
            pump: Pump::new(d.shape, start, d.pump_rng),
            program: d.program,
            hint_command,
            hints_in_control: false,
            last_command: start,
            running_since_s: 0.0,
            user_next: 0,
            pause_until_s: f64::NEG_INFINITY,
            button_until_s: f64::NEG_INFINITY,
            leak_until_s: f64::NEG_INFINITY,
            reflex: Reflex::new(&d.physiology, spec.cue_effect),
            physiology_rng: d.physiology_rng,
            ejections: Vec::new(),
            milk: DuctStore::new(d.physiology.duct_milk_ml),
            tubing: Tubing::new(&d.sensor, spec.rate_hz),
            smoother: Smoother::new(d.sensor.flow_smoothing_tau_s, spec.rate_hz),
            label_path: SensorPath::new(&d.sensor, spec.rate_hz, tick_n as f64 / spec.rate_hz),
            hold: Hold::new(d.sensor.flow_refresh_hz, spec.rate_hz),
            noise_rng: random::stream(spec.seed, Stream::Noise),
            flow_offset: d.sensor.flow_offset_ml_min,
            flow_gain: 1.0,
            faults: FaultTimeline::new(d.episodes),
        }
    }

    /// The next sample, or `None` once the session is complete.
    pub fn next_sample(&mut self) -> Option<SimSample> {
        if self.index >= self.n_samples {
            self.finish();
            return None;
        }
        let index = self.index;
        let t_s = index as f64 / self.spec.rate_hz;
        self.tick_if_due(t_s);

        self.faults.advance(t_s);
        let artefacts = self.faults.any_active();
        let pressure = self.shield_pressure(t_s, artefacts);
        let breast = self.breast_flow_ml_min(pressure);
        let at_sensor = self.tubing.step(breast);
        let sensed = self.smoother.step(at_sensor);
        let mut flow = self.flow_reading(t_s, sensed, artefacts);
        let mut p = self.pressure_reading(t_s, pressure, artefacts);
        let present = !artefacts || self.faults.hard(&mut p, &mut flow);
        if !present {
            p = f32::NAN;
            flow = f32::NAN;
        }

        self.index += 1;
        if self.index == self.n_samples {
            self.finish();
        }
        Some(SimSample {
            index,
            t_s,
            sample: Sample::new(p, flow),
            present,
            truth: Truth {
                pressure_mmhg: pressure as f32,
                breast_flow_ml_min: breast as f32,
                sensor_flow_ml_min: at_sensor as f32,
                mode: self.pump.mode(),
            },
        })
    }

    /// Follows a control hint from the next sample on (closed loop). The first hint hands
    /// the pump to the hints for the rest of the session, whatever the program. A hint's
    /// cue acts on the mother's reflex. Non-finite targets are refused by the simulated
    /// controller (the pump keeps its previous targets); finite ones are clamped to
    /// −300 … −30 mmHg and 24 … 130 cpm. A user's own pause still wins while it lasts.
    pub fn apply_hint(&mut self, hint: &ControlHint) {
        let now = self.index as f64 * self.dt_s;
        if let Some(cue) = hint.cue {
            self.reflex.apply_cue(cue, now);
        }
        let cmd = if hint.mode == Mode::Pause {
            Command {
                mode: Mode::Pause,
                vacuum_mmhg: 0.0,
                rate_cpm: 0.0,
                ramp_cycles: 0,
            }
        } else {
            let v = f64::from(hint.target_vacuum_mmhg);
            let r = f64::from(hint.rate_cpm);
            if !(v.is_finite() && r.is_finite() && r > 0.0) {
                return;
            }
            Command {
                mode: hint.mode,
                vacuum_mmhg: v,
                rate_cpm: r,
                ramp_cycles: hint.ramp_cycles,
            }
        };
        self.hint_command = cmd;
        self.hints_in_control = true;
        self.update_pump(now);
    }

    /// The labelled ejections so far, in time order. Complete once the last sample has
    /// been generated; before that, an ongoing ejection's `end_s` is the session's end.
    pub fn labels(&self) -> Vec<Ejection> {
        self.ejections
            .iter()
            .map(|e| e.own.label(self.duration_s))
            .collect()
    }

    /// The session's parameters as `(key, value)` pairs for the session file's
    /// `# key: value` header. The first is `sample_rate_hz`.
    pub fn metadata(&self) -> Vec<(String, String)> {
        let mut v: Vec<(&str, String)> = vec![
            ("sample_rate_hz", fmt_num(self.spec.rate_hz)),
            ("source", "letdown-datasets simulator".to_string()),
            ("profile", self.profile.to_string()),
        ];
        if self.spec.profile != self.profile {
            v.push(("profile_requested", self.spec.profile.to_string()));
        }
        v.extend(self.spec_metadata());
        v.extend(self.pump_and_mother_metadata());
        v.extend(self.milk_metadata());
        v.extend(self.sensor_metadata());
        v.extend([
            ("user_events", user::describe(&self.user_events)),
            ("fault_episodes", faults::describe(self.faults.episodes())),
        ]);
        v.into_iter().map(|(k, v)| (k.to_string(), v)).collect()
    }

    /// What the session was asked for: seed, mother, length, program, faults, phenomena.
    fn spec_metadata(&self) -> [(&'static str, String); 8] {
        [
            ("seed", self.spec.seed.to_string()),
            ("mother", self.mother.id.to_string()),
            ("minutes", fmt_num(self.spec.minutes)),
            ("program", self.spec.program.to_string()),
            ("faults", self.spec.faults.to_string()),
            ("phenomena", self.spec.phenomena.to_string()),
            (
                "phenomena_in_every_session",
                self.spec.phenomena_in_every_session.to_string(),
            ),
            ("phenomena_present", self.phenomena_present().to_string()),
        ]
    }

    /// The pump's initial settings and the mother's comfort and peak flow.
    fn pump_and_mother_metadata(&self) -> [(&'static str, String); 6] {
        let st = &self.initial_settings;
        let m = &self.mother;
        [
            (
                "stimulation_vacuum_mmhg",
                format!("{:.1}", st.stimulation_vacuum_mmhg),
            ),
            (
                "stimulation_rate_cpm",
                format!("{:.1}", st.stimulation_rate_cpm),
            ),
            (
                "expression_vacuum_mmhg",
                format!("{:.1}", st.expression_vacuum_mmhg),
            ),
            (
                "expression_rate_cpm",
                format!("{:.1}", st.expression_rate_cpm),
            ),
            (
                "mother_max_comfort_vacuum_mmhg",
                format!("{:.1}", m.max_comfort_vacuum_mmhg),
            ),
            ("mother_peak_flow_g_s", format!("{:.3}", m.peak_flow_g_s)),
        ]
    }

    /// The milk besides the ejections: ductal store, trickle and wobble.
    fn milk_metadata(&self) -> [(&'static str, String); 3] {
        [
            (
                "duct_milk_ml",
                format!("{:.2}", self.physiology.duct_milk_ml),
            ),
            (
                "trickle",
                self.trickle.map_or_else(
                    || "none".to_string(),
                    |t| {
                        format!(
                            "{:.2}mL/min±{:.0}%/{:.0}s",
                            t.level_ml_min,
                            t.depth * 100.0,
                            t.period_s
                        )
                    },
                ),
            ),
            (
                "wobble",
                self.wobble.map_or_else(
                    || "none".to_string(),
                    |w| {
                        format!(
                            "±{:.0}%/{:.0}s+{:.0}s",
                            w.depth * 100.0,
                            w.periods_s[0],
                            w.periods_s[1]
                        )
                    },
                ),
            ),
        ]
    }

    /// The sensors: transport, noise, quantum, offset, drift, refresh, smoothing, gain.
    fn sensor_metadata(&self) -> [(&'static str, String); 12] {
        let s = &self.sensor;
        [
            ("transport_delay_s", format!("{:.3}", s.transport_delay_s)),
            ("compliance_tau_s", format!("{:.3}", s.compliance_tau_s)),
            ("flow_noise_ml_min", format!("{:.3}", s.flow_noise_ml_min)),
            ("flow_quantum_ml_min", fmt_num(s.flow_quantum_ml_min)),
            ("flow_offset_ml_min", format!("{:.3}", s.flow_offset_ml_min)),
            ("flow_drift_ml_min", format!("{:.3}", s.flow_drift_ml_min)),
            (
                "flow_refresh_hz",
                s.flow_refresh_hz
                    .map_or_else(|| "sample_rate".to_string(), fmt_num),
            ),
            (
                "flow_smoothing_tau_s",
                s.flow_smoothing_tau_s
                    .map_or_else(|| "none".to_string(), |t| format!("{t:.3}")),
            ),
            (
                "flow_gain_shift",
                s.gain_shift.map_or_else(
                    || "none".to_string(),
                    |g| format!("x{:.3}@{:.1}s-{:.1}s", g.gain, g.start_s, g.end_s),
                ),
            ),
            (
                "pressure_noise_mmhg",
                format!("{:.3}", s.pressure_noise_mmhg),
            ),
            ("pressure_quantum_mmhg", fmt_num(s.pressure_quantum_mmhg)),
            (
                "pressure_offset_mmhg",
                format!("{:.3}", s.pressure_offset_mmhg),
            ),
        ]
    }

    /// Milk removed from the breast so far (true volume, as of the last ~10 ms), mL.
    pub fn removed_ml(&self) -> f64 {
        self.milk.removed_total_ml()
    }

    /// Milk released into the ducts so far, including what was there at the start, mL.
    /// Never less than [`removed_ml`](Self::removed_ml).
    pub fn released_ml(&self) -> f64 {
        self.milk.released_total_ml()
    }

    /// The pump's current mode.
    pub fn mode(&self) -> Mode {
        self.pump.mode()
    }

    /// The spec the generator was built from.
    pub fn spec(&self) -> &SessionSpec {
        &self.spec
    }

    /// The session's concrete profile ([`Profile::Mix`] resolved).
    pub fn profile(&self) -> Profile {
        self.profile
    }

    /// The session's mother.
    pub fn mother(&self) -> &Mother {
        &self.mother
    }

    /// The session's sensor parameters.
    pub fn sensor_params(&self) -> &SensorParams {
        &self.sensor
    }

    /// The pump settings the session started with (the user may change them).
    pub fn pump_settings(&self) -> &PumpSettings {
        &self.initial_settings
    }

    /// Total number of samples.
    pub fn sample_count(&self) -> u64 {
        self.n_samples
    }

    /// Samples generated so far.
    pub fn samples_generated(&self) -> u64 {
        self.index
    }

    /// Session length, s.
    pub fn duration_s(&self) -> f64 {
        self.duration_s
    }

    /// Whether every sample has been generated.
    pub fn is_finished(&self) -> bool {
        self.finished
    }

    // ---- internals ----

    fn finish(&mut self) {
        if self.finished {
            return;
        }
        self.finished = true;
        self.milk.settle();
        let t = self.n_samples as f64 * self.dt_s;
        self.track(t);
    }

    /// Runs the physiology tick that starts at sample time `t_s` when one is due: at the
    /// first sample, then every `tick_n` samples (~10 ms).
    fn tick_if_due(&mut self, t_s: f64) {
        if self.tick_countdown == 0 {
            self.tick(t_s);
            self.tick_countdown = self.tick_n;
        }
        self.tick_countdown -= 1;
    }

    /// The pump's pressure at the breast shield over this sample, mmHg (negative =
    /// vacuum), after any pump fault active at `t_s` (`artefacts`: some episode is).
    fn shield_pressure(&mut self, t_s: f64, artefacts: bool) -> f64 {
        let pressure = self.pump.step(self.dt_s);
        if artefacts {
            self.faults.pump_pressure(t_s, pressure)
        } else {
            pressure
        }
    }

    /// Milk leaving the nipple over this sample under `pressure` (mmHg), mL/min: the
    /// ducts' milk taken at the rate that vacuum removes it.
    fn breast_flow_ml_min(&mut self, pressure: f64) -> f64 {
        let k = removal_rate_per_s(pressure, self.physiology.removal_scale);
        self.milk.sample_flow_ml_min(k, self.dt_s)
    }

    /// The flow channel at `t_s`, mL/min: a fresh reading of `sensed` (the flow at the
    /// sensing element, mL/min) through gain, offset, noise, artefacts, quantum and range
    /// when the sensor refreshes, else the reading it holds. Draws the flow noise before
    /// [`pressure_reading`](Self::pressure_reading) draws the pressure's.
    fn flow_reading(&mut self, t_s: f64, sensed: f64, artefacts: bool) -> f32 {
        if self.hold.due() {
            let mut f = self.flow_gain * sensed
                + self.flow_offset
                + self.sensor.flow_noise_ml_min * random::normal(&mut self.noise_rng);
            if artefacts {
                f = self.faults.flow_artifacts(t_s, f);
            }
            self.hold
                .set(clip_flow(quantise(f, self.sensor.flow_quantum_ml_min)) as f32);
        }
        self.hold.value()
    }

    /// The pressure channel at `t_s`, mmHg: the shield's `pressure` (mmHg) through the
    /// sensor's offset, noise, artefacts, quantum and range.
    fn pressure_reading(&mut self, t_s: f64, pressure: f64, artefacts: bool) -> f32 {
        let mut p = pressure
            + self.sensor.pressure_offset_mmhg
            + self.sensor.pressure_noise_mmhg * random::normal(&mut self.noise_rng);
        if artefacts {
            p = self.faults.pressure_artifacts(t_s, p);
        }
        clip_pressure(quantise(p, self.sensor.pressure_quantum_mmhg)) as f32
    }

    /// One physiology tick at `t_s` (the start of the tick).
    fn tick(&mut self, t_s: f64) {
        self.milk.settle();
        if self.index > 0 {
            self.track(t_s);
        }
        self.user_actions(t_s);
        self.update_pump(t_s);

        let strength = stimulation_strength(self.pump.mode(), self.pump.cycle_vacuum_mmhg());
        if self
            .reflex
            .step(t_s, self.tick_s, strength, &mut self.physiology_rng)
        {
            let n = self.ejections.len() as u32;
            let envelope = Envelope::draw(t_s, n, &self.physiology, &mut self.physiology_rng);
            let share = self.milk.add_share();
            self.ejections.push(EjectionState {
                envelope,
                share,
                own: OwnFlow::new(t_s, self.tick_s, self.label_path.clone()),
                releasing: true,
            });
        }
        let t_end = t_s + self.tick_s;
        let t_mid = t_s + 0.5 * self.tick_s;
        // The wobble scales all milk released (not what was in the ducts at the start).
        let wobble = self.wobble.map_or(1.0, |w| w.factor(t_mid));
        if let Some(trickle) = self.trickle {
            let first_onset = self.ejections.first().map(|e| e.envelope.onset_s);
            let ml = trickle.release_ml_s(t_mid, first_onset) * self.tick_s;
            self.milk.release(TRICKLE_SHARE, ml * wobble);
        }
        for e in &mut self.ejections {
            if !e.releasing {
                continue;
            }
            let ml = e.envelope.released_ml(t_end) - e.envelope.released_ml(t_s);
            self.milk.release(e.share, ml * wobble);
            if t_end >= e.envelope.release_over_s() {
                // The release has decayed to 0.1 % of its peak: it ends here, smoothly.
                // (The untaken tail is not dumped in one tick: that would be a flow bump
                // no breast makes.)
                e.releasing = false;
            }
        }
        self.flow_offset = self.sensor.flow_offset_at(t_s, self.duration_s);
        self.flow_gain = self.sensor.flow_gain_at(t_s);
    }

    /// Updates the label trackers at `t_s` (after the removal up to `t_s` is settled).
    fn track(&mut self, t_s: f64) {
        let window = self.pump.cycle_period_s().unwrap_or(1.0).min(MAX_WINDOW_S);
        let running = !self.pump.is_paused() && t_s - self.running_since_s >= window;
        for e in &mut self.ejections {
            if e.own.done() {
                continue;
            }
            let release = e.envelope.release_ml_s(t_s) / e.envelope.peak_ml_s;
            let removed = self.milk.removed_ml(e.share);
            e.own
                .tick(t_s, self.tick_s, removed, window, running, release);
        }
    }

    fn user_actions(&mut self, t_s: f64) {
        if self.leak_until_s <= t_s && self.leak_until_s > f64::NEG_INFINITY {
            self.pump.set_leak(0.0);
            self.leak_until_s = f64::NEG_INFINITY;
        }
        while let Some(e) = self.user_events.get(self.user_next).copied() {
            if e.at_s > t_s {
                break;
            }
            self.user_next += 1;
            match e.action {
                UserAction::Pause { duration_s } => self.pause_until_s = t_s + duration_s,
                UserAction::Leak {
                    duration_s,
                    depth_loss,
                } => {
                    self.pump.set_leak(depth_loss);
                    self.leak_until_s = t_s + duration_s;
                }
                UserAction::LetdownButton { duration_s } => {
                    if !self.hints_in_control && self.scheduled_mode(t_s) == Some(Mode::Expression)
                    {
                        self.button_until_s = t_s + duration_s;
                    }
                }
                UserAction::VacuumChange { delta_mmhg } => {
                    if self.hints_in_control {
                        continue;
                    }
                    match self.scheduled_mode(t_s) {
                        Some(Mode::Expression) => {
                            // Never deeper than her comfort (and never beyond −250).
                            let deepest = self.mother.max_comfort_vacuum_mmhg.max(-250.0);
                            self.settings.expression_vacuum_mmhg =
                                (self.settings.expression_vacuum_mmhg + delta_mmhg)
                                    .clamp(deepest, -80.0);
                        }
                        Some(Mode::Stimulation) => {
                            self.settings.stimulation_vacuum_mmhg =
                                (self.settings.stimulation_vacuum_mmhg + delta_mmhg)
                                    .clamp(-150.0, -50.0);
                        }
                        _ => {}
                    }
                }
            }
        }
    }

    fn scheduled_mode(&self, t_s: f64) -> Option<Mode> {
        let first_onset = self.ejections.first().map(|e| e.envelope.onset_s);
        self.program.scheduled_mode(t_s, first_onset)
    }

    fn desired_command(&self, t_s: f64) -> Command {
        if t_s < self.pause_until_s {
            return Command {
                mode: Mode::Pause,
                vacuum_mmhg: 0.0,
                rate_cpm: 0.0,
                ramp_cycles: 0,
            };
        }
        let scheduled = if self.hints_in_control {
            None
        } else {
            self.scheduled_mode(t_s)
        };
        match scheduled {
            None => self.hint_command,
            Some(mut mode) => {
                if t_s < self.button_until_s {
                    mode = Mode::Stimulation;
                }
                let (vacuum_mmhg, rate_cpm) = self.settings.targets(mode);
                // Program switches ramp over 2 cycles (DESIGN §5).
                Command {
                    mode,
                    vacuum_mmhg,
                    rate_cpm,
                    ramp_cycles: 2,
                }
            }
        }
    }

    fn update_pump(&mut self, t_s: f64) {
        let want = self.desired_command(t_s);
        let same = want.mode == self.last_command.mode
            && want.vacuum_mmhg == self.last_command.vacuum_mmhg
            && want.rate_cpm == self.last_command.rate_cpm;
        if same {
            return;
        }
        let was_paused = self.pump.is_paused();
        self.pump.command(want);
        if was_paused && want.mode != Mode::Pause {
            self.running_since_s = t_s;
        }
        self.last_command = want;
    }

    /// The simulated truth behind each ejection so far, in time order (beyond its label).
    pub fn ejection_truth(&self) -> Vec<EjectionTruth> {
        self.ejections
            .iter()
            .map(|e| EjectionTruth {
                onset_s: e.envelope.onset_s,
                rise_s: e.envelope.rise_s,
                decay_s: e.envelope.decay_s,
                peak_release_ml_min: e.envelope.peak_ml_s * 60.0,
                volume_ml: e.envelope.volume_ml(),
                removed_ml: self.milk.removed_ml(e.share),
                peak_own_flow_ml_min: e.own.peak_ml_min(),
            })
            .collect()
    }

    /// Onset of the session's first ejection so far, s.
    pub fn first_onset_s(&self) -> Option<f64> {
        self.ejections.first().map(|e| e.envelope.onset_s)
    }

    /// The everyday phenomena that happen in this session (a subset of the spec's
    /// [`phenomena`](SessionSpec::phenomena): each appears only in its fraction of
    /// sessions, and a user action or artefact scheduled past the session's end does not
    /// count).
    pub fn phenomena_present(&self) -> PhenomenonSet {
        let faults = self.spec.faults;
        let episodes = faults::describe(self.faults.episodes());
        let user = |pick: fn(&UserAction) -> bool| self.user_events.iter().any(|e| pick(&e.action));
        let s = &self.sensor;
        Phenomenon::ALL
            .into_iter()
            .filter(|p| match p {
                Phenomenon::DuctMilk => self.physiology.duct_milk_ml > 0.0,
                Phenomenon::Trickle => self.trickle.is_some(),
                Phenomenon::Wobble => self.wobble.is_some(),
                Phenomenon::VacuumChanges => user(|a| matches!(a, UserAction::VacuumChange { .. })),
                Phenomenon::Pauses => user(|a| matches!(a, UserAction::Pause { .. })),
                Phenomenon::Leaks => user(|a| matches!(a, UserAction::Leak { .. })),
                Phenomenon::Restimulation => {
                    user(|a| matches!(a, UserAction::LetdownButton { .. }))
                }
                // Asked for as faults, these are faults, not phenomena.
                Phenomenon::Drift => {
                    !faults.contains(FaultKind::Drift) && s.flow_drift_ml_min != 0.0
                }
                Phenomenon::Gain => !faults.contains(FaultKind::Gain) && s.gain_shift.is_some(),
                Phenomenon::Spikes => {
                    !faults.contains(FaultKind::Spikes) && episodes.contains("spikes")
                }
                Phenomenon::Bubbles => {
                    !faults.contains(FaultKind::Bubbles) && episodes.contains("bubbles")
                }
                Phenomenon::SlowSensor => {
                    s.flow_quantum_ml_min == crate::sensor::SLOW_SENSOR_QUANTUM_ML_MIN
                }
                Phenomenon::SmoothedSensor => s.flow_smoothing_tau_s.is_some(),
            })
            .collect()
    }

    /// Milk that was in the ducts at the start (not an ejection; no label), mL.
    pub fn initial_duct_milk_ml(&self) -> f64 {
        self.physiology.duct_milk_ml
    }

    /// How much of [`initial_duct_milk_ml`](Self::initial_duct_milk_ml) has been removed, mL.
    pub fn initial_duct_milk_removed_ml(&self) -> f64 {
        self.milk.removed_ml(START_SHARE)
    }
}

/// The simulated truth behind one ejection.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct EjectionTruth {
    /// Start of its release, s (its label's `onset_s`).
    pub onset_s: f64,
    /// Rise time of the release, s (10–30).
    pub rise_s: f64,
    /// Decay time constant of the release, s.
    pub decay_s: f64,
    /// Peak release from the alveoli, mL/min.
    pub peak_release_ml_min: f64,
    /// Total volume it releases, mL.
    pub volume_ml: f64,
    /// Its own volume removed so far, mL.
    pub removed_ml: f64,
    /// Its own peak cycle-averaged flow at the breast so far (while the pump ran), mL/min.
    pub peak_own_flow_ml_min: f64,
}

impl Iterator for Generator {
    type Item = SimSample;

    fn next(&mut self) -> Option<SimSample> {
        self.next_sample()
    }
}

/// Every session-level parameter of a session, drawn once before its first sample. Each
/// part draws from its own stream of the seed ([`random`]), so the order of the parts
/// does not matter, but the order of the draws within each does.
struct SessionDraws {
    profile: Profile,
    mother: Mother,
    physiology: SessionPhysiology,
    /// The physiology's stream after its session draws: the reflex and the ejections
    /// draw from it as the session runs.
    physiology_rng: SimRng,
    settings: PumpSettings,
    shape: WaveShape,
    /// The pump's stream after the settings and wave shape: the pump's per-cycle jitter
    /// draws from it.
    pump_rng: SimRng,
    program: ProgramClock,
    user_events: Vec<UserEvent>,
    sensor: SensorParams,
    episodes: Vec<faults::Episode>,
    trickle: Option<Trickle>,
    wobble: Option<Wobble>,
}

impl SessionDraws {
    /// The draws of `spec` (validated).
    fn draw(spec: &SessionSpec) -> Self {
        let seed = spec.seed;
        let profile = spec.profile.resolve(seed);
        let mother = Mother::new(spec.mother_id());
        let duration_s = spec.duration_s();
        let presence = spec.presence();
        let mut physiology_rng = random::stream(seed, Stream::Physiology);
        let physiology = SessionPhysiology::draw(&mother, profile, presence, &mut physiology_rng);
        let mut pump_rng = random::stream(seed, Stream::Pump);
        let mut settings = PumpSettings::draw(mother.max_comfort_vacuum_mmhg, &mut pump_rng);
        if let Some(rate_cpm) = spec.expression_rate_cpm {
            settings.expression_rate_cpm = rate_cpm;
        }
        let shape = WaveShape::draw(&mut pump_rng);
        let mut user_rng = random::stream(seed, Stream::User);
        let program = ProgramClock::new(spec.program, &mother, &mut user_rng);
        let user_events = user::schedule(&mut user_rng, duration_s, spec.program, presence);
        let mut sensor_rng = random::stream(seed, Stream::Sensor);
        let sensor = SensorParams::draw(
            &mut sensor_rng,
            spec.rate_hz,
            duration_s,
            spec.faults,
            presence,
        );
        let mut fault_rng = random::stream(seed, Stream::Faults);
        let mut demanded_rng = random::stream(seed, Stream::DemandedFaults);
        let episodes = faults::schedule(
            &mut fault_rng,
            &mut demanded_rng,
            duration_s,
            spec.faults,
            presence,
        );
        let (trickle, wobble) = draw_milk_phenomena(seed, presence);
        Self {
            profile,
            mother,
            physiology,
            physiology_rng,
            settings,
            shape,
            pump_rng,
            program,
            user_events,
            sensor,
            episodes,
            trickle,
            wobble,
        }
    }
}

/// A number without needless decimals (1000 → "1000", 0.05 → "0.05").
fn fmt_num(x: f64) -> String {
    format!("{x}")
}

/// Trickle and wobble: each in half of the sessions (`phenomena.rs`), drawn from their own
/// stream; `None` where the session has none.
fn draw_milk_phenomena(seed: u64, presence: Presence) -> (Option<Trickle>, Option<Wobble>) {
    let mut phenomena_rng = random::stream(seed, Stream::Phenomena);
    let has_trickle = random::chance(&mut phenomena_rng, Phenomenon::Trickle.session_fraction());
    let trickle = Trickle::draw(&mut phenomena_rng);
    let has_wobble = random::chance(&mut phenomena_rng, Phenomenon::Wobble.session_fraction());
    let wobble = Wobble::draw(&mut phenomena_rng);
    let trickle = presence
        .occurs(Phenomenon::Trickle, has_trickle)
        .then_some(trickle);
    let wobble = presence
        .occurs(Phenomenon::Wobble, has_wobble)
        .then_some(wobble);
    (trickle, wobble)
}

/// The pump's first command (the program's start mode) and the stimulation command the
/// engine's hints start from.
fn start_commands(program: PumpProgram, settings: &PumpSettings) -> (Command, Command) {
    let start_mode = match program {
        PumpProgram::ExpressionOnly => Mode::Expression,
        PumpProgram::Timer { switch_s } if switch_s <= 0.0 => Mode::Expression,
        _ => Mode::Stimulation,
    };
    let (v, r) = settings.targets(start_mode);
    let start = Command {
        mode: start_mode,
        vacuum_mmhg: v,
        rate_cpm: r,
        ramp_cycles: 0,
    };
    let (sv, sr) = settings.targets(Mode::Stimulation);
    let hint_command = Command {
        mode: Mode::Stimulation,
        vacuum_mmhg: sv,
        rate_cpm: sr,
        ramp_cycles: 0,
    };
    (start, hint_command)
}

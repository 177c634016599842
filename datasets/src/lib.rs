//! letdown-datasets: the physiological pumping-session simulator, the bundled labelled
//! sessions, and scoring of detections against labels (DESIGN §6).
//!
//! # Simulating a session (entry points)
//! ```
//! use letdown_datasets::{
//!     Generator, SessionSpec, Profile, FaultSet, PhenomenonSet, PumpProgram, session_name,
//! };
//!
//! // What a CLI parses: `--profile typical|relaxed|stressed|no-letdown|mix`,
//! // `--faults nan,stuck` (or `all` / `none`), `--program timer|timer:90|button|expression-only`,
//! // `--phenomena trickle,wobble` (or `all`, the default / `none`).
//! let spec = SessionSpec::new(42)
//!     .with_profile("mix".parse::<Profile>().unwrap())
//!     .with_faults("spikes,bubbles".parse::<FaultSet>().unwrap())
//!     .with_phenomena("duct-milk,trickle,wobble,slow-sensor".parse::<PhenomenonSet>().unwrap())
//!     .with_program("timer:120".parse::<PumpProgram>().unwrap())
//!     .with_rate_hz(100.0)
//!     .with_minutes(0.5);
//! let name = session_name(&spec); // "sim-…": NAME.csv and NAME.labels.csv
//! let mut gen = Generator::new(spec).unwrap();
//! let header = gen.metadata(); // `# key: value` lines; the first is sample_rate_hz
//! assert_eq!(header[0].0, "sample_rate_hz");
//! while let Some(s) = gen.next_sample() {
//!     if s.present {
//!         // write s.t_s, s.sample.pressure_mmhg, s.sample.flow_ml_min
//!     } // else: a dropout, leave a time gap
//! }
//! let labels = gen.labels(); // onset_s, end_s, visible_s per ejection
//! # let _ = (name, labels);
//! ```
//! The generator streams: memory does not grow with the session's length.
//!
//! # Closed loop
//! [`closed_loop::run_closed_loop`] runs a session with the pump following a
//! [`closed_loop::Strategy`]'s hints ([`closed_loop::Timer`],
//! [`closed_loop::ExpressionOnly`], [`closed_loop::EngineStrategy`]) and returns an
//! [`closed_loop::Outcome`]: volume, time to 90 %, mis-phase seconds, first onset, labels.
//! For a custom loop, call [`Generator::apply_hint`] between samples.
//!
//! # The model, one module per concept
//! - [`profile`]: relaxed / typical / stressed / no-letdown / mix;
//! - [`mother`]: mother-level parameters (a [`MotherId`] fixes them) and the day's values;
//! - `reflex`: the stimulation drive and the oxytocin pulse train, cues;
//! - `ejection`: one ejection's release envelope;
//! - `milk`: the duct store and its removal by vacuum;
//! - [`phenomena`]: the everyday phenomena that are neither ejections nor faults (duct
//!   milk, trickle, wobble, user actions, sensor drift and gain steps, spikes, bubbles,
//!   slow and smoothing sensors), each a named option with its rate and source;
//!   `flow_variation`: the trickle and the wobble;
//! - [`pump`]: settings and the vacuum waveform; [`program`]: timer / button /
//!   expression-only / follow hints; `user`: what the mother does with the pump;
//! - [`sensor`]: transport delay, tubing compliance, noise, drift, gain, refresh, quantisation;
//! - [`faults`]: injectable faults and artefacts;
//! - [`stress`]: detection quality with each phenomenon alone (the stress table);
//! - `ground_truth`: how labels follow from each ejection's own flow;
//! - [`generator`]: the streaming generator; [`naming`]: session names.
//!
//! Every parameter's source is cited where it is defined.
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod baselines;
pub mod closed_loop;
mod ejection;
pub mod evaluate;
pub mod faults;
mod flow_variation;
pub mod generator;
mod ground_truth;
pub mod kind_set;
mod milk;
pub mod mother;
pub mod naming;
pub mod phenomena;
pub mod profile;
pub mod program;
pub mod pump;
mod random;
mod reflex;
pub mod sensor;
pub mod stress;
mod user;

pub use closed_loop::{run_closed_loop, EngineStrategy, ExpressionOnly, Outcome, Strategy, Timer};
pub use faults::{FaultKind, FaultSet, ParseFaultError};
pub use generator::{EjectionTruth, Generator, SessionSpec, SimSample, SpecError, Truth};
pub use ground_truth::VISIBLE_ML_MIN;
pub use kind_set::{KindSet, ParseKindError};
pub use labels::Ejection;
/// The label type and the scorer live in `letdown-eval` (no randomness), re-exported here.
pub use letdown_eval::{labels, score};
pub use mother::{Mother, MotherId, MILK_DENSITY_G_ML};
pub use naming::session_name;
pub use phenomena::{ParsePhenomenonError, Phenomenon, PhenomenonSet};
pub use profile::{ParseProfileError, Profile};
pub use program::{ParseProgramError, PumpProgram};
pub use pump::PumpSettings;
pub use reflex::{cue_drive_multiplier, CueEffect};
pub use sensor::{GainShift, SensorParams};

//! letdown-engine: detects the milk-ejection reflex ("letdown") from a breast pump's
//! pressure and flow sensors as the samples arrive, and turns it into control hints for
//! the pump's motor controller.
//!
//! The public API is what a pump's firmware or a host program calls:
//! [`EngineConfig`] (physical units) → [`EngineConfig::build`] → [`Engine`] →
//! [`Engine::process`] / [`Engine::process_block`] / [`Engine::process_gap`] per sample,
//! giving [`Event`]s with their [`ControlHint`]; [`Engine::set_user_settings`] while it
//! runs; [`Engine::stats`] and [`Engine::snapshot`] for telemetry.
//!
//! Inside, the signal path, one private module per stage:
//! `sanitize → decimate → filter → cycle_tracker → features (+ spectrum) → cusum →
//! session → hint`. Feature `internals` (off by default) makes the stage modules public
//! for the benchmarks and the stage tests, with the reference `rustfft` spectral back-end;
//! they are not a stable API.
//!
//! `#![no_std]` unless feature `std` (default) is on; `std` adds only the
//! `std::error::Error` impls. No heap allocation, ever: an [`Engine`] is one value of
//! [`core::mem::size_of::<Engine>()`] bytes, built in place; no panics for any `f32` input.
#![cfg_attr(not(feature = "std"), no_std)]
#![forbid(unsafe_code)]
#![warn(missing_docs)]

mod config;
mod detector_tests;
mod engine;
mod event;
mod hint;
mod sample;
mod source;

/// Declares each stage module: public with feature `internals` (for the benchmarks and
/// the stage tests), private to the crate otherwise.
macro_rules! stage_modules {
    ($($(#[$attr:meta])* $name:ident),* $(,)?) => {$(
        #[cfg(feature = "internals")]
        pub mod $name;
        #[cfg(not(feature = "internals"))]
        $(#[$attr])*
        mod $name;
    )*};
}

stage_modules!(
    cusum,
    cycle_tracker,
    decimate,
    detector,
    features,
    filter,
    sanitize,
    session,
    spectral_monitor,
    spectrum,
);

pub use config::{ConfigError, EngineConfig, SettingsError, UserSettings, VACUUM_LIMIT_MMHG};
pub use cycle_tracker::Cycle;
pub use detector_tests::{DetectorTest, DetectorTests, UnknownDetectorTest};
pub use engine::{Engine, EngineStats, Snapshot, FAULT_CLEAR_S, MAX_GAP_SAMPLES, SUSPECT_REPEAT_S};
pub use event::{Event, EventKind};
pub use features::BlockFeatures;
pub use hint::{ControlHint, Cue, Mode, Reason, UnknownName};
pub use sample::Sample;
pub use session::RAMP_CYCLES;
pub use source::{drive, drive_observed, feed, SampleSource, SourceItem};
pub use spectral_monitor::SpectralFeatures;

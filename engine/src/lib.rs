//! letdown-engine: detects the milk-ejection reflex ("letdown") from a breast pump's
//! pressure and flow sensors as the samples arrive, and turns it into control hints for
//! the pump's motor controller.
//!
//! The signal path, one module per stage:
//! `sanitize → decimate → filter → cycle_tracker → features (+ spectrum) → cusum →
//! session → hint`.
//!
//! `#![no_std]` unless feature `std` (default) is on. No heap allocation after
//! [`EngineConfig::build`]; no panics for any `f32` input.
#![cfg_attr(not(feature = "std"), no_std)]
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod config;
pub mod cusum;
pub mod cycle_tracker;
pub mod decimate;
pub mod detector;
pub mod detector_tests;
pub mod engine;
pub mod event;
pub mod features;
pub mod filter;
pub mod hint;
pub mod sample;
pub mod sanitize;
pub mod session;
pub mod spectral;
pub mod spectrum;

pub use config::{ConfigError, EngineConfig, SettingsError, UserSettings};
pub use detector_tests::{DetectorTest, DetectorTests, UnknownDetectorTest};
pub use engine::{Engine, EngineStats, Snapshot};
pub use event::{Event, EventKind};
pub use hint::{ControlHint, Cue, Mode, Reason};
pub use sample::Sample;

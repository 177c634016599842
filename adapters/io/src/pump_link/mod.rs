//! The pump link's live ends (sample frames in from the sensor board, hints out to the
//! motor controller, over a serial line): what `letdown serve` and `letdown pump-sim` are made
//! of, as library code so that tests drive exactly the same receive path without processes.
//!
//! The wire format is [`letdown_link`]'s (COBS + CRC-32C frames, protocol v2). Here:
//!
//! - [`port`]: opening the link — a serial device through the `serialport` crate (UART,
//!   USB-CDC, a pseudo-terminal), or standard input and output — as a byte reader and a
//!   byte writer for two threads, and telling a read timeout from a hang-up;
//! - [`receive`]: the engine side's receive path, [`LinkReceiver`]: bytes → frames
//!   (dropped frames counted by reason) → sequence tracking (lost frames become missing
//!   samples) → a [`StreamSink`]; the stream's engine is built from the Hello's (or the
//!   first block's) configuration; a link silent beyond its timeout gets the link's own
//!   pause hint (and, when samples come back with nothing lost, its resume hint); the
//!   Ack tells the board its losses and the room left;
//! - [`sinks`]: the two sinks — [`PipelineSink`], the lock-free real-time pipeline
//!   (`letdown_pipeline`) that `serve` runs, and [`EngineSink`], the engine called
//!   in place, for tests and tools that want the events synchronously;
//! - [`board`]: the sensor board's side, [`BoardEncoder`]: samples into Hello and
//!   SampleBlock frames (what `pump-sim` sends, and what tests feed to a receiver);
//! - [`inject`]: link damage for tests — garbage, truncated, corrupted and skipped frames —
//!   each counted so that the receiver's statistics can be checked against it.

pub mod board;
pub mod inject;
pub mod port;
pub mod receive;
pub mod sinks;

pub use board::BoardEncoder;
pub use inject::{FaultInjector, InjectionCounts, LinkFaults};
pub use port::{open, LinkSpec, ReadError};
pub use receive::{
    LinkReceiver, ReceiveStats, ReceiverConfig, ReceiverEvent, StreamInfo, StreamSink,
};
pub use sinks::{to_board, EngineSink, PipelineSink, PipelineSinkConfig, StreamReport};

use letdown_engine::{ControlHint, Mode, Reason, UserSettings, RAMP_CYCLES};

/// A pause hint made by the link itself (not by the engine): for a stream the engine
/// cannot run (rate out of range), so the motor controller stops instead of pumping
/// unsupervised. Vacuum and rate 0, no ramp (safety acts at once), confidence 1.
pub fn link_pause_hint(sample_index: u64, reason: Reason) -> ControlHint {
    ControlHint {
        sample_index,
        mode: Mode::Pause,
        target_vacuum_mmhg: 0.0,
        rate_cpm: 0.0,
        ramp_cycles: 0,
        reason,
        confidence: 1.0,
        cue: None,
    }
}

/// The hint that lifts a pause the link made for a silence that lost nothing: `mode`
/// (the engine's, which kept running) with the user's current targets for it, ramped
/// over the engine's usual number of cycles, reason "sensor recovered", confidence 1.
/// `mode` Pause gives the link's pause.
pub fn link_resume_hint(sample_index: u64, mode: Mode, settings: &UserSettings) -> ControlHint {
    let (vacuum, rate) = match mode {
        Mode::Stimulation => (
            settings.stimulation_vacuum_mmhg,
            settings.stimulation_rate_cpm,
        ),
        Mode::Expression => (
            settings.expression_vacuum_mmhg,
            settings.expression_rate_cpm,
        ),
        Mode::Pause => return link_pause_hint(sample_index, Reason::StaleData),
    };
    ControlHint {
        sample_index,
        mode,
        // Never beyond the user's maximum (validated settings already guarantee it).
        target_vacuum_mmhg: vacuum.max(settings.max_vacuum_mmhg),
        rate_cpm: rate,
        ramp_cycles: RAMP_CYCLES,
        reason: Reason::SensorRecovered,
        confidence: 1.0,
        cue: None,
    }
}

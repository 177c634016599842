//! pump-sim's options, checked once before anything is opened.

use super::super::link_commands::duration_from;
use super::{AfterStall, PumpSimArgs};
use letdown_io::pump_link::LinkFaults;
use std::time::Duration;

/// The checked options that shape sending.
pub(super) struct Settings {
    /// Times real time; `None`: unpaced.
    pub(super) speed: Option<f64>,
    /// How long to wait for room in serve's queue before giving up.
    pub(super) room_wait: Duration,
    /// The stall: when (session time, s), how long (wall time), and what follows.
    pub(super) stall_after: Option<f64>,
    pub(super) stall: Duration,
    pub(super) after_stall: AfterStall,
    /// How long to wait for serve's last Ack after the last block.
    pub(super) linger: Duration,
    /// Link damage to inject.
    pub(super) faults: LinkFaults,
}

/// `args` checked; the error names the option and what it must be.
pub(super) fn settings(args: &PumpSimArgs) -> Result<Settings, String> {
    if !(args.speed.is_finite() && args.speed > 0.0 && args.speed <= 10_000.0) {
        return Err(format!(
            "--speed must be > 0 and at most 10000, got {}",
            args.speed
        ));
    }
    if !(1..=letdown_link::MAX_SAMPLES_PER_BLOCK).contains(&args.block) {
        return Err(format!(
            "--block must be 1 … 64 samples, got {}",
            args.block
        ));
    }
    if let Some(s) = args.stall_after {
        if !(s.is_finite() && s >= 0.0) {
            return Err(format!("--stall-after must be a time ≥ 0 s, got {s}"));
        }
    }
    for (name, v) in [
        ("--garbage-every", args.garbage_every),
        ("--truncate-every", args.truncate_every),
        ("--corrupt-every", args.corrupt_every),
        ("--drop-every", args.drop_every),
    ] {
        if v == Some(0) {
            return Err(format!("{name} must be ≥ 1"));
        }
    }
    Ok(Settings {
        speed: (!args.unpaced).then_some(args.speed),
        room_wait: duration_from(args.room_wait_ms, 1e-3, "--room-wait-ms")?,
        stall_after: args.stall_after,
        stall: duration_from(args.stall_ms, 1e-3, "--stall-ms")?,
        after_stall: args.after_stall,
        linger: duration_from(args.linger_ms, 1e-3, "--linger-ms")?,
        faults: LinkFaults {
            garbage_every: args.garbage_every.unwrap_or(0),
            truncate_every: args.truncate_every.unwrap_or(0),
            corrupt_every: args.corrupt_every.unwrap_or(0),
            drop_every: args.drop_every.unwrap_or(0),
        },
    })
}

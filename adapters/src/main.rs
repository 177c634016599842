//! The `letdown` command-line tool: replays recorded or simulated pumping sessions
//! through the letdown engine, simulates and scores sessions, draws them, measures the
//! real-time pipeline and runs the engine on a live pump link (`replay`, `simulate`,
//! `evaluate`, `plot`, `latency`, `serve`, `pump-sim`).
//!
//! Exit status: 0 on success, 1 when output could not be written (a full disk; a closed
//! pipe is a quiet success), 2 on bad input (unreadable or malformed files, bad options),
//! with each problem printed as `file: line N: field NAME: reason`.
#![forbid(unsafe_code)]

mod cli;

use clap::Parser;
use std::process::ExitCode;

fn main() -> ExitCode {
    cli::run(cli::Cli::parse())
}

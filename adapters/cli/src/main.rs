//! The `letdown` command-line tool: replays recorded or simulated pumping sessions
//! through the letdown engine, simulates and scores sessions, draws them, measures the
//! real-time pipeline and runs the engine on a live pump link (`replay`, `simulate`,
//! `evaluate`, `plot`, `latency`, `serve`, `pump-sim`).
//!
//! Exit status: 0 on success, 1 when output could not be written (a full disk; a closed
//! pipe is a quiet success), 2 on bad input (unreadable or malformed files, bad options),
//! with each problem printed as `file: line N: field NAME: reason`.
//!
//! Its subcommands, one module each, and the pieces they share.
#![forbid(unsafe_code)]

mod console;
mod convert;
mod evaluate;
mod events_json;
mod in_place;
mod latency;
mod link_commands;
mod options;
mod output;
mod plot;
mod pump_sim;
mod replay;
mod serve;
mod session_run;
mod simulate;
mod sources;
mod table;
mod workers;

use clap::{Parser, Subcommand};
use std::process::ExitCode;

fn main() -> ExitCode {
    run(Cli::parse())
}

/// Exit status for bad input: unreadable or malformed files, unusable options.
pub const EXIT_BAD_INPUT: u8 = 2;
/// Exit status when output was lost: standard output, standard error or an output file
/// could not be written (a full disk, an I/O error; a closed pipe is not a loss).
pub const EXIT_OUTPUT_LOST: u8 = 1;

/// letdown: detects the milk-ejection reflex ("letdown") from a breast pump's pressure
/// and flow sensors.
///
/// Times are in seconds since session start, pressure in mmHg (gauge, negative =
/// vacuum), flow in mL/min, pump rhythm in cycles per minute (cpm). Exit status 0 on
/// success, 1 when output could not be written (standard output, standard error or an
/// output file: a full disk, an I/O error; a closed pipe, as in `letdown replay | head`,
/// is a quiet success), 2 on bad input (each problem printed as `file: line N: field
/// NAME: reason`).
#[derive(Debug, Parser)]
#[command(name = "letdown", version)]
pub struct Cli {
    /// What to do.
    #[command(subcommand)]
    command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
enum Command {
    /// Replay session files through the engine, sample by sample, and score the
    /// detections against labels where a NAME.labels.csv sits beside a session.
    Replay(replay::ReplayArgs),
    /// Write simulated, labelled pumping sessions (NAME.csv + NAME.labels.csv) from the
    /// physiological simulator.
    Simulate(simulate::SimulateArgs),
    /// Score the engine on labelled sessions (files or simulated) with the measures of
    /// DESIGN §6, side by side with a 2-minute timer and a flow threshold, in open and
    /// closed loop.
    Evaluate(evaluate::EvaluateArgs),
    /// Convert sessions between CSV and Parquet (one file, a folder, or a folder into a
    /// fleet dataset), labels copied alongside.
    Convert(convert::ConvertArgs),
    /// Draw one session: pressure and flow over time, labelled ejections, the engine's
    /// onsets, ends, asked-for phase and hints (SVG or PNG).
    Plot(plot::PlotArgs),
    /// Measure the real-time pipeline's latency and throughput against a Mutex+mpsc
    /// baseline, in interleaved rounds, beside the host's own wake-up jitter.
    Latency(latency::LatencyArgs),
    /// Run the engine on a live pump link (serial device or stdin/stdout): sample frames
    /// in, hints, acks and heartbeats back; a silent link pauses the pump.
    Serve(serve::ServeArgs),
    /// Play a pump on a link to `serve`: a simulated (closed loop) or recorded session
    /// streamed at its real rate (or faster), hints printed and followed; link faults
    /// injected on demand.
    PumpSim(pump_sim::PumpSimArgs),
}

/// Runs the command line and returns the process's exit status: the command's own, or
/// [`EXIT_OUTPUT_LOST`] when it succeeded but some of its output could not be written.
pub fn run(cli: Cli) -> ExitCode {
    let code = run_command(cli);
    if code == ExitCode::SUCCESS && console::output_lost() {
        ExitCode::from(EXIT_OUTPUT_LOST)
    } else {
        code
    }
}

fn run_command(cli: Cli) -> ExitCode {
    match cli.command {
        Command::Replay(args) => replay::run(&args),
        Command::Simulate(args) => simulate::run(&args),
        Command::Evaluate(args) => evaluate::run(&args),
        Command::Convert(args) => convert::run(&args),
        Command::Plot(args) => plot::run(&args),
        Command::Latency(args) => latency::run(&args),
        Command::Serve(args) => serve::run(&args),
        Command::PumpSim(args) => pump_sim::run(&args),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;
    use proptest::prelude::*;

    #[test]
    fn the_command_line_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    /// Every long flag of `subcommand`, from the definition itself (so new options are
    /// fuzzed too).
    fn flags(subcommand: &str) -> Vec<String> {
        let cli = Cli::command();
        let sub = cli.find_subcommand(subcommand).expect("subcommand");
        sub.get_arguments()
            .filter_map(|a| a.get_long())
            .map(|l| format!("--{l}"))
            .collect()
    }

    /// Odd values: negative, zero, tiny, huge, non-finite, empty, dashes, non-ASCII.
    const VALUES: [&str; 20] = [
        "-1",
        "0",
        "1",
        "1e-9",
        "NaN",
        "inf",
        "-inf",
        "1e400",
        "18446744073709551616",
        "",
        "-",
        "--",
        "s.csv",
        "timer:9999",
        "hints",
        "all",
        "none",
        "é",
        "2,0,-5",
        "-0",
    ];

    proptest! {
        #![proptest_config(ProptestConfig { cases: 2000, failure_persistence: None, ..ProptestConfig::default() })]

        /// Any mix of a subcommand's flags and odd values parses or is refused with a
        /// message: never a panic.
        #[test]
        fn any_argument_list_parses_or_is_refused(
            sub in prop::sample::select(vec!["replay", "simulate", "evaluate", "convert", "plot", "latency", "serve", "pump-sim", "nope"]),
            picks in prop::collection::vec((0u8..3, any::<prop::sample::Index>(), any::<prop::sample::Index>()), 0..8),
        ) {
            let flags = if sub == "nope" { vec!["--x".to_owned()] } else { flags(sub) };
            let mut argv = vec!["letdown".to_owned(), sub.to_owned()];
            for (kind, flag, value) in picks {
                let flag = flag.get(&flags).clone();
                let value = value.get(&VALUES).to_string();
                match kind {
                    0 => argv.push(flag),
                    1 => argv.extend([flag, value]),
                    _ => argv.push(format!("{flag}={value}")),
                }
            }
            if let Err(e) = Cli::try_parse_from(&argv) {
                prop_assert!(!e.render().to_string().is_empty());
            }
        }
    }
}

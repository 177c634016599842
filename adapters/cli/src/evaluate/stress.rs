//! `letdown evaluate --stress --simulate N …`: the stress table — the engine's detection
//! quality (open loop, DESIGN §6) with each everyday phenomenon of the simulator alone,
//! beside none and all of them, on the same simulated mothers
//! ([`letdown_datasets::stress`]). A table, or one JSON object with `--json`
//! (schema `letdown-evaluate-stress/1`: `input` as in `letdown-evaluate/1`, then `rows`,
//! each `{case, phenomena, every_session, engine}` where `engine` has the keys of one
//! detection group of `letdown-evaluate/1`).

use super::metrics::SimulatedInput;
use super::report::{detection_row, DETECTION_COLUMNS};
use super::{simulated_specs, EvaluateArgs};
use crate::console::{report_error, Console};
use crate::table::{Align, Table};
use crate::EXIT_BAD_INPUT;
use letdown_datasets::score::Aggregate;
use letdown_datasets::stress::{run_stress, StressCase, StressRow};
use letdown_datasets::SessionSpec;
use letdown_engine::EngineConfig;
use serde::Serialize;
use std::process::ExitCode;
use std::time::Instant;

/// The schema name and version printed as `schema`.
const SCHEMA: &str = "letdown-evaluate-stress/1";

/// Where the beyond-visible p95 column goes: after the median (detector column removed).
const BEYOND_P95_COLUMN: usize = 7;

/// The whole `--json` output.
#[derive(Debug, Serialize)]
struct StressReport {
    schema: &'static str,
    input: SimulatedInput,
    /// Sessions per row.
    sessions_per_row: usize,
    rows: Vec<StressRowJson>,
}

/// One row.
#[derive(Debug, Serialize)]
struct StressRowJson {
    /// `none`, a phenomenon's name, `all (everyday)`, `all (every session)`.
    case: String,
    /// The phenomena the sessions could get (comma-separated, or `none`).
    phenomena: String,
    /// Whether each of them happened in every session.
    every_session: bool,
    /// The engine's detection metrics over the row's sessions.
    engine: Aggregate,
}

/// Runs `letdown evaluate --stress`.
pub fn run(args: &EvaluateArgs) -> ExitCode {
    let started = Instant::now();
    let (specs, input) = match stress_specs(args) {
        Ok(specs) => specs,
        Err(e) => {
            report_error(e);
            return ExitCode::from(EXIT_BAD_INPUT);
        }
    };
    let threads = args.threads.unwrap_or_else(|| {
        std::thread::available_parallelism().map_or(1, std::num::NonZeroUsize::get)
    });
    // The session's own rate replaces the config's.
    let config = EngineConfig::new(1000.0);
    let rows = match run_stress(&specs, &StressCase::all(), &config, threads) {
        Ok(rows) => rows,
        Err(e) => {
            report_error(format!("--stress: {e}"));
            return ExitCode::from(EXIT_BAD_INPUT);
        }
    };
    let report = stress_report(&specs, input, &rows);
    print_report(&report, args.json, threads, started)
}

/// The simulated sessions of each row and what they are; `--stress` needs `--simulate N`.
fn stress_specs(args: &EvaluateArgs) -> Result<(Vec<SessionSpec>, SimulatedInput), String> {
    let (specs, input) = simulated_specs(args)?;
    let input = input.ok_or("--stress needs --simulate N")?;
    Ok((specs, input))
}

/// The report of the rows scored, each named by its case.
fn stress_report(specs: &[SessionSpec], input: SimulatedInput, rows: &[StressRow]) -> StressReport {
    let rows = rows
        .iter()
        .map(|row| {
            let spec = row.case.apply(specs[0]);
            StressRowJson {
                case: row.case.name(),
                phenomena: spec.phenomena.to_string(),
                every_session: spec.phenomena_in_every_session,
                engine: Aggregate::from_sessions(&row.scores),
            }
        })
        .collect();
    StressReport {
        schema: SCHEMA,
        input: SimulatedInput {
            faults: "none".to_owned(),
            clean: false,
            ..input
        },
        sessions_per_row: specs.len(),
        rows,
    }
}

/// Prints the report as JSON or as the table with the run's time.
fn print_report(report: &StressReport, json: bool, threads: usize, started: Instant) -> ExitCode {
    let mut console = Console::stdout();
    if json {
        match serde_json::to_string_pretty(report) {
            Ok(text) => console.line(text),
            Err(e) => {
                report_error(format!("cannot write JSON: {e}"));
                return ExitCode::from(EXIT_BAD_INPUT);
            }
        }
    } else {
        text_table(report).into_iter().for_each(|l| console.line(l));
        console.line("");
        console.line(format!(
            "{} rows × {} sessions in {:.1} s on {threads} threads",
            report.rows.len(),
            report.sessions_per_row,
            started.elapsed().as_secs_f64()
        ));
    }
    console.flush();
    ExitCode::SUCCESS
}

/// The table: one row per case, the engine's detection columns of `letdown evaluate`
/// plus the 95th percentile of the delay beyond visibility.
fn text_table(report: &StressReport) -> Vec<String> {
    let i = &report.input;
    let mut lines = vec![format!(
        "Stress table, open loop (DESIGN §6): the engine on {} sessions per row ({} per \
         profile and rate; profiles {}; {} Hz; {} min; seeds {}…; program {}), no faults. \
         A phenomenon's row has it alone and in every session; `all (everyday)` is the \
         simulator's default, each phenomenon in its own fraction of sessions.",
        report.sessions_per_row,
        i.sessions_per_profile,
        i.profiles.join(", "),
        i.rates_hz
            .iter()
            .map(|r| r.to_string())
            .collect::<Vec<_>>()
            .join(", "),
        i.minutes,
        i.seed,
        i.program
    )];
    // The detection table's columns without the detector (always the engine here), and
    // the 95th percentile of the delay beyond visibility after its median.
    let mut columns: Vec<(&'static str, Align)> = DETECTION_COLUMNS.to_vec();
    columns[0].0 = "phenomena";
    columns.remove(1);
    columns.insert(BEYOND_P95_COLUMN, ("beyond visible p95 s", Align::Right));
    let mut table = Table::new(&columns);
    for row in &report.rows {
        let m = &row.engine;
        let mut cells = detection_row(row.case.clone(), "engine", m);
        cells.remove(1);
        let p95 = m
            .beyond_visible_s
            .map_or_else(|| "-".to_owned(), |q| format!("{:.1}", q.p95));
        cells.insert(BEYOND_P95_COLUMN, p95);
        table.row(cells);
    }
    lines.extend(table.render());
    lines
}

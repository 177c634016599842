//! `letdown plot SESSION [--out FILE.svg|.png] [--from S] [--to S]`: runs the engine
//! over one session file and draws pressure and flow over time with the labelled
//! ejections shaded, the engine's onsets and ends marked, the phase it asked for as a
//! band and its hints annotated (see [`session_figure`]).

pub mod canvas;
pub mod session_figure;
pub mod trace;

use super::console::{report_error, report_lost_output, Console};
use super::evaluate::open_loop::{run_open_loop, Source, Span};
use super::{EXIT_BAD_INPUT, EXIT_OUTPUT_LOST};
use canvas::{write_figure, ImageFormat};
use clap::Args;
use letdown_io::session_files::session_name;
use session_figure::{SessionFigure, SIZE};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Options of `letdown plot`.
#[derive(Debug, Args)]
#[command(after_help = "\
The picture, top to bottom: the phase the engine asked for (blue stimulation, green \
expression, grey pause) with each hint annotated; pressure in mmHg (negative = vacuum); \
flow in mL/min: the readings' envelope (light blue), the engine's cycle-mean flow (dark \
blue) and its zero-flow baseline. Labelled ejections (NAME.labels.csv beside the session) \
are shaded orange from onset to end, with a dashed line where their flow became visible \
at the sensor; engine onsets are red lines, ends dashed purple; green triangles are the \
flow-threshold baseline's onsets.

Example, a few pump cycles around an onset at 95 s: \
letdown plot s.csv --from 85 --to 105 --out onset.png

Exit status: 0 on success, 1 when the picture or standard output could not be written (a \
full disk), 2 on bad input (an unreadable or malformed session, a bad option, a missing \
--out folder).")]
pub struct PlotArgs {
    /// The session file (NAME.csv, DESIGN §3).
    #[arg(value_name = "SESSION")]
    session: PathBuf,

    /// The picture to write: .svg (vector) or .png (bitmap). Default: NAME.svg in the
    /// current folder.
    #[arg(long, short, value_name = "FILE")]
    out: Option<PathBuf>,

    /// Start of the span shown, s since session start.
    #[arg(
        long,
        allow_negative_numbers = true,
        value_name = "S",
        default_value_t = 0.0
    )]
    from: f64,

    /// End of the span shown, s (default: the session's end).
    #[arg(long, allow_negative_numbers = true, value_name = "S")]
    to: Option<f64>,
}

/// The picture to write: `--out`, or `NAME.svg` in the current folder (an error when the
/// session's name is refused).
fn out_path(args: &PlotArgs) -> Result<PathBuf, String> {
    match &args.out {
        Some(out) => Ok(out.clone()),
        None => session_name(&args.session)
            .map(|name| PathBuf::from(format!("{name}.svg")))
            .map_err(|e| e.to_string()),
    }
}

/// Runs `letdown plot`.
pub fn run(args: &PlotArgs) -> ExitCode {
    let checked = out_path(args).and_then(|out| {
        ImageFormat::from_path(&out)
            .and_then(|_| check_folder(&out))
            .and_then(|()| check_span(args.from, args.to))
            .map(|span| (out, span))
    });
    let (out, span) = match checked {
        Ok(checked) => checked,
        Err(e) => {
            report_error(e);
            return ExitCode::from(EXIT_BAD_INPUT);
        }
    };
    let run = match run_open_loop(&Source::File(args.session.clone()), Some(span)) {
        Ok(run) => run,
        Err(e) => {
            report_error(e);
            return ExitCode::from(EXIT_BAD_INPUT);
        }
    };
    let Some(trace) = run.trace else {
        report_error("internal: no recording was made");
        return ExitCode::from(EXIT_BAD_INPUT);
    };
    if run.duration_s <= 0.0 {
        report_error(format!(
            "{}: no sample rows after the header: nothing to draw",
            args.session.display()
        ));
        return ExitCode::from(EXIT_BAD_INPUT);
    }
    if trace.from_s >= trace.to_s {
        report_error(format!(
            "--from {} s is at or after the session's end ({:.3} s)",
            args.from, run.duration_s
        ));
        return ExitCode::from(EXIT_BAD_INPUT);
    }
    if let Err(e) = write_figure(&SessionFigure { trace: &trace }, &out, SIZE) {
        report_lost_output(e);
        return ExitCode::from(EXIT_OUTPUT_LOST);
    }
    let mut console = Console::stdout();
    console.line(format!(
        "{}: {:.1} … {:.1} s, {} labelled ejections, {} engine events -> {}",
        run.name,
        trace.from_s,
        trace.to_s,
        trace.labels.len(),
        trace.events.len(),
        out.display()
    ));
    console.flush();
    ExitCode::SUCCESS
}

/// The folder `out` goes in must exist (it is not created: a typo in it would otherwise
/// make folders).
fn check_folder(out: &Path) -> Result<(), String> {
    match out.parent() {
        Some(dir) if !dir.as_os_str().is_empty() && !dir.is_dir() => Err(format!(
            "--out {}: folder {} does not exist; create it first",
            out.display(),
            dir.display()
        )),
        _ => Ok(()),
    }
}

/// `--from`/`--to` as a span: finite, `from` ≥ 0, `to` > `from`.
fn check_span(from_s: f64, to_s: Option<f64>) -> Result<Span, String> {
    if !(from_s.is_finite() && from_s >= 0.0) {
        return Err(format!("--from {from_s}: must be a time ≥ 0 s"));
    }
    if let Some(to) = to_s {
        if !(to.is_finite() && to > from_s) {
            return Err(format!(
                "--to {to}: must be a time after --from ({from_s} s)"
            ));
        }
    }
    Ok(Span { from_s, to_s })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_are_checked() {
        assert!(check_span(0.0, None).is_ok());
        assert!(check_span(10.0, Some(20.0)).is_ok());
        assert!(check_span(-1.0, None).is_err());
        assert!(check_span(f64::NAN, None).is_err());
        assert!(check_span(10.0, Some(10.0)).is_err());
        assert!(check_span(0.0, Some(f64::INFINITY)).is_err());
    }
}

//! Standard output and standard error for the tool, without panics and without silent
//! loss: `println!` panics when the reader of a pipe goes away (`letdown replay | head`);
//! these stop writing instead, and that stays a quiet, successful exit (as in ripgrep).
//! Any other write error (a full disk, an I/O error) is said on standard error once and
//! makes the command's exit status [`EXIT_OUTPUT_LOST`](super::EXIT_OUTPUT_LOST), see
//! [`output_lost`].

use std::fmt::Display;
use std::io::{self, Write};
use std::sync::atomic::{AtomicBool, Ordering};

/// Set once a write to standard output or standard error failed for a reason other than
/// a closed pipe.
static OUTPUT_LOST: AtomicBool = AtomicBool::new(false);

/// Whether some output was lost to a write error other than a closed pipe.
pub fn output_lost() -> bool {
    OUTPUT_LOST.load(Ordering::Relaxed)
}

/// Records a failed write to `stream`; says it on standard error unless the pipe was
/// closed (the reader went away on purpose) or standard error itself failed.
fn lost(stream: &str, error: &io::Error) {
    if error.kind() == io::ErrorKind::BrokenPipe {
        return;
    }
    if !OUTPUT_LOST.swap(true, Ordering::Relaxed) && stream != "standard error" {
        let _ = writeln!(
            io::stderr().lock(),
            "error: {stream}: cannot write: {error}; the output is incomplete"
        );
    }
}

/// Lines to standard output. After the first failed write nothing more is written.
pub struct Console {
    out: io::StdoutLock<'static>,
    broken: bool,
}

impl Console {
    /// Standard output, locked for the tool's lifetime.
    pub fn stdout() -> Self {
        Self {
            out: io::stdout().lock(),
            broken: false,
        }
    }

    /// Writes `text` and a line break.
    pub fn line(&mut self, text: impl Display) {
        if !self.broken {
            if let Err(e) = writeln!(self.out, "{text}") {
                self.fail(&e);
            }
        }
    }

    /// Flushes what is buffered.
    pub fn flush(&mut self) {
        if !self.broken {
            if let Err(e) = self.out.flush() {
                self.fail(&e);
            }
        }
    }

    fn fail(&mut self, error: &io::Error) {
        self.broken = true;
        lost("standard output", error);
    }
}

/// Prints a problem to standard error as `error: …`.
pub fn report_error(message: impl Display) {
    to_stderr("error", message);
}

/// Prints why an output file could not be written, as `error: …`, and makes the exit
/// status say that output was lost.
pub fn report_lost_output(message: impl Display) {
    OUTPUT_LOST.store(true, Ordering::Relaxed);
    report_error(message);
}

/// Prints a warning to standard error as `warning: …`.
pub fn report_warning(message: impl Display) {
    to_stderr("warning", message);
}

/// Prints a note to standard error as `note: …`: something done that the user may not
/// expect, and that is no problem.
pub fn report_note(message: impl Display) {
    to_stderr("note", message);
}

fn to_stderr(label: &str, message: impl Display) {
    if let Err(e) = writeln!(io::stderr().lock(), "{label}: {message}") {
        lost("standard error", &e);
    }
}

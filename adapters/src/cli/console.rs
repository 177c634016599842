//! Standard output and standard error for the tool, without panics: `println!` panics
//! when the reader of a pipe goes away (`letdown replay | head`); these stop writing
//! instead.

use std::fmt::Display;
use std::io::{self, Write};

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
        if !self.broken && writeln!(self.out, "{text}").is_err() {
            self.broken = true;
        }
    }

    /// Flushes what is buffered.
    pub fn flush(&mut self) {
        if !self.broken && self.out.flush().is_err() {
            self.broken = true;
        }
    }
}

/// Prints a problem to standard error as `error: …` (ignoring a closed stderr).
pub fn report_error(message: impl Display) {
    let _ = writeln!(io::stderr().lock(), "error: {message}");
}

//! Running the built `letdown` binary from the command-line test files.

use std::process::{Command, Output};

/// Runs `letdown ARGS` to the end and returns what it did. (Not every test file
/// including this module uses it.)
#[allow(dead_code)]
pub fn letdown(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_letdown"))
        .args(args)
        .output()
        .expect("the letdown binary runs")
}

/// Output bytes as text (invalid UTF-8 shown as replacement characters).
pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// Exit status, standard output and standard error, for an assertion's message. (Not
/// every test file including this module uses it.)
#[allow(dead_code)]
pub fn show(output: &Output) -> String {
    format!(
        "status {:?}\nstdout:\n{}\nstderr:\n{}",
        output.status.code(),
        text(&output.stdout),
        text(&output.stderr)
    )
}

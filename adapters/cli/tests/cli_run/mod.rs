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

/// A valid session file's text: `rows` rows at 100 Hz from 0 s, pressure swinging
/// between -60.5 and -99.5 mmHg, flow 0.25 mL/min. (Not every test file including this
/// module uses it.)
#[allow(dead_code)]
pub fn session_text(rows: u32) -> String {
    let mut text = String::from("# sample_rate_hz: 100\nt_s,pressure_mmhg,flow_ml_min\n");
    for i in 0..rows {
        let t_s = f64::from(i) / 100.0;
        text.push_str(&format!("{t_s},-{}.5,0.25\n", 60 + i % 40));
    }
    text
}

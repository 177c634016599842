//! The C example (examples/replay.c), compiled with the system C compiler and linked
//! against libletdown_ffi.a, replays every bundled session; its events are exactly the
//! Rust engine's (as `letdown replay` gets them), per sample and in blocks. The header
//! compiles as strict C99 and as C++ with every warning an error.

mod support;

use letdown_engine::Event;
use letdown_io::session_csv::Metadata;
use letdown_io::session_files::list_sessions;
use letdown_io::session_run::{replay_session, Outcome, ReplayObserver};
use std::path::Path;
use std::process::Command;
use support::{build_c_program, crate_dir, out_dir, run_ok};

/// Every event of a Rust replay.
#[derive(Default)]
struct Events(Vec<Event>);

impl ReplayObserver for Events {
    fn begin(&mut self, _metadata: &Metadata) {}
    fn event(&mut self, event: &Event, _sample_rate_hz: f64) {
        self.0.push(*event);
    }
}

/// One token of an event line: a word, or a float compared bit for bit (printed with 9
/// significant digits, which reads back to the same `f32`).
#[derive(Debug, PartialEq)]
enum Token {
    Word(String),
    Float(u32),
}

fn word(w: impl ToString) -> Token {
    Token::Word(w.to_string())
}

fn float(x: f32) -> Token {
    Token::Float(x.to_bits())
}

/// The line replay.c prints for `e`, as tokens.
fn expected(e: &Event) -> Vec<Token> {
    let mut t = vec![
        word("event"),
        word(e.sample_index),
        word(e.kind),
        word(e.reason),
        float(e.confidence),
    ];
    match e.hint {
        None => t.push(word("-")),
        Some(h) => t.extend([
            word("hint"),
            word(h.sample_index),
            word(h.mode),
            float(h.target_vacuum_mmhg),
            float(h.rate_cpm),
            word(h.ramp_cycles),
            word(h.reason),
            float(h.confidence),
            h.cue.map_or(word("none"), word),
        ]),
    }
    t
}

/// An event line of replay.c as tokens (floats where [`expected`] has them).
fn parsed(line: &str) -> Vec<Token> {
    const FLOATS_PLAIN: [usize; 1] = [4];
    const FLOATS_HINT: [usize; 4] = [4, 8, 9, 12];
    let words: Vec<&str> = line.split(' ').collect();
    let floats: &[usize] = if words.len() > 6 {
        &FLOATS_HINT
    } else {
        &FLOATS_PLAIN
    };
    words
        .iter()
        .enumerate()
        .map(|(i, w)| match floats.contains(&i) {
            true => float(w.parse::<f32>().unwrap_or(f32::NAN)),
            false => word(w),
        })
        .collect()
}

fn bundled_sessions() -> Vec<std::path::PathBuf> {
    let dir = crate_dir().join("../../datasets/sessions");
    let sessions = list_sessions(&dir).unwrap();
    assert_eq!(sessions.len(), 6, "bundled sessions in {}", dir.display());
    sessions
}

fn rust_events(session: &Path) -> (Vec<Event>, u64, u64) {
    let mut events = Events::default();
    match replay_session(session, &mut events) {
        Outcome::Complete(r) => (events.0, r.length_samples, r.missing),
        _ => panic!("{} did not replay", session.display()),
    }
}

#[test]
fn the_c_example_gives_the_rust_engines_events_on_every_bundled_session() {
    let exe = build_c_program(&crate_dir().join("examples/replay.c"), "replay");
    for session in bundled_sessions() {
        let (events, samples, missing) = rust_events(&session);
        for block in ["0", "1", "32", "250"] {
            let out = run_ok(Command::new(&exe).arg(&session).arg(block));
            let stdout = String::from_utf8(out.stdout).unwrap();
            let (stats, event_lines) = stdout
                .trim_end()
                .lines()
                .collect::<Vec<_>>()
                .split_last()
                .map(|(s, e)| (*s, e.to_vec()))
                .unwrap();
            let name = session.file_name().unwrap().to_string_lossy();
            assert_eq!(
                event_lines.len(),
                events.len(),
                "{name}, block {block}: event count"
            );
            for (line, e) in event_lines.iter().zip(&events) {
                assert_eq!(parsed(line), expected(e), "{name}, block {block}: {line}");
            }
            let counts = format!("stats samples {samples} missing {missing} ");
            assert!(
                stats.starts_with(&counts),
                "{name}, block {block}: {stats}, want {counts}"
            );
        }
        eprintln!("{}: {} events identical", session.display(), events.len());
    }
}

/// measure.sh's C loop (measure/per_sample.c, rows fed without gap handling) on the
/// session it measures, which has no gap: the Rust engine's event count and last index.
#[test]
fn the_measure_loop_sees_the_rust_engines_events() {
    let exe = build_c_program(&crate_dir().join("measure/per_sample.c"), "per_sample");
    let session =
        crate_dir().join("../../datasets/sessions/sim-typical-s11-timer120-100hz-8min.csv");
    let (events, samples, missing) = rust_events(&session);
    assert_eq!(missing, 0, "the measured session has no gap");
    let last = events.last().map_or(0, |e| e.sample_index);
    let out = run_ok(Command::new(&exe).arg(&session));
    assert_eq!(
        String::from_utf8(out.stdout).unwrap().trim_end(),
        format!(
            "samples {samples} events {} last_event_index {last}",
            events.len()
        )
    );
}

/// A translation unit that only includes the header and uses one of each kind of item.
const USES_HEADER: &str = r#"#include "letdown.h"
int main(void) {
    ld_config config = ld_config_default(1000.0f);
    ld_sample sample = {-50.0f, 0.0f};
    ld_event event;
    event.kind = LD_EVENT_ONSET;
    return (int)(ld_engine_size() > LD_ENGINE_SIZE_MAX) + (int)(event.kind != LD_EVENT_ONSET)
        + (int)(config.sample_rate_hz < sample.pressure_mmhg) + (int)(ld_strerror(LD_OK) == NULL);
}
"#;

#[test]
fn the_header_compiles_as_strict_c99_and_as_cpp() {
    std::fs::create_dir_all(out_dir()).unwrap();
    let c = out_dir().join("uses_header.c");
    std::fs::write(&c, USES_HEADER).unwrap();
    let cpp = out_dir().join("uses_header.cpp");
    std::fs::write(&cpp, USES_HEADER).unwrap();
    let include = crate_dir().join("include");
    let cc = std::env::var("CC").unwrap_or_else(|_| "cc".into());
    let cxx = std::env::var("CXX").unwrap_or_else(|_| "c++".into());
    let strict = ["-Wall", "-Wextra", "-Werror", "-pedantic", "-c", "-o"];
    run_ok(
        Command::new(cc)
            .arg("-std=c99")
            .args(strict)
            .arg(out_dir().join("c99.o"))
            .arg("-I")
            .arg(&include)
            .arg(&c),
    );
    run_ok(
        Command::new(cxx)
            .arg("-std=c++11")
            .args(strict)
            .arg(out_dir().join("cpp.o"))
            .arg("-I")
            .arg(&include)
            .arg(&cpp),
    );
}

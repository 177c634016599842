//! The stack the C calls use, measured by examples/stack_use.c (painted thread stacks;
//! figures printed with `--nocapture` and quoted in the README's firmware section).

mod support;

use std::process::Command;
use support::{build_c_program, crate_dir, run_ok};

/// The figure after `key` in `line`.
fn figure(line: &str, key: &str) -> usize {
    let words: Vec<&str> = line.split(' ').collect();
    let at = words.iter().position(|w| *w == key).unwrap();
    words[at + 1].parse().unwrap()
}

#[test]
fn the_calls_stack_use_is_measured_and_bounded() {
    let exe = build_c_program(&crate_dir().join("examples/stack_use.c"), "stack_use");
    let out = run_ok(&mut Command::new(exe));
    let text = String::from_utf8(out.stdout).unwrap();
    eprint!("{text}");
    let mut lines = text.lines();
    let (stack, counts) = (lines.next().unwrap(), lines.next().unwrap());
    assert!(
        figure(counts, "events") >= 3,
        "the input exercised detection: {counts}"
    );
    let engine_bytes = figure(counts, "engine_bytes");
    for call in ["process", "process_block", "process_gap"] {
        let bytes = figure(stack, call);
        // Every call runs in place on the caller's engine memory: its stack is a small
        // fraction of the engine, and more than nothing (the measurement sees it).
        assert!(
            bytes > 0 && bytes < engine_bytes / 2,
            "{call}: {bytes} bytes of stack"
        );
    }
    assert!(figure(stack, "init") > 0);
}

//! Prints every event of the engine (built without std) on the parity input, with exact bits.
//! CI diffs this against `examples/parity/`, the same program on the std build.
#[path = "../../examples/parity/input.rs"]
mod input;
#[path = "../../examples/parity/run.rs"]
mod run;

fn main() {
    run::run();
}

//! Prints every event of the engine (std build) on the parity input, with exact bits.
//! CI diffs this against `no-std-parity/`, the same program built without std.
mod input;
mod run;

fn main() {
    run::run();
}

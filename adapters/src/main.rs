//! The `letdown` command-line tool (being written).
fn main() {}

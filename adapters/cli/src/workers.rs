//! Worker threads for the subcommands that spread sessions over the cores (`replay`,
//! `evaluate`).

use super::console::report_error;
use super::EXIT_BAD_INPUT;
use std::process::ExitCode;

/// A pool of `threads` worker threads (`None`: one per core), or the exit status for bad
/// input after saying why none could be started.
pub fn worker_pool(threads: Option<usize>) -> Result<rayon::ThreadPool, ExitCode> {
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads.unwrap_or(0))
        .build()
        .map_err(|e| {
            report_error(format!("cannot start worker threads: {e}"));
            ExitCode::from(EXIT_BAD_INPUT)
        })
}

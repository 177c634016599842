//! The host's own wake-up jitter: a bare thread that sleeps until a deadline, again and
//! again, and records how late it woke. On a shared virtual machine the tail of this
//! (p99.9 and beyond) belongs to the host and changes tenfold between runs; printed next
//! to the pipeline's latency it tells the host's tail from ours (DESIGN §6).

use hdrhistogram::Histogram;
use letdown_pipeline::{new_histogram, tighten_timer_slack, Clock};
use std::time::Duration;

/// Wakes `wakeups` times, every `period`, on a fresh thread with the engine thread's
/// timer slack (1 ns), and returns the histogram of wake-up lateness, ns.
pub fn wakeup_probe(period: Duration, wakeups: u64) -> Histogram<u64> {
    let run = move || {
        tighten_timer_slack();
        let clock = Clock::new();
        let period_ns = u64::try_from(period.as_nanos()).unwrap_or(u64::MAX).max(1);
        let mut late = new_histogram();
        for k in 1..=wakeups {
            let due_ns = k.saturating_mul(period_ns);
            let now = clock.now_ns();
            if now < due_ns {
                std::thread::sleep(Duration::from_nanos(due_ns - now));
            }
            late.saturating_record(clock.now_ns().saturating_sub(due_ns));
        }
        late
    };
    std::thread::Builder::new()
        .name("letdown-wakeup-probe".into())
        .spawn(run)
        .ok()
        .and_then(|t| t.join().ok())
        .unwrap_or_else(new_histogram)
}

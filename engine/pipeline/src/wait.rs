//! How the engine thread waits for the next block when the queue is empty.
//!
//! The producer runs in the sensor interrupt, so it must not make a syscall; the engine
//! thread must react within microseconds of a block's arrival; and on a pump's small CPU
//! (or a shared 2-core machine) a thread that spins all the time takes a core from
//! everything else. [`WaitStrategy::Predict`] serves all three: blocks come on the
//! sensor's clock, so the engine thread sleeps until shortly before the next one is due,
//! then spins until it is there. `letdown latency --wait …` measures each option; the
//! figures are in the README.

use super::latency::Clock;
use super::Shared;
use std::sync::atomic::{fence, Ordering};
use std::time::Duration;

/// How the engine thread waits for data. Set with
/// [`PipelineConfig::wait`](super::PipelineConfig::wait).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub enum WaitStrategy {
    /// Busy-poll the queue (with the CPU's spin-loop hint); once the queue has stayed
    /// empty for 50 µs, call `sched_yield` between polls. Lowest latency; never sleeps,
    /// so it takes a whole core all the time, but after the first 50 µs of an idle spell
    /// a thread that shares the core (the producer on a loaded machine) gets to run.
    Spin,
    /// Poll, calling `sched_yield` between polls. Gives way to other runnable threads but
    /// still takes a core when there are none, and makes a syscall per poll.
    Yield,
    /// Park (futex wait) with a timeout of one period; the producer unparks the engine
    /// thread after a push when it has announced that it sleeps. Idle when there is no
    /// data, but every block then costs the producer a futex wake (a syscall in the
    /// sensor interrupt) and the engine a scheduler wake-up.
    Park,
    /// Sleep on a fixed timer tick of one period and drain what has come. The producer
    /// does nothing but push; latency is up to one period plus the host's wake-up.
    Tick,
    /// Sleep until `guard` before the next block is due (the last block's arrival plus
    /// one period), then spin until it arrives (at most `guard` past its due time). A
    /// block later than that (a late producer or host, or the first block, whose time is
    /// not known yet) is looked for again after sleeping `guard`, `2·guard`, `4·guard`, …
    /// up to one period, so it costs about its own lateness, not a whole period. The
    /// producer does nothing but push; latency is that of spinning while the core is busy
    /// only `2·guard` per period. The default.
    #[default]
    Predict,
}

impl WaitStrategy {
    /// Every strategy, in the order `letdown latency --wait all` measures them.
    pub const ALL: [WaitStrategy; 5] = [
        WaitStrategy::Spin,
        WaitStrategy::Yield,
        WaitStrategy::Park,
        WaitStrategy::Tick,
        WaitStrategy::Predict,
    ];

    /// The name used on the command line.
    pub fn name(self) -> &'static str {
        match self {
            WaitStrategy::Spin => "spin",
            WaitStrategy::Yield => "yield",
            WaitStrategy::Park => "park",
            WaitStrategy::Tick => "tick",
            WaitStrategy::Predict => "predict",
        }
    }
}

impl core::str::FromStr for WaitStrategy {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        WaitStrategy::ALL
            .into_iter()
            .find(|w| w.name() == s)
            .ok_or_else(|| {
                format!("unknown wait strategy {s:?} (spin, yield, park, tick, predict)")
            })
    }
}

impl core::fmt::Display for WaitStrategy {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.write_str(self.name())
    }
}

/// How long [`WaitStrategy::Spin`] busy-polls after the last block before it yields
/// between polls.
pub(crate) const SPIN_BEFORE_YIELD: Duration = Duration::from_micros(50);

/// The engine thread's waiting state, all times in ns on the pipeline's [`Clock`]. Its
/// sleeps are `park_timeout`s (a futex wait with a timeout, as precise as `sleep`), so
/// that closing the producer, which unparks the engine thread, ends them at once; an
/// early return only means one more look at the queue.
#[derive(Debug)]
pub(crate) struct Waiter {
    strategy: WaitStrategy,
    clock: Clock,
    period_ns: u64,
    guard_ns: u64,
    /// Next tick (Tick) or next block's due time (Predict).
    next_ns: u64,
    /// Predict: the next sleep while a block is overdue (`guard`, doubling up to
    /// `period`; back to `guard` at each block).
    backoff_ns: u64,
    /// Predict: the first of those sleeps (`guard`, at least 1 µs).
    first_backoff_ns: u64,
    /// Spin: when the queue was first found empty since the last block (`u64::MAX`: not
    /// idle).
    idle_since_ns: u64,
}

impl Waiter {
    pub(crate) fn new(
        strategy: WaitStrategy,
        clock: Clock,
        period: Duration,
        guard: Duration,
    ) -> Self {
        let now = clock.now_ns();
        let period_ns = ns(period).max(1);
        let guard_ns = ns(guard);
        Self {
            strategy,
            clock,
            period_ns,
            guard_ns,
            // Predict does not know when the first block comes: it looks for it as for
            // an overdue one.
            next_ns: if strategy == WaitStrategy::Predict {
                now
            } else {
                now + period_ns
            },
            backoff_ns: guard_ns.max(1_000),
            first_backoff_ns: guard_ns.max(1_000),
            idle_since_ns: u64::MAX,
        }
    }

    /// Blocks up to one that arrived at `arrival_ns` were just processed: the next is due
    /// one period later.
    #[inline]
    pub(crate) fn on_block(&mut self, arrival_ns: u64) {
        self.next_ns = arrival_ns.saturating_add(self.period_ns);
        self.backoff_ns = self.first_backoff_ns;
        self.idle_since_ns = u64::MAX;
    }

    /// Waits a little; the caller re-checks the queue (and whether the stream ended)
    /// after every return. `has_data` is only used by `Park`, for its re-check after
    /// announcing that it sleeps.
    #[inline(never)]
    pub(crate) fn wait(&mut self, shared: &Shared, has_data: impl Fn() -> bool) {
        match self.strategy {
            WaitStrategy::Spin => {
                let now = self.clock.now_ns();
                if self.idle_since_ns == u64::MAX {
                    self.idle_since_ns = now;
                }
                if now - self.idle_since_ns < ns(SPIN_BEFORE_YIELD) {
                    core::hint::spin_loop();
                } else {
                    std::thread::yield_now();
                }
            }
            WaitStrategy::Yield => std::thread::yield_now(),
            WaitStrategy::Park => {
                shared.sleeping.store(true, Ordering::Relaxed);
                // Pairs with the producer's fence after its push (see ingest.rs).
                fence(Ordering::SeqCst);
                if !has_data() && !shared.closed.load(Ordering::Acquire) {
                    std::thread::park_timeout(Duration::from_nanos(self.period_ns));
                }
                shared.sleeping.store(false, Ordering::Relaxed);
            }
            WaitStrategy::Tick => {
                let now = self.clock.now_ns();
                if self.next_ns <= now {
                    // Next tick of the fixed grid k·period (from the clock's zero) after now.
                    self.next_ns = (now / self.period_ns + 1).saturating_mul(self.period_ns);
                }
                std::thread::park_timeout(Duration::from_nanos(self.next_ns - now));
            }
            WaitStrategy::Predict => {
                let now = self.clock.now_ns();
                let wake = self.next_ns.saturating_sub(self.guard_ns);
                if now < wake {
                    std::thread::park_timeout(Duration::from_nanos(wake - now));
                } else if now <= self.next_ns.saturating_add(self.guard_ns) {
                    core::hint::spin_loop();
                } else {
                    // The block is overdue (a late producer or host, the first block, or
                    // an idle producer): look again after a sleep that doubles up to one
                    // period, until `on_block` has its time again.
                    std::thread::park_timeout(Duration::from_nanos(self.backoff_ns));
                    self.backoff_ns = (self.backoff_ns * 2).min(self.period_ns);
                }
            }
        }
    }
}

fn ns(d: Duration) -> u64 {
    u64::try_from(d.as_nanos()).unwrap_or(u64::MAX)
}

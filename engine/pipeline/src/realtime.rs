//! Real-time mode, as a pump's Linux build would run: memory locked (no page fault on the
//! engine's path), the engine thread under `SCHED_FIFO`, and a 1 ns timer slack so its
//! sleeps end on time.
//!
//! Each step may be refused (`mlockall` needs `CAP_IPC_LOCK` or a large enough
//! `ulimit -l`; `SCHED_FIFO` needs `CAP_SYS_NICE` or `ulimit -r`; other systems have
//! neither): the pipeline then runs on without it, and [`RealtimeStatus`] says which
//! step failed, why, and what would allow it.

/// `SCHED_FIFO` priority of the engine thread: above every normal thread, below the
/// kernel's interrupt threads (50 on PREEMPT_RT), so the sensor interrupt still runs first.
pub const FIFO_PRIORITY: u8 = 40;

/// What the real-time mode obtained.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RealtimeStatus {
    /// `mlockall(MCL_CURRENT | MCL_FUTURE)`: `Err` says why it was refused.
    pub memory_locked: Result<(), String>,
    /// `SCHED_FIFO` at [`FIFO_PRIORITY`] for the engine thread: `Err` says why not.
    pub fifo: Result<(), String>,
}

impl RealtimeStatus {
    /// Whether every step succeeded.
    pub fn is_complete(&self) -> bool {
        self.memory_locked.is_ok() && self.fifo.is_ok()
    }

    /// One line per step, e.g. `memory locked: yes` or `SCHED_FIFO: refused (…)`.
    pub fn describe(&self) -> String {
        let line = |what: &str, r: &Result<(), String>| match r {
            Ok(()) => format!("{what}: yes"),
            Err(why) => format!("{what}: no, {why}"),
        };
        format!(
            "{}\n{}",
            line("memory locked (mlockall)", &self.memory_locked),
            line(
                &format!("engine thread SCHED_FIFO priority {FIFO_PRIORITY}"),
                &self.fifo
            )
        )
    }
}

/// Locks the process's memory, present and future (`mlockall`). Process-wide: call it
/// once, before the real-time threads start.
pub fn lock_memory() -> Result<(), String> {
    imp::lock_memory()
}

/// Puts the calling thread under `SCHED_FIFO` at [`FIFO_PRIORITY`].
pub fn set_fifo() -> Result<(), String> {
    imp::set_fifo()
}

/// Sets the calling thread's timer slack to 1 ns, so that its sleeps end when asked
/// rather than up to 50 µs later (Linux's default slack). Unprivileged; a no-op elsewhere.
pub fn tighten_timer_slack() {
    imp::tighten_timer_slack();
}

#[cfg(target_os = "linux")]
mod imp {
    use rustix::io::Errno;
    use rustix::mm::{mlockall, MlockAllFlags};
    use thread_priority::{
        set_thread_priority_and_policy, thread_native_id, Error, RealtimeThreadSchedulePolicy,
        ThreadPriority, ThreadPriorityValue, ThreadSchedulePolicy,
    };

    pub(super) fn lock_memory() -> Result<(), String> {
        mlockall(MlockAllFlags::CURRENT | MlockAllFlags::FUTURE).map_err(|e| {
            let hint = if e == Errno::PERM || e == Errno::NOMEM || e == Errno::AGAIN {
                "needs CAP_IPC_LOCK or a larger locked-memory limit (ulimit -l)"
            } else {
                "unexpected error"
            };
            format!("mlockall refused ({e}): {hint}")
        })
    }

    pub(super) fn set_fifo() -> Result<(), String> {
        let priority = ThreadPriorityValue::try_from(super::FIFO_PRIORITY)
            .map_err(|e| format!("priority {}: {e}", super::FIFO_PRIORITY))?;
        set_thread_priority_and_policy(
            thread_native_id(),
            ThreadPriority::Crossplatform(priority),
            ThreadSchedulePolicy::Realtime(RealtimeThreadSchedulePolicy::Fifo),
        )
        .map_err(|e| match e {
            Error::OS(code) if code == Errno::PERM.raw_os_error() => format!(
                "SCHED_FIFO refused (EPERM): needs CAP_SYS_NICE or a real-time priority \
                 limit (ulimit -r ≥ {}); running with normal scheduling",
                super::FIFO_PRIORITY
            ),
            other => format!("SCHED_FIFO refused ({other}); running with normal scheduling"),
        })
    }

    pub(super) fn tighten_timer_slack() {
        // Refusal leaves the default slack: sleeps end a little later, nothing else.
        let _ = rustix::thread::set_current_timer_slack(core::num::NonZeroU64::new(1));
    }
}

#[cfg(not(target_os = "linux"))]
mod imp {
    const UNSUPPORTED: &str = "not supported on this OS (Linux only); running without it";

    pub(super) fn lock_memory() -> Result<(), String> {
        Err(format!("mlockall {UNSUPPORTED}"))
    }

    pub(super) fn set_fifo() -> Result<(), String> {
        Err(format!("SCHED_FIFO {UNSUPPORTED}"))
    }

    pub(super) fn tighten_timer_slack() {}
}

//! What the OS says about one of this process's threads, found by name: CPU time used
//! and scheduling policy (Linux `/proc/self/task/*/{comm,schedstat,stat}`; `None`
//! elsewhere or when unreadable).
//!
//! Used to show what each wait strategy costs in CPU (a spinning engine thread takes a
//! whole core), and which scheduling the real-time mode really obtained.

use std::fs;
use std::path::Path;

/// One thread's CPU time and scheduling, as read from `/proc`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct ThreadInfo {
    /// CPU time the thread has used since it started, ns (`schedstat`, field 1).
    pub cpu_ns: u64,
    /// Scheduling policy number (`stat` field 41): 0 normal, 1 FIFO, 2 round-robin, …
    pub policy: u32,
    /// Real-time priority (`stat` field 40), 0 for normal threads.
    pub rt_priority: u32,
}

impl ThreadInfo {
    /// The policy's name as the kernel headers spell it, with the priority if real-time.
    pub fn scheduling(&self) -> String {
        match self.policy {
            0 => "SCHED_OTHER (normal)".to_string(),
            1 => format!("SCHED_FIFO priority {}", self.rt_priority),
            2 => format!("SCHED_RR priority {}", self.rt_priority),
            3 => "SCHED_BATCH".to_string(),
            5 => "SCHED_IDLE".to_string(),
            6 => "SCHED_DEADLINE".to_string(),
            p => format!("policy {p}"),
        }
    }
}

/// The first live thread of this process whose name starts with `prefix` (the kernel
/// keeps 15 bytes of a thread's name, so `letdown-baseline` reads as `letdown-baselin`).
pub fn find(prefix: &str) -> Option<ThreadInfo> {
    let tasks = fs::read_dir("/proc/self/task").ok()?;
    tasks
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .find(|dir| {
            fs::read_to_string(dir.join("comm")).is_ok_and(|name| name.trim().starts_with(prefix))
        })
        .and_then(|dir| read(&dir))
}

/// The calling thread's own entry.
pub fn current() -> Option<ThreadInfo> {
    read(Path::new("/proc/thread-self"))
}

fn read(dir: &Path) -> Option<ThreadInfo> {
    let schedstat = fs::read_to_string(dir.join("schedstat")).ok()?;
    let cpu_ns = schedstat.split_whitespace().next()?.parse().ok()?;
    let stat = fs::read_to_string(dir.join("stat")).ok()?;
    // Fields after the name (which may hold spaces) start at field 3, the state.
    let fields: Vec<&str> = stat
        .get(stat.rfind(')')? + 1..)?
        .split_whitespace()
        .collect();
    let field = |n: usize| fields.get(n - 3).and_then(|f| f.parse().ok());
    Some(ThreadInfo {
        cpu_ns,
        rt_priority: field(40)?,
        policy: field(41)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_calling_thread_is_found_by_name_where_proc_exists() {
        let here = std::thread::Builder::new()
            .name("letdown-probe-me".into())
            .spawn(|| (find("letdown-probe-m"), current()))
            .expect("spawn")
            .join()
            .expect("join");
        if Path::new("/proc/self/task").is_dir() {
            let (found, current) = (here.0.expect("found"), here.1.expect("current"));
            assert_eq!(found.policy, current.policy);
            assert!(found.scheduling().starts_with("SCHED_"));
        }
    }
}

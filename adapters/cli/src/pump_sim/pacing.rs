//! When blocks go out: paced by the clock at the session's rate (times `--speed`), or
//! as fast as serve's room allows; and the stall (`--stall-after`), when nothing goes out.

use super::super::link_commands::Log;
use super::settings::Settings;
use super::AfterStall;
use std::time::{Duration, Instant};

/// The board's clock.
pub(super) struct Pacer {
    started: Instant,
    /// Wall time per sample, s; `None`: unpaced.
    period_s: Option<f64>,
}

impl Pacer {
    /// A clock started now, for a session at `rate` Hz.
    pub(super) fn start(rate: f64, speed: Option<f64>) -> Self {
        Self {
            started: Instant::now(),
            period_s: speed.map(|x| 1.0 / (rate * x)),
        }
    }

    /// When the clock started.
    pub(super) fn started(&self) -> Instant {
        self.started
    }

    /// Whether blocks follow the clock.
    pub(super) fn paced(&self) -> bool {
        self.period_s.is_some()
    }

    /// Paced, waits until a block ending before sample `end` has been measured.
    pub(super) fn wait_until_measured(&self, end: u64) {
        if let Some(period_s) = self.period_s {
            let due = self.started + Duration::from_secs_f64(end as f64 * period_s);
            let now = Instant::now();
            if due > now {
                std::thread::sleep(due - now);
            }
        }
    }
}

/// What to do with the next block.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum StallStep {
    Send,
    /// Stalled: the block is not sent (its samples are lost).
    Withhold,
    /// The stall is over and the session ends there.
    End,
}

/// The one stall of a session, if asked for.
pub(super) struct Stall {
    after_s: Option<f64>,
    length: Duration,
    then: AfterStall,
    started: bool,
    /// While stalled: until when.
    until: Option<Instant>,
}

impl Stall {
    pub(super) fn new(settings: &Settings) -> Self {
        Self {
            after_s: settings.stall_after,
            length: settings.stall,
            then: settings.after_stall,
            started: false,
            until: None,
        }
    }

    /// What to do with the block starting at session time `t_s`. Paced (`loses`), the
    /// board's clock runs on through the stall and its samples are lost; unpaced, the
    /// board has no clock to run on: it waits here and loses nothing.
    pub(super) fn step(&mut self, t_s: f64, loses: bool, log: &Log) -> StallStep {
        if self.after_s.is_some_and(|after| t_s >= after) && !self.started {
            self.started = true;
            log.line(format_args!(
                "stall t={t_s:.3}: sending nothing for {:.0} ms{}",
                self.length.as_secs_f64() * 1e3,
                if loses {
                    ""
                } else {
                    " (unpaced: nothing lost)"
                }
            ));
            if !loses {
                std::thread::sleep(self.length);
            }
            let lost = if loses { self.length } else { Duration::ZERO };
            self.until = Some(Instant::now() + lost);
        }
        let Some(until) = self.until else {
            return StallStep::Send;
        };
        if Instant::now() < until {
            return StallStep::Withhold;
        }
        self.until = None;
        if self.then == AfterStall::Exit {
            log.line(format_args!("stall over at t={t_s:.3}: ending the session"));
            return StallStep::End;
        }
        log.line(format_args!("stall over at t={t_s:.3}: sending again"));
        StallStep::Send
    }
}

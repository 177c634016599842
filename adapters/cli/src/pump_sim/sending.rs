//! The session sent block by block, serve's frames read between blocks, and the linger
//! for serve's last Ack.

use super::super::link_commands::{LinkReader, Log};
use super::pacing::{Pacer, Stall, StallStep};
use super::replies::FromServe;
use super::sender::Sender;
use super::session::Session;
use super::settings::Settings;
use crossbeam_channel::RecvTimeoutError;
use letdown_engine::Sample;
use std::time::{Duration, Instant};

/// Everything a running pump-sim holds.
pub(super) struct Pump {
    pub(super) session: Session,
    pub(super) sender: Sender,
    pub(super) from_serve: FromServe,
    pub(super) reader: LinkReader,
    pub(super) log: Log,
    pub(super) quiet: bool,
}

/// Why sending stopped before the session's end.
pub(super) enum Stop {
    /// The session file is malformed further on: exit at once, as for bad options.
    BadInput(String),
    /// The link failed or serve hung up: the summary is still printed.
    Link(String),
}

impl Pump {
    /// Sends the Hello and then every block; `Ok(true)`: the stall ended the session
    /// early (`--after-stall exit`).
    pub(super) fn send_session(
        &mut self,
        settings: &Settings,
        drop_hello: bool,
        block: usize,
        pacer: &Pacer,
    ) -> Result<bool, Stop> {
        self.from_serve.hello = self
            .sender
            .hello(drop_hello, &self.log)
            .map_err(Stop::Link)?;
        let mut samples = Vec::with_capacity(block);
        let mut stall = Stall::new(settings);
        loop {
            self.drain();
            if let Some(result) = &self.from_serve.received.hung_up {
                return Err(Stop::Link(match result {
                    Ok(()) => "serve hung up before the session ended".to_string(),
                    Err(e) => e.clone(),
                }));
            }
            let Some(first) = self
                .session
                .next_block(block, &mut samples, &self.log, self.quiet)
                .map_err(Stop::BadInput)?
            else {
                return Ok(false);
            };
            pacer.wait_until_measured(first + samples.len() as u64);
            let t_s = first as f64 / self.session.rate;
            match stall.step(t_s, pacer.paced(), &self.log) {
                StallStep::Send => self.send_block(first, &samples)?,
                StallStep::Withhold => self.sender.counts.stall_samples += samples.len() as u64,
                StallStep::End => {
                    self.sender.counts.stall_samples += samples.len() as u64;
                    return Ok(true);
                }
            }
        }
    }

    /// Waits for room in serve's queue, then sends the block.
    fn send_block(&mut self, first: u64, samples: &[Sample]) -> Result<(), Stop> {
        let last = !self.session.source.has_more().map_err(Stop::BadInput)?;
        let n = samples.len() as u64;
        self.from_serve
            .wait_for_room(
                n,
                &self.reader,
                &mut self.sender,
                &mut self.session,
                &self.log,
                self.quiet,
            )
            .map_err(Stop::Link)?;
        self.sender
            .block(first, samples, last)
            .map_err(Stop::Link)?;
        self.from_serve
            .sent
            .record(first, first + n, Instant::now());
        Ok(())
    }

    /// Handles whatever serve has sent so far.
    fn drain(&mut self) {
        self.from_serve
            .drain(&self.reader, &mut self.session, &self.log, self.quiet);
    }

    /// Waits (up to `linger`) for serve's Ack of the last frame, then takes the hints
    /// already on their way.
    pub(super) fn linger(&mut self, linger: Duration) {
        let until = Instant::now() + linger;
        let last_seq = self.sender.last_seq();
        loop {
            let received = &self.from_serve.received;
            let acked = received.last_ack.is_some_and(|a| a.last_seq == last_seq);
            if acked || received.hung_up.is_some() {
                break;
            }
            let now = Instant::now();
            if now >= until {
                self.log.line("no Ack of the last frame within --linger-ms");
                break;
            }
            match self.reader.incoming.recv_timeout(until - now) {
                Ok(message) => {
                    self.from_serve
                        .handle(message, &mut self.session, &self.log, self.quiet)
                }
                Err(RecvTimeoutError::Timeout | RecvTimeoutError::Disconnected) => break,
            }
        }
        self.drain();
    }
}

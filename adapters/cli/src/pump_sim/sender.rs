//! Frames out to serve: the Hello and the sample blocks, through the fault injector,
//! counted.

use super::super::link_commands::Log;
use letdown_engine::Sample;
use letdown_io::pump_link::{BoardEncoder, FaultInjector};
use std::io::{self, Write};

/// What was sent.
#[derive(Default)]
pub(super) struct SentCounts {
    pub(super) frames: u64,
    pub(super) blocks: u64,
    pub(super) samples: u64,
    /// Samples not sent because of the stall.
    pub(super) stall_samples: u64,
}

/// The sensor board's sending side.
pub(super) struct Sender {
    board: BoardEncoder,
    injector: FaultInjector,
    writer: Box<dyn Write + Send>,
    /// The frame being sent, with any damage injected.
    out: Vec<u8>,
    pub(super) counts: SentCounts,
}

impl Sender {
    pub(super) fn new(
        board: BoardEncoder,
        injector: FaultInjector,
        writer: Box<dyn Write + Send>,
    ) -> Self {
        Self {
            board,
            injector,
            writer,
            out: Vec::with_capacity(2 * letdown_link::MAX_FRAME_LEN),
            counts: SentCounts::default(),
        }
    }

    /// Sends the Hello (with `drop`, counts it but does not send it, as if it were lost);
    /// returns its bytes, to send again while serve runs no stream.
    pub(super) fn hello(&mut self, drop: bool, log: &Log) -> Result<Vec<u8>, String> {
        let bytes = self
            .board
            .hello(0)
            .map(<[u8]>::to_vec)
            .map_err(|e| format!("cannot encode the Hello: {e}"))?;
        self.counts.frames += 1;
        if drop {
            log.line("hello not sent (--drop-hello)");
        } else {
            self.resend(&bytes)?;
        }
        Ok(bytes)
    }

    /// Sends a frame sent before (a Hello again); not counted.
    pub(super) fn resend(&mut self, bytes: &[u8]) -> Result<(), String> {
        write_frame(&mut self.writer, bytes)
    }

    /// Encodes `samples` (from index `first`) as a block, lets the injector damage it,
    /// and sends it; `last`: the session's last block.
    pub(super) fn block(
        &mut self,
        first: u64,
        samples: &[Sample],
        last: bool,
    ) -> Result<(), String> {
        self.out.clear();
        let frame = self
            .board
            .block(first, samples)
            .map_err(|e| format!("cannot encode a block: {e}"))?;
        self.injector
            .block(frame, samples.len(), last, &mut self.out);
        write_frame(&mut self.writer, &self.out)?;
        self.counts.frames += 1;
        self.counts.blocks += 1;
        self.counts.samples += samples.len() as u64;
        Ok(())
    }

    /// The sequence number of the last frame encoded.
    pub(super) fn last_seq(&self) -> u16 {
        self.board.next_seq().wrapping_sub(1)
    }

    pub(super) fn injected(&self) -> letdown_io::pump_link::InjectionCounts {
        self.injector.counts()
    }
}

fn write_frame(writer: &mut Box<dyn Write + Send>, bytes: &[u8]) -> Result<(), String> {
    writer
        .write_all(bytes)
        .and_then(|()| writer.flush())
        .map_err(|e| match e.kind() {
            io::ErrorKind::BrokenPipe => "serve closed the link".to_string(),
            _ => format!("write to the link failed: {e}"),
        })
}

//! What serve sends back (hints, Acks, heartbeats), and waiting for the room its Acks give.

use super::super::link::{hint_fields, opt, Incoming, LinkReader, Log};
use super::session::Session;
use super::write_frame;
use crossbeam_channel::RecvTimeoutError;
use letdown_engine::{Mode, Reason};
use letdown_link::{Ack, FrameDecoder, Payload, SequenceTracker};
use std::collections::VecDeque;
use std::io::Write;
use std::time::{Duration, Instant};

/// What the pump received and did.
#[derive(Default)]
pub(super) struct Received {
    pub(super) hints: u64,
    pub(super) acks: u64,
    pub(super) heartbeats: u64,
    pub(super) frames_dropped: u64,
    pub(super) frames_lost: u64,
    pub(super) last_ack: Option<Ack>,
    /// The first hint asking for expression: (hint's sample time s, reason).
    pub(super) first_expression: Option<(f64, Reason)>,
    /// The first letdown hint: (sample time s, round trip ms).
    pub(super) letdown: Option<(f64, Option<f64>)>,
    /// Pause hints received: (sample time s, reason).
    pub(super) pauses: Vec<(f64, Reason)>,
    pub(super) round_trips_ms: Vec<f64>,
    pub(super) hung_up: Option<Result<(), String>>,
    /// Times the Hello was sent again, no stream running at serve.
    pub(super) hellos_again: u64,
    /// Times the sender waited for room in serve's queue, and for how long in all, s.
    pub(super) room_waits: u64,
    pub(super) room_wait_s: f64,
}

/// Blocks sent and when, to time the round trip of the hints they cause.
pub(super) struct SentBlocks {
    pub(super) blocks: VecDeque<(u64, u64, Instant)>,
}

impl SentBlocks {
    const KEEP: usize = 1 << 16;

    pub(super) fn record(&mut self, first: u64, end: u64, at: Instant) {
        if self.blocks.len() == Self::KEEP {
            self.blocks.pop_front();
        }
        self.blocks.push_back((first, end, at));
    }

    /// Samples sent with an index at or after `index` (the last blocks sent).
    pub(super) fn samples_from(&self, index: u64) -> u64 {
        self.blocks
            .iter()
            .rev()
            .take_while(|&&(_, end, _)| end > index)
            .map(|&(first, end, _)| end - first.max(index))
            .sum()
    }

    /// When the block holding sample `index` was sent.
    pub(super) fn sent_at(&self, index: u64) -> Option<Instant> {
        let i = self.blocks.partition_point(|&(_, end, _)| end <= index);
        self.blocks
            .get(i)
            .filter(|&&(first, _, _)| first <= index)
            .map(|&(_, _, at)| at)
    }
}

/// How long a sender waits for an Ack with room before it sends its Hello again.
pub(super) const HELLO_AGAIN: Duration = Duration::from_millis(500);

/// The downstream half: frames from serve.
pub(super) struct Downlink {
    /// The Hello as sent, to send again while serve runs no stream.
    pub(super) hello: Vec<u8>,
    /// How long to wait for room before giving up.
    pub(super) room_wait: Duration,
    pub(super) decoder: FrameDecoder,
    pub(super) tracker: SequenceTracker,
    pub(super) received: Received,
    pub(super) sent: SentBlocks,
}

/// Whether serve's last Ack leaves room for `n` more samples: the samples sent that it
/// had not yet counted (indices from its `next_sample_index` on) and the `n` new ones
/// must fit its `spare_samples` (crate docs, "Flow control").
pub(super) fn has_room(ack: Option<Ack>, sent: &SentBlocks, n: u64) -> bool {
    ack.is_some_and(|a| {
        a.spare_samples == u32::MAX
            || sent.samples_from(a.next_sample_index) + n <= u64::from(a.spare_samples)
    })
}

impl Downlink {
    /// Waits (reading serve's frames) until its Acks leave room for `n` more samples;
    /// an error after `room_wait` without room, or if serve hung up. While serve runs no
    /// stream (no Ack, or one without room: the Hello may have been lost), the Hello is
    /// sent again every [`HELLO_AGAIN`].
    pub(super) fn wait_for_room(
        &mut self,
        n: u64,
        reader: &LinkReader,
        writer: &mut Box<dyn Write + Send>,
        session: &mut Session,
        log: &Log,
        quiet: bool,
    ) -> Result<(), String> {
        if has_room(self.received.last_ack, &self.sent, n) {
            return Ok(());
        }
        let waited = Instant::now();
        let limit = self.room_wait;
        let give_up = waited + limit;
        let mut hello_at = waited + HELLO_AGAIN;
        while !has_room(self.received.last_ack, &self.sent, n) {
            let now = Instant::now();
            let no_stream = self.received.last_ack.is_none_or(|a| a.spare_samples == 0);
            if no_stream && now >= hello_at {
                write_frame(writer, &self.hello)?;
                self.received.hellos_again += 1;
                hello_at = now + HELLO_AGAIN;
            }
            if now >= give_up {
                return Err(format!(
                    "serve's Acks left no room for {n} more sample(s) for {:.0} ms (last Ack: {:?})",
                    limit.as_secs_f64() * 1e3,
                    self.received.last_ack
                ));
            }
            let until = if no_stream {
                give_up.min(hello_at)
            } else {
                give_up
            };
            match reader
                .incoming
                .recv_timeout(until.saturating_duration_since(now))
            {
                Ok(message) => self.handle(message, session, log, quiet),
                Err(RecvTimeoutError::Timeout) => {}
                Err(RecvTimeoutError::Disconnected) => {
                    return Err("serve's side of the link closed".to_string())
                }
            }
            if self.received.hung_up.is_some() {
                return Err("serve hung up".to_string());
            }
        }
        self.received.room_waits += 1;
        self.received.room_wait_s += waited.elapsed().as_secs_f64();
        Ok(())
    }

    pub(super) fn drain(
        &mut self,
        reader: &LinkReader,
        session: &mut Session,
        log: &Log,
        quiet: bool,
    ) {
        while let Ok(message) = reader.incoming.try_recv() {
            self.handle(message, session, log, quiet);
        }
    }

    pub(super) fn handle(
        &mut self,
        message: Incoming,
        session: &mut Session,
        log: &Log,
        quiet: bool,
    ) {
        let chunk = match message {
            Incoming::Bytes(chunk) => chunk,
            Incoming::End(result) => {
                self.received.hung_up = Some(result);
                return;
            }
        };
        let at = chunk.at;
        for result in self.decoder.frames(chunk.bytes()) {
            let frame = match result {
                Ok(frame) => frame,
                Err(e) => {
                    self.received.frames_dropped += 1;
                    if !quiet {
                        log.line(format_args!("from serve: {e}"));
                    }
                    continue;
                }
            };
            let c = self.tracker.observe(&frame);
            if let letdown_link::Continuity::Gap { lost_frames, .. } = c {
                self.received.frames_lost += u64::from(lost_frames);
                log.line(format_args!("from serve: {lost_frames} frame(s) lost"));
            }
            match frame.payload {
                Payload::Hint(hint) => {
                    let r = &mut self.received;
                    r.hints += 1;
                    let t_hint = hint.sample_index as f64 / session.rate;
                    let now_s = session.next_index as f64 / session.rate;
                    let round_trip = self
                        .sent
                        .sent_at(hint.sample_index)
                        .map(|sent| at.saturating_duration_since(sent).as_secs_f64() * 1e3);
                    if let Some(ms) = round_trip {
                        r.round_trips_ms.push(ms);
                    }
                    if hint.mode == Mode::Expression && r.first_expression.is_none() {
                        r.first_expression = Some((t_hint, hint.reason));
                    }
                    if hint.mode == Mode::Expression
                        && hint.reason == Reason::LetdownDetected
                        && r.letdown.is_none()
                    {
                        r.letdown = Some((t_hint, round_trip));
                    }
                    if hint.mode == Mode::Pause {
                        r.pauses.push((t_hint, hint.reason));
                    }
                    let applied = session.source.apply_hint(&hint);
                    if !quiet {
                        log.line(format_args!(
                            "hint t={now_s:.3} sample_t={t_hint:.3} {} round_trip_ms={}{}",
                            hint_fields(&hint),
                            opt(round_trip, 3),
                            if applied {
                                ""
                            } else {
                                " (not applied: recorded session)"
                            }
                        ));
                    }
                }
                Payload::Ack(ack) => {
                    self.received.acks += 1;
                    self.received.last_ack = Some(ack);
                }
                Payload::Heartbeat(_) => self.received.heartbeats += 1,
                Payload::Hello(_) | Payload::SampleBlock(_) | Payload::Settings(_) => {
                    log.line(format_args!(
                        "from serve: unexpected {} frame ignored",
                        frame.payload.frame_type()
                    ));
                }
            }
        }
    }
}

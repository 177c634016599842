//! What serve sends back (hints, Acks, heartbeats), and waiting for the room its Acks give.

use super::super::link_commands::{fixed_or_none, hint_fields, Incoming, LinkReader, Log};
use super::sender::Sender;
use super::session::Session;
use crossbeam_channel::RecvTimeoutError;
use letdown_engine::{ControlHint, Mode, Reason};
use letdown_link::{Ack, FrameDecoder, Payload, SequenceTracker};
use std::collections::VecDeque;
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

    /// Time from sending the block that held sample `index` to `at`, ms; `None` when that
    /// block is no longer remembered.
    pub(super) fn round_trip_ms(&self, index: u64, at: Instant) -> Option<f64> {
        self.sent_at(index)
            .map(|sent| at.saturating_duration_since(sent).as_secs_f64() * 1e3)
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

/// pump-sim's side of the link from serve: the frames it reads (hints, Acks, heartbeats), and the blocks it sent, to time their round trip and know serve's room.
pub(super) struct FromServe {
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

impl FromServe {
    /// Nothing received yet; `room_wait`: how long to wait for room before giving up.
    pub(super) fn new(room_wait: Duration) -> Self {
        Self {
            hello: Vec::new(),
            room_wait,
            decoder: FrameDecoder::new(),
            tracker: SequenceTracker::new(),
            received: Received::default(),
            sent: SentBlocks {
                blocks: VecDeque::new(),
            },
        }
    }

    /// Waits (reading serve's frames) until its Acks leave room for `n` more samples;
    /// an error after `room_wait` without room, or if serve hung up. While serve runs no
    /// stream (no Ack, or one without room: the Hello may have been lost), the Hello is
    /// sent again every [`HELLO_AGAIN`].
    pub(super) fn wait_for_room(
        &mut self,
        n: u64,
        reader: &LinkReader,
        sender: &mut Sender,
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
                sender.resend(&self.hello)?;
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
                    let round_trip = self.sent.round_trip_ms(hint.sample_index, at);
                    self.received
                        .on_hint(&hint, round_trip, session, log, quiet);
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

impl Received {
    /// A hint from serve, `round_trip_ms` after the block that held its sample was sent:
    /// counted, given to the simulated pump, and printed.
    fn on_hint(
        &mut self,
        hint: &ControlHint,
        round_trip_ms: Option<f64>,
        session: &mut Session,
        log: &Log,
        quiet: bool,
    ) {
        self.hints += 1;
        let t_hint = hint.sample_index as f64 / session.rate;
        let now_s = session.next_index as f64 / session.rate;
        if let Some(ms) = round_trip_ms {
            self.round_trips_ms.push(ms);
        }
        if hint.mode == Mode::Expression && self.first_expression.is_none() {
            self.first_expression = Some((t_hint, hint.reason));
        }
        if hint.mode == Mode::Expression
            && hint.reason == Reason::LetdownDetected
            && self.letdown.is_none()
        {
            self.letdown = Some((t_hint, round_trip_ms));
        }
        if hint.mode == Mode::Pause {
            self.pauses.push((t_hint, hint.reason));
        }
        let applied = session.source.apply_hint(hint);
        if !quiet {
            log.line(format_args!(
                "hint t={now_s:.3} sample_t={t_hint:.3} {} round_trip_ms={}{}",
                hint_fields(hint),
                fixed_or_none(round_trip_ms, 3),
                if applied {
                    ""
                } else {
                    " (not applied: recorded session)"
                }
            ));
        }
    }
}

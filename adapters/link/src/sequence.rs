//! Sequence tracking: lost frames and missing samples, from what the frames say.

use crate::frame::{Frame, Payload};

/// How a received frame continues the stream.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Continuity {
    /// The first frame since the tracker started, or a [`crate::Hello`] (stream restart).
    Start,
    /// The next frame; for a block, its samples follow the previous block's.
    InOrder,
    /// Frames or samples are missing before this frame. Tell the engine:
    /// `engine.process_gap(missing_samples)` before processing the block's samples.
    Gap {
        /// Frames (of any type) lost, from the sequence numbers; modulo 2¹⁶.
        lost_frames: u16,
        /// Samples lost, from the first-sample indices; exact.
        missing_samples: u64,
    },
    /// The same sequence number as the previous frame: a repeat, to be ignored.
    Duplicate,
    /// A block starts before the end of the previous block: it repeats samples already
    /// received (a board that restarts its numbering sends a Hello first). The tracker
    /// keeps expecting the same index (or the block's end, if it reaches further); a
    /// receiver drops the samples before that index.
    Rewind {
        /// First sample index the tracker expected.
        expected_index: u64,
        /// First sample index of this block.
        first_sample_index: u64,
    },
}

impl Continuity {
    /// Samples to report to the engine as missing before this frame's samples (0 unless
    /// [`Continuity::Gap`]).
    pub const fn missing_samples(&self) -> u64 {
        match self {
            Continuity::Gap {
                missing_samples, ..
            } => *missing_samples,
            _ => 0,
        }
    }
}

/// Totals of what the tracker reported.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct SequenceStats {
    /// Frames observed.
    pub frames: u64,
    /// Frames lost (sum of [`Continuity::Gap`]'s `lost_frames`). Only where the stream
    /// goes on: frames lost just before a [`crate::Hello`], a [`Continuity::Rewind`] or
    /// the first block after heartbeats are not counted, since there the board may have
    /// restarted, and its numbering with it (a restart's Hello can be lost): counting the
    /// jump of the sequence numbers would report tens of thousands of frames lost.
    pub lost_frames: u64,
    /// Samples missing (sum of [`Continuity::Gap`]'s `missing_samples`, saturating at
    /// `u64::MAX`).
    pub missing_samples: u64,
    /// Duplicates seen.
    pub duplicates: u64,
    /// Rewinds seen.
    pub rewinds: u64,
    /// Stream starts seen (the first frame, and every Hello).
    pub starts: u64,
}

/// Follows one sender's sequence numbers and sample indices.
///
/// Sequence numbers (+1 per frame of any type, wrapping at 2¹⁶) tell how many frames were
/// lost, modulo 2¹⁶; first-sample indices tell exactly how many samples, however many
/// frames that took. Feed it every good frame from one sender, in arrival order.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SequenceTracker {
    last_seq: Option<u16>,
    next_sample_index: Option<u64>,
    stats: SequenceStats,
}

impl SequenceTracker {
    /// A tracker that has seen nothing.
    pub const fn new() -> Self {
        Self {
            last_seq: None,
            next_sample_index: None,
            stats: SequenceStats {
                frames: 0,
                lost_frames: 0,
                missing_samples: 0,
                duplicates: 0,
                rewinds: 0,
                starts: 0,
            },
        }
    }

    /// Observes a good frame: a [`crate::Hello`] restarts the stream at its
    /// `next_sample_index`, a [`crate::SampleBlock`] is checked for sample continuity,
    /// any other frame only for its sequence number.
    pub fn observe(&mut self, frame: &Frame) -> Continuity {
        match &frame.payload {
            Payload::Hello(h) => self.restart(frame.seq, Some(h.next_sample_index)),
            Payload::SampleBlock(b) => {
                self.observe_block(frame.seq, b.first_sample_index, b.len() as u64)
            }
            _ => self.observe_seq(frame.seq),
        }
    }

    /// Observes a frame that carries no samples.
    pub fn observe_seq(&mut self, seq: u16) -> Continuity {
        self.stats.frames += 1;
        let Some(last) = self.last_seq.replace(seq) else {
            self.stats.starts += 1;
            return Continuity::Start;
        };
        match seq.wrapping_sub(last) {
            0 => {
                self.stats.duplicates += 1;
                Continuity::Duplicate
            }
            1 => Continuity::InOrder,
            delta => self.gap(delta - 1, 0),
        }
    }

    /// Observes a sample block: its sequence number, first sample index and sample count.
    pub fn observe_block(&mut self, seq: u16, first_sample_index: u64, count: u64) -> Continuity {
        self.stats.frames += 1;
        let (Some(last_seq), Some(expected)) = (self.last_seq, self.next_sample_index) else {
            // Nothing yet, or no sample index known (only heartbeats so far): the
            // stream's samples start here.
            self.stats.starts += 1;
            self.last_seq = Some(seq);
            self.next_sample_index = Some(first_sample_index.saturating_add(count));
            return Continuity::Start;
        };
        let delta = seq.wrapping_sub(last_seq);
        if delta == 0 && first_sample_index < expected {
            // A repeat (a duplicate starts before the end of the block it repeats).
            self.stats.duplicates += 1;
            return Continuity::Duplicate;
        }
        self.last_seq = Some(seq);
        let end = first_sample_index.saturating_add(count);
        self.next_sample_index = Some(end.max(expected));
        if first_sample_index < expected {
            self.stats.rewinds += 1;
            return Continuity::Rewind {
                expected_index: expected,
                first_sample_index,
            };
        }
        // delta == 0 with samples that move on: a multiple of 2^16 frames was lost.
        let lost = delta.wrapping_sub(1);
        let missing = first_sample_index - expected;
        if lost == 0 && missing == 0 {
            Continuity::InOrder
        } else {
            self.gap(lost, missing)
        }
    }

    /// Forgets the stream: the next frame is a [`Continuity::Start`].
    pub fn reset(&mut self) {
        self.last_seq = None;
        self.next_sample_index = None;
    }

    /// Totals so far.
    pub const fn stats(&self) -> &SequenceStats {
        &self.stats
    }

    fn restart(&mut self, seq: u16, next_sample_index: Option<u64>) -> Continuity {
        self.stats.frames += 1;
        self.stats.starts += 1;
        self.last_seq = Some(seq);
        self.next_sample_index = next_sample_index;
        Continuity::Start
    }

    fn gap(&mut self, lost_frames: u16, missing_samples: u64) -> Continuity {
        self.stats.lost_frames += u64::from(lost_frames);
        // Saturating: a sender's indices may jump by up to 2⁶⁴ − 1 at every Hello.
        self.stats.missing_samples = self.stats.missing_samples.saturating_add(missing_samples);
        Continuity::Gap {
            lost_frames,
            missing_samples,
        }
    }
}

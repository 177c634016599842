//! Link damage on purpose, for tests of the receive path: what `letdown pump-sim
//! --garbage-every/--truncate-every/--corrupt-every/--drop-every` does to its sample
//! blocks, each injection counted so that the receiver's statistics can be checked.
//!
//! Blocks are numbered from 1; a fault "every N" hits blocks N, 2N, 3N, … The final block
//! of a stream is never damaged: a lost last block has no successor to reveal the gap.
//! What each does, and what the receiver must count:
//!
//! | fault | on the wire | decoder | sequence |
//! |---|---|---|---|
//! | garbage | 1–32 random non-zero bytes before the block (so one junk frame) | 1 dropped | — |
//! | truncate | the block's first half, without its closing `0x00` | 1 dropped | 1 frame, its samples missing |
//! | corrupt | one bit flipped in one byte (never into `0x00`) | 1 dropped | 1 frame, its samples missing |
//! | drop | nothing | — | 1 frame, its samples missing |
//!
//! On one block, drop outranks truncate, which outranks corrupt; garbage comes on top.
//! The decoder drops one frame per run of bytes between two `0x00`: garbage that follows
//! a truncated block (whose closing `0x00` was lost) merges with it into one junk frame,
//! which [`InjectionCounts::junk_frames`] counts once.

/// Which faults to inject, each every N blocks (0 = never).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct LinkFaults {
    /// Random non-zero bytes before every N-th block.
    pub garbage_every: u64,
    /// Every N-th block cut in half (its closing delimiter lost).
    pub truncate_every: u64,
    /// One bit flipped in every N-th block.
    pub corrupt_every: u64,
    /// Every N-th block not sent at all.
    pub drop_every: u64,
}

impl LinkFaults {
    /// Whether any fault is asked for.
    pub fn any(&self) -> bool {
        self.garbage_every + self.truncate_every + self.corrupt_every + self.drop_every > 0
    }
}

/// What was injected.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct InjectionCounts {
    /// Blocks offered.
    pub blocks: u64,
    /// Bursts of garbage sent (one junk frame each, unless right after a truncated block).
    pub garbage_bursts: u64,
    /// Garbage bytes sent.
    pub garbage_bytes: u64,
    /// Blocks truncated.
    pub truncated: u64,
    /// Blocks with a flipped bit.
    pub corrupted: u64,
    /// Blocks not sent.
    pub dropped: u64,
    /// Samples in the truncated, corrupted and dropped blocks: the samples the receiver
    /// must report missing.
    pub samples_lost: u64,
    /// Runs of damaged bytes between two `0x00` (garbage, truncated and corrupted frames,
    /// garbage right after a truncated frame counted with it): the frames the receiver's
    /// decoder must drop.
    pub junk_frames: u64,
}

impl InjectionCounts {
    /// Frames the receiver's decoder must drop: [`junk_frames`](Self::junk_frames).
    pub fn decoder_drops(&self) -> u64 {
        self.junk_frames
    }

    /// Frames the receiver's sequence numbers must show as lost.
    pub fn frames_lost(&self) -> u64 {
        self.truncated + self.corrupted + self.dropped
    }
}

/// Applies [`LinkFaults`] to a stream of encoded blocks (module docs). Deterministic for
/// a seed.
#[derive(Clone, Debug)]
pub struct FaultInjector {
    faults: LinkFaults,
    rng: u64,
    counts: InjectionCounts,
    /// The last bytes sent are a damaged run without its closing `0x00`.
    open_run: bool,
}

impl FaultInjector {
    /// An injector for `faults`; `seed` fixes the garbage bytes and flipped bits.
    pub fn new(faults: LinkFaults, seed: u64) -> Self {
        Self {
            faults,
            rng: seed ^ 0x9E37_79B9_7F4A_7C15,
            counts: InjectionCounts::default(),
            open_run: false,
        }
    }

    /// What was injected so far.
    pub fn counts(&self) -> InjectionCounts {
        self.counts
    }

    /// Appends to `out` what goes on the wire for the next block, whose encoded frame
    /// (leading and closing `0x00` included) is `frame` and which holds `samples`
    /// samples. `last`: the stream's final block, never damaged. Returns whether the
    /// block goes out intact (`false`: truncated, corrupted or dropped — lost).
    pub fn block(&mut self, frame: &[u8], samples: usize, last: bool, out: &mut Vec<u8>) -> bool {
        self.counts.blocks += 1;
        let k = self.counts.blocks;
        let due = |every: u64| every > 0 && k % every == 0 && !last;
        if due(self.faults.garbage_every) {
            let len = 1 + (self.next() % 32) as usize;
            for _ in 0..len {
                out.push(1 + (self.next() % 255) as u8);
            }
            self.counts.garbage_bursts += 1;
            self.counts.garbage_bytes += len as u64;
            if !self.open_run {
                self.counts.junk_frames += 1;
                self.open_run = true;
            }
        }
        if due(self.faults.drop_every) {
            self.counts.dropped += 1;
            self.counts.samples_lost += samples as u64;
            false
        } else if due(self.faults.truncate_every) && frame.len() > 4 {
            // The leading 0x00 and the first half of the COBS bytes; the tail and the
            // closing 0x00 are lost, so the next frame's leading 0x00 ends this one.
            out.extend_from_slice(frame.get(..frame.len() / 2).unwrap_or(frame));
            self.counts.truncated += 1;
            self.counts.samples_lost += samples as u64;
            // Its leading 0x00 ends any open run; it opens one of its own.
            self.counts.junk_frames += 1;
            self.open_run = true;
            false
        } else if due(self.faults.corrupt_every) && frame.len() > 2 {
            let start = out.len();
            out.extend_from_slice(frame);
            // A byte between the delimiters; a bit whose flip keeps it non-zero (a new
            // 0x00 would split the frame in two).
            let inner = frame.len() - 2;
            let at = start + 1 + (self.next() % inner as u64) as usize;
            let bit = (self.next() % 8) as u32;
            if let Some(byte) = out.get_mut(at) {
                let mut flipped = *byte ^ (1 << bit);
                if flipped == 0 {
                    flipped = *byte ^ (1 << ((bit + 1) % 8));
                }
                *byte = flipped;
            }
            self.counts.corrupted += 1;
            self.counts.samples_lost += samples as u64;
            self.counts.junk_frames += 1;
            self.open_run = false;
            false
        } else {
            out.extend_from_slice(frame);
            self.open_run = false;
            true
        }
    }

    /// splitmix64.
    fn next(&mut self) -> u64 {
        self.rng = self.rng.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.rng;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
}

//! The user's settings handed from the sensor side to the engine thread while the
//! pipeline runs (`Engine::set_user_settings` on the engine's own thread).
//!
//! Two buffers of atomics, each a seqlock, and a count of the sets published. The writer
//! (the producer's thread, when the firmware reports a change, rarely) fills the buffer
//! that does not hold the latest set (its sequence odd while it writes) and then counts the
//! set published; the engine thread compares the count with the last one it applied — one
//! load per batch of slots — and only on a change reads the latest set's buffer and checks
//! that its sequence did not move meanwhile. So a write in progress never hides the set
//! published before it: a slot pushed after a set was published always finds that set (or
//! a newer one) complete. The latest set's buffer is only rewritten by the publish after
//! the next one, and a read that meets it is retried on the newer set in the other buffer
//! a few times, then at the next batch. Neither side waits, locks or allocates.

use letdown_engine::UserSettings;
use std::sync::atomic::{fence, AtomicU32, AtomicU64, Ordering};

/// Reads of the latest set that a write overlaps before the engine thread leaves it to the
/// next batch of slots: each needs two more sets published during a read of five atomics.
const READ_ATTEMPTS: u32 = 4;

/// One set of the five settings, behind its own sequence (odd while written).
#[derive(Debug, Default)]
struct Buffer {
    seq: AtomicU64,
    fields: [AtomicU32; 5],
}

/// The latest settings published, with the number of sets published (0: none yet).
#[derive(Debug, Default)]
pub(crate) struct SettingsMailbox {
    published: AtomicU64,
    buffers: [Buffer; 2],
}

impl SettingsMailbox {
    /// Publishes `s` (one writer at a time: the producer, which `&mut self` serialises).
    pub(crate) fn publish(&self, s: &UserSettings) {
        let n = self.published.load(Ordering::Relaxed);
        self.write(n + 1, s);
        self.commit(n + 1);
    }

    /// Writes `s` into set `n`'s buffer, the one the latest set (`n − 1`) is not in.
    fn write(&self, n: u64, s: &UserSettings) {
        let buffer = self.buffer(n);
        let seq = buffer.seq.load(Ordering::Relaxed);
        buffer.seq.store(seq.wrapping_add(1), Ordering::Relaxed);
        // The odd sequence is visible before any field changes.
        fence(Ordering::Release);
        for (slot, value) in buffer.fields.iter().zip(fields(s)) {
            slot.store(value.to_bits(), Ordering::Relaxed);
        }
        buffer.seq.store(seq.wrapping_add(2), Ordering::Release);
    }

    /// Counts set `n` published: every field is visible before the count (and before any
    /// slot pushed after this call: the ring publishes with a release store).
    fn commit(&self, n: u64) {
        self.published.store(n, Ordering::Release);
    }

    fn buffer(&self, n: u64) -> &Buffer {
        &self.buffers[(n % 2) as usize]
    }

    /// Settings newer than set `seen`, if one is there; `seen` moves on.
    #[inline]
    pub(crate) fn take_newer(&self, seen: &mut u64) -> Option<UserSettings> {
        let n = self.published.load(Ordering::Acquire);
        if n == *seen {
            return None;
        }
        self.read_latest(n, seen)
    }

    #[cold]
    #[inline(never)]
    fn read_latest(&self, mut n: u64, seen: &mut u64) -> Option<UserSettings> {
        for _ in 0..READ_ATTEMPTS {
            if let Some(f) = self.read(n) {
                *seen = n;
                return Some(UserSettings {
                    stimulation_vacuum_mmhg: f[0],
                    stimulation_rate_cpm: f[1],
                    expression_vacuum_mmhg: f[2],
                    expression_rate_cpm: f[3],
                    max_vacuum_mmhg: f[4],
                });
            }
            // Rewritten meanwhile: a newer set is complete in the other buffer.
            n = self.published.load(Ordering::Acquire);
        }
        None
    }

    /// Set `n`'s fields, unless its buffer has been rewritten since (a newer set is there,
    /// or half of one) or a write overlapped the read. Each write adds 2 to its buffer's
    /// sequence, and set `n` is its buffer's ⌈n/2⌉-th write.
    fn read(&self, n: u64) -> Option<[f32; 5]> {
        let buffer = self.buffer(n);
        let seq = buffer.seq.load(Ordering::Acquire);
        let f: [f32; 5] =
            core::array::from_fn(|i| f32::from_bits(buffer.fields[i].load(Ordering::Relaxed)));
        fence(Ordering::Acquire);
        let written_n = n + (n & 1);
        (seq == written_n && buffer.seq.load(Ordering::Relaxed) == seq).then_some(f)
    }
}

fn fields(s: &UserSettings) -> [f32; 5] {
    [
        s.stimulation_vacuum_mmhg,
        s.stimulation_rate_cpm,
        s.expression_vacuum_mmhg,
        s.expression_rate_cpm,
        s.max_vacuum_mmhg,
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use letdown_engine::EngineConfig;

    #[test]
    fn the_engine_side_sees_each_new_set_once() {
        let m = SettingsMailbox::default();
        let mut seen = 0;
        assert_eq!(m.take_newer(&mut seen), None);
        let mut s = EngineConfig::new(1000.0).user_settings();
        s.expression_vacuum_mmhg = -150.0;
        m.publish(&s);
        assert_eq!(m.take_newer(&mut seen), Some(s));
        assert_eq!(m.take_newer(&mut seen), None);
        s.max_vacuum_mmhg = -200.0;
        m.publish(&s);
        s.stimulation_rate_cpm = 100.0;
        m.publish(&s);
        assert_eq!(m.take_newer(&mut seen), Some(s), "the latest set wins");
        assert_eq!(m.take_newer(&mut seen), None);
    }

    #[test]
    fn a_write_in_progress_leaves_the_set_published_before_it_readable() {
        let m = SettingsMailbox::default();
        let mut seen = 0;
        let mut a = EngineConfig::new(1000.0).user_settings();
        a.expression_vacuum_mmhg = -150.0;
        m.publish(&a);
        // The next set is half written (its buffer's sequence odd, not yet counted): a
        // slot pushed after `a` was published still finds `a`.
        let mut b = a;
        b.expression_vacuum_mmhg = -120.0;
        m.write(2, &b);
        assert_eq!(m.take_newer(&mut seen), Some(a));
        m.commit(2);
        assert_eq!(m.take_newer(&mut seen), Some(b));
        // A third set rewrites `a`'s buffer: `a` is no longer there to be read, whether
        // the write is under way or done but not yet counted; `b` stays readable.
        let mut c = b;
        c.max_vacuum_mmhg = -200.0;
        m.write(3, &c);
        assert_eq!(m.read(1), None, "set 1's buffer now holds set 3");
        assert_eq!(m.read(2).map(|f| f[4]), Some(b.max_vacuum_mmhg));
        let buffer = m.buffer(3);
        buffer.seq.fetch_add(1, Ordering::Relaxed);
        assert_eq!(m.read(3), None, "a buffer being written is not read");
        buffer.seq.fetch_sub(1, Ordering::Relaxed);
        m.commit(3);
        assert_eq!(m.take_newer(&mut seen), Some(c));
    }

    #[test]
    fn a_reader_that_fell_behind_never_takes_a_newer_set_for_an_older_one() {
        // The engine thread saw set 1 counted, then the producer published set 2 and
        // wrote set 3 into set 1's buffer before counting it: the read of set 1 finds set
        // 3 there, refuses it and takes set 2, the latest counted.
        let m = SettingsMailbox::default();
        let mut sets = [EngineConfig::new(1000.0).user_settings(); 3];
        for (k, s) in sets.iter_mut().enumerate() {
            s.expression_vacuum_mmhg = -150.0 + 10.0 * k as f32;
        }
        m.publish(&sets[0]);
        m.publish(&sets[1]);
        m.write(3, &sets[2]);
        let mut seen = 0;
        assert_eq!(m.read_latest(1, &mut seen), Some(sets[1]));
        assert_eq!(seen, 2);
    }
}

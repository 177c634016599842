//! The user's settings handed from the sensor side to the engine thread while the
//! pipeline runs (`Engine::set_user_settings` on the engine's own thread).
//!
//! A seqlock of atomics: the writer (the producer's thread, when the firmware reports a
//! change, rarely) makes the version odd, stores the five fields and makes it even again;
//! the engine thread compares the version with the last one it applied — one load per
//! batch of slots — and only on a change reads the fields and checks that the version did
//! not move meanwhile. Neither side waits, locks or allocates; a read that overlaps a
//! write is retried at the next batch.

use letdown_engine::UserSettings;
use std::sync::atomic::{fence, AtomicU32, AtomicU64, Ordering};

/// The latest settings published, with their version (0: none yet).
#[derive(Debug, Default)]
pub(crate) struct SettingsMailbox {
    version: AtomicU64,
    fields: [AtomicU32; 5],
}

impl SettingsMailbox {
    /// Publishes `s` (one writer at a time: the producer, which `&mut self` serialises).
    pub(crate) fn publish(&self, s: &UserSettings) {
        let v = self.version.load(Ordering::Relaxed);
        self.version.store(v.wrapping_add(1), Ordering::Relaxed);
        // The odd version is visible before any field changes.
        fence(Ordering::Release);
        for (slot, value) in self.fields.iter().zip(fields(s)) {
            slot.store(value.to_bits(), Ordering::Relaxed);
        }
        // Every field is visible before the even version (and before any slot pushed
        // after this call: the ring publishes with a release store).
        self.version.store(v.wrapping_add(2), Ordering::Release);
    }

    /// Settings newer than version `seen`, if a complete set is there; `seen` moves on.
    #[inline]
    pub(crate) fn take_newer(&self, seen: &mut u64) -> Option<UserSettings> {
        let v1 = self.version.load(Ordering::Acquire);
        if v1 == *seen {
            return None;
        }
        self.read_changed(v1, seen)
    }

    #[cold]
    #[inline(never)]
    fn read_changed(&self, v1: u64, seen: &mut u64) -> Option<UserSettings> {
        if v1 % 2 == 1 {
            return None;
        }
        let f: [f32; 5] =
            core::array::from_fn(|i| f32::from_bits(self.fields[i].load(Ordering::Relaxed)));
        fence(Ordering::Acquire);
        if self.version.load(Ordering::Relaxed) != v1 {
            return None;
        }
        *seen = v1;
        Some(UserSettings {
            stimulation_vacuum_mmhg: f[0],
            stimulation_rate_cpm: f[1],
            expression_vacuum_mmhg: f[2],
            expression_rate_cpm: f[3],
            max_vacuum_mmhg: f[4],
        })
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
}

//! One way to drive an engine over a session: a [`SampleSource`] gives samples and gaps
//! in order (a session file, the simulator, a test's array), and [`drive`] feeds them to
//! [`Engine::process`] and [`Engine::process_gap`], handing every event on as it comes.
//!
//! Replay, evaluation, the simulator's own scoring and the tests all go through [`drive`]
//! (or [`drive_observed`], when something must watch each input beside the engine), so
//! a gap means the same thing to every tool: the source says how many samples are
//! missing, and the engine is told exactly that, in one [`Engine::process_gap`] call.

use crate::{Engine, Event, Sample};

/// One step of a session, as a source gives it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum SourceItem {
    /// A sample that arrived.
    Sample {
        /// Its index in the session: 0 for the first sample; missing samples count.
        index: u64,
        /// Both channels (pressure mmHg, flow mL/min).
        sample: Sample,
    },
    /// Samples that never arrived, before the next sample.
    Gap {
        /// Index of the first missing sample.
        start_index: u64,
        /// How many are missing (≥ 1).
        missing: u64,
    },
}

impl SourceItem {
    /// The index of the item's (first) sample.
    pub fn index(&self) -> u64 {
        match *self {
            SourceItem::Sample { index, .. } => index,
            SourceItem::Gap { start_index, .. } => start_index,
        }
    }

    /// The index of the sample after this item.
    pub fn end_index(&self) -> u64 {
        match *self {
            SourceItem::Sample { index, .. } => index.saturating_add(1),
            SourceItem::Gap {
                start_index,
                missing,
            } => start_index.saturating_add(missing),
        }
    }
}

/// Anything that gives a session's samples and gaps in order.
pub trait SampleSource {
    /// Why the source could not give its next item (e.g. a malformed row of a file);
    /// [`core::convert::Infallible`] for a source that cannot fail.
    type Error;

    /// The next item; `Ok(None)` at the session's end.
    fn next_item(&mut self) -> Result<Option<SourceItem>, Self::Error>;
}

/// Gives `item` to `engine`: a sample to [`Engine::process`], a gap to
/// [`Engine::process_gap`]; returns the event it completed, if any.
pub fn feed(engine: &mut Engine, item: SourceItem) -> Option<Event> {
    match item {
        SourceItem::Sample { sample, .. } => engine.process(sample),
        SourceItem::Gap { missing, .. } => engine.process_gap(missing),
    }
}

/// Feeds every item of `source` to `engine` in order, each event to `on_event` as it
/// comes. Stops at the source's end, or at its first error (returned; the items before
/// it have been fed).
pub fn drive<S: SampleSource + ?Sized>(
    engine: &mut Engine,
    source: &mut S,
    mut on_event: impl FnMut(Event),
) -> Result<(), S::Error> {
    drive_observed(engine, source, |_, event, _| {
        if let Some(event) = event {
            on_event(event);
        }
    })
}

/// [`drive`], telling `on_item` of every item after the engine has taken it: the item,
/// the event it completed, and the engine (for a recorder that reads its state, or a
/// baseline detector run on the same stream).
pub fn drive_observed<S: SampleSource + ?Sized>(
    engine: &mut Engine,
    source: &mut S,
    mut on_item: impl FnMut(SourceItem, Option<Event>, &Engine),
) -> Result<(), S::Error> {
    while let Some(item) = source.next_item()? {
        let event = feed(engine, item);
        on_item(item, event, engine);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::EngineConfig;

    /// Items from a list; `fail_at`: the list position where the source fails instead.
    struct Listed {
        items: [SourceItem; 4],
        next: usize,
        fail_at: Option<usize>,
    }

    impl SampleSource for Listed {
        type Error = usize;

        fn next_item(&mut self) -> Result<Option<SourceItem>, usize> {
            if self.fail_at == Some(self.next) {
                return Err(self.next);
            }
            let item = self.items.get(self.next).copied();
            self.next += 1;
            Ok(item)
        }
    }

    fn listed(fail_at: Option<usize>) -> Listed {
        let sample = Sample::new(-80.0, 2.0);
        Listed {
            items: [
                SourceItem::Sample { index: 0, sample },
                SourceItem::Gap {
                    start_index: 1,
                    missing: 30,
                },
                SourceItem::Sample { index: 31, sample },
                SourceItem::Sample {
                    index: 32,
                    sample: Sample::new(f32::NAN, 2.0),
                },
            ],
            next: 0,
            fail_at,
        }
    }

    #[test]
    fn drive_gives_the_engine_each_sample_and_each_gap_in_one_call() {
        let config = EngineConfig::new(1000.0);
        let (mut driven, mut by_hand) = (config.build().unwrap(), config.build().unwrap());
        let mut events = Vec::new();
        let mut source = listed(None);
        assert_eq!(drive(&mut driven, &mut source, |e| events.push(e)), Ok(()));
        let expected: Vec<Event> = [
            by_hand.process(Sample::new(-80.0, 2.0)),
            by_hand.process_gap(30),
            by_hand.process(Sample::new(-80.0, 2.0)),
            by_hand.process(Sample::new(f32::NAN, 2.0)),
        ]
        .into_iter()
        .flatten()
        .collect();
        assert!(
            !expected.is_empty(),
            "the gap and the NaN each give a pause"
        );
        assert_eq!(events, expected);
        assert_eq!(driven.sample_index(), 33, "the gap's samples count");
        assert_eq!(driven.stats().missing_samples, 30);
        assert_eq!(driven.stats(), by_hand.stats());
    }

    #[test]
    fn drive_stops_at_the_sources_error_with_what_came_before_fed() {
        let mut engine = EngineConfig::new(1000.0).build().unwrap();
        let mut seen = Vec::new();
        let result = drive_observed(&mut engine, &mut listed(Some(2)), |item, _, engine| {
            seen.push((item.index(), item.end_index(), engine.sample_index()));
        });
        assert_eq!(result, Err(2));
        assert_eq!(seen, [(0, 1, 1), (1, 31, 31)]);
    }
}

//! The whole signal chain behind one `process` call (being written).

use crate::config::EngineConfig;
use crate::event::Event;
use crate::sample::Sample;

/// The letdown detector for one pumping session.
#[derive(Clone, Debug)]
pub struct Engine {
    config: EngineConfig,
    index: u64,
}

impl Engine {
    pub(crate) fn from_valid(config: EngineConfig) -> Self {
        Self { config, index: 0 }
    }

    /// The validated configuration this engine runs with.
    pub fn config(&self) -> &EngineConfig {
        &self.config
    }

    /// Processes one sample; returns the event this sample completes, if any.
    pub fn process(&mut self, sample: Sample) -> Option<Event> {
        let _ = sample;
        self.index += 1;
        None
    }

    /// Processes a block; same result as calling [`process`](Self::process) per sample.
    pub fn process_block(&mut self, samples: &[Sample], mut on_event: impl FnMut(Event)) {
        for &s in samples {
            if let Some(e) = self.process(s) {
                on_event(e);
            }
        }
    }

    /// Reports `missing` samples that never arrived (a gap in the stream).
    pub fn process_gap(&mut self, missing: u64) -> Option<Event> {
        self.index += missing;
        None
    }
}

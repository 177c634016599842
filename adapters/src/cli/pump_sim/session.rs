//! The samples pump-sim sends: from the simulator or a session file, cut into blocks of
//! consecutive present samples.

use super::super::link::Log;
use letdown_adapters::input_file::InputFile;
use letdown_adapters::{SessionItem, SessionReader};
use letdown_datasets::labels::Ejection;
use letdown_datasets::Generator;
use letdown_engine::{ControlHint, Mode, Sample};

/// One sample from the source.
pub(super) struct Produced {
    pub(super) index: u64,
    pub(super) sample: Sample,
    /// `false`: a dropout, not sent.
    pub(super) present: bool,
    /// The simulated pump's mode at this sample.
    pub(super) mode: Option<Mode>,
}

pub(super) enum Source {
    Sim(Box<Generator>),
    File {
        reader: Box<SessionReader<InputFile>>,
        peeked: Option<Produced>,
        labels: Vec<Ejection>,
        length: u64,
    },
}

impl Source {
    pub(super) fn next(&mut self) -> Result<Option<Produced>, String> {
        match self {
            Source::Sim(generator) => Ok(generator.next_sample().map(|s| Produced {
                index: s.index,
                sample: s.sample,
                present: s.present,
                mode: Some(s.truth.mode),
            })),
            Source::File {
                reader,
                peeked,
                length,
                ..
            } => {
                if let Some(p) = peeked.take() {
                    return Ok(Some(p));
                }
                loop {
                    match reader.next_item().map_err(|e| e.to_string())? {
                        None => return Ok(None),
                        Some(SessionItem::Gap(_)) => {}
                        Some(SessionItem::Row(row)) => {
                            *length = row.index + 1;
                            return Ok(Some(Produced {
                                index: row.index,
                                sample: row.sample,
                                present: true,
                                mode: None,
                            }));
                        }
                    }
                }
            }
        }
    }

    /// Whether samples remain after the ones taken so far.
    pub(super) fn has_more(&mut self, carry: bool) -> Result<bool, String> {
        if carry {
            return Ok(true);
        }
        match self {
            Source::Sim(generator) => Ok(!generator.is_finished()),
            Source::File { .. } => {
                let next = self.next()?;
                let more = next.is_some();
                if let Source::File { peeked, .. } = self {
                    *peeked = next;
                }
                Ok(more)
            }
        }
    }

    pub(super) fn labels(&self) -> Vec<Ejection> {
        match self {
            Source::Sim(generator) => generator.labels(),
            Source::File { labels, .. } => labels.clone(),
        }
    }

    pub(super) fn apply_hint(&mut self, hint: &ControlHint) -> bool {
        match self {
            Source::Sim(generator) => {
                generator.apply_hint(hint);
                true
            }
            Source::File { .. } => false,
        }
    }

    pub(super) fn removed_ml(&self) -> Option<f64> {
        match self {
            Source::Sim(generator) => Some(generator.removed_ml()),
            Source::File { .. } => None,
        }
    }

    pub(super) fn length_samples(&self) -> u64 {
        match self {
            Source::Sim(generator) => generator.sample_count(),
            Source::File { length, .. } => *length,
        }
    }
}

pub(super) struct Session {
    pub(super) rate: f64,
    pub(super) source: Source,
    pub(super) carry: Option<Produced>,
    /// The simulated pump's mode at the last sample, and when it first expressed.
    pub(super) pump_mode: Option<Mode>,
    pub(super) pump_expression_s: Option<f64>,
    /// Index of the next sample the source gives.
    pub(super) next_index: u64,
    pub(super) dropout_samples: u64,
}

impl Session {
    /// The next block of consecutive, present samples (up to `max`), its first index.
    pub(super) fn next_block(
        &mut self,
        max: usize,
        out: &mut Vec<Sample>,
        log: &Log,
        quiet: bool,
    ) -> Result<Option<u64>, String> {
        out.clear();
        let mut first = None;
        while out.len() < max {
            let p = match self.carry.take() {
                Some(p) => p,
                None => match self.source.next()? {
                    Some(p) => p,
                    None => break,
                },
            };
            if let Some(mode) = p.mode {
                if self.pump_mode != Some(mode) {
                    let t = p.index as f64 / self.rate;
                    if self.pump_mode.is_some() && !quiet {
                        log.line(format_args!(
                            "pump t={t:.3} mode {} -> {mode}",
                            self.pump_mode.map_or("none".to_string(), |m| m.to_string())
                        ));
                    }
                    if mode == Mode::Expression && self.pump_expression_s.is_none() {
                        self.pump_expression_s = Some(t);
                    }
                    self.pump_mode = Some(mode);
                }
            }
            if !p.present {
                self.dropout_samples += 1;
                self.next_index = p.index + 1;
                if first.is_some() {
                    break;
                }
                continue;
            }
            match first {
                None => first = Some(p.index),
                Some(f) if p.index != f + out.len() as u64 => {
                    // A gap in the file: the block ends before it.
                    self.carry = Some(p);
                    break;
                }
                Some(_) => {}
            }
            self.next_index = p.index + 1;
            out.push(p.sample);
        }
        Ok(first)
    }
}

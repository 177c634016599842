//! The samples pump-sim sends: from the simulator or a session file (both read as a
//! [`SampleSource`]), cut into blocks of consecutive samples that arrived.

use super::super::link_commands::Log;
use super::PumpSimArgs;
use letdown_datasets::labels::Ejection;
use letdown_datasets::{Generator, PumpProgram, SessionSpec};
use letdown_engine::{ControlHint, Mode, Sample, SampleSource, SourceItem};
use letdown_io::input_file::InputFile;
use letdown_io::labels_csv::read_labels;
use letdown_io::session_files::labels_path;
use letdown_io::SessionReader;

/// Where the samples come from.
pub(super) enum Source {
    /// The simulator, following the hints received (closed loop).
    Sim(Box<Generator>),
    /// A recorded session (open loop), with its labels.
    File {
        reader: Box<SessionReader<InputFile>>,
        /// An item read ahead to learn whether the file goes on.
        peeked: Option<SourceItem>,
        labels: Vec<Ejection>,
        /// Samples up to the last row read.
        length: u64,
    },
}

impl Source {
    /// The source `args` ask for, and its sample rate, Hz.
    pub(super) fn open(args: &PumpSimArgs) -> Result<(Self, f64), String> {
        if let Some(path) = &args.session {
            let reader = SessionReader::open(path).map_err(|e| e.to_string())?;
            let rate = reader.sample_rate_hz();
            let labels_file = labels_path(path).map_err(|e| e.to_string())?;
            let labels = if labels_file.exists() {
                read_labels(&labels_file).map_err(|e| e.to_string())?
            } else {
                Vec::new()
            };
            let reader = Box::new(reader);
            let (peeked, length) = (None, 0);
            return Ok((
                Source::File {
                    reader,
                    peeked,
                    labels,
                    length,
                },
                rate,
            ));
        }
        let spec = SessionSpec::new(args.seed)
            .with_profile(args.profile)
            .with_rate_hz(args.rate)
            .with_minutes(args.minutes)
            .with_faults(args.faults)
            .with_program(PumpProgram::FollowHints)
            .with_messy(!args.clean);
        let generator = Generator::new(spec).map_err(|e| format!("--simulate: {e}"))?;
        Ok((Source::Sim(Box::new(generator)), args.rate))
    }

    /// The next sample or gap, with the simulated pump's mode at it.
    fn next(&mut self) -> Result<Option<(SourceItem, Option<Mode>)>, String> {
        match self {
            Source::Sim(generator) => {
                let Ok(item) = generator.next_item();
                Ok(item.map(|item| (item, Some(generator.mode()))))
            }
            Source::File {
                reader,
                peeked,
                length,
                ..
            } => {
                let item = match peeked.take() {
                    Some(item) => Some(item),
                    None => SampleSource::next_item(reader.as_mut()).map_err(|e| e.to_string())?,
                };
                if let Some(SourceItem::Sample { index, .. }) = item {
                    *length = index + 1;
                }
                Ok(item.map(|item| (item, None)))
            }
        }
    }

    /// Whether anything remains after what was taken so far. The simulator is asked, not
    /// read ahead: its next sample must follow the hints that arrive meanwhile.
    pub(super) fn has_more(&mut self) -> Result<bool, String> {
        match self {
            Source::Sim(generator) => Ok(!generator.is_finished()),
            Source::File { reader, peeked, .. } => {
                if peeked.is_none() {
                    *peeked =
                        SampleSource::next_item(reader.as_mut()).map_err(|e| e.to_string())?;
                }
                Ok(peeked.is_some())
            }
        }
    }

    pub(super) fn labels(&self) -> Vec<Ejection> {
        match self {
            Source::Sim(generator) => generator.labels(),
            Source::File { labels, .. } => labels.clone(),
        }
    }

    /// Gives `hint` to the simulated pump; `false` for a recorded session.
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

/// The session as it is sent: its source, and what was seen of it so far.
pub(super) struct Session {
    pub(super) rate: f64,
    pub(super) source: Source,
    /// The simulated pump's mode at the last sample, and when it first expressed.
    pub(super) pump_mode: Option<Mode>,
    pub(super) pump_expression_s: Option<f64>,
    /// Index of the next sample the source gives.
    pub(super) next_index: u64,
    /// Samples missing from the source (dropouts, a file's gaps): never sent.
    pub(super) dropout_samples: u64,
}

impl Session {
    pub(super) fn new(source: Source, rate: f64) -> Self {
        Self {
            rate,
            source,
            pump_mode: None,
            pump_expression_s: None,
            next_index: 0,
            dropout_samples: 0,
        }
    }

    /// The next block of consecutive samples that arrived (up to `max`, into `out`), and
    /// its first index; a gap ends a block.
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
            let Some((item, mode)) = self.source.next()? else {
                break;
            };
            if let Some(mode) = mode {
                self.note_pump_mode(mode, item.index(), log, quiet);
            }
            self.next_index = item.end_index();
            match item {
                SourceItem::Gap { missing, .. } => {
                    self.dropout_samples += missing;
                    if first.is_some() {
                        break;
                    }
                }
                SourceItem::Sample { index, sample } => {
                    first.get_or_insert(index);
                    out.push(sample);
                }
            }
        }
        Ok(first)
    }

    /// The simulated pump is in `mode` at sample `index`: a change is logged, the first
    /// expression remembered.
    fn note_pump_mode(&mut self, mode: Mode, index: u64, log: &Log, quiet: bool) {
        if self.pump_mode == Some(mode) {
            return;
        }
        let t = index as f64 / self.rate;
        if let (Some(before), false) = (self.pump_mode, quiet) {
            log.line(format_args!("pump t={t:.3} mode {before} -> {mode}"));
        }
        if mode == Mode::Expression && self.pump_expression_s.is_none() {
            self.pump_expression_s = Some(t);
        }
        self.pump_mode = Some(mode);
    }
}

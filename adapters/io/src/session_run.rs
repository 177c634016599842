//! Replaying one session file through the engine, sample by sample, through
//! [`letdown_engine::drive`]: rows go to `Engine::process`, reported gaps to
//! `Engine::process_gap`, and every event to an observer as it comes. `letdown replay` and [`score_by_group`](crate::session_groups::score_by_group)
//! drive the engine through this one loop.

use crate::session_csv::{Metadata, SAMPLE_RATE_KEY};
use crate::{SessionFileError, SessionReader};
use letdown_engine::{drive, Engine, EngineConfig, Event, EventKind};
use std::io::Read;
use std::path::Path;
use std::time::Instant;

/// What a replay tells as it goes.
pub trait ReplayObserver {
    /// The file's metadata is read and the engine built; samples follow.
    fn begin(&mut self, metadata: &Metadata);
    /// The engine emitted `event`; `sample_rate_hz` converts its index to seconds.
    fn event(&mut self, event: &Event, sample_rate_hz: f64);
}

/// Watches nothing: for a replay whose counts are all that is wanted.
impl ReplayObserver for () {
    fn begin(&mut self, _metadata: &Metadata) {}
    fn event(&mut self, _event: &Event, _sample_rate_hz: f64) {}
}

/// What one replay counted.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Replay {
    /// The session's sample rate, Hz.
    pub sample_rate_hz: f64,
    /// Sample rows fed to `process`.
    pub rows: u64,
    /// Gaps fed to `process_gap`.
    pub gaps: u64,
    /// Samples missing in those gaps.
    pub missing: u64,
    /// Session length in samples, gaps included.
    pub length_samples: u64,
    /// Times of the onset events, s.
    pub onsets_s: Vec<f64>,
    /// End events.
    pub ends: usize,
    /// Plain hint events.
    pub hints: usize,
    /// Wall-clock time of the replay (reading and engine), s.
    pub elapsed_s: f64,
}

impl Replay {
    /// Session length, s (gaps included).
    pub fn duration_s(&self) -> f64 {
        self.length_samples as f64 / self.sample_rate_hz
    }

    /// Time of the engine's first onset event, s (the first detection; not the first
    /// labelled onset, which `first_onset_s` means elsewhere).
    pub fn first_detection_s(&self) -> Option<f64> {
        self.onsets_s.first().copied()
    }

    /// Rows replayed per wall-clock second; `None` when too fast to time.
    pub fn samples_per_s(&self) -> Option<f64> {
        (self.elapsed_s > 0.0).then(|| self.rows as f64 / self.elapsed_s)
    }
}

/// How a replay ended.
pub enum Outcome {
    /// The file was read to its end.
    Complete(Replay),
    /// Reading stopped at a malformed row; what came before it was replayed.
    Stopped(Replay, SessionFileError),
    /// Nothing was replayed: the file cannot be opened, its metadata or header is
    /// malformed, or the engine refuses its rate. The message names file, line, field.
    NotStarted(String),
}

/// Replays the session file at `path` (`NAME.csv` or `NAME.csv.gz`) through an engine of
/// the default configuration at the file's rate, telling `observer` what happens.
pub fn replay_session(path: &Path, observer: &mut dyn ReplayObserver) -> Outcome {
    replay_session_with(path, &EngineConfig::new(1000.0), observer)
}

/// [`replay_session`] with an engine built from `config`, its sample rate replaced by
/// the file's (e.g. with a detector test switched off, for an ablation study).
pub fn replay_session_with(
    path: &Path,
    config: &EngineConfig,
    observer: &mut dyn ReplayObserver,
) -> Outcome {
    match SessionReader::open(path) {
        Ok(reader) => replay_reader_with(reader, config, observer),
        Err(e) => Outcome::NotStarted(e.to_string()),
    }
}

/// [`replay_session_with`] over a session already opened (e.g. columns held in memory,
/// [`SessionReader::from_columns`]).
pub fn replay_reader_with<R: Read>(
    mut reader: SessionReader<R>,
    config: &EngineConfig,
    observer: &mut dyn ReplayObserver,
) -> Outcome {
    let path = reader.path().to_path_buf();
    let metadata = reader.metadata().clone();
    let rate = metadata.sample_rate_hz;
    let mut engine = match engine_for_session(&path, &metadata, config) {
        Ok(engine) => engine,
        Err(message) => return Outcome::NotStarted(message),
    };
    observer.begin(&metadata);
    let mut replay = Replay {
        sample_rate_hz: rate,
        ..Replay::default()
    };
    let start = Instant::now();
    let error = drive(&mut engine, &mut reader, |event| {
        match event.kind {
            EventKind::Onset => replay.onsets_s.push(event.sample_index as f64 / rate),
            EventKind::End => replay.ends += 1,
            EventKind::Hint => replay.hints += 1,
        }
        observer.event(&event, rate);
    })
    .err();
    replay.elapsed_s = start.elapsed().as_secs_f64();
    let stats = reader.stats();
    replay.rows = stats.rows;
    replay.gaps = stats.gaps;
    replay.missing = stats.missing;
    replay.length_samples = reader.next_index();
    match error {
        None => Outcome::Complete(replay),
        Some(e) => Outcome::Stopped(replay, e),
    }
}

/// An engine built from `config` at the rate the session file at `path` declares
/// (`metadata`), or, when the engine refuses that rate (outside 100 … 10 000 Hz), the
/// message `letdown replay` prints: the file, the rate's line (a CSV file's) and field,
/// and the engine's reason.
pub fn engine_for_session(
    path: &Path,
    metadata: &Metadata,
    config: &EngineConfig,
) -> Result<Engine, String> {
    // The engine runs in f32; a rate beyond f32 becomes infinite and is refused.
    let config = EngineConfig {
        sample_rate_hz: metadata.sample_rate_hz as f32,
        ..*config
    };
    config.build().map_err(|e| rate_refused(path, metadata, e))
}

/// What `letdown replay` (and every command that reads sessions) says of a session whose
/// declared rate the engine refuses (`why`): the file, the rate's line (a CSV file's; a
/// Parquet session's or columns' rate has none) and field, and the engine's reason.
pub fn rate_refused(path: &Path, metadata: &Metadata, why: impl std::fmt::Display) -> String {
    let line = match metadata.rate_line {
        0 => String::new(),
        n => format!(": line {n}"),
    };
    format!("{}{line}: field {SAMPLE_RATE_KEY}: {why}", path.display())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_rate_the_engine_refuses_names_the_file_line_and_field() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("slow.csv");
        let text = "# profile: x\n# sample_rate_hz: 50\nt_s,pressure_mmhg,flow_ml_min\n0,-1,0\n";
        std::fs::write(&path, text).expect("write");
        let reader = SessionReader::open(&path).expect("a well-formed file");
        let Err(message) = engine_for_session(&path, reader.metadata(), &EngineConfig::new(1000.0))
        else {
            panic!("50 Hz accepted");
        };
        let expected = format!(
            "{}: line 2: field sample_rate_hz: invalid engine config: sample_rate_hz must be \
             within 100 … 10000 Hz",
            path.display()
        );
        assert_eq!(message, expected);
        // What `letdown replay` prints is this very message.
        match replay_session(&path, &mut ()) {
            Outcome::NotStarted(replayed) => assert_eq!(replayed, expected),
            _ => panic!("50 Hz replayed"),
        }
    }
}

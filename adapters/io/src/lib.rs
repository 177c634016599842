//! letdown-io: I/O at the edges of the engine — session, labels and detections files, the
//! replay loop over them and the pump link's live ends. The `letdown` command-line tool
//! (`letdown-cli`) is built on it; it needs neither the simulator nor `rand`.
//!
//! File formats (DESIGN §3), one module each:
//! - [`session_reader`]: the entry point, opening a session in the format its name says;
//! - [`session_csv`]: streaming reader of `NAME.csv` or `NAME.csv.gz` (samples, with gaps
//!   reported);
//! - [`session_writer`]: its writer;
//! - [`session_parquet`], [`session_parquet_writer`]: the same for `NAME.parquet` and the
//!   sessions of a fleet dataset (layout in [`session_files`]);
//! - [`labels_csv`]: `NAME.labels.csv` (labelled ejections), read and written;
//! - [`detections_csv`]: `NAME.detections.csv` (saved detections), read and written;
//! - [`session_columns`]: a session held as columns in memory, read as a file is;
//! - [`session_files`]: companion file names and session folders;
//! - [`input_file`]: a file read as stored or gzip-decompressed on the fly;
//! - [`error`]: the error every reader returns, naming file, line, field and reason.
//!
//! Running the engine over session files: [`session_run`] (the one replay loop) and
//! [`session_groups`] (DESIGN §6 scores per family and per even/odd half of a folder).
//!
//! The pump link's live ends (`letdown serve`, `letdown pump-sim`): [`pump_link`].
//!
//! The measurement harness of `letdown latency` (also used by the benchmarks and the
//! pipeline's tests): [`baseline`] (the pipeline built the ordinary way, to measure it
//! against), [`feed`] (paced and flat-out feeds into the pipeline or its baseline) and
//! [`wakeup_probe`] (the host's own wake-up lateness).
#![forbid(unsafe_code)]
#![warn(missing_docs)]

pub mod baseline;
mod csv_fields;
mod csv_lines;
mod csv_table;
pub mod detections_csv;
pub mod error;
pub mod feed;
pub mod input_file;
pub mod labels_csv;
pub mod pump_link;
pub mod sensor_variant;
pub mod session_columns;
pub mod session_copies;
pub mod session_csv;
pub mod session_files;
pub mod session_groups;
pub mod session_parquet;
pub mod session_parquet_writer;
pub mod session_reader;
pub mod session_run;
mod session_timeline;
pub mod session_writer;
pub mod wakeup_probe;
mod without_bom;

pub use detections_csv::{Detection, DetectionKind, DetectionsWriter};
pub use error::{ErrorKind, RowPosition, SessionFileError};
pub use labels_csv::{read_labels, write_labels};
pub use session_csv::{CsvSessionReader, Gap, Metadata, Row, SessionItem};
pub use session_parquet::ParquetSessionReader;
pub use session_parquet_writer::ParquetSessionWriter;
pub use session_reader::SessionReader;
pub use session_writer::SessionWriter;

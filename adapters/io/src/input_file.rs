//! Opening a session or label file that may be gzip-compressed: `NAME.csv` is read as it
//! is, `NAME.csv.gz` (any name ending in `.gz`) is decompressed as it is read.
//!
//! The decision is made from the file name alone, so that a file is always read the way
//! its name says. Decompression streams through a small buffer: a compressed session is
//! never held in memory whole, and reading it costs the CSV reader nothing extra per row.

use flate2::read::MultiGzDecoder;
use std::fs::File;
use std::io::{self, BufReader, Read};
use std::path::Path;

/// File-name suffix of a gzip-compressed file.
pub const GZIP_SUFFIX: &str = ".gz";

/// Whether `file_name` names a gzip-compressed file (`*.gz`).
pub fn is_gzip_name(file_name: &str) -> bool {
    file_name.ends_with(GZIP_SUFFIX)
}

/// A file being read: plain, or gzip-decompressed on the fly.
#[derive(Debug)]
pub enum InputFile {
    /// Read as stored.
    Plain(File),
    /// Decompressed as it is read (every gzip member in turn, as `gzip -d` does); boxed,
    /// the decoder's state being tens of kilobytes.
    Gzip(Box<MultiGzDecoder<BufReader<File>>>),
}

impl InputFile {
    /// Opens `path`; a name ending in `.gz` is decompressed as it is read.
    pub fn open(path: &Path) -> io::Result<Self> {
        let file = File::open(path)?;
        let gzip = path
            .file_name()
            .and_then(|n| n.to_str())
            .is_some_and(is_gzip_name);
        Ok(if gzip {
            InputFile::Gzip(Box::new(MultiGzDecoder::new(BufReader::with_capacity(
                32 * 1024,
                file,
            ))))
        } else {
            InputFile::Plain(file)
        })
    }
}

impl Read for InputFile {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        match self {
            InputFile::Plain(file) => file.read(buf),
            // The decoder's own messages ("corrupt deflate stream", "invalid gzip
            // header") do not say that the file is compressed; the reader's error adds
            // the file and the line reached.
            InputFile::Gzip(decoder) => decoder.read(buf).map_err(|e| match e.kind() {
                io::ErrorKind::InvalidInput
                | io::ErrorKind::InvalidData
                | io::ErrorKind::UnexpectedEof => {
                    io::Error::new(e.kind(), format!("gzip data corrupt or truncated: {e}"))
                }
                _ => e,
            }),
        }
    }
}

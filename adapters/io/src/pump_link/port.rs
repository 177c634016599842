//! Opening the link: a serial device or standard input/output, as a reader and a writer
//! that two threads can own.
//!
//! Serial devices go through the `serialport` crate (`TTYPort` on Unix: raw mode, 8N1, no
//! flow control, the baud rate asked for; a pseudo-terminal ignores the rate). The
//! reader waits at most its timeout for data, so a reading thread can look at the clock;
//! `--stdio` reads block until data or end of file.

use std::fmt;
use std::io::{self, Read, Write};
use std::time::Duration;

/// Where the link is.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LinkSpec {
    /// A serial device (`/dev/ttyUSB0`, `/dev/ttyACM0`, a pseudo-terminal `/dev/pts/N`).
    Port {
        /// Device path.
        path: String,
        /// Baud rate (8N1). A pseudo-terminal ignores it.
        baud: u32,
    },
    /// Standard input (from the peer) and standard output (to the peer).
    Stdio,
}

impl fmt::Display for LinkSpec {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LinkSpec::Port { path, baud } => write!(f, "{path} at {baud} baud"),
            LinkSpec::Stdio => f.write_str("standard input/output"),
        }
    }
}

/// An open link: bytes from the peer, bytes to the peer.
pub struct Link {
    /// Reads what the peer sends. Serial: returns `TimedOut` after the read timeout.
    pub reader: Box<dyn Read + Send>,
    /// Writes to the peer. Serial: returns `TimedOut` if the peer does not drain its side
    /// within the write timeout.
    pub writer: Box<dyn Write + Send>,
}

impl fmt::Debug for Link {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Link").finish_non_exhaustive()
    }
}

/// Opens `spec`. `read_timeout` bounds each read of a serial device; `write_timeout`
/// each write.
pub fn open(spec: &LinkSpec, read_timeout: Duration, write_timeout: Duration) -> io::Result<Link> {
    match spec {
        LinkSpec::Stdio => Ok(Link {
            reader: Box::new(io::stdin()),
            writer: Box::new(io::stdout()),
        }),
        LinkSpec::Port { path, baud } => {
            let port = serialport::new(path, *baud)
                .data_bits(serialport::DataBits::Eight)
                .parity(serialport::Parity::None)
                .stop_bits(serialport::StopBits::One)
                .flow_control(serialport::FlowControl::None)
                .timeout(read_timeout)
                .open_native()
                .map_err(io::Error::from)?;
            let mut writer = port.try_clone_native().map_err(io::Error::from)?;
            serialport::SerialPort::set_timeout(&mut writer, write_timeout)
                .map_err(io::Error::from)?;
            Ok(Link {
                reader: Box::new(port),
                writer: Box::new(NoDrain(writer)),
            })
        }
    }
}

/// A serial port's writer whose `flush` returns at once: a `write` has already handed
/// the bytes to the kernel, and `TTYPort::flush` (`tcdrain`) would wait until they have
/// left the UART (about 1 ms per 90 bytes at 921 600 baud), stalling the caller.
struct NoDrain<W>(W);

impl<W: Write> Write for NoDrain<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.0.write(buf)
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

/// What a failed read means for the link.
#[derive(Debug)]
pub enum ReadError {
    /// Nothing arrived within the timeout (or the read was interrupted): read again.
    Timeout,
    /// The peer is gone: end of file, hang-up (`POLLHUP`), broken pipe, `EIO` on a
    /// terminal whose other side closed.
    HangUp,
    /// Anything else.
    Other(io::Error),
}

impl ReadError {
    /// Classifies the error of a read.
    pub fn classify(e: io::Error) -> Self {
        /// `EIO`: what a terminal returns when its other side has closed.
        const EIO: i32 = 5;
        match e.kind() {
            io::ErrorKind::TimedOut | io::ErrorKind::WouldBlock | io::ErrorKind::Interrupted => {
                ReadError::Timeout
            }
            io::ErrorKind::BrokenPipe
            | io::ErrorKind::UnexpectedEof
            | io::ErrorKind::ConnectionReset
            | io::ErrorKind::ConnectionAborted => ReadError::HangUp,
            _ if e.raw_os_error() == Some(EIO) => ReadError::HangUp,
            // serialport reports an EIO it saw in poll's flags as `Other` with this text.
            io::ErrorKind::Other if e.to_string().contains("I/O error") => ReadError::HangUp,
            _ => ReadError::Other(e),
        }
    }
}

/// Reads once: `Ok(n > 0)` bytes, or why not (`Ok(0)`, end of file, is a hang-up).
pub fn read_some(reader: &mut dyn Read, buf: &mut [u8]) -> Result<usize, ReadError> {
    match reader.read(buf) {
        Ok(0) => Err(ReadError::HangUp),
        Ok(n) => Ok(n),
        Err(e) => Err(ReadError::classify(e)),
    }
}

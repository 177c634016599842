//! Dropping a leading UTF-8 byte order mark before the CSV parser sees the stream.

use std::io::Read;

/// The source without the UTF-8 byte order marks it starts with, if any. The first bytes
/// are gathered before deciding, so a BOM split over several reads (a pipe, a serial
/// line) is still recognised; they are handed on first when they are not a BOM. Every
/// leading BOM goes, not just the first: the CSV parser behind would otherwise drop a
/// second one or not depending on how the bytes happened to arrive.
pub(crate) struct WithoutBom<R> {
    inner: R,
    head: [u8; 3],
    start: usize,
    len: usize,
}

impl<R: Read> WithoutBom<R> {
    const BOM: [u8; 3] = *b"\xEF\xBB\xBF";

    pub(crate) fn new(mut inner: R) -> std::io::Result<Self> {
        let mut head = [0u8; 3];
        loop {
            let mut len = 0;
            while len < head.len() && head[..len] == Self::BOM[..len] {
                match inner.read(&mut head[len..]) {
                    Ok(0) => break,
                    Ok(n) => len += n,
                    Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
                    Err(e) => return Err(e),
                }
            }
            if len < head.len() || head != Self::BOM {
                return Ok(Self {
                    inner,
                    head,
                    start: 0,
                    len,
                });
            }
        }
    }
}

impl<R: Read> Read for WithoutBom<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        if self.start == self.len {
            return self.inner.read(buf);
        }
        let n = (self.len - self.start).min(buf.len());
        buf[..n].copy_from_slice(&self.head[self.start..self.start + n]);
        self.start += n;
        Ok(n)
    }
}

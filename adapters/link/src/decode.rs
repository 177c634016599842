//! The streaming decoder: bytes in, frames or counted drops out, resynchronising at every
//! `0x00`.

use crate::crc::crc32c;
use crate::error::{DropReason, Field, FrameError};
use crate::frame::{
    Ack, Frame, FrameType, Heartbeat, Hello, Payload, RawSample, SampleBlock, StreamConfig,
    ACK_LEN, BLOCK_HEADER_LEN, CRC_LEN, HEADER_LEN, HEARTBEAT_LEN, HELLO_LEN, HINT_LEN,
    MAX_FRAME_LEN, MAX_SAMPLES_PER_BLOCK, PROTOCOL_VERSION, SAMPLE_LEN, SETTINGS_LEN,
};
use crate::hint_codes::{cue_from, mode_from, reason_from};
use crate::wire::Reader;
use letdown_engine::{ControlHint, UserSettings};

/// Buffer size that holds any frame (its COBS bytes, the delimiters excluded): 285.
pub const DECODER_CAPACITY: usize = MAX_FRAME_LEN - 2;

/// Smallest buffer a decoder may have: the COBS bytes of the shortest frame (a
/// heartbeat, 12 payload bytes), 13.
const MIN_CAPACITY: usize = corncobs::max_encoded_len(HEADER_LEN + HEARTBEAT_LEN + CRC_LEN) - 1;

/// A decoder for every frame of the protocol.
pub type FrameDecoder = Decoder<DECODER_CAPACITY>;

/// What a decoder has seen. Every `0x00` received ends exactly one frame, counted once as
/// good (`frames`), empty, or dropped under one reason:
/// `delimiters() == frames + empty + dropped_total()`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct DecoderStats {
    /// Bytes pushed.
    pub bytes: u64,
    /// Good frames returned.
    pub frames: u64,
    /// Empty frames (back-to-back `0x00`): ignored. Every frame starts with a `0x00`
    /// after the previous frame's closing one, so this counts about one per frame.
    pub empty: u64,
    /// Dropped: more bytes before a `0x00` than the buffer holds (counted at its `0x00`).
    pub oversize: u64,
    /// Bytes discarded because they overflowed the buffer, counted as they arrive: a
    /// stream that never sends a `0x00` (a wrong baud rate, a stuck line) shows here at
    /// once, before any frame ends.
    pub oversize_bytes: u64,
    /// Dropped: invalid COBS.
    pub cobs: u64,
    /// Dropped: payload shorter than header + CRC.
    pub too_short: u64,
    /// Dropped: CRC mismatch (line noise, a truncated or merged frame).
    pub crc: u64,
    /// Dropped: unknown protocol version.
    pub version: u64,
    /// Dropped: unknown frame type.
    pub frame_type: u64,
    /// Dropped: body length wrong for the type.
    pub length: u64,
    /// Dropped: a field out of range.
    pub field: u64,
}

impl DecoderStats {
    /// Frames dropped for `reason`.
    pub const fn dropped(&self, reason: DropReason) -> u64 {
        match reason {
            DropReason::Oversize => self.oversize,
            DropReason::Cobs => self.cobs,
            DropReason::TooShort => self.too_short,
            DropReason::Crc => self.crc,
            DropReason::Version => self.version,
            DropReason::FrameType => self.frame_type,
            DropReason::Length => self.length,
            DropReason::Field => self.field,
        }
    }

    /// Frames dropped for any reason.
    pub const fn dropped_total(&self) -> u64 {
        self.oversize
            + self.cobs
            + self.too_short
            + self.crc
            + self.version
            + self.frame_type
            + self.length
            + self.field
    }

    /// Delimiters (`0x00`) received: every frame ended, good, empty or dropped.
    pub const fn delimiters(&self) -> u64 {
        self.frames + self.empty + self.dropped_total()
    }

    fn count_drop(&mut self, reason: DropReason) {
        let counter = match reason {
            DropReason::Oversize => &mut self.oversize,
            DropReason::Cobs => &mut self.cobs,
            DropReason::TooShort => &mut self.too_short,
            DropReason::Crc => &mut self.crc,
            DropReason::Version => &mut self.version,
            DropReason::FrameType => &mut self.frame_type,
            DropReason::Length => &mut self.length,
            DropReason::Field => &mut self.field,
        };
        *counter += 1;
    }
}

/// A streaming frame decoder with a `CAP`-byte internal buffer (no allocation).
///
/// Bytes are collected up to the next `0x00`, then COBS-decoded in place and checked (crate
/// docs, "Receiving"). A bad frame is returned as its [`FrameError`] and counted in
/// [`DecoderStats`]; the decoder starts afresh after every `0x00`, so garbage, a truncated
/// frame or a corrupt one costs that frame only. A frame longer than `CAP` is discarded up
/// to its `0x00` and counted as oversize. No input makes it panic.
#[derive(Clone, Debug)]
pub struct Decoder<const CAP: usize> {
    buf: [u8; CAP],
    len: usize,
    overflowed: bool,
    stats: DecoderStats,
}

impl<const CAP: usize> Default for Decoder<CAP> {
    fn default() -> Self {
        Self::new()
    }
}

impl<const CAP: usize> Decoder<CAP> {
    /// An empty decoder. `CAP` must hold the shortest frame (13 bytes; checked at compile
    /// time); [`DECODER_CAPACITY`] holds every frame, a smaller `CAP` drops long frames as
    /// oversize.
    pub const fn new() -> Self {
        const {
            assert!(
                CAP >= MIN_CAPACITY,
                "a decoder needs at least 13 bytes of buffer (the shortest frame)"
            )
        };
        Self {
            buf: [0; CAP],
            len: 0,
            overflowed: false,
            stats: DecoderStats {
                bytes: 0,
                frames: 0,
                empty: 0,
                oversize: 0,
                oversize_bytes: 0,
                cobs: 0,
                too_short: 0,
                crc: 0,
                version: 0,
                frame_type: 0,
                length: 0,
                field: 0,
            },
        }
    }

    /// Feeds one byte. Returns `Some` when the byte was a `0x00` that ended a non-empty
    /// frame: the frame, or why it was dropped (already counted).
    pub fn push(&mut self, byte: u8) -> Option<Result<Frame, FrameError>> {
        self.stats.bytes += 1;
        if byte != 0 {
            match self.buf.get_mut(self.len) {
                Some(slot) if !self.overflowed => {
                    *slot = byte;
                    self.len += 1;
                }
                _ => {
                    self.overflowed = true;
                    self.stats.oversize_bytes += 1;
                }
            }
            return None;
        }
        let len = core::mem::take(&mut self.len);
        let result = if core::mem::take(&mut self.overflowed) {
            Err(FrameError::Oversize { capacity: CAP })
        } else if len == 0 {
            self.stats.empty += 1;
            return None;
        } else {
            let encoded = self.buf.get_mut(..len).unwrap_or(&mut []);
            match corncobs::decode_in_place(encoded) {
                Ok(n) => parse_payload(encoded.get(..n).unwrap_or(&[])),
                Err(_) => Err(FrameError::Cobs),
            }
        };
        match &result {
            Ok(_) => self.stats.frames += 1,
            Err(e) => self.stats.count_drop(e.reason()),
        }
        Some(result)
    }

    /// Feeds `bytes` through an iterator of the frames (and drops) they complete. The
    /// bytes are consumed as the iterator advances: drain it to feed them all. A frame
    /// left unfinished at the end stays buffered for the next call.
    pub fn frames<'a>(&'a mut self, bytes: &'a [u8]) -> Frames<'a, CAP> {
        Frames {
            decoder: self,
            bytes,
        }
    }

    /// What the decoder has seen so far.
    pub const fn stats(&self) -> &DecoderStats {
        &self.stats
    }

    /// Bytes of an unfinished frame held in the buffer (0 while discarding an oversize one).
    pub const fn pending(&self) -> usize {
        self.len
    }
}

/// The frames completed by a slice of bytes; see [`Decoder::frames`].
#[derive(Debug)]
pub struct Frames<'a, const CAP: usize> {
    decoder: &'a mut Decoder<CAP>,
    bytes: &'a [u8],
}

impl<const CAP: usize> Frames<'_, CAP> {
    /// Bytes not fed to the decoder yet.
    pub fn remaining(&self) -> &[u8] {
        self.bytes
    }
}

impl<const CAP: usize> Iterator for Frames<'_, CAP> {
    type Item = Result<Frame, FrameError>;

    fn next(&mut self) -> Option<Self::Item> {
        while let Some((&byte, rest)) = self.bytes.split_first() {
            self.bytes = rest;
            if let Some(result) = self.decoder.push(byte) {
                return Some(result);
            }
        }
        None
    }
}

/// Checks and parses a raw payload (COBS already removed): header, body, CRC-32C. The
/// decoder's second half; public for other framings and for tests.
pub fn parse_payload(raw: &[u8]) -> Result<Frame, FrameError> {
    let Some((data, crc)) = raw
        .split_last_chunk::<CRC_LEN>()
        .filter(|(data, _)| data.len() >= HEADER_LEN)
    else {
        return Err(FrameError::TooShort { len: raw.len() });
    };
    let received = u32::from_le_bytes(*crc);
    let computed = crc32c(data);
    if received != computed {
        return Err(FrameError::Crc { received, computed });
    }
    let mut r = Reader::new(data);
    let (Some(version), Some(code), Some(seq)) = (r.u8(), r.u8(), r.u16()) else {
        return Err(FrameError::TooShort { len: raw.len() });
    };
    if version != PROTOCOL_VERSION {
        return Err(FrameError::UnknownVersion { version });
    }
    let frame_type = FrameType::from_code(code).ok_or(FrameError::UnknownType { code })?;
    let payload = parse_body(frame_type, &mut r)?;
    payload.validate().map_err(FrameError::InvalidField)?;
    Ok(Frame { seq, payload })
}

/// The body of a `frame_type` frame (the header read, the CRC checked), its length
/// checked against the type before any field is read.
fn parse_body(frame_type: FrameType, r: &mut Reader<'_>) -> Result<Payload, FrameError> {
    let body = BodyLength {
        frame_type,
        actual: r.remaining(),
    };
    // After the length checks every read below succeeds; `short` covers the impossible.
    let short = body.bad(0);
    Ok(match frame_type {
        FrameType::Hello => {
            body.fixed(HELLO_LEN)?;
            Payload::Hello(read_hello(r).ok_or(short)?)
        }
        FrameType::SampleBlock => Payload::SampleBlock(read_sample_block(r, body)?),
        FrameType::Settings => {
            body.fixed(SETTINGS_LEN)?;
            Payload::Settings(read_settings(r).ok_or(short)?)
        }
        FrameType::Hint => {
            body.fixed(HINT_LEN)?;
            Payload::Hint(read_hint(r, short)?)
        }
        FrameType::Ack => {
            body.fixed(ACK_LEN)?;
            Payload::Ack(read_ack(r).ok_or(short)?)
        }
        FrameType::Heartbeat => {
            body.fixed(HEARTBEAT_LEN)?;
            Payload::Heartbeat(Heartbeat {
                uptime_ms: r.u32().ok_or(short)?,
            })
        }
    })
}

/// A body's length, bytes, and the frame type it belongs to: what a
/// [`FrameError::BadLength`] reports.
#[derive(Clone, Copy)]
struct BodyLength {
    frame_type: FrameType,
    /// Body bytes received (header and CRC excluded).
    actual: usize,
}

impl BodyLength {
    /// The error for this body when its type needs `expected` bytes.
    fn bad(self, expected: usize) -> FrameError {
        FrameError::BadLength {
            frame_type: self.frame_type,
            expected,
            actual: self.actual,
        }
    }

    /// `Ok` if the body is exactly `expected` bytes long.
    fn fixed(self, expected: usize) -> Result<(), FrameError> {
        if self.actual == expected {
            Ok(())
        } else {
            Err(self.bad(expected))
        }
    }
}

/// A Hello body (its length checked).
fn read_hello(r: &mut Reader<'_>) -> Option<Hello> {
    Some(Hello {
        config: read_config(r)?,
        max_samples_per_block: r.u8()?,
        next_sample_index: r.u64()?,
    })
}

/// A SampleBlock body: its header, then the samples it counts (1 …
/// [`MAX_SAMPLES_PER_BLOCK`]). The length is checked twice: against the header before
/// reading it, against the count once it is known.
fn read_sample_block(r: &mut Reader<'_>, body: BodyLength) -> Result<SampleBlock, FrameError> {
    if body.actual < BLOCK_HEADER_LEN {
        // Not even the block header: expect at least one sample.
        return Err(body.bad(BLOCK_HEADER_LEN + SAMPLE_LEN));
    }
    // After the header's length check its reads succeed; `short` covers the impossible.
    let short = body.bad(0);
    let config = read_config(r).ok_or(short)?;
    let first_sample_index = r.u64().ok_or(short)?;
    let count = usize::from(r.u8().ok_or(short)?);
    if !(1..=MAX_SAMPLES_PER_BLOCK).contains(&count) {
        return Err(FrameError::InvalidField(Field::SampleCount));
    }
    body.fixed(BLOCK_HEADER_LEN + count * SAMPLE_LEN)?;
    read_samples(
        r,
        SampleBlock::new(config, first_sample_index),
        count,
        short,
    )
}

/// A Settings body (its length checked): vacuums in mmHg, rates in cycles/min.
fn read_settings(r: &mut Reader<'_>) -> Option<UserSettings> {
    Some(UserSettings {
        stimulation_vacuum_mmhg: r.f32()?,
        stimulation_rate_cpm: r.f32()?,
        expression_vacuum_mmhg: r.f32()?,
        expression_rate_cpm: r.f32()?,
        max_vacuum_mmhg: r.f32()?,
    })
}

/// `count` samples into `block`; `short` if the body ends first (its length was checked).
fn read_samples(
    r: &mut Reader<'_>,
    mut block: SampleBlock,
    count: usize,
    short: FrameError,
) -> Result<SampleBlock, FrameError> {
    for _ in 0..count {
        let (Some(pressure), Some(flow)) = (r.i16(), r.i16()) else {
            return Err(short);
        };
        block
            .push(RawSample::new(pressure, flow))
            .map_err(|_| FrameError::InvalidField(Field::SampleCount))?;
    }
    Ok(block)
}

/// A Hint body (its length checked); a code the engine does not know is an invalid field.
fn read_hint(r: &mut Reader<'_>, short: FrameError) -> Result<ControlHint, FrameError> {
    let sample_index = r.u64().ok_or(short)?;
    let (Some(mode), Some(reason), Some(cue), Some(ramp_cycles)) = (r.u8(), r.u8(), r.u8(), r.u8())
    else {
        return Err(short);
    };
    let field = FrameError::InvalidField;
    Ok(ControlHint {
        sample_index,
        mode: mode_from(mode).map_err(field)?,
        reason: reason_from(reason).map_err(field)?,
        cue: cue_from(cue).map_err(field)?,
        ramp_cycles,
        target_vacuum_mmhg: r.f32().ok_or(short)?,
        rate_cpm: r.f32().ok_or(short)?,
        confidence: r.f32().ok_or(short)?,
    })
}

/// An Ack body (its length checked).
fn read_ack(r: &mut Reader<'_>) -> Option<Ack> {
    let mut ack = Ack {
        last_seq: r.u16()?,
        frames_received: r.u32()?,
        frames_dropped: r.u32()?,
        samples_missing: r.u32()?,
        samples_overrun: r.u32()?,
        samples_discarded: r.u32()?,
        oversize_bytes: r.u32()?,
        next_sample_index: r.u64()?,
        spare_samples: r.u32()?,
        dropped_by_reason: [0; 8],
    };
    for n in &mut ack.dropped_by_reason {
        *n = r.u32()?;
    }
    Some(ack)
}

fn read_config(r: &mut Reader<'_>) -> Option<StreamConfig> {
    Some(StreamConfig {
        sample_rate_hz: r.u16()?,
        pressure_mmhg_per_lsb: r.f32()?,
        flow_ml_min_per_lsb: r.f32()?,
    })
}

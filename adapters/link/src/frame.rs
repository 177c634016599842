//! The frames of the protocol as Rust values (the byte layout is in the crate docs).

use crate::error::Field;
use core::fmt;
use letdown_engine::{ControlHint, Sample, UserSettings};

/// The protocol version this crate writes and accepts (header byte 0).
pub const PROTOCOL_VERSION: u8 = 2;

/// Most samples one [`SampleBlock`] carries.
pub const MAX_SAMPLES_PER_BLOCK: usize = 64;

/// Header bytes: version, frame type, sequence number.
pub(crate) const HEADER_LEN: usize = 4;
/// CRC-32C trailer bytes.
pub(crate) const CRC_LEN: usize = 4;
/// Stream configuration bytes (rate, two scale factors).
pub(crate) const STREAM_CONFIG_LEN: usize = 10;
/// Hello body bytes.
pub(crate) const HELLO_LEN: usize = STREAM_CONFIG_LEN + 1 + 8;
/// SampleBlock body bytes before the samples.
pub(crate) const BLOCK_HEADER_LEN: usize = STREAM_CONFIG_LEN + 8 + 1;
/// Bytes per sample (pressure and flow, `i16` each).
pub(crate) const SAMPLE_LEN: usize = 4;
/// Hint body bytes.
pub(crate) const HINT_LEN: usize = 8 + 4 + 3 * 4;
/// Settings body bytes: five `f32`.
pub(crate) const SETTINGS_LEN: usize = 5 * 4;
/// Ack body bytes: sequence number, seven `u32` counts, the next sample index, the
/// spare room, the eight drop counts.
pub(crate) const ACK_LEN: usize = 2 + 7 * 4 + 8 + 8 * 4;
/// Heartbeat body bytes.
pub(crate) const HEARTBEAT_LEN: usize = 4;

/// Largest payload (header + body + CRC) in bytes: a full sample block, 283.
pub const MAX_PAYLOAD_LEN: usize =
    HEADER_LEN + BLOCK_HEADER_LEN + MAX_SAMPLES_PER_BLOCK * SAMPLE_LEN + CRC_LEN;

/// Largest frame on the wire in bytes, COBS overhead and both `0x00` delimiters included:
/// 287. A buffer of this size holds any encoded frame.
pub const MAX_FRAME_LEN: usize = 1 + corncobs::max_encoded_len(MAX_PAYLOAD_LEN);

/// The frame types of the protocol and their codes (header byte 1).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[repr(u8)]
pub enum FrameType {
    /// Stream (re)start and configuration, sensor board → engine.
    Hello = 0x01,
    /// Up to 64 samples of both channels, sensor board → engine.
    SampleBlock = 0x02,
    /// The user's pumping settings, changed on the pump, pump → engine.
    Settings = 0x03,
    /// A control hint, engine → motor controller.
    Hint = 0x11,
    /// What the engine has received, engine → sensor board.
    Ack = 0x12,
    /// "Still here", either direction.
    Heartbeat = 0x20,
}

impl FrameType {
    /// Every frame type, in code order.
    pub const ALL: [FrameType; 6] = [
        FrameType::Hello,
        FrameType::SampleBlock,
        FrameType::Settings,
        FrameType::Hint,
        FrameType::Ack,
        FrameType::Heartbeat,
    ];

    /// The type's code on the wire.
    pub const fn code(self) -> u8 {
        self as u8
    }

    /// The type with this code, if the protocol defines one.
    pub const fn from_code(code: u8) -> Option<Self> {
        Some(match code {
            0x01 => FrameType::Hello,
            0x02 => FrameType::SampleBlock,
            0x03 => FrameType::Settings,
            0x11 => FrameType::Hint,
            0x12 => FrameType::Ack,
            0x20 => FrameType::Heartbeat,
            _ => return None,
        })
    }
}

impl fmt::Display for FrameType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            FrameType::Hello => "hello",
            FrameType::SampleBlock => "sample_block",
            FrameType::Settings => "settings",
            FrameType::Hint => "hint",
            FrameType::Ack => "ack",
            FrameType::Heartbeat => "heartbeat",
        })
    }
}

/// One decoded (or to-be-encoded) frame: its sequence number and what it carries.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Frame {
    /// The sender's sequence number, +1 (wrapping) per frame of any type.
    pub seq: u16,
    /// The frame's contents.
    pub payload: Payload,
}

/// What a frame carries.
// No heap to box the block into (no_std, allocation-free): every payload is a fixed-size
// value, 288 bytes, that lives on the stack.
#[allow(clippy::large_enum_variant)]
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Payload {
    /// Stream (re)start and configuration.
    Hello(Hello),
    /// Samples.
    SampleBlock(SampleBlock),
    /// The user's settings: the engine's own type, field for field.
    Settings(UserSettings),
    /// A control hint: the engine's own type, field for field.
    Hint(ControlHint),
    /// What the engine has received.
    Ack(Ack),
    /// "Still here".
    Heartbeat(Heartbeat),
}

impl Payload {
    /// The frame type that carries this payload.
    pub const fn frame_type(&self) -> FrameType {
        match self {
            Payload::Hello(_) => FrameType::Hello,
            Payload::SampleBlock(_) => FrameType::SampleBlock,
            Payload::Settings(_) => FrameType::Settings,
            Payload::Hint(_) => FrameType::Hint,
            Payload::Ack(_) => FrameType::Ack,
            Payload::Heartbeat(_) => FrameType::Heartbeat,
        }
    }

    /// Body length in bytes (without header and CRC).
    pub(crate) fn body_len(&self) -> usize {
        match self {
            Payload::Hello(_) => HELLO_LEN,
            Payload::SampleBlock(b) => BLOCK_HEADER_LEN + b.len() * SAMPLE_LEN,
            Payload::Settings(_) => SETTINGS_LEN,
            Payload::Hint(_) => HINT_LEN,
            Payload::Ack(_) => ACK_LEN,
            Payload::Heartbeat(_) => HEARTBEAT_LEN,
        }
    }

    /// Checks every field against the ranges of the protocol (crate docs): the encoder
    /// refuses, and the decoder drops, a payload that fails.
    pub fn validate(&self) -> Result<(), Field> {
        match self {
            Payload::Hello(h) => {
                h.config.validate()?;
                if !(1..=MAX_SAMPLES_PER_BLOCK).contains(&usize::from(h.max_samples_per_block)) {
                    return Err(Field::MaxSamplesPerBlock);
                }
                Ok(())
            }
            Payload::SampleBlock(b) => {
                b.config.validate()?;
                if b.is_empty() {
                    return Err(Field::SampleCount);
                }
                if b.first_sample_index.checked_add(b.len() as u64).is_none() {
                    return Err(Field::SampleIndex);
                }
                Ok(())
            }
            // The engine's own rules (`UserSettings::validate`), so what the link accepts
            // the engine takes.
            Payload::Settings(s) => s.validate().map_err(Field::Settings),
            Payload::Hint(h) => {
                if !(-300.0..=0.0).contains(&h.target_vacuum_mmhg) {
                    return Err(Field::TargetVacuum);
                }
                if !(0.0..=130.0).contains(&h.rate_cpm) {
                    return Err(Field::Rate);
                }
                if !(0.0..=1.0).contains(&h.confidence) {
                    return Err(Field::Confidence);
                }
                Ok(())
            }
            Payload::Ack(_) | Payload::Heartbeat(_) => Ok(()),
        }
    }
}

/// Sample rate and channel scaling of a stream, repeated in every block.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct StreamConfig {
    /// Samples per second, both channels, Hz.
    pub sample_rate_hz: u16,
    /// Pressure per raw count, mmHg (gauge, negative = vacuum). Recommended 0.01.
    pub pressure_mmhg_per_lsb: f32,
    /// Flow per raw count, mL/min. Recommended 0.01.
    pub flow_ml_min_per_lsb: f32,
}

impl StreamConfig {
    /// A configuration from its rate and scale factors (checked when encoded or decoded).
    pub const fn new(
        sample_rate_hz: u16,
        pressure_mmhg_per_lsb: f32,
        flow_ml_min_per_lsb: f32,
    ) -> Self {
        Self {
            sample_rate_hz,
            pressure_mmhg_per_lsb,
            flow_ml_min_per_lsb,
        }
    }

    /// Checks the ranges of the protocol: rate ≥ 1 Hz, scale factors finite and > 0.
    pub fn validate(&self) -> Result<(), Field> {
        if self.sample_rate_hz == 0 {
            return Err(Field::SampleRate);
        }
        if !(self.pressure_mmhg_per_lsb > 0.0 && self.pressure_mmhg_per_lsb.is_finite()) {
            return Err(Field::PressureScale);
        }
        if !(self.flow_ml_min_per_lsb > 0.0 && self.flow_ml_min_per_lsb.is_finite()) {
            return Err(Field::FlowScale);
        }
        Ok(())
    }

    /// Raw counts for a sample in physical units: rounded to the nearest count, NaN to
    /// [`RawSample::MISSING`], beyond ±32 767 counts (±∞ too) saturated to ±32 767.
    pub fn quantize(&self, sample: Sample) -> RawSample {
        RawSample {
            pressure: quantize(sample.pressure_mmhg, self.pressure_mmhg_per_lsb),
            flow: quantize(sample.flow_ml_min, self.flow_ml_min_per_lsb),
        }
    }

    /// The sample in physical units for raw counts: `raw × lsb`, NaN for "no reading".
    pub fn to_sample(&self, raw: RawSample) -> Sample {
        Sample::new(
            scale(raw.pressure, self.pressure_mmhg_per_lsb),
            scale(raw.flow, self.flow_ml_min_per_lsb),
        )
    }
}

fn quantize(value: f32, lsb: f32) -> i16 {
    let counts = value / lsb;
    if counts.is_nan() {
        return RawSample::MISSING;
    }
    // Round half away from zero; `as` saturates (±∞ included), then keep i16::MIN free
    // for "no reading".
    let rounded = if counts >= 0.0 {
        counts + 0.5
    } else {
        counts - 0.5
    } as i32;
    rounded.clamp(-i32::from(i16::MAX), i32::from(i16::MAX)) as i16
}

fn scale(raw: i16, lsb: f32) -> f32 {
    if raw == RawSample::MISSING {
        f32::NAN
    } else {
        f32::from(raw) * lsb
    }
}

/// One sample of both channels in raw counts, as on the wire.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct RawSample {
    /// Pressure, counts of [`StreamConfig::pressure_mmhg_per_lsb`]; `MISSING` = no reading.
    pub pressure: i16,
    /// Flow, counts of [`StreamConfig::flow_ml_min_per_lsb`]; `MISSING` = no reading.
    pub flow: i16,
}

impl RawSample {
    /// The raw value that means "no reading" on a channel (the engine sees NaN).
    pub const MISSING: i16 = i16::MIN;
    /// A sample with no reading on either channel.
    pub const MISSING_BOTH: RawSample = RawSample::new(Self::MISSING, Self::MISSING);

    /// A sample from its raw counts.
    pub const fn new(pressure: i16, flow: i16) -> Self {
        Self { pressure, flow }
    }
}

/// The block is full ([`MAX_SAMPLES_PER_BLOCK`] samples).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BlockFull;

impl fmt::Display for BlockFull {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "sample block is full ({MAX_SAMPLES_PER_BLOCK} samples)")
    }
}

impl core::error::Error for BlockFull {}

/// Up to [`MAX_SAMPLES_PER_BLOCK`] consecutive samples of a stream, with the stream's
/// configuration and the index of the first sample. Fixed size, `Copy`, no allocation.
#[derive(Clone, Copy)]
pub struct SampleBlock {
    /// Rate and scaling of the samples.
    pub config: StreamConfig,
    /// Index of the block's first sample since stream start (0 = first sample).
    pub first_sample_index: u64,
    samples: [RawSample; MAX_SAMPLES_PER_BLOCK],
    len: u8,
}

impl SampleBlock {
    /// An empty block whose first sample will have index `first_sample_index`. A block
    /// must hold at least one sample to be encoded.
    pub const fn new(config: StreamConfig, first_sample_index: u64) -> Self {
        Self {
            config,
            first_sample_index,
            samples: [RawSample::new(0, 0); MAX_SAMPLES_PER_BLOCK],
            len: 0,
        }
    }

    /// A block of these samples, or `None` if there are more than
    /// [`MAX_SAMPLES_PER_BLOCK`].
    pub fn from_samples(
        config: StreamConfig,
        first_sample_index: u64,
        samples: &[RawSample],
    ) -> Option<Self> {
        let mut block = Self::new(config, first_sample_index);
        block
            .samples
            .get_mut(..samples.len())?
            .copy_from_slice(samples);
        block.len = samples.len() as u8;
        Some(block)
    }

    /// Appends a sample.
    pub fn push(&mut self, sample: RawSample) -> Result<(), BlockFull> {
        let slot = self
            .samples
            .get_mut(usize::from(self.len))
            .ok_or(BlockFull)?;
        *slot = sample;
        self.len += 1;
        Ok(())
    }

    /// The samples, in order.
    pub fn samples(&self) -> &[RawSample] {
        // `len` never exceeds the array (push and from_samples check it).
        self.samples.get(..usize::from(self.len)).unwrap_or(&[])
    }

    /// Number of samples.
    pub const fn len(&self) -> usize {
        self.len as usize
    }

    /// `true` if the block holds no sample.
    pub const fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// `true` if the block holds [`MAX_SAMPLES_PER_BLOCK`] samples.
    pub const fn is_full(&self) -> bool {
        self.len as usize == MAX_SAMPLES_PER_BLOCK
    }

    /// Index one past the block's last sample: the next block's expected first index.
    pub const fn end_sample_index(&self) -> u64 {
        self.first_sample_index.wrapping_add(self.len as u64)
    }

    /// The samples in physical units, for [`letdown_engine::Engine::process`].
    pub fn engine_samples(&self) -> impl Iterator<Item = Sample> + '_ {
        self.samples().iter().map(|&raw| self.config.to_sample(raw))
    }
}

impl fmt::Debug for SampleBlock {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SampleBlock")
            .field("config", &self.config)
            .field("first_sample_index", &self.first_sample_index)
            .field("samples", &self.samples())
            .finish()
    }
}

impl PartialEq for SampleBlock {
    fn eq(&self, other: &Self) -> bool {
        self.config == other.config
            && self.first_sample_index == other.first_sample_index
            && self.samples() == other.samples()
    }
}

/// A stream (re)start: its configuration and where its sample indices begin.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Hello {
    /// Rate and scaling of the samples to come.
    pub config: StreamConfig,
    /// Most samples the board puts in one block, 1 … 64.
    pub max_samples_per_block: u8,
    /// Index of the next sample the board will send.
    pub next_sample_index: u64,
}

/// What the receiver has received and lost so far, and how much more it can take (counts
/// wrap at 2³²). The crate docs ("Ack body", "Flow control") say how a sender uses it.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Ack {
    /// Sequence number of the last frame received from the peer.
    pub last_seq: u16,
    /// Good frames received.
    pub frames_received: u32,
    /// Frames the decoder dropped (any reason; by reason in `dropped_by_reason`).
    pub frames_dropped: u32,
    /// Samples the engine was told are missing: skipped sample indices (lost frames, a
    /// Hello ahead of the expected index). Overruns are counted apart.
    pub samples_missing: u32,
    /// Samples received but dropped because the engine's queue was full (the engine is
    /// told of them as missing too). A sender that follows `spare_samples` causes none.
    pub samples_overrun: u32,
    /// Samples received and not given to the engine: repeats (indices already taken),
    /// duplicate frames, a stream the engine refused.
    pub samples_discarded: u32,
    /// Bytes discarded because no frame delimiter came within the largest frame.
    pub oversize_bytes: u32,
    /// The board sample index the receiver expects next: everything before it was
    /// taken or counted as lost.
    pub next_sample_index: u64,
    /// Samples the receiver can queue now without an overrun, for blocks of the
    /// stream's announced size (`u32::MAX`: no limit; 0 before a stream runs).
    pub spare_samples: u32,
    /// Frames dropped per reason, in [`crate::DropReason::ALL`] order (oversize, COBS,
    /// too short, CRC, version, frame type, length, field).
    pub dropped_by_reason: [u32; 8],
}

/// "Still here", with the sender's clock.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Heartbeat {
    /// The sender's monotonic clock, ms (wraps after 49.7 days).
    pub uptime_ms: u32,
}

#[cfg(test)]
mod tests {
    extern crate std;
    use super::*;
    use std::{format, string::ToString};

    /// The frame-type table of the crate's specification states each body's length; a
    /// firmware engineer builds from it, so it must say what the code sends.
    #[test]
    fn the_specification_table_states_each_body_length() {
        let spec = include_str!("lib.rs");
        let row = |code: &str| -> &str {
            let prefix = format!("//! | `{code}` |");
            let line = spec.lines().find(|l| l.starts_with(&prefix));
            let line = line.unwrap_or_else(|| panic!("no table row for {code}"));
            line.trim_end_matches('|')
                .rsplit('|')
                .next()
                .unwrap()
                .trim()
        };
        assert_eq!(row("0x01"), HELLO_LEN.to_string());
        assert_eq!(
            row("0x02"),
            format!("{BLOCK_HEADER_LEN} + {SAMPLE_LEN} n, n = 1 … {MAX_SAMPLES_PER_BLOCK}")
        );
        assert_eq!(row("0x03"), SETTINGS_LEN.to_string());
        assert_eq!(row("0x11"), HINT_LEN.to_string());
        assert_eq!(row("0x12"), ACK_LEN.to_string());
        assert_eq!(row("0x20"), HEARTBEAT_LEN.to_string());
    }
}

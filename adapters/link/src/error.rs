//! Typed, `Copy` errors of the encoder and the decoder.

use crate::frame::FrameType;
use core::fmt;
use letdown_engine::SettingsError;

/// A field whose value is outside the range the protocol allows (crate docs).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Field {
    /// `sample_rate_hz` is 0.
    SampleRate,
    /// `pressure_mmhg_per_lsb` is not finite and > 0.
    PressureScale,
    /// `flow_ml_min_per_lsb` is not finite and > 0.
    FlowScale,
    /// A sample block's `count` is outside 1 … 64.
    SampleCount,
    /// A sample block's `first_sample_index + count` exceeds 2⁶⁴ − 1 (indices never
    /// wrap).
    SampleIndex,
    /// Hello's `max_samples_per_block` is outside 1 … 64.
    MaxSamplesPerBlock,
    /// Hint `mode` code is not 0 … 2.
    Mode,
    /// Hint `reason` code is not 0 … 8.
    Reason,
    /// Hint `cue` code is not 0 … 4.
    Cue,
    /// Hint `target_vacuum_mmhg` is outside −300 … 0 (or not finite).
    TargetVacuum,
    /// Hint `rate_cpm` is outside 0 … 130 (or not finite).
    Rate,
    /// Hint `confidence` is outside 0 … 1 (or not finite).
    Confidence,
    /// A Settings field breaks the engine's rules for user settings (which one, the
    /// range and unit are in the [`SettingsError`]).
    Settings(SettingsError),
}

impl fmt::Display for Field {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (name, rule) = match self {
            Field::SampleRate => ("sample_rate_hz", "must be 1 … 65535 Hz"),
            Field::PressureScale => ("pressure_mmhg_per_lsb", "must be finite and > 0 mmHg"),
            Field::FlowScale => ("flow_ml_min_per_lsb", "must be finite and > 0 mL/min"),
            Field::SampleCount => ("count", "must be 1 … 64 samples"),
            Field::SampleIndex => (
                "first_sample_index",
                "plus count must not exceed 2^64 - 1 (sample indices never wrap)",
            ),
            Field::MaxSamplesPerBlock => ("max_samples_per_block", "must be 1 … 64 samples"),
            Field::Mode => (
                "mode",
                "must be 0 (stimulation), 1 (expression) or 2 (pause)",
            ),
            Field::Reason => ("reason", "must be a reason code 0 … 8"),
            Field::Cue => ("cue", "must be 0 (none) … 4"),
            Field::TargetVacuum => ("target_vacuum_mmhg", "must be within -300 … 0 mmHg"),
            Field::Rate => ("rate_cpm", "must be within 0 … 130 cpm"),
            Field::Confidence => ("confidence", "must be within 0 … 1"),
            Field::Settings(e) => e.field_and_range(),
        };
        write!(f, "{name} {rule}")
    }
}

/// Why the encoder refused a frame.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum EncodeError {
    /// The output buffer is smaller than the frame's worst-case encoded length.
    BufferTooSmall {
        /// Bytes the frame may need (COBS worst case plus the delimiter).
        needed: usize,
        /// Bytes the buffer has.
        available: usize,
    },
    /// A field is outside its range; nothing was written.
    InvalidField(Field),
}

impl fmt::Display for EncodeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            EncodeError::BufferTooSmall { needed, available } => write!(
                f,
                "output buffer too small: the frame needs up to {needed} bytes, the buffer has {available}"
            ),
            EncodeError::InvalidField(field) => write!(f, "cannot encode: {field}"),
        }
    }
}

impl core::error::Error for EncodeError {}

/// Why the decoder dropped a frame. Each maps to one [`DropReason`] counter.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FrameError {
    /// More bytes arrived before a `0x00` than the decoder's buffer holds.
    Oversize {
        /// The decoder's capacity, bytes.
        capacity: usize,
    },
    /// The bytes are not valid COBS (a run runs past the end of the frame).
    Cobs,
    /// The decoded payload is shorter than header + CRC (8 bytes).
    TooShort {
        /// Decoded payload length, bytes.
        len: usize,
    },
    /// The CRC-32C trailer does not match the payload.
    Crc {
        /// CRC in the frame.
        received: u32,
        /// CRC computed over the payload.
        computed: u32,
    },
    /// The header's protocol version is not [`crate::PROTOCOL_VERSION`].
    UnknownVersion {
        /// The version byte received.
        version: u8,
    },
    /// The header's frame type code is not one the protocol defines.
    UnknownType {
        /// The type code received.
        code: u8,
    },
    /// The body length does not match the frame type (or the block's sample count).
    BadLength {
        /// The frame's type.
        frame_type: FrameType,
        /// Body bytes expected.
        expected: usize,
        /// Body bytes received.
        actual: usize,
    },
    /// A field is outside its range.
    InvalidField(Field),
}

impl FrameError {
    /// The statistics counter this error is counted under.
    pub const fn reason(&self) -> DropReason {
        match self {
            FrameError::Oversize { .. } => DropReason::Oversize,
            FrameError::Cobs => DropReason::Cobs,
            FrameError::TooShort { .. } => DropReason::TooShort,
            FrameError::Crc { .. } => DropReason::Crc,
            FrameError::UnknownVersion { .. } => DropReason::Version,
            FrameError::UnknownType { .. } => DropReason::FrameType,
            FrameError::BadLength { .. } => DropReason::Length,
            FrameError::InvalidField(_) => DropReason::Field,
        }
    }
}

impl fmt::Display for FrameError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            FrameError::Oversize { capacity } => {
                write!(
                    f,
                    "frame dropped: longer than the decoder's {capacity}-byte buffer"
                )
            }
            FrameError::Cobs => f.write_str("frame dropped: invalid COBS encoding"),
            FrameError::TooShort { len } => write!(
                f,
                "frame dropped: {len}-byte payload is shorter than header and CRC (8 bytes)"
            ),
            FrameError::Crc { received, computed } => write!(
                f,
                "frame dropped: CRC mismatch (received {received:#010x}, computed {computed:#010x})"
            ),
            FrameError::UnknownVersion { version } => write!(
                f,
                "frame dropped: protocol version {version}, this decoder speaks only {} \
                 (version 2 changed the Ack: update the sender to the letdown-link docs)",
                crate::PROTOCOL_VERSION
            ),
            FrameError::UnknownType { code } => {
                write!(f, "frame dropped: unknown frame type {code:#04x}")
            }
            FrameError::BadLength {
                frame_type,
                expected,
                actual,
            } => write!(
                f,
                "frame dropped: {frame_type} body is {actual} bytes, expected {expected}"
            ),
            FrameError::InvalidField(field) => write!(f, "frame dropped: {field}"),
        }
    }
}

impl core::error::Error for FrameError {}

/// The decoder's drop counters, one per failed check, in the order the checks run.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DropReason {
    /// Longer than the decoder's buffer.
    Oversize,
    /// Invalid COBS.
    Cobs,
    /// Shorter than header + CRC.
    TooShort,
    /// CRC mismatch.
    Crc,
    /// Unknown protocol version.
    Version,
    /// Unknown frame type.
    FrameType,
    /// Body length wrong for the type.
    Length,
    /// A field out of range.
    Field,
}

impl DropReason {
    /// Every reason, in the order the checks run.
    pub const ALL: [DropReason; 8] = [
        DropReason::Oversize,
        DropReason::Cobs,
        DropReason::TooShort,
        DropReason::Crc,
        DropReason::Version,
        DropReason::FrameType,
        DropReason::Length,
        DropReason::Field,
    ];
}

impl fmt::Display for DropReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            DropReason::Oversize => "oversize",
            DropReason::Cobs => "cobs",
            DropReason::TooShort => "too_short",
            DropReason::Crc => "crc",
            DropReason::Version => "version",
            DropReason::FrameType => "frame_type",
            DropReason::Length => "length",
            DropReason::Field => "field",
        })
    }
}

//! letdown-link: the wire codec of the pump link — sample blocks from the sensor board up
//! to the engine, hints, acknowledgements and heartbeats back down to the pump (issue 8).
//!
//! `#![no_std]`, no allocation, no `unsafe`, and no panic for any input: the firmware side
//! links the same code. The programs that drive a real serial line (`letdown serve`,
//! `letdown pump-sim`) live in `letdown-adapters`.
//!
//! - [`encode()`] / [`Encoder`]: a frame into a caller's `&mut [u8]`, returning its length;
//! - [`Decoder`]: a streaming decoder with a fixed internal buffer, fed one byte or one
//!   slice at a time, that drops every bad frame, counts it by reason ([`DecoderStats`])
//!   and resynchronises at the next `0x00`;
//! - [`SequenceTracker`]: turns sequence numbers and first-sample indices into lost
//!   frames and missing samples, for `Engine::process_gap`.
//!
//! # Protocol v1
//!
//! All multi-byte fields are little-endian; `f32` is IEEE 754 binary32.
//!
//! ## Framing
//!
//! ```text
//! wire    = 0x00 COBS(payload) 0x00
//! payload = header (4 B) | body (4 … 275 B) | CRC-32C (4 B)
//! ```
//!
//! - **COBS** (Consistent Overhead Byte Stuffing, zero as the delimiter): the encoded
//!   frame contains no `0x00`, so a `0x00` ends it, and a receiver that tunes in anywhere
//!   (or after garbage) finds the next frame boundary at the next `0x00`. COBS costs at
//!   most 1 byte per 254 (2 bytes for the largest frame).
//! - **A delimiter on both sides.** The leading `0x00` ends whatever came before — line
//!   noise, or a frame whose tail (and closing `0x00`) was lost — so one damaged frame
//!   never takes the next one with it; it costs one byte per frame (0.35 % of a full
//!   block). Receivers ignore the empty frames that back-to-back delimiters make.
//! - **CRC-32C** (Castagnoli: poly `0x1EDC6F41`, reflected, init and xor-out `0xFFFFFFFF`;
//!   check value `0xE3069283` for the ASCII bytes `123456789`), over header and body,
//!   stored as the last 4 payload bytes. Its Hamming distance is 6 up to 5 243 data bits
//!   (Koopman 2002): every error of up to 5 bits in our largest frame (2 232 data bits) is
//!   caught, and random damage passes with probability 2⁻³². CRC-32 rather than CRC-16
//!   because hints move a motor that applies vacuum to a person, and a link full of
//!   garbage would let one corrupt frame in 65 536 through a CRC-16.
//!
//! ## Header (4 bytes, every frame)
//!
//! | offset | size | field | value |
//! |---|---|---|---|
//! | 0 | 1 | protocol version | `1` ([`PROTOCOL_VERSION`]) |
//! | 1 | 1 | frame type | see [`FrameType`] |
//! | 2 | 2 | sequence number, `u16` | per sender, +1 (wrapping) for each frame of any type |
//!
//! Invariant across versions: the COBS framing, the CRC-32C trailer and byte 0 as the
//! version. A v1 receiver therefore reports a well-formed frame of another version as
//! [`FrameError::UnknownVersion`], not as a CRC error.
//!
//! ## Frame types
//!
//! | code | type | direction | body bytes |
//! |---|---|---|---|
//! | `0x01` | [`Hello`] (stream configuration) | sensor board → engine | 19 |
//! | `0x02` | [`SampleBlock`] | sensor board → engine | 19 + 4 n, n = 1 … 64 |
//! | `0x03` | Settings ([`letdown_engine::UserSettings`]) | pump → engine | 20 |
//! | `0x11` | Hint ([`letdown_engine::ControlHint`]) | engine → motor controller | 24 |
//! | `0x12` | [`Ack`] | engine → sensor board | 14 |
//! | `0x20` | [`Heartbeat`] | either | 4 |
//!
//! ## Stream configuration (10 bytes, at the start of Hello and of every SampleBlock)
//!
//! | offset | size | field | valid |
//! |---|---|---|---|
//! | 0 | 2 | `sample_rate_hz`, `u16` | 1 … 65 535 (the engine accepts 100 … 10 000) |
//! | 2 | 4 | `pressure_mmhg_per_lsb`, `f32` | finite, > 0 |
//! | 6 | 4 | `flow_ml_min_per_lsb`, `f32` | finite, > 0 |
//!
//! Every block repeats it (10 bytes of 283), so a receiver that joins mid-stream or loses
//! the Hello still knows the rate and the scaling.
//!
//! ## Hello body (19 bytes)
//!
//! | offset | size | field | valid |
//! |---|---|---|---|
//! | 0 | 10 | stream configuration | as above |
//! | 10 | 1 | `max_samples_per_block`, `u8` | 1 … 64 |
//! | 11 | 8 | `next_sample_index`, `u64` | index of the next sample the board will send |
//!
//! Sent when the board starts or restarts a stream; a receiver's [`SequenceTracker`]
//! starts afresh on it.
//!
//! ## SampleBlock body (19 + 4 n bytes)
//!
//! | offset | size | field | valid |
//! |---|---|---|---|
//! | 0 | 10 | stream configuration | as above |
//! | 10 | 8 | `first_sample_index`, `u64` | index of the block's first sample since stream start |
//! | 18 | 1 | `count` n, `u8` | 1 … 64 ([`MAX_SAMPLES_PER_BLOCK`]) |
//! | 19 + 4 i | 2 | pressure of sample i, `i16` | any; `i16::MIN` = no reading |
//! | 21 + 4 i | 2 | flow of sample i, `i16` | any; `i16::MIN` = no reading |
//!
//! A channel's value is `raw × lsb` in mmHg (gauge, negative = vacuum) or mL/min; "no
//! reading" ([`RawSample::MISSING`]) becomes NaN for the engine, whose sanitize stage
//! treats it as a fault. Senders quantize with [`StreamConfig::quantize`]: rounded, NaN to
//! "no reading", anything beyond the range saturated to ±32 767 (still visible as an
//! impossible value). With the recommended 0.01 mmHg and 0.01 mL/min per LSB the range is
//! ±327.67: all plausible pressure (−300 … +50 mmHg) and everything short of the flow
//! sensor's fault limits (−100 … 250 mL/min) is represented, at a resolution finer than
//! the sensors' noise.
//!
//! ### Why `i16` and not `f32`: the bandwidth at 10 kHz × 2 channels
//!
//! A 921 600-baud UART with 8N1 framing carries 10 bits per byte: 92 160 bytes/s.
//!
//! | samples as | payload of a 64-sample block | on the wire (COBS + two `0x00`) | blocks/s at 10 kHz | bytes/s | share of the line |
//! |---|---|---|---|---|---|
//! | `i16` + scale | 4 + 19 + 64·4 + 4 = 283 B | 283 + 2 + 2 = 287 B | 156.25 | 44 844 | 48.7 % |
//! | `f32` | 4 + 19 + 64·8 + 4 = 539 B | 539 + 3 + 2 = 544 B | 156.25 | 85 000 | 92.2 % |
//!
//! `f32` would leave no room for hellos, heartbeats, clock tolerance or a second sensor;
//! `i16` halves the load and loses nothing the sensors resolve. Smaller blocks cut latency
//! (a 64-sample block spans 6.4 ms at 10 kHz, 64 ms at 1 kHz) for 30 bytes of overhead
//! each: at 10 kHz, 16-sample blocks use 64 % of the line (94 B × 625/s), 8-sample blocks
//! 84 % (62 B × 1 250/s); at the default 1 kHz any block size fits (16 samples: 5.9 kB/s,
//! 6 %).
//!
//! ## Settings body (20 bytes) — [`letdown_engine::UserSettings`] field for field
//!
//! | offset | size | field | valid |
//! |---|---|---|---|
//! | 0 | 4 | `stimulation_vacuum_mmhg`, `f32` | −150 … −30, not deeper than `max_vacuum_mmhg` |
//! | 4 | 4 | `stimulation_rate_cpm`, `f32` | 24 … 130 |
//! | 8 | 4 | `expression_vacuum_mmhg`, `f32` | −300 … −30, not deeper than `max_vacuum_mmhg` |
//! | 12 | 4 | `expression_rate_cpm`, `f32` | 24 … 130, below `stimulation_rate_cpm` |
//! | 16 | 4 | `max_vacuum_mmhg`, `f32` | −300 … −50 |
//!
//! Sent by the pump's firmware whenever the mother changes her comfort settings (and
//! once at the start of a stream, if they differ from the engine's defaults). The ranges
//! are the engine's own (`UserSettings::validate`): the encoder refuses and the decoder
//! drops a frame that breaks them (counted as a field error), so every Settings frame the
//! receiver gets is one the engine accepts. The receiver hands it to
//! `Engine::set_user_settings` before the next sample: every later hint asks for these
//! targets and vacuum beyond the new maximum pauses the pump.
//!
//! ## Hint body (24 bytes) — [`letdown_engine::ControlHint`] field for field
//!
//! | offset | size | field | valid |
//! |---|---|---|---|
//! | 0 | 8 | `sample_index`, `u64` | sample the hint refers to |
//! | 8 | 1 | `mode` | 0 stimulation, 1 expression, 2 pause |
//! | 9 | 1 | `reason` | 0 letdown detected, 1 flow faded, 2 fallback timer, 3 over-vacuum, 4 sensor fault, 5 stale data, 6 sensor recovered, 7 late-letdown cue, 8 session end |
//! | 10 | 1 | `cue` | 0 none, 1 relax, 2 baby photo, 3 warmth, 4 massage |
//! | 11 | 1 | `ramp_cycles`, `u8` | any |
//! | 12 | 4 | `target_vacuum_mmhg`, `f32` | −300 … 0 (never beyond −300 mmHg, DESIGN §5) |
//! | 16 | 4 | `rate_cpm`, `f32` | 0 … 130 |
//! | 20 | 4 | `confidence`, `f32` | 0 … 1 |
//!
//! NaN and ±∞ fail every range: the encoder refuses such a hint and the decoder drops it,
//! so the motor controller never receives a non-finite target.
//!
//! ## Ack body (14 bytes)
//!
//! | offset | size | field | |
//! |---|---|---|---|
//! | 0 | 2 | `last_seq`, `u16` | sequence number of the last frame received from the peer |
//! | 2 | 4 | `frames_received`, `u32` | good frames received so far (wrapping) |
//! | 6 | 4 | `frames_dropped`, `u32` | frames dropped by the decoder so far (wrapping) |
//! | 10 | 4 | `samples_missing`, `u32` | samples reported missing so far (wrapping) |
//!
//! ## Heartbeat body (4 bytes)
//!
//! | offset | size | field | |
//! |---|---|---|---|
//! | 0 | 4 | `uptime_ms`, `u32` | the sender's monotonic clock, ms (wrapping) |
//!
//! ## Receiving
//!
//! A receiver checks, in this order, and drops the frame at the first failure, counting it
//! under that reason ([`DropReason`]): encoded length within its buffer (oversize); COBS
//! structure; payload at least 8 bytes (too short); CRC; version; frame type; body length
//! for the type (a block's `count` outside 1 … 64 is a field error); field ranges. Then it
//! resumes at the next `0x00`. Nothing is dropped silently: every `0x00` ends one frame,
//! counted as good, empty or dropped ([`DecoderStats`]).
//!
//! The sequence number tells lost frames (of any type), modulo 2¹⁶; the first-sample
//! index tells the exact number of samples lost, whatever the number of frames, and is
//! what the receiver reports to the engine as a gap ([`SequenceTracker`]).
//!
//! # Example
//!
//! ```
//! use letdown_link::{Decoder, Encoder, Payload, RawSample, SampleBlock, StreamConfig};
//!
//! let config = StreamConfig::new(1000, 0.01, 0.01);
//! let mut block = SampleBlock::new(config, 0);
//! block.push(config.quantize(letdown_engine::Sample::new(-150.0, 12.5))).unwrap();
//! block.push(RawSample::MISSING_BOTH).unwrap();
//!
//! let mut wire = [0u8; letdown_link::MAX_FRAME_LEN];
//! let n = Encoder::new().encode(&Payload::SampleBlock(block), &mut wire).unwrap();
//!
//! let mut decoder = letdown_link::FrameDecoder::new();
//! let frame = decoder.frames(&wire[..n]).next().unwrap().unwrap();
//! assert_eq!(frame.seq, 0);
//! assert_eq!(frame.payload, Payload::SampleBlock(block));
//! assert_eq!(decoder.stats().frames, 1);
//! ```
#![no_std]
#![forbid(unsafe_code)]
#![warn(missing_docs)]
// No panic for any input: no indexing, unwrap or panic in the library, checked by clippy.
#![cfg_attr(
    not(test),
    deny(
        clippy::indexing_slicing,
        clippy::unwrap_used,
        clippy::expect_used,
        clippy::panic,
        clippy::unreachable,
        clippy::todo
    )
)]

pub mod crc;
pub mod decode;
pub mod encode;
pub mod error;
pub mod frame;
mod hint_codes;
pub mod sequence;
mod wire;

pub use decode::{parse_payload, Decoder, DecoderStats, FrameDecoder, Frames, DECODER_CAPACITY};
pub use encode::{encode, write_payload, Encoder};
pub use error::{DropReason, EncodeError, Field, FrameError};
pub use frame::{
    Ack, BlockFull, Frame, FrameType, Heartbeat, Hello, Payload, RawSample, SampleBlock,
    StreamConfig, MAX_FRAME_LEN, MAX_PAYLOAD_LEN, MAX_SAMPLES_PER_BLOCK, PROTOCOL_VERSION,
};
pub use sequence::{Continuity, SequenceStats, SequenceTracker};

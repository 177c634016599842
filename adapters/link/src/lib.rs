//! letdown-link: the wire codec of the pump link — sample blocks from the sensor board up
//! to the engine, hints, acknowledgements and heartbeats back down to the pump.
//!
//! `#![no_std]`, no allocation, no `unsafe`, and no panic for any input: the firmware side
//! links the same code. The programs that drive a real serial line (`letdown serve`,
//! `letdown pump-sim`) live in `letdown-cli`, on the port and receive path of `letdown-io`
//! (`pump_link`).
//!
//! - [`encode()`] / [`Encoder`]: a frame into a caller's `&mut [u8]`, returning its length;
//! - [`Decoder`]: a streaming decoder with a fixed internal buffer, fed one byte or one
//!   slice at a time, that drops every bad frame, counts it by reason ([`DecoderStats`])
//!   and resynchronises at the next `0x00`;
//! - [`SequenceTracker`]: turns sequence numbers and first-sample indices into lost
//!   frames and missing samples, for `Engine::process_gap`.
//!
//! # Protocol v2
//!
//! This page is the complete specification: a firmware engineer implements a peer from it
//! alone (a COBS and a CRC-32C routine are all else it takes), and checks the result
//! against the [test vectors](#test-vectors) at the end.
//!
//! All multi-byte fields are little-endian (least significant byte first), the CRC too;
//! `f32` is IEEE 754 binary32.
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
//!   stored as the last 4 payload bytes, least significant byte first: a CRC of
//!   `0xE3069283` goes on as `83 92 06 E3`. Its Hamming distance is 6 up to 5 243 data bits
//!   (Koopman 2002): every error of up to 5 bits in our largest frame (2 232 data bits) is
//!   caught, and random damage passes with probability 2⁻³². CRC-32 rather than CRC-16
//!   because hints move a motor that applies vacuum to a person, and a link full of
//!   garbage would let one corrupt frame in 65 536 through a CRC-16.
//!
//! ## Header (4 bytes, every frame)
//!
//! | offset | size | field | value |
//! |---|---|---|---|
//! | 0 | 1 | protocol version | `2` ([`PROTOCOL_VERSION`]) |
//! | 1 | 1 | frame type | see [`FrameType`] |
//! | 2 | 2 | sequence number, `u16` | per sender, +1 (wrapping) for each frame of any type |
//!
//! Invariant across versions: the COBS framing, the CRC-32C trailer and byte 0 as the
//! version. A receiver therefore reports a well-formed frame of another version as
//! [`FrameError::UnknownVersion`], not as a CRC error.
//!
//! **Versions.** Version 2 changed only the Ack body (14 → 70 bytes: the losses by kind and
//! the room for flow control); every other body is as in version 1. A version-2 peer
//! accepts only version 2: a version-1 frame is dropped and counted as a version error,
//! and the log says "protocol version 1, this decoder speaks only 2". A version-1 sender
//! is therefore refused loudly, never half understood; it is updated by writing `2` in
//! byte 0 and reading the longer Ack.
//!
//! ## Frame types
//!
//! | code | type | direction | body bytes |
//! |---|---|---|---|
//! | `0x01` | [`Hello`] (stream configuration) | sensor board → engine | 19 |
//! | `0x02` | [`SampleBlock`] | sensor board → engine | 19 + 4 n, n = 1 … 64 |
//! | `0x03` | Settings ([`letdown_engine::UserSettings`]) | pump → engine | 20 |
//! | `0x11` | Hint ([`letdown_engine::ControlHint`]) | engine → motor controller | 24 |
//! | `0x12` | [`Ack`] | engine → sensor board | 70 |
//! | `0x20` | [`Heartbeat`] | either | 4 |
//!
//! ## Stream configuration (10 bytes, at the start of Hello and of every SampleBlock)
//!
//! | offset | size | field | valid |
//! |---|---|---|---|
//! | 0 | 2 | `sample_rate_hz`, `u16` | 1 … 65 535 (the engine accepts 100 … 10 000: [Sample numbering](#sample-numbering-what-a-receiver-does)) |
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
//! | 10 | 8 | `first_sample_index`, `u64` | index of the block's first sample since stream start; `first_sample_index + count` ≤ 2⁶⁴ − 1 (indices never wrap) |
//! | 18 | 1 | `count` n, `u8` | 1 … 64 ([`MAX_SAMPLES_PER_BLOCK`]) |
//! | 19 + 4 i | 2 | pressure of sample i, `i16` | any; `i16::MIN` = no reading |
//! | 21 + 4 i | 2 | flow of sample i, `i16` | any; `i16::MIN` = no reading |
//!
//! A channel's value is `raw × lsb` in mmHg (gauge, negative = vacuum) or mL/min; "no
//! reading" ([`RawSample::MISSING`]) becomes NaN for the engine, whose sanitize stage
//! treats it as a fault. Senders quantize with [`StreamConfig::quantize`]: `value / lsb`
//! computed in `f32`, rounded to the nearest count with ties away from zero (2.5 counts →
//! 3, −2.5 → −3; 1.25 mmHg at 0.5 mmHg per count → 3), NaN to "no reading", anything
//! beyond the range (±∞ too) saturated to ±32 767 (still visible as an impossible value);
//! `i16::MIN` is never the result of rounding. A receiver multiplies: `raw as f32 × lsb`. With the recommended 0.01 mmHg and 0.01 mL/min per LSB the range is
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
//! | 0 | 8 | `sample_index`, `u64` | sample the hint refers to, in the board's numbering (its blocks' `first_sample_index`); for a pause the link makes itself, the board's next sample |
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
//! ## Ack body (70 bytes)
//!
//! What the receiver has taken and lost so far, and how much more it can take. Counts
//! are totals since the receiver started, wrapping at 2³².
//!
//! | offset | size | field | |
//! |---|---|---|---|
//! | 0 | 2 | `last_seq`, `u16` | sequence number of the last frame received from the peer |
//! | 2 | 4 | `frames_received`, `u32` | good frames received |
//! | 6 | 4 | `frames_dropped`, `u32` | frames the decoder dropped, all reasons |
//! | 10 | 4 | `samples_missing`, `u32` | samples the engine was told are missing: indices skipped by lost frames or a Hello ahead of the expected index |
//! | 14 | 4 | `samples_overrun`, `u32` | samples received but dropped because the engine's queue was full (the engine counts them as missing too) |
//! | 18 | 4 | `samples_discarded`, `u32` | samples received and not given to the engine: repeated indices, duplicate frames, a refused stream |
//! | 22 | 4 | `oversize_bytes`, `u32` | bytes discarded because no `0x00` came within the largest frame |
//! | 26 | 8 | `next_sample_index`, `u64` | the board index the receiver expects next: every sample before it was taken or counted lost |
//! | 34 | 4 | `spare_samples`, `u32` | samples the receiver can queue now without an overrun, in blocks of the stream's announced size; `0xFFFFFFFF`: no limit; 0 before a stream runs |
//! | 38 | 32 | `dropped_by_reason`, 8 × `u32` | frames dropped per reason, in this order: oversize, COBS, too short, CRC, version, frame type, length, field ([`DropReason::ALL`]) |
//!
//! A receiver acks when a stream starts (its first room), when half of the last Ack's room
//! has been used, and otherwise every 100 ms (`letdown serve --ack-ms`) while the Ack would
//! say something new.
//!
//! ## Flow control
//!
//! A board paced by its sensor (real time) sends each block when it is measured: the
//! receiver's queue holds at least 0.5 s, and a board that falls behind loses samples to
//! overruns, which the Ack counts. A sender that can go faster than real time (a replay,
//! a test rig, a board catching up) must keep within the room of the last Ack: before it
//! sends `n` samples, the samples it has already sent with an index at or after that Ack's
//! `next_sample_index`, plus `n`, must not exceed its `spare_samples`; otherwise it waits
//! for the next Ack. It sends no block until an Ack gives room; while Acks give none (0:
//! the receiver runs no stream, so the Hello was lost) or none come, it sends its Hello
//! again every 500 ms (a Hello at the expected index changes nothing). Followed, this
//! rule causes no overrun at any speed (`letdown pump-sim --unpaced` does so).
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
//! under that reason ([`DropReason`]): encoded length within its buffer (oversize: more
//! than 285 bytes between two `0x00`, [`DECODER_CAPACITY`]; the largest frame is 283
//! payload bytes, 285 after COBS, [`MAX_FRAME_LEN`] = 287 with both delimiters); COBS
//! structure; payload at least 8 bytes (too short); CRC; version; frame type; body length
//! for the type (a block's `count` outside 1 … 64 is a field error); field ranges. Then it
//! resumes at the next `0x00`. Nothing is dropped silently: every `0x00` ends one frame,
//! counted as good, empty or dropped ([`DecoderStats`]), and bytes beyond the buffer are
//! counted as they arrive (`oversize_bytes`), so a line that never sends a `0x00` shows at
//! once.
//!
//! The sequence number tells lost frames (of any type), modulo 2¹⁶, while the stream goes
//! on (not across a Hello, a rewind or the first block after heartbeats, where the board
//! may have restarted its numbering); the first-sample index tells the exact number of
//! samples lost, whatever the number of frames, and is what the receiver reports to the
//! engine as a gap ([`SequenceTracker`]).
//!
//! ## Sample numbering (what a receiver does)
//!
//! The board numbers its samples; everything the engine side says refers to that
//! numbering, exactly. The receiver keeps the engine's sample count equal to the samples
//! the board sent plus the samples really lost, so the engine's sample `i` is the board's
//! `i + first`, where `first` is the index the stream started at. `letdown serve` (and the
//! library's `LinkReceiver`) do this:
//!
//! - **Stream start.** A Hello starts a stream at its `next_sample_index`; without one
//!   (lost), the first block does, at its `first_sample_index` (every block repeats the
//!   configuration).
//! - **Gap.** A block that starts after the expected index: the samples between are
//!   lost; the engine is told (it pauses on stale data and resumes after good data).
//! - **Rewind.** A block that starts before the expected index repeats samples already
//!   taken: those are dropped (counted as discarded), the rest of the block goes on, and
//!   the expected index does not move back. A board that restarts its numbering must send
//!   a Hello first.
//! - **Hello mid-stream.** Same configuration at the expected index: nothing changes; ahead
//!   of it: the samples between are lost (as a gap); behind it: the board restarted, so
//!   the stream ends and a new one (a new engine, numbered from this Hello) starts. A new
//!   engine starts in stimulation: if the old one left the pump expressing or paused, the
//!   receiver sends a hint for stimulation (reason sensor recovered, at the new stream's
//!   first index) after the old engine's last hints; the new engine pauses again at its
//!   first unsafe sample.
//! - **Configuration change.** A block or Hello with another rate or scale starts a new
//!   stream (a new engine) at its index; the user's settings carry over.
//! - **Rate the engine refuses** (outside 100 … 10 000 Hz): no engine runs; the receiver
//!   sends one Pause hint (reason sensor fault, at the stream's first index), its samples
//!   are discarded and counted, and `letdown serve` exits with status 2. That pause is the
//!   pump's last command: hints a stream running before it still held are logged and
//!   counted (`withheld`), not sent.
//! - **Silence.** No samples for the timeout (500 ms by default), counted from the moment
//!   the receiver starts listening, before any Hello as after samples: the receiver sends
//!   a Pause hint (reason stale data, at the next expected index; 0 before any stream).
//!   The engine is not told: when samples come back, the indices say what was lost, and
//!   only that reaches the engine. If nothing was lost the receiver lifts its own pause
//!   with a hint (reason sensor recovered, at the first sample back) for the mode the
//!   engine last asked for, with the user's current targets; if samples were lost (by the
//!   first block back, or by a Hello ahead of the expected index during the silence), the
//!   engine's own stale-data pause and recovery do it.
//! - **The top of the index range.** Indices never wrap: a block with
//!   `first_sample_index + count` above 2⁶⁴ − 1 is dropped as a field error
//!   ([`Field::SampleIndex`]). At 10 kHz a board reaches that after 58 million years.
//!
//! ## Test vectors
//!
//! Each frame as it goes on the wire (hex, both delimiters included), built independently
//! of this crate by `tests/golden_vectors.py` (its own COBS and bitwise CRC-32C); the tests
//! decode every line to the value described and encode that value back to the same bytes
//! (`tests/golden.rs`).
//!
//! - `hello`: seq 0; 1000 Hz, 0.01 mmHg and 0.01 mL/min per count, up to 16 samples per
//!   block, next sample index 0.
//! - `sample_block`: seq 7; same configuration, first sample index 1000, two samples:
//!   (−12 345, 250) counts = (−123.45 mmHg, 2.50 mL/min) and (no reading, 0).
//! - `settings`: seq 3; stimulation −70 mmHg at 105 cpm, expression −140 mmHg at 55 cpm,
//!   maximum −160 mmHg.
//! - `hint`: seq 256; sample 90 000, expression, letdown detected, no cue, ramp 2 cycles,
//!   −180 mmHg, 60 cpm, confidence 0.75.
//! - `ack`: seq 42; last seq 7, 8 frames received, 1 dropped (a CRC error), 16 samples
//!   missing, none overrun or discarded, no oversize bytes, next sample index 1002, room
//!   for 4064 samples.
//! - `heartbeat`: seq 9; uptime 123 456 ms.
//!
//! ```text
//! hello: 00 03 02 01 01 0c e8 03 0a d7 23 3c 0a d7 23 3c 10 01 01 01 01 01 01 01 05 5e 80 9e 53 00
//! sample_block: 00 04 02 02 07 0d e8 03 0a d7 23 3c 0a d7 23 3c e8 03 01 01 01 01 01 05 02 c7 cf fa 01 02 80 01 05 10 b3 6b 52 00
//! settings: 00 04 02 03 03 01 01 03 8c c2 01 03 d2 42 01 03 0c c3 01 03 5c 42 01 07 20 c3 3d 7d f2 a3 00
//! hint: 00 03 02 11 05 01 90 5f 01 01 01 01 01 02 01 01 02 02 01 03 34 c3 01 03 70 42 01 07 40 3f 4d a0 be bb 00
//! ack: 00 04 02 12 2a 02 07 02 08 01 01 02 01 01 01 02 10 01 01 01 01 01 01 01 01 01 01 01 01 01 01 03 ea 03 01 01 01 01 01 03 e0 0f 01 01 01 01 01 01 01 01 01 01 01 01 01 02 01 01 01 01 01 01 01 01 01 01 01 01 01 01 01 01 01 01 01 05 88 03 9d c6 00
//! heartbeat: 00 04 02 20 09 04 40 e2 01 05 6c 21 50 f6 00
//! ```
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

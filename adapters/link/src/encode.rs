//! The encoder: a frame into a caller's buffer, COBS-framed and CRC-checked.

use crate::crc::crc32c;
use crate::error::EncodeError;
use crate::frame::{
    Frame, Payload, StreamConfig, CRC_LEN, HEADER_LEN, MAX_PAYLOAD_LEN, PROTOCOL_VERSION,
};
use crate::hint_codes::{cue_code, mode_code, reason_code};
use crate::wire::Writer;

/// Encodes `frame` into `out` as it goes on the wire: `0x00`, the COBS-encoded payload,
/// `0x00`. Returns the number of bytes written (`out[..n]` is sent as it is).
///
/// `out` must hold the frame's worst-case encoded length; [`crate::MAX_FRAME_LEN`] bytes
/// hold any frame. Nothing is written if the frame fails [`Payload::validate`].
pub fn encode(frame: &Frame, out: &mut [u8]) -> Result<usize, EncodeError> {
    let mut raw = [0u8; MAX_PAYLOAD_LEN];
    let len = write_payload(frame, &mut raw)?;
    let needed = 1 + corncobs::max_encoded_len(len);
    let available = out.len();
    let Some((lead, rest)) = out.split_first_mut().filter(|_| available >= needed) else {
        return Err(EncodeError::BufferTooSmall { needed, available });
    };
    *lead = 0;
    // `raw[..len]` exists (write_payload wrote it) and `rest` has the worst case checked
    // above, so neither the slice nor corncobs' own bound can fail.
    Ok(1 + corncobs::encode_buf(raw.get(..len).unwrap_or(&[]), rest))
}

/// Writes the raw payload of `frame` (header, body, CRC-32C; before COBS) into `out`.
/// Returns its length. For tests, captures and other framings; [`encode`] is the wire.
pub fn write_payload(frame: &Frame, out: &mut [u8]) -> Result<usize, EncodeError> {
    frame
        .payload
        .validate()
        .map_err(EncodeError::InvalidField)?;
    let needed = HEADER_LEN + frame.payload.body_len() + CRC_LEN;
    let too_small = EncodeError::BufferTooSmall {
        needed,
        available: out.len(),
    };
    if out.len() < needed {
        return Err(too_small);
    }
    let mut w = Writer::new(out);
    w.u8(PROTOCOL_VERSION);
    w.u8(frame.payload.frame_type().code());
    w.u16(frame.seq);
    write_body(&mut w, &frame.payload);
    let crc = crc32c(w.written());
    w.u32(crc);
    // Cannot fail after the length check above; a Writer never panics either way.
    w.finish().ok_or(too_small)
}

fn write_config(w: &mut Writer<'_>, config: &StreamConfig) {
    w.u16(config.sample_rate_hz);
    w.f32(config.pressure_mmhg_per_lsb);
    w.f32(config.flow_ml_min_per_lsb);
}

fn write_body(w: &mut Writer<'_>, payload: &Payload) {
    match payload {
        Payload::Hello(h) => {
            write_config(w, &h.config);
            w.u8(h.max_samples_per_block);
            w.u64(h.next_sample_index);
        }
        Payload::SampleBlock(b) => {
            write_config(w, &b.config);
            w.u64(b.first_sample_index);
            w.u8(b.len() as u8);
            for s in b.samples() {
                w.i16(s.pressure);
                w.i16(s.flow);
            }
        }
        Payload::Settings(s) => {
            w.f32(s.stimulation_vacuum_mmhg);
            w.f32(s.stimulation_rate_cpm);
            w.f32(s.expression_vacuum_mmhg);
            w.f32(s.expression_rate_cpm);
            w.f32(s.max_vacuum_mmhg);
        }
        Payload::Hint(h) => {
            w.u64(h.sample_index);
            w.u8(mode_code(h.mode));
            w.u8(reason_code(h.reason));
            w.u8(cue_code(h.cue));
            w.u8(h.ramp_cycles);
            w.f32(h.target_vacuum_mmhg);
            w.f32(h.rate_cpm);
            w.f32(h.confidence);
        }
        Payload::Ack(a) => {
            w.u16(a.last_seq);
            w.u32(a.frames_received);
            w.u32(a.frames_dropped);
            w.u32(a.samples_missing);
            w.u32(a.samples_overrun);
            w.u32(a.samples_discarded);
            w.u32(a.oversize_bytes);
            w.u64(a.next_sample_index);
            w.u32(a.spare_samples);
            for n in a.dropped_by_reason {
                w.u32(n);
            }
        }
        Payload::Heartbeat(h) => w.u32(h.uptime_ms),
    }
}

/// Numbers a sender's frames: +1 (wrapping) for each frame encoded, whatever its type.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Encoder {
    next_seq: u16,
}

impl Encoder {
    /// An encoder whose first frame gets sequence number 0.
    pub const fn new() -> Self {
        Self { next_seq: 0 }
    }

    /// An encoder whose first frame gets sequence number `seq`.
    pub const fn starting_at(seq: u16) -> Self {
        Self { next_seq: seq }
    }

    /// The sequence number the next frame will get.
    pub const fn next_seq(&self) -> u16 {
        self.next_seq
    }

    /// Encodes `payload` as the next frame into `out` (see [`encode`]); the sequence
    /// number advances only if the frame was written.
    pub fn encode(&mut self, payload: &Payload, out: &mut [u8]) -> Result<usize, EncodeError> {
        let frame = Frame {
            seq: self.next_seq,
            payload: *payload,
        };
        let n = encode(&frame, out)?;
        self.next_seq = self.next_seq.wrapping_add(1);
        Ok(n)
    }
}

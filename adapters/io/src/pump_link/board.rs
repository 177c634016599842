//! The sensor board's side of the link: samples in physical units into numbered Hello,
//! SampleBlock, Settings and Heartbeat frames, ready for the wire.

use letdown_engine::{Sample, UserSettings};
use letdown_link::{
    EncodeError, Encoder, Heartbeat, Hello, Payload, SampleBlock, StreamConfig, MAX_FRAME_LEN,
    MAX_SAMPLES_PER_BLOCK,
};

/// Recommended scaling: 0.01 mmHg and 0.01 mL/min per count (range ±327.67, finer than
/// the sensors' noise; see the `letdown_link` crate docs).
pub const DEFAULT_LSB: f32 = 0.01;

/// Encodes one board's stream (module docs). Each frame gets the next sequence number.
#[derive(Clone, Debug)]
pub struct BoardEncoder {
    encoder: Encoder,
    config: StreamConfig,
    max_block: u8,
    buf: [u8; MAX_FRAME_LEN],
}

impl BoardEncoder {
    /// A board streaming at `rate_hz` with the default scaling, in blocks of up to
    /// `max_block` samples (1 … 64).
    pub fn new(rate_hz: u16, max_block: usize) -> Result<Self, String> {
        Self::with_config(
            StreamConfig::new(rate_hz, DEFAULT_LSB, DEFAULT_LSB),
            max_block,
        )
    }

    /// A board with its own stream configuration.
    pub fn with_config(config: StreamConfig, max_block: usize) -> Result<Self, String> {
        config
            .validate()
            .map_err(|e| format!("stream configuration: {e}"))?;
        if !(1..=MAX_SAMPLES_PER_BLOCK).contains(&max_block) {
            return Err(format!(
                "block size {max_block} is outside 1 … {MAX_SAMPLES_PER_BLOCK} samples"
            ));
        }
        Ok(Self {
            encoder: Encoder::new(),
            config,
            max_block: max_block as u8,
            buf: [0; MAX_FRAME_LEN],
        })
    }

    /// The stream configuration.
    pub fn config(&self) -> StreamConfig {
        self.config
    }

    /// Most samples per block.
    pub fn max_block(&self) -> usize {
        usize::from(self.max_block)
    }

    /// The sequence number of the next frame.
    pub fn next_seq(&self) -> u16 {
        self.encoder.next_seq()
    }

    /// A Hello announcing the stream; the next sample sent will have `next_sample_index`.
    pub fn hello(&mut self, next_sample_index: u64) -> Result<&[u8], EncodeError> {
        let payload = Payload::Hello(Hello {
            config: self.config,
            max_samples_per_block: self.max_block,
            next_sample_index,
        });
        self.encode(&payload)
    }

    /// A block of `samples` (1 … `max_block`, quantized: NaN becomes "no reading",
    /// values beyond the range saturate) whose first sample has index `first_index`.
    pub fn block(&mut self, first_index: u64, samples: &[Sample]) -> Result<&[u8], EncodeError> {
        let too_many = EncodeError::InvalidField(letdown_link::Field::SampleCount);
        if samples.len() > self.max_block() {
            return Err(too_many);
        }
        let mut block = SampleBlock::new(self.config, first_index);
        for &s in samples {
            block.push(self.config.quantize(s)).map_err(|_| too_many)?;
        }
        self.encode(&Payload::SampleBlock(block))
    }

    /// The user's settings (she changed them on the pump); refused if the engine would
    /// refuse them.
    pub fn settings(&mut self, settings: UserSettings) -> Result<&[u8], EncodeError> {
        self.encode(&Payload::Settings(settings))
    }

    /// A heartbeat with the board's clock.
    pub fn heartbeat(&mut self, uptime_ms: u32) -> Result<&[u8], EncodeError> {
        self.encode(&Payload::Heartbeat(Heartbeat { uptime_ms }))
    }

    /// The samples as the engine will see them after the link (quantized and scaled
    /// back): what a reference engine must be fed to compare with the link's output.
    pub fn through_link(&self, sample: Sample) -> Sample {
        self.config.to_sample(self.config.quantize(sample))
    }

    /// A Hello, then `samples` (indices from `first_index`) in full blocks, appended to
    /// `out`: a clean stream, for tests.
    pub fn stream_into(
        &mut self,
        first_index: u64,
        samples: &[Sample],
        out: &mut Vec<u8>,
    ) -> Result<(), EncodeError> {
        out.extend_from_slice(self.hello(first_index)?);
        let mut index = first_index;
        for chunk in samples.chunks(self.max_block()) {
            out.extend_from_slice(self.block(index, chunk)?);
            index += chunk.len() as u64;
        }
        Ok(())
    }

    fn encode(&mut self, payload: &Payload) -> Result<&[u8], EncodeError> {
        let n = self.encoder.encode(payload, &mut self.buf)?;
        Ok(self.buf.get(..n).unwrap_or(&[]))
    }
}

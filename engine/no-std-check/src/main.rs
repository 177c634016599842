//! Firmware-shaped use of the engine and the pump link without std: build, feed samples,
//! read hints; encode sample blocks and hints, decode them from a byte stream.
#![no_std]
#![no_main]

use core::panic::PanicInfo;
use letdown_engine::{EngineConfig, Mode, Sample};
use letdown_link::{
    Encoder, FrameDecoder, Payload, SampleBlock, SequenceTracker, StreamConfig, MAX_FRAME_LEN,
};

#[panic_handler]
fn panic(_: &PanicInfo) -> ! {
    loop {}
}

/// What a sensor interrupt would call: returns the requested mode as a number
/// (0 stimulation, 1 expression, 2 pause, 3 no change).
#[no_mangle]
pub extern "C" fn letdown_demo(pressure: f32, flow: f32) -> u32 {
    let Ok(mut engine) = EngineConfig::new(1000.0).max_vacuum_mmhg(-220.0).build() else {
        return u32::MAX;
    };
    let mut mode = 3;
    for _ in 0..10 {
        if let Some(hint) = engine
            .process(Sample::new(pressure, flow))
            .and_then(|e| e.hint)
        {
            mode = match hint.mode {
                Mode::Stimulation => 0,
                Mode::Expression => 1,
                Mode::Pause => 2,
            };
        }
    }
    mode
}

/// What the link's two ends would do: the sensor board encodes a block of samples, the
/// engine side decodes it from the byte stream, tracks its sequence, runs the engine and
/// encodes the hint back. Returns the number of wire bytes both directions took, or
/// `u32::MAX` on failure.
#[no_mangle]
pub extern "C" fn letdown_link_demo(pressure: f32, flow: f32) -> u32 {
    let config = StreamConfig::new(1000, 0.01, 0.01);
    let mut block = SampleBlock::new(config, 0);
    while !block.is_full() {
        if block
            .push(config.quantize(Sample::new(pressure, flow)))
            .is_err()
        {
            return u32::MAX;
        }
    }
    let mut up = Encoder::new();
    let mut wire = [0u8; MAX_FRAME_LEN];
    let Ok(n) = up.encode(&Payload::SampleBlock(block), &mut wire) else {
        return u32::MAX;
    };
    let Ok(mut engine) = EngineConfig::new(1000.0).build() else {
        return u32::MAX;
    };
    let mut decoder = FrameDecoder::new();
    let mut tracker = SequenceTracker::new();
    let mut down = Encoder::new();
    let mut total = n as u32;
    for frame in decoder.frames(&wire[..n]).flatten() {
        let gap = tracker.observe(&frame).missing_samples();
        if gap > 0 {
            let _ = engine.process_gap(gap);
        }
        let Payload::SampleBlock(b) = frame.payload else {
            continue;
        };
        for sample in b.engine_samples() {
            if let Some(hint) = engine.process(sample).and_then(|e| e.hint) {
                let mut out = [0u8; MAX_FRAME_LEN];
                if let Ok(m) = down.encode(&Payload::Hint(hint), &mut out) {
                    total += m as u32;
                }
            }
        }
    }
    total + decoder.stats().dropped_total() as u32
}

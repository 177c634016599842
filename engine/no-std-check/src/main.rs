//! Firmware-shaped use of the engine without std: build, feed samples, read hints.
#![no_std]
#![no_main]

use core::panic::PanicInfo;
use letdown_engine::{EngineConfig, Mode, Sample};

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

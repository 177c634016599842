//! One time step of the pump's two sensor channels.

/// One sample of both channels, taken at the same instant.
///
/// Units follow DESIGN §2: pressure is gauge mmHg (negative = vacuum), flow is mL/min
/// (true flow ≥ 0; a real sensor reads slightly below zero through offset and noise).
/// Any `f32` is accepted, including NaN and ±∞: the engine's sanitize stage decides what
/// is usable.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Sample {
    /// Gauge pressure at the breast shield, mmHg (negative = vacuum).
    pub pressure_mmhg: f32,
    /// Milk flow at the flow sensor, mL/min.
    pub flow_ml_min: f32,
}

impl Sample {
    /// A sample from its two channel values.
    pub const fn new(pressure_mmhg: f32, flow_ml_min: f32) -> Self {
        Self {
            pressure_mmhg,
            flow_ml_min,
        }
    }
}

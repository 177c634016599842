//! Deterministic input shared by the std/no_std parity check (`examples/parity/` and
//! `no-std-parity/`): 6 minutes of a pump-like session with two ejections, noise, a NaN
//! burst, an over-vacuum spike and a gap, at each supported rate class.

/// Sample rates exercised.
pub const RATES: [f32; 4] = [100.0, 500.0, 1000.0, 2000.0];

/// The `i`-th sample at `rate`: (pressure mmHg, flow mL/min), or `None` for a missing one.
pub fn sample(i: u64, rate: f32) -> Option<(f32, f32)> {
    let t = i as f32 / rate;
    if (200.0..200.3).contains(&t) {
        return None;
    }
    let cpm = if t < 75.0 || (150.0..170.0).contains(&t) {
        110.0
    } else {
        60.0
    };
    let phase = (t * cpm / 60.0).fract();
    let depth = if cpm > 90.0 { -100.0 } else { -180.0 };
    let p = if phase < 0.45 {
        depth * (1.0 - (-phase / 0.1).exp())
    } else if phase < 0.6 {
        depth * (0.6 - phase) / 0.15
    } else {
        0.0
    };
    let ej = |on: f32, peak: f32| {
        let u = (t - on) / 15.0;
        if u <= 0.0 {
            0.0
        } else if u < 1.0 {
            peak * u * u * (3.0 - 2.0 * u)
        } else {
            peak * (-(t - on - 15.0) / 50.0).exp()
        }
    };
    let mean = ej(62.0, 28.0) + ej(230.0, 15.0);
    let h = i.wrapping_mul(0x9E37_79B9_7F4A_7C15).rotate_left(17);
    let noise = (h >> 40) as f32 / (1u64 << 24) as f32 - 0.5;
    let pulse = if phase < 0.6 { 1.0 / 0.6 } else { 0.0 };
    let (mut p, mut f) = (p + 4.0 * noise, mean * pulse + 2.0 * noise - 0.5);
    if (100.0..100.05).contains(&t) {
        f = f32::NAN;
    }
    if (120.0..120.01).contains(&t) {
        p = -320.0;
    }
    Some((p, f))
}

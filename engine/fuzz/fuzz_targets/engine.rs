//! libFuzzer target: the engine on any configuration and any stream.
//!
//! Input layout: a flags byte; then either 13 little-endian f32 (every `EngineConfig`
//! field, in declaration order: bit 0 set) or one byte choosing a rate; then operations,
//! each an opcode byte and its operands: a sample (8 bytes: pressure and flow as raw f32
//! bits), a run of synthetic pump cycles (so that short inputs reach cycle tracking and
//! detection), a gap of up to 2^40 samples, or a block of raw samples. Two engines take
//! the same stream, one sample by sample, the other with `process_block` where the input
//! has blocks and runs (at most 40 000 samples per input). Asserts: `build` refuses exactly what the documented ranges
//! refuse, never panics; no panic while running; events identical both ways; every
//! confidence finite in 0 … 1; every hint within the configured limits; with flags bit 1,
//! a clean tail after which the detector's state is finite.
#![no_main]

use letdown_engine::{DetectorTests, Engine, EngineConfig, Event, Mode, Sample};
use libfuzzer_sys::fuzz_target;

const RATES: [f32; 8] = [100.0, 250.0, 500.0, 1000.0, 2000.0, 10_000.0, 333.3, 9999.9];

struct Input<'a>(&'a [u8]);

impl Input<'_> {
    fn byte(&mut self) -> Option<u8> {
        let (&b, rest) = self.0.split_first()?;
        self.0 = rest;
        Some(b)
    }
    fn f32(&mut self) -> Option<f32> {
        let (b, rest) = self.0.split_first_chunk::<4>()?;
        self.0 = rest;
        Some(f32::from_le_bytes(*b))
    }
    fn sample(&mut self) -> Option<Sample> {
        Some(Sample::new(self.f32()?, self.f32()?))
    }
}

fn documented_ok(c: &EngineConfig) -> bool {
    let within = |v: f32, lo: f32, hi: f32| v >= lo && v <= hi;
    within(c.sample_rate_hz, 100.0, 10_000.0)
        && within(c.max_vacuum_mmhg, -300.0, -50.0)
        && within(c.stimulation_vacuum_mmhg, -150.0, -30.0)
        && c.stimulation_vacuum_mmhg >= c.max_vacuum_mmhg
        && within(c.expression_vacuum_mmhg, -300.0, -30.0)
        && c.expression_vacuum_mmhg >= c.max_vacuum_mmhg
        && within(c.stimulation_rate_cpm, 24.0, 130.0)
        && within(c.expression_rate_cpm, 24.0, 130.0)
        && c.expression_rate_cpm < c.stimulation_rate_cpm
        && within(c.fallback_s, 30.0, 600.0)
        && within(c.late_cue_s, 10.0, c.fallback_s)
        && within(c.fade_s, 5.0, 300.0)
        && within(c.session_end_s, 60.0, 3600.0)
        && c.session_end_s > c.fade_s
        && within(c.false_alarms_per_hour, 0.001, 10.0)
        && within(c.min_flow_ml_min, 0.2, 20.0)
        && within(c.stuck_s, 1.0, 60.0)
}

fn check(e: &Event, cfg: &EngineConfig) {
    assert!(
        e.confidence.is_finite() && (0.0..=1.0).contains(&e.confidence),
        "{e:?}"
    );
    if let Some(h) = e.hint {
        assert!(
            h.confidence.is_finite() && (0.0..=1.0).contains(&h.confidence),
            "{h:?}"
        );
        if h.mode == Mode::Pause {
            assert_eq!((h.target_vacuum_mmhg, h.rate_cpm), (0.0, 0.0), "{h:?}");
        } else {
            let (v, r) = (h.target_vacuum_mmhg, h.rate_cpm);
            assert!(v.is_finite() && (-300.0..=0.0).contains(&v) && v >= cfg.max_vacuum_mmhg);
            assert!(
                r.is_finite() && (cfg.expression_rate_cpm..=cfg.stimulation_rate_cpm).contains(&r)
            );
            assert!(h.ramp_cycles >= 2, "{h:?}");
        }
    }
}

/// `n` samples of a sawtooth pump rhythm with a pulsing flow, from index `start`.
fn pump_run(start: u64, n: usize, rate: f32, cpm: f32, depth: f32, flow: f32) -> Vec<Sample> {
    (0..n)
        .map(|k| {
            let t = (start + k as u64) as f64 / f64::from(rate);
            let phase = (t * f64::from(cpm) / 60.0).fract() as f32;
            let p = if phase < 0.6 {
                depth * phase / 0.6
            } else {
                depth * (1.0 - phase) / 0.4
            };
            Sample::new(p, flow * (0.4 + 1.2 * phase))
        })
        .collect()
}

fuzz_target!(|data: &[u8]| {
    let mut input = Input(data);
    let Some(flags) = input.byte() else { return };
    let cfg = if flags & 1 == 1 {
        let mut f = [0.0f32; 13];
        for v in &mut f {
            *v = input.f32().unwrap_or(0.0);
        }
        EngineConfig {
            sample_rate_hz: f[0],
            max_vacuum_mmhg: f[1],
            stimulation_vacuum_mmhg: f[2],
            stimulation_rate_cpm: f[3],
            expression_vacuum_mmhg: f[4],
            expression_rate_cpm: f[5],
            fallback_s: f[6],
            late_cue_s: f[7],
            fade_s: f[8],
            session_end_s: f[9],
            false_alarms_per_hour: f[10],
            min_flow_ml_min: f[11],
            stuck_s: f[12],
            detector_tests: DetectorTests::ALL,
        }
    } else {
        EngineConfig::new(RATES[usize::from(input.byte().unwrap_or(3) % 8)])
    };
    let built = cfg.build();
    assert_eq!(
        built.is_ok(),
        documented_ok(&cfg),
        "{cfg:?}: {:?}",
        built.as_ref().err()
    );
    let Ok(mut a) = built else { return };
    let mut b: Engine = a.clone();
    let rate = cfg.sample_rate_hz;
    let (mut ea, mut eb) = (Vec::new(), Vec::new());
    // At most this many samples per input, to keep runs fast (40 s at 1 kHz).
    let mut budget = 40_000usize;
    while let Some(op) = input.byte() {
        if budget == 0 {
            break;
        }
        match op {
            0x00..=0xDF => {
                let Some(s) = input.sample() else { break };
                budget -= 1;
                ea.extend(a.process(s));
                eb.extend(b.process(s));
            }
            0xE0..=0xEF => {
                let n = (usize::from(input.byte().unwrap_or(0)) * 16).min(budget);
                budget -= n;
                let cpm = f32::from(input.byte().unwrap_or(110)) * 0.5;
                let depth = -f32::from(input.byte().unwrap_or(100)) * 1.2;
                let flow = f32::from(input.byte().unwrap_or(0)) * 0.25;
                let run = pump_run(a.sample_index(), n, rate, cpm, depth, flow);
                ea.extend(run.iter().filter_map(|&s| a.process(s)));
                b.process_block(&run, |e| eb.push(e));
            }
            0xF0..=0xF7 => {
                let mut n = 0u64;
                for _ in 0..5 {
                    n = n << 8 | u64::from(input.byte().unwrap_or(0));
                }
                let n = n & ((1 << 40) - 1);
                ea.extend(a.process_gap(n));
                eb.extend(b.process_gap(n));
            }
            _ => {
                let n = usize::from(input.byte().unwrap_or(0));
                let block: Vec<Sample> = (0..n.min(budget)).map_while(|_| input.sample()).collect();
                budget -= block.len();
                ea.extend(block.iter().filter_map(|&s| a.process(s)));
                b.process_block(&block, |e| eb.push(e));
            }
        }
    }
    for e in &ea {
        check(e, &cfg);
        assert!(e.sample_index < a.sample_index());
    }
    assert_eq!(format!("{ea:?}"), format!("{eb:?}"));
    assert_eq!(a.stats(), b.stats());
    if flags & 2 == 2 {
        let run = pump_run(a.sample_index(), rate as usize, rate, 100.0, -90.0, 4.0);
        a.process_block(&run, |e| check(&e, &cfg));
        let s = a.snapshot();
        for v in [
            s.baseline_ml_min,
            s.sigma_ml_min,
            s.cusum.0,
            s.cusum.1,
            s.volume_ml,
        ] {
            assert!(v.is_finite(), "{s:?}");
        }
    }
});

//! Detection on sessions from a second, independent generator written here from DESIGN §1
//! alone — not the project's simulator: other vacuum waveforms (sine, trapezoid, sawtooth),
//! other ejection shapes (linear, smoothstep, gamma-like rise), flow through the pump
//! cycle in either stroke, slow flow sensors that hold their last value (10–100 Hz),
//! correlated (random-walk) sensor drift, a tube low-pass, transport delays of 0.5–3 s and
//! pump rates across the whole stimulation/expression range. It checks that the detector is
//! not fitted to the simulator's quirks. Its per-session log showed where the detector's
//! own delay went (a cycle of median smoothing, whole-cycle decisions in slow expression
//! cycles, noisy sensors taken for a tail); the fixes are general and were checked on
//! 1 600 sessions of this generator with other seeds and on the simulator's fault sets,
//! and no engine constant refers to it.
//!
//! The physical limit is computed the DESIGN §3 way: the first time the ejection's own
//! cycle-averaged flow at the sensor reaches 1 mL/min.

use letdown_engine::{EngineConfig, EventKind, Mode, Sample};

/// xorshift64* — deterministic, no dependency on the simulator's RNG.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }
    /// Uniform in [0, 1).
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
    fn range(&mut self, lo: f64, hi: f64) -> f64 {
        lo + (hi - lo) * self.unit()
    }
    /// Standard normal (Box–Muller).
    fn gauss(&mut self) -> f64 {
        let u = self.unit().max(1e-12);
        let v = self.unit();
        (-2.0 * u.ln()).sqrt() * (std::f64::consts::TAU * v).cos()
    }
    fn pick<T: Copy>(&mut self, xs: &[T]) -> T {
        xs[(self.next() % xs.len() as u64) as usize]
    }
}

#[derive(Clone, Copy, Debug)]
enum Wave {
    Sine,
    Trapezoid,
    Sawtooth,
}

#[derive(Clone, Copy, Debug)]
enum Rise {
    Linear,
    Smooth,
    Gamma,
}

#[derive(Clone, Copy, Debug)]
struct Ejection {
    onset_s: f64,
    rise_s: f64,
    peak_ml_min: f64,
    decay_s: f64,
}

impl Ejection {
    /// Flow at the breast, mL/min, `t` s after session start.
    fn flow(&self, t: f64, rise: Rise) -> f64 {
        let u = (t - self.onset_s) / self.rise_s;
        if u <= 0.0 {
            return 0.0;
        }
        if u >= 1.0 {
            return self.peak_ml_min * (-(t - self.onset_s - self.rise_s) / self.decay_s).exp();
        }
        let shape = match rise {
            Rise::Linear => u,
            Rise::Smooth => u * u * (3.0 - 2.0 * u),
            // Gamma-like: slow start, fast middle (u² e^{2(1-u)} reaches 1 at u = 1).
            Rise::Gamma => u * u * (2.0 * (1.0 - u)).exp(),
        };
        self.peak_ml_min * shape
    }
}

#[derive(Debug)]
struct Session {
    rate_hz: f64,
    seconds: f64,
    wave: Wave,
    rise: Rise,
    /// Milk moves in the suction stroke (true) or on release (false).
    suction_flow: bool,
    delay_s: f64,
    tube_tau_s: f64,
    sensor_hz: f64,
    noise_ml_min: f64,
    drift_ml_min_per_sqrt_s: f64,
    offset_ml_min: f64,
    pressure_noise_mmhg: f64,
    stim: (f64, f64),
    expr: (f64, f64),
    /// Follow the engine's hints (closed loop) or switch at a fixed time.
    follow_hints: bool,
    switch_s: f64,
    ejections: Vec<Ejection>,
}

impl Session {
    fn random(seed: u64, rate_hz: f64, letdown: bool) -> Self {
        let mut r = Rng(seed.wrapping_mul(0x9e37_79b9_7f4a_7c15) | 1);
        let seconds = 600.0;
        let mut ejections = Vec::new();
        if letdown {
            // DESIGN §1: first ejection 40–240 s; 2–6 per 10 min; rise 10–30 s; decay
            // 45 s – 3.5 min; peak 0.5 ± 0.2 g/s ≈ 29 ± 12 mL/min, later ones weaker.
            let mut t = r.range(40.0, 240.0);
            let mut k = 0;
            while t < seconds - 40.0 && k < 6 {
                let weaken = 0.8f64.powi(k);
                ejections.push(Ejection {
                    onset_s: t,
                    rise_s: r.range(10.0, 30.0),
                    peak_ml_min: (29.0 + 10.0 * r.gauss()).clamp(12.0, 55.0) * weaken,
                    decay_s: r.range(20.0, 70.0),
                });
                t += r.range(100.0, 260.0);
                k += 1;
            }
        }
        Self {
            rate_hz,
            seconds,
            wave: r.pick(&[Wave::Sine, Wave::Trapezoid, Wave::Sawtooth]),
            rise: r.pick(&[Rise::Linear, Rise::Smooth, Rise::Gamma]),
            suction_flow: r.unit() < 0.7,
            delay_s: r.range(0.5, 3.0),
            tube_tau_s: r.range(0.05, 0.4),
            sensor_hz: r.pick(&[10.0, 25.0, 50.0, 100.0, rate_hz]).min(rate_hz),
            noise_ml_min: r.range(0.3, 1.5),
            drift_ml_min_per_sqrt_s: r.range(0.0, 0.05),
            offset_ml_min: r.range(-1.5, 1.5),
            pressure_noise_mmhg: r.range(0.5, 3.0),
            stim: (r.range(100.0, 120.0), r.range(-60.0, -140.0)),
            expr: (r.range(45.0, 78.0), r.range(-150.0, -220.0)),
            follow_hints: r.unit() < 0.5,
            switch_s: 120.0,
            ejections,
        }
    }

    /// Pump vacuum at cycle phase `x` ∈ [0, 1) for depth `depth` (< 0), mmHg.
    fn vacuum(&self, x: f64, depth: f64) -> f64 {
        match self.wave {
            Wave::Sine => depth * 0.5 * (1.0 - (std::f64::consts::TAU * x).cos()),
            Wave::Trapezoid => {
                let up = (x / 0.15).min(1.0);
                let down = ((0.7 - x) / 0.1).clamp(0.0, 1.0);
                depth * up.min(down)
            }
            Wave::Sawtooth => {
                if x < 0.8 {
                    depth * x / 0.8
                } else {
                    depth * (1.0 - (x - 0.8) / 0.2)
                }
            }
        }
    }

    /// Milk-moving share of the cycle at phase `x`: the pulse shape, mean 1 over a cycle.
    fn pulse(&self, x: f64) -> f64 {
        let sucking = x < 0.5;
        if sucking == self.suction_flow {
            2.0
        } else {
            0.0
        }
    }

    /// The physical limit of each ejection: its cycle-averaged flow at the sensor first
    /// reaches 1 mL/min (tube low-pass aside, which only delays it by ~τ).
    fn visible_s(&self) -> Vec<f64> {
        self.ejections
            .iter()
            .map(|e| {
                let mut t = e.onset_s;
                while e.flow(t, self.rise) < 1.0 && t < self.seconds {
                    t += 0.01;
                }
                t + self.delay_s + self.tube_tau_s
            })
            .collect()
    }

    /// Runs the engine; returns onset times, s.
    fn run(&self, seed: u64) -> Vec<f64> {
        let mut r = Rng(seed ^ 0x5851_f42d_4c95_7f2d);
        let mut engine = EngineConfig::new(self.rate_hz as f32).build().unwrap();
        let dt = 1.0 / self.rate_hz;
        let n = (self.seconds * self.rate_hz) as u64;
        let delay_n = (self.delay_s * self.rate_hz) as usize;
        let mut line = vec![0.0f64; delay_n + 1];
        let alpha = 1.0 - (-dt / self.tube_tau_s).exp();
        let (mut tube, mut drift, mut phase) = (0.0f64, 0.0f64, 0.0f64);
        let mut expression = false;
        let (mut held, mut next_refresh) = (0.0f64, 0.0f64);
        let mut onsets = Vec::new();
        for i in 0..n {
            let t = i as f64 * dt;
            if !self.follow_hints {
                expression = t >= self.switch_s;
            }
            let (cpm, depth) = if expression { self.expr } else { self.stim };
            phase = (phase + cpm / 60.0 * dt).fract();
            let pressure = self.vacuum(phase, depth) + self.pressure_noise_mmhg * r.gauss();
            let at_breast: f64 = self
                .ejections
                .iter()
                .map(|e| e.flow(t, self.rise))
                .sum::<f64>()
                * self.pulse(phase);
            // Transport delay line, then the tube's low-pass.
            let slot = (i as usize) % line.len();
            let delayed = line[slot];
            line[slot] = at_breast;
            tube += alpha * (delayed - tube);
            drift += self.drift_ml_min_per_sqrt_s * dt.sqrt() * r.gauss();
            if t >= next_refresh {
                held = tube + self.offset_ml_min + drift + self.noise_ml_min * r.gauss();
                held = (held * 10.0).round() / 10.0;
                next_refresh += 1.0 / self.sensor_hz;
            }
            let sample = Sample::new(((pressure * 10.0).round() / 10.0) as f32, held as f32);
            if let Some(e) = engine.process(sample) {
                if e.kind == EventKind::Onset {
                    onsets.push(t);
                }
                if let Some(h) = e.hint {
                    if self.follow_hints {
                        expression = h.mode == Mode::Expression;
                    }
                }
            }
        }
        onsets
    }
}

struct Tally {
    sessions_with_letdown: u32,
    first_found: u32,
    beyond: Vec<f64>,
    /// First-letdown delay from the onset at the breast, s.
    delay: Vec<f64>,
    tp: u32,
    fp: u32,
    labels: u32,
    no_letdown_with_detection: u32,
    hours: f64,
}

/// DESIGN §6 matching: an onset matches a label in [onset − 1 s, onset + 20 s], each at
/// most once (greedy in time order is exact for ordered, well-separated labels).
fn score(s: &Session, onsets: &[f64], t: &mut Tally) {
    let visible = s.visible_s();
    let mut used = vec![false; s.ejections.len()];
    let mut first_match = None;
    for &on in onsets {
        let hit = s
            .ejections
            .iter()
            .enumerate()
            .find(|(k, e)| !used[*k] && on >= e.onset_s - 1.0 && on <= e.onset_s + 20.0);
        match hit {
            Some((k, _)) => {
                used[k] = true;
                t.tp += 1;
                if k == 0 {
                    first_match = Some(on);
                }
            }
            None => t.fp += 1,
        }
    }
    t.labels += s.ejections.len() as u32;
    t.hours += s.seconds / 3600.0;
    if s.ejections.is_empty() {
        t.no_letdown_with_detection += u32::from(!onsets.is_empty());
    } else {
        t.sessions_with_letdown += 1;
        if let Some(on) = first_match {
            t.first_found += 1;
            t.beyond.push(on - visible[0]);
            t.delay.push(on - s.ejections[0].onset_s);
        }
    }
}

/// The `p`-th percentile (0 … 100) of `v`, as the scorer computes it.
fn percentile(v: &mut [f64], p: f64) -> f64 {
    v.sort_by(f64::total_cmp);
    letdown_datasets::score::percentile(v, p).expect("values")
}

#[test]
fn engine_meets_its_targets_on_an_independent_generator() {
    let rates = [100.0, 500.0, 1000.0, 2000.0];
    let mut jobs = Vec::new();
    for (ri, &rate) in rates.iter().enumerate() {
        for i in 0..12u64 {
            let seed = 7_000 + ri as u64 * 100 + i;
            jobs.push((seed, rate, i % 4 != 3));
        }
    }
    let results: Vec<(Session, Vec<f64>)> = std::thread::scope(|scope| {
        let handles: Vec<_> = jobs
            .chunks(jobs.len().div_ceil(2))
            .map(|chunk| {
                scope.spawn(move || {
                    chunk
                        .iter()
                        .map(|&(seed, rate, letdown)| {
                            let s = Session::random(seed, rate, letdown);
                            let onsets = s.run(seed);
                            (s, onsets)
                        })
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap())
            .collect()
    });
    let mut t = Tally {
        sessions_with_letdown: 0,
        first_found: 0,
        beyond: Vec::new(),
        delay: Vec::new(),
        tp: 0,
        fp: 0,
        labels: 0,
        no_letdown_with_detection: 0,
        hours: 0.0,
    };
    let mut log = String::new();
    for (s, onsets) in &results {
        let before = (t.tp, t.fp);
        score(s, onsets, &mut t);
        let onsets_of: Vec<f64> = s.ejections.iter().map(|e| e.onset_s).collect();
        log += &format!(
            "{:>6} Hz {:?}/{:?} suction={} sensor {} Hz delay {:.1} s noise {:.2} follow={} labels {:.0?} visible {:.1?} onsets {:.1?} (+TP {} +FP {})\n",
            s.rate_hz,
            s.wave,
            s.rise,
            s.suction_flow,
            s.sensor_hz,
            s.delay_s,
            s.noise_ml_min,
            s.follow_hints,
            onsets_of,
            s.visible_s(),
            onsets,
            t.tp - before.0,
            t.fp - before.1,
        );
    }
    let first = f64::from(t.first_found) / f64::from(t.sessions_with_letdown);
    let median = percentile(&mut t.beyond, 50.0);
    let p95 = percentile(&mut t.beyond, 95.0);
    let delay_median = percentile(&mut t.delay, 50.0);
    let delay_p95 = percentile(&mut t.delay, 95.0);
    let precision = f64::from(t.tp) / f64::from(t.tp + t.fp).max(1.0);
    let recall = f64::from(t.tp) / f64::from(t.labels).max(1.0);
    let f1 = 2.0 * precision * recall / (precision + recall);
    let summary = format!(
        "first found {first:.3}, beyond visible median {median:.2} s p95 {p95:.2} s, \
         delay from onset median {delay_median:.2} s p95 {delay_p95:.2} s, precision {precision:.3} recall {recall:.3} F1 {f1:.3}, FP {} in {:.1} h, \
         no-letdown with detection {}",
        t.fp, t.hours, t.no_letdown_with_detection
    );
    println!("{log}{summary}");
    assert!(first >= 0.97, "{summary}\n{log}");
    assert!(median <= 1.5 && p95 <= 3.0, "{summary}\n{log}");
    assert!(f1 >= 0.90, "{summary}\n{log}");
    assert_eq!(t.no_letdown_with_detection, 0, "{summary}\n{log}");
}

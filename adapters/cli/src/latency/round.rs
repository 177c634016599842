//! One timed run: the simulated input fed through the lock-free pipeline (with one wait
//! strategy) or through the baseline, with a motor-controller thread receiving the
//! hints; or the bare wake-up probe.
//!
//! Everything a run needs (engine, queues, histograms, threads) is made before the
//! first sample is fed; the input was simulated before that.

use super::threads::{self, ThreadInfo};
use letdown_engine::{EngineConfig, Sample};
use letdown_io::baseline::start_baseline;
use letdown_io::feed::{feed_paced, feed_unpaced, FeedReport, SampleSink, Warmth};
use letdown_io::wakeup_probe::wakeup_probe;
use letdown_pipeline::{
    self as pipeline, new_histogram, Clock, HintMessage, Percentiles, PipelineConfig,
    PipelineReport, RealtimeStatus, WaitStrategy,
};
use std::time::{Duration, Instant};

/// What is measured.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Variant {
    /// The lock-free pipeline with this wait strategy.
    Pipeline(WaitStrategy),
    /// The `Mutex<VecDeque>` + `Condvar` + `std::sync::mpsc` baseline.
    Baseline,
}

impl Variant {
    /// Name of the variant's engine thread, as the kernel keeps it (15 bytes).
    fn thread_name(self) -> &'static str {
        match self {
            Variant::Pipeline(_) => "letdown-engine",
            Variant::Baseline => "letdown-baselin",
        }
    }
}

/// How every run feeds its input.
#[derive(Clone, Copy, Debug)]
pub struct Plan<'a> {
    /// The simulated samples of one round.
    pub input: &'a [Sample],
    /// Sample rate, Hz.
    pub rate_hz: f64,
    /// Samples per push.
    pub block: usize,
    /// Paced by the clock (a sensor), or flat out.
    pub paced: bool,
    /// Unpaced: how many times the input is fed back to back per round.
    pub repeat: u32,
    /// Ask for the real-time mode (mlockall, SCHED_FIFO) in the pipeline.
    pub realtime: bool,
    /// Paced: whether the feed warms each queue before a block is due.
    pub warmth: Warmth,
}

impl Plan<'_> {
    /// Samples fed per round.
    pub fn samples_per_round(&self) -> u64 {
        let passes = if self.paced {
            1
        } else {
            u64::from(self.repeat)
        };
        self.input.len() as u64 * passes
    }

    /// Time between blocks of a paced feed.
    pub fn period(&self) -> Duration {
        Duration::from_secs_f64(self.block as f64 / self.rate_hz)
    }

    /// Blocks per round of a paced feed (the last may be short).
    pub fn blocks_per_round(&self) -> u64 {
        self.input.len().div_ceil(self.block) as u64
    }

    /// The pipeline's settings; the baseline takes the same queue capacity. Unpaced runs
    /// get the replay queue ([`PipelineConfig::for_replay`]), paced ones a sensor's.
    pub fn config(&self, wait: WaitStrategy) -> PipelineConfig {
        let config = if self.paced {
            PipelineConfig::for_stream(self.rate_hz as f32, self.block)
        } else {
            PipelineConfig::for_replay(self.rate_hz as f32, self.block)
        };
        config.wait(wait).realtime(self.realtime)
    }
}

/// What one run measured. Percentiles are in ns.
#[derive(Clone, Debug)]
pub struct Measured {
    /// Sample arrival → end of the processing of its block (every sample).
    pub sample: Percentiles,
    /// Sample arrival → the hint it caused sent into the channel (every event).
    pub hint: Percentiles,
    /// Sample arrival → the hint received by the motor-controller thread.
    pub received: Percentiles,
    /// Processing time per block taken from the queue.
    pub block: Percentiles,
    /// Duration of each push by the sensor side.
    pub push: Percentiles,
    /// Paced feeds: how late the sensor thread pushed after a block was due (its own
    /// wake-up; counted in the latency too, which runs from each block's due time).
    pub feed_lateness: Percentiles,
    /// Samples offered by the sensor side.
    pub offered: u64,
    /// Samples the engine processed.
    pub processed: u64,
    /// Samples dropped at the queue (overruns).
    pub overruns: u64,
    /// Events the engine emitted.
    pub events: u64,
    /// Events dropped at the hint channel.
    pub hints_dropped: u64,
    /// Hints the controller thread received.
    pub hints_received: u64,
    /// From the first push to the end of the engine thread, wall time.
    pub wall: Duration,
    /// The engine thread's CPU use while the input was fed, in cores (1.0 = a whole
    /// core).
    pub engine_cpu_cores: Option<f64>,
    /// The engine thread's scheduling, as read from `/proc`.
    pub engine_thread: Option<ThreadInfo>,
    /// What the pipeline's own real-time mode obtained (pipeline runs with `realtime`).
    pub realtime: Option<RealtimeStatus>,
}

impl Measured {
    /// Samples processed per second of wall time.
    pub fn throughput(&self) -> f64 {
        self.processed as f64 / self.wall.as_secs_f64().max(1e-9)
    }
}

/// Runs `variant` once over `plan`.
pub fn run(variant: Variant, plan: &Plan) -> Result<Measured, String> {
    let engine = EngineConfig::new(plan.rate_hz as f32)
        .build()
        .map_err(|e| e.to_string())?;
    let started = Instant::now();
    match variant {
        Variant::Pipeline(wait) => {
            let p = pipeline::start(engine, plan.config(wait)).map_err(|e| e.to_string())?;
            let mut producer = p.producer;
            let clock = producer.clock();
            let controller = spawn_controller(p.hints.into_iter(), clock)?;
            let fed = feed(&mut producer, plan, variant, started);
            producer.close();
            let report = p.engine.join().map_err(|_| "the engine thread panicked")?;
            finish(report, fed, controller)
        }
        Variant::Baseline => {
            let b = start_baseline(engine, plan.config(WaitStrategy::default()))
                .map_err(|e| e.to_string())?;
            let mut producer = b.producer;
            let clock = SampleSink::clock(&producer);
            let controller = spawn_controller(b.hints.into_iter(), clock)?;
            let fed = feed(&mut producer, plan, variant, started);
            producer.close();
            let report = b
                .engine
                .join()
                .map_err(|_| "the baseline thread panicked")?;
            finish(report, fed, controller)
        }
    }
}

/// The host's wake-up lateness: a bare thread sleeping one block period, as many times
/// as a paced round has blocks. ns.
pub fn probe(plan: &Plan) -> Percentiles {
    Percentiles::of(&wakeup_probe(plan.period(), plan.blocks_per_round()))
}

/// The sensor side's figures, with what was read of the engine thread while it ran.
struct Fed {
    report: FeedReport,
    /// From the start of feeding until the engine thread had processed everything.
    wall_start: Instant,
    engine_cpu_cores: Option<f64>,
    engine_thread: Option<ThreadInfo>,
}

fn feed(sink: &mut impl SampleSink, plan: &Plan, variant: Variant, started: Instant) -> Fed {
    // The engine thread's CPU time is read around the feed (steady state); if its name
    // is not visible yet, from its start.
    let before = threads::find(variant.thread_name());
    let wall_start = Instant::now();
    let (cpu0_ns, t0) = before.map_or((0, started), |t| (t.cpu_ns, wall_start));
    let report = if plan.paced {
        let guard = plan.config(WaitStrategy::default()).guard;
        feed_paced(
            sink,
            plan.input,
            plan.rate_hz,
            plan.block,
            guard,
            plan.warmth,
        )
    } else {
        let mut total = feed_unpaced(sink, plan.input, plan.block);
        for _ in 1..plan.repeat {
            let pass = feed_unpaced(sink, plan.input, plan.block);
            // Same bounds, so adding cannot fail.
            let _ = total.push.add(&pass.push);
            total.samples += pass.samples;
            total.dropped += pass.dropped;
            total.elapsed += pass.elapsed;
        }
        total
    };
    // Read before closing, while the engine thread is still alive.
    let engine_thread = threads::find(variant.thread_name());
    let span = t0.elapsed().as_secs_f64().max(1e-9);
    Fed {
        report,
        wall_start,
        engine_cpu_cores: engine_thread
            .map(|t| t.cpu_ns.saturating_sub(cpu0_ns) as f64 * 1e-9 / span),
        engine_thread,
    }
}

/// What the motor-controller thread saw.
struct Received {
    count: u64,
    latency: Percentiles,
}

/// A motor controller: blocks on the hint channel until the engine thread ends, and
/// records when each hint reached it.
fn spawn_controller(
    messages: impl Iterator<Item = HintMessage> + Send + 'static,
    clock: Clock,
) -> Result<std::thread::JoinHandle<Received>, String> {
    std::thread::Builder::new()
        .name("letdown-controller".into())
        .spawn(move || {
            let mut latency = new_histogram();
            let mut count = 0;
            for message in messages {
                latency.saturating_record(clock.now_ns().saturating_sub(message.arrival_ns));
                count += 1;
            }
            Received {
                count,
                latency: Percentiles::of(&latency),
            }
        })
        .map_err(|e| format!("cannot start the controller thread: {e}"))
}

fn finish(
    report: PipelineReport,
    fed: Fed,
    controller: std::thread::JoinHandle<Received>,
) -> Result<Measured, String> {
    let wall = fed.wall_start.elapsed();
    let received = controller
        .join()
        .map_err(|_| "the controller thread panicked")?;
    let h = &report.histograms;
    let s = report.stats;
    Ok(Measured {
        sample: Percentiles::of(&h.sample),
        hint: Percentiles::of(&h.hint),
        received: received.latency,
        block: Percentiles::of(&h.block),
        push: Percentiles::of(&fed.report.push),
        feed_lateness: Percentiles::of(&fed.report.lateness),
        offered: fed.report.samples,
        processed: s.processed,
        overruns: s.overruns,
        events: s.events,
        hints_dropped: s.hints_dropped,
        hints_received: received.count,
        wall,
        engine_cpu_cores: fed.engine_cpu_cores,
        engine_thread: fed.engine_thread,
        realtime: report.realtime,
    })
}

/// The calling thread's scheduling, as read from `/proc`.
pub fn own_scheduling() -> Option<String> {
    threads::current().map(|t| t.scheduling())
}

//! `letdown latency`: measures the real-time pipeline (DESIGN §4, §6) on this machine.
//!
//! A simulated pumping session (made before anything is timed) is fed in real time —
//! block by block, paced by the clock like a sensor — through the lock-free pipeline
//! (A) and through the `Mutex<VecDeque>` + `std::sync::mpsc` baseline (B), in
//! interleaved rounds A, B, probe, A, B, probe, … so that both see the same machine, with
//! a bare sleep/wake probe in every round for the host's own wake-up jitter. Each
//! percentile is reported as its median over rounds with its spread (smallest–largest
//! round). `--unpaced` feeds flat out for throughput; `--wait all` measures every wait
//! strategy of the engine thread in the same interleaved way.
//!
//! Modules: `round` runs one timed run; `summary` makes medians and spreads over rounds;
//! `report` prints tables or JSON (keys documented in `report.rs`); `threads` reads a
//! thread's CPU time and scheduling from `/proc`.

mod report;
mod round;
mod summary;
mod threads;

use super::console::{report_error, Console};
use super::EXIT_BAD_INPUT;
use clap::Args;
use letdown_datasets::{FaultSet, Generator, Profile, SessionSpec};
use letdown_engine::Sample;
use letdown_io::feed::Warmth;
use letdown_pipeline::{lock_memory, set_fifo, Percentiles, WaitStrategy};
use report::{Report, RequestedRealtime};
use round::{Measured, Plan, Variant};
use std::io::{IsTerminal, Write};
use std::process::ExitCode;
use std::str::FromStr;
use std::time::Instant;

/// Sample rates accepted, Hz (the engine's and the simulator's range).
const RATE_RANGE_HZ: (f64, f64) = (100.0, 10_000.0);
/// Longest simulated session per round, s (the input is kept in memory: 48 MB at 10 kHz).
const MAX_SECONDS: f64 = 600.0;
/// Most rounds.
const MAX_ROUNDS: u32 = 100;
/// Most samples an unpaced round feeds (`--seconds × --rate × --repeat`).
const MAX_UNPACED_SAMPLES: f64 = 20e6;
/// Default `--repeat`: 1 M samples per unpaced round at the default rate and length,
/// long enough that starting and joining threads do not weigh on the throughput.
const DEFAULT_REPEAT: u32 = 100;

/// `--rounds`: 1 … [`MAX_ROUNDS`].
fn rounds(text: &str) -> Result<u32, String> {
    (text.trim().parse::<u32>().ok())
        .filter(|r| (1..=MAX_ROUNDS).contains(r))
        .ok_or_else(|| format!("must be a whole number of rounds within 1 … {MAX_ROUNDS}"))
}

/// Options of `letdown latency`.
#[derive(Debug, Args)]
#[command(after_help = "\
Input: a simulated session (typical mother, the default 2-minute timer pump, everyday \
sensor mess, the faults of --faults; seed --seed) of --seconds at --rate, made before \
anything is timed and fed identically to every run. Dropouts of the simulated sensor are \
fed as NaN samples, which the engine treats as bad readings.

Each round runs, one after the other: the lock-free pipeline (ringbuf SPSC queue, engine \
thread waiting as --wait says, bounded crossbeam hint channel), then the baseline \
(Mutex<VecDeque> + Condvar for samples, bounded at the same capacity, std::sync::mpsc \
for hints), then a bare wake-up \
probe (a thread sleeping one block period, once per block of a round). A motor-controller \
thread receives the hints of each run. Paced blocks are stamped with the time they were \
due, so a late push counts in the latency (no coordinated omission). As its final spin before a block starts, a paced feed warms both queues alike (it touches what the next push writes and reads the block), as a real-time producer that knows its next deadline does; --cold pushes straight after waking instead.

Measures, all in µs: sample -> processed = a sample's arrival to the end of the \
processing of its block, every sample (a hint the sample causes is sent before that, so \
it bounds sample-to-hint latency from above); sample -> hint sent / received = the same \
to the hint's try_send / its arrival at the controller, every event (events are a \
handful per session); processing per block; push = the sensor side's call (unpaced: every attempt, including \
those a full queue refused); feed \
lateness = how late the feeding thread itself was (in the latencies too: each block is \
stamped with its due time, so nothing late is left out; shown apart so that the host's \
share can be told). A block's latency stands for each of its samples, so a round of \
fewer than 1 000 blocks (10 s at 1 kHz in blocks of 32: 313) has its worst block for \
p99.9 and beyond. Each \
percentile (p50, p99, p99.9, p99.99, max) is its median over rounds, with min-max over \
rounds below it.

--json keys (stable): rate_hz, seconds, rounds, samples (samples fed through the \
lock-free pipeline over all rounds: rate x seconds x rounds, x repeat when unpaced), \
overruns, hints_dropped (lock-free pipeline, all rounds), latency_us, \
baseline_latency_us, push_us, baseline_push_us, host_wakeup_us (each {p50, p99, p999, \
p9999, max}, µs, medians over rounds; latency = sample -> processed), \
throughput_samples_per_s, baseline_throughput_samples_per_s (samples processed per s \
of wall time, median over rounds). The extra keys are listed in \
adapters/cli/src/latency/report.rs.

Exit status: 0 on success, 2 on bad options (each printed as `error: --OPTION VALUE: \
reason`), 1 if a run could not be made (a thread that could not start or panicked) \
or its report could not be written (a full disk).")]
pub struct LatencyArgs {
    /// Sample rate of the simulated sensors, Hz (100 … 10000).
    #[arg(
        long,
        allow_negative_numbers = true,
        value_name = "HZ",
        default_value_t = 1000.0
    )]
    rate: f64,

    /// Length of the simulated session fed in each run, s of data (> 0, ≤ 600; paced, a
    /// run takes this long). It must hold at least one block.
    #[arg(
        long,
        allow_negative_numbers = true,
        value_name = "S",
        default_value_t = 10.0
    )]
    seconds: f64,

    /// Samples per push, as a sensor's DMA block delivers them (1 … half a second of
    /// data, i.e. rate/2).
    #[arg(
        long,
        allow_negative_numbers = true,
        value_name = "N",
        default_value_t = 32,
        value_parser = super::options::block
    )]
    block: usize,

    /// Rounds (1 … 100); each runs the pipeline, the baseline and the wake-up probe once.
    #[arg(
        long,
        allow_negative_numbers = true,
        value_name = "R",
        default_value_t = 5,
        value_parser = rounds
    )]
    rounds: u32,

    /// Print one JSON object instead of tables (keys below).
    #[arg(long)]
    json: bool,

    /// Feed flat out, as fast as each queue takes the samples, for throughput (the
    /// headline then): both queues hold 65 536 samples, and the feed backs off (spin,
    /// yield, then short sleeps) while one is full. Latency is then queueing time (how
    /// long a sample waits behind the ones pushed before it), not reaction time.
    #[arg(long)]
    unpaced: bool,

    /// Paced: push each block straight after the feed wakes, without first warming the
    /// queue (by default the feed, as it starts its final spin before a block is due,
    /// touches what the next push will write and reads the block, for both queues alike,
    /// as a real-time producer that knows its next deadline does). Cold, a push also
    /// pays the cache misses of a thread that slept since its last block.
    #[arg(long, conflicts_with = "unpaced")]
    cold: bool,

    /// With --unpaced: feed the simulated session N times back to back in each run
    /// (1 … 10000; default 100; seconds × rate × N ≤ 20 M samples).
    #[arg(
        long,
        allow_negative_numbers = true,
        value_name = "N",
        requires = "unpaced"
    )]
    repeat: Option<u32>,

    /// How the pipeline's engine thread waits for data: spin (busy-poll), yield
    /// (sched_yield between polls), park (futex sleep, woken by each push), tick (sleep
    /// on a timer of one block period), predict (sleep until shortly before the next
    /// block is due, then spin), or all (each in turn, interleaved in every round; the
    /// headline figures are then the default's). Default: predict paced; spin with
    /// --unpaced (predict and tick expect blocks at the sensor's pace and sleep between
    /// them, which caps a flat-out feed at a queue's worth per period).
    #[arg(long, value_name = "WAIT")]
    wait: Option<WaitChoice>,

    /// Real-time mode: lock memory (mlockall) and run every thread of this command (sensor
    /// feed, engine threads, controller, probe) under SCHED_FIFO priority 40 where the OS
    /// allows (root, CAP_SYS_NICE or ulimit -r); prints what was granted.
    #[arg(long)]
    realtime: bool,

    /// Seed of the simulated session.
    #[arg(
        long,
        allow_negative_numbers = true,
        value_name = "S",
        default_value_t = 1,
        value_parser = super::options::whole
    )]
    seed: u64,

    /// Faults injected into the simulated session, comma-separated: nan, dropout, stuck,
    /// saturation, spikes, bubbles, overvacuum, drift, gain, or all / none. Each fault
    /// asked for happens at least once, so the default (all) makes the engine's safety
    /// path send hints within a short run (a clean session's first hint comes after a
    /// minute or more).
    #[arg(long, value_name = "LIST", default_value = "all")]
    faults: FaultSet,
}

/// `--wait`: one strategy, or all of them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum WaitChoice {
    One(WaitStrategy),
    All,
}

impl FromStr for WaitChoice {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if s == "all" {
            return Ok(WaitChoice::All);
        }
        s.parse().map(WaitChoice::One).map_err(|_| {
            format!("unknown wait strategy {s:?} (spin, yield, park, tick, predict or all)")
        })
    }
}

impl WaitChoice {
    /// The strategies to measure, and the one whose figures are the headline.
    fn strategies(choice: Option<Self>, paced: bool) -> (Vec<WaitStrategy>, WaitStrategy) {
        let default = if paced {
            WaitStrategy::default()
        } else {
            WaitStrategy::Spin
        };
        match choice.unwrap_or(WaitChoice::One(default)) {
            WaitChoice::One(w) => (vec![w], w),
            WaitChoice::All => (WaitStrategy::ALL.to_vec(), default),
        }
    }
}

/// Runs `letdown latency`.
pub fn run(args: &LatencyArgs) -> ExitCode {
    if let Err(message) = validate(args) {
        report_error(message);
        return ExitCode::from(EXIT_BAD_INPUT);
    }
    match measure(args) {
        Ok(report) => {
            let mut console = Console::stdout();
            if args.json {
                match serde_json::to_string_pretty(&report.json()) {
                    Ok(text) => console.line(text),
                    Err(e) => {
                        report_error(format!("cannot write JSON: {e}"));
                        return ExitCode::FAILURE;
                    }
                }
            } else {
                for line in report.text() {
                    console.line(line);
                }
            }
            console.flush();
            ExitCode::SUCCESS
        }
        Err(message) => {
            report_error(message);
            ExitCode::FAILURE
        }
    }
}

/// Checks every option; the message names the option, the value, the range and its unit.
fn validate(args: &LatencyArgs) -> Result<(), String> {
    let (lo, hi) = RATE_RANGE_HZ;
    if !(lo..=hi).contains(&args.rate) {
        return Err(format!(
            "--rate {}: must be within {lo} … {hi} Hz",
            args.rate
        ));
    }
    if !(args.seconds > 0.0 && args.seconds <= MAX_SECONDS) {
        return Err(format!(
            "--seconds {}: must be > 0 and ≤ {MAX_SECONDS} s",
            args.seconds
        ));
    }
    let max_block = (args.rate / 2.0).floor() as usize;
    if !(1..=max_block).contains(&args.block) {
        return Err(format!(
            "--block {}: must be 1 … {max_block} samples (at most 0.5 s of data at {} Hz)",
            args.block, args.rate
        ));
    }
    let samples = (args.seconds * args.rate).round();
    if samples < args.block as f64 {
        return Err(format!(
            "--seconds {}: {samples} samples at {} Hz do not fill one block of {} samples",
            args.seconds, args.rate, args.block
        ));
    }
    if let Some(repeat) = args.repeat {
        if !(1..=10_000).contains(&repeat) {
            return Err(format!("--repeat {repeat}: must be 1 … 10000"));
        }
    }
    if args.unpaced {
        let total = samples * f64::from(repeat(args));
        if total > MAX_UNPACED_SAMPLES {
            return Err(format!(
                "--unpaced: {total} samples per run (seconds × rate × repeat) is more than \
                 {MAX_UNPACED_SAMPLES}; lower --seconds or --repeat"
            ));
        }
    }
    Ok(())
}

fn repeat(args: &LatencyArgs) -> u32 {
    if args.unpaced {
        args.repeat.unwrap_or(DEFAULT_REPEAT)
    } else {
        1
    }
}

/// The simulated input of every run.
struct Input {
    samples: Vec<Sample>,
    dropouts: u64,
    generated_s: f64,
}

fn simulate(args: &LatencyArgs) -> Result<Input, String> {
    let started = Instant::now();
    let spec = SessionSpec::new(args.seed)
        .with_profile(Profile::Typical)
        .with_rate_hz(args.rate)
        .with_minutes(args.seconds / 60.0)
        .with_faults(args.faults);
    let mut generator = Generator::new(spec).map_err(|e| e.to_string())?;
    let mut samples = Vec::with_capacity(spec.sample_count() as usize);
    let mut dropouts = 0;
    while let Some(s) = generator.next_sample() {
        // A dropout's sample is NaN in both channels: the engine sees a bad reading.
        dropouts += u64::from(!s.present);
        samples.push(s.sample);
    }
    Ok(Input {
        samples,
        dropouts,
        generated_s: started.elapsed().as_secs_f64(),
    })
}

/// Runs every round and gathers what they measured.
fn measure(args: &LatencyArgs) -> Result<Report, String> {
    // Before any thread starts, so that every thread of the command inherits it.
    let realtime = args.realtime.then(|| RequestedRealtime {
        memory_locked: lock_memory(),
        fifo: set_fifo(),
        main_thread: round::own_scheduling(),
    });
    let input = simulate(args)?;
    let plan = plan(args, &input);
    let (waits, headline) = WaitChoice::strategies(args.wait, plan.paced);
    let variants = variants(&waits);
    let (runs, probes) = run_rounds(args, &variants, &plan)?;
    Ok(Report::new(report::Setup {
        rate_hz: args.rate,
        seconds: args.seconds,
        block: args.block,
        rounds: args.rounds,
        paced: plan.paced,
        warmth: plan.warmth,
        repeat: plan.repeat,
        capacity: plan.config(headline).capacity,
        seed: args.seed,
        samples_per_round: plan.samples_per_round(),
        input_samples: input.samples.len() as u64,
        dropouts: input.dropouts,
        generated_s: input.generated_s,
        period: plan.period(),
        probe_wakeups: plan.blocks_per_round(),
        headline,
        realtime,
        variants,
        runs,
        probes,
    }))
}

/// How every run feeds `input`, as the options say.
fn plan<'a>(args: &LatencyArgs, input: &'a Input) -> Plan<'a> {
    Plan {
        input: &input.samples,
        rate_hz: args.rate,
        block: args.block,
        paced: !args.unpaced,
        repeat: repeat(args),
        realtime: args.realtime,
        warmth: if args.cold {
            Warmth::Cold
        } else {
            Warmth::Warm
        },
    }
}

/// What each round runs, in order: the lock-free pipeline once per wait strategy in
/// `waits`, then the baseline.
fn variants(waits: &[WaitStrategy]) -> Vec<Variant> {
    waits
        .iter()
        .map(|&w| Variant::Pipeline(w))
        .chain([Variant::Baseline])
        .collect()
}

/// Runs the rounds, each running every variant in turn and then the wake-up probe
/// (progress shown on a terminal). Returns each variant's measures, one per round, and
/// the probe's.
fn run_rounds(
    args: &LatencyArgs,
    variants: &[Variant],
    plan: &Plan<'_>,
) -> Result<(Vec<Vec<Measured>>, Vec<Percentiles>), String> {
    let mut runs: Vec<Vec<Measured>> = vec![Vec::new(); variants.len()];
    let mut probes: Vec<Percentiles> = Vec::new();
    let progress = Progress::new(!args.json && std::io::stderr().is_terminal());
    for r in 0..args.rounds {
        for (v, variant) in variants.iter().enumerate() {
            progress.show(r, args.rounds, &describe(*variant));
            runs[v].push(round::run(*variant, plan)?);
        }
        progress.show(r, args.rounds, "host wake-up probe");
        probes.push(round::probe(plan));
    }
    progress.clear();
    Ok((runs, probes))
}

fn describe(variant: Variant) -> String {
    match variant {
        Variant::Pipeline(w) => format!("lock-free pipeline, wait {w}"),
        Variant::Baseline => "baseline".to_string(),
    }
}

/// One line on standard error while rounds run (a terminal only: runs take a while).
struct Progress {
    on: bool,
}

impl Progress {
    fn new(on: bool) -> Self {
        Self { on }
    }

    fn show(&self, round: u32, rounds: u32, what: &str) {
        if self.on {
            let mut err = std::io::stderr().lock();
            let _ = write!(err, "\r\x1b[Kround {}/{rounds}: {what}…", round + 1);
            let _ = err.flush();
        }
    }

    fn clear(&self) {
        if self.on {
            let _ = write!(std::io::stderr().lock(), "\r\x1b[K");
        }
    }
}

//! End to end over the operating system's terminal layer: `letdown serve` and
//! `letdown pump-sim`, each a process opening a serial device by its path, with two
//! pseudo-terminal pairs and a byte relay between them:
//!
//! ```text
//! serve ──/dev/pts/A (slave)══ pty A ══(master A)──┐
//!                                                  relay (this test, bytes as they come)
//! pump-sim ──/dev/pts/B (slave)══ pty B ══(master B)┘
//! ```
//!
//! A pty master has no path, so neither program could open one end of a single pair by
//! name; with two pairs both open a real tty device (raw mode through `serialport`), and
//! every byte crosses the kernel's tty layer twice. When pump-sim closes its device the
//! relay closes master A, and serve sees the hang-up as it would a pump unplugged.
//!
//! The session is simulated (typical mother, closed loop: the simulated pump follows the
//! hints) and played 20 times faster than real time. Checked: letdown is detected within
//! the matching window of DESIGN §6 (first labelled onset − 1 s … + 20 s) and the hint
//! reaches the pump, whose simulated motor then switches to expression; both programs
//! exit 0; on this clean link nothing is dropped or lost. Facts, not timings.

mod link_log;
use link_log::{num, summary};
use serialport::{SerialPort, TTYPort};
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Output, Stdio};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// A pty pair's master, and the path of its slave (closed here: the program opens it).
/// The master is kept as a close-on-exec duplicate (`TTYPort::pair` opens it without
/// `O_CLOEXEC`): a child that inherited it would hold the pty open, and serve would never
/// see the hang-up.
fn pty() -> (TTYPort, String) {
    let (master, slave) = TTYPort::pair().expect("a pseudo-terminal pair");
    let path = slave.name().expect("the slave has a path");
    drop(slave);
    let master_cloexec = master.try_clone_native().expect("dup with FD_CLOEXEC");
    drop(master);
    (master_cloexec, path)
}

/// Copies bytes from one master to the other until the far side has hung up (after it
/// had been open) or `done` is set; returns the bytes copied.
fn pump_bytes(
    mut from: TTYPort,
    mut to: TTYPort,
    done: Arc<AtomicBool>,
    copied: Arc<AtomicU64>,
) -> JoinHandle<()> {
    std::thread::spawn(move || {
        from.set_timeout(Duration::from_millis(20)).unwrap();
        let mut buf = [0u8; 4096];
        let mut seen = false;
        while !done.load(Ordering::Relaxed) {
            match from.read(&mut buf) {
                Ok(n) if n > 0 => {
                    seen = true;
                    let _ = to.write_all(&buf[..n]);
                    copied.fetch_add(n as u64, Ordering::Relaxed);
                }
                Err(e) if e.kind() == std::io::ErrorKind::TimedOut => {}
                // Hang-up (no slave open): before the program opened its device, wait;
                // after, the program has closed it: the link is over.
                _ => {
                    if seen {
                        done.store(true, Ordering::Relaxed);
                        return;
                    }
                    std::thread::sleep(Duration::from_millis(2));
                }
            }
        }
    })
}

/// The relay between the two pty masters: a thread each way, the bytes each has copied,
/// and the flag that stops both.
struct Relay {
    done: Arc<AtomicBool>,
    up: Arc<AtomicU64>,
    down: Arc<AtomicU64>,
    threads: [JoinHandle<()>; 2],
}

impl Relay {
    /// Starts copying pump-sim's bytes (master B) to serve (master A) and back.
    fn start(master_a: TTYPort, master_b: TTYPort) -> Relay {
        let done = Arc::new(AtomicBool::new(false));
        let (up, down) = (Arc::new(AtomicU64::new(0)), Arc::new(AtomicU64::new(0)));
        let threads = [
            pump_bytes(
                master_b.try_clone_native().unwrap(),
                master_a.try_clone_native().unwrap(),
                Arc::clone(&done),
                Arc::clone(&up),
            ),
            pump_bytes(master_a, master_b, Arc::clone(&done), Arc::clone(&down)),
        ];
        Relay {
            done,
            up,
            down,
            threads,
        }
    }

    /// Stops both threads and waits for them; returns the bytes copied up and down.
    fn finish(self) -> (u64, u64) {
        self.done.store(true, Ordering::Relaxed);
        for t in self.threads {
            t.join().unwrap();
        }
        (
            self.up.load(Ordering::Relaxed),
            self.down.load(Ordering::Relaxed),
        )
    }
}

/// `letdown serve` on the device at `path`, once it says it is listening: the process,
/// its log so far, and a thread reading the rest of its log.
fn serve_listening_on(bin: &str, path: &str) -> (Child, String, JoinHandle<String>) {
    let mut serve = Command::new(bin)
        .args(["serve", "--port", path, "--stats-every", "5"])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("serve runs");
    // Pump-sim starts once serve has its device open (nothing sent to a closed pty is
    // kept for a later opener).
    let mut serve_err = BufReader::new(serve.stderr.take().unwrap());
    let mut serve_log = String::new();
    loop {
        let mut line = String::new();
        let n = serve_err.read_line(&mut line).unwrap();
        serve_log.push_str(&line);
        assert!(n > 0, "serve ended before listening:\n{serve_log}");
        if line.contains("listening on") {
            break;
        }
    }
    let serve_rest = std::thread::spawn(move || {
        let mut rest = String::new();
        let _ = serve_err.read_to_string(&mut rest);
        rest
    });
    (serve, serve_log, serve_rest)
}

/// `letdown pump-sim` on the device at `path`, simulating 4 minutes of a typical mother
/// 20 times faster than real time, run to the end.
fn pump_sim_simulating_on(bin: &str, path: &str) -> Output {
    Command::new(bin)
        .args([
            "pump-sim",
            "--port",
            path,
            "--simulate",
            "--profile",
            "typical",
            "--seed",
            "1",
            "--minutes",
            "4",
            "--speed",
            "20",
        ])
        .stdin(Stdio::null())
        .stderr(Stdio::piped())
        .stdout(Stdio::piped())
        .output()
        .expect("pump-sim runs")
}

#[test]
fn serve_detects_letdown_and_the_pump_switches_over_a_pseudo_terminal() {
    let started = Instant::now();
    let (master_a, path_a) = pty();
    let (master_b, path_b) = pty();
    let relay = Relay::start(master_a, master_b);

    let bin = env!("CARGO_BIN_EXE_letdown");
    let (mut serve, mut serve_log, serve_rest) = serve_listening_on(bin, &path_a);
    let pump = pump_sim_simulating_on(bin, &path_b);
    let serve_status = serve.wait().unwrap();
    let bytes = relay.finish();
    serve_log.push_str(&serve_rest.join().unwrap());
    let p = String::from_utf8_lossy(&pump.stdout).to_string();
    let p_err = String::from_utf8_lossy(&pump.stderr).to_string();
    let elapsed = started.elapsed();
    assert!(
        pump.status.success(),
        "pump-sim: {}\n{p}\n{p_err}\nserve:\n{serve_log}",
        pump.status
    );
    assert!(
        serve_status.success(),
        "serve: {serve_status}\n{serve_log}\npump-sim:\n{p}"
    );
    assert!(serve_log.contains("the pump hung up"), "{serve_log}");

    let hint_line = check_letdown_reached_the_pump(&p);
    check_a_clean_link(&serve_log, &p);
    report_the_run(elapsed, &serve_log, &p, bytes, hint_line);
}

/// Letdown detected, within the DESIGN §6 window of the first labelled onset, and the
/// hint arrived at the pump (pump-sim's output `p`). Returns the hint's line.
fn check_letdown_reached_the_pump(p: &str) -> &str {
    let switch = summary(p, "pump-sim", "switch");
    let onset = num(&switch, "first_onset_s");
    let detected = num(&switch, "letdown_hint_s");
    assert!(
        (onset - 1.0..=onset + 20.0).contains(&detected),
        "letdown hint at {detected} s, first onset at {onset} s\n{p}"
    );
    let hint_line = p
        .lines()
        .find(|l| {
            l.starts_with("pump-sim: hint")
                && l.contains("mode=expression")
                && l.contains("reason=letdown_detected")
        })
        .unwrap_or_else(|| panic!("no letdown hint printed:\n{p}"));
    assert_eq!(
        switch["first_expression_reason"], "letdown_detected",
        "no fallback timer first"
    );
    // The simulated pump switched phase because of it: it stimulated until the hint and
    // expressed from then on.
    let pump_switch = num(&switch, "pump_expression_s");
    assert!(
        pump_switch >= detected,
        "pump expressed at {pump_switch} s, before the hint"
    );
    assert!(p.contains("mode stimulation -> expression"), "{p}");
    hint_line
}

/// A clean link: nothing dropped, lost or missing, on either side (serve's log,
/// pump-sim's output `p`).
fn check_a_clean_link(serve_log: &str, p: &str) {
    let link = summary(serve_log, "serve", "link");
    let samples = summary(serve_log, "serve", "samples");
    let hints = summary(serve_log, "serve", "hints");
    let sent = summary(p, "pump-sim", "sent");
    let received = summary(p, "pump-sim", "received");
    let ack = summary(p, "pump-sim", "serve_ack");
    assert_eq!(num(&link, "frames_dropped"), 0.0, "{serve_log}");
    assert_eq!(num(&link, "frames_lost"), 0.0);
    assert_eq!(num(&link, "frames_ok"), num(&sent, "frames_sent"));
    assert_eq!(num(&samples, "received"), num(&sent, "samples_sent"));
    assert_eq!(num(&samples, "missing"), 0.0);
    assert_eq!(num(&hints, "dropped"), 0.0);
    assert_eq!(
        num(&hints, "sent"),
        num(&received, "hints"),
        "every hint sent arrived"
    );
    assert_eq!(num(&received, "frames_dropped"), 0.0);
    assert_eq!(num(&received, "frames_lost"), 0.0);
    assert_eq!(num(&ack, "frames_received"), num(&sent, "frames_sent"));
    assert_eq!(num(&ack, "frames_dropped"), 0.0);
    // The engine's clock is the board's: every sample sent, none lost, none overrun (the
    // pump keeps within the room its Acks give).
    let engine_counts = summary(serve_log, "serve", "engine");
    assert_eq!(num(&engine_counts, "samples"), num(&sent, "samples_sent"));
    assert_eq!(num(&ack, "next_sample_index"), num(&sent, "samples_sent"));
    assert_eq!(num(&ack, "samples_overrun"), 0.0);
    assert!(
        serve_log.contains("serve: stats link"),
        "periodic statistics"
    );
}

/// One line on standard error: how long the run took, when letdown was detected and the
/// pump switched, round trips, bytes each way (`up`, `down`), overruns and missing samples.
fn report_the_run(
    elapsed: Duration,
    serve_log: &str,
    p: &str,
    (up, down): (u64, u64),
    hint_line: &str,
) {
    let switch = summary(p, "pump-sim", "switch");
    let onset = num(&switch, "first_onset_s");
    let detected = num(&switch, "letdown_hint_s");
    let pump_switch = num(&switch, "pump_expression_s");
    let sent = summary(p, "pump-sim", "sent");
    let samples = summary(serve_log, "serve", "samples");
    let rt = summary(p, "pump-sim", "round_trip_ms");
    let engine = summary(serve_log, "serve", "engine");
    eprintln!(
        "e2e: {:.1} s wall for {} s of session; letdown at {detected:.3} s (onset {onset:.3} s, \
         visible {}), pump switched at {pump_switch:.3} s; round trip ms p50 {} p90 {} max {} \
         (letdown hint {}); {} B up, {} B down; overruns {}; engine missing {}\n{hint_line}",
        elapsed.as_secs_f64(),
        sent["session_s"],
        switch["first_visible_s"],
        rt["p50"],
        rt["p90"],
        rt["max"],
        rt["letdown"],
        up,
        down,
        samples["overruns"],
        engine["missing_samples"]
    );
}

/// Simulates two minutes of a typical mother (pump on the timer) into `dir`; returns the
/// session file (its labels are beside it).
fn simulate_a_session(bin: &str, dir: &Path) -> PathBuf {
    let out = Command::new(bin)
        .args([
            "simulate",
            "--out",
            dir.to_str().unwrap(),
            "--seed",
            "1",
            "--profile",
            "typical",
            "--minutes",
            "2",
            "--program",
            "timer",
        ])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| !p.to_string_lossy().ends_with(".labels.csv"))
        .unwrap()
}

/// `serve --stdio --quiet` and `pump-sim --stdio --session SESSION --speed 40` joined by
/// pipes, run to the end: each one's exit status and log (pump-sim's first).
fn play_to_serve_over_pipes(bin: &str, session: &Path) -> (ExitStatus, String, ExitStatus, String) {
    let piped = |args: &[&str]| {
        Command::new(bin)
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
    };
    let mut serve = piped(&["serve", "--stdio", "--quiet"]);
    let mut pump = piped(&[
        "pump-sim",
        "--stdio",
        "--session",
        session.to_str().unwrap(),
        "--speed",
        "40",
    ]);
    let copy = |mut from: Box<dyn Read + Send>, mut to: Box<dyn Write + Send>| {
        std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while let Ok(n) = from.read(&mut buf) {
                if n == 0 || to.write_all(&buf[..n]).is_err() {
                    break;
                }
            }
        })
    };
    let up = copy(
        Box::new(pump.stdout.take().unwrap()),
        Box::new(serve.stdin.take().unwrap()),
    );
    let down = copy(
        Box::new(serve.stdout.take().unwrap()),
        Box::new(pump.stdin.take().unwrap()),
    );
    let mut serve_err = serve.stderr.take().unwrap();
    let serve_log = std::thread::spawn(move || {
        let mut s = String::new();
        let _ = serve_err.read_to_string(&mut s);
        s
    });
    let mut p = String::new();
    pump.stderr.take().unwrap().read_to_string(&mut p).unwrap();
    let pump_status = pump.wait().unwrap();
    up.join().unwrap();
    let serve_status = serve.wait().unwrap();
    down.join().unwrap();
    (pump_status, p, serve_status, serve_log.join().unwrap())
}

/// `pump-sim --session FILE` plays a recorded session (open loop: hints are printed, not
/// applied), here over pipes with `serve --stdio`; the labels beside the file give the
/// onset the detection is checked against.
#[test]
fn pump_sim_plays_a_recorded_session_file_to_serve() {
    let dir = tempfile::tempdir().unwrap();
    let bin = env!("CARGO_BIN_EXE_letdown");
    let session = simulate_a_session(bin, dir.path());
    let (pump_status, p, serve_status, s) = play_to_serve_over_pipes(bin, &session);
    assert!(pump_status.success(), "{p}\n{s}");
    assert!(serve_status.success(), "{s}");

    let switch = summary(&p, "pump-sim", "switch");
    let onset = num(&switch, "first_onset_s");
    let detected = num(&switch, "letdown_hint_s");
    assert!((onset - 1.0..=onset + 20.0).contains(&detected), "{p}");
    assert!(p.contains("(not applied: recorded session)"), "{p}");
    assert_eq!(
        switch["pump_expression_s"], "none",
        "a recording has no pump to switch"
    );
    let sent = summary(&p, "pump-sim", "sent");
    let samples = summary(&s, "serve", "samples");
    assert_eq!(num(&sent, "samples_sent"), 120_000.0);
    assert_eq!(num(&samples, "received"), 120_000.0);
    assert_eq!(num(&samples, "missing"), 0.0);
}

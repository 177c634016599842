"""What the Python call costs on top of the Rust engine: `Engine.process` over one session
fed as one array, in 10 000-sample blocks and in 1 000-sample blocks, each against the bare
Rust engine loop over the same samples (`letdown._native.engine_seconds`), in interleaved
rounds (Rust, A, B, C, Rust, A, B, C, …) in one run, so each ratio is measured under the
same load. Prints the median over rounds of each round's time / the Rust time.

    python adapters/python/bench/process_blocks.py [SESSION.csv] [--rounds N]

Without a file: a simulated 15-minute session at 1000 Hz (900 000 samples).
"""

import argparse
import statistics
import time

import letdown
from letdown import _native


def python_seconds(session, block):
    """Seconds to feed the whole session to a fresh engine in blocks of `block` samples."""
    engine = letdown.Engine(session["sample_rate_hz"])
    p, f = session["pressure_mmhg"], session["flow_ml_min"]
    start = time.perf_counter()
    for lo in range(0, len(p), block):
        engine.process(p[lo : lo + block], f[lo : lo + block])
    return time.perf_counter() - start


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("session", nargs="?", help="a session file (default: simulated)")
    parser.add_argument("--rounds", type=int, default=7)
    args = parser.parse_args()
    if args.session:
        session = letdown.read_session(args.session)
    else:
        session = letdown.simulate(seed=1, rate_hz=1000, minutes=15)
    n = len(session["pressure_mmhg"])
    blocks = {"one array": n, "10 000-sample blocks": 10_000, "1 000-sample blocks": 1_000}
    ratios = {name: [] for name in blocks}
    rust = []
    for _ in range(args.rounds):
        rust.append(_native.engine_seconds(session["sample_rate_hz"], session["pressure_mmhg"], session["flow_ml_min"]))
        for name, block in blocks.items():
            ratios[name].append(python_seconds(session, block) / rust[-1])
    rate = session["sample_rate_hz"]
    print(f"{n} samples at {rate:g} Hz, {args.rounds} rounds, medians:")
    print(f"  {'Rust engine loop':22} {n / statistics.median(rust) / 1e6:6.2f} M samples/s")
    for name, r in ratios.items():
        print(f"  {'Engine.process, ' + name:40} {statistics.median(r):5.3f}x the Rust engine's time")


if __name__ == "__main__":
    main()

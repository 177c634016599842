"""What the Python call costs on top of the engine: `Engine.process` over one session
fed as one array, in 10 000-sample blocks and in 1 000-sample blocks, in interleaved
rounds (A, B, C, A, B, C, …) in one run, so the ratios are measured under the same load.

The one-array call is the engine's own loop plus one copy of the input (the engine runs
without the GIL on its own copy), so the ratios are what the per-call overhead adds.

    python adapters/python/bench/process_blocks.py SESSION.csv [ROUNDS]
"""

import statistics
import sys
import time

import letdown


def run(session, block):
    """Seconds to feed the whole session to a fresh engine in blocks of `block` samples."""
    engine = letdown.Engine(session["sample_rate_hz"])
    p, f = session["pressure_mmhg"], session["flow_ml_min"]
    start = time.perf_counter()
    for lo in range(0, len(p), block):
        engine.process(p[lo : lo + block], f[lo : lo + block])
    return time.perf_counter() - start


def main():
    session = letdown.read_session(sys.argv[1])
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 7
    n = len(session["pressure_mmhg"])
    blocks = {"one array": n, "10 000-sample blocks": 10_000, "1 000-sample blocks": 1_000}
    times = {name: [] for name in blocks}
    for _ in range(rounds):
        for name, block in blocks.items():
            times[name].append(run(session, block))
    base = statistics.median(times["one array"])
    print(f"{n} samples at {session['sample_rate_hz']:g} Hz, {rounds} rounds, medians:")
    for name, ts in times.items():
        t = statistics.median(ts)
        print(f"  {name:22} {n / t / 1e6:6.2f} M samples/s  {t / base:5.3f}x the one-array time")


if __name__ == "__main__":
    main()

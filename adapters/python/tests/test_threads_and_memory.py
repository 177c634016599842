"""Long calls let other Python threads run, and repeated calls keep no memory.

The GIL test needs no clock: the interpreter's switch interval is set so long that it never
takes the GIL from a busy thread, so a second thread can run Python code while a call is
in progress only if the call itself releases the GIL. A busy Python loop, which holds it,
is the control that shows the check can fail.
"""

import resource
import sys
import threading
import tracemalloc

import numpy as np
import pytest

import letdown
from letdown import _native

ATTEMPTS = 20


def ran_during(call):
    """Whether a second thread ran Python code while `call()` was in progress."""
    state = {"in_call": False, "seen": None}
    go = threading.Event()

    def observe():
        go.wait()
        state["seen"] = state["in_call"]

    thread = threading.Thread(target=observe)
    thread.start()
    interval = sys.getswitchinterval()
    sys.setswitchinterval(1000.0)
    try:
        go.set()
        state["in_call"] = True
        call()
        state["in_call"] = False
    finally:
        sys.setswitchinterval(interval)
    thread.join()
    return state["seen"]


def releases_gil(call):
    """A call that releases the GIL lets the thread in on (nearly always) the first try;
    one that holds it never does, however many tries."""
    return any(ran_during(call) for _ in range(ATTEMPTS))


@pytest.fixture(scope="module")
def long_session(sessions):
    return max(sessions, key=lambda p: p.stat().st_size)


def test_a_busy_python_loop_holds_the_gil_so_the_check_can_fail():
    assert not releases_gil(lambda: sum(range(300_000)))


def test_process_releases_the_gil(long_session):
    session = letdown.read_session(long_session)
    engine = _native.Engine(session["sample_rate_hz"])
    p, f = session["pressure_mmhg"], session["flow_ml_min"]
    assert releases_gil(lambda: engine.process(p, f))


@pytest.mark.parametrize("call", [_native.replay, _native.read_session])
def test_file_calls_release_the_gil(long_session, call):
    assert releases_gil(lambda: call(str(long_session)))


def peak_rss_bytes():
    """The process's peak resident set (ru_maxrss is in KiB on Linux, bytes on macOS)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak if sys.platform == "darwin" else peak * 1024


def every_call(path):
    """One call of each function that allocates per call, on the session at `path`."""
    session = letdown.read_session(path)
    engine = letdown.Engine(session["sample_rate_hz"])
    events = engine.process(session["pressure_mmhg"], session["flow_ml_min"])
    engine.gap(100)
    result = letdown.replay(path)
    letdown.score([(60.0, 120.0)], result["onsets_s"], result["duration_s"])
    letdown.simulate(seed=3, rate_hz=100, minutes=1)
    with pytest.raises(ValueError):
        letdown.Engine(1000, max_vacuum_mmhg=-400)
    return session["pressure_mmhg"].nbytes + session["flow_ml_min"].nbytes, len(events["t_s"])


def test_repeated_calls_keep_no_memory(long_session):
    for _ in range(3):
        per_call_bytes, events = every_call(long_session)
    assert events > 0
    calls = 60
    # Were one call's samples kept (the copy the engine reads, or the arrays returned),
    # the loop below would hold calls * per_call_bytes more.
    leak_bytes = calls * per_call_bytes
    assert leak_bytes > 20e6
    tracemalloc.start()
    rss_before = peak_rss_bytes()
    traced_before, _ = tracemalloc.get_traced_memory()
    for _ in range(calls):
        every_call(long_session)
    traced_after, _ = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    grown = peak_rss_bytes() - rss_before
    assert grown < leak_bytes / 3, f"peak RSS grew {grown / 1e6:.1f} MB over {calls} calls"
    # Python objects (numpy arrays included) kept across calls: none beyond noise.
    assert traced_after - traced_before < 64 * 1024, (traced_before, traced_after)

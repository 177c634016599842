"""Bad input raises a clear exception naming what is wrong, and never crashes."""

import gzip
import re
import subprocess
import sys

import numpy as np
import pytest

import letdown


def test_config_out_of_range_is_the_engines_message():
    with pytest.raises(ValueError, match=r"max_vacuum_mmhg must be within -300 … -50 mmHg"):
        letdown.Engine(1000, max_vacuum_mmhg=-400)
    with pytest.raises(ValueError, match=r"sample_rate_hz"):
        letdown.Engine(5)
    with pytest.raises(ValueError, match=r"sample_rate_hz"):
        letdown.Engine(float("nan"))


def test_unknown_or_non_numeric_setting_is_a_type_error():
    with pytest.raises(TypeError, match=r"unexpected keyword argument 'max_vacuum'"):
        letdown.Engine(1000, max_vacuum=-200)
    with pytest.raises(TypeError, match=r"fallback_s: expected a number"):
        letdown.Engine(1000, fallback_s="long")


def test_arrays_of_other_lengths_or_shapes_are_refused():
    engine = letdown.Engine(1000)
    with pytest.raises(ValueError, match=r"differ in length: 3 and 2 samples"):
        engine.process(np.zeros(3), np.zeros(2))
    with pytest.raises(ValueError, match=r"pressure: expected a 1-D array"):
        engine.process(np.zeros((2, 2)), np.zeros(4))
    with pytest.raises(ValueError):
        engine.process(["a"], [1.0])
    with pytest.raises(ValueError, match=r"missing: expected a number of samples >= 0"):
        engine.gap(-1)
    # None of that moved the stream.
    assert engine.samples == 0


def test_any_float_is_accepted_and_faults_become_events():
    engine = letdown.Engine(1000)
    values = np.array([np.nan, np.inf, -np.inf, 1e38, -1e38, 5e-45] * 500, dtype=np.float64)
    events = engine.process(values, values[::-1].copy())
    assert engine.samples == values.size
    assert "sensor_fault" in set(events["reason"])


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text)
    return path


@pytest.mark.parametrize("read", [letdown.read_session, letdown.replay])
def test_malformed_files_name_file_line_field(tmp_path, read):
    header = "# sample_rate_hz: 100\nt_s,pressure_mmhg,flow_ml_min\n"
    cases = {
        "non_numeric.csv": (header + "0.00,-50,1\n0.01,abc,1\n", r"line 4: field pressure_mmhg: not a number"),
        "no_rate.csv": ("t_s,pressure_mmhg,flow_ml_min\n0.00,-50,1\n", r"sample_rate_hz"),
        "backwards.csv": (header + "0.01,-50,1\n0.00,-50,1\n", r"line 4: field t_s"),
        "bad_header.csv": ("# sample_rate_hz: 100\nt,p,f\n0,0,0\n", r"line 2"),
    }
    for name, (text, reason) in cases.items():
        path = write(tmp_path, name, text)
        with pytest.raises(ValueError, match=reason) as info:
            read(path)
        assert name in str(info.value)


@pytest.mark.parametrize("read", [letdown.read_session, letdown.replay])
def test_a_missing_file_is_file_not_found_with_the_readers_message(tmp_path, read):
    with pytest.raises(FileNotFoundError, match=r"missing\.csv: cannot read") as info:
        read(tmp_path / "missing.csv")
    # Code catching OSError (a wrong path) does not also swallow malformed files.
    assert not isinstance(info.value, ValueError)


def test_a_bad_label_file_stops_the_replay_with_its_name(tmp_path):
    session = write(tmp_path, "s.csv", "# sample_rate_hz: 100\nt_s,pressure_mmhg,flow_ml_min\n0.00,-50,1\n")
    write(tmp_path, "s.labels.csv", "onset_s,end_s\n10,x\n")
    with pytest.raises(ValueError, match=r"s\.labels\.csv: line 2: field end_s"):
        letdown.replay(session)


def test_bad_scores_name_the_session():
    with pytest.raises(ValueError, match=r"session 0: label 0: expected \(onset_s, end_s\[, visible_s\]\)"):
        letdown.score([(1.0,)], [], 60.0)
    with pytest.raises(ValueError, match=r"session 1: detection time NaN is not finite"):
        letdown.score_sessions([([], [], 60.0), ([], [np.nan], 60.0)])
    with pytest.raises(ValueError, match=r"session 0: duration_s 0 is not a positive"):
        letdown.score([], [], 0.0)


def test_labels_a_label_file_could_not_hold_are_refused_with_the_readers_reason():
    cases = [
        ([(20.0, 10.0)], r"label 0: field end_s: end_s 10 s is not after onset_s 20 s"),
        ([(-1.0, 10.0)], r"label 0: field onset_s: time -1 s is before the session start"),
        ([(20.0, 60.0, 19.0)], r"label 0: field visible_s: visible_s 19 s is before onset_s 20 s"),
        ([(20.0, 60.0), (20.0, 70.0)], r"label 1: field onset_s: rows out of time order"),
    ]
    for labels, reason in cases:
        with pytest.raises(ValueError, match=rf"^session 0: {reason}"):
            letdown.score(labels, [15.0], 60.0)


def test_simulator_arguments_out_of_range_say_why():
    with pytest.raises(ValueError, match=r"profile: "):
        letdown.simulate(profile="anxious")
    with pytest.raises(ValueError, match=r"faults: "):
        letdown.simulate(faults="lightning")
    with pytest.raises(ValueError, match=r"program: "):
        letdown.simulate(program="sometimes")
    with pytest.raises(ValueError):
        letdown.simulate(rate_hz=5)
    with pytest.raises(ValueError):
        letdown.simulate(minutes=0)


# In a child process whose address space is capped at 4 GB: a day at 10 kHz (864 million
# samples, 20.7 GB of columns) cannot be reserved there, whatever the machine has.
TOO_LARGE_FOR_4_GB = """
import resource
import letdown
resource.setrlimit(resource.RLIMIT_AS, (4 << 30, 4 << 30))
try:
    letdown.simulate(minutes=1440, rate_hz=10000)
except MemoryError as e:
    print("MemoryError:", e)
"""


def test_a_session_too_large_to_hold_is_a_memory_error_before_it_is_generated():
    child = subprocess.run(
        [sys.executable, "-c", TOO_LARGE_FOR_4_GB], capture_output=True, text=True, timeout=60
    )
    assert child.returncode == 0, child.stderr
    assert child.stdout.startswith("MemoryError: a session of 864000000 samples needs 20.7 GB"), (
        child.stdout
    )


# In a child process whose address space is capped 32 MB above what it holds after
# import: the columns of a file's rows (24 bytes each) grow until they cannot.
FILE_TOO_LARGE_FOR_THE_CAP = """
import resource, sys
import letdown
with open("/proc/self/status") as status:
    held = next(int(line.split()[1]) for line in status if line.startswith("VmSize:")) << 10
cap = held + (32 << 20)
resource.setrlimit(resource.RLIMIT_AS, (cap, cap))
try:
    letdown.read_session(sys.argv[1])
except MemoryError as e:
    print("MemoryError:", e)
"""


@pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="reads /proc; RLIMIT_AS as Linux enforces it"
)
def test_a_file_too_large_to_hold_is_a_memory_error_not_an_abort(tmp_path):
    rows = 4_000_000  # 96 MB of columns, 9 MB gzipped
    path = tmp_path / "long.csv.gz"
    with gzip.open(path, "wt", compresslevel=1) as out:
        out.write("# sample_rate_hz: 100\nt_s,pressure_mmhg,flow_ml_min\n")
        for start in range(0, rows, 100_000):
            out.write("".join(f"{i / 100:.2f},-50,0\n" for i in range(start, start + 100_000)))
    child = subprocess.run(
        [sys.executable, "-c", FILE_TOO_LARGE_FOR_THE_CAP, str(path)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert child.returncode == 0, child.stderr
    assert re.match(
        rf"MemoryError: {re.escape(str(path))}: \d+ samples read \([\d.]+ MB of columns\), and the "
        r"columns could not grow to hold more",
        child.stdout,
    ), child.stdout
    # Below the file's rows: the columns had grown before they could not.
    held = int(re.search(r": (\d+) samples read", child.stdout).group(1))
    assert 10_000 <= held < rows, held


def test_replay_arrays_refuses_what_the_readers_refuse_naming_the_row():
    p = np.full(40, -50.0)
    cases = [
        ([0.0, 0.01, 0.01, 0.03], r"row 2: field t_s: time does not advance: 0\.01 s after 0\.01 s"),
        ([0.0, 0.02, 0.01, 0.03], r"row 2: field t_s: time goes backwards"),
        ([0.0, np.nan, 0.02, 0.03], r"row 1: field t_s: non-finite number"),
        ([30.0, 30.01, 30.02, 30.03], r"row 0: field t_s: the first row is at 30 s"),
        ([0.0, 0.0149, 0.0298, 0.04], r"row 2: field t_s: time 0\.0298 s disagrees with sample_rate_hz 100 Hz"),
        ([i * 0.02 for i in range(40)], r"row 16: field t_s: the timestamps contradict sample_rate_hz 100 Hz"),
    ]
    for t_s, reason in cases:
        with pytest.raises(ValueError, match=rf"^columns: row group 0, {reason}"):
            letdown.replay_arrays(t_s, p[: len(t_s)], p[: len(t_s)], 100)
    with pytest.raises(ValueError, match=r"row 1: field flow_ml_min: non-finite number"):
        letdown.replay_arrays([0.0, 0.01], [0.0, 0.0], [0.0, np.inf], 100)
    with pytest.raises(ValueError, match=r"t_s, pressure and flow differ in length: 3, 4 and 4"):
        letdown.replay_arrays([0.0, 0.01, 0.02], p[:4], p[:4], 100)
    with pytest.raises(ValueError, match=r"sample_rate_hz"):
        letdown.replay_arrays([0.0], [0.0], [0.0], 5)
    # The readers' bound on a gap, counted on the sample clock: 60 000 periods at 100 Hz
    # are ten minutes and pass, one more is a broken timestamp.
    assert letdown.replay_arrays([0.0, 0.01, 600.01], p[:3], p[:3], 100)["missing"] == 59_999
    with pytest.raises(ValueError, match=r"row 2: field t_s: .*60001 sample periods at 100 Hz"):
        letdown.replay_arrays([0.0, 0.01, 600.02], p[:3], p[:3], 100)


def test_replay_arrays_reads_times_as_the_csv_reader_does(tmp_path):
    # Times a little off the rate's grid (within half a sample) and a gap: the rows and
    # gaps of the same session written as CSV.
    t_s = [0.0, 0.0102, 0.0199, 0.05, 0.0604, 0.07]
    text = "# sample_rate_hz: 100\nt_s,pressure_mmhg,flow_ml_min\n" + "".join(f"{t},-50,0\n" for t in t_s)
    path = tmp_path / "off_grid.csv"
    path.write_text(text)
    whole = letdown.replay(path)
    r = letdown.replay_arrays(t_s, np.full(6, -50.0), np.zeros(6), 100)
    keys = ("rows", "gaps", "missing", "duration_s")
    assert {k: r[k] for k in keys} == {k: whole[k] for k in keys} == {"rows": 6, "gaps": 1, "missing": 2, "duration_s": 0.08}


def test_the_native_module_refuses_byte_swapped_arrays():
    from letdown import _native

    engine = _native.Engine(100)
    swapped = np.zeros(3, dtype=np.dtype(np.float32).newbyteorder())
    with pytest.raises(ValueError, match=r"pressure: expected a float32 array in the machine's byte order"):
        engine.process(swapped, np.zeros(3, np.float32))
    # The package converts such arrays to the engine's own first.
    assert letdown.Engine(100).process(swapped, swapped)["t_s"].size == 0


def test_the_benchmark_baseline_refuses_what_process_refuses():
    from letdown import _native

    assert _native.engine_seconds(1000, np.zeros(3, np.float32), np.zeros(3, np.float32)) >= 0
    with pytest.raises(ValueError, match=r"differ in length: 3 and 2 samples"):
        _native.engine_seconds(1000, np.zeros(3, np.float32), np.zeros(2, np.float32))
    with pytest.raises(ValueError, match=r"pressure: expected a float32 array"):
        _native.engine_seconds(1000, np.zeros(3), np.zeros(3, np.float32))
    with pytest.raises(ValueError, match=r"sample_rate_hz"):
        _native.engine_seconds(5, np.zeros(3, np.float32), np.zeros(3, np.float32))


def test_a_malformed_label_file_names_file_line_and_field(tmp_path):
    bad = tmp_path / "s.labels.csv"
    bad.write_text("onset_s,end_s\n10,20\n30,x\n")
    with pytest.raises(ValueError, match=r"s\.labels\.csv: line 3: field end_s: not a number"):
        letdown.read_labels(bad)
    with pytest.raises(ValueError, match=r"^from-s3\.labels\.csv: .*header"):
        letdown.parse_labels(b"start,stop\n1,2\n", "from-s3.labels.csv")
    with pytest.raises(ValueError, match=r"x\.labels\.csv\.gz: "):
        letdown.parse_labels(b"not gzip", "x.labels.csv.gz")
    with pytest.raises(FileNotFoundError):
        letdown.read_labels(tmp_path / "missing.labels.csv")

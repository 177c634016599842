"""The Spark fleet job on a real local cluster (local[2]: the JVM driver and two executor
cores, each session replayed by the `letdown` package in a Python worker process) gives,
session by session and row by row, the detections of the single-process `letdown replay`
on the same sessions as CSV, and the same per-session counts and scores."""

import csv
import importlib.util
import json
import pathlib
import re
import subprocess
import sys
from collections import defaultdict

import numpy as np
import pyarrow as pa
import pyarrow.fs
import pyarrow.parquet as pq
import pytest

import letdown

FLEET = pathlib.Path(__file__).resolve().parents[1]
SESSIONS = 200


def load(name):
    """A script of fleet/ as a module."""
    spec = importlib.util.spec_from_file_location(name, FLEET / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


replay_fleet = load("replay_fleet")


def run(*args):
    done = subprocess.run([str(a) for a in args], capture_output=True, text=True)
    assert done.returncode == 0, f"{args[:2]}: exit {done.returncode}\n{done.stderr[-4000:]}"
    return done.stdout


@pytest.fixture(scope="module")
def fleet(cli, tmp_path_factory):
    """200 simulated sessions of 3 min at 100 Hz (50 with sensor dropouts, so with gaps)
    as CSV and as a fleet dataset; the Spark job's output and the CLI's."""
    root = tmp_path_factory.mktemp("fleet")
    csv_dir = root / "csv"
    for batch in (["--n", 150, "--seed", 1], ["--n", SESSIONS - 150, "--seed", 1001, "--faults", "dropout"]):
        run(cli, "simulate", "--out", csv_dir, "--rate", 100, "--minutes", 3, *batch)
    run(cli, "convert", "--fleet", csv_dir, root / "dataset")
    job = run(sys.executable, FLEET / "replay_fleet.py", root / "dataset", root / "out", "--master", "local[2]")
    replay = run(cli, "replay", "--quiet", "--events", root / "events.jsonl", "--detections-out", root / "detections", csv_dir)
    names = sorted(p.name[: -len(".csv")] for p in csv_dir.glob("*.csv") if not p.name.endswith(".labels.csv"))
    assert len(names) == SESSIONS
    return {"root": root, "csv": csv_dir, "names": names, "job": job, "replay": replay}


def by_session(rows):
    grouped = defaultdict(list)
    for row in rows:
        grouped[row["session_id"] if "session_id" in row else row["session"]].append(row)
    return grouped


def test_detections_equal_the_clis_row_by_row(fleet):
    ours = by_session(pq.read_table(fleet["root"] / "out" / "detections").sort_by("sample_index").to_pylist())
    events = by_session(json.loads(line) for line in (fleet["root"] / "events.jsonl").read_text().splitlines())
    compared = 0
    for name in fleet["names"]:
        with open(fleet["root"] / "detections" / f"{name}.detections.csv", newline="") as f:
            theirs = [(float(r["t_s"]), r["kind"], r["reason"], float(r["confidence"])) for r in csv.DictReader(f)]
        # The CLI's file rounds confidence to 3 decimals; the job keeps full precision.
        assert [(d["t_s"], d["kind"], d["reason"], round(d["confidence"], 3)) for d in ours[name]] == theirs, name
        # The events file writes the engine's float32 confidence in as few digits as
        # read back to the same float32.
        exact = [(e["sample_index"], np.float32(e["confidence"])) for e in events[name] if e["kind"] != "hint"]
        assert [(d["sample_index"], np.float32(d["confidence"])) for d in ours[name]] == exact, name
        compared += len(theirs)
    assert set(ours) <= set(fleet["names"])
    assert compared > SESSIONS / 2, "enough detections to compare"


def test_session_counts_and_scores_equal_the_clis(fleet):
    sessions = {row["session_id"]: row for row in pq.read_table(fleet["root"] / "out" / "sessions").to_pylist()}
    assert sorted(sessions) == fleet["names"]
    assert all(row["error"] is None for row in sessions.values())
    for name, row in sessions.items():
        alone = letdown.replay(fleet["csv"] / f"{name}.csv")
        for key in ("rows", "gaps", "missing", "duration_s", "sample_rate_hz"):
            assert row[key] == alone[key], (name, key)
        assert {key: row[key] for key in alone["score"]} == alone["score"], name
    assert sum(row["gaps"] for row in sessions.values()) > 0, "dropouts were replayed as gaps"
    m = re.search(r"TP (\d+) FP (\d+) FN (\d+)", fleet["replay"])
    totals = [sum(row[k] for row in sessions.values()) for k in ("true_positives", "false_positives", "false_negatives")]
    assert totals == [int(x) for x in m.groups()]
    assert f"{SESSIONS} sessions" in fleet["job"]
    assert f"{SESSIONS} sessions with labels" in fleet["job"]


def write_part(folder, name, t_s, rate="100", pressure=-80.0):
    """One part file of a session: times `t_s` (s), constant samples (`pressure` mmHg,
    no flow), `rate` in its metadata."""
    n = len(t_s)
    table = pa.table(
        {
            "t_s": np.asarray(t_s, dtype=np.float64),
            "pressure_mmhg": np.full(n, pressure, dtype=np.float32),
            "flow_ml_min": np.zeros(n, dtype=np.float32),
        }
    )
    folder.mkdir(parents=True, exist_ok=True)
    pq.write_table(table if rate is None else table.replace_schema_metadata({"sample_rate_hz": rate}), folder / name)
    return str(folder / name)


def replay(paths, base="/nowhere"):
    return replay_fleet.replay_session(pyarrow.fs.LocalFileSystem(), str(base), "s1", paths)


def replay_remotely(dataset, paths):
    """`replay_session` through a filesystem that is not the local one (a subtree of it,
    as an s3:// bucket would be): the session is copied to a scratch folder first."""
    remote = pyarrow.fs.SubTreeFileSystem(str(dataset.parent), pyarrow.fs.LocalFileSystem())
    inside = [str(pathlib.Path(p).relative_to(dataset.parent)) for p in paths]
    return replay_fleet.replay_session(remote, dataset.name, "s1", inside)


def write_labels(dataset, text, name="s1.labels.csv"):
    (dataset / "_labels").mkdir(parents=True, exist_ok=True)
    (dataset / "_labels" / name).write_text(text)


def refusal(folder):
    """What `letdown replay` says of the session folder `folder`."""
    with pytest.raises(ValueError) as refused:
        letdown.replay(folder)
    return str(refused.value)


@pytest.mark.parametrize(
    "case, times, rate, pressure, reason",
    [
        ("no rate", [0.0], None, -80.0, r"part-0\.parquet: .*sample_rate_hz"),
        ("not advancing", [0.0, 0.01, 0.005], "100", -80.0, r"part-0\.parquet: row group 0, row 2: field t_s: time goes backwards"),
        ("late start", [30.0, 30.01], "100", -80.0, r"row 0: field t_s: the first row is at 30 s"),
        ("half the rate", [i * 0.02 for i in range(40)], "100", -80.0, r"contradict sample_rate_hz 100 Hz"),
        ("not finite", [0.0, 0.01], "100", float("nan"), r"row 0: field pressure_mmhg: non-finite number"),
    ],
)
def test_a_broken_session_is_refused_as_letdown_replay_refuses_it(tmp_path, case, times, rate, pressure, reason):
    dataset = tmp_path / "dataset"
    part = write_part(dataset / "session_id=s1", "part-0.parquet", times, rate, pressure)
    said = refusal(dataset / "session_id=s1")
    assert re.search(reason, said), (case, said)
    row = replay([part], dataset)
    assert (row["error"], row["detections"]) == (f"session s1: {said}", []), case
    assert "rows" not in row
    # Through another filesystem the message names the dataset's file, not the copy's.
    far = replay_remotely(dataset, [part])["error"]
    assert far == f"session s1: {said.replace(str(tmp_path) + '/', '')}", case


def test_a_session_is_one_folder_and_its_files_agree_on_the_rate(tmp_path):
    parts = [write_part(tmp_path / "session_id=s1", "part-0.parquet", [0.0]), write_part(tmp_path / "elsewhere", "part-1.parquet", [0.01])]
    assert re.search(r"^session s1: a session's files lie in more than one folder", replay(parts)["error"])
    folder = tmp_path / "session_id=s2"
    parts = [write_part(folder, "part-0.parquet", [0.0]), write_part(folder, "part-1.parquet", [0.01], "250")]
    assert replay(parts)["error"] == f"session s1: {refusal(folder)}"
    # A session folder gone between listing and replaying is named in the error.
    gone = replay([str(tmp_path / "session_id=gone" / "part-0.parquet")])["error"]
    assert re.search(r"^session s1: .*session_id=gone", gone), gone


def test_a_sessions_files_are_read_in_the_order_letdown_replay_reads_them(tmp_path):
    folder = tmp_path / "session_id=s1"
    times = {2: [0.02, 0.03], 10: [0.04], 0: [0.0, 0.01]}
    parts = [write_part(folder, f"part-{n}.parquet", t) for n, t in times.items()]
    (folder / "notes.txt").write_text("not a part of the session")
    write_labels(tmp_path, "onset_s,end_s\n0.01,90\n")
    row = replay(parts, tmp_path)
    assert (row.get("error"), row["rows"], row["gaps"], row["false_negatives"]) == (None, 5, 0, 1)
    assert replay_remotely(tmp_path, parts) == row
    assert replay_fleet.list_sessions(str(tmp_path)) == [("s1", sorted([*parts, str(folder / "notes.txt")]))]


def test_labels_come_from_the_datasets_labels_folder_as_letdown_replay_reads_them(tmp_path):
    part = write_part(tmp_path / "session_id=s1", "part-0.parquet", [0.0, 0.01])
    assert replay([part], tmp_path).get("true_positives") is None, "no label file: not scored"
    write_labels(tmp_path, "onset_s,end_s,visible_s\n0.01,90,\n")
    row = replay([part], tmp_path)
    assert "error" not in row
    assert (row["labels"], row["false_negatives"]) == (1, 1)
    assert replay_remotely(tmp_path, [part]) == row
    write_labels(tmp_path, "onset_s,end_s\n60,abc\n")
    assert re.search(r"^session s1: .*_labels/s1\.labels\.csv: line 2: field end_s: not a number", replay([part], tmp_path)["error"])
    (tmp_path / "_labels" / "s1.labels.csv").unlink()
    write_labels(tmp_path, "", name="s1.labels.csv.gz")
    assert re.search(r"_labels/s1\.labels\.csv\.gz", replay_remotely(tmp_path, [part])["error"])


def test_an_escaped_session_id_finds_its_labels_through_another_filesystem(tmp_path):
    # The folder's name is percent-encoded; the label file is named by the id itself.
    part = write_part(tmp_path / "session_id=a%20b", "part-0.parquet", [0.0, 0.01])
    write_labels(tmp_path, "onset_s,end_s\n0.01,90\n", name="a b.labels.csv")
    here = replay_fleet.replay_session(pyarrow.fs.LocalFileSystem(), str(tmp_path), "a b", [part])
    remote = pyarrow.fs.SubTreeFileSystem(str(tmp_path.parent), pyarrow.fs.LocalFileSystem())
    inside = str(pathlib.Path(part).relative_to(tmp_path.parent))
    far = replay_fleet.replay_session(remote, tmp_path.name, "a b", [inside])
    assert (here.get("error"), here["labels"], here["false_negatives"]) == (None, 1, 1)
    assert far == here


def test_a_dataset_without_sessions_is_refused_before_spark_starts(tmp_path):
    for dataset, reason in ((tmp_path / "nowhere", "cannot list the dataset: FileNotFoundError"), (tmp_path, "no session files")):
        done = subprocess.run(
            [sys.executable, FLEET / "replay_fleet.py", dataset, tmp_path / "out"], capture_output=True, text=True
        )
        assert (done.returncode, done.stdout) == (2, "")
        assert done.stderr.startswith(f"{dataset}: {reason}"), done.stderr

"""Replays a fleet dataset of pumping sessions on Apache Spark, one session at a time on
the workers, and writes the detections and per-session scores back as Parquet.

    python replay_fleet.py DATASET OUT [--master URL] [--partitions N] [--conf KEY=VALUE ...]

DATASET is a Parquet dataset partitioned by session (hive style, as pyarrow and Spark
write it): DATASET/session_id=ID/*.parquet with columns t_s (s since session start,
float64), pressure_mmhg (mmHg, float32) and flow_ml_min (mL/min, float32); a local folder
or any URI pyarrow reads (s3://…, gs://…, hdfs://…). The sample rate is the
`sample_rate_hz` entry (Hz) of each file's key-value metadata: the rate is part of the
recording, and deriving it from t_s would guess wrong across dropouts. A session's labels,
if any, are DATASET/_labels/ID.labels.csv (or .labels.csv.gz; the labels format of
DESIGN §3; pyarrow and Spark skip folders starting with `_` when they read the dataset).
`letdown convert --fleet CSV_DIR DATASET` writes this layout from a folder of CSV
sessions and their labels, and `letdown replay DATASET` reads it.

The driver lists the session folders; Spark spreads the sessions over the workers, and
each worker replays each session folder with `letdown.replay`: the reader, engine loop and
scoring of `letdown replay` itself, so a session gets the same rows, gaps, events, score
and, for a broken file, the same refusal naming the file, row group and row. On a remote
filesystem the folder's files and the session's label file are first copied to a local
scratch folder (removed after the session). The samples never pass through Spark's
shuffle: a grouping of the rows by session_id would move every sample between processes.

OUT/sessions: one row per session: session_id, sample_rate_hz, rows, gaps, missing
(samples), duration_s, the DESIGN §6 score fields of `letdown.replay`'s score (null for a
session without a label file, as `letdown replay` leaves it unscored) and error (null, or why the session could not be replayed: the other sessions
still are, and the job exits with status 2, as `letdown replay` does).
OUT/detections: session_id, sample_index, t_s (s), kind (onset|end), reason and
confidence (0 … 1): the rows `letdown replay --detections-out` writes, at full precision.

The events equal `letdown replay`'s on the same sessions as CSV (tested in CI on a local
cluster).
"""

import argparse
import contextlib
import functools
import os
import sys
import tempfile
import time

import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.fs

import letdown

#: A session file's columns (DESIGN §3), for listing the dataset without opening a file.
COLUMNS = pa.schema([("t_s", pa.float64()), ("pressure_mmhg", pa.float32()), ("flow_ml_min", pa.float32())])
#: The folder of a fleet dataset's label files (what `letdown convert --fleet` writes).
LABELS_DIR = "_labels"
DETECTION = pa.struct(
    [
        ("sample_index", pa.int64()),
        ("t_s", pa.float64()),
        ("kind", pa.string()),
        ("reason", pa.string()),
        ("confidence", pa.float32()),
    ]
)
SCORE_FIELDS = [
    ("labels", pa.int64()),
    ("onsets", pa.int64()),
    ("true_positives", pa.int64()),
    ("false_positives", pa.int64()),
    ("false_negatives", pa.int64()),
    ("duplicates", pa.int64()),
    ("unobservable", pa.int64()),
    ("overlapping", pa.int64()),
    ("overlapping_found", pa.int64()),
    ("first_detected", pa.bool_()),
    ("first_delay_s", pa.float64()),
    ("first_beyond_visible_s", pa.float64()),
]
SESSION = pa.schema(
    [
        ("session_id", pa.string()),
        ("sample_rate_hz", pa.float64()),
        ("rows", pa.int64()),
        ("gaps", pa.int64()),
        ("missing", pa.int64()),
        ("duration_s", pa.float64()),
        *SCORE_FIELDS,
        ("error", pa.string()),
        ("detections", pa.list_(DETECTION)),
    ]
)


def session_folder(paths):
    """The one folder a session's files lie in (its `session_id=ID` folder)."""
    folders = {path.rsplit("/", 1)[0] for path in paths}
    if len(folders) != 1:
        raise ValueError(f"a session's files lie in more than one folder: {sorted(folders)}")
    return folders.pop()


@contextlib.contextmanager
def on_this_machine(filesystem, base, folder, session_id):
    """The folder `folder` of session `session_id` of the dataset at `base` as a local
    path that `letdown.replay` reads, with the dataset's `_labels` folder where it looks;
    and the function that tells an error message's paths as the dataset's. On a local filesystem
    that is the dataset itself; elsewhere (s3://, hdfs://, …) the folder's files and the
    session's label file are copied to a scratch folder, removed afterwards."""
    if isinstance(filesystem, pyarrow.fs.LocalFileSystem):
        yield folder, str
        return
    with tempfile.TemporaryDirectory(prefix="letdown-fleet-") as scratch:
        # The folder's name as it is (percent-encoded); the labels under the decoded id.
        name = folder.rsplit("/", 1)[-1]
        copy = [(info.path, f"{scratch}/{name}/{info.base_name}") for info in files_in(filesystem, folder)]
        for suffix in (".labels.csv", ".labels.csv.gz"):
            labels = f"{base}/{LABELS_DIR}/{session_id}{suffix}"
            if filesystem.get_file_info(labels).type == pyarrow.fs.FileType.File:
                copy.append((labels, f"{scratch}/{LABELS_DIR}/{session_id}{suffix}"))
        for source, target in copy:
            os.makedirs(os.path.dirname(target), exist_ok=True)
            pyarrow.fs.copy_files(source, target, source_filesystem=filesystem)
        yield f"{scratch}/{name}", lambda e: str(e).replace(scratch, base)


def files_in(filesystem, folder):
    """The files directly in `folder` (which of them are the session's is the reader's
    rule, as for a local folder)."""
    infos = filesystem.get_file_info(pyarrow.fs.FileSelector(folder))
    return [info for info in infos if info.type == pyarrow.fs.FileType.File]


def replay_session(filesystem, base, session_id, paths):
    """One session's row of SESSION: the session folder holding `paths` (on `filesystem`,
    in the dataset at `base`) replayed by `letdown.replay`, the reader, engine loop and
    scoring of `letdown replay` (against the dataset's label file, when it has one); a
    session that cannot be replayed gets the reason in its error field, its files and
    line named as `letdown replay` names them."""
    row = {"session_id": session_id, "detections": []}
    shown = str
    try:
        with on_this_machine(filesystem, base, session_folder(paths), session_id) as (local, shown):
            r = letdown.replay(local)
    except (ValueError, OSError, pa.ArrowException) as e:
        row["error"] = f"session {session_id}: {shown(e)}"
        return row
    row.update({k: r[k] for k in ("sample_rate_hz", "rows", "gaps", "missing", "duration_s")})
    row.update(r["score"] or {})
    events = r["events"]
    for i in (events["kind"] != "hint").nonzero()[0]:
        row["detections"].append({name: events[name][i].item() for name in DETECTION.names})
    return row


def replay_batches(batches, root):
    """The worker side of the job: sessions (session_id, files) in, SESSION rows out."""
    filesystem, base = pyarrow.fs.FileSystem.from_uri(root)
    for batch in batches:
        rows = [replay_session(filesystem, base, s["session_id"], s["files"]) for s in batch.to_pylist()]
        yield pa.RecordBatch.from_pylist(rows, schema=SESSION)


def list_sessions(root):
    """(session_id, [file paths]) of every session folder of the dataset at `root`."""
    filesystem, base = pyarrow.fs.FileSystem.from_uri(root)
    partitioning = ds.partitioning(pa.schema([("session_id", pa.string())]), flavor="hive")
    # With the columns given, no file is opened here: which files of a session folder
    # are its parts is the reader's rule, on the worker.
    dataset = ds.dataset(base, filesystem=filesystem, format="parquet", partitioning=partitioning, schema=COLUMNS)
    files = {}
    for fragment in dataset.get_fragments():
        session_id = ds.get_partition_keys(fragment.partition_expression).get("session_id")
        if session_id is None:
            raise ValueError(f"{fragment.path}: not in a session_id=ID folder")
        files.setdefault(session_id, []).append(fragment.path)
    return sorted(files.items())


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dataset", help="the fleet dataset: DATASET/session_id=ID/*.parquet")
    parser.add_argument("out", help="where OUT/sessions and OUT/detections are written (replaced)")
    parser.add_argument("--master", default="local[2]", help="Spark master URL (default: local[2], two cores)")
    parser.add_argument(
        "--partitions",
        type=int,
        default=8,
        help="tasks the sessions are spread over (about 2 to 4 per core of the cluster; default 8)",
    )
    parser.add_argument(
        "--conf",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="any other Spark setting, e.g. spark.executor.memory=4g (repeatable)",
    )
    return parser.parse_args(argv)


def run(spark, args, root, listed):
    """Replays and scores the `listed` sessions of the dataset at `root`; returns the
    job's summary (a Spark Row)."""
    from pyspark.sql import functions as F
    from pyspark.sql.pandas.types import from_arrow_schema

    sessions = spark.createDataFrame(listed, "session_id string, files array<string>")
    replay = functools.partial(replay_batches, root=root)
    results = (
        sessions.repartition(args.partitions).mapInArrow(replay, schema=from_arrow_schema(SESSION)).persist()
    )
    # Each output file is sorted; a total order would cost Spark a sampling pass.
    results.drop("detections").sortWithinPartitions("session_id").write.mode("overwrite").parquet(
        f"{args.out}/sessions"
    )
    detections = results.select("session_id", F.explode("detections").alias("d")).select("session_id", "d.*")
    detections.sortWithinPartitions("session_id", "sample_index").write.mode("overwrite").parquet(
        f"{args.out}/detections"
    )
    sums = [F.sum(name).alias(name) for name in ("rows", "gaps", "true_positives", "false_positives", "false_negatives")]
    summary = results.agg(
        F.count("*").alias("sessions"),
        F.count("error").alias("failed"),
        F.count("labels").alias("scored"),
        F.first("error", ignorenulls=True).alias("first_error"),
        F.sum(F.size("detections")).alias("detections"),
        *sums,
    ).first()
    results.unpersist()
    return summary


def main(argv=None):
    args = parse_args(argv)
    root = args.dataset if "://" in args.dataset else os.path.abspath(args.dataset)
    try:
        listed = list_sessions(root)
    except (OSError, ValueError, pa.ArrowException) as e:
        print(f"{args.dataset}: cannot list the dataset: {type(e).__name__}: {e}", file=sys.stderr)
        return 2
    if not listed:
        print(f"{args.dataset}: no session files (session_id=ID/*.parquet)", file=sys.stderr)
        return 2
    from pyspark.sql import SparkSession

    builder = (
        SparkSession.builder.master(args.master)
        .appName("letdown replay_fleet")
        .config("spark.ui.enabled", "false")
        .config("spark.ui.showConsoleProgress", "false")
        .config("spark.sql.shuffle.partitions", str(args.partitions))
        # Session ids stay text, even when they look like numbers.
        .config("spark.sql.sources.partitionColumnTypeInference.enabled", "false")
    )
    if args.master.startswith("local"):
        # Local workers run on this machine: this interpreter, the one with `letdown`.
        os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    for setting in args.conf:
        key, _, value = setting.partition("=")
        builder = builder.config(key, value)
    spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel("ERROR")
    try:
        start = time.perf_counter()
        s = run(spark, args, root, listed)
        elapsed = time.perf_counter() - start
    finally:
        spark.stop()
    # Sums over no replayed session are null.
    rows, gaps, detections = (s.rows or 0), (s.gaps or 0), (s.detections or 0)
    print(
        f"{s.sessions} sessions, {rows} samples ({gaps} gaps) on {args.master} in {elapsed:.1f} s "
        f"({rows / elapsed / 1e6:.2f} M samples/s): {detections} detections -> {args.out}/detections"
    )
    if s.scored:
        print(
            f"{s.scored} sessions with labels: TP {s.true_positives} FP {s.false_positives} "
            f"FN {s.false_negatives} (summed over them)"
        )
    if s.failed:
        print(f"{s.failed} sessions not replayed (error column of {args.out}/sessions), e.g. {s.first_error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())

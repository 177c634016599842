"""Replays a fleet dataset of pumping sessions on Apache Spark, one session per group on
the workers, and writes the detections and per-session scores back as Parquet.

    python replay_fleet.py DATASET OUT [--labels LABELS] [--master URL] [--partitions N]
                           [--conf KEY=VALUE ...]

DATASET is a Parquet dataset partitioned by session (hive style, as pyarrow and Spark
write it): DATASET/session_id=ID/*.parquet with columns t_s (s since session start,
float64), pressure_mmhg (mmHg, float32) and flow_ml_min (mL/min, float32). The sample rate
is the `sample_rate_hz` entry (Hz) of each file's key-value metadata, read on the worker
from the files its session's rows came from: the rate is part of the recording, and
deriving it from t_s would guess wrong across dropouts. A session's rows are taken in
file-name then file order (Spark's `_metadata.row_index`), so time going backwards in a
file is an error, not silently sorted away.

LABELS (optional) is a Parquet table with columns session_id, onset_s, end_s and
optionally visible_s (s); with it every session is scored (a session without rows there
had no ejection).

OUT/sessions: one row per session: session_id, sample_rate_hz, rows, gaps, missing
(samples), duration_s, the DESIGN §6 score fields of `letdown.score` (null without
LABELS) and error (null, or why the session could not be replayed: the other sessions
still are, and the job exits with status 2, as `letdown replay` does).
OUT/detections: session_id, sample_index, t_s (s), kind (onset|end), reason and
confidence (0 … 1): the rows `letdown replay --detections-out` writes, at full precision.

Each session runs through `letdown.replay_arrays`; its events equal `letdown replay`'s on
the same session as CSV (tested in CI on a local cluster).
"""

import argparse
import functools
import sys
import time

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.fs
import pyarrow.parquet as pq

import letdown

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


def sample_rate_hz(file_uris):
    """The `sample_rate_hz` (Hz) of the files' key-value metadata, which must agree."""
    rates = {}
    for uri in file_uris:
        filesystem, path = pyarrow.fs.FileSystem.from_uri(uri)
        entry = (pq.read_metadata(path, filesystem=filesystem).metadata or {}).get(b"sample_rate_hz")
        if entry is None:
            raise ValueError(f"{uri}: no sample_rate_hz in the file's key-value metadata")
        try:
            rates[uri] = float(entry)
        except ValueError:
            raise ValueError(f"{uri}: sample_rate_hz {entry.decode(errors='replace')!r} is not a number") from None
    if len(set(rates.values())) != 1:
        raise ValueError(f"the session's files disagree on sample_rate_hz: {rates}")
    return next(iter(rates.values()))


def label_rows(labels):
    """A session's labels in time order as (onset_s, end_s[, visible_s]) rows."""
    labels = labels.sort_by("onset_s")
    visible = labels["visible_s"].to_pylist() if "visible_s" in labels.column_names else [None] * labels.num_rows
    return [
        [onset, end] + ([] if seen is None else [seen])
        for onset, end, seen in zip(labels["onset_s"].to_pylist(), labels["end_s"].to_pylist(), visible)
    ]


def replay_group(samples, labels, scored):
    """One session's row of SESSION, from its samples (with file_path and row_index) and
    its labels, both Arrow tables as Spark hands them to a cogrouped Arrow function."""
    if samples.num_rows == 0:
        return SESSION.empty_table()
    row = {"session_id": samples["session_id"][0].as_py(), "detections": []}
    samples = samples.take(pc.sort_indices(samples, [("file_path", "ascending"), ("row_index", "ascending")]))
    try:
        rate = sample_rate_hz(pc.unique(samples["file_path"]).to_pylist())
        r = letdown.replay_arrays(
            samples["t_s"].to_numpy(), samples["pressure_mmhg"].to_numpy(), samples["flow_ml_min"].to_numpy(), rate
        )
        if scored:
            row.update(letdown.score(label_rows(labels), r["onsets_s"], r["duration_s"]))
    except ValueError as e:
        row["error"] = f"session {row['session_id']}: {e}"
        return pa.Table.from_pylist([row], schema=SESSION)
    row.update({k: r[k] for k in ("sample_rate_hz", "rows", "gaps", "missing", "duration_s")})
    events = r["events"]
    for i in (events["kind"] != "hint").nonzero()[0]:
        row["detections"].append({name: events[name][i].item() for name in DETECTION.names})
    return pa.Table.from_pylist([row], schema=SESSION)


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dataset", help="the fleet dataset: DATASET/session_id=ID/*.parquet")
    parser.add_argument("out", help="where OUT/sessions and OUT/detections are written (replaced)")
    parser.add_argument("--labels", help="Parquet table of session_id, onset_s, end_s[, visible_s] (s)")
    parser.add_argument("--master", default="local[2]", help="Spark master URL (default: local[2], two cores)")
    parser.add_argument(
        "--partitions",
        type=int,
        default=8,
        help="groups of sessions the replay is split into (Spark's shuffle partitions; "
        "about 2 to 4 per core of the cluster; default 8)",
    )
    parser.add_argument(
        "--conf",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="any other Spark setting, e.g. spark.executor.memory=4g (repeatable)",
    )
    return parser.parse_args(argv)


def run(spark, args):
    """Replays and scores every session; returns the job's summary (a Spark Row)."""
    from pyspark.sql import functions as F
    from pyspark.sql.pandas.types import from_arrow_schema

    samples = spark.read.option("basePath", args.dataset).parquet(args.dataset).select(
        "session_id",
        "t_s",
        "pressure_mmhg",
        "flow_ml_min",
        F.col("_metadata.file_path").alias("file_path"),
        F.col("_metadata.row_index").alias("row_index"),
    )
    if args.labels:
        labels = spark.read.parquet(args.labels)
    else:
        labels = spark.createDataFrame([], "session_id string, onset_s double, end_s double")
    replay = functools.partial(replay_group, scored=bool(args.labels))
    sessions = (
        samples.groupBy("session_id")
        .cogroup(labels.groupBy("session_id"))
        .applyInArrow(replay, schema=from_arrow_schema(SESSION))
        .persist()
    )
    # Each output file is sorted; a total order would cost Spark a sampling pass.
    sessions.drop("detections").sortWithinPartitions("session_id").write.mode("overwrite").parquet(
        f"{args.out}/sessions"
    )
    detections = sessions.select("session_id", F.explode("detections").alias("d")).select("session_id", "d.*")
    detections.sortWithinPartitions("session_id", "sample_index").write.mode("overwrite").parquet(
        f"{args.out}/detections"
    )
    sums = [F.sum(name).alias(name) for name in ("rows", "gaps", "true_positives", "false_positives", "false_negatives")]
    summary = sessions.agg(
        F.count("*").alias("sessions"),
        F.count("error").alias("failed"),
        F.first("error", ignorenulls=True).alias("first_error"),
        F.sum(F.size("detections")).alias("detections"),
        *sums,
    ).first()
    sessions.unpersist()
    return summary


def main(argv=None):
    args = parse_args(argv)
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
    for setting in args.conf:
        key, _, value = setting.partition("=")
        builder = builder.config(key, value)
    spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel("ERROR")
    try:
        start = time.perf_counter()
        s = run(spark, args)
        elapsed = time.perf_counter() - start
    finally:
        spark.stop()
    print(
        f"{s.sessions} sessions, {s.rows} samples ({s.gaps} gaps) on {args.master} in {elapsed:.1f} s "
        f"({s.rows / elapsed / 1e6:.2f} M samples/s): {s.detections} detections -> {args.out}/detections"
    )
    if args.labels and s.true_positives is not None:
        print(f"TP {s.true_positives} FP {s.false_positives} FN {s.false_negatives} (summed over sessions)")
    if s.failed:
        print(f"{s.failed} sessions not replayed (error column of {args.out}/sessions), e.g. {s.first_error}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())

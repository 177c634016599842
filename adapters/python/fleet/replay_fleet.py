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

The driver lists the session folders; Spark spreads the sessions over
the workers, and each worker reads its sessions' files whole with pyarrow, in the order
`letdown replay` reads them (part-2 before part-10; so time going backwards in a file is
an error, not sorted away), replays each through `letdown.replay_arrays`, and scores it
against its label file (parsed by `letdown.parse_labels`). The samples never pass through Spark's
shuffle: a grouping of the rows by session_id would move every sample between processes.

OUT/sessions: one row per session: session_id, sample_rate_hz, rows, gaps, missing
(samples), duration_s, the DESIGN §6 score fields of `letdown.score` (null for a session without a
label file, as `letdown replay` leaves it unscored) and error (null, or why the session could not be replayed: the other sessions
still are, and the job exits with status 2, as `letdown replay` does).
OUT/detections: session_id, sample_index, t_s (s), kind (onset|end), reason and
confidence (0 … 1): the rows `letdown replay --detections-out` writes, at full precision.

The events equal `letdown replay`'s on the same sessions as CSV (tested in CI on a local
cluster).
"""

import argparse
import functools
import os
import sys
import time

import pyarrow as pa
import pyarrow.dataset as ds
import pyarrow.fs
import pyarrow.parquet as pq

import letdown

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


def part_order(path):
    """The order of a session's files, as `letdown replay` reads them: by name length,
    then name, so that part-2 comes before part-10 (pyarrow numbers the parts)."""
    name = path.rsplit("/", 1)[-1]
    return (len(name), name)


def read_session(filesystem, paths):
    """A session's samples, its files' rows in `part_order` then file order (so time going
    backwards is an error, not sorted away), and the `sample_rate_hz` (Hz) of their
    key-value metadata, on which they must agree."""
    tables, rates = [], {}
    for path in sorted(paths, key=part_order):
        with filesystem.open_input_file(path) as f:
            parquet = pq.ParquetFile(f)
            entry = (parquet.schema_arrow.metadata or {}).get(b"sample_rate_hz")
            if entry is None:
                raise ValueError(f"{path}: no sample_rate_hz in the file's key-value metadata")
            try:
                rates[path] = float(entry)
            except ValueError:
                raise ValueError(f"{path}: sample_rate_hz {entry.decode(errors='replace')!r} is not a number") from None
            tables.append(parquet.read(columns=["t_s", "pressure_mmhg", "flow_ml_min"]))
    if len(set(rates.values())) != 1:
        raise ValueError(f"the session's files disagree on sample_rate_hz: {rates}")
    table = pa.concat_tables(tables)
    return {name: table[name].to_numpy() for name in table.column_names}, next(iter(rates.values()))


def read_labels(filesystem, base, session_id):
    """The session's labels from BASE/_labels/ID.labels.csv (or .labels.csv.gz, when only
    that one is there, as `letdown replay` looks): `None` when it has none."""
    for suffix in (".labels.csv", ".labels.csv.gz"):
        path = f"{base}/{LABELS_DIR}/{session_id}{suffix}"
        if filesystem.get_file_info(path).type == pyarrow.fs.FileType.File:
            with filesystem.open_input_stream(path) as f:
                return letdown.parse_labels(f.read(), path)
    return None


def replay_session(filesystem, base, session_id, paths):
    """One session's row of SESSION: the session read from `paths` on `filesystem`,
    replayed, and scored against its labels when the dataset at `base` has them; a
    session that cannot be replayed gets the reason in its error field."""
    row = {"session_id": session_id, "detections": []}
    try:
        samples, rate = read_session(filesystem, paths)
        r = letdown.replay_arrays(samples["t_s"], samples["pressure_mmhg"], samples["flow_ml_min"], rate)
        labels = read_labels(filesystem, base, session_id)
        if labels is not None:
            row.update(letdown.score(labels, r["onsets_s"], r["duration_s"]))
    except (ValueError, KeyError, OSError, pa.ArrowException) as e:
        row["error"] = f"session {session_id}: {e}"
        return row
    row.update({k: r[k] for k in ("sample_rate_hz", "rows", "gaps", "missing", "duration_s")})
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
    dataset = ds.dataset(base, filesystem=filesystem, format="parquet", partitioning=partitioning)
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
    print(
        f"{s.sessions} sessions, {s.rows} samples ({s.gaps} gaps) on {args.master} in {elapsed:.1f} s "
        f"({s.rows / elapsed / 1e6:.2f} M samples/s): {s.detections} detections -> {args.out}/detections"
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

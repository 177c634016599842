"""Writes a folder of session CSV files as a fleet dataset, the input of replay_fleet.py.

    python csv_to_fleet.py CSV_DIR DATASET [LABELS]

Each NAME.csv becomes DATASET/session_id=NAME/part-0.parquet (hive partitioning, as
pyarrow and Spark write it): columns t_s (s, float64), pressure_mmhg (mmHg, float32) and
flow_ml_min (mL/min, float32), with the file's `# key: value` metadata (sample_rate_hz,
in Hz, among it) as the Parquet file's key-value metadata. The values are those the CSV
reader parses (`letdown.read_session`), so a replay of the dataset and of the folder read
the same numbers. With LABELS, the NAME.labels.csv files beside the sessions go to one
Parquet table of columns session_id, onset_s, end_s and visible_s (s; null where a label
file has no such column); a session without ejections has no rows there.
"""

import argparse
import csv
import pathlib

import pyarrow as pa
import pyarrow.parquet as pq

import letdown

LABEL_SCHEMA = pa.schema(
    [("session_id", pa.string()), ("onset_s", pa.float64()), ("end_s", pa.float64()), ("visible_s", pa.float64())]
)


def session_table(path):
    """The session at `path` as an Arrow table carrying its metadata."""
    s = letdown.read_session(path)
    metadata = dict(s["metadata"], sample_rate_hz=f"{s['sample_rate_hz']:g}")
    table = pa.table(
        {"t_s": s["t_s"], "pressure_mmhg": s["pressure_mmhg"], "flow_ml_min": s["flow_ml_min"]}
    )
    return table.replace_schema_metadata(metadata)


def label_rows(session_id, path):
    """The rows of one NAME.labels.csv, tagged with its session."""
    with open(path, newline="") as f:
        return [
            {
                "session_id": session_id,
                "onset_s": float(row["onset_s"]),
                "end_s": float(row["end_s"]),
                "visible_s": float(row["visible_s"]) if row.get("visible_s") else None,
            }
            for row in csv.DictReader(f)
        ]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("csv_dir", type=pathlib.Path)
    parser.add_argument("dataset", type=pathlib.Path)
    parser.add_argument("labels", type=pathlib.Path, nargs="?")
    args = parser.parse_args()
    sessions = sorted(p for p in args.csv_dir.glob("*.csv") if not p.name.endswith((".labels.csv", ".detections.csv")))
    if not sessions:
        parser.error(f"{args.csv_dir}: no session files (NAME.csv)")
    labels = []
    for path in sessions:
        name = path.name[: -len(".csv")]
        folder = args.dataset / f"session_id={name}"
        folder.mkdir(parents=True, exist_ok=True)
        pq.write_table(session_table(path), folder / "part-0.parquet")
        beside = path.with_name(name + ".labels.csv")
        if args.labels and beside.exists():
            labels += label_rows(name, beside)
    if args.labels:
        pq.write_table(pa.Table.from_pylist(labels, schema=LABEL_SCHEMA), args.labels)
    print(f"{len(sessions)} sessions -> {args.dataset}" + (f", {len(labels)} labels -> {args.labels}" if args.labels else ""))


if __name__ == "__main__":
    main()

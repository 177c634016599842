"""letdown: milk-ejection (letdown) detection on breast-pump pressure and flow samples.

The Rust engine of the `letdown` project for numpy users. Units follow the project's
DESIGN §2: pressure in mmHg (gauge, negative = vacuum), flow in mL/min, time in s since
session start, sample rates in Hz.

Quick start::

    import letdown
    result = letdown.replay("datasets/sessions/sim-typical-s11-timer120-100hz-8min.csv")
    print(result["events"]["t_s"], result["score"])

Every call that runs the engine or reads a file releases the GIL, so threads replay
sessions in parallel.
"""

from __future__ import annotations

import os
from typing import Any, Dict, Iterable, Tuple, Union

import numpy as np

from . import _native

__all__ = [
    "Engine",
    "read_session",
    "read_labels",
    "parse_labels",
    "replay",
    "replay_arrays",
    "simulate",
    "score",
    "score_sessions",
    "EVENT_COLUMNS",
]

PathLike = Union[str, "os.PathLike[str]"]

#: Column names of an events dict, in order (the fields of `letdown replay --events`,
#: the hint's flattened; events without a hint have "" mode and cue, NaN vacuum and rate,
#: ramp_cycles -1).
EVENT_COLUMNS = (
    "sample_index",
    "t_s",
    "kind",
    "reason",
    "confidence",
    "mode",
    "target_vacuum_mmhg",
    "rate_cpm",
    "ramp_cycles",
    "cue",
)

_EVENT_DTYPES = {
    "sample_index": np.uint64,
    "t_s": np.float64,
    "kind": str,
    "reason": str,
    "confidence": np.float32,
    "mode": str,
    "target_vacuum_mmhg": np.float32,
    "rate_cpm": np.float32,
    "ramp_cycles": np.int16,
    "cue": str,
}


def _empty_column(dtype: Any) -> np.ndarray:
    column = np.empty(0, dtype=dtype)
    column.flags.writeable = False
    return column


# Most blocks give no event: their columns are these shared empty (read-only) arrays,
# which spares each such call ten conversions (most of its cost on 10 000 samples).
_NO_EVENTS = {name: _empty_column(_EVENT_DTYPES[name]) for name in EVENT_COLUMNS}


def _event_arrays(columns: Dict[str, list]) -> Dict[str, np.ndarray]:
    """The native event columns (lists) as numpy arrays, ready for `pandas.DataFrame`."""
    if not columns["t_s"]:
        return dict(_NO_EVENTS)
    return {name: np.asarray(columns[name], dtype=_EVENT_DTYPES[name]) for name in EVENT_COLUMNS}


def _channel(values: Any, name: str) -> np.ndarray:
    """`values` as the 1-D contiguous float32 array the engine reads."""
    array = np.ascontiguousarray(values, dtype=np.float32)
    if array.ndim != 1:
        raise ValueError(f"{name}: expected a 1-D array, got shape {array.shape}")
    return array


class Engine:
    """The letdown engine for one stream at `sample_rate_hz` (Hz, 100 … 10 000).

    Keyword arguments change the engine's defaults; they are the fields of the Rust
    `EngineConfig` (e.g. ``max_vacuum_mmhg=-220``, ``fallback_s=150``). A value out of
    range raises ``ValueError`` with the engine's message (field, range, unit); an
    unknown name raises ``TypeError``.
    """

    def __init__(self, sample_rate_hz: float, **config: float) -> None:
        self._engine = _native.Engine(float(sample_rate_hz), **config)

    @property
    def sample_rate_hz(self) -> float:
        """The stream's sample rate, Hz."""
        return self._engine.sample_rate_hz

    @property
    def samples(self) -> int:
        """Samples consumed so far, gaps included (the next sample's index)."""
        return self._engine.samples

    def process(self, pressure: Any, flow: Any) -> Dict[str, np.ndarray]:
        """Runs the next samples, `pressure` (mmHg) and `flow` (mL/min), arrays of one
        length (converted to float32, the engine's precision), and returns the events
        they produced as a dict of numpy columns (`EVENT_COLUMNS`). Call it repeatedly:
        blocks of any length continue one stream."""
        pressure = _channel(pressure, "pressure")
        flow = _channel(flow, "flow")
        if pressure.shape != flow.shape:
            raise ValueError(
                f"pressure and flow differ in length: {pressure.size} and {flow.size} samples"
            )
        return _event_arrays(self._engine.process(pressure, flow))

    def gap(self, missing: int) -> Dict[str, np.ndarray]:
        """Tells the engine that `missing` samples were lost; returns its events."""
        if isinstance(missing, bool) or not isinstance(missing, (int, np.integer)) or missing < 0:
            raise ValueError(f"missing: expected a number of samples >= 0, got {missing!r}")
        return _event_arrays(self._engine.gap(int(missing)))


def _samples(raw: Dict[str, Any]) -> Dict[str, Any]:
    """The native sample columns (little-endian bytes, gap lists) as numpy arrays."""
    gaps = raw["gaps"]
    samples = dict(raw)
    samples.update(
        index=np.frombuffer(raw["index"], dtype="<u8"),
        t_s=np.frombuffer(raw["t_s"], dtype="<f8"),
        pressure_mmhg=np.frombuffer(raw["pressure_mmhg"], dtype="<f4"),
        flow_ml_min=np.frombuffer(raw["flow_ml_min"], dtype="<f4"),
        gaps={
            "start_index": np.asarray(gaps["start_index"], dtype=np.uint64),
            "missing": np.asarray(gaps["missing"], dtype=np.uint64),
            "start_s": np.asarray(gaps["start_s"], dtype=np.float64),
            "before_row": np.asarray(gaps["before_row"], dtype=np.int64),
        },
    )
    return samples


def read_session(path: PathLike) -> Dict[str, Any]:
    """Reads a session file (``NAME.csv`` or ``NAME.csv.gz``, DESIGN §3).

    Returns a dict: ``sample_rate_hz`` (Hz), ``metadata`` (the ``# key: value`` lines),
    numpy columns ``index`` (each row's sample index), ``t_s`` (s), ``pressure_mmhg``
    and ``flow_ml_min`` (float32), and ``gaps``: numpy columns ``start_index``,
    ``missing`` (samples), ``start_s`` and ``before_row`` (rows read before the gap).
    A missing file raises ``FileNotFoundError``; a malformed one ``ValueError`` naming
    file, line, field and reason; one whose columns the machine cannot hold (24 bytes a
    row) ``MemoryError`` naming the rows read (``replay`` streams such a file).
    """
    return _samples(_native.read_session(os.fspath(path)))


def parse_labels(data: bytes, name: str = "<labels>") -> list:
    """Parses the bytes of a label file (the ``NAME.labels.csv`` format, DESIGN §3;
    gzip-compressed when ``name`` ends in ``.gz``) by the rules and with the errors of
    ``letdown replay``: for label files fetched by other means, e.g. from object storage.

    Returns ``(onset_s, end_s, visible_s)`` rows in s (``visible_s`` ``None`` where the
    file has no such column), the form `score` takes. ``name`` only names the file in
    errors: a malformed file raises ``ValueError`` naming file, line, field and reason.
    """
    if name.endswith(".gz"):
        import gzip

        try:
            data = gzip.decompress(data)
        except (OSError, EOFError) as e:
            raise ValueError(f"{name}: {e}") from None
    return _native.parse_labels(bytes(data), name)


def read_labels(path: PathLike) -> list:
    """Reads a label file (``NAME.labels.csv`` or ``NAME.labels.csv.gz``); see
    `parse_labels`. A missing file raises ``FileNotFoundError``."""
    with open(path, "rb") as f:
        return parse_labels(f.read(), os.fspath(path))


def simulate(
    seed: int = 0,
    profile: str = "typical",
    rate_hz: float = 1000.0,
    minutes: float = 15.0,
    program: str = "timer",
    faults: str = "none",
) -> Dict[str, Any]:
    """One session of the project's simulator, in memory: what ``letdown simulate --seed
    SEED --n 1 --profile PROFILE --rate RATE_HZ --minutes MINUTES --program PROGRAM
    --faults FAULTS`` writes (profile relaxed, typical, stressed, no-letdown or mix;
    program timer, timer:S, button or expression-only; faults a comma-separated list).

    Returns `read_session`'s dict (dropouts as gaps) with ``name`` (the file name it
    would get) and ``labels`` (numpy columns ``onset_s``, ``end_s``, ``visible_s``, s).
    An argument out of range raises ``ValueError`` saying why; a session whose columns
    (24 bytes a sample, copied into Python one column at a time) the machine cannot hold
    raises ``MemoryError``, before it is generated where the columns cannot be reserved.
    """
    raw = _native.simulate(int(seed), str(profile), float(rate_hz), float(minutes), str(program), str(faults))
    samples = _samples(raw)
    samples["labels"] = {name: np.asarray(col, dtype=np.float64) for name, col in raw["labels"].items()}
    return samples


def replay(path: PathLike, **config: float) -> Dict[str, Any]:
    """Replays a session file through the engine, the loop ``letdown replay`` runs.

    Keyword arguments are `Engine`'s. Returns a dict: ``sample_rate_hz``, ``rows``,
    ``gaps``, ``missing`` (samples), ``duration_s``, ``onsets_s`` (numpy), ``events``
    (numpy columns) and ``score``: the session's score against ``NAME.labels.csv``
    beside it (see `score`), or None without labels. A missing file raises
    ``FileNotFoundError``; other bad input ``ValueError`` naming file, line, field.
    """
    result = _native.replay(os.fspath(path), **config)
    result["onsets_s"] = np.asarray(result["onsets_s"], dtype=np.float64)
    result["events"] = _event_arrays(result["events"])
    return result


def replay_arrays(t_s: Any, pressure: Any, flow: Any, sample_rate_hz: float, **config: float) -> Dict[str, Any]:
    """Replays one session given as columns (e.g. read from Parquet): row times `t_s` (s
    since session start), `pressure` (mmHg) and `flow` (mL/min), at `sample_rate_hz` (Hz).

    The columns are read as the same session in a file is read, by the tool's own
    reader rules: a row more than one sample period after the previous one follows a gap
    of the samples in between, and a time that goes backwards, a first row after 10 s,
    times that contradict the rate (off by more than half a sample, or every row after a
    gap) or a gap longer than 10 minutes, and a value that is not finite, raise
    ``ValueError`` naming the row (from 0) and column, as `replay` names a file's line. So
    the rows, gaps and events are those `replay` gives for the session written to a file.

    Keyword arguments are `Engine`'s. Returns `replay`'s dict without ``score`` (score it
    with `score`).
    """
    t_s = np.ascontiguousarray(t_s, dtype=np.float64)
    pressure, flow = _channel(pressure, "pressure"), _channel(flow, "flow")
    if not t_s.shape == pressure.shape == flow.shape:
        raise ValueError(f"t_s, pressure and flow differ in length: {t_s.size}, {pressure.size} and {flow.size}")
    result = _native.replay_columns(t_s, pressure, flow, float(sample_rate_hz), **config)
    result["onsets_s"] = np.asarray(result["onsets_s"], dtype=np.float64)
    result["events"] = _event_arrays(result["events"])
    return result


def _label_rows(labels: Any) -> list:
    """Labels as (onset_s, end_s[, visible_s]) rows; a dict of columns is accepted too.
    A ``visible_s`` of ``None`` (as `parse_labels` gives for a label without it) or NaN
    (as `simulate`'s columns give for an ejection never visible) is left out."""
    if isinstance(labels, dict):
        names = ["onset_s", "end_s"] + (["visible_s"] if "visible_s" in labels else [])
        labels = zip(*(labels[n] for n in names))
    return [[float(v) for i, v in enumerate(row) if not (i == 2 and _absent(v))] for row in labels]


def _absent(visible_s: Any) -> bool:
    """Whether a label's ``visible_s`` says "never visible" (None, or NaN in a column)."""
    return visible_s is None or (isinstance(visible_s, (float, np.floating)) and np.isnan(visible_s))


def score_sessions(sessions: Iterable[Tuple[Any, Any, float]]) -> Dict[str, Any]:
    """Scores sessions (DESIGN §6) given as ``(labels, onset_detections_s, duration_s)``.

    Labels are ``(onset_s, end_s[, visible_s])`` rows or a dict of those columns;
    detections are onset times in s (e.g. ``events["t_s"][events["kind"] == "onset"]``).
    Returns ``{"sessions": [...], "aggregate": {...}}``: the figures ``letdown replay``
    prints (first letdown detected, delay and beyond-visible distributions in s, TP, FP,
    FN, precision, recall, F1, false alarms per hour; ``overlapping`` and
    ``overlapping_found``: the labels whose ejection began while an earlier one still
    flowed, and how many of them were found). Bad input raises ``ValueError``.
    """
    rows = [
        (_label_rows(labels), [float(t) for t in np.asarray(onsets, dtype=np.float64)], float(duration_s))
        for labels, onsets, duration_s in sessions
    ]
    return _native.score_sessions(rows)


def score(labels: Any, detections: Any, duration_s: float) -> Dict[str, Any]:
    """Scores one session (see `score_sessions`): its counts and first-letdown delays,
    with its precision, recall, F1 and false alarms per hour."""
    result = score_sessions([(labels, detections, duration_s)])
    merged = dict(result["sessions"][0])
    for figure in ("precision", "recall", "f1", "false_alarms_per_hour"):
        merged[figure] = result["aggregate"][figure]
    return merged

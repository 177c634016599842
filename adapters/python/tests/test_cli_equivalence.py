"""The package gives what the command-line tool gives: the same events, field by field,
and the same scores, on the bundled sessions."""

import gzip
import json
import re
import subprocess
from collections import defaultdict

import numpy as np

import letdown


def cli_replay(cli, paths, tmp_path):
    """Runs `letdown replay --events`; returns (events per session name, stdout)."""
    events_file = tmp_path / "events.jsonl"
    out = subprocess.run(
        [cli, "replay", "--quiet", "--events", events_file, *paths],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    per_session = defaultdict(list)
    for line in events_file.read_text().splitlines():
        event = json.loads(line)
        per_session[event["session"]].append(event)
    return per_session, out


def as_columns(cli_events):
    """CLI JSON events as the package's columns (hint flattened, as EVENT_COLUMNS says)."""
    def hint(e, field, none):
        return none if e["hint"] is None else e["hint"][field]

    return {
        "sample_index": [e["sample_index"] for e in cli_events],
        "t_s": [e["t_s"] for e in cli_events],
        "kind": [e["kind"] for e in cli_events],
        "reason": [e["reason"] for e in cli_events],
        "confidence": [e["confidence"] for e in cli_events],
        "mode": [hint(e, "mode", "") for e in cli_events],
        "target_vacuum_mmhg": [hint(e, "target_vacuum_mmhg", np.nan) for e in cli_events],
        "rate_cpm": [hint(e, "rate_cpm", np.nan) for e in cli_events],
        "ramp_cycles": [hint(e, "ramp_cycles", -1) for e in cli_events],
        "cue": [hint(e, "cue", None) or "" for e in cli_events],
    }


def labels_beside(path):
    """The rows of NAME.labels.csv beside session `path` (header skipped)."""
    text = (path.parent / (path.name[: -len(".csv")] + ".labels.csv")).read_text()
    return [[float(v) for v in line.split(",")] for line in text.splitlines()[1:] if line]


def assert_same_events(ours, cli_events):
    theirs = as_columns(cli_events)
    assert len(ours["t_s"]) == len(cli_events) > 0
    for name in letdown.EVENT_COLUMNS:
        expected = np.asarray(theirs[name], dtype=ours[name].dtype)
        np.testing.assert_array_equal(ours[name], expected, err_msg=name)


def engine_over(session, chunk=None):
    """Events of an `Engine` fed a `read_session` result, rows and gaps in file order,
    in blocks of `chunk` rows (None: each stretch between gaps at once)."""
    engine = letdown.Engine(session["sample_rate_hz"])
    p, f = session["pressure_mmhg"], session["flow_ml_min"]
    bounds = list(session["gaps"]["before_row"]) + [len(p)]
    parts, start = [], 0
    for i, end in enumerate(bounds):
        step = chunk or max(end - start, 1)
        for lo in range(start, end, step):
            parts.append(engine.process(p[lo : min(lo + step, end)], f[lo : min(lo + step, end)]))
        if i < len(bounds) - 1:
            parts.append(engine.gap(int(session["gaps"]["missing"][i])))
        start = end
    return {name: np.concatenate([part[name] for part in parts]) for name in letdown.EVENT_COLUMNS}


def test_replay_and_engine_give_the_cli_events(cli, sessions, tmp_path):
    cli_events, _ = cli_replay(cli, sessions, tmp_path)
    assert len(cli_events) == len(sessions)
    gaps_seen = 0
    for path in sessions:
        name = path.name[: -len(".csv")]
        assert_same_events(letdown.replay(path)["events"], cli_events[name])
        session = letdown.read_session(path)
        gaps_seen += len(session["gaps"]["missing"])
        assert_same_events(engine_over(session), cli_events[name])
        # Blocks of any length continue one stream: nothing depends on the split.
        assert_same_events(engine_over(session, chunk=777), cli_events[name])
    # The fault session's dropout is a reported gap, so `gap` is exercised.
    assert gaps_seen >= 1


def test_scores_are_the_cli_figures(cli, sessions, tmp_path):
    _, out = cli_replay(cli, sessions, tmp_path)
    replays = [letdown.replay(p) for p in sessions]
    inputs = []
    for path, r in zip(sessions, replays):
        inputs.append((labels_beside(path), r["onsets_s"], r["duration_s"]))
    result = letdown.score_sessions(inputs)
    agg = result["aggregate"]
    # Per session, the scores `replay` attaches are these.
    for r, s in zip(replays, result["sessions"]):
        assert r["score"] == s
    m = re.search(r"TP (\d+) FP (\d+) FN (\d+) \((\d+) duplicates\); precision ([\d.]+), "
                  r"recall ([\d.]+), F1 ([\d.]+)", out)
    assert m, out
    assert (agg["true_positives"], agg["false_positives"], agg["false_negatives"], agg["duplicates"]) == tuple(
        int(x) for x in m.groups()[:4]
    )
    assert [f"{agg[k]:.3f}" for k in ("precision", "recall", "f1")] == list(m.groups()[4:])
    m = re.search(r"begun while an earlier one still flowed: found (\d+)/(\d+) ", out)
    assert m, out
    assert (agg["overlapping_found"], agg["overlapping"]) == (int(m[1]), int(m[2]))
    m = re.search(r"detected (\d+)/(\d+) .*delay median ([\d.]+) s, p95 ([\d.]+) s, max ([\d.]+) s", out)
    assert m, out
    assert (agg["first_detected"], agg["letdown_sessions"]) == (int(m[1]), int(m[2]))
    delay = agg["first_delay_s"]
    assert [f"{delay[k]:.3f}" for k in ("median", "p95", "max")] == [m[3], m[4], m[5]]
    m = re.search(r"false alarms: ([\d.]+) per hour", out)
    assert f"{agg['false_alarms_per_hour']:.2f}" == m[1]


def test_one_session_score_matches_its_replay(sessions):
    r = letdown.replay(sessions[-1])
    s = letdown.score(labels_beside(sessions[-1]), r["onsets_s"], r["duration_s"])
    assert {k: s[k] for k in r["score"]} == r["score"]
    tp, fp, fn = s["true_positives"], s["false_positives"], s["false_negatives"]
    assert s["f1"] == 2 * tp / (2 * tp + fp + fn)


def test_simulate_is_the_cli_simulator(cli, tmp_path):
    args = dict(seed=5, profile="stressed", rate_hz=250, minutes=3, program="button", faults="dropout,spikes")
    subprocess.run(
        [cli, "simulate", "--out", tmp_path, "--n", "1", "--seed", "5", "--profile", "stressed",
         "--rate", "250", "--minutes", "3", "--program", "button", "--faults", "dropout,spikes"],
        check=True,
        capture_output=True,
    )
    ours = letdown.simulate(**args)
    path = tmp_path / (ours["name"] + ".csv")
    theirs = letdown.read_session(path)
    assert len(theirs["gaps"]["missing"]) >= 1, "dropouts are gaps"
    for name in ("index", "t_s", "pressure_mmhg", "flow_ml_min"):
        np.testing.assert_array_equal(ours[name], theirs[name], err_msg=name)
    for name in ("start_index", "missing", "before_row"):
        np.testing.assert_array_equal(ours["gaps"][name], theirs["gaps"][name], err_msg=name)
    assert ours["metadata"] == theirs["metadata"]
    # Labels are written with 6 decimals.
    labels = np.asarray(labels_beside(path))
    assert labels.shape == (len(ours["labels"]["onset_s"]), 3) and labels.shape[0] >= 1
    for i, name in enumerate(("onset_s", "end_s", "visible_s")):
        np.testing.assert_allclose(ours["labels"][name], labels[:, i], rtol=0, atol=5e-7, err_msg=name)
    # And the engine on it gives what `replay` gives on the file.
    assert_same_events(engine_over(ours), cli_replay(cli, [path], tmp_path)[0][ours["name"]])


def test_replay_arrays_gives_the_cli_events(cli, sessions, tmp_path):
    cli_events, _ = cli_replay(cli, sessions, tmp_path)
    gaps = 0
    for path in sessions:
        s = letdown.read_session(path)
        r = letdown.replay_arrays(s["t_s"], s["pressure_mmhg"], s["flow_ml_min"], s["sample_rate_hz"])
        assert_same_events(r["events"], cli_events[path.name[: -len(".csv")]])
        whole = letdown.replay(path)
        assert {k: r[k] for k in ("rows", "gaps", "missing", "duration_s")} == {
            k: whole[k] for k in ("rows", "gaps", "missing", "duration_s")
        }
        np.testing.assert_array_equal(r["onsets_s"], whole["onsets_s"])
        gaps += r["gaps"]
    assert gaps >= 1, "the fault session's dropouts are gaps"


def test_read_labels_gives_the_labels_replay_scores_against(sessions, tmp_path):
    for path in sessions:
        labels_path = path.with_name(path.name[: -len(".csv")] + ".labels.csv")
        rows = letdown.read_labels(labels_path)
        assert [list(r[:2]) for r in rows] == [r[:2] for r in labels_beside(path)]
        r = letdown.replay(path)
        s = letdown.score(rows, r["onsets_s"], r["duration_s"])
        assert {k: s[k] for k in r["score"]} == r["score"], path.name
    # The gzip-compressed form gives the same rows.
    packed = tmp_path / "s.labels.csv.gz"
    packed.write_bytes(gzip.compress(labels_path.read_bytes()))
    assert letdown.read_labels(packed) == rows


def test_simulated_labels_score_as_they_are_even_never_visible_ones():
    sim = letdown.simulate(seed=5, profile="typical", rate_hz=100, minutes=15)
    never = np.isnan(sim["labels"]["visible_s"])
    assert never.any(), "an ejection never visible at the sensor (NaN visible_s)"
    s = letdown.score(sim["labels"], [], 900.0)
    assert (s["labels"], s["unobservable"]) == (never.size, int(never.sum()))


def test_engine_event_times_divide_by_the_rate_as_given():
    # 333.3 Hz is no f32: the engine's own copy of the rate is another number.
    sim = letdown.simulate(seed=1, profile="relaxed", rate_hz=333.3, minutes=4)
    engine = letdown.Engine(sim["sample_rate_hz"])
    events = engine.process(sim["pressure_mmhg"], sim["flow_ml_min"])
    assert events["t_s"].size >= 1
    np.testing.assert_array_equal(events["t_s"], events["sample_index"] / sim["sample_rate_hz"])

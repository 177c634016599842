"""Parquet sessions from Python: `read_session` and `replay` open NAME.parquet files and
fleet session folders (written by `letdown convert`) through the reader they use for
CSV, and give the same samples, events and scores as from the CSV files."""

import subprocess

import numpy as np
import pytest

import letdown


@pytest.fixture(scope="module")
def converted(cli, sessions, tmp_path_factory):
    """The bundled sessions as NAME.parquet files and as a fleet dataset (labels copied)."""
    root = tmp_path_factory.mktemp("parquet")
    folder = sessions[0].parent
    for target, extra in [(root / "files", []), (root / "fleet", ["--fleet"])]:
        subprocess.run([cli, "convert", folder, target, *extra], check=True, capture_output=True)
    return root


def parquet_copies(converted, csv):
    name = csv.name.removesuffix(".csv")
    folder = "session_id=" + "".join(
        c if c.isalnum() or c in "-._~" else f"%{ord(c):02X}" for c in name
    )
    return [converted / "files" / f"{name}.parquet", converted / "fleet" / folder]


def test_read_session_gives_the_csv_samples_exactly(converted, sessions):
    for csv in sessions:
        expected = letdown.read_session(csv)
        for path in parquet_copies(converted, csv):
            got = letdown.read_session(path)
            assert got["sample_rate_hz"] == expected["sample_rate_hz"]
            assert got["metadata"] == expected["metadata"]
            for key in ["index", "pressure_mmhg", "flow_ml_min"]:
                np.testing.assert_array_equal(np.asarray(got[key]), np.asarray(expected[key]))
            for key in ["start_index", "missing"]:
                assert list(got["gaps"][key]) == list(expected["gaps"][key]), path


def test_replay_gives_the_csv_events_and_scores(converted, sessions):
    for csv in sessions:
        expected = letdown.replay(csv)
        for path in parquet_copies(converted, csv):
            got = letdown.replay(path)
            np.testing.assert_array_equal(np.asarray(got["onsets_s"]), np.asarray(expected["onsets_s"]))
            assert (got["rows"], got["gaps"], got["missing"]) == (
                expected["rows"],
                expected["gaps"],
                expected["missing"],
            )
            for column, values in expected["events"].items():
                np.testing.assert_array_equal(np.asarray(got["events"][column]), np.asarray(values))
            assert got["score"] is not None, f"{path}: labels found beside the Parquet copy"
            np.testing.assert_equal(got["score"], expected["score"])


def test_a_damaged_parquet_file_raises_a_value_error_naming_it(converted, sessions, tmp_path):
    good = parquet_copies(converted, sessions[0])[0]
    cut = tmp_path / "cut.parquet"
    cut.write_bytes(good.read_bytes()[:-100])
    with pytest.raises(ValueError, match=r"cut\.parquet: malformed Parquet"):
        letdown.read_session(cut)

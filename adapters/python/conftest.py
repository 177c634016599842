"""Shared fixtures of the package's tests (tests/) and the fleet job's (fleet/tests/): the
repository's bundled sessions and the `letdown` command-line tool whose results they
must reproduce."""

import os
import pathlib

import pytest

REPO = pathlib.Path(__file__).resolve().parents[2]
SESSIONS = REPO / "datasets" / "sessions"


@pytest.fixture(scope="session")
def sessions():
    """The bundled session files (NAME.csv), sorted; there are six, never none."""
    files = sorted(p for p in SESSIONS.glob("*.csv") if not p.name.endswith(".labels.csv"))
    assert len(files) == 6, f"expected the 6 bundled sessions in {SESSIONS}, found {len(files)}"
    return files


@pytest.fixture(scope="session")
def cli():
    """The release build of `letdown` (LETDOWN_CLI, or target/release/letdown); built
    by `cargo build --release -p letdown-cli --bin letdown`."""
    path = pathlib.Path(os.environ.get("LETDOWN_CLI", REPO / "target" / "release" / "letdown"))
    assert path.is_file(), f"{path}: no letdown binary; build it with cargo build --release"
    return path

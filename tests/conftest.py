"""Shared fixtures: the repository's seeds, PolNeAR (skipped when absent), the CLI in a subprocess."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
SEEDS_DIR = REPO_ROOT / "seeds"


def polnear_root() -> Path:
    configured = os.environ.get("ANNOTATOR_POLNEAR_DIR")
    return Path(configured) if configured else REPO_ROOT.parent / "shared" / "data" / "polnear"


@pytest.fixture(scope="session")
def polnear_dir() -> Path:
    root = polnear_root()
    if not (root / "dev" / "text").is_dir():
        pytest.skip(
            f"PolNeAR not found at {root}: set ANNOTATOR_POLNEAR_DIR to the folder holding "
            "train/, dev/ and annotator-training/"
        )
    return root


@pytest.fixture(scope="session")
def seeds_dir() -> Path:
    return SEEDS_DIR


def run_cli(*args: str | Path, cwd: Path | None = None, input: str | None = None) -> subprocess.CompletedProcess:
    """Run ``python -m annotator`` as a user would, in a subprocess."""
    env = dict(os.environ)
    env.pop("ANNOTATOR_DEBUG", None)
    env["PYTHONPATH"] = str(REPO_ROOT) + os.pathsep + env.get("PYTHONPATH", "")
    return subprocess.run(
        [sys.executable, "-m", "annotator", *map(str, args)],
        cwd=cwd or REPO_ROOT,
        env=env,
        capture_output=True,
        text=True,
        input=input,
        timeout=300,
    )


@pytest.fixture
def cli():
    return run_cli


@pytest.fixture(scope="session")
def suggester_nlp():
    """The suggester's pipeline, built once per test session."""
    from annotator.suggest.pipeline import build_pipeline

    return build_pipeline("rules")


@pytest.fixture(scope="session")
def suggest_one(suggester_nlp):
    """Document -> its suggestion record, through the session's pipeline."""
    from annotator.suggest import record_from_suggestions

    def run(document):
        doc = suggester_nlp(document.text)
        return record_from_suggestions(document, doc._.attributions or [])

    return run


@pytest.fixture(scope="session")
def pg_server():
    """A private PostgreSQL server for this test process (tests/pg_support.py)."""
    from pg_support import session_server

    yield from session_server()


@pytest.fixture
def pg_url(pg_server) -> str:
    """A fresh database on the private server, for one test."""
    return pg_server.create_database()

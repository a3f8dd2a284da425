"""Finding PolNeAR and importing one of its compartments once per test session.

PolNeAR is never copied into the repository; tests that need it skip, saying why,
when it is absent. Set ANNOTATOR_POLNEAR_DIR to the folder holding train/, dev/ and
annotator-training/ when it is not at ../shared/data/polnear from the repository root.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent


def polnear_root() -> Path:
    configured = os.environ.get("ANNOTATOR_POLNEAR_DIR")
    if configured:
        return Path(configured)
    # The repository root, or a worktree one level further down (/work/wt/NAME).
    for base in (REPO_ROOT.parent, REPO_ROOT.parent.parent):
        candidate = base / "shared" / "data" / "polnear"
        if candidate.is_dir():
            return candidate
    return REPO_ROOT.parent / "shared" / "data" / "polnear"


def require_compartment(name: str) -> Path:
    folder = polnear_root() / name
    if not (folder / "text").is_dir():
        pytest.skip(
            f"PolNeAR {name} not found at {folder}: set ANNOTATOR_POLNEAR_DIR to the folder "
            "holding train/, dev/ and annotator-training/"
        )
    return folder


def run_cli(*args, cwd: Path | None = None, input: str | None = None) -> subprocess.CompletedProcess:
    """``python -m annotator`` in a subprocess, as a user would run it."""
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


def import_compartment(name: str, target: Path) -> tuple[Path, Path]:
    """(corpus JSONL, folder of one journal per annotator) for a PolNeAR compartment."""
    folder = require_compartment(name)
    corpus, journals = target / f"{name}.jsonl", target / f"{name}-ann"
    result = run_cli("import", folder, "--format", "brat", "-o", corpus, "--annotations-out", journals)
    assert result.returncode == 0, result.stderr
    return corpus, journals


def run_in_process(*args) -> subprocess.CompletedProcess:
    """The CLI called in this process (fast: spaCy and the models load once per test run).

    Same entry point and error handling as ``python -m annotator``; tests that check what
    a user sees on the terminal (one-line errors, exit codes) use ``run_cli`` instead.
    """
    import contextlib
    import gc
    import io

    from annotator.cli import main

    out_bytes, err_bytes = io.BytesIO(), io.BytesIO()
    out = io.TextIOWrapper(out_bytes, encoding="utf-8", write_through=True)
    err = io.TextIOWrapper(err_bytes, encoding="utf-8", write_through=True)
    code = 0
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        try:
            main([str(arg) for arg in args])
        except SystemExit as exit:
            code = exit.code if isinstance(exit.code, int) else (0 if exit.code is None else 1)
        finally:
            gc.enable()  # the reporting commands switch collection off for speed
    out.flush()
    err.flush()
    return subprocess.CompletedProcess(
        list(map(str, args)), code, out_bytes.getvalue().decode("utf-8"), err_bytes.getvalue().decode("utf-8")
    )

"""The other tools' own code for the interop tests: a venv of its own built by
``.ci/interop.sh`` (Label Studio's SDK, BRAT's server code), because their pins clash with
ours. Tests that need it skip, saying how to build it, when it is absent.
Set ANNOTATOR_INTEROP_PYTHON to use another interpreter that has them."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent
SCRIPTS = Path(__file__).resolve().parent / "interop"


def interop_python(module: str) -> Path:
    """The interop venv's python when it can import ``module``; else the test skips."""
    python = Path(os.environ.get("ANNOTATOR_INTEROP_PYTHON") or REPO_ROOT / ".venv-interop" / "bin" / "python")
    if not python.exists():
        pytest.skip(f"no interop venv at {python}: run .ci/interop.sh to build it")
    found = subprocess.run([str(python), "-c", f"import {module}"], capture_output=True, text=True, timeout=120)
    if found.returncode != 0:
        pytest.skip(f"{module} is not installed in {python}: run .ci/interop.sh")
    return python


def run_script(module: str, script: str, *args) -> dict:
    """Run tests/interop/SCRIPT under the interop python; its JSON output."""
    python = interop_python(module)
    result = subprocess.run(
        [str(python), str(SCRIPTS / script), *map(str, args)], capture_output=True, text=True, timeout=600
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])

#!/usr/bin/env bash
# Static checks: lint and import order (ruff), types (mypy), DESIGN.md's layers
# (import-linter). Configured in pyproject.toml; the tools come with the dev extra.
# Called from .ci/run before the tests: a failure fails CI.
set -uo pipefail
cd "$(dirname "$0")/.."
if [ ! -x .venv/bin/ruff ]; then
    python3 -m venv .venv && .venv/bin/pip install -q -e ".[dev]" || exit 1
fi
status=0
.venv/bin/ruff check annotator tests benchmarks || status=1
.venv/bin/mypy annotator || status=1
.venv/bin/lint-imports || status=1
exit $status

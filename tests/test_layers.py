"""Layering: nothing outside annotator/tui/ imports textual (DESIGN.md)."""

from __future__ import annotations

import subprocess
import sys

from conftest import REPO_ROOT


def headless_modules() -> list[str]:
    package = REPO_ROOT / "annotator"
    modules = []
    for path in sorted(package.rglob("*.py")):
        relative = path.relative_to(REPO_ROOT).with_suffix("")
        parts = list(relative.parts)
        if "tui" in parts or parts[-1] == "__main__":
            continue
        if parts[-1] == "__init__":
            parts = parts[:-1]
        modules.append(".".join(parts))
    return modules


def test_headless_modules_do_not_import_textual():
    modules = headless_modules()
    assert "annotator.store" in modules and "annotator.cli" in modules
    script = (
        "import importlib, sys\n"
        f"for name in {modules!r}:\n"
        "    importlib.import_module(name)\n"
        "leaked = sorted(m for m in sys.modules if m == 'textual' or m.startswith('textual.'))\n"
        "print(','.join(leaked))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=REPO_ROOT, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "", f"textual imported by headless modules: {result.stdout}"

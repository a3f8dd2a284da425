"""The README's two commands are the ones CI and users run."""

from __future__ import annotations

import re

from conftest import REPO_ROOT


def readme_commands() -> list[str]:
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Two commands", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```sh\n(.+?)\n```", section)


def test_readme_has_exactly_two_commands_and_ci_runs_the_test_one():
    open_app, run_tests = readme_commands()
    assert open_app.endswith("annotator annotate")
    assert "pytest" in run_tests
    ci = (REPO_ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    assert run_tests in ci

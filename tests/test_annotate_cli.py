"""``annotator annotate`` refuses bad input in one line, before the app starts."""

from __future__ import annotations

import subprocess
import sys

from tui_data import ROOT


def run(*args: str, env_user: str | None = "tester"):
    import os

    env = dict(os.environ)
    if env_user is None:
        env.pop("USER", None)
    else:
        env["USER"] = env_user
    return subprocess.run([sys.executable, "-m", "annotator", "annotate", *args], cwd=ROOT,
                          capture_output=True, text=True, env=env, timeout=60)


def test_missing_corpus(tmp_path):
    result = run(str(tmp_path / "nothere"), "--annotations", str(tmp_path))
    assert result.returncode == 1
    assert result.stderr.strip().endswith("no such file or folder")
    assert "Traceback" not in result.stderr


def test_bad_annotator_name(tmp_path):
    result = run("--annotator", "../escape", "--annotations", str(tmp_path))
    assert result.returncode == 1 and "annotator name" in result.stderr


def test_unknown_binding_id_in_keymap(tmp_path):
    keys = tmp_path / "keys.toml"
    keys.write_text('[keys]\nacept = "y"\n', encoding="utf-8")
    result = run("--keys", str(keys), "--annotations", str(tmp_path))
    assert result.returncode == 1
    assert "unknown binding id(s): acept" in result.stderr and "accept" in result.stderr


def test_missing_suggestions_file(tmp_path):
    result = run("--suggestions", str(tmp_path / "none.jsonl"), "--annotations", str(tmp_path))
    assert result.returncode == 1 and "no such file" in result.stderr


def test_an_ascii_only_terminal_gets_one_line_saying_what_to_set(tmp_path):
    import os

    env = dict(os.environ, USER="tester", PYTHONIOENCODING="ascii", LC_ALL="C", TERM="vt100")
    result = subprocess.run([sys.executable, "-m", "annotator", "annotate", "seeds", "--no-suggestions",
                             "--annotations", str(tmp_path / "annotations")], cwd=ROOT, capture_output=True,
                            env=env, timeout=60, check=False)
    err = result.stderr.decode("ascii")  # nothing the terminal cannot show
    assert result.returncode != 0 and "Traceback" not in err and "internal error" not in err
    expected = ("annotator: error: the terminal's encoding is ascii, but the app needs UTF-8: run it with "
                "LANG=C.UTF-8 (or PYTHONIOENCODING=utf-8) in a terminal that shows UTF-8")
    assert err.strip().splitlines() == [expected]
    assert not (tmp_path / "annotations").exists()  # refused before anything was written

"""The CLI as a demanding user meets it: hostile files, hostile text, odd output paths.

Every bad input must give one line naming the file (and line) and the problem, a
non-zero exit and no output or temporary file; text from user files (ids, annotator
names, keys, titles) is data: never rich markup, never terminal escape sequences.
Runs ``annotator.cli.main`` in process, as the console script does.
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
import threading
from pathlib import Path

import pytest

from annotator.cli import main

ESCAPES = "\x1b]0;pwned\x07\x1b[2J"
TEXT = "Officials said the camps are voluntary. Nobody else spoke."


def run(capsys, *argv) -> tuple[int, str, str]:
    """(exit code, stdout, stderr) of ``annotator ARGV``."""
    try:
        main([str(arg) for arg in argv])
        code = 0
    except SystemExit as exit_:
        code = exit_.code if isinstance(exit_.code, int) else (0 if exit_.code is None else 1)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def write_jsonl(path: Path, values) -> Path:
    path.write_text("".join(json.dumps(value) + "\n" for value in values), encoding="utf-8")
    return path


def corpus_of(path: Path, ids, text: str = TEXT) -> Path:
    return write_jsonl(path, [{"id": doc_id, "text": text + " " + doc_id} for doc_id in ids])


def journal_of(path: Path, annotator: str, ids, text: str = TEXT) -> Path:
    records = []
    for doc_id in ids:
        full = text + " " + doc_id
        records.append({
            "schema_version": 1, "doc_id": doc_id, "annotator": annotator, "status": "done",
            "updated_at": "2026-01-01T00:00:00Z", "text_sha1": hashlib.sha1(full.encode()).hexdigest(),
            "attributions": [{"id": "a1", "content": {"start": 15, "end": 38, "text": full[15:38]}}],
        })
    return write_jsonl(path, records)


def leftovers(folder: Path) -> list[str]:
    return sorted(path.name for path in folder.iterdir() if path.name.startswith("."))


# ---------------------------------------------------------------- output paths


def test_output_path_that_is_a_folder_is_named_not_a_temp_file(tmp_path, capsys):
    corpus = corpus_of(tmp_path / "c.jsonl", ["d1"])
    (tmp_path / "out").mkdir()
    code, _, err = run(capsys, "import", corpus, "-o", tmp_path / "out")
    assert code == 1
    assert err.strip() == f"annotator: error: {tmp_path / 'out'}: is a folder, expected a file name to write"
    assert leftovers(tmp_path) == []


def test_output_through_a_symlink_keeps_the_link(tmp_path, capsys):
    corpus = corpus_of(tmp_path / "c.jsonl", ["d1"])
    target = tmp_path / "real.jsonl"
    target.write_text("old\n")
    (tmp_path / "link.jsonl").symlink_to(target.name)
    code, _, err = run(capsys, "import", corpus, "-o", tmp_path / "link.jsonl")
    assert code == 0, err
    assert (tmp_path / "link.jsonl").is_symlink()
    assert json.loads(target.read_text())["id"] == "d1"


def test_output_to_a_pipe_writes_into_it_and_leaves_the_pipe(tmp_path, capsys):
    # As with -o /dev/stdout: renaming a temp file over a device or pipe would replace
    # the node itself (run as root, -o /dev/null once replaced /dev/null).
    corpus = corpus_of(tmp_path / "c.jsonl", ["d1"])
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    received: list[bytes] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()), daemon=True)
    reader.start()
    code, _, err = run(capsys, "import", corpus, "-o", fifo)
    if stat.S_ISFIFO(fifo.lstat().st_mode):
        reader.join(timeout=10)
    else:  # the pipe was replaced: unblock the reader's open() of the old node
        pytest.fail("the output pipe was replaced by a regular file")
    assert code == 0, err
    assert received and json.loads(received[0])["id"] == "d1"


def test_new_output_files_are_readable_by_the_team(tmp_path, capsys):
    # mkstemp creates 0600 files: a corpus or export only its writer could read.
    corpus = corpus_of(tmp_path / "c.jsonl", ["d1"])
    old = os.umask(0o022)
    try:
        code, _, err = run(capsys, "import", corpus, "-o", tmp_path / "out.jsonl")
    finally:
        os.umask(old)
    assert code == 0, err
    assert stat.S_IMODE((tmp_path / "out.jsonl").stat().st_mode) == 0o644
    (tmp_path / "out.jsonl").chmod(0o640)
    run(capsys, "import", corpus, "-o", tmp_path / "out.jsonl")
    assert stat.S_IMODE((tmp_path / "out.jsonl").stat().st_mode) == 0o640  # kept on replace


# ---------------------------------------------------------------- untrusted text


def test_escape_sequences_in_a_key_never_reach_the_terminal(tmp_path, capsys):
    bad = write_jsonl(tmp_path / "c.jsonl", [{"id": "d1", "text": "x", ESCAPES: 1}])
    code, out, err = run(capsys, "validate", bad)
    assert code == 1 and "\x1b" not in out + err and "\x07" not in out + err
    assert f"{bad}:1: \\x1b]0;pwned\\x07\\x1b[2J: Extra inputs are not permitted" in out
    code, out, err = run(capsys, "import", bad, "-o", tmp_path / "out.jsonl")
    assert code == 1 and "\x1b" not in err and err.count("\n") == 1
    assert not (tmp_path / "out.jsonl").exists()


@pytest.mark.parametrize("name", ["[/]", "[bold red]x", "[@click=app.quit]q", ESCAPES])
def test_evaluate_prints_annotator_names_as_text(tmp_path, capsys, name):
    corpus = corpus_of(tmp_path / "c.jsonl", ["d1", "d2"])
    pred = journal_of(tmp_path / "pred.jsonl", name, ["d1", "d2"])
    gold = journal_of(tmp_path / "gold.jsonl", "bob", ["d1", "d2"])
    code, out, err = run(capsys, "evaluate", pred, gold, "--corpus", corpus, "--bootstrap", "0")
    assert code == 0, err
    assert "\x1b" not in out
    if "\x1b" not in name:
        assert f"predicted: {name} (2)" in " ".join(out.split())  # rich may wrap the line


def test_evaluate_refuses_an_empty_prediction_file(tmp_path, capsys):
    corpus = corpus_of(tmp_path / "c.jsonl", ["d1"])
    gold = journal_of(tmp_path / "gold.jsonl", "bob", ["d1"])
    (tmp_path / "pred.jsonl").write_text("")
    code, out, err = run(capsys, "evaluate", tmp_path / "pred.jsonl", gold, "--corpus", corpus)
    assert code == 1 and out == ""
    assert f"{tmp_path / 'pred.jsonl'}: no predictions found" in err


def test_an_internal_error_is_one_line(capsys, monkeypatch):
    # A bug surfacing as a multi-line exception (pydantic's) still prints one line.
    from pydantic import BaseModel, ValidationError

    class Model(BaseModel):
        a: int
        b: int

    try:
        Model.model_validate({})
    except ValidationError as error:
        failure = error

    def broken(*_args, **_kwargs):
        raise failure

    monkeypatch.setattr("annotator.cli.app", broken)
    monkeypatch.delenv("ANNOTATOR_DEBUG", raising=False)
    code, _, err = run(capsys, "validate", "x")
    assert code == 1 and err.count("\n") == 1 and err.startswith("annotator: internal error: ValidationError")

"""Running ``annotator`` in-process and writing its JSONL inputs, for the CLI tests."""

from __future__ import annotations

import json
from pathlib import Path

from annotator.cli import main


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


def journals_with_a_bad_span(journals: Path, folder: Path, which: int) -> tuple[Path, int]:
    """Copy the journals into ``folder`` and make the first span of journal ``which``
    (in name order; -1 the last) not match the document text: (that journal, its 1-based
    line)."""
    folder.mkdir()
    for path in sorted(journals.glob("*.jsonl")):
        (folder / path.name).write_bytes(path.read_bytes())
    journal = sorted(folder.glob("*.jsonl"))[which]
    lines = journal.read_text(encoding="utf-8").splitlines()
    row = next(k for k, line in enumerate(lines) if json.loads(line).get("attributions"))
    record = json.loads(lines[row])
    record["attributions"][0]["content"]["text"] = "not the document's text"
    lines[row] = json.dumps(record)
    journal.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return journal, row + 1

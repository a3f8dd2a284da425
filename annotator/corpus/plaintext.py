"""Reader for plain text: the whole file (trimmed of surrounding whitespace) is one document."""

from __future__ import annotations

from pathlib import Path

from annotator.corpus.provenance import make_document, trimmed_range
from annotator.fileio import read_text
from annotator.schema import Document


def read_plaintext(path: Path, display_path: str | None = None) -> list[Document]:
    text = read_text(path)
    start, end = trimmed_range(text, 0, len(text))
    if start == end:
        return []
    return [make_document(path.stem, text, start, end, display_path or path.as_posix())]

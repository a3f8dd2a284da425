"""Building documents that remember exactly where their text came from."""

from __future__ import annotations

from datetime import date

from annotator.schema import Document, DocumentMeta, SourceRef

BOM = "\ufeff"  # a byte order mark, decoded: at the start of a file, not text


def trimmed_range(text: str, start: int, end: int) -> tuple[int, int]:
    """[start, end) without leading and trailing whitespace (and a file's leading BOM)."""
    if start == 0 and text.startswith(BOM):
        start = 1
    while start < end and text[start].isspace():
        start += 1
    while end > start and text[end - 1].isspace():
        end -= 1
    return start, end


def make_document(
    doc_id: str,
    file_text: str,
    start: int,
    end: int,
    path: str,
    *,
    title: str | None = None,
    date: date | None = None,
) -> Document:
    return Document(
        id=doc_id,
        text=file_text[start:end],
        meta=DocumentMeta(
            title=title, date=date, source=SourceRef(path=path, start=start, end=end)
        ),
    )

"""Database stores seen as local files, for commands that read journal and corpus files.

Export, adjudicate, validate and stats read files (by offset, line by line); given a
``postgresql://`` URL instead, they read a private temporary copy of the database's
latest records (one journal per annotator, in the database's order) or of its corpus,
removed when the program ends. Paths that are not URLs pass through untouched.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterable
from pathlib import Path

from annotator.store.base import is_database_url, record_line
from annotator.store.journal import journal_path

_folders: list[tempfile.TemporaryDirectory] = []  # removed at exit (their finalizers)


def _scratch() -> Path:
    folder = tempfile.TemporaryDirectory(prefix="annotator-db-")
    _folders.append(folder)
    return Path(folder.name)


def journals(specs: Iterable[str | Path], latest_only: bool = True) -> list[Path]:
    """Each URL replaced by a folder of its records (the latest per key, or all of them)."""
    found: list[Path] = []
    for spec in specs:
        if not is_database_url(spec):
            found.append(Path(spec))
            continue
        from annotator.store.postgres import PostgresStore

        folder = _scratch() / "journals"
        folder.mkdir()
        with PostgresStore(str(spec)) as store:
            records = list(store.contents().latest.values()) if latest_only else list(store.history())
        by_path: dict[Path, list[bytes]] = {}
        for record in records:
            by_path.setdefault(journal_path(folder, record.annotator), []).append(record_line(record))
        for path, lines in by_path.items():
            path.write_bytes(b"".join(lines))
        found.append(folder)
    return found


def corpus(spec: str | Path, cache: Path | None = None) -> Path:
    """A URL replaced by a corpus JSONL file of the database's documents, in order
    (written to ``cache`` when given: a stable path, so the app's resume position holds)."""
    if not is_database_url(spec):
        return Path(spec)
    from annotator.errors import AnnotatorError
    from annotator.fileio import atomic_writer, dumps_line
    from annotator.store.postgres import PostgresStore

    with PostgresStore(str(spec)) as store:
        documents = store.documents()
        label = store.label
    if not documents:
        raise AnnotatorError("the database holds no corpus: import one with `annotator import ... -o URL`", label)
    path = cache or _scratch() / "corpus.jsonl"
    path.parent.mkdir(parents=True, exist_ok=True)
    # as corpus.jsonl.write_corpus_jsonl writes it, atomically (the store may not import corpus)
    with atomic_writer(path, "wb") as stream:
        for document in documents:
            stream.write(dumps_line(document.model_dump(mode="json", exclude_none=False)))
    return path

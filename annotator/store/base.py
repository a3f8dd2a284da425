"""The store interface, the journal store behind it, and choosing a store from an argument.

A store holds AnnotationRecords, append-only; the latest per (doc_id, annotator) wins
(the later ``updated_at``; between equal times the later record). A record is known
everywhere by its ``record_id``: the SHA-1 of its canonical JSON line, so the same
decision copied between stores (``sync``, the spool) is recognised and never doubled.
"""

from __future__ import annotations

import hashlib
import os
import re
from abc import ABC, abstractmethod
from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime
from pathlib import Path
from typing import Protocol, Self

from annotator.errors import AnnotatorError
from annotator.fileio import dumps_line
from annotator.schema import AnnotationRecord, Document
from annotator.store.journal import (
    Journal,
    JournalContents,
    JournalProblem,
    iter_journal_lines,
    journal_files,
    journal_path,
    load_journals,
)

DATABASE_SCHEMES = ("postgresql://", "postgres://")


def is_database_url(spec: object) -> bool:
    return isinstance(spec, str) and spec.strip().lower().startswith(DATABASE_SCHEMES)


_URL_PASSWORD = re.compile(r"(?P<head>[a-z]+://[^/@:?#]*):[^/@?#]*@", re.IGNORECASE)
_PARAM_PASSWORD = re.compile(r"(?P<head>password\s*=\s*)('[^']*'|[^&\s]*)", re.IGNORECASE)


def redact(text: str) -> str:
    """``text`` with any password in a URL or conninfo replaced by ``***``."""
    text = _URL_PASSWORD.sub(lambda m: f"{m.group('head')}:***@", str(text))
    return _PARAM_PASSWORD.sub(lambda m: f"{m.group('head')}***", text)


def record_line(record: AnnotationRecord) -> bytes:
    """The record's canonical journal line (what the journal writes)."""
    return dumps_line(record.model_dump(mode="json", exclude_none=True))


def record_id(record: AnnotationRecord, line: bytes | None = None) -> str:
    return hashlib.sha1(line if line is not None else record_line(record)).hexdigest()


class DecisionLog(Protocol):
    """Where the annotation app writes each decision: a Journal, or spool.DatabaseLog."""

    path: Path

    def append_many(self, records: Iterable[AnnotationRecord], fsync: bool = True) -> None: ...

    def sync(self) -> None: ...

    def read_lines(self) -> Iterator[tuple[int, AnnotationRecord | None, JournalProblem | None]]: ...


class Store(ABC):
    """Annotation records, append-only, wherever they are kept."""

    #: what to call the store in messages (a path, or a URL without its password)
    label: str

    @abstractmethod
    def history(self) -> Iterator[AnnotationRecord]:
        """Every record, in the order the store holds them."""

    @abstractmethod
    def contents(self) -> JournalContents:
        """The latest record per key (first-seen order), with the bad lines."""

    @abstractmethod
    def add(self, records: Sequence[AnnotationRecord]) -> list[AnnotationRecord]:
        """Append the records the store lacks (by record_id), in the order given;
        returns those added. Safe to run from several processes at once."""

    def identities(self) -> dict[tuple[str, str], dict[str, datetime]]:
        """record_id -> updated_at of every record, per (doc_id, annotator)."""
        found: dict[tuple[str, str], dict[str, datetime]] = {}
        for record in self.history():
            found.setdefault(record.key, {})[record_id(record)] = record.updated_at
        return found

    def documents(self) -> list[Document] | None:
        """The corpus kept in the store, if it keeps one."""
        return None

    def close(self) -> None:  # noqa: B027 - the journal holds nothing open
        pass

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class JournalStore(Store):
    """A folder of journals (one per annotator), or one journal file."""

    def __init__(self, path: Path, create: bool = False):
        self.path = Path(path)
        self.label = str(self.path)
        self.single_file = self.path.suffix == ".jsonl" and not self.path.is_dir()
        if not self.path.exists() and not create:
            raise AnnotatorError("no such file or folder", self.path)
        self.problems: list[JournalProblem] = []

    def files(self) -> list[Path]:
        if self.single_file:
            return [self.path] if self.path.exists() else []
        return journal_files(self.path) if self.path.is_dir() else []

    def history(self) -> Iterator[AnnotationRecord]:
        for path in self.files():
            for _number, record, problem in iter_journal_lines(path):
                if problem is not None:
                    self.problems.append(problem)
                elif record is not None:
                    yield record

    def contents(self) -> JournalContents:
        return load_journals(self.files(), quarantine=False)

    def journal_for(self, annotator: str) -> Journal:
        if self.single_file:
            return Journal(self.path)
        return Journal(journal_path(self.path, annotator))

    def add(self, records: Sequence[AnnotationRecord]) -> list[AnnotationRecord]:
        by_journal: dict[Path, list[AnnotationRecord]] = {}
        for record in records:
            by_journal.setdefault(self.journal_for(record.annotator).path, []).append(record)
        added: list[AnnotationRecord] = []
        for path, batch in by_journal.items():
            added.extend(Journal(path).append_missing(batch))
        return added


def open_store(spec: str | Path, create: bool = False, **options) -> Store:
    """The store an argument names: a ``postgresql://`` URL, else a journal folder or file.

    ``create``: a journal folder that does not exist yet is made on the first write
    (a database must exist; its tables are created by the project on first use)."""
    if is_database_url(spec):
        from annotator.store.postgres import PostgresStore

        return PostgresStore(str(spec).strip(), **options)
    return JournalStore(Path(spec), create=create)


def store_spec(value: str | Path | None, default: str | Path | None = None) -> str | Path | None:
    """A CLI argument as given: a URL stays a string (a Path would fold its ``//``)."""
    if value is None:
        return default
    return value if is_database_url(value) else Path(value)


def load_contents(specs: Iterable[str | Path]) -> JournalContents:
    """The latest records of several stores read together, later ones winning ties,
    as ``load_journals`` does for files (read-only: no quarantine files written)."""
    merged = JournalContents()
    for spec in specs:
        if is_database_url(spec):
            with open_store(spec) as store:
                part = store.contents()
        else:
            from annotator.store.journal import expand_journals

            part = load_journals(expand_journals([Path(spec)]), quarantine=False)
        for key, record in part.latest.items():
            current = merged.latest.get(key)
            if current is not None and record.updated_at < current.updated_at:
                continue
            merged.latest[key] = record
            if key in part.line_of:
                merged.line_of[key] = part.line_of[key]
        merged.problems.extend(part.problems)
        merged.lines_read += part.lines_read
    return merged


def spool_root() -> Path:
    """Where decisions a lost connection could not commit wait (``$ANNOTATOR_SPOOL_DIR``,
    else ``$XDG_STATE_HOME/annotator/spool``, else ``~/.local/state/annotator/spool``)."""
    configured = os.environ.get("ANNOTATOR_SPOOL_DIR")
    if configured:
        return Path(configured)
    state = os.environ.get("XDG_STATE_HOME") or str(Path.home() / ".local" / "state")
    return Path(state) / "annotator" / "spool"

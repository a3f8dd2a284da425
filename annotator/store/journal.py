"""The annotation journal: ``annotations/<annotator>.jsonl``, append-only.

Every save is one complete AnnotationRecord line written with a single ``write`` on a
file opened with O_APPEND, under an exclusive lock, then flushed and fsynced; so a
killed process loses at most the save in flight and two processes appending to one
journal never interleave bytes. On load the latest line per (doc_id, annotator) wins.
A torn or invalid line is reported with its line number and copied to a side file
(``<journal>.quarantine``), never silently dropped and never fatal; the journal itself
is never rewritten.
"""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Generic, TypeVar, cast

import msgspec
from pydantic import ValidationError

from annotator.errors import AnnotatorError, describe_validation_error
from annotator.fileio import atomic_writer, dumps_line
from annotator.schema import AnnotationData, AnnotationRecord, Status, fails_model_checks

try:  # POSIX advisory locks; on other systems appends rely on O_APPEND alone.
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

SAFE_ANNOTATOR = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.@-]{0,63}$")
QUARANTINE_SUFFIX = ".quarantine"


def now_utc() -> datetime:
    return datetime.now(UTC)


def check_annotator_name(name: str) -> str:
    """Annotator names become file names, so they may not carry path separators."""
    if not SAFE_ANNOTATOR.match(name) or name in {".", ".."}:
        raise AnnotatorError(
            f"annotator name {name!r} must be 1-64 letters, digits, '_', '.', '@' or '-' "
            "and start with a letter or digit"
        )
    return name


def journal_path(directory: Path, annotator: str) -> Path:
    return Path(directory) / f"{check_annotator_name(annotator)}.jsonl"


@dataclass(frozen=True)
class JournalProblem:
    path: str
    line: int
    message: str
    raw: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.message}"


RecordT = TypeVar("RecordT")


@dataclass
class _Contents(Generic[RecordT]):
    """What one or more journals hold: the latest record per key, and the bad lines."""

    latest: dict[tuple[str, str], RecordT] = field(default_factory=dict)
    line_of: dict[tuple[str, str], tuple[str, int]] = field(default_factory=dict)
    problems: list[JournalProblem] = field(default_factory=list)
    lines_read: int = 0

    @property
    def annotators(self) -> list[str]:
        return sorted({who for _, who in self.latest})


@dataclass
class JournalContents(_Contents[AnnotationRecord]):
    """The journals' records as models."""

    def records(self) -> list[AnnotationRecord]:
        return list(self.latest.values())

    def for_annotator(self, annotator: str) -> dict[str, AnnotationRecord]:
        return {doc: rec for (doc, who), rec in self.latest.items() if who == annotator}


class PlainRecord:
    """A journal line's record as validated plain data: schema.AnnotationData, a msgspec
    Struct (or, for a line only the model accepted, the model itself).

    For commands that read every record of large journals (agree, report): the same
    record as the model, without a pydantic object per span. ``attributions`` and
    ``rejected`` hold objects with the models' attributes (AttributionData, or
    Attribution for a record built from a model); ``model()`` builds the
    AnnotationRecord where one is needed (error messages, rendering).
    """

    __slots__ = ("source", "doc_id", "annotator", "status", "updated_at", "adjudicator", "text_sha1",
                 "attributions", "rejected")

    def __init__(self, source: AnnotationData | AnnotationRecord, updated_at: datetime | None = None):
        self.source = source
        self.doc_id: str = source.doc_id
        self.annotator: str = source.annotator
        self.status: Status = source.status
        self.updated_at: datetime = source.updated_at if updated_at is None else updated_at  # type: ignore[assignment]
        self.adjudicator: str | None = source.adjudicator
        self.text_sha1: str = source.text_sha1
        self.attributions: list = source.attributions
        self.rejected: list = source.rejected

    @classmethod
    def of_model(cls, record: AnnotationRecord) -> PlainRecord:
        return cls(record)

    @property
    def key(self) -> tuple[str, str]:
        return (self.doc_id, self.annotator)

    def model(self) -> AnnotationRecord:
        if isinstance(self.source, AnnotationRecord):
            return self.source
        return AnnotationRecord.model_validate(msgspec.to_builtins(self.source))


@dataclass
class PlainContents(_Contents[PlainRecord]):
    """JournalContents with PlainRecords (see ``load_plain_journals``)."""


_PLAIN_DECODER = msgspec.json.Decoder(AnnotationData)


def plain_record(line: str | bytes) -> PlainRecord | None:
    """The record of a journal line as plain data, or None when the fast path is not sure
    it is valid (the line then takes the model's path, which accepts it or says why not).

    Decoded by msgspec as schema.AnnotationData (the models' fields, types and
    constraints, more strictly) and checked by ``fails_model_checks`` (their Python
    validators): what passes both, the model accepts, as the same record
    (tests/test_plain_records.py)."""
    try:
        value = _PLAIN_DECODER.decode(line)
    except msgspec.DecodeError:  # invalid JSON, or not AnnotationData
        return None
    try:
        updated_at = datetime.fromisoformat(value.updated_at)
    except ValueError:  # the shape of a time, not a real one (a 13th month, a 25th hour)
        return None
    if fails_model_checks(value):
        return None
    return PlainRecord(value, updated_at)


def iter_journal_lines(
    path: Path, data: bytes | None = None
) -> Iterator[tuple[int, AnnotationRecord | None, JournalProblem | None]]:
    """(line number, record, problem) for every non-blank line of a journal."""
    lines = _read_lines(path, data, plain=False)
    yield from cast(Iterator[tuple[int, AnnotationRecord | None, JournalProblem | None]], lines)


def iter_plain_lines(path: Path) -> Iterator[tuple[int, PlainRecord | None, JournalProblem | None]]:
    """``iter_journal_lines`` with PlainRecords: the same lines accepted, the same problems."""
    lines = _read_lines(path, None, plain=True)
    yield from cast(Iterator[tuple[int, PlainRecord | None, JournalProblem | None]], lines)


def _read_lines(
    path: Path, data: bytes | None, plain: bool
) -> Iterator[tuple[int, AnnotationRecord | PlainRecord | None, JournalProblem | None]]:
    import orjson

    if data is None:
        try:
            data = Path(path).read_bytes()
        except FileNotFoundError:
            raise AnnotatorError("no such file", path) from None
        except OSError as error:
            raise AnnotatorError(f"cannot read: {error.strerror}", path) from None
    torn_tail = bool(data) and not data.endswith(b"\n")
    # Decoded line by line: a corrupt byte, or a multi-byte character cut off by a killed
    # writer, spoils its own line (reported, set aside), never the whole journal.
    raw_lines = data.split(b"\n")
    for number, raw in enumerate(raw_lines, start=1):
        is_last = number == len(raw_lines)
        if plain:
            # msgspec reads the bytes, and refuses what is not UTF-8 (inside strings; JSON
            # allows nothing else outside them): a line it accepts needs no decoding here.
            found = plain_record(raw.removesuffix(b"\r"))
            if found is not None:
                yield number, found, None
                continue
        try:
            line = raw.decode("utf-8").removesuffix("\r")
            if number == 1:  # a byte order mark (an editor's, on Windows) is not part of the record
                line = line.removeprefix("\ufeff")
        except UnicodeDecodeError as error:
            reason = (
                "torn last line (the writer stopped mid-line)"
                if torn_tail and is_last
                else f"not UTF-8: byte 0x{raw[error.start]:02x} at column {error.start + 1}"
            )
            yield number, None, JournalProblem(str(path), number, reason, raw.decode("utf-8", "replace"))
            continue
        if not line.strip():
            continue
        try:
            # One pass in pydantic's own JSON parser for a good line; a bad one is read
            # again below for the exact problem.
            record = AnnotationRecord.model_validate_json(line)
            yield number, _as_plain(record) if plain else record, None
            continue
        except ValidationError:
            pass
        try:
            value = orjson.loads(line)
        except orjson.JSONDecodeError as error:
            reason = (
                "torn last line (the writer stopped mid-line)"
                if torn_tail and is_last
                else f"invalid JSON: {error}"
            )
            yield number, None, JournalProblem(str(path), number, reason, line)
            continue
        if not isinstance(value, dict):
            yield number, None, JournalProblem(str(path), number, "expected a JSON object", line)
            continue
        try:
            record = AnnotationRecord.model_validate(value)
            yield number, _as_plain(record) if plain else record, None
        except ValidationError as error:
            message = describe_validation_error(error)
            yield number, None, JournalProblem(str(path), number, message, line)


def _as_plain(record: AnnotationRecord) -> PlainRecord:
    """A record the fast path was not sure of but the model accepted, as plain data."""
    return PlainRecord.of_model(record)


def load_plain_journals(paths: Iterable[Path]) -> PlainContents:
    """``load_journals`` (read-only: no quarantine file) with PlainRecords."""
    contents = PlainContents()
    for path in paths:
        path = Path(path)
        for number, record, problem in iter_plain_lines(path):
            contents.lines_read += 1
            if problem:
                contents.problems.append(problem)
                continue
            assert record is not None
            current = contents.latest.get(record.key)
            if current is not None and record.updated_at < current.updated_at:
                continue  # older than what is held: history (see load_journals)
            contents.latest[record.key] = record
            contents.line_of[record.key] = (str(path), number)
    return contents


def load_journals(paths: Iterable[Path], quarantine: bool = True) -> JournalContents:
    """Read journals in order; for the same key the later ``updated_at`` wins, and
    between equal times the later line (and the later file)."""
    contents = JournalContents()
    for path in paths:
        path = Path(path)
        file_problems = []
        for number, record, problem in iter_journal_lines(path):
            contents.lines_read += 1
            if problem:
                file_problems.append(problem)
                continue
            assert record is not None
            current = contents.latest.get(record.key)
            # The later record wins. On one machine that is the later line; a record
            # synced in from another machine (`annotator sync`) may be older than what
            # the journal already holds, and then it is history, not the latest.
            if current is not None and record.updated_at < current.updated_at:
                continue
            contents.latest[record.key] = record
            contents.line_of[record.key] = (str(path), number)
        contents.problems.extend(file_problems)
        if quarantine and file_problems:
            set_aside(path, file_problems)
    return contents


def set_aside(path: Path, problems: list[JournalProblem]) -> Path:
    """Copy bad lines to ``<journal>.quarantine`` (rewritten whole, so loading twice adds nothing)."""
    side = path.with_name(path.name + QUARANTINE_SUFFIX)
    with contextlib.suppress(OSError), atomic_writer(side, "wb") as stream:
        for problem in problems:
            stream.write(
                dumps_line({"line": problem.line, "problem": problem.message, "raw": problem.raw})
            )
    return side


class Journal:
    """One annotator's append-only journal file."""

    def __init__(self, path: Path):
        self.path = Path(path)

    @classmethod
    def for_annotator(cls, directory: Path, annotator: str) -> Journal:
        return cls(journal_path(directory, annotator))

    def append(self, record: AnnotationRecord) -> None:
        self.append_many([record])

    def append_many(self, records: Iterable[AnnotationRecord], fsync: bool = True) -> None:
        """Append the records in one write. With ``fsync=False`` the bytes are in the
        kernel (a killed process loses nothing) but not yet forced to disk; call
        ``sync()`` soon after (the annotation app does, right after drawing the frame)."""
        payload = b"".join(
            dumps_line(record.model_dump(mode="json", exclude_none=True)) for record in records
        )
        if not payload:
            return
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            if fcntl is not None:
                fcntl.flock(fd, fcntl.LOCK_EX)
            # A torn last line from a killed writer must stay a line of its own.
            if _ends_without_newline(fd):
                payload = b"\n" + payload
            written = os.write(fd, payload)
            while written < len(payload):  # short writes happen only on odd filesystems
                written += os.write(fd, payload[written:])
            if fsync:
                os.fsync(fd)
        finally:
            os.close(fd)  # closing releases the lock

    def append_missing(self, records: Iterable[AnnotationRecord]) -> list[AnnotationRecord]:
        """Append, in one write, the records this journal does not hold yet (same
        canonical line); returns them. The check and the write happen under the
        journal's lock, so two processes syncing into one journal add each record once."""
        import hashlib

        from annotator.store.base import record_id, record_line

        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            if fcntl is not None:
                fcntl.flock(fd, fcntl.LOCK_EX)
            size = os.fstat(fd).st_size
            data = os.pread(fd, size, 0) if size else b""
            held = {
                record_id(record)
                for _n, record, _p in iter_journal_lines(self.path, data)
                if record is not None
            }
            added, lines = [], []
            for record in records:
                line = record_line(record)
                identity = hashlib.sha1(line).hexdigest()
                if identity in held:
                    continue
                held.add(identity)
                added.append(record)
                lines.append(line)
            payload = b"".join(lines)
            if payload:
                if data and not data.endswith(b"\n"):
                    payload = b"\n" + payload
                written = os.write(fd, payload)
                while written < len(payload):
                    written += os.write(fd, payload[written:])
                os.fsync(fd)
            return added
        finally:
            os.close(fd)

    def read_lines(self) -> Iterator[tuple[int, AnnotationRecord | None, JournalProblem | None]]:
        """(line number, record, problem) for every line, in the order of history: by
        ``updated_at``, between equal times by line (as the database orders its rows), so
        the last record the app replays is the one every other command takes as the latest
        even after ``sync`` appended an older record from another machine. Nothing when
        there is no journal yet."""
        if not self.path.exists():
            return iter(())
        lines = list(iter_journal_lines(self.path))
        times = [record.updated_at for _n, record, _p in lines if record is not None]
        if all(earlier <= later for earlier, later in zip(times, times[1:], strict=False)):
            return iter(lines)  # written on one machine: already in order
        problems = [line for line in lines if line[1] is None]
        records = sorted((line for line in lines if line[1] is not None),
                         key=lambda line: line[1].updated_at)  # type: ignore[union-attr]  # stable: ties by line
        return iter(problems + records)

    def sync(self) -> None:
        """Force what was appended with ``fsync=False`` to disk."""
        if not self.path.exists():
            return
        fd = os.open(self.path, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)

    def load(self) -> JournalContents:
        if not self.path.exists():
            return JournalContents()
        return load_journals([self.path])


def _ends_without_newline(fd: int) -> bool:
    size = os.fstat(fd).st_size
    if size == 0:
        return False
    return os.pread(fd, 1, size - 1) != b"\n"


def journal_files(directory: Path) -> list[Path]:
    """The journals in an annotations folder, sorted by name."""
    return sorted(
        path
        for path in Path(directory).glob("*.jsonl")
        if path.is_file() and not path.name.startswith(".")
    )


# Moved here from annotator.records (which re-exports it): the store may not import records.
def expand_journals(paths: Iterable[Path | str]) -> list[Path]:
    files: list[Path] = []
    for path in map(Path, paths):
        if path.is_dir():
            found = journal_files(path)
            if not found:
                raise AnnotatorError("folder holds no journal (.jsonl) files", path)
            files.extend(found)
        else:
            files.append(path)
    return files

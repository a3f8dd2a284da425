"""What every export format shares: examples streamed from a corpus plus journals, and
(re-exported from their own modules) the token layer (``tokens``), role spans and strict
integers (``spans``), the tool-neutral span/relation encoding (``graph``) and loss
accounting (``loss``).

An *example* is one document with one annotation record (one annotator's latest saved
state, or the gold record). A journal holds one record per document, so exporting one
journal or a gold file gives one example per document; exporting several annotators'
journals gives one example per (document, annotator).

Streaming: the records are indexed in memory (they are small next to the texts), the
corpus is read one line at a time and only the documents that have records are parsed,
so memory does not grow with the corpus.

Token offsets: tokens come from ``spacy.blank("en")``'s tokenizer (no model). A span's
``token_start`` is the index of the first token it touches and ``token_end`` the index
of the last one, **inclusive** (Prodigy's convention); the spaCy ``Span`` objects in a
DocBin use spaCy's own exclusive ends.
"""

from __future__ import annotations

import contextlib
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

import orjson
from pydantic import ValidationError

from annotator.errors import AnnotatorError, describe_validation_error
from annotator.fileio import naming_write_errors

# Re-exported: the formats' shared parts live in their own modules (spans, tokens, loss
# accounting, the entity/relation graph); importing them from here keeps working.
from annotator.formats.graph import (
    Entity,
    Graph,
    attributions_to_graph,
    graph_to_attributions,
)
from annotator.formats.loss import (
    ATTRIBUTION_FIELDS,
    LossReport,
    count_unrecoverable,
    renumbered_ids,
)
from annotator.formats.spans import (
    LABEL_ROLES,
    ROLE_LABELS,
    ROLES,
    exact_span,
    role_pieces,
    span_signature,
    strict_int,
)
from annotator.formats.tokens import Tokens, tokenizer
from annotator.schema import (
    AnnotationRecord,
    Attribution,
    Document,
    Status,
    record_problems,
)

__all__ = [
    "ATTRIBUTION_FIELDS", "LABEL_ROLES", "ROLES", "ROLE_LABELS", "Entity", "Example", "Graph", "LossReport",
    "Tokens", "attributions_to_graph", "count_unrecoverable", "exact_span", "graph_to_attributions",
    "renumbered_ids", "role_pieces", "span_signature", "strict_int", "tokenizer",
]


@dataclass
class Example:
    document: Document
    record: AnnotationRecord


# ---------------------------------------------------------------- reading the inputs


def annotation_files(paths: Iterable[Path]) -> list[Path]:
    """Journal or gold files: files as given, folders' *.jsonl files sorted by name."""
    from annotator.store import journal_files

    files: list[Path] = []
    for path in paths:
        path = Path(path)
        if path.is_dir():
            found = journal_files(path)
            if not found:
                raise AnnotatorError("folder holds no annotation *.jsonl files", path)
            files.extend(found)
        elif path.exists():  # a file, or a pipe (``<(...)``): read once, kept in memory
            files.append(path)
        else:
            raise AnnotatorError("no such file or folder", path)
    return files


@dataclass(frozen=True)
class RecordRef:
    """Where the latest line of one (document, annotator) record is: read when needed."""

    path: str
    offset: int
    length: int
    line: int
    annotator: str
    # The line this one supersedes: used when this one turns out invalid, so that the
    # latest *valid* line wins, as everywhere else (store.load_journals).
    previous: RecordRef | None = None
    status: str = "in_progress"  # as the line says (it may turn out invalid)


@dataclass
class ExportInput:
    """The records chosen for export, indexed by document id, and what was left out.

    Only each record's place in its file is kept (not the parsed record), so memory stays
    small however many attributions the journals hold.
    """

    by_doc: dict[str, list[RecordRef]]
    total: int
    left_out: Counter = field(default_factory=Counter)
    problems: list[str] = field(default_factory=list)
    statuses: set[str] = field(default_factory=lambda: set(STATUS_VALUES))
    # Inputs that can be read only once (pipes): their bytes, by path.
    held: dict[str, bytes] = field(default_factory=dict)

    def load(self, ref: RecordRef) -> AnnotationRecord | None:
        return self.load_line(ref)[0]

    def load_line(self, ref: RecordRef) -> tuple[AnnotationRecord | None, RecordRef | None]:
        """The record and the line it was read from (an earlier one when the latest is
        invalid). The status chosen is checked on that record, the one exported: an
        invalid later line neither hides it nor leaves it out for its own status."""
        current: RecordRef | None = ref
        while current is not None:
            raw = self._raw(current)
            try:
                record = AnnotationRecord.model_validate(orjson.loads(raw))
            except (orjson.JSONDecodeError, ValidationError) as error:
                message = describe_validation_error(error) if isinstance(error, ValidationError) else str(error)
                fallback = " (an earlier line is used)" if current.previous is not None else ""
                self.problems.append(f"{current.path}:{current.line}: {message}{fallback}")
                current = current.previous
                continue
            if record.status.value not in self.statuses:
                self.left_out[_status_reason(record.status.value)] += 1
                return None, None
            return record, current
        self.left_out["invalid annotation records (no valid line)"] += 1
        return None, None

    def _raw(self, ref: RecordRef) -> bytes:
        held = self.held.get(ref.path)
        if held is not None:
            return held[ref.offset : ref.offset + ref.length]
        with open(ref.path, "rb") as stream:
            stream.seek(ref.offset)
            return stream.read(ref.length)


STATUS_VALUES: tuple[str, ...] = tuple(status.value for status in Status)


def _status_reason(status: str) -> str:
    return f"records with status {status} (choose with --status)"


def _lines(path: Path, held: dict[str, bytes]) -> Iterator[bytes]:
    """The raw lines of a journal; a pipe is read whole once and its bytes kept."""
    if path.is_file():
        with path.open("rb") as stream:
            yield from stream
        return
    data = held[str(path)] = path.read_bytes()
    yield from data.splitlines(keepends=True)


def select_records(paths: Iterable[Path], statuses: set[str]) -> ExportInput:
    """Index the latest line per (doc_id, annotator) of the journals (later lines and later
    files win, as in ``store.load_journals``), keeping those whose status is chosen."""
    latest: dict[tuple[str, str], RecordRef] = {}
    times: dict[tuple[str, str], object] = {}
    left_out: Counter = Counter()
    problems: list[str] = []
    held: dict[str, bytes] = {}
    for path in annotation_files(paths):
        offset = 0
        for number, raw in enumerate(_lines(path, held), start=1):
            start, offset = offset, offset + len(raw)
            if not raw.strip():
                continue
            try:
                value = orjson.loads(raw)
            except orjson.JSONDecodeError as error:
                problems.append(f"{path}:{number}: invalid JSON: {error}")
                continue
            if not isinstance(value, dict) or not isinstance(value.get("doc_id"), str) or not isinstance(
                value.get("annotator"), str
            ):
                problems.append(f"{path}:{number}: not an annotation record (doc_id and annotator)")
                continue
            key = (value["doc_id"], value["annotator"])
            status = str(value.get("status", "in_progress"))
            earlier = latest.get(key)
            if earlier is not None and _older(value.get("updated_at"), times[key]):
                continue  # synced in from another machine, older than the latest (store.load_journals)
            latest[key] = RecordRef(str(path), start, len(raw), number, value["annotator"], earlier, status)
            times[key] = value.get("updated_at")
    if problems:
        left_out["unreadable annotation lines"] += len(problems)
    by_doc: dict[str, list[RecordRef]] = {}
    total = 0
    for (doc_id, _annotator), ref in latest.items():
        # The status is that of the latest *valid* line, known only once it is parsed
        # (load_line checks it): here only chains where no line has a chosen status go.
        if not any(line.status in statuses for line in _chain(ref)):
            shown = next((line.status for line in _chain(ref) if line.status in STATUS_VALUES), ref.status)
            left_out[_status_reason(shown)] += 1
            continue
        by_doc.setdefault(doc_id, []).append(ref)
        total += 1
    for refs in by_doc.values():
        refs.sort(key=lambda ref: ref.annotator)
    return ExportInput(by_doc, total, left_out, problems, set(statuses), held)


def _chain(ref: RecordRef | None) -> Iterator[RecordRef]:
    while ref is not None:
        yield ref
        ref = ref.previous


def _older(time: object, than: object) -> bool:
    """Whether ISO time ``time`` is before ``than`` (False when either cannot be read)."""
    from datetime import datetime

    try:
        return datetime.fromisoformat(str(time)) < datetime.fromisoformat(str(than))
    except (TypeError, ValueError):
        return False


def iter_corpus(path: Path) -> Iterator[tuple[int, bytes]]:
    """(line number, raw line) of a corpus JSONL file, read one line at a time."""
    try:
        stream = Path(path).open("rb")
    except FileNotFoundError:
        raise AnnotatorError("no such file", path) from None
    except IsADirectoryError:
        raise AnnotatorError("is a directory, expected a corpus JSONL file", path) from None
    with stream:
        for number, line in enumerate(stream, start=1):
            if number == 1:  # a byte order mark is not part of the first document
                line = line.removeprefix(b"\xef\xbb\xbf")
            if line.strip():
                yield number, line


def parse_corpus_line(raw: bytes, path: Path, number: int) -> Document:
    try:
        value = orjson.loads(raw)
    except orjson.JSONDecodeError as error:
        raise AnnotatorError(f"invalid JSON: {error}", path, number) from None
    if not isinstance(value, dict):
        raise AnnotatorError("expected a JSON object for a document", path, number)
    try:
        return Document.model_validate(value)
    except ValidationError as error:
        raise AnnotatorError(describe_validation_error(error), path, number) from None


def iter_examples(corpus: Path, selected: ExportInput) -> Iterator[Example]:
    """Examples in corpus order; records whose document is missing or changed are counted."""
    wanted = selected.by_doc
    found: set[str] = set()
    for number, raw in iter_corpus(corpus):
        # Cheap pre-check so documents without records are never validated.
        try:
            doc_id = orjson.loads(raw).get("id")
        except (orjson.JSONDecodeError, AttributeError):
            doc_id = None
        if doc_id is not None and doc_id not in wanted:
            continue
        document = parse_corpus_line(raw, corpus, number)
        refs = wanted.get(document.id)
        if not refs or document.id in found:
            continue
        found.add(document.id)
        for ref in refs:
            record, line = selected.load_line(ref)
            if record is None or line is None:  # a record always comes with its line
                continue
            if record.text_sha1 != document.sha1:
                selected.left_out["records whose document text changed (text_sha1 differs)"] += 1
                selected.problems.append(
                    f"{document.id} by {record.annotator}: text_sha1 does not match the corpus"
                )
                continue
            # Same text, yet a span that does not fit it: the record is broken, not
            # outdated. Fail (naming the journal line) as agree and evaluate do, rather
            # than write offsets beyond the text or spans whose text is not the document's.
            problems = record_problems(record, document)
            if problems:
                raise AnnotatorError(f"{record.annotator}: {problems[0]}", line.path, line.line)
            yield Example(document, record)
    missing = [doc_id for doc_id in wanted if doc_id not in found]
    if missing:
        count = sum(len(wanted[doc_id]) for doc_id in missing)
        selected.left_out["records whose document is not in the corpus"] += count
        for doc_id in missing[:5]:
            selected.problems.append(f"document {doc_id!r} is not in {corpus}")


def list_field(value: dict, key: str, path, line: int | None, where: str = "") -> list:
    """``value[key]`` when it is a list (missing or null: empty); anything else is an error
    that names the key, so a reader never trips over another tool's odd shapes."""
    items = value.get(key)
    if items is None:
        return []
    if not isinstance(items, list):
        raise AnnotatorError(f"{where}{key!r} must be a list, not {type(items).__name__}", path, line)
    return items


# ---------------------------------------------------------------- multi-file outputs


@contextlib.contextmanager
def atomic_folder(target: Path, overwrite: bool = False) -> Iterator[Path]:
    """A temporary folder beside ``target`` that replaces it only when writing succeeded."""
    import shutil
    import tempfile

    target = Path(target)
    parent = target.parent if str(target.parent) else Path(".")
    if not parent.is_dir():
        raise AnnotatorError("the output folder's parent does not exist", parent)
    if target.exists() and not overwrite:
        raise AnnotatorError("already exists (give --overwrite to replace it)", target)
    if target.exists() and not target.is_dir():
        raise AnnotatorError("exists and is not a folder", target)
    try:
        temp = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".tmp", dir=parent))
    except OSError as error:
        raise AnnotatorError(f"cannot write into this folder: {error.strerror}", parent) from None
    building = temp / "out"
    try:
        with naming_write_errors(target):  # a full disk names the output, not nothing
            yield building
        if target.exists():
            old = temp / "old"
            target.rename(old)
            try:
                building.rename(target)
            except BaseException:
                old.rename(target)  # put the previous output back
                raise
        else:
            building.rename(target)
    finally:
        shutil.rmtree(temp, ignore_errors=True)


def example_record(
    document: Document,
    annotator: str,
    attributions: list[Attribution],
    updated_at=None,
    status: Status = Status.done,
) -> AnnotationRecord:
    from datetime import UTC, datetime

    return AnnotationRecord(
        doc_id=document.id,
        annotator=annotator,
        status=status,
        updated_at=updated_at or datetime.now(UTC),
        text_sha1=document.sha1,
        attributions=attributions,
    )


def iso_time(value: object, path, line: int | None):
    """An ISO 8601 time with its offset from another tool's record (None when absent)."""
    from datetime import datetime

    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00")) if isinstance(value, str) else None
    except ValueError:
        moment = None
    if moment is None or moment.tzinfo is None:
        raise AnnotatorError(f"updated_at {value!r} is not an ISO 8601 time with an offset", path, line)
    return moment


def doc_meta_json(document: Document) -> dict:
    return document.meta.model_dump(mode="json", exclude_none=True)

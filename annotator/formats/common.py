"""What every export format shares: examples streamed from a corpus plus journals, a
token layer, the tool-neutral span/relation encoding, and loss accounting.

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

import bisect
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import orjson
from pydantic import ValidationError

from annotator.errors import AnnotatorError, describe_validation_error
from annotator.fileio import naming_write_errors
from annotator.quotes import infer_type
from annotator.schema import (
    FRAGMENT_JOINER,
    AnnotationRecord,
    Attribution,
    Document,
    Origin,
    Role,
    Span,
    Status,
    record_problems,
)

ROLE_LABELS = {Role.source: "SOURCE", Role.cue: "CUE", Role.content: "CONTENT"}
LABEL_ROLES = {label: role for role, label in ROLE_LABELS.items()}
# Role order inside an attribution when written out: who, the signal, what.
ROLES = (Role.source, Role.cue, Role.content)


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


STATUS_VALUES = tuple(status.value for status in Status)


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
            if record is None:
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


# ---------------------------------------------------------------- tokens


@lru_cache(maxsize=1)
def tokenizer():
    import spacy

    return spacy.blank("en").tokenizer


@dataclass
class Tokens:
    """The tokens of one text with their character offsets (end exclusive)."""

    words: list[str]
    starts: list[int]
    ends: list[int]
    spaces: list[bool]

    @classmethod
    def of(cls, text: str) -> Tokens:
        return cls.of_doc(tokenizer()(text), text)

    @classmethod
    def of_doc(cls, doc, text: str | None = None) -> Tokens:
        from spacy.attrs import IDX, LENGTH, SPACY

        # Arrays, not Token objects: making a Token per word dominated export time.
        if len(doc) == 0:
            return cls([], [], [], [])
        columns = doc.to_array([IDX, LENGTH, SPACY]).tolist()
        if text is None:
            text = doc.text  # builds the text from Token objects: slow, so callers pass it
        starts = [row[0] for row in columns]
        ends = [row[0] + row[1] for row in columns]
        words = [text[start:end] for start, end in zip(starts, ends)]
        spaces = [bool(row[2]) for row in columns]
        return cls(words, starts, ends, spaces)

    def __len__(self) -> int:
        return len(self.words)

    def span(self, start: int, end: int) -> tuple[int, int] | None:
        """(first, last) token indices touched by chars [start, end), last inclusive."""
        first = bisect.bisect_right(self.ends, start)
        last = bisect.bisect_left(self.starts, end) - 1
        if first >= len(self.words) or last < first:
            return None
        return first, last

    def aligned(self, start: int, end: int) -> bool:
        bounds = self.span(start, end)
        return bounds is not None and self.starts[bounds[0]] == start and self.ends[bounds[1]] == end

    def as_json(self) -> list[dict]:
        return [
            {"id": index, "text": word, "start": start, "end": end, "ws": space}
            for index, (word, start, end, space) in enumerate(
                zip(self.words, self.starts, self.ends, self.spaces)
            )
        ]


# ---------------------------------------------------------------- spans


def exact_span(text: str, pieces: list[tuple[int, int]]) -> Span:
    """A span over exactly these pieces (sorted, not merged: adjacent fragments stay apart)."""
    pieces = sorted(pieces)
    if len(pieces) == 1:
        return Span.from_text(text, *pieces[0])
    overlapping = any(b[0] < a[1] for a, b in zip(pieces, pieces[1:]))
    if overlapping:
        return Span.from_pieces(text, pieces)
    return Span(
        start=pieces[0][0],
        end=pieces[-1][1],
        text=FRAGMENT_JOINER.join(text[a:b] for a, b in pieces),
        fragments=[tuple(piece) for piece in pieces],
    )


def role_pieces(attribution: Attribution) -> list[tuple[Role, int, int]]:
    return [
        (role, start, end)
        for role in ROLES
        if (span := attribution.span(role)) is not None
        for start, end in span.pieces
    ]


# ---------------------------------------------------------------- tool-neutral graph

RELATION_LABELS = {Role.source: "SOURCE", Role.cue: "CUE", Role.content: "CONTENT"}


@dataclass
class Entity:
    label: str  # SOURCE, CUE or CONTENT
    start: int
    end: int


@dataclass
class Graph:
    """Attributions as labelled entities and relations, for tools without frames.

    Each attribution is a star around an *anchor*: its content's first fragment, an
    entity of its own. Relations go from the anchor to every other piece of the
    attribution (source and cue fragments, further content fragments), labelled with
    that piece's role. Source and cue entities with the same label and offsets are
    shared between attributions; content entities never are, so anchors are unique.
    """

    entities: list[Entity]
    relations: list[tuple[int, int, str]]  # (anchor index, member index, label)
    anchors: list[int]  # entity index of each attribution's anchor, in order


def attributions_to_graph(attributions: list[Attribution]) -> Graph:
    entities: list[Entity] = []
    shared: dict[tuple[str, int, int], int] = {}
    relations: list[tuple[int, int, str]] = []
    anchors: list[int] = []

    def add(label: str, start: int, end: int, share: bool) -> int:
        key = (label, start, end)
        if share and key in shared:
            return shared[key]
        entities.append(Entity(label, start, end))
        if share:
            shared[key] = len(entities) - 1
        return len(entities) - 1

    for attribution in attributions:
        content = attribution.content.pieces
        anchor = add("CONTENT", *content[0], share=False)
        anchors.append(anchor)
        for role in ROLES:
            span = attribution.span(role)
            if span is None:
                continue
            pieces = span.pieces[1:] if role is Role.content else span.pieces
            for start, end in pieces:
                member = add(ROLE_LABELS[role], start, end, share=role is not Role.content)
                relations.append((anchor, member, RELATION_LABELS[role]))
    return Graph(entities, relations, anchors)


def graph_to_attributions(
    text: str,
    entities: list[Entity],
    relations: list[tuple[int, int, str]],
    entity_ids: list[str] | None = None,
    problems: list[str] | None = None,
) -> list[Attribution]:
    """Attributions back from a graph (tolerant of relations drawn either way round).

    An anchor is a CONTENT entity that is not a continuation (the member of a CONTENT
    relation). Its attribution holds the entities related to it, by their labels, and
    takes its id from ``entity_ids[anchor]`` when given (else a1, a2, ...).
    """
    continuation = {member for _, member, label in relations if label.upper() == "CONTENT"}
    linked: dict[int, list[int]] = {}
    for head, child, _label in relations:
        linked.setdefault(head, []).append(child)
        linked.setdefault(child, []).append(head)
    attributions = []
    for index, entity in enumerate(entities):
        if entity.label != "CONTENT" or index in continuation:
            continue
        pieces: dict[Role, list[tuple[int, int]]] = {Role.content: [(entity.start, entity.end)]}
        for other in linked.get(index, []):
            member = entities[other]
            role = LABEL_ROLES.get(member.label)
            if role is None or (role is Role.content and other not in continuation):
                continue
            pieces.setdefault(role, []).append((member.start, member.end))
        spans = {role: exact_span(text, role_pieces) for role, role_pieces in pieces.items()}
        number = len(attributions)
        cue = spans.get(Role.cue)
        attributions.append(
            Attribution(
                id=entity_ids[index] if entity_ids else f"a{number + 1}",
                source=spans.get(Role.source),
                cue=cue,
                content=spans[Role.content],
                type=infer_type(spans[Role.content].text, cue.text if cue else None),
                origin=Origin.manual,
            )
        )
    used = {index for index, entity in enumerate(entities) if entity.label == "CONTENT"}
    used |= {member for _, member, _ in relations} | {head for head, _, _ in relations}
    orphans = [entity for index, entity in enumerate(entities) if index not in used]
    if orphans and problems is not None:
        problems.append(f"{len(orphans)} span(s) belong to no attribution (no relation to a content)")
    return attributions


# ---------------------------------------------------------------- loss accounting

# What a reader rebuilds for a field it cannot read: a field whose value differs from
# this default is lost in a format that does not carry it.
def _default_type(attribution: Attribution) -> str:
    cue = attribution.cue.text if attribution.cue else None
    return infer_type(attribution.content.text, cue).value


ATTRIBUTION_FIELDS = {
    "type": lambda a: a.type.value != _default_type(a),
    "source_entity": lambda a: a.source_entity is not None,
    "note": lambda a: a.note is not None,
    "origin": lambda a: a.origin is not Origin.manual,
    "action": lambda a: a.action is not None,
    "score": lambda a: a.score is not None,
    "agreed_by": lambda a: a.agreed_by is not None,
}


class LossReport:
    """Counts of what a format could not carry, printed as warnings (never silent)."""

    def __init__(self, format_name: str, carries: set[str]):
        self.format_name = format_name
        self.carries = carries
        self.counts: Counter = Counter()

    def add(self, what: str, count: int = 1) -> None:
        if count:
            self.counts[what] += count

    def check_record(self, record: AnnotationRecord, id_of: list[str] | None = None) -> None:
        """Count the fields of a record this format drops (by the names in ``carries``)."""
        carries = self.carries
        for field_name, is_set in ATTRIBUTION_FIELDS.items():
            if field_name not in carries:
                self.add(
                    f"attribution {field_name} values not carried",
                    sum(1 for attribution in record.attributions if is_set(attribution)),
                )
        if "discontinuous" not in carries:
            self.add(
                "discontinuous spans written as separate fragments (the format has no discontinuous spans)",
                sum(
                    1
                    for attribution in record.attributions
                    for role in ROLES
                    if (span := attribution.span(role)) is not None and span.is_discontinuous
                ),
            )
        if "frames" not in carries:
            self.add("attributions whose frame (which source, cue and content belong together) is not carried", len(record.attributions))
        if "id" not in carries and id_of is not None:
            self.add(
                "attribution ids not carried (renumbered)",
                sum(1 for attribution, new in zip(record.attributions, id_of) if attribution.id != new),
            )
        if "rejected" not in carries:
            self.add("rejected suggestions not carried", len(record.rejected))
        if "adjudicator" not in carries and record.adjudicator is not None:
            self.add("gold adjudicator names not carried", 1)
        if "status" not in carries and record.status is not Status.done:
            self.add(f"record status {record.status.value} (read back as done)", 1)

    def lines(self) -> list[str]:
        return [
            f"{self.format_name}: {count} {what}"
            for what, count in sorted(self.counts.items())
        ]


def renumbered_ids(prefix: str, count: int) -> list[str]:
    return [f"{prefix}{number}" for number in range(1, count + 1)]


# ---------------------------------------------------------------- multi-file outputs


import contextlib  # noqa: E402


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


def span_signature(attribution: Attribution) -> tuple:
    return tuple(
        tuple(span.pieces) if (span := attribution.span(role)) is not None else None for role in ROLES
    )


def count_unrecoverable(report: LossReport, original: list[Attribution], rebuilt: list[Attribution]) -> None:
    """Count attributions a reader of this format would not get back span for span."""
    expected = [span_signature(attribution) for attribution in original]
    got = [span_signature(attribution) for attribution in rebuilt]
    if expected != got:
        missing = len(expected) - sum(1 for a, b in zip(expected, got) if a == b)
        report.add("attributions whose spans cannot be told apart (shared offsets)", max(missing, 1))


def example_record(
    document: Document,
    annotator: str,
    attributions: list[Attribution],
    updated_at=None,
    status: Status = Status.done,
) -> AnnotationRecord:
    from datetime import datetime, timezone

    return AnnotationRecord(
        doc_id=document.id,
        annotator=annotator,
        status=status,
        updated_at=updated_at or datetime.now(timezone.utc),
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

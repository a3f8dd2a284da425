"""BRAT standoff, in PolNeAR's form: reader and writer.

Layouts read:
- PolNeAR: ``<dir>/text/NAME.txt`` with ``<dir>/attributions/NAME_ANNOTATOR.ann``, one
  .ann per annotator; a root holding several such folders (train, dev, ...) is read whole,
  and a ``metadata.tsv`` beside them gives titles and dates.
- plain BRAT: ``NAME.txt`` beside ``NAME.ann`` (the annotator is then ``default_annotator``).

What the .ann files hold: ``T`` spans (``Label start end[;start end...]``), ``E`` events
``Attribution:T Source:T Cue:T Content:T`` (the trigger may be ``Attribution-no-source``;
numbered roles such as ``Content2`` add pieces to the role), ``#`` AnnotatorNotes. A span
text that contains a newline continues on the next line of the .ann file.

Nothing is dropped silently: whatever does not become part of an attribution is counted
in ``BratImport.unmapped`` (``Discuss``/``Discard`` marks, spans no event uses, events
without content, notes on such spans) and problems are listed with file and line.

Beyond PolNeAR, the reader understands what the writer adds so that a round trip keeps
the frames: ``A<n>\tType E<k> direct`` (the attribution type; otherwise it is inferred
from quotation) and ``N<n>\tReference E<k> annotator:entity\tNAME`` (the source entity).
File names are percent-encoded document ids and annotator names (so ``_``, which
separates them, and ``/`` never appear raw); the reader decodes them.

The writer (``write_brat``) produces the layout the reader reads: ``OUT/text/NAME.txt``,
``OUT/attributions/NAME_ANNOTATOR.ann``, ``OUT/metadata.tsv`` (title, date, publisher,
author, compartment and the corpus's list of annotators, as PolNeAR's) and
``OUT/annotation.conf`` (the entity, event and attribute types for the BRAT server). Each
attribution becomes one ``T`` per role (fragments of a discontinuous span as
``start end;start end``), a trigger ``T`` (``Attribution``, or ``Attribution-no-source``)
on the cue, an ``E`` event, a ``Type`` attribute, a ``Reference`` normalisation for the
source entity and ``#`` AnnotatorNotes for the note (one line per note line).
"""

from __future__ import annotations

import csv
import io
import re
from collections import Counter
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from pathlib import Path
from urllib.parse import quote, unquote

from annotator.errors import AnnotatorError
from annotator.fileio import read_text
from annotator.formats.common import LossReport
from annotator.quotes import infer_type
from annotator.schema import (
    AnnotationRecord,
    Attribution,
    AttributionType,
    Document,
    DocumentMeta,
    Origin,
    SourceRef,
    Span,
    Status,
)

ROLE_LABELS = {"Source": "source", "Cue": "cue", "Content": "content"}
TRIGGER_LABELS = {"Attribution", "Attribution-no-source"}
MARK_LABELS = {"Discuss", "Discard"}
ANNOTATION_LINE = re.compile(r"^([TERAMN*#]\d*)\t")
NUMBERED_ROLE = re.compile(r"^([A-Za-z-]+?)(\d*)$")


@dataclass
class TextBound:
    id: str
    label: str
    pieces: list[tuple[int, int]]
    text: str
    line: int


@dataclass
class Event:
    id: str
    trigger: str  # the trigger's label
    trigger_id: str  # the trigger span's id
    roles: list[tuple[str, str]]  # (role name without number, T id)
    line: int


@dataclass
class AnnFile:
    spans: dict[str, TextBound] = field(default_factory=dict)
    events: list[Event] = field(default_factory=list)
    notes: list[tuple[str, str, int]] = field(default_factory=list)  # (target id, note, line)
    other_lines: int = 0  # R, A, M, N lines: outside PolNeAR's scheme
    types: dict[str, str] = field(default_factory=dict)  # event id -> Type attribute value
    entities: dict[str, str] = field(default_factory=dict)  # event id -> Reference text


@dataclass
class BratImport:
    documents: list[Document] = field(default_factory=list)
    records: list[AnnotationRecord] = field(default_factory=list)
    unmapped: Counter = field(default_factory=Counter)
    problems: list[str] = field(default_factory=list)  # "FILE:LINE: problem"

    @property
    def annotators(self) -> list[str]:
        return sorted({record.annotator for record in self.records})


def parse_ann(text: str, path: Path) -> AnnFile:
    """The spans, events and notes of one .ann file; malformed lines raise with their number."""
    parsed = AnnFile()
    last_span: TextBound | None = None
    first_line_of: dict[str, int] = {}  # T and E ids: events and notes refer to them
    for number, line in enumerate(text.split("\n"), start=1):
        line = line.rstrip("\r")
        if not line.strip():
            continue
        match = ANNOTATION_LINE.match(line)
        if not match:
            if last_span is None:
                raise AnnotatorError(f"not a BRAT annotation line: {line[:40]!r}", path, number)
            last_span.text += "\n" + line  # a span text that holds a newline
            continue
        kind = match.group(1)[0]
        fields = line.split("\t")
        if kind in "TE":
            if fields[0] in first_line_of:
                raise AnnotatorError(
                    f"id {fields[0]} is used twice (first on line {first_line_of[fields[0]]})", path, number
                )
            first_line_of[fields[0]] = number
        if kind == "T":
            last_span = _parse_text_bound(fields, path, number)
            parsed.spans[last_span.id] = last_span
        elif kind == "E":
            parsed.events.append(_parse_event(fields, path, number))
            last_span = None
        elif kind == "#":
            parts = fields[1].split(" ", 1) if len(fields) > 1 else []
            if len(parts) != 2 or len(fields) < 3:
                raise AnnotatorError("a note needs 'AnnotatorNotes TARGET' and a text", path, number)
            parsed.notes.append((parts[1], "\t".join(fields[2:]), number))
            last_span = None
        elif kind == "A" and len(fields) >= 2 and len(parts := fields[1].split()) == 3 and parts[0] == "Type":
            parsed.types[parts[1]] = parts[2]
            last_span = None
        elif kind == "N" and len(fields) >= 3 and len(parts := fields[1].split()) == 3 and parts[0] == "Reference" and parts[2].startswith("annotator:entity"):
            parsed.entities[parts[1]] = "\t".join(fields[2:])
            last_span = None
        else:  # relations, other attributes, normalisations: not part of PolNeAR's scheme
            last_span = None
            parsed.other_lines += 1
    return parsed


def _parse_text_bound(fields: list[str], path: Path, number: int) -> TextBound:
    if len(fields) < 3:
        raise AnnotatorError("a T line needs an id, 'Label start end' and a text", path, number)
    label, _, offsets = fields[1].partition(" ")
    pieces = []
    for piece in offsets.split(";"):
        bounds = piece.split()
        if len(bounds) != 2 or not all(bound.isdigit() for bound in bounds):
            raise AnnotatorError(f"bad offsets {offsets!r} in a T line", path, number)
        start, end = int(bounds[0]), int(bounds[1])
        if start >= end:
            raise AnnotatorError(f"span {start}-{end} has start >= end", path, number)
        pieces.append((start, end))
    return TextBound(fields[0], label, pieces, "\t".join(fields[2:]), number)


def _parse_event(fields: list[str], path: Path, number: int) -> Event:
    arguments = fields[1].split() if len(fields) > 1 else []
    if not arguments or ":" not in arguments[0]:
        raise AnnotatorError("an E line needs 'Trigger:T' and roles", path, number)
    trigger, _, trigger_id = arguments[0].partition(":")
    roles = []
    for argument in arguments[1:]:
        name, _, target = argument.partition(":")
        role_match = NUMBERED_ROLE.match(name)
        if not target or not role_match:
            raise AnnotatorError(f"bad event argument {argument!r}", path, number)
        roles.append((role_match.group(1), target))
    return Event(fields[0], trigger, trigger_id, roles, number)


def find_collections(root: Path) -> list[tuple[Path, Path]]:
    """(text folder, annotation folder) pairs under root, PolNeAR layout or plain BRAT."""
    root = Path(root)
    if not root.is_dir():
        raise AnnotatorError("no such folder (BRAT import reads a folder)", root)
    pairs = []
    for text_dir in sorted(path for path in root.rglob("text") if path.is_dir()):
        ann_dir = text_dir.parent / "attributions"
        if ann_dir.is_dir():
            pairs.append((text_dir, ann_dir))
    if (root / "text").is_dir() and (root / "attributions").is_dir():
        pairs = [(root / "text", root / "attributions")] + [
            pair for pair in pairs if pair[0] != root / "text"
        ]
    if not pairs:
        if any(root.glob("*.ann")):
            pairs = [(root, root)]
        else:
            raise AnnotatorError("no BRAT data: expected text/ and attributions/ or *.txt with *.ann", root)
    return pairs


def read_metadata(root: Path) -> dict[str, dict[str, str]]:
    """Rows of every metadata.tsv under root or beside it (PolNeAR keeps one at its top),
    keyed by article file name (without .txt)."""
    rows: dict[str, dict[str, str]] = {}
    root = Path(root)
    found = sorted(root.rglob("metadata.tsv"))
    if not found and (root.parent / "metadata.tsv").is_file():
        found = [root.parent / "metadata.tsv"]
    for path in found:
        for row in csv.DictReader(io.StringIO(read_text(path), newline=""), delimiter="\t"):
            name = row.get("filename")
            if name:
                rows[name] = row
    return rows


def _meta_value(row: dict[str, str], key: str) -> str | None:
    value = (row.get(key) or "").strip()
    return None if value in {"", "None"} else value


def read_brat(root: Path, default_annotator: str = "brat") -> BratImport:
    """Documents and one record per (document, annotator) from a BRAT folder tree."""
    result = BratImport()
    metadata = read_metadata(root)
    seen: dict[str, Path] = {}
    for text_dir, ann_dir in find_collections(root):
        texts = sorted(text_dir.glob("*.txt"))
        ann_files = sorted(ann_dir.glob("*.ann"))
        stems = {path.stem for path in texts}
        by_doc: dict[str, list[tuple[str, Path]]] = {}
        for ann in ann_files:
            doc_name, annotator = _split_ann_name(ann.stem, stems, default_annotator)
            if doc_name is None:
                result.unmapped["annotation files without their text"] += 1
                result.problems.append(f"{ann}: no text file {ann.stem}.txt or NAME_ANNOTATOR match")
                continue
            by_doc.setdefault(doc_name, []).append((annotator, ann))
        for text_path in texts:
            doc_id = unquote(text_path.stem)
            if doc_id in seen:
                raise AnnotatorError(f"duplicate document id {doc_id!r} (also in {seen[doc_id]})", text_path)
            seen[doc_id] = text_path
            text = read_text(text_path)
            row = metadata.get(text_path.stem, {})
            document = Document(
                id=doc_id,
                text=text,
                meta=DocumentMeta(
                    title=_meta_value(row, "title"),
                    date=_parse_date(_meta_value(row, "publication_date")),
                    source=SourceRef(path=text_path.as_posix(), start=0, end=len(text)),
                    **{
                        key: value
                        for key in ("publisher", "author", "compartment")
                        if (value := _meta_value(row, key))
                    },
                    # The corpus's own order of annotators: "the first annotator" of a
                    # document (evaluation against gold) means the first listed here.
                    **(
                        {"annotators": listed.split("|")}
                        if (listed := _meta_value(row, "annotators"))
                        else {}
                    ),
                ),
            )
            result.documents.append(document)
            for annotator, ann_path in by_doc.get(text_path.stem, []):
                record = _record_from_ann(document, annotator, ann_path, result)
                result.records.append(record)
    if not result.documents:
        raise AnnotatorError("empty input: no .txt documents found", root)
    return result


def _split_ann_name(stem: str, text_stems: set[str], default_annotator: str) -> tuple[str | None, str]:
    if stem in text_stems:
        return stem, default_annotator
    name, _, annotator = stem.rpartition("_")
    if name in text_stems and annotator:
        return name, unquote(annotator)
    return None, ""


def _parse_date(value: str | None) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


def _record_from_ann(document: Document, annotator: str, path: Path, result: BratImport) -> AnnotationRecord:
    parsed = parse_ann(read_text(path), path)
    text = document.text
    used: set[str] = set()
    attributions: list[Attribution] = []
    attribution_of_span: dict[str, Attribution] = {}
    for event in parsed.events:
        if event.trigger not in TRIGGER_LABELS:
            result.unmapped[f"events of type {event.trigger}"] += 1
            continue
        used.add(event.trigger_id)
        pieces: dict[str, list[tuple[int, int]]] = {}
        span_ids: list[str] = []
        broken = False
        for role, target in event.roles:
            if role == "Attribution" or role in TRIGGER_LABELS:
                used.add(target)
                continue
            bound = parsed.spans.get(target)
            if role not in ROLE_LABELS or bound is None:
                result.unmapped[f"event arguments {role}:{'missing span' if bound is None else 'unknown role'}"] += 1
                result.problems.append(f"{path}:{event.line}: cannot map argument {role}:{target}")
                continue
            if any(end > len(text) for _, end in bound.pieces):
                result.problems.append(
                    f"{path}:{bound.line}: span {target} ends beyond the text ({len(text)}): "
                    f"attribution {event.id} left out"
                )
                broken = True
                continue
            expected = " ".join(text[a:b] for a, b in bound.pieces)
            if expected != bound.text:
                result.unmapped["span texts differing from the document (offsets kept)"] += 1
                result.problems.append(f"{path}:{bound.line}: text of {target} differs from the document at its offsets")
            pieces.setdefault(ROLE_LABELS[role], []).extend(bound.pieces)
            span_ids.append(target)
            used.add(target)
        if broken:
            # Its spans belong to an event (not "outside any event"); the event is what is lost.
            used.update(target for _, target in event.roles)
            result.unmapped["attributions with a span beyond the text (left out)"] += 1
            continue
        if "content" not in pieces:
            result.unmapped["events without a content"] += 1
            continue
        # Pieces are sorted, and touching or overlapping ones merged (Span.from_pieces).
        spans = {role: Span.from_pieces(text, role_pieces) for role, role_pieces in pieces.items()}
        cue = spans.get("cue")
        written_type = parsed.types.get(event.id)
        if written_type is not None and written_type not in AttributionType.__members__:
            result.problems.append(f"{path}: unknown Type {written_type!r} on {event.id}; inferred instead")
            written_type = None
        attribution = Attribution(
            id=event.id,
            source=spans.get("source"),
            source_entity=parsed.entities.get(event.id),
            cue=cue,
            content=spans["content"],
            type=written_type or infer_type(spans["content"].text, cue.text if cue else None),
            origin=Origin.manual,
        )
        attributions.append(attribution)
        for span_id in [event.trigger_id, *span_ids]:
            attribution_of_span[span_id] = attribution
    for target, note, line in parsed.notes:
        owner = attribution_of_span.get(target) or next(
            (item for item in attributions if item.id == target), None
        )
        if owner is None:
            result.unmapped["notes on spans outside any attribution"] += 1
            result.problems.append(f"{path}:{line}: note on {target or 'nothing'} has no attribution to attach to")
            continue
        owner.note = note if owner.note is None else f"{owner.note}\n{note}"
    if parsed.other_lines:
        result.unmapped["relation/attribute/normalisation lines"] += parsed.other_lines
    for span_id, bound in parsed.spans.items():
        if span_id in used:
            continue
        if bound.label in MARK_LABELS:
            result.unmapped[f"{bound.label} marks"] += 1
        else:
            result.unmapped[f"{bound.label} spans outside any event"] += 1
    return AnnotationRecord(
        doc_id=document.id,
        annotator=annotator,
        status=Status.done,
        updated_at=file_time(path),
        text_sha1=document.sha1,
        attributions=attributions,
    )


def file_time(path: Path) -> datetime:
    """A .ann file's modification time: the record's ``updated_at`` (to the microsecond)."""
    nanoseconds = path.stat().st_mtime_ns
    seconds, rest = divmod(nanoseconds, 1_000_000_000)
    return datetime.fromtimestamp(seconds, tz=timezone.utc).replace(microsecond=rest // 1000)


def set_file_time(path: Path, moment: datetime) -> None:
    """Stamp a written .ann file with its record's ``updated_at``, which the reader takes
    back from the file's modification time (so a round trip keeps it)."""
    import os

    delta = moment - datetime(1970, 1, 1, tzinfo=timezone.utc)
    nanoseconds = (delta.days * 86_400 + delta.seconds) * 1_000_000_000 + delta.microseconds * 1000
    try:
        os.utime(path, ns=(nanoseconds, nanoseconds))
    except (OSError, OverflowError, ValueError):
        pass  # a time the file system cannot hold: the file keeps the time of writing


# ---------------------------------------------------------------- writer

FORMAT = "brat"
CARRIES = {"type", "source_entity", "note", "discontinuous", "frames"}
BRAT_ROLE_LABELS = {"source": "Source", "cue": "Cue", "content": "Content"}

ANNOTATION_CONF = """\
# BRAT configuration for attribution relations (PolNeAR's scheme), written by annotator.
[entities]
Source
Cue
Content
Attribution
Attribution-no-source
Discuss
Discard

[relations]
<OVERLAP>\tArg1:<ENTITY>, Arg2:<ENTITY>, <OVL-TYPE>:<ANY>

[events]
Attribution\tSource?:Source, Cue?:Cue, Content+:Content
Attribution-no-source\tCue?:Cue, Content+:Content

[attributes]
Type\tArg:<EVENT>, Value:direct|indirect|mixed|according_to|scare_quote|other
"""

METADATA_COLUMNS = ["compartment", "filename", "annotators", "publisher", "publication_date", "author", "title"]


def file_stem(name: str, safe: str = "-_.,@+=") -> str:
    """A file-name-safe, reversible spelling of a document id or annotator name."""
    stem = quote(name, safe=safe)
    if "_" not in safe:  # quote() never escapes "_" by itself
        stem = stem.replace("_", "%5F")
    return "%2E" + stem[1:] if stem.startswith(".") else stem


def ann_text(record: AnnotationRecord, text: str, report: LossReport | None = None) -> str:
    """The .ann content for one record."""
    lines: list[str] = []
    counter = {"T": 0, "A": 0, "N": 0, "#": 0}

    def next_id(kind: str) -> str:
        counter[kind] += 1
        return f"{kind}{counter[kind]}"

    def text_bound(label: str, pieces: list[tuple[int, int]]) -> str:
        bound_id = next_id("T")
        span_text = " ".join(text[a:b] for a, b in pieces)
        # A newline inside a span continues on the next line; a continuation that
        # looks like an annotation line would be misread, so such text is flattened
        # (the offsets, which are what counts, stay exact).
        if "\n" in span_text and any(ANNOTATION_LINE.match(rest) for rest in span_text.split("\n")[1:]):
            span_text = span_text.replace("\n", " ")
            if report is not None:
                report.add("span texts flattened onto one line (offsets kept)")
        offsets = ";".join(f"{a} {b}" for a, b in pieces)
        lines.append(f"{bound_id}\t{label} {offsets}\t{span_text}")
        return bound_id

    for event_id, attribution in zip(event_ids(record), record.attributions):
        arguments = []
        for role in ("source", "cue", "content"):
            span = getattr(attribution, role)
            if span is not None:
                arguments.append(f"{BRAT_ROLE_LABELS[role]}:{text_bound(BRAT_ROLE_LABELS[role], span.pieces)}")
        trigger_label = "Attribution" if attribution.source is not None else "Attribution-no-source"
        anchor = attribution.cue or attribution.content
        trigger = text_bound(trigger_label, anchor.pieces)
        lines.append(f"{event_id}\t{trigger_label}:{trigger} " + " ".join(arguments))
        lines.append(f"{next_id('A')}\tType {event_id} {attribution.type.value}")
        if attribution.source_entity is not None:
            entity = attribution.source_entity.replace("\n", " ").replace("\r", " ")
            if entity != attribution.source_entity and report is not None:
                report.add("source entity line breaks written as spaces")
            lines.append(f"{next_id('N')}\tReference {event_id} annotator:entity\t{entity}")
        if attribution.note is not None:
            for note_line in attribution.note.split("\n"):
                lines.append(f"{next_id('#')}\tAnnotatorNotes {event_id}\t{note_line}")
    return "".join(line + "\n" for line in lines)


def touching_fragments(record: AnnotationRecord) -> int:
    """Spans whose fragments touch: the reader merges touching pieces, as BRAT tools do."""
    return sum(
        1
        for attribution in record.attributions
        for span in (attribution.source, attribution.cue, attribution.content)
        if span is not None and span.fragments
        and any(left[1] == right[0] for left, right in zip(span.fragments, span.fragments[1:]))
    )


EVENT_ID = re.compile(r"^E[1-9][0-9]*$")


def event_ids(record: AnnotationRecord) -> list[str]:
    """BRAT event ids: an attribution's own id when it is one (E<n>), else the next free E<n>."""
    kept = [attribution.id if EVENT_ID.match(attribution.id) else None for attribution in record.attributions]
    used = set(filter(None, kept))
    number = 0
    ids = []
    for event_id in kept:
        if event_id is None:
            number += 1
            while f"E{number}" in used:
                number += 1
            event_id = f"E{number}"
            used.add(event_id)
        ids.append(event_id)
    return ids


LAYOUTS = ("polnear", "flat")
MAX_FILE_NAME = 255


def write_brat(examples, folder: Path, report: LossReport, layout: str = "polnear") -> tuple[int, int]:
    """Write examples into ``folder`` (which must not exist yet; the caller renames it
    into place). Returns (documents, annotation files).

    ``polnear``: text/NAME.txt and attributions/NAME_ANNOTATOR.ann (any number of
    annotators). ``flat``: NAME.txt beside NAME.ann, what the BRAT server opens directly;
    it holds one annotation per document, and the annotator's name is not kept.
    """
    if layout not in LAYOUTS:
        raise AnnotatorError(f"unknown BRAT layout {layout!r}; choose from {', '.join(LAYOUTS)}")
    flat = layout == "flat"
    text_dir = folder if flat else folder / "text"
    ann_dir = folder if flat else folder / "attributions"
    text_dir.mkdir(parents=True)
    ann_dir.mkdir(exist_ok=True)
    (folder / "annotation.conf").write_text(ANNOTATION_CONF, encoding="utf-8")
    documents = files = 0
    previous_doc: str | None = None
    with (folder / "metadata.tsv").open("w", encoding="utf-8", newline="") as meta_stream:
        rows = csv.writer(meta_stream, delimiter="\t", lineterminator="\n")
        rows.writerow(METADATA_COLUMNS)
        for example in examples:
            document, record = example.document, example.record
            stem = file_stem(document.id)
            target = ann_dir / (f"{stem}.ann" if flat else f"{stem}_{file_stem(record.annotator, safe='-.@,+=')}.ann")
            _check_name_length(target.name, document.id, record.annotator)
            if document.id == previous_doc and flat:
                raise AnnotatorError(
                    f"document {document.id!r} has several annotators; the flat layout holds one "
                    "annotation per document (use --brat-layout polnear, or export one journal or a gold file)"
                )
            if document.id != previous_doc:
                previous_doc = document.id
                documents += 1
                with (text_dir / f"{stem}.txt").open("w", encoding="utf-8", newline="") as stream:
                    stream.write(document.text)
                rows.writerow(metadata_row(document, stem, report))
            report.check_record(record, event_ids(record))
            report.add("spans with touching fragments (read back merged into one piece)", touching_fragments(record))
            if flat:
                report.add("annotator names not carried (flat layout: read back under the --annotator name)")
            with target.open("w", encoding="utf-8", newline="") as stream:
                stream.write(ann_text(record, document.text, report))
            set_file_time(target, record.updated_at)
            files += 1
    return documents, files


# Document metadata that metadata.tsv carries beside title and date (read back by read_brat).
METADATA_KEYS = ("publisher", "author", "compartment")


def metadata_row(document: Document, stem: str, report: LossReport | None = None) -> list[str]:
    """The metadata.tsv row of a document, in METADATA_COLUMNS order.

    Title, date, publisher, author, compartment and the corpus's list of annotators
    (``meta.annotators``, joined by ``|`` as in PolNeAR) go into their columns; whatever
    else the metadata holds, or a value the reader would not give back the same (not a
    string, or "None", or surrounded by spaces, which PolNeAR's reading trims), is
    counted as not carried.
    """
    meta = document.meta
    extra = dict(meta.model_extra or {})
    lost = 0

    def text_value(value) -> str:
        nonlocal lost
        if value is None:
            return ""
        if not isinstance(value, str) or value.strip() != value or value in ("", "None"):
            lost += 1
            return value.strip() if isinstance(value, str) else ""
        return value

    values = {key: text_value(extra.pop(key, None)) for key in METADATA_KEYS}
    annotators = extra.pop("annotators", None)
    listed = ""
    if annotators is not None:
        if (isinstance(annotators, list) and annotators
                and all(isinstance(name, str) and name and "|" not in name and name.strip() == name
                        for name in annotators)):
            listed = "|".join(annotators)
        else:
            lost += 1
    title = meta.title or ""
    if title.strip() != title or title == "None":
        lost += 1
    lost += len(extra)
    if report is not None:
        report.add(
            "document metadata values not carried (metadata.tsv holds title, date, publisher, "
            "author, compartment and annotators)",
            lost,
        )
    return [
        values["compartment"], stem, listed, values["publisher"],
        meta.date.isoformat() if meta.date else "", values["author"], title,
    ]


def _check_name_length(name: str, doc_id: str, annotator: str) -> None:
    # File systems take names of at most 255 bytes; ids are spelled out in full (not
    # shortened) so that reading the folder back gives the same ids.
    if len(name.encode("utf-8")) > MAX_FILE_NAME:
        raise AnnotatorError(
            f"document {doc_id[:40]!r}… (annotator {annotator[:40]!r}) makes the file name {name[:40]}… "
            f"{len(name.encode('utf-8'))} bytes long; BRAT files are named after ids and at most "
            f"{MAX_FILE_NAME} bytes fit: use --format jsonl or shorter ids"
        )


def new_report() -> LossReport:
    return LossReport(FORMAT, CARRIES)

"""BRAT standoff, in PolNeAR's form: the reader (``.ann`` lines are parsed in ``brat_ann``,
the writer lives in ``brat_write``; both are importable from here).

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
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from pathlib import Path
from urllib.parse import unquote

from annotator.errors import AnnotatorError
from annotator.fileio import read_text
from annotator.formats.brat_ann import (
    ANNOTATION_LINE,
    AnnFile,
    Event,
    TextBound,
    parse_ann,
)
from annotator.formats.brat_write import (
    ANNOTATION_CONF,
    CARRIES,
    FORMAT,
    LAYOUTS,
    METADATA_COLUMNS,
    ann_text,
    event_ids,
    file_stem,
    metadata_row,
    new_report,
    touching_fragments,
    write_brat,
)
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

__all__ = [
    "ANNOTATION_CONF", "ANNOTATION_LINE", "CARRIES", "FORMAT", "LAYOUTS", "METADATA_COLUMNS", "AnnFile",
    "BratImport", "Event", "TextBound", "ann_text", "event_ids", "file_stem", "metadata_row", "new_report",
    "parse_ann", "read_brat", "touching_fragments", "write_brat",
]

ROLE_LABELS = {"Source": "source", "Cue": "cue", "Content": "content"}
TRIGGER_LABELS = {"Attribution", "Attribution-no-source"}
MARK_LABELS = {"Discuss", "Discard"}


@dataclass
class BratImport:
    documents: list[Document] = field(default_factory=list)
    records: list[AnnotationRecord] = field(default_factory=list)
    unmapped: Counter = field(default_factory=Counter)
    problems: list[str] = field(default_factory=list)  # "FILE:LINE: problem"

    @property
    def annotators(self) -> list[str]:
        return sorted({record.annotator for record in self.records})


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
            type=AttributionType(written_type) if written_type else infer_type(
                spans["content"].text, cue.text if cue else None),
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
    return datetime.fromtimestamp(seconds, tz=UTC).replace(microsecond=rest // 1000)

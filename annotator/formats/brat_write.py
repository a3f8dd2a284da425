"""BRAT standoff writer (``export --format brat``): the layout ``brat.read_brat`` reads.

``OUT/text/NAME.txt``, ``OUT/attributions/NAME_ANNOTATOR.ann``, ``OUT/metadata.tsv`` (title,
date, publisher, author, compartment and the corpus's list of annotators, as PolNeAR's) and
``OUT/annotation.conf`` for BRAT 1.3 (``Attribution`` and ``Attribution-no-source`` are
event types only: BRAT warns about a type listed both as an entity and as an event). Each
attribution becomes one ``T`` per role (fragments of a discontinuous span as
``start end;start end``), a trigger ``T`` on the cue, an ``E`` event, a ``Type``
attribute, a ``Reference`` normalisation for the source entity and ``#`` AnnotatorNotes
for the note (one line per note line). File names are percent-encoded ids.
"""

from __future__ import annotations

import csv
import re
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import quote

from annotator.errors import AnnotatorError
from annotator.formats.brat_ann import ANNOTATION_LINE, SPACED_LINE
from annotator.formats.common import LossReport
from annotator.schema import AnnotationRecord, Document

FORMAT = "brat"
CARRIES = {"type", "source_entity", "note", "discontinuous", "frames"}
BRAT_ROLE_LABELS = {"source": "Source", "cue": "Cue", "content": "Content"}

ANNOTATION_CONF = """\
# BRAT configuration for attribution relations (PolNeAR's scheme), written by annotator.
[entities]
Source
Cue
Content
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
        if "\n" in span_text and any(
            ANNOTATION_LINE.match(rest) or SPACED_LINE.match(rest) for rest in span_text.split("\n")[1:]
        ):
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
            # One line, and no tabs at its ends (a reader takes the text past BRAT's tabs).
            entity = " ".join(attribution.source_entity.splitlines()).replace("\r", " ").strip("\t")
            if entity != attribution.source_entity and report is not None:
                report.add("source entity line breaks written as spaces, or tabs at their ends dropped")
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


def set_file_time(path: Path, moment: datetime) -> None:
    """Stamp a written .ann file with its record's ``updated_at``, which the reader takes
    back from the file's modification time (so a round trip keeps it)."""
    import os

    delta = moment - datetime(1970, 1, 1, tzinfo=UTC)
    nanoseconds = (delta.days * 86_400 + delta.seconds) * 1_000_000_000 + delta.microseconds * 1000
    try:
        os.utime(path, ns=(nanoseconds, nanoseconds))
    except (OSError, OverflowError, ValueError):
        pass  # a time the file system cannot hold: the file keeps the time of writing

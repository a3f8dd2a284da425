"""doccano's relation-extraction JSONL: writer and reader.

One line per example: ``{"id", "text", "entities": [{"id", "label", "start_offset",
"end_offset"}], "relations": [{"id", "from_id", "to_id", "type"}], "doc_id", "annotator",
"status", "updated_at", "doc_meta"}`` (doccano keeps the extra keys as metadata; a line
without status or updated_at reads as done, now). Offsets are Python code points.

doccano has no discontinuous spans and no frames, so an attribution is written as a star
of relations (``common.Graph``): from the first fragment of its content to each of its
source and cue fragments (types SOURCE, CUE) and to each further content fragment (type
CONTENT), which is how the reader puts fragments back together. Discontinuous spans are
counted in the warnings because doccano shows the fragments as separate entities. Not
carried (counted when set): attribution type (read back inferred from quotation), source
entity, note, origin/action/score, agreed_by, rejected suggestions, attribution ids.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import IO

import orjson

from annotator.errors import AnnotatorError
from annotator.formats.common import (
    Entity,
    Example,
    LossReport,
    attributions_to_graph,
    count_unrecoverable,
    example_record,
    graph_to_attributions,
    iso_time,
    list_field,
    renumbered_ids,
    strict_int,
)
from annotator.schema import AnnotationRecord, Document, DocumentMeta, Status

FORMAT = "doccano"
CARRIES: set[str] = {"status"}  # discontinuity is rebuilt from CONTENT relations but not shown as such


def new_report() -> LossReport:
    return LossReport(FORMAT, CARRIES | {"frames"})


def line_for(example: Example, number: int) -> dict:
    document, record = example.document, example.record
    graph = attributions_to_graph(record.attributions)
    entities = [
        {"id": index + 1, "label": entity.label, "start_offset": entity.start, "end_offset": entity.end}
        for index, entity in enumerate(graph.entities)
    ]
    relations = [
        {"id": index + 1, "from_id": head + 1, "to_id": child + 1, "type": label}
        for index, (head, child, label) in enumerate(graph.relations)
    ]
    return {
        "id": number,
        "text": document.text,
        "entities": entities,
        "relations": relations,
        "doc_id": document.id,
        "annotator": record.annotator,
        "status": record.status.value,
        "updated_at": record.updated_at.isoformat(),
        "doc_meta": document.meta.model_dump(mode="json", exclude_none=True),
    }


def write(examples, stream: IO[bytes], report: LossReport) -> int:
    count = 0
    for example in examples:
        count += 1
        line = line_for(example, count)
        _, rebuilt = parse_line(line, "<written>", 0)
        report.check_record(example.record, renumbered_ids("a", len(example.record.attributions)))
        count_unrecoverable(report, example.record.attributions, rebuilt.attributions)
        stream.write(orjson.dumps(line, option=orjson.OPT_APPEND_NEWLINE))
    return count


def parse_line(
    value: object, path, line: int, default_annotator: str = "doccano", report: LossReport | None = None
) -> tuple[Document, AnnotationRecord]:
    if not isinstance(value, dict) or not isinstance(value.get("text"), str):
        raise AnnotatorError("a doccano line needs a text", path, line)
    text = value["text"]
    entities: list[Entity] = []
    index_of: dict[object, int] = {}
    for item in list_field(value, "entities", path, line):
        if not isinstance(item, dict) or not {"id", "label", "start_offset", "end_offset"} <= item.keys():
            raise AnnotatorError(f"bad entity (it needs id, label, start_offset and end_offset): {str(item)[:60]}", path, line)
        key, label = item["id"], item["label"]
        if not isinstance(key, int | str) or isinstance(key, bool):  # relations name entities by it
            raise AnnotatorError(f"bad entity: id {str(key)[:40]} must be an integer or a string", path, line)
        if not isinstance(label, str):
            raise AnnotatorError(f"bad entity {key}: its label must be a string", path, line)
        start = strict_int(item["start_offset"], f"bad entity {key}: start_offset", path, line)
        end = strict_int(item["end_offset"], f"bad entity {key}: end_offset", path, line)
        if not 0 <= start < end <= len(text):
            raise AnnotatorError(f"entity {key} {start}-{end} does not fit the text", path, line)
        if key in index_of:  # relations name entities by id: which one would be meant?
            raise AnnotatorError(f"entity id {key!r} is used by two entities", path, line)
        index_of[key] = len(entities)
        entities.append(Entity(label.upper(), start, end))
    relations = []
    for item in list_field(value, "relations", path, line):
        if not isinstance(item, dict):
            raise AnnotatorError("a relation must be an object", path, line)
        head, child = item.get("from_id"), item.get("to_id")
        if isinstance(head, bool) or isinstance(child, bool) or not isinstance(item.get("type"), str):
            raise AnnotatorError(f"relation {str(item)[:60]} needs entity ids and a type", path, line)
        try:
            relations.append((index_of[head], index_of[child], item["type"]))
        except (KeyError, TypeError):
            raise AnnotatorError(f"relation {str(item)[:60]} names an entity that does not exist", path, line) from None
    attributions = graph_to_attributions(text, entities, relations, report=report)
    doc_id = str(value.get("doc_id") or value.get("id") or f"line-{line}")
    meta = value.get("doc_meta") if isinstance(value.get("doc_meta"), dict) else {}
    try:
        document = Document(id=doc_id, text=text, meta=DocumentMeta.model_validate(meta))
    except ValueError:
        document = Document(id=doc_id, text=text)
    annotator = str(value.get("annotator") or default_annotator)
    status = value.get("status", Status.done.value)
    if status not in Status.__members__:
        raise AnnotatorError(f"status {status!r} is not one of {', '.join(Status.__members__)}", path, line)
    updated = iso_time(value.get("updated_at"), path, line)
    return document, example_record(document, annotator, attributions, updated, Status(status))


def read(
    path: Path, default_annotator: str = "doccano", report: LossReport | None = None
) -> Iterator[tuple[Document, AnnotationRecord]]:
    with Path(path).open("rb") as stream:
        for number, raw in enumerate(stream, start=1):
            if not raw.strip():
                continue
            try:
                value = orjson.loads(raw)
            except orjson.JSONDecodeError as error:
                raise AnnotatorError(f"invalid JSON: {error}", path, number) from None
            yield parse_line(value, path, number, default_annotator, report)

"""Label Studio JSON export (a JSON array of tasks): writer and reader.

One task per document, ``data.text`` holding the text (and ``doc_id``, ``title``), with one
entry in ``annotations`` per annotator. Each annotation's ``result`` holds:
- ``labels`` regions (``from_name`` "label") with ``value.start``/``end``/``text``/``labels``,
  one per span fragment (Label Studio has no discontinuous spans: counted in warnings);
- ``relation`` results with ``from_id``/``to_id`` and ``labels`` [SOURCE|CUE|CONTENT]: from
  the region of an attribution's first content fragment (whose region id is the
  attribution id) to each of its source and cue fragments and further content fragments;
- per-region results on that anchor region: ``choices`` (``from_name`` "type") for the
  attribution type and ``textarea`` results ("note", "source_entity").
``LABEL_CONFIG`` is the matching labeling config (``export --config`` writes it).
Offsets are Python code points (Label Studio's own frontend has had UTF-16 offset bugs
with emoji, HumanSignal/label-studio#1347). Not carried (counted when set): origin,
action, score, agreed_by, rejected suggestions.

Annotators: the server's import takes ``completed_by`` only as a member's user id or as
``{"email": ...}`` naming a member (anything else is refused), so each annotation names its
annotator by email: the annotator name itself when it is an address, else
``NAME@annotator.invalid`` (create a user with that address per annotator in Label Studio,
or map them when importing). Reading back, ``NAME@annotator.invalid`` gives ``NAME``, any
other address the address, and a bare user id (what Label Studio's own JSON export writes)
``labelstudio-user-ID``, so each annotator's work stays apart.

Reading is strict: offsets must be JSON integers (not booleans, fractions or strings), a
region id may not be used by two regions, and whatever cannot become part of an
attribution (other labels, regions or relations outside any frame, other result types)
is counted in the import report. Errors name the file and the line where the task starts.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import IO

import orjson

from annotator.errors import AnnotatorError
from annotator.fileio import read_text
from annotator.formats.common import (
    Entity,
    LossReport,
    attributions_to_graph,
    count_unrecoverable,
    example_record,
    graph_to_attributions,
    list_field,
    strict_int,
)
from annotator.schema import (
    AnnotationRecord,
    AttributionType,
    Document,
    DocumentMeta,
    Status,
)

FORMAT = "labelstudio"
CARRIES = {"frames", "id", "type", "note", "source_entity", "status"}
# An address of the reserved .invalid domain (RFC 2606) for annotators named without one.
EMAIL_DOMAIN = "annotator.invalid"
USER_ID_PREFIX = "labelstudio-user-"


def email_of(annotator: str) -> str:
    return annotator if "@" in annotator else f"{annotator}@{EMAIL_DOMAIN}"


def annotator_of(completed_by: object, default: str) -> str:
    """The annotator named by Label Studio's ``completed_by`` (see the module's docstring)."""
    if isinstance(completed_by, dict):
        completed_by = completed_by.get("email", completed_by.get("id"))
    if type(completed_by) is int:
        return f"{USER_ID_PREFIX}{completed_by}"
    if isinstance(completed_by, str) and completed_by:
        name, _, domain = completed_by.rpartition("@")
        return name if domain == EMAIL_DOMAIN and name else completed_by
    return default

LABEL_CONFIG = """\
<View>
  <Labels name="label" toName="text">
    <Label value="SOURCE" background="#1f77b4"/>
    <Label value="CUE" background="#ff7f0e"/>
    <Label value="CONTENT" background="#2ca02c"/>
  </Labels>
  <Text name="text" value="$text"/>
  <Relations>
    <Relation value="SOURCE"/>
    <Relation value="CUE"/>
    <Relation value="CONTENT"/>
  </Relations>
  <Choices name="type" toName="text" perRegion="true" choice="single">
    <Choice value="direct"/><Choice value="indirect"/><Choice value="mixed"/>
    <Choice value="according_to"/><Choice value="scare_quote"/><Choice value="other"/>
  </Choices>
  <TextArea name="source_entity" toName="text" perRegion="true" maxSubmissions="1"/>
  <TextArea name="note" toName="text" perRegion="true" maxSubmissions="1"/>
</View>
"""


def new_report() -> LossReport:
    return LossReport(FORMAT, CARRIES)


def annotation_for(record: AnnotationRecord, text: str, number: int) -> dict:
    graph = attributions_to_graph(record.attributions)
    region_ids: list[str] = [""] * len(graph.entities)
    used = {attribution.id for attribution in record.attributions}
    for anchor, attribution in zip(graph.anchors, record.attributions):
        region_ids[anchor] = attribution.id
    counter = 0
    for index in range(len(region_ids)):
        if not region_ids[index]:
            while (candidate := f"r{counter}") in used:
                counter += 1
            used.add(candidate)
            region_ids[index] = candidate
    result: list[dict] = []
    for region_id, entity in zip(region_ids, graph.entities):
        result.append({
            "id": region_id, "from_name": "label", "to_name": "text", "type": "labels", "origin": "manual",
            "value": {"start": entity.start, "end": entity.end, "text": text[entity.start:entity.end],
                      "labels": [entity.label]},
        })
    for anchor, attribution in zip(graph.anchors, record.attributions):
        entity = graph.entities[anchor]
        where = {"start": entity.start, "end": entity.end}
        base = {"id": attribution.id, "to_name": "text", "origin": "manual"}
        result.append({**base, "from_name": "type", "type": "choices",
                       "value": {**where, "choices": [attribution.type.value]}})
        for name in ("source_entity", "note"):
            value = getattr(attribution, name)
            if value is not None:
                result.append({**base, "from_name": name, "type": "textarea", "value": {**where, "text": [value]}})
    for head, child, label in graph.relations:
        result.append({"from_id": region_ids[head], "to_id": region_ids[child], "type": "relation",
                       "direction": "right", "labels": [label]})
    stamp = record.updated_at.isoformat()
    return {
        "id": number, "completed_by": {"email": email_of(record.annotator)}, "result": result,
        "was_cancelled": record.status is Status.skipped, "ground_truth": record.adjudicator is not None,
        "created_at": stamp, "updated_at": stamp, "status": record.status.value,
    }


def write(examples, stream: IO[bytes], report: LossReport) -> int:
    """Stream tasks into one JSON array; a document's annotators share its task."""
    count = 0
    task: dict | None = None
    annotation_number = 0

    def flush() -> None:
        nonlocal count
        if task is not None:
            stream.write(b"[\n" if count == 0 else b",\n")
            stream.write(orjson.dumps(task))
            count += 1

    for example in examples:
        document, record = example.document, example.record
        if task is None or task["data"]["doc_id"] != document.id:
            flush()
            data = {"text": document.text, "doc_id": document.id}
            if document.meta.title:
                data["title"] = document.meta.title
            task = {"id": count + 1, "data": data, "annotations": [],
                    "meta": {"doc_meta": document.meta.model_dump(mode="json", exclude_none=True)}}
        annotation_number += 1
        annotation = annotation_for(record, document.text, annotation_number)
        rebuilt = parse_annotation(annotation, document, "<written>")
        report.check_record(record, [attribution.id for attribution in rebuilt.attributions])
        count_unrecoverable(report, record.attributions, rebuilt.attributions)
        task["annotations"].append(annotation)
    flush()
    stream.write(b"[]\n" if count == 0 else b"\n]\n")
    return count


def parse_annotation(
    annotation: object, document: Document, path, default_annotator: str = "labelstudio",
    line: int | None = None, report: LossReport | None = None,
) -> AnnotationRecord:
    where = f"task {document.id!r}: "
    if not isinstance(annotation, dict):
        raise AnnotatorError(f"{where}an annotation is not an object", path, line)
    text = document.text
    entities: list[Entity] = []
    entity_ids: list[str] = []
    index_of: dict[str, int] = {}
    per_region: dict[str, dict[str, object]] = {}
    links = []
    for item in list_field(annotation, "result", path, line, where):
        if not isinstance(item, dict):
            raise AnnotatorError(f"{where}a result is not an object", path, line)
        kind = item.get("type")
        value: dict = item["value"] if isinstance(item.get("value"), dict) else {}
        region = str(item.get("id"))
        if kind == "labels":
            labels = _strings(value.get("labels"))
            if not labels:
                raise AnnotatorError(f"region {region!r} in task {document.id!r} has no label", path, line)
            start = strict_int(value.get("start"), f"{where}region {region!r} start", path, line)
            end = strict_int(value.get("end"), f"{where}region {region!r} end", path, line)
            if not 0 <= start < end <= len(text):
                raise AnnotatorError(f"region {region!r} in task {document.id!r} does not fit the text ({start}-{end})", path, line)
            if region in index_of:  # relations name regions by id: which one would be meant?
                raise AnnotatorError(f"{where}region id {region!r} is used by two regions", path, line)
            if len(labels) > 1 and report is not None:
                report.add("extra labels on a region (the first is used)", len(labels) - 1)
            index_of[region] = len(entities)
            entity_ids.append(region)
            entities.append(Entity(labels[0].upper(), start, end))
        elif kind == "relation":
            label = (_strings(item.get("labels")) or [""])[0]
            links.append((str(item.get("from_id")), str(item.get("to_id")), label))
        elif kind == "choices" and _strings(value.get("choices")):
            per_region.setdefault(region, {})[str(item.get("from_name"))] = _strings(value["choices"])[0]
        elif kind == "textarea" and value.get("text"):
            texts = value["text"]
            per_region.setdefault(region, {})[str(item.get("from_name"))] = (
                "\n".join(str(piece) for piece in texts) if isinstance(texts, list) else str(texts)
            )
        elif report is not None:
            report.add(f"results of type {str(kind)[:30]!r} (not labels, relation, choices or textarea) left out")
    relations = []
    for head, child, label in links:
        if head not in index_of or child not in index_of:
            raise AnnotatorError(f"relation {head}->{child} in task {document.id!r} names a missing region", path, line)
        relations.append((index_of[head], index_of[child], label))
    attributions = graph_to_attributions(text, entities, relations, entity_ids, report)
    anchors = {attribution.id for attribution in attributions}
    for attribution in attributions:
        extra = per_region.get(attribution.id, {})
        written_type = extra.get("type")
        if isinstance(written_type, str) and written_type in AttributionType.__members__:
            attribution.type = AttributionType(written_type)
        elif written_type is not None and report is not None:
            report.add("attribution types not one of annotator's (inferred from quotation instead)")
        for name in ("source_entity", "note"):
            if name in extra:
                setattr(attribution, name, extra[name])
    if report is not None:
        for region, fields in per_region.items():
            if region not in anchors:
                report.add("per-region choices or texts on a region that is not a content anchor, left out",
                           len(fields))
    updated = None
    if isinstance(annotation.get("updated_at"), str):
        try:
            updated = datetime.fromisoformat(annotation["updated_at"].replace("Z", "+00:00"))
            if updated.tzinfo is None:
                updated = updated.replace(tzinfo=UTC)
        except ValueError:
            raise AnnotatorError(f"{where}updated_at {annotation['updated_at'][:40]!r} is not an ISO 8601 time",
                                 path, line) from None
    written_status = annotation.get("status")
    status = Status.skipped if annotation.get("was_cancelled") is True else Status(written_status) \
        if isinstance(written_status, str) and written_status in Status.__members__ else Status.done
    annotator = annotator_of(annotation.get("completed_by"), default_annotator)
    return example_record(document, annotator, attributions, updated, status)


def _strings(value: object) -> list[str]:
    """A list of labels or choices as written by Label Studio; anything else counts as none."""
    return [item for item in value if isinstance(item, str)] if isinstance(value, list) else []


def _tasks(path: Path) -> Iterator[tuple[int, object]]:
    """(line where it starts, task) for each element of the file's top-level JSON array.

    Decoded one element at a time with the standard library so that every error can name
    the line of its task (a Label Studio export is one array, often pretty-printed).
    """
    import json

    text = read_text(Path(path))
    decoder = json.JSONDecoder()
    position = _skip_space(text, 0)
    if not text.startswith("[", position):
        raise AnnotatorError("expected a JSON array of Label Studio tasks", path, text.count("\n", 0, position) + 1)
    position = _skip_space(text, position + 1)
    first = True
    while not text.startswith("]", position):
        line = text.count("\n", 0, position) + 1
        if not first:
            if not text.startswith(",", position):
                raise AnnotatorError("invalid JSON: expected ',' or ']' between tasks", path, line)
            position = _skip_space(text, position + 1)
            line = text.count("\n", 0, position) + 1
        try:
            task, position = decoder.raw_decode(text, position)
        except json.JSONDecodeError as error:
            raise AnnotatorError(f"invalid JSON: {error.msg}", path, error.lineno) from None
        except RecursionError:
            raise AnnotatorError("invalid JSON: nested too deeply", path, line) from None
        yield line, task
        first = False
        position = _skip_space(text, position)
        if position >= len(text):
            raise AnnotatorError("invalid JSON: the array is not closed", path, line)
    if text[position + 1:].strip():
        raise AnnotatorError("invalid JSON: text after the array", path, text.count("\n", 0, position) + 1)


def _skip_space(text: str, position: int) -> int:
    while position < len(text) and text[position] in " \t\r\n":
        position += 1
    return position


def read(
    path: Path, default_annotator: str = "labelstudio", report: LossReport | None = None
) -> Iterator[tuple[Document, AnnotationRecord | None]]:
    for number, (line, task) in enumerate(_tasks(path), start=1):
        if not isinstance(task, dict) or not isinstance(task.get("data"), dict):
            raise AnnotatorError(f"task {number} has no data object", path, line)
        data = task["data"]
        text = data.get("text")
        if not isinstance(text, str):
            raise AnnotatorError(f"task {number} has no data.text string", path, line)
        meta = (task.get("meta") or {}).get("doc_meta") if isinstance(task.get("meta"), dict) else None
        doc_id = str(data.get("doc_id") or task.get("id") or number)
        try:
            document = Document(id=doc_id, text=text, meta=DocumentMeta.model_validate(meta or {"title": data.get("title")}))
        except ValueError:
            document = Document(id=doc_id, text=text)
            if report is not None and meta:
                report.add("task metadata (meta.doc_meta) not readable as document metadata, left out")
        annotations = list_field(task, "annotations", path, line, f"task {number}: ")
        if report is not None:
            report.add("predictions (not annotations) left out", len(list_field(task, "predictions", path, line)))
        if not annotations:
            yield document, None
        for annotation in annotations:
            yield document, parse_annotation(annotation, document, path, default_annotator, line, report)

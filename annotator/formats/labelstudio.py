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
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timezone
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
)
from annotator.schema import AnnotationRecord, AttributionType, Document, DocumentMeta, Status

FORMAT = "labelstudio"
CARRIES = {"frames", "id", "type", "note", "source_entity", "status"}

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
        "id": number, "completed_by": record.annotator, "result": result,
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


def parse_annotation(annotation: object, document: Document, path, default_annotator: str = "labelstudio") -> AnnotationRecord:
    if not isinstance(annotation, dict):
        raise AnnotatorError(f"bad annotation in task {document.id!r}: not an object", path)
    where = f"task {document.id!r}: "
    text = document.text
    entities: list[Entity] = []
    entity_ids: list[str] = []
    index_of: dict[str, int] = {}
    per_region: dict[str, dict[str, object]] = {}
    links = []
    for item in list_field(annotation, "result", path, None, where):
        if not isinstance(item, dict):
            continue
        kind = item.get("type")
        value = item.get("value") if isinstance(item.get("value"), dict) else {}
        if kind == "labels":
            labels = _strings(value.get("labels"))
            start, end = value.get("start"), value.get("end")
            if not labels:
                raise AnnotatorError(f"region {item.get('id')!r} in task {document.id!r} has no label", path)
            if not (isinstance(start, int) and isinstance(end, int) and 0 <= start < end <= len(text)):
                raise AnnotatorError(f"region {item.get('id')!r} in task {document.id!r} does not fit the text", path)
            index_of[str(item.get("id"))] = len(entities)
            entity_ids.append(str(item.get("id")))
            entities.append(Entity(str(labels[0]).upper(), start, end))
        elif kind == "relation":
            label = (_strings(item.get("labels")) or [""])[0]
            links.append((str(item.get("from_id")), str(item.get("to_id")), label))
        elif kind == "choices" and _strings(value.get("choices")):
            per_region.setdefault(str(item.get("id")), {})[str(item.get("from_name"))] = _strings(value["choices"])[0]
        elif kind == "textarea" and value.get("text"):
            texts = value["text"]
            per_region.setdefault(str(item.get("id")), {})[str(item.get("from_name"))] = (
                "\n".join(texts) if isinstance(texts, list) else str(texts)
            )
    relations = []
    for head, child, label in links:
        if head not in index_of or child not in index_of:
            raise AnnotatorError(f"relation {head}->{child} in task {document.id!r} names a missing region", path)
        relations.append((index_of[head], index_of[child], label))
    attributions = graph_to_attributions(text, entities, relations, entity_ids)
    for attribution in attributions:
        extra = per_region.get(attribution.id, {})
        if isinstance(extra.get("type"), str) and extra["type"] in AttributionType.__members__:
            attribution.type = AttributionType(extra["type"])
        for name in ("source_entity", "note"):
            if name in extra:
                setattr(attribution, name, extra[name])
    who = annotation.get("completed_by")
    annotator = who.get("email") if isinstance(who, dict) else who
    updated = None
    if isinstance(annotation.get("updated_at"), str):
        try:
            updated = datetime.fromisoformat(annotation["updated_at"].replace("Z", "+00:00"))
            if updated.tzinfo is None:
                updated = updated.replace(tzinfo=timezone.utc)
        except ValueError:
            updated = None
    written_status = annotation.get("status")
    status = Status.skipped if annotation.get("was_cancelled") else Status(written_status) \
        if isinstance(written_status, str) and written_status in Status.__members__ else Status.done
    return example_record(document, str(annotator or default_annotator), attributions, updated, status)


def _strings(value: object) -> list[str]:
    """A list of labels or choices as written by Label Studio; anything else counts as none."""
    return [item for item in value if isinstance(item, str)] if isinstance(value, list) else []


def read(path: Path, default_annotator: str = "labelstudio") -> Iterator[tuple[Document, AnnotationRecord]]:
    try:
        tasks = orjson.loads(read_text(Path(path)))
    except orjson.JSONDecodeError as error:
        raise AnnotatorError(f"invalid JSON: {error}", path) from None
    if not isinstance(tasks, list):
        raise AnnotatorError("expected a JSON array of Label Studio tasks", path)
    for number, task in enumerate(tasks, start=1):
        if not isinstance(task, dict) or not isinstance(task.get("data"), dict):
            raise AnnotatorError(f"task {number} has no data", path)
        data = task["data"]
        text = data.get("text")
        if not isinstance(text, str):
            raise AnnotatorError(f"task {number} has no data.text", path)
        meta = (task.get("meta") or {}).get("doc_meta") if isinstance(task.get("meta"), dict) else None
        doc_id = str(data.get("doc_id") or task.get("id") or number)
        try:
            document = Document(id=doc_id, text=text, meta=DocumentMeta.model_validate(meta or {"title": data.get("title")}))
        except ValueError:
            document = Document(id=doc_id, text=text)
        annotations = list_field(task, "annotations", path, None, f"task {number}: ")
        if not annotations:
            yield document, None
        for annotation in annotations:
            yield document, parse_annotation(annotation, document, path, default_annotator)

"""Prodigy task JSONL for the ``relations`` interface: writer and reader.

One task per example: ``text``, ``tokens`` (id, text, start, end, ws), ``spans`` (start,
end, token_start, token_end INCLUSIVE, label SOURCE/CUE/CONTENT), ``relations`` (head and
child token indices, i.e. each span's last token, with ``head_span``/``child_span`` and a
label), ``_input_hash``/``_task_hash`` (MurmurHash3 of the sorted JSON of the input key
``text`` and of the task keys ``spans`` and ``relations``, in the manner of Prodigy's
``set_hashes``), ``answer`` (done: accept, skipped: ignore), ``_annotator_id``,
``_session_id``, ``_timestamp`` (whole seconds), ``updated_at`` (the record's time, ISO 8601,
read back in preference to ``_timestamp``) and ``meta`` (shown by Prodigy: document id
and title).

Frames travel as relations (see ``common.Graph``): a relation from the first fragment of
each attribution's content to each of its source and cue fragments (labels SOURCE, CUE)
and to further content fragments (label CONTENT). Prodigy names spans by offsets, so two
attributions whose contents start with the same fragment merge on the way back: the
writer checks each task by reading it back and counts such cases. Not carried (counted
when set): attribution type (read back inferred from quotation), source entity, note,
origin/action/score, agreed_by, rejected suggestions, ids (read back as a1, a2, ...).
Offsets are Python code points.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import IO

import orjson

from annotator.errors import AnnotatorError
from annotator.formats.common import (
    Entity,
    Example,
    LossReport,
    Tokens,
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

FORMAT = "prodigy"
CARRIES = {"frames", "status"}  # answer: done/in_progress -> accept, skipped -> ignore; "status" exact
ANSWERS = {Status.done: "accept", Status.skipped: "ignore", Status.in_progress: "accept"}


def new_report() -> LossReport:
    return LossReport(FORMAT, CARRIES)


def _hash(value: object) -> int:
    from murmurhash.mrmr import hash as murmur

    return murmur(orjson.dumps(value, option=orjson.OPT_SORT_KEYS).decode("utf-8"))


def task_for(example: Example, report: LossReport | None = None) -> dict:
    document, record = example.document, example.record
    tokens = Tokens.of(document.text)
    graph = attributions_to_graph(record.attributions)
    spans: list[dict | None] = []
    for entity in graph.entities:
        bounds = tokens.span(entity.start, entity.end)
        if bounds is None:
            spans.append(None)
            if report is not None:
                report.add("spans covering only whitespace (no token to attach to)")
            continue
        if report is not None and not tokens.aligned(entity.start, entity.end):
            report.add("spans not on token boundaries (Prodigy shows them snapped to tokens)")
        spans.append({
            "start": entity.start, "end": entity.end, "text": document.text[entity.start:entity.end],
            "token_start": bounds[0], "token_end": bounds[1], "label": entity.label,
        })
    relations = []
    for head, child, label in graph.relations:
        head_span, child_span = spans[head], spans[child]
        if head_span is None or child_span is None:
            continue
        relations.append({
            "head": head_span["token_end"], "child": child_span["token_end"],
            "head_span": head_span, "child_span": child_span, "label": label,
        })
    written = [span for span in spans if span is not None]
    task = {
        "text": document.text,
        "meta": {"doc_id": document.id, **({"title": document.meta.title} if document.meta.title else {})},
        "doc_meta": document.meta.model_dump(mode="json", exclude_none=True),
        "tokens": tokens.as_json(),
        "spans": written,
        "relations": relations,
        "answer": ANSWERS[record.status],
        "status": record.status.value,  # answer cannot tell in_progress from done
        "_annotator_id": record.annotator,
        "_session_id": record.annotator,
        "_timestamp": int(record.updated_at.timestamp()),
        "updated_at": record.updated_at.isoformat(),  # _timestamp has whole seconds only
        "_view_id": "relations",
    }
    task["_input_hash"] = _hash({"text": document.text})
    task["_task_hash"] = _hash({"_input_hash": task["_input_hash"], "spans": written, "relations": relations})
    return task


def write(examples, stream: IO[bytes], report: LossReport) -> int:
    count = 0
    for example in examples:
        task = task_for(example, report)
        _, rebuilt = parse_task(task, "<written>", 0, example.record.annotator)
        report.check_record(example.record, renumbered_ids("a", len(example.record.attributions)))
        count_unrecoverable(report, example.record.attributions, rebuilt.attributions)
        stream.write(orjson.dumps(task, option=orjson.OPT_APPEND_NEWLINE))
        count += 1
    return count


def _entity(span: object, path, line: int) -> tuple[str, int, int]:
    if not isinstance(span, dict) or not {"start", "end", "label"} <= span.keys():
        raise AnnotatorError("a span needs start, end and label", path, line)
    label = span["label"]
    if not isinstance(label, str):
        raise AnnotatorError(f"a span label must be a string, not {str(label)[:40]}", path, line)
    start = strict_int(span["start"], "span start", path, line)
    end = strict_int(span["end"], "span end", path, line)
    return label.upper(), start, end


def parse_task(
    task: object, path, line: int, default_annotator: str = "prodigy", report: LossReport | None = None
) -> tuple[Document, AnnotationRecord]:
    if not isinstance(task, dict) or not isinstance(task.get("text"), str):
        raise AnnotatorError("a Prodigy task needs a text", path, line)
    text = task["text"]
    meta: dict = task["meta"] if isinstance(task.get("meta"), dict) else {}
    doc_id = str(meta.get("doc_id") or task.get("_input_hash") or f"line-{line}")
    index: dict[tuple[str, int, int], int] = {}
    entities: list[Entity] = []

    def entity_index(span: object) -> int:
        key = _entity(span, path, line)
        if key[2] > len(text) or key[1] >= key[2] or key[1] < 0:
            raise AnnotatorError(f"span {key[1]}-{key[2]} does not fit the text", path, line)
        if key not in index:
            index[key] = len(entities)
            entities.append(Entity(*key))
        return index[key]

    for span in list_field(task, "spans", path, line):
        entity_index(span)
    relations = []
    for relation in list_field(task, "relations", path, line):
        if not isinstance(relation, dict):
            raise AnnotatorError("a relation must be an object", path, line)
        label = relation.get("label", "")
        if not isinstance(label, str):
            raise AnnotatorError(f"a relation label must be a string, not {str(label)[:40]}", path, line)
        relations.append((entity_index(relation.get("head_span")), entity_index(relation.get("child_span")), label))
    attributions = graph_to_attributions(text, entities, relations, report=report)
    doc_meta = task.get("doc_meta") if isinstance(task.get("doc_meta"), dict) else {"title": meta.get("title")}
    try:
        document = Document(id=doc_id, text=text, meta=DocumentMeta.model_validate(doc_meta))
    except ValueError:
        document = Document(id=doc_id, text=text)
    updated = iso_time(task.get("updated_at"), path, line)
    stamp = task.get("_timestamp")
    try:
        if updated is None and isinstance(stamp, int | float) and not isinstance(stamp, bool):
            updated = datetime.fromtimestamp(stamp, UTC)
    except (OverflowError, OSError, ValueError):
        raise AnnotatorError(f"_timestamp {stamp!r} is not a time in seconds", path, line) from None
    status = task.get("status")
    if status is None:
        answer = task.get("answer", "accept")
        status = Status.done if answer == "accept" else Status.skipped
        if answer != "accept" and answer != "ignore" and report is not None:
            report.add(f"tasks answered {str(answer)[:20]!r} (read as skipped)")
    elif status not in Status.__members__:
        raise AnnotatorError(f"status {status!r} is not one of {', '.join(Status.__members__)}", path, line)
    status = Status(status)
    annotator = str(task.get("_annotator_id") or default_annotator)
    return document, example_record(document, annotator, attributions, updated, status)


def read(
    path: Path, default_annotator: str = "prodigy", report: LossReport | None = None
) -> Iterator[tuple[Document, AnnotationRecord]]:
    with Path(path).open("rb") as stream:
        for number, raw in enumerate(stream, start=1):
            if not raw.strip():
                continue
            try:
                value = orjson.loads(raw)
            except orjson.JSONDecodeError as error:
                raise AnnotatorError(f"invalid JSON: {error}", path, number) from None
            yield parse_task(value, path, number, default_annotator, report)

"""Training JSONL: one line per example (document x annotation record), frames included.

Each line holds the text, its tokens, the role spans (every fragment of a discontinuous
span is one entry, with character offsets, end exclusive, and token offsets, token_end
INCLUSIVE), and the frames: one per attribution, naming its source, cue and content
span entries by index. Nothing of the record is dropped, so reading a file back gives
the same documents and records. Its JSON Schema is ``schemas/training_example.schema.json``.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import IO, Annotated, Literal

import orjson
from pydantic import BaseModel, ConfigDict, Field, Strict, ValidationError

from annotator.errors import AnnotatorError, describe_validation_error
from annotator.formats.common import (
    ROLE_LABELS,
    ROLES,
    Example,
    LossReport,
    Tokens,
    exact_span,
)
from annotator.schema import (
    Action,
    AnnotationRecord,
    Attribution,
    AttributionType,
    Document,
    DocumentMeta,
    Origin,
    Role,
    Status,
)

FORMAT = "jsonl"
CARRIES = {"type", "source_entity", "note", "origin", "action", "score", "agreed_by",
           "discontinuous", "frames", "id", "rejected", "adjudicator", "status"}


# Offsets and indices are JSON integers: true, 1.0 or "1" are errors, never converted.
Integer = Annotated[int, Strict()]


class TrainingToken(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: Integer = Field(ge=0, description="Token index.")
    text: str
    start: Integer = Field(ge=0, description="Character offset (code points), inclusive.")
    end: Integer = Field(ge=0, description="Character offset, exclusive.")
    ws: bool = Field(description="Whether whitespace follows the token.")


class TrainingSpan(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: Integer = Field(ge=0, description="Index of this entry in `spans`; frames refer to it.")
    label: Literal["SOURCE", "CUE", "CONTENT"]
    start: Integer = Field(ge=0, description="Character offset (code points), inclusive.")
    end: Integer = Field(ge=0, description="Character offset, exclusive.")
    text: str
    token_start: Integer | None = Field(
        description="First token the span touches (null if it covers only whitespace)."
    )
    token_end: Integer | None = Field(description="Last token the span touches, INCLUSIVE.")
    token_aligned: bool = Field(description="Whether start/end fall on token boundaries.")


class TrainingFrame(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str
    source: list[Integer] = Field(description="Indices into `spans` (fragments in text order); empty if none.")
    cue: list[Integer] = Field(description="Indices into `spans`; empty if none.")
    content: list[Integer] = Field(min_length=1, description="Indices into `spans`; more than one for a discontinuous content.")
    source_entity: str | None = None
    type: AttributionType
    origin: Origin = Origin.manual
    action: Action | None = None
    score: float | None = None
    note: str | None = None
    agreed_by: list[str] | None = None


class TrainingExample(BaseModel):
    """One line of the training JSONL export."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(description="Document id.")
    text: str
    meta: DocumentMeta
    annotator: str
    status: Status
    updated_at: datetime
    text_sha1: str
    adjudicator: str | None = None
    tokens: list[TrainingToken]
    spans: list[TrainingSpan]
    frames: list[TrainingFrame]
    rejected_frames: list[TrainingFrame] = Field(default_factory=list)


EXPORT_SCHEMA_MODELS = {"training_example": TrainingExample}


def example_to_json(example: Example, tokens: Tokens | None = None) -> dict:
    document, record = example.document, example.record
    tokens = tokens or Tokens.of(document.text)
    spans: list[dict] = []
    index_of: dict[tuple[str, int, int], int] = {}

    def span_index(label: str, start: int, end: int) -> int:
        key = (label, start, end)
        if key not in index_of:
            bounds = tokens.span(start, end)
            index_of[key] = len(spans)
            spans.append({
                "id": len(spans), "label": label, "start": start, "end": end,
                "text": document.text[start:end],
                "token_start": bounds[0] if bounds else None,
                "token_end": bounds[1] if bounds else None,
                "token_aligned": tokens.aligned(start, end),
            })
        return index_of[key]

    def frame(attribution: Attribution) -> dict:
        value: dict = {}
        for role in ROLES:
            span = attribution.span(role)
            pieces = span.pieces if span is not None else []
            value[role.value] = [span_index(ROLE_LABELS[role], start, end) for start, end in pieces]
        value.update(
            id=attribution.id, source_entity=attribution.source_entity,
            type=attribution.type.value, origin=attribution.origin.value,
            action=attribution.action.value if attribution.action else None,
            score=attribution.score, note=attribution.note, agreed_by=attribution.agreed_by,
        )
        return value

    frames = [frame(attribution) for attribution in record.attributions]
    rejected = [frame(attribution) for attribution in record.rejected]
    return {
        "id": document.id,
        "text": document.text,
        "meta": document.meta.model_dump(mode="json"),
        "annotator": record.annotator,
        "status": record.status.value,
        "updated_at": record.updated_at.isoformat(),
        "text_sha1": record.text_sha1,
        "adjudicator": record.adjudicator,
        "tokens": tokens.as_json(),
        "spans": spans,
        "frames": frames,
        "rejected_frames": rejected,
    }


def write(examples, stream: IO[bytes], report: LossReport) -> int:
    count = 0
    for example in examples:
        report.check_record(example.record)
        stream.write(orjson.dumps(example_to_json(example), option=orjson.OPT_APPEND_NEWLINE))
        count += 1
    return count


def new_report() -> LossReport:
    return LossReport(FORMAT, CARRIES)


def parse_example(
    value: object, path: Path | str, line: int, report: LossReport | None = None
) -> tuple[Document, AnnotationRecord]:
    try:
        example = TrainingExample.model_validate(value)
    except ValidationError as error:
        raise AnnotatorError(describe_validation_error(error), path, line) from None
    text = example.text
    for span in example.spans:
        if span.end > len(text) or span.start >= span.end:
            raise AnnotatorError(f"span {span.id} {span.start}-{span.end} does not fit the text", path, line)

    def attribution(frame: TrainingFrame) -> Attribution:
        spans = {}
        for role in Role:
            indices = getattr(frame, role.value)
            if not indices:
                continue
            if any(not 0 <= index < len(example.spans) for index in indices):  # -1 would pick the last
                raise AnnotatorError(f"frame {frame.id!r} names a span that does not exist", path, line)
            spans[role.value] = exact_span(
                text, [(example.spans[i].start, example.spans[i].end) for i in indices]
            )
        return Attribution(
            id=frame.id, source_entity=frame.source_entity, type=frame.type, origin=frame.origin,
            action=frame.action, score=frame.score, note=frame.note, agreed_by=frame.agreed_by,
            **spans,
        )

    try:
        document = Document(id=example.id, text=text, meta=example.meta)
        record = AnnotationRecord(
            doc_id=example.id, annotator=example.annotator, status=example.status,
            updated_at=example.updated_at, text_sha1=example.text_sha1,
            adjudicator=example.adjudicator,
            attributions=[attribution(frame) for frame in example.frames],
            rejected=[attribution(frame) for frame in example.rejected_frames],
        )
    except ValidationError as error:
        raise AnnotatorError(describe_validation_error(error), path, line) from None
    if record.text_sha1 != document.sha1:
        raise AnnotatorError("text_sha1 does not match the text", path, line)
    if report is not None:
        named = {index for frame in [*example.frames, *example.rejected_frames]
                 for index in (*frame.source, *frame.cue, *frame.content)}
        report.add("spans that no frame names, left out", len(example.spans) - len(named))
    return document, record


def read(path: Path, report: LossReport | None = None) -> Iterator[tuple[Document, AnnotationRecord]]:
    with Path(path).open("rb") as stream:
        for number, raw in enumerate(stream, start=1):
            if not raw.strip():
                continue
            try:
                value = orjson.loads(raw)
            except orjson.JSONDecodeError as error:
                raise AnnotatorError(f"invalid JSON: {error}", path, number) from None
            yield parse_example(value, path, number, report)

"""The data contract (DESIGN.md): pydantic models, no I/O.

Offsets are Python ``str`` indices (code points) into ``Document.text``; ``end`` is
exclusive. Models check what they can see on their own (start < end, sorted
fragments, one content per attribution). Checks that need the document text (offsets
inside it, span text equal to the text at its offsets) run when the text is passed
as validation context: ``Model.model_validate(data, context={"text": doc.text})``.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from datetime import datetime
from enum import Enum
from typing import Annotated, Final, Literal

import msgspec
from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    ValidationInfo,
    field_validator,
    model_validator,
)

SCHEMA_VERSION: Final = 1

# The separator that joins the texts of a discontinuous span's fragments.
FRAGMENT_JOINER = " "

NonNegativeInt = Annotated[int, Field(ge=0)]


class AttributionType(str, Enum):
    direct = "direct"
    indirect = "indirect"
    mixed = "mixed"
    according_to = "according_to"
    scare_quote = "scare_quote"
    other = "other"


class Origin(str, Enum):
    suggested = "suggested"
    manual = "manual"


class Action(str, Enum):
    accepted = "accepted"
    edited = "edited"
    added = "added"


class Status(str, Enum):
    in_progress = "in_progress"
    done = "done"
    skipped = "skipped"


class Role(str, Enum):
    source = "source"
    cue = "cue"
    content = "content"


def text_sha1(text: str) -> str:
    """The fingerprint of a document's text that annotation records carry."""
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


def _context_text(info: ValidationInfo) -> str | None:
    context = info.context
    if isinstance(context, dict):
        text = context.get("text")
        if isinstance(text, str):
            return text
    return None


class Span(BaseModel):
    """A stretch of document text; ``fragments`` makes it discontinuous."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    start: NonNegativeInt
    end: NonNegativeInt
    text: str
    fragments: list[tuple[NonNegativeInt, NonNegativeInt]] | None = Field(
        default=None,
        description="Ordered, non-overlapping [start, end] pieces of a discontinuous "
        "span (an interrupted quote). start/end are the first and last piece's ends; "
        "text is the pieces' texts joined by one space.",
    )

    @model_validator(mode="after")
    def _check_shape(self, info: ValidationInfo) -> Span:
        if self.fragments is None and self.start < self.end and info.context is None:
            return self  # the common case, checked in one line (journals hold many spans)
        if self.start >= self.end:
            raise ValueError(f"span start {self.start} must be less than end {self.end}")
        if self.fragments is not None:
            if len(self.fragments) < 2:
                raise ValueError("fragments, when given, must hold at least two pieces")
            previous_end = -1
            for piece_start, piece_end in self.fragments:
                if piece_start >= piece_end:
                    raise ValueError(
                        f"fragment [{piece_start}, {piece_end}] must have start < end"
                    )
                if piece_start < previous_end:
                    raise ValueError("fragments must be sorted and must not overlap")
                previous_end = piece_end
            if (self.fragments[0][0], self.fragments[-1][1]) != (self.start, self.end):
                raise ValueError(
                    "span start/end must equal the first fragment's start and the "
                    "last fragment's end"
                )
        text = _context_text(info)
        if text is not None:
            problem = self.problem_against(text)
            if problem:
                raise ValueError(problem)
        return self

    @property
    def pieces(self) -> list[tuple[int, int]]:
        """The [start, end) pieces: the fragments, or the one contiguous range."""
        if self.fragments:
            return [tuple(piece) for piece in self.fragments]  # type: ignore[misc]
        return [(self.start, self.end)]

    @property
    def is_discontinuous(self) -> bool:
        return bool(self.fragments)

    def problem_against(self, text: str) -> str | None:
        """Why this span does not fit ``text``, or None when it does."""
        if self.end > len(text):
            return f"span end {self.end} is beyond the text's length {len(text)}"
        expected = FRAGMENT_JOINER.join(text[a:b] for a, b in self.pieces)
        if self.text != expected:
            return (
                f"span text {_preview(self.text)} does not match the document text "
                f"at {self.start}-{self.end}: {_preview(expected)}"
            )
        return None

    @classmethod
    def from_text(cls, text: str, start: int, end: int) -> Span:
        """The contiguous span of ``text[start:end]``."""
        return cls(start=start, end=end, text=text[start:end])

    @classmethod
    def from_pieces(cls, text: str, pieces: list[tuple[int, int]]) -> Span:
        """A span over one or more pieces; adjacent or overlapping pieces are merged."""
        merged: list[list[int]] = []
        for start, end in sorted(pieces):
            if merged and start <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], end)
            else:
                merged.append([start, end])
        if not merged:
            raise ValueError("a span needs at least one piece")
        if len(merged) == 1:
            return cls.from_text(text, merged[0][0], merged[0][1])
        return cls(
            start=merged[0][0],
            end=merged[-1][1],
            text=FRAGMENT_JOINER.join(text[a:b] for a, b in merged),
            fragments=[(a, b) for a, b in merged],
        )


def _preview(value: str, limit: int = 40) -> str:
    shown = value if len(value) <= limit else value[: limit - 1] + "…"
    return repr(shown)


class Attribution(BaseModel):
    """One attribution relation: SOURCE claims CONTENT, signalled by CUE."""

    model_config = ConfigDict(extra="forbid")

    id: str = Field(min_length=1)
    source: Span | None = None
    source_entity: str | None = Field(
        default=None,
        description="Canonical name of who claims it, shared by all mentions of one source.",
    )
    cue: Span | None = None
    content: Span
    type: AttributionType = AttributionType.indirect
    origin: Origin = Origin.manual
    action: Action | None = None
    score: float | None = Field(default=None, ge=0.0, le=1.0)
    suggester: str | None = Field(
        default=None,
        description='Which suggester proposed it: "rules" or "<model name>@<8-hex version hash>".',
    )
    note: str | None = None
    agreed_by: list[str] | None = Field(
        default=None,
        description="In a gold file: the annotators whose version this is.",
    )

    def span(self, role: Role) -> Span | None:
        return getattr(self, role.value)


class SessionInfo(BaseModel):
    """Where a journal line stands in the annotation app's undo history (optional).

    The app writes one line per decision. ``step`` is the position in the document's
    undo history that the line's state occupies: an ``edit`` line cuts the history
    after ``step - 1`` and becomes its new end; ``undo``/``redo`` lines return to a
    state already at ``step``. Replaying a document's lines rebuilds the history, so
    undo and redo survive closing the app. ``selected`` and ``cursor`` say where the
    annotator was. ``undecided`` counts the suggestions neither accepted nor rejected
    when the line was written (export and stats warn about done documents that hold
    some). Other tools may omit the whole object.
    """

    model_config = ConfigDict(extra="forbid")

    step: NonNegativeInt
    kind: Literal["edit", "undo", "redo"] = "edit"
    selected: str | None = None
    cursor: NonNegativeInt | None = None
    undecided: NonNegativeInt | None = None


class AnnotationRecord(BaseModel):
    """One saved state of one document by one annotator (a journal line)."""

    model_config = ConfigDict(extra="forbid")

    schema_version: Literal[1] = SCHEMA_VERSION
    doc_id: str = Field(min_length=1)
    annotator: str = Field(min_length=1)
    status: Status = Status.in_progress
    updated_at: datetime
    text_sha1: str = Field(pattern=r"^[0-9a-f]{40}$")
    attributions: list[Attribution] = Field(default_factory=list)
    rejected: list[Attribution] = Field(
        default_factory=list, description="Suggestions the annotator turned down."
    )
    adjudicator: str | None = Field(
        default=None, description="In a gold file: who settled the disagreements."
    )
    session: SessionInfo | None = Field(
        default=None,
        description="Written by the annotation app: this line's place in the undo history.",
    )

    @field_validator("updated_at")
    @classmethod
    def _require_timezone(cls, value: datetime) -> datetime:
        if value.tzinfo is None:
            raise ValueError("updated_at must carry a timezone (ISO 8601 with offset or Z)")
        return value

    @model_validator(mode="after")
    def _check_unique_ids(self) -> AnnotationRecord:
        seen: set[str] = set()
        for attribution in [*self.attributions, *self.rejected]:
            if attribution.id in seen:
                raise ValueError(f"attribution id {attribution.id!r} is used twice")
            seen.add(attribution.id)
        return self

    @property
    def key(self) -> tuple[str, str]:
        return (self.doc_id, self.annotator)


class SourceRef(BaseModel):
    """Where a document's text came from: ``text == file_text[start:end]``."""

    model_config = ConfigDict(extra="forbid")

    path: str
    start: NonNegativeInt
    end: NonNegativeInt

    @model_validator(mode="after")
    def _check_order(self) -> SourceRef:
        if self.start > self.end:
            raise ValueError(f"source start {self.start} is after end {self.end}")
        return self


class DocumentMeta(BaseModel):
    # Readers add their own keys (publisher, author, ...), so extra keys are kept.
    model_config = ConfigDict(extra="allow")

    title: str | None = None
    date: dt.date | None = None
    source: SourceRef | None = None


class Document(BaseModel):
    model_config = ConfigDict(extra="forbid")

    id: str = Field(min_length=1)
    text: str
    meta: DocumentMeta = Field(default_factory=DocumentMeta)

    @model_validator(mode="after")
    def _check_source_length(self) -> Document:
        source = self.meta.source
        if source is not None and source.end - source.start != len(self.text):
            raise ValueError(
                f"meta.source {source.start}-{source.end} covers "
                f"{source.end - source.start} characters but the text has {len(self.text)}"
            )
        return self

    @property
    def sha1(self) -> str:
        return text_sha1(self.text)


# The same contract as plain data, for reading many records fast (journals of 10,000
# documents hold millions of spans, and a pydantic model per span costs more than all
# the rest of reading): msgspec Structs decoded straight from a journal line, with the
# models' fields, defaults and constraints (keep them in step: tests/test_plain_records.py
# compares the fields and checks that both accept and refuse the same records). msgspec
# is stricter than pydantic's lax mode (no "3" or 3.0 for an int, one spelling of a
# time): a line it refuses takes the model's path, so that costs time, never a
# different answer. The models' Python validators are re-implemented on the plain data
# by ``fails_model_checks``.

_NonNegative = Annotated[int, msgspec.Meta(ge=0)]
_NonEmpty = Annotated[str, msgspec.Meta(min_length=1)]
# The times the fast path takes (what the app and every exporter write): ISO 8601 with
# seconds, at most six decimals (msgspec rounds a seventh, pydantic cuts it) and an
# offset under 24 hours (no naive times; datetime.fromisoformat reads "+05:75"). [0-9],
# not \d, which matches any Unicode digit; \Z, not $, which lets a final newline through.
PLAIN_TIME = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]{1,6})?(?:Z|[+-](?:[01][0-9]|2[0-3]):[0-5][0-9])\Z"


class SpanData(msgspec.Struct, kw_only=True, forbid_unknown_fields=True, frozen=True, gc=False):
    start: _NonNegative
    end: _NonNegative
    text: str
    fragments: list[tuple[_NonNegative, _NonNegative]] | None = None


class AttributionData(msgspec.Struct, kw_only=True, forbid_unknown_fields=True, gc=False):
    id: _NonEmpty
    source: SpanData | None = None
    source_entity: str | None = None
    cue: SpanData | None = None
    content: SpanData
    type: AttributionType = AttributionType.indirect
    origin: Origin = Origin.manual
    action: Action | None = None
    score: Annotated[float, msgspec.Meta(ge=0.0, le=1.0)] | None = None
    suggester: str | None = None
    note: str | None = None
    agreed_by: list[str] | None = None


class SessionData(msgspec.Struct, kw_only=True, forbid_unknown_fields=True, gc=False):
    step: _NonNegative
    kind: Literal["edit", "undo", "redo"] = "edit"
    selected: str | None = None
    cursor: _NonNegative | None = None
    undecided: _NonNegative | None = None


class AnnotationData(msgspec.Struct, kw_only=True, forbid_unknown_fields=True, gc=False):
    schema_version: Literal[1] = SCHEMA_VERSION
    doc_id: _NonEmpty
    annotator: _NonEmpty
    status: Status = Status.in_progress
    updated_at: Annotated[str, msgspec.Meta(pattern=PLAIN_TIME)]  # parsed by the reader
    text_sha1: Annotated[str, msgspec.Meta(pattern=r"^[0-9a-f]{40}\Z")]
    attributions: list[AttributionData] = msgspec.field(default_factory=list)
    rejected: list[AttributionData] = msgspec.field(default_factory=list)
    adjudicator: str | None = None
    session: SessionData | None = None


# Which model each plain type stands for (the tests compare their fields).
PLAIN_TWINS: dict[type, type[BaseModel]] = {
    SpanData: Span,
    AttributionData: Attribution,
    SessionData: SessionInfo,
    AnnotationData: AnnotationRecord,
}

def fails_model_checks(value: AnnotationData) -> bool:
    """Whether a record that msgspec decoded as AnnotationData fails one of the models'
    Python validators (Span._check_shape and AnnotationRecord._check_unique_ids; its
    time always carries an offset). The model says which problem; this only has to
    find one."""
    ids = set()
    count = 0
    for attributions in (value.attributions, value.rejected):
        for attribution in attributions:
            ids.add(attribution.id)
            count += 1
            for span in (attribution.source, attribution.cue, attribution.content):
                if span is None:
                    continue
                fragments = span.fragments
                if fragments is None:
                    if span.start >= span.end:
                        return True
                elif _fragments_problem(span.start, span.end, fragments):
                    return True
    return len(ids) != count


def _fragments_problem(start: int, end: int, fragments: list[tuple[int, int]]) -> bool:
    if start >= end or len(fragments) < 2:
        return True
    previous_end = -1
    for piece_start, piece_end in fragments:
        if piece_start >= piece_end or piece_start < previous_end:
            return True
        previous_end = piece_end
    return (fragments[0][0], fragments[-1][1]) != (start, end)


# The models `annotator schema` writes, by file name.
SCHEMA_MODELS: dict[str, type[BaseModel]] = {
    "document": Document,
    "span": Span,
    "attribution": Attribution,
    "annotation_record": AnnotationRecord,
}


def record_problems(record: AnnotationRecord, document: Document) -> list[str]:
    """Why a record does not fit the document it names (empty when it fits)."""
    problems = []
    if record.doc_id != document.id:
        problems.append(f"record is for {record.doc_id!r}, not {document.id!r}")
    if record.text_sha1 != document.sha1:
        problems.append(
            f"text_sha1 {record.text_sha1[:12]}… does not match document {document.id!r} "
            f"({document.sha1[:12]}…): the text changed since annotation"
        )
    for list_name in ("attributions", "rejected"):
        for index, attribution in enumerate(getattr(record, list_name)):
            for role in Role:
                span = attribution.span(role)
                if span is None:
                    continue
                problem = span.problem_against(document.text)
                if problem:
                    problems.append(
                        f"{list_name}[{index}] (id {attribution.id!r}) {role.value}: {problem}"
                    )
    return problems

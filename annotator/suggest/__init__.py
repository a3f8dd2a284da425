"""Suggested attributions: a spaCy pipeline (no pretrained model) over each document.

``suggest_records(documents)`` yields one AnnotationRecord per document, annotator
``suggester``, every attribution with origin ``suggested`` and a score in [0, 1].
spaCy is imported only when suggestions are asked for.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from pathlib import Path

from annotator.schema import (
    FRAGMENT_JOINER,
    AnnotationRecord,
    AttributionType,
    Document,
    text_sha1,
)

SUGGESTER = "suggester"
# Attribution.suggester of what the rules propose (a model writes "<name>@<version>").
RULES_SUGGESTER = "rules"
DEFAULT_BATCH_SIZE = 32

__all__ = ["SUGGESTER", "suggest_records", "record_from_suggestions"]


def record_from_suggestions(document: Document, suggestions: list[dict], annotator: str = SUGGESTER) -> AnnotationRecord:
    """The AnnotationRecord for one document's suggestion dicts (see pipeline.py).

    Spans are cut from the text here, so they fit it by construction; the record is
    validated once as a whole (pydantic's core validates nested data faster than it
    builds model objects one by one).
    """
    text = document.text
    attributions: list[dict] = []
    seen = set()
    for suggestion in suggestions:
        content = _span(text, suggestion.get("content"))
        if content is None:
            continue
        source = _span(text, suggestion.get("source"))
        cue = _span(text, suggestion.get("cue"))
        key = (content["start"], cue["start"] if cue else None, source["start"] if source else None)
        if key in seen:
            continue
        seen.add(key)
        score = suggestion.get("score")
        kind = suggestion.get("type") or "indirect"
        attributions.append(
            {
                "id": f"s{len(attributions) + 1}",
                "source": source,
                "source_entity": suggestion.get("source_entity") if source is not None else None,
                "cue": cue,
                "content": content,
                "type": kind if kind in ATTRIBUTION_TYPES else "other",
                "origin": "suggested",
                "score": None if score is None else round(min(1.0, max(0.0, float(score))), 4),
                "suggester": suggestion.get("suggester") or RULES_SUGGESTER,
            }
        )
    return AnnotationRecord.model_validate(
        {
            "doc_id": document.id,
            "annotator": annotator,
            "updated_at": datetime.now(UTC),
            "text_sha1": text_sha1(text),
            "attributions": attributions,
        }
    )


ATTRIBUTION_TYPES = frozenset(kind.value for kind in AttributionType)


def _span(text: str, pieces) -> dict | None:
    """A span over the pieces that fall inside the text (merged where they touch)."""
    if not pieces:
        return None
    length = len(text)
    if len(pieces) == 1:  # the common case
        a, b = int(pieces[0][0]), int(pieces[0][1])
        return {"start": a, "end": b, "text": text[a:b]} if 0 <= a < b <= length else None
    merged: list[list[int]] = []
    for a, b in sorted((int(a), int(b)) for a, b in pieces):
        if not 0 <= a < b <= length:
            continue
        if merged and a <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], b)
        else:
            merged.append([a, b])
    if not merged:
        return None
    if len(merged) == 1:
        a, b = merged[0]
        return {"start": a, "end": b, "text": text[a:b]}
    return {
        "start": merged[0][0],
        "end": merged[-1][1],
        "text": FRAGMENT_JOINER.join(text[a:b] for a, b in merged),
        "fragments": [(a, b) for a, b in merged],
    }


def suggest_records(
    documents: Iterable[Document],
    model: str | Path = "rules",
    n_process: int = 1,
    batch_size: int = DEFAULT_BATCH_SIZE,
) -> Iterator[AnnotationRecord]:
    """One suggestion record per document, in input order."""
    from annotator.suggest.runner import run

    yield from run(documents, model=model, n_process=n_process, batch_size=batch_size)

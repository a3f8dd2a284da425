"""Suggested attributions: a spaCy pipeline (no pretrained model) over each document.

``suggest_records(documents)`` yields one AnnotationRecord per document, annotator
``suggester``, every attribution with origin ``suggested`` and a score in [0, 1].
spaCy is imported only when suggestions are asked for.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import datetime, timezone
from pathlib import Path

from annotator.schema import AnnotationRecord, Attribution, Document, Origin, Span, text_sha1

SUGGESTER = "suggester"
DEFAULT_BATCH_SIZE = 32

__all__ = ["SUGGESTER", "suggest_records", "record_from_suggestions"]


def record_from_suggestions(document: Document, suggestions: list[dict], annotator: str = SUGGESTER) -> AnnotationRecord:
    """The AnnotationRecord for one document's suggestion dicts (see pipeline.py)."""
    text = document.text
    attributions = []
    seen = set()
    for suggestion in suggestions:
        content = _span(text, suggestion.get("content"))
        if content is None:
            continue
        source = _span(text, suggestion.get("source"))
        cue = _span(text, suggestion.get("cue"))
        key = (content.pieces[0], cue.pieces[0] if cue else None, source.pieces[0] if source else None)
        if key in seen:
            continue
        seen.add(key)
        score = suggestion.get("score")
        attributions.append(
            Attribution(
                id=f"s{len(attributions) + 1}",
                source=source,
                source_entity=suggestion.get("source_entity") if source is not None else None,
                cue=cue,
                content=content,
                type=suggestion.get("type") or "indirect",
                origin=Origin.suggested,
                score=None if score is None else min(1.0, max(0.0, float(score))),
            )
        )
    return AnnotationRecord(
        doc_id=document.id,
        annotator=annotator,
        updated_at=datetime.now(timezone.utc),
        text_sha1=text_sha1(text),
        attributions=attributions,
    )


def _span(text: str, pieces) -> Span | None:
    if not pieces:
        return None
    cleaned = [(int(a), int(b)) for a, b in pieces if 0 <= int(a) < int(b) <= len(text)]
    if not cleaned:
        return None
    return Span.from_pieces(text, cleaned)


def suggest_records(
    documents: Iterable[Document],
    model: str | Path = "rules",
    n_process: int = 1,
    batch_size: int = DEFAULT_BATCH_SIZE,
) -> Iterator[AnnotationRecord]:
    """One suggestion record per document, in input order."""
    from annotator.suggest.runner import run

    yield from run(documents, model=model, n_process=n_process, batch_size=batch_size)

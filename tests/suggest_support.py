"""Shared helpers for the suggester tests: one pipeline per session, seed documents."""

from __future__ import annotations

from pathlib import Path

from annotator.corpus import load_corpus
from annotator.schema import Attribution, Document

REPO_ROOT = Path(__file__).resolve().parent.parent
SEEDS = REPO_ROOT / "seeds"


def seed_documents() -> dict[str, Document]:
    return {doc.id: doc for doc in load_corpus(SEEDS)}


def find(record, *, cue: str | None = None, content: str | None = None, source: str | None = None) -> list[Attribution]:
    """Attributions whose cue / content / source text contain the given strings."""
    found = []
    for attribution in record.attributions:
        if cue is not None and (attribution.cue is None or cue not in attribution.cue.text):
            continue
        if content is not None and content not in attribution.content.text:
            continue
        if source is not None and (attribution.source is None or source not in attribution.source.text):
            continue
        found.append(attribution)
    return found

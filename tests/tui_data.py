"""Real data for the annotation-app tests: the seed articles and suggestions on them.

The suggestions are made from the seed texts with a plain pattern ("<source> said"
and "according to <source>"), so every span is a real stretch of a seed article; they
stand in for the suggester's output file (``--suggestions FILE``), whose format they use.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

from annotator.corpus import collect_documents
from annotator.fileio import dumps_line
from annotator.schema import AnnotationRecord, Attribution, AttributionType, Document, Origin, Span

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"

SAID = re.compile(r"(?P<source>(?:[A-Z][\w’'-]+ ){0,3}(?:[A-Z][\w’'-]+|he|she|it|they|officials|his office|the ministry))"
                  r" (?P<cue>said|says|told)\b")


def seed_documents() -> list[Document]:
    return collect_documents([SEEDS])


def suggest(document: Document) -> AnnotationRecord:
    text = document.text
    attributions = []
    for number, match in enumerate(SAID.finditer(text), start=1):
        dot = text.rfind(". ", 0, match.start())
        line_start = max(text.rfind("\n", 0, match.start()) + 1, dot + 2 if dot != -1 else 0)
        line_end = min(x for x in (text.find("\n", match.end()), text.find(". ", match.end()), len(text)) if x != -1)
        before = text[line_start:match.start()].strip(" ,")
        after = text[match.end():line_end].strip(" ,.")
        if len(before) > 15 and text[match.start() - 2:match.start()].strip() in (",", ",”", "”"):
            start = line_start + (len(text[line_start:match.start()]) - len(text[line_start:match.start()].lstrip()))
            end = start + len(before)
        elif len(after) > 15:
            start = match.end() + (len(text[match.end():line_end]) - len(text[match.end():line_end].lstrip(" ,")))
            end = start + len(after)
        else:
            continue
        if end <= start:
            continue
        attributions.append(Attribution(
            id=f"s{number}",
            source=Span.from_text(text, match.start("source"), match.end("source")),
            cue=Span.from_text(text, match.start("cue"), match.end("cue")),
            content=Span.from_text(text, start, end),
            type=AttributionType.indirect, origin=Origin.suggested, score=0.5,
        ))
    return AnnotationRecord(doc_id=document.id, annotator="suggester",
                            updated_at=datetime(2026, 1, 1, tzinfo=UTC),
                            text_sha1=document.sha1, attributions=attributions)


def write_suggestions(path: Path, documents: list[Document] | None = None) -> Path:
    documents = documents or seed_documents()
    with open(path, "wb") as stream:
        for document in documents:
            stream.write(dumps_line(suggest(document).model_dump(mode="json", exclude_none=True)))
    return path

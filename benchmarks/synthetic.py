"""Synthetic data for the benchmarks: long articles with many attributions, big corpora."""

from __future__ import annotations

import random
from datetime import UTC, datetime
from pathlib import Path

from annotator.fileio import dumps_line
from annotator.schema import AnnotationRecord, Attribution, Document, Origin, Span

WORDS = ("the minister government officials security forces province militants statement "
         "operation region economic corridor cooperation investment attack district police "
         "spokesman agreement relations border development project Pakistan China Beijing "
         "Islamabad Balochistan Xinjiang ISPR ministry foreign army president office").split()
SOURCES = ["The minister", "Officials", "A spokesman", "The ISPR", "Beijing", "He", "She", "The police"]


def long_article(words: int = 20_000, attributions: int = 167, seed: int = 7) -> tuple[Document, AnnotationRecord]:
    """An article of ``words`` words holding ``attributions`` attributions (3 spans each)."""
    rng = random.Random(seed)
    pieces: list[str] = []
    spans: list[tuple[int, int, int, int, int, int]] = []
    length = 0
    count = 0
    every = max(1, words // (attributions * 14))
    sentence_index = 0
    while count < words:
        if sentence_index % every == 0 and len(spans) < attributions:
            source = rng.choice(SOURCES)
            claim = " ".join(rng.choice(WORDS) for _ in range(8))
            sentence = f"{source} said that {claim}. "
            s0 = length
            spans.append((s0, s0 + len(source), s0 + len(source) + 1, s0 + len(source) + 5,
                          s0 + len(source) + 11, s0 + len(source) + 11 + len(claim)))
            count += 10 + 2
        else:
            n = rng.randint(8, 20)
            sentence = " ".join(rng.choice(WORDS) for _ in range(n)).capitalize() + ". "
            count += n
        sentence_index += 1
        if sentence_index % 6 == 0:
            sentence += "\n\n"
        pieces.append(sentence)
        length += len(sentence)
    text = "".join(pieces)
    document = Document(id="long", text=text, meta={"title": "A long article"})
    attributions_list = [
        Attribution(id=f"s{i}", source=Span.from_text(text, a, b), cue=Span.from_text(text, c, d),
                    content=Span.from_text(text, e, f), origin=Origin.suggested, score=0.9)
        for i, (a, b, c, d, e, f) in enumerate(spans, start=1)
    ]
    record = AnnotationRecord(doc_id="long", annotator="suggester", updated_at=datetime.now(UTC),
                              text_sha1=document.sha1, attributions=attributions_list)
    return document, record


def write_jsonl(path: Path, values) -> None:
    with open(path, "wb") as stream:
        for value in values:
            stream.write(dumps_line(value))


def big_corpus(path: Path, documents: int = 100_000, words: int = 300, seed: int = 3) -> Path:
    rng = random.Random(seed)
    with open(path, "wb") as stream:
        for index in range(documents):
            text = " ".join(rng.choice(WORDS) for _ in range(words))
            stream.write(dumps_line({"id": f"doc{index:06d}", "text": text,
                                     "meta": {"title": f"Document {index}", "date": "2024-01-01", "source": None}}))
    return path

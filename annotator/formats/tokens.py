"""The token layer of the exports: ``spacy.blank("en")``'s tokenizer (no model) and token
offsets. A span's ``token_start`` is the index of the first token it touches and
``token_end`` the index of the last one, **inclusive** (Prodigy's convention); spaCy's own
``Span`` objects use exclusive ends.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass
from functools import lru_cache


@lru_cache(maxsize=1)
def tokenizer():
    import spacy

    return spacy.blank("en").tokenizer


@dataclass
class Tokens:
    """The tokens of one text with their character offsets (end exclusive)."""

    words: list[str]
    starts: list[int]
    ends: list[int]
    spaces: list[bool]

    @classmethod
    def of(cls, text: str) -> Tokens:
        return cls.of_doc(tokenizer()(text), text)

    @classmethod
    def of_doc(cls, doc, text: str | None = None) -> Tokens:
        from spacy.attrs import IDX, LENGTH, SPACY

        # Arrays, not Token objects: making a Token per word dominated export time.
        if len(doc) == 0:
            return cls([], [], [], [])
        columns = doc.to_array([IDX, LENGTH, SPACY]).tolist()
        if text is None:
            text = doc.text  # builds the text from Token objects: slow, so callers pass it
        starts = [row[0] for row in columns]
        ends = [row[0] + row[1] for row in columns]
        words = [text[start:end] for start, end in zip(starts, ends)]
        spaces = [bool(row[2]) for row in columns]
        return cls(words, starts, ends, spaces)

    def __len__(self) -> int:
        return len(self.words)

    def span(self, start: int, end: int) -> tuple[int, int] | None:
        """(first, last) token indices touched by chars [start, end), last inclusive."""
        first = bisect.bisect_right(self.ends, start)
        last = bisect.bisect_left(self.starts, end) - 1
        if first >= len(self.words) or last < first:
            return None
        return first, last

    def aligned(self, start: int, end: int) -> bool:
        bounds = self.span(start, end)
        return bounds is not None and self.starts[bounds[0]] == start and self.ends[bounds[1]] == end

    def as_json(self) -> list[dict]:
        return [
            {"id": index, "text": word, "start": start, "end": end, "ws": space}
            for index, (word, start, end, space) in enumerate(
                zip(self.words, self.starts, self.ends, self.spaces)
            )
        ]



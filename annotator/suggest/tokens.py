"""The token columns the rules read, and what they produce (cues, suggestions)."""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

PUNCT_END = frozenset(".!?;:,…")
CLOSING_MARKS = frozenset("”\"»’'›")
OPENING_MARKS = frozenset("“\"«„‘'‹")
DASHES = frozenset({"—", "–", "--", "-"})
TIME_NOUNS = frozenset(
    ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday", "time", "week", "month", "year", "night", "morning", "afternoon", "evening", "weekend", "day", "today", "yesterday", "tonight"]
)
TIME_HEADS = frozenset({"on", "last", "this", "the", "at", "that", "earlier", "later", "each", "every"})
MIN_UNIGRAM_FOR_CONTEXT = 0.15
# Verbs under this precision as a cue ("offer" 0.37, "launch" 0.21, "lay" 0.39 on PolNeAR
# train) lose their cue when their object is an action ("offered prayers"); "deny" (0.44),
# "condemn" (0.53) keep theirs.
MAX_ACTION_VERB_PRECISION = 0.4
MAX_COLON_SPEAKER = 6  # words before a speaker's colon
COLON_NOT_SPEAKER = frozenset(
    ["photo", "photos", "courtesy", "read", "also", "note", "update", "editor", "editor's", "source", "sources", "credit", "image", "video", "watch", "related", "see", "more", "click", "subscribe", "follow", "share"]
)
# A bare word with these endings describes ("fruitful talks", "bilateral accords"),
# it does not speak.
ADJECTIVE_ENDINGS = ("ful", "al", "ive", "ous", "ic", "able", "ible", "less", "ary", "en")
DOUBLE_MARK = re.compile("[“”«»\"]")
BE_FORMS = frozenset({"is", "was", "were", "are", "be", "been", "being", "'s", "’s"})


@dataclass
class Tokens:
    """The columns of a Doc the rules read."""

    text: str
    words: list[str]
    lower: list[str]
    lemma: list[str]
    starts: list[int]
    ends: list[int]
    sent_of: list[int]  # sentence index of each token
    sents: list[tuple[int, int]]  # token [start, end) of each sentence
    # Optional: the LOWER and LEMMA hash columns (numpy) and the hash function, so
    # cue candidates are found by set membership in C rather than word by word.
    lower_ids: Any = None
    lemma_ids: Any = None
    hash_of: Callable[[str], int] | None = None

    def __len__(self) -> int:
        return len(self.words)


@dataclass
class Cue:
    start: int  # token indices, end exclusive
    end: int
    score: float


@dataclass
class Suggestion:
    content: list[tuple[int, int]]  # character pieces
    cue: tuple[int, int] | None
    source: tuple[int, int] | None
    type: str
    score: float
    cue_token: int = -1  # for ordering and entity linking
    source_tokens: tuple[int, int] | None = None
    source_entity: str | None = None
    extra: dict = field(default_factory=dict)

    def as_dict(self) -> dict:
        return {
            "content": self.content,
            "cue": [self.cue] if self.cue else None,
            "source": [self.source] if self.source else None,
            "type": self.type,
            "score": self.score,
            "source_entity": self.source_entity,
        }


def _bigram_keys(firsts, seconds):
    """One uint64 key per pair of word hashes (wrapping arithmetic; a collision only
    makes a pair a candidate, which the phrase table then checks)."""
    import numpy

    with numpy.errstate(over="ignore"):
        return firsts * numpy.uint64(0x9E3779B97F4A7C15) ^ seconds


def _colon_tokens(tokens: Tokens) -> list[int]:
    """Indices of the tokens that are a lone ":", in order."""
    found = []
    text, starts, words = tokens.text, tokens.starts, tokens.words
    position = text.find(":")
    while position != -1:
        index = bisect.bisect_right(starts, position) - 1
        if index >= 0 and words[index] == ":" and starts[index] == position:
            found.append(index)
        position = text.find(":", position + 1)
    return found


def split_sentences(boundaries: set[int], words: list[str]) -> tuple[list[int], list[tuple[int, int]]]:
    """Sentences from token boundaries: the sentencizer's starts and the token after
    each line break (headlines, bullets).

    A boundary that falls on whitespace moves to the next word, so no sentence is
    whitespace only."""
    n = len(words)
    if not n:
        return [], []
    cuts = []
    last = 0
    for i in sorted(boundaries):
        while i < n and not words[i].strip():
            i += 1
        if last < i < n:
            cuts.append(i)
            last = i
    sents = list(zip([0, *cuts], [*cuts, n]))
    sent_of: list[int] = []
    for index, (start, end) in enumerate(sents):
        sent_of.extend([index] * (end - start))
    return sent_of, sents

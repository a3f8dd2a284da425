"""A fast, pure tokenizer for moving boundaries by token (no spaCy per keystroke).

Tokens are runs of word characters (letters, digits and the combining marks that
belong to them, with inner apostrophes, hyphens and dots: "Anwaar-ul-Haq", "it's",
"U.S") or single other non-space characters. Every token boundary is also a grapheme
boundary: a combining mark, a variation selector or a zero-width joiner sequence is
never separated from the character it belongs to, so a cursor placed on a boundary
never lands inside a character.
"""

from __future__ import annotations

import re
import unicodedata
from bisect import bisect_left, bisect_right
from functools import lru_cache

_WORD = r"[^\W_][^\W_\u0300-\u036f]*"
TOKEN = re.compile(
    r"(?:[^\W_]|[\u0300-\u036f\u0483-\u0489\u0591-\u05c7\u0610-\u061a\u064b-\u065f"
    r"\u0670\u06d6-\u06ed\u0900-\u0903\u093a-\u094f])+"
    r"(?:['’.\-](?:[^\W_])+)*|\S"
)
# Where f/F stop. A closing single quotation mark stops them, curly or ASCII alike; an
# apostrophe inside a word ("it's", "Kakar’s") does not, nor does an opening mark.
CLAUSE_MARK = re.compile(r"[,;:.!?”\")\]—–]|['’](?!\w)|\n")
SENTENCE_END = re.compile(r"[.!?…][\"'”’)\]]*(?=\s)|\n\s*\n|\n")


@lru_cache(maxsize=4096)
def _joins_previous_char(char: str) -> bool:
    """True for code points that belong to the grapheme before them."""
    if char in "\u200d\ufe0e\ufe0f\u200c":
        return True
    if unicodedata.combining(char):
        return True
    category = unicodedata.category(char)
    if category in ("Mn", "Me", "Mc"):
        return True
    code = ord(char)
    return 0x1F3FB <= code <= 0x1F3FF or 0xE0020 <= code <= 0xE007F  # skin tones, tags


def is_grapheme_boundary(text: str, offset: int) -> bool:
    """May a cursor stand before ``text[offset]``?"""
    if offset <= 0 or offset >= len(text):
        return True
    if _joins_previous_char(text[offset]):
        return False
    if text[offset - 1] == "\u200d":  # emoji ZWJ sequence
        return False
    if "\U0001f1e6" <= text[offset] <= "\U0001f1ff" and "\U0001f1e6" <= text[offset - 1] <= "\U0001f1ff":
        # regional indicator pairs (flags): a boundary only after an even run
        run = 0
        index = offset - 1
        while index >= 0 and "\U0001f1e6" <= text[index] <= "\U0001f1ff":
            run += 1
            index -= 1
        return run % 2 == 0
    if text[offset] == "\n" and text[offset - 1] == "\r":
        return False
    return True


def snap(text: str, offset: int, forward: bool = False) -> int:
    """The nearest grapheme boundary at or before (or after) ``offset``."""
    offset = max(0, min(len(text), offset))
    step = 1 if forward else -1
    while not is_grapheme_boundary(text, offset):
        offset += step
    return offset


def next_grapheme(text: str, offset: int) -> int:
    if offset >= len(text):
        return len(text)
    return snap(text, offset + 1, forward=True)


def previous_grapheme(text: str, offset: int) -> int:
    if offset <= 0:
        return 0
    return snap(text, offset - 1)


class _SortedBoundaries:
    """Lookups over sorted ``starts`` and ``ends`` offsets (tokens, or phrases)."""

    starts: list[int]
    ends: list[int]

    def next_start(self, offset: int) -> int | None:
        index = bisect_right(self.starts, offset)
        return self.starts[index] if index < len(self.starts) else None

    def previous_start(self, offset: int) -> int | None:
        index = bisect_left(self.starts, offset) - 1
        return self.starts[index] if index >= 0 else None

    def next_end(self, offset: int) -> int | None:
        index = bisect_right(self.ends, offset)
        return self.ends[index] if index < len(self.ends) else None

    def previous_end(self, offset: int) -> int | None:
        index = bisect_left(self.ends, offset) - 1
        return self.ends[index] if index >= 0 else None


class Tokens(_SortedBoundaries):
    """Token and sentence boundaries of one text, computed once."""

    def __init__(self, text: str):
        self.text = text
        starts: list[int] = []
        ends: list[int] = []
        for match in TOKEN.finditer(text):
            start, end = match.start(), match.end()
            end = snap(text, end, forward=True)
            if starts and (start < ends[-1] or not is_grapheme_boundary(text, start)):
                ends[-1] = max(ends[-1], end)  # belongs to the previous grapheme
                continue
            starts.append(start)
            ends.append(end)
        self.starts = starts
        self.ends = ends
        sentence_starts = [0]
        for match in SENTENCE_END.finditer(text):
            position = match.end()
            while position < len(text) and text[position].isspace():
                position += 1
            if position < len(text) and position > sentence_starts[-1]:
                sentence_starts.append(position)
        self.sentence_starts = sentence_starts

    def __len__(self) -> int:
        return len(self.starts)

    @property
    def phrases(self) -> Phrases:
        """Phrase and clause boundaries, computed when first needed."""
        found = self.__dict__.get("_phrases")
        if found is None:
            found = self.__dict__["_phrases"] = Phrases(self)
        return found

    def token_at(self, offset: int) -> tuple[int, int] | None:
        """The token containing ``offset``, or the next one after it."""
        index = bisect_right(self.ends, offset)
        if index >= len(self.starts):
            return None
        return self.starts[index], self.ends[index]

    def token_covering(self, offset: int) -> tuple[int, int] | None:
        index = bisect_right(self.starts, offset) - 1
        if index >= 0 and self.starts[index] <= offset < self.ends[index]:
            return self.starts[index], self.ends[index]
        return None


    def next_sentence(self, offset: int) -> int:
        index = bisect_right(self.sentence_starts, offset)
        if index < len(self.sentence_starts):
            return self.sentence_starts[index]
        return len(self.text)

    def previous_sentence(self, offset: int) -> int:
        index = bisect_left(self.sentence_starts, offset) - 1
        return self.sentence_starts[index] if index >= 0 else 0

    def sentence_end(self, offset: int) -> int:
        """The end of the sentence holding ``offset``, trailing spaces excluded."""
        end = self.next_sentence(offset)
        while end > offset + 1 and self.text[end - 1].isspace():
            end -= 1
        return end

    def next_clause_end(self, offset: int) -> int:
        """The offset just before the next punctuation mark (or line end) after ``offset``:
        where a claim often stops ("…, he said", "…”")."""
        match = CLAUSE_MARK.search(self.text, offset + 1)
        if match is None:
            return len(self.text)
        end = match.start()
        if self.text[end] in "”\"’')]":
            end += 1  # a closing quote belongs to the quotation
        while end > offset + 1 and self.text[end - 1].isspace():
            end -= 1
        return end

    def previous_clause_start(self, offset: int) -> int:
        """The first token after the previous punctuation mark before ``offset``."""
        position = offset - 1
        while position > 0 and not CLAUSE_MARK.match(self.text, position - 1):
            position -= 1
        following = self.next_start(position - 1) if position > 0 else 0
        return min(following if following is not None else offset, offset)


# Where a phrase or clause starts: after these marks, or at these words (the content of
# "said that …" starts at "that"; "… and said" ends before "and").
_PHRASE_MARKS = frozenset(",;:—–()[]“\"‘")
_CLOSING_MARKS = frozenset("”\"’")
_CLAUSE_WORDS = frozenset(["and", "but", "or", "while", "whereas", "because", "although", "though", "since", "unless", "until", "that", "which", "who", "whom", "whose", "when", "where", "after", "before", "if", "as", "so", "then"])


class Phrases(_SortedBoundaries):
    """Phrase and clause boundaries of a text (punctuation, clause words, quotation
    marks, sentences): where ``<``/``>`` move a span's start and ``f``/``F`` its end."""

    def __init__(self, tokens: Tokens):
        text, starts, ends = tokens.text, tokens.starts, tokens.ends
        sentence_starts = set(tokens.sentence_starts)
        phrase_starts: list[int] = []
        phrase_ends: list[int] = []
        count = len(starts)
        for index in range(count):
            word = text[starts[index]:ends[index]]
            previous = text[starts[index - 1]:ends[index - 1]] if index else ""
            following = text[starts[index + 1]:ends[index + 1]] if index + 1 < count else ""
            is_mark = len(word) == 1 and not word.isalnum()
            if not is_mark and (starts[index] in sentence_starts or previous in _PHRASE_MARKS
                                or word.lower() in _CLAUSE_WORDS or previous in _CLOSING_MARKS):
                phrase_starts.append(starts[index])
            elif is_mark and word in "“\"‘" and following and not (len(following) == 1 and not following.isalnum()):
                phrase_starts.append(starts[index])  # a quotation starts with its mark
            ends_here = (not following or following in _PHRASE_MARKS and following not in "“‘"
                         or following in ".!?…" or following.lower() in _CLAUSE_WORDS
                         or (index + 1 < count and starts[index + 1] in sentence_starts))
            if word in _CLOSING_MARKS and previous and previous in ",.!?":
                ends_here = True  # "…area,”": the closing mark belongs to the quotation
            elif following in _CLOSING_MARKS and word in ",.!?":
                ends_here = False
            if ends_here and not (is_mark and word not in _CLOSING_MARKS and word not in ".!?"):
                phrase_ends.append(ends[index])
        self.starts = phrase_starts
        self.ends = phrase_ends

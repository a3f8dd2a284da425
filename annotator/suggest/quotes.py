"""Pairing quotation marks over a whole document (a quote may span sentences).

Works on characters, not tokens: apostrophes inside words ("Pakistan’s") must not
open or close a quote, and curly, straight and guillemet marks all occur in news.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

DOUBLE_OPEN = {"“": "”", "„": "“”", "«": "»", '"': '"'}
SINGLE_OPEN = {"‘": "’", "'": "'", "‹": "›"}
ALL_MARKS = frozenset("“”„«»\"‘’'‹›")
# Characters after which a straight mark opens rather than closes a quote.
MARK_OR_NEWLINE = re.compile("[\n“”„«»\"‘’'‹›]")
FILLER = "\u200b"
OPENING_CONTEXT = frozenset(" \t\n\r([{—–-/“‘«„")


@dataclass(frozen=True)
class Quote:
    start: int  # offset of the opening mark
    end: int  # offset just past the closing mark
    double: bool  # “ ” " « » (speech) rather than ‘ ’ ' ‹ › (scare or nested)
    depth: int  # 0 at top level, 1 inside another quote

    @property
    def inner(self) -> tuple[int, int]:
        return self.start + 1, self.end - 1


def _is_word(char: str) -> bool:
    return char.isalnum()


def find_quotes(text: str) -> list[Quote]:
    """Paired quotes, sorted by start. Unclosed double quotes end at their paragraph end
    (news style: a quote running over paragraphs reopens at each one)."""
    original = text
    # Typewriter double quotes ('' and ``, common in older news text) act as one " mark;
    # the filler keeps every offset in place.
    if "''" in text or "``" in text:
        text = text.replace("''", '"' + FILLER).replace("``", '"' + FILLER)
    quotes: list[Quote] = []
    stack: list[tuple[str, int, bool]] = []  # (opening mark, offset, double)
    length = len(text)
    for match in MARK_OR_NEWLINE.finditer(text):  # only marks and line ends matter
        offset, char = match.start(), match.group()
        if char == "\n":
            # A line end closes unfinished double quotes (single ones were apostrophes).
            while stack:
                mark, start, double = stack.pop()
                if double and offset - start > 2:
                    end = offset
                    while end > start + 1 and text[end - 1].isspace():
                        end -= 1
                    quotes.append(Quote(start, end, True, len(stack)))
            continue
        if char not in ALL_MARKS:
            continue
        before = text[offset - 1] if offset else " "
        after = text[offset + 1] if offset + 1 < length else " "
        # Close the innermost quote this mark can close.
        closed = False
        for level in range(len(stack) - 1, -1, -1):
            mark, start, double = stack[level]
            closers = DOUBLE_OPEN.get(mark) or SINGLE_OPEN.get(mark, "")
            if char in closers and offset > start + 1:
                if char in "'’" and _is_word(after):
                    break  # an apostrophe inside a word (don’t, Pakistan’s)
                if char in "\"'" and before in OPENING_CONTEXT and _is_word(after):
                    break  # a straight mark that looks like an opening one
                del stack[level:]
                quotes.append(Quote(start, offset + 1, double, level))
                closed = True
                break
            if double:
                break  # a single mark cannot close across an open double quote
        if closed:
            continue
        if char in DOUBLE_OPEN or char in SINGLE_OPEN:
            if char == "’" or (char in "‘'" and _is_word(before)):
                continue  # apostrophe (’s, ’90s, students’)
            if char == "'" and not (before in OPENING_CONTEXT or before in "\"“"):
                continue
            if char == '"' and not (before in OPENING_CONTEXT or before in ALL_MARKS) and _is_word(before):
                continue
            stack.append((char, offset, char in DOUBLE_OPEN))
    end = length
    while stack:
        mark, start, double = stack.pop()
        if double and end - start > 2:
            stop = end
            while stop > start + 1 and text[stop - 1].isspace():
                stop -= 1
            quotes.append(Quote(start, stop, True, len(stack)))
    if text is not original:
        quotes = [
            Quote(q.start, q.end + 1, q.double, q.depth) if original[q.end - 1 : q.end + 1] == "''" else q
            for q in quotes
        ]
    quotes.sort(key=lambda quote: (quote.start, -quote.end))
    return quotes

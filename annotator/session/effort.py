"""How many keys the app needs to turn suggestions into a correct annotation.

A model of the app's keys (the bindings of ``annotator annotate``), applied to one
document's suggestions and its gold attributions:

- the app walks the suggestions in reading order (``a`` and ``x`` move to the next
  undecided one), so each suggestion costs its decision:
  - no gold attribution shares content with it: ``x`` (1 key);
  - its gold partner has the same spans: ``a`` (1 key);
  - otherwise the fixes, then ``a``. Each wrong span is fixed the cheaper way: in edit
    mode (``e`` once; ``s``/``c`` focus the source or cue; one ``[ ] { }`` per token a
    boundary moves, or ``(``/``)`` to the sentence's start or end first) or by selecting
    it afresh (the cursor moves there, ``v``, the extension by ``w`` or ``)``, then
    ``1``/``2``/``3``). A span gold lacks is removed (focus, ``backspace``); an extra
    piece of a discontinuous content is selected and added with ``+``;
- each gold attribution no suggestion found is created: ``N``, then for each span in
  text order the cursor moves there (by ``)``/``(`` sentences and ``w``/``b`` tokens,
  or ``/`` and the fewest leading characters that find it, then enter; whichever is
  fewest), ``v`` and the extension (``w`` per token, ``)`` to the sentence's end, ``f``
  to the next punctuation mark; neither for a one-token span, which ``1``/``2``/``3``
  take from the cursor), and ``1``/``2``/``3`` (``+`` for more content pieces);
- ``d`` marks the document done (1 key).

``tests/test_efficiency.py`` presses such key sequences in the real app and checks the
result, so the model's unit costs are the app's. Partners are paired one-to-one by
the largest character overlap of their contents.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections import Counter
from dataclasses import dataclass, field

from annotator.schema import Attribution, Span
from annotator.session.state import OPENING_QUOTES
from annotator.session.tokens import Tokens


@dataclass
class Effort:
    keys: int = 0
    counts: Counter = field(default_factory=Counter)

    def add(self, other: Effort) -> None:
        self.keys += other.keys
        self.counts.update(other.counts)


def _token_index(tokens: Tokens, offset: int) -> int:
    return bisect_left(tokens.starts, offset)


def _end_index(tokens: Tokens, offset: int) -> int:
    return bisect_left(tokens.ends, offset)


def _search(tokens: Tokens, cursor: int, target: int, longest: int = 12) -> int | None:
    """Keys for ``/`` + the fewest leading characters of the target + enter, when the
    first match after the cursor is the target (the app's search is case-insensitive)."""
    folded = tokens.text.casefold()
    if len(folded) != len(tokens.text):
        return None
    for length in range(1, longest + 1):
        needle = folded[target:target + length]
        if len(needle) < length:
            return None
        found = folded.find(needle, cursor + 1)
        if found == -1:
            found = folded.find(needle)
        if found == target:
            return 2 + length
    return None


def _travel(tokens: Tokens, cursor: int, target: int) -> int:
    """Keys to move the cursor from ``cursor`` to ``target``: w/b steps, sentence jumps
    then w steps, or a search, whichever is fewest."""
    by_token = abs(_token_index(tokens, target) - _token_index(tokens, cursor))
    sentences = tokens.sentence_starts
    here = bisect_right(sentences, cursor) - 1
    there = bisect_right(sentences, target) - 1
    sentence_start = sentences[max(there, 0)]
    by_sentence = abs(there - here) + abs(_token_index(tokens, target) - _token_index(tokens, sentence_start))
    if there == here:
        by_sentence = by_token
    best = min(by_token, by_sentence)
    if best > 4:
        searched = _search(tokens, cursor, target)
        if searched is not None:
            best = min(best, searched)
    return best


def _extend(tokens: Tokens, start: int, end: int) -> int:
    """Keys after ``v`` (which selects the token at ``start``, or a whole quotation) to
    make the selection end at ``end``."""
    text = tokens.text
    if start < len(text) and text[start] in OPENING_QUOTES:
        close = text.find(OPENING_QUOTES[text[start]], start + 1)
        if close != -1 and close + 1 == end:
            return 0
    first_end = tokens.ends[min(_token_index(tokens, start), len(tokens.ends) - 1)] if tokens.ends else end
    by_word = max(0, _end_index(tokens, end) - _end_index(tokens, first_end))
    sentence_end = tokens.sentence_end(start)
    by_sentence = 1 + abs(_end_index(tokens, sentence_end) - _end_index(tokens, end))
    best = min(by_word, by_sentence)
    position, jumps = first_end, 0  # f: to just before the next punctuation mark
    while jumps < best and position < end:
        position = tokens.next_clause_end(position)
        jumps += 1
        if position >= end:
            best = min(best, jumps + abs(_end_index(tokens, position) - _end_index(tokens, end)))
    return best


def _select(tokens: Tokens, cursor: int, start: int, end: int) -> int:
    """Move there, ``v``, extend, and the assigning key; a one-token span needs no ``v``
    (``1``/``2``/``3`` take the token at the cursor)."""
    one_token = tokens.token_covering(start) == (start, end)
    selecting = 0 if one_token else 1 + _extend(tokens, start, end)
    return _travel(tokens, cursor, start) + selecting + 1


def _overlap(a: Span, b: Span) -> int:
    total = 0
    for a0, a1 in a.pieces:
        for b0, b1 in b.pieces:
            total += max(0, min(a1, b1) - max(a0, b0))
    return total


def pair(suggestions: list[Attribution], gold: list[Attribution]) -> dict[int, int]:
    """suggestion index -> gold index, one-to-one by largest content overlap."""
    candidates = []
    for i, s in enumerate(suggestions):
        for j, g in enumerate(gold):
            shared = _overlap(s.content, g.content)
            if shared:
                union = (s.content.end - s.content.start) + (g.content.end - g.content.start) - shared
                candidates.append((-shared / max(1, union), i, j))
    candidates.sort()
    pairs: dict[int, int] = {}
    used: set[int] = set()
    for _, i, j in candidates:
        if i not in pairs and j not in used:
            pairs[i] = j
            used.add(j)
    return pairs


def _same(a: Span | None, b: Span | None) -> bool:
    if a is None or b is None:
        return a is b
    return a.pieces == b.pieces


def _edit_moves(tokens: Tokens, old: Span, new: Span) -> int:
    """Keys in edit mode to move ``old``'s start and end to ``new``'s: one per token, or
    ``(``/``)`` to the sentence's start/end first."""
    old_start, old_end = old.pieces[0][0], old.pieces[-1][1] if old.fragments is None else old.pieces[0][1]
    new_start, new_end = new.pieces[0]
    start = abs(_token_index(tokens, old_start) - _token_index(tokens, new_start))
    sentence_start = tokens.previous_sentence(old_start)
    start = min(start, 1 + abs(_token_index(tokens, sentence_start) - _token_index(tokens, new_start)))
    end = abs(_end_index(tokens, old_end) - _end_index(tokens, new_end))
    sentence_end = tokens.sentence_end(old_end)
    if sentence_end <= old_end:
        sentence_end = tokens.sentence_end(tokens.next_sentence(old_end))
    end = min(end, 1 + abs(_end_index(tokens, sentence_end) - _end_index(tokens, new_end)))
    return start + end


def fix_cost(tokens: Tokens, suggestion: Attribution, gold: Attribution) -> tuple[int, str]:
    """Keys to turn ``suggestion`` into ``gold`` (1 when it is right as it is).

    Each wrong span is fixed the cheaper way: in edit mode (``e``, focus ``s``/``c``,
    boundary keys; ``backspace`` removes a span) or by selecting it afresh (``v`` … and
    ``1``/``2``/``3``), then ``a`` accepts and moves on.
    """
    if all(_same(getattr(suggestion, role), getattr(gold, role)) for role in ("source", "cue", "content")):
        return 1, "accepted as suggested"
    keys = 1  # a
    uses_edit_mode = False
    for role, focus in (("content", 0), ("source", 1), ("cue", 1)):
        old, new = getattr(suggestion, role), getattr(gold, role)
        if _same(old, new):
            continue
        if new is None:
            keys += focus + 1
            uses_edit_mode = True
            continue
        cursor = old.start if old is not None else suggestion.content.start
        reselect = _select(tokens, cursor, *new.pieces[0])
        if old is not None and focus + _edit_moves(tokens, old, new) < reselect:
            keys += focus + _edit_moves(tokens, old, new)
            uses_edit_mode = True
        else:
            keys += reselect
        cursor = new.pieces[0][1]
        for start, end in new.pieces[1:]:  # more pieces of a discontinuous span: v … +
            keys += _select(tokens, cursor, start, end)
            cursor = end
    return keys + (1 if uses_edit_mode else 0), "edited"


def create_cost(tokens: Tokens, cursor: int, gold: Attribution) -> tuple[int, int]:
    """Keys to create ``gold`` from nothing, and where the cursor ends."""
    keys = 1  # N
    spans = []
    for role in ("source", "cue", "content"):
        span = getattr(gold, role)
        if span is not None:
            spans.extend((start, end) for start, end in span.pieces)
    for start, end in sorted(spans):
        keys += _select(tokens, cursor, start, end)
        cursor = end
    return keys, cursor


def document_effort(text: str, suggestions: list[Attribution], gold: list[Attribution],
                    tokens: Tokens | None = None) -> Effort:
    tokens = tokens or Tokens(text)
    effort = Effort()
    pairs = pair(suggestions, gold)
    order = sorted(range(len(suggestions)), key=lambda i: (suggestions[i].content.start, i))
    for i in order:
        if i in pairs:
            keys, kind = fix_cost(tokens, suggestions[i], gold[pairs[i]])
        else:
            keys, kind = 1, "rejected"
        effort.keys += keys
        effort.counts[kind] += 1
        effort.counts[f"keys {kind}"] += keys
    found = set(pairs.values())
    cursor = 0
    for j in sorted(range(len(gold)), key=lambda j: gold[j].content.start):
        if j in found:
            continue
        keys, cursor = create_cost(tokens, cursor, gold[j])
        effort.keys += keys
        effort.counts["created"] += 1
        effort.counts["keys created"] += keys
    effort.keys += 1  # d
    effort.counts["documents"] += 1
    return effort

"""How many keys the app needs to turn suggestions into a correct annotation.

A model of the app's keys (the bindings of ``annotator annotate``), applied to one
document's suggestions and its gold attributions; every key counted is one the app has,
costed as pressed, and the cursor is followed as the app leaves it:

- the app walks the suggestions in reading order (``a`` and ``x`` move to the next
  undecided one, the cursor on its content), so each suggestion costs its decision:
  - no gold attribution shares content with it: ``x`` (1 key);
  - its gold partner has the same spans: ``a`` (1 key);
  - otherwise the fixes, then ``a``; or, when that looks cheaper, ``x`` and the gold
    partner made afresh like a missed one (counted as rejected and created, and
    reported as "remade"). The cue, source and content (or cue, content,
    source) are fixed one by one, each the cheapest way: in edit mode by ``r`` presses
    through ``boundary_alternatives`` (``S`` for the source and ``K`` for the cue from
    any mode) and boundary keys (``[ ] { }`` per token, ``< > F f`` per phrase or
    clause, ``( )`` to the sentence's start or end); a focus key (``e``/``s``/``c``/``t``)
    unless the first key works from normal mode (``r``, ``S``, ``K``, and ``[ ] { } < >``
    on the content); ``backspace`` removes a span; or by selecting it afresh (the cursor
    moves there, ``v``, the extension by ``w``, ``)`` or ``f``, then ``1``/``2``/``3``;
    ``+`` for more content pieces);
- each gold attribution no suggestion found is created: ``N`` then each span selected as
  above, or ``C`` on its cue (the cursor gets there by ``w``/``b``, ``(``/``)``, ``/`` and
  the fewest leading characters, or ``;``/``,`` to a likely cue) and the proposal fixed;
  all after the suggestions, or each on the way before the suggestion that follows it
  (``a`` goes back to that one), whichever walk costs fewer keys;
- ``d`` marks the document done (1 key).

``tests/test_efficiency.py`` presses such key sequences in the real app and checks the
result, so the model's unit costs are the app's. Partners are paired one-to-one by
the largest character overlap of their contents.
"""

from __future__ import annotations

import bisect
from bisect import bisect_left, bisect_right
from collections import Counter
from dataclasses import dataclass, field

from annotator.schema import Attribution, Origin, Role, Span
from annotator.session.alternatives import boundary_alternatives, new_from_cue
from annotator.session.cues import cue_stops, next_stop, presses
from annotator.session.state import OPENING_QUOTES
from annotator.session.tokens import Tokens, previous_grapheme


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


def _boundary_cost(tokens: Tokens, old: int, new: int, which: str) -> tuple[int, str | None]:
    """Keys in edit mode to move a span's start (``which == "start"``) or end from
    ``old`` to ``new``: one per token (``[ ]``/``{ }``), or phrase jumps first (``< >``
    for the start, ``F f`` for the end), or ``(``/``)`` to the sentence's start/end.
    Also says which kind of key comes first ("token", "phrase", "sentence"; None when
    the boundary stays): ``[ ] { } < >`` work from normal mode too, ``( ) f F`` do not."""
    if old == new:
        return 0, None
    index = _token_index if which == "start" else _end_index
    target = index(tokens, new)
    best, first = abs(index(tokens, old) - target), "token"
    if which == "start":
        sentence = tokens.previous_sentence(old)
    else:
        sentence = tokens.sentence_end(old)
        if sentence <= old:
            sentence = tokens.sentence_end(tokens.next_sentence(old))
    if 1 + abs(index(tokens, sentence) - target) < best:
        best, first = 1 + abs(index(tokens, sentence) - target), "sentence"
    phrases = tokens.phrases
    forward = new > old
    if which == "start":
        step = phrases.next_start if forward else phrases.previous_start
    else:
        step = phrases.next_end if forward else phrases.previous_end
    position: int | None = old
    jumps = 0
    while jumps + 1 < best and position is not None:
        position = step(position)
        if position is None:
            break
        jumps += 1
        if jumps + abs(index(tokens, position) - target) < best:
            best, first = jumps + abs(index(tokens, position) - target), "phrase"
        if (position > new) if forward else (position < new):
            break
    return best, first


def _edit_moves(tokens: Tokens, old: Span, new: Span) -> tuple[int, bool] | None:
    """Keys in edit mode to turn ``old`` into ``new`` by moving its start and end (the
    first piece's start and the last piece's end; the pieces between must agree), and
    whether the first of them works from normal mode too (no ``e`` needed before it).
    The start moves first: past the end it takes the end along (to its token's end)."""
    old_pieces, new_pieces = old.pieces, new.pieces
    inner_old = [offset for piece in old_pieces for offset in piece][1:-1]
    inner_new = [offset for piece in new_pieces for offset in piece][1:-1]
    if inner_old != inner_new:
        return None
    old_start, old_end = old_pieces[0][0], old_pieces[-1][1]
    new_start, new_end = new_pieces[0][0], new_pieces[-1][1]
    keys, first = _boundary_cost(tokens, old_start, new_start, "start")
    from_normal = first in ("token", "phrase")
    if new_start >= old_end:
        covering = tokens.token_covering(new_start)
        old_end = covering[1] if covering else new_start
    end_keys, end_first = _boundary_cost(tokens, old_end, new_end, "end")
    if first is None:
        from_normal = end_first == "token"
    return keys + end_keys, from_normal


def _cursor_after_moves(tokens: Tokens, old: Span, new: Span, fallback: int) -> int:
    """Where the app leaves the cursor after boundary keys turned ``old`` into ``new``:
    just inside the end when the end moved last, else at the start."""
    if old.pieces[-1][1] != new.pieces[-1][1]:
        return previous_grapheme(tokens.text, new.pieces[-1][1])
    if old.pieces[0][0] != new.pieces[0][0]:
        return new.pieces[0][0]
    return fallback


CYCLE_LIMIT = 8  # presses of r the model tries (the list may be longer)


def _span_fix(tokens: Tokens, attribution: Attribution, role: Role, new: Span,
              others: list[Attribution], cursor: int) -> tuple[int, str, int]:
    """The cheapest way to make ``attribution``'s ``role`` span ``new`` in edit mode:
    ``r`` presses through the alternatives then boundary moves, or boundary moves only.
    Returns the keys (the focus key not included), the kind of the first key ("cycle":
    ``r``, or ``S`` on the source, from any mode; "move": ``[ ] { } < >``, which work
    from normal mode on the content; "edit": keys of edit mode only), and where the
    cursor ends (``cursor`` is where it stands after the focus key)."""
    old = attribution.span(role)
    best, first, after = 10**6, "edit", cursor
    if old is not None:
        moved = _edit_moves(tokens, old, new)
        if moved is not None:
            best, first = moved[0], "move" if moved[1] else "edit"
            after = _cursor_after_moves(tokens, old, new, cursor)
    alternatives = boundary_alternatives(tokens, attribution, role, others)
    for pressed, alternative in enumerate(alternatives[:CYCLE_LIMIT], start=1):
        if pressed > best:
            break
        moved = _edit_moves(tokens, alternative, new)
        # at equal cost r/S/K win: they need no focus key from any mode
        if moved is not None and pressed + moved[0] <= best:
            best, first = pressed + moved[0], "cycle"
            after = _cursor_after_moves(tokens, alternative, new, alternative.start)
    return best, first, after


def _after_assign(tokens: Tokens, end: int) -> int:
    """Where ``1``/``2``/``3``/``+``/``N`` leave the cursor: the token after the span."""
    following = tokens.next_start(end - 1)
    return following if following is not None else end


def fix_cost(tokens: Tokens, suggestion: Attribution, gold: Attribution,
             others: list[Attribution] | None = None, accept: bool = True) -> tuple[int, str]:
    """Keys to turn ``suggestion`` into ``gold`` (1 when it is right as it is).

    The cue, then the source, then the content are fixed (the content's alternatives
    read where the cue and source are). Each wrong span the cheaper way: in edit mode
    (a focus key ``c``/``s``/``t``, or none on the content when the first key is ``r``
    or ``[ ] { } < >``, which work from normal mode; then ``r`` presses and boundary
    keys; ``backspace`` removes a span) or by selecting it afresh (``v`` … and
    ``1``/``2``/``3``), then ``a`` accepts and moves on.
    """
    keys, kind, _cursor = fix_plan(tokens, suggestion, gold, others, accept)
    return keys, kind


def fix_plan(tokens: Tokens, suggestion: Attribution, gold: Attribution,
             others: list[Attribution] | None = None, accept: bool = True,
             cursor: int | None = None) -> tuple[int, str, int]:
    """``fix_cost`` and where the app leaves the cursor (before ``a``). ``cursor`` is
    where it stands first: on the content's start when the attribution was selected."""
    others = list(others or ())
    cursor = suggestion.content.start if cursor is None else cursor
    if all(_same(getattr(suggestion, role), getattr(gold, role)) for role in ("source", "cue", "content")):
        return (1 if accept else 0), "accepted as suggested", cursor
    best: tuple[int, int] | None = None
    for order in ((Role.cue, Role.source, Role.content), (Role.cue, Role.content, Role.source)):
        keys, after = _fix_in_order(tokens, suggestion, gold, others, cursor, order)
        if best is None or keys < best[0]:
            best = (keys, after)
    assert best is not None
    return best[0] + (1 if accept else 0), "edited", best[1]  # + a


def _fix_in_order(tokens: Tokens, suggestion: Attribution, gold: Attribution, others: list[Attribution],
                  cursor: int, order: tuple[Role, ...]) -> tuple[int, int]:
    keys = 0
    mode = "normal"
    chosen = False  # s/c/t/S chose a span of this attribution: r and [ ] no longer mean the content
    current = suggestion
    for role in order:
        old, new = current.span(role), gold.span(role)
        if _same(old, new):
            continue
        if new is None:
            keys += 2  # s/c (the cursor goes to the span), backspace
            mode, chosen = "edit", True
            cursor = old.start if old is not None else cursor
            current = current.model_copy(update={role.value: None})
            continue
        reselect = _select(tokens, cursor, *new.pieces[0])
        for start, end in new.pieces[1:]:  # more pieces of a discontinuous span: v … +
            reselect += _select(tokens, new.pieces[0][1], start, end)
        focused = old.start if old is not None else cursor  # s/c/t/e put the cursor on the span
        edited, first, after = _span_fix(tokens, current, role, new, others, focused)
        if role == Role.content and len(new.pieces) > 1 and old is not None:
            # the first piece by r or boundary keys, the others added with v … +
            first_piece = Span.from_text(tokens.text, *new.pieces[0])
            piecewise, piece_first, _after = _span_fix(tokens, current, role, first_piece, others, focused)
            position = new.pieces[0][1]
            for start, end in new.pieces[1:]:
                piecewise += _select(tokens, position, start, end)
                position = end
            if piecewise < edited:
                edited, first, after = piecewise, piece_first, _after_assign(tokens, position)
        if role in (Role.source, Role.cue) and first == "cycle":
            focus = 0  # S, K: the source's or the cue's alternatives from any mode
        elif role == Role.content and mode == "normal" and not chosen and first in ("cycle", "move"):
            focus = 0  # r or [ ] { } < > from normal mode act on the content
        else:
            focus = 1  # e, s, c or t
        if focus + edited < reselect:
            keys += focus + edited
            mode = "edit"
            chosen = chosen or role != Role.content or focus == 1
            cursor = after
        else:
            keys += reselect
            mode = "normal"
            cursor = _after_assign(tokens, new.pieces[-1][1])
        current = current.model_copy(update={role.value: new})
    return keys, cursor


def create_cost(tokens: Tokens, cursor: int, gold: Attribution,
                others: list[Attribution] | None = None) -> tuple[int, int]:
    """Keys to create ``gold`` from nothing, and where the cursor ends: the cheaper of
    ``N`` and selecting each span, or ``C`` on its cue (the cursor moves to the cue,
    ``v`` and its extension when it is longer than a token) and fixing what ``C``
    proposed."""
    keys = 1  # N
    spans: list[tuple[int, int]] = []
    for role in ("source", "cue", "content"):
        span = getattr(gold, role)
        if span is not None:
            spans.extend((start, end) for start, end in span.pieces)
    position = cursor
    for start, end in sorted(spans):
        keys += _select(tokens, position, start, end)
        position = _after_assign(tokens, end)
    cue = gold.cue
    if cue is not None and not cue.fragments:
        stops = cue_stops(tokens, others or [])
        first, last = _token_index(tokens, cue.start), _end_index(tokens, cue.end)
        # C on the whole cue (selected with v …), or on one of its words and K to grow it
        choices = [(cue, 0 if first == last else 1 + _extend(tokens, cue.start, cue.end))]
        choices += [(Span.from_text(tokens.text, tokens.starts[k], tokens.ends[k]), 0)
                    for k in range(first, min(last, first + 3) + 1) if last > first]
        for start_cue, selecting in choices:
            made = attribution_from_cue(tokens, start_cue, others or [])
            if made is None:
                continue
            travel = _travel(tokens, cursor, start_cue.start)
            for stop in (next_stop(stops, start_cue.start + 1, -1), next_stop(stops, start_cue.start - 1, +1)):
                if stop is not None:  # ; or , to a likely cue, then w/b to this one
                    jumps = presses(stops, cursor, stop)
                    if jumps is not None:
                        steps = abs(_token_index(tokens, stop) - _token_index(tokens, start_cue.start))
                        travel = min(travel, jumps + steps)
            from_cue = travel + selecting + 1
            if from_cue >= keys:
                continue
            fixes, _kind, after = fix_plan(tokens, made, gold, others, accept=False,
                                          cursor=_after_assign(tokens, made.content.end))
            if from_cue + fixes < keys:
                keys, position = from_cue + fixes, after
    return keys, position


def attribution_from_cue(tokens: Tokens, cue: Span, others: list[Attribution]) -> Attribution | None:
    content, source = new_from_cue(tokens, cue, others)
    if content is None:
        return None
    return Attribution(id="new", cue=cue, source=source, content=content, origin=Origin.manual)


def document_effort(text: str, suggestions: list[Attribution], gold: list[Attribution],
                    tokens: Tokens | None = None) -> Effort:
    """The keys of the cheaper of two walks through the document: the suggestions
    first and the missed attributions after them, or each missed attribution made on
    the way, before the suggestion that follows it (the cursor is near; ``a`` on the
    new attribution then moves on to that suggestion, one key per stop)."""
    tokens = tokens or Tokens(text)
    return min((_walk(tokens, suggestions, gold, interleave) for interleave in (False, True)),
               key=lambda effort: effort.keys)


def _walk(tokens: Tokens, suggestions: list[Attribution], gold: list[Attribution], interleave: bool) -> Effort:
    effort = Effort()
    pairs = pair(suggestions, gold)
    order = sorted(range(len(suggestions)), key=lambda i: (suggestions[i].content.start, i))
    found = set(pairs.values())
    missed = [j for j in sorted(range(len(gold)), key=lambda j: gold[j].content.start) if j not in found]
    # what the document holds as the app walks it (the sources r may link to): the
    # decided attributions as decided, the rest as suggested; rejected ones left out
    shown: dict[int, Attribution] = dict(enumerate(suggestions))

    remade: set[int] = set()  # gold partners of suggestions rejected to be made afresh

    def create(cursor: int, j: int) -> int:
        keys, cursor = create_cost(tokens, cursor, gold[j], list(shown.values()))
        shown[len(suggestions) + j] = gold[j]
        effort.keys += keys
        effort.counts["created"] += 1
        effort.counts["keys created"] += keys
        if j in remade:
            effort.counts["keys remade"] += keys + 1  # and the x
        return cursor

    for i in order:
        if interleave:  # the missed ones before this suggestion, from where selecting it put the cursor
            cursor = suggestions[i].content.start
            made = False
            while missed and gold[missed[0]].content.start < suggestions[i].content.start:
                cursor = create(cursor, missed.pop(0))
                made = True
            if made:  # a: back to this suggestion, the next undecided
                effort.keys += 1
                effort.counts["keys created"] += 1
        others = [a for k, a in shown.items() if k != i]
        # selecting a suggestion puts the cursor on its content; the last decision
        # leaves it where its keys put it (a and x find nothing undecided to go to)
        cursor = suggestions[i].content.start
        rejected = i not in pairs
        if not rejected:
            keys, kind, after = fix_plan(tokens, suggestions[i], gold[pairs[i]], others)
            # a suggestion far from its gold partner: x, and the partner made afresh later,
            # when that looks cheaper from here (the keys counted are those of the making)
            if keys > 2 and 1 + create_cost(tokens, cursor, gold[pairs[i]], others)[0] < keys:
                rejected = True
                remade.add(pairs[i])
                effort.counts["remade"] += 1
                bisect.insort(missed, pairs[i], key=lambda j: gold[j].content.start)
            else:
                cursor = after
                shown[i] = gold[pairs[i]].model_copy(update={"id": suggestions[i].id})
        if rejected:
            keys, kind = 1, "rejected"
            del shown[i]
        effort.keys += keys
        effort.counts[kind] += 1
        effort.counts[f"keys {kind}"] += keys
    if not order:
        cursor = 0  # a document without suggestions opens at its start
    for j in missed:
        cursor = create(cursor, j)
    effort.keys += 1  # d
    effort.counts["documents"] += 1
    return effort

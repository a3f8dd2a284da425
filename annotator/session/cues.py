"""Where a missed attribution's cue may be: words the cue lexicon often saw as cues.

``;`` and ``,`` move the cursor to the next or previous such word that is not yet the
cue of an attribution, so the cursor reaches a missed attribution's cue in a press or
two rather than a search (the key model in ``effort`` counts them the same way).
The lexicon is the suggester's data file (``annotator/suggest/lexicons/cues.tsv``);
reading it imports no spaCy.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterable
from functools import lru_cache

from annotator.schema import Attribution
from annotator.session.tokens import Tokens

# How often a word must have been a cue (its precision in the lexicon) to be a stop:
# low, since the words the suggester missed are the less certain ones.
MIN_PRECISION = 0.1


@lru_cache(maxsize=1)
def _cue_words() -> frozenset[str]:
    from annotator.suggest.lexicon import load_cue_lexicon, load_word_lists

    lexicon = load_cue_lexicon()
    function_words = load_word_lists()["np_stop"] - {"said", "says", "say"}  # "in", "has": stops everywhere
    return frozenset(form for form, precision in lexicon.forms.items()
                     if precision >= MIN_PRECISION and form not in function_words)


def _all_stops(tokens: Tokens) -> list[int]:
    found = tokens.__dict__.get("_cue_stops")
    if found is None:
        words = _cue_words()
        text = tokens.text
        found = [start for start, end in zip(tokens.starts, tokens.ends) if text[start:end].lower() in words]
        tokens.__dict__["_cue_stops"] = found
    return found


def cue_stops(tokens: Tokens, attributions: Iterable[Attribution]) -> list[int]:
    """Offsets of the words that may be cues, those already an attribution's cue left out."""
    taken: set[int] = set()
    for attribution in attributions:
        if attribution.cue is not None:
            taken.update(start for start, _end in attribution.cue.pieces)
    return [start for start in _all_stops(tokens) if start not in taken]


def next_stop(stops: list[int], cursor: int, direction: int) -> int | None:
    if direction > 0:
        index = bisect_right(stops, cursor)
        return stops[index] if index < len(stops) else None
    index = bisect_left(stops, cursor) - 1
    return stops[index] if index >= 0 else None


def presses(stops: list[int], cursor: int, target: int) -> int | None:
    """How many presses of ``;`` (forward) or ``,`` (back) bring the cursor from
    ``cursor`` to the stop at ``target``; None when ``target`` is no stop."""
    index = bisect_left(stops, target)
    if index >= len(stops) or stops[index] != target:
        return None
    if target > cursor:
        return index - bisect_right(stops, cursor) + 1
    if target < cursor:
        return bisect_left(stops, cursor) - index
    return 0

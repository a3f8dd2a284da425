"""Comparing two annotators' attributions of one document: the protocol of `evaluate`.

Spans are compared as sets of word tokens, punctuation ignored:

- A *word token* is a maximal run of word characters (letters, digits, ``_``) and
  combining marks (so Urdu or Hindi words with vowel signs stay whole). Everything
  else (spaces, punctuation, quotation marks, symbols) separates tokens and counts for
  nothing. Tokens are identified by their position in the document, so "said" at two
  places are two different tokens.
- A span's *units* are the word tokens it touches (shares at least one character
  with), over all its fragments. A span that touches no word token (a lone ":" cue)
  is compared by its non-space characters instead, so it can still match a span made
  of the same characters.

Matching is one-to-one: exact matches (equal unit sets) are paired first, then, in
overlap mode, the remaining pairs that share units are paired greedily by the largest
number of shared units (ties: larger Jaccard ratio, then document order).

Relations: a predicted attribution matches a gold one when their contents match and
their sources match or are both absent. Exact mode requires equal unit sets for both;
overlap mode requires shared units for both. Pairing is one-to-one: pairs exact in
both content and source first, then the largest content overlap, then the largest
source overlap.
"""

from __future__ import annotations

import re
import sys
import unicodedata
from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache

from annotator.schema import Attribution, Role, Span

ROLES: tuple[str, ...] = tuple(role.value for role in Role)  # source, cue, content
MODES: tuple[str, ...] = ("exact", "overlap")
RELATION = "relation"
TARGETS: tuple[str, ...] = (*ROLES, RELATION)

Units = frozenset[int]


@cache
def _word_pattern() -> re.Pattern[str]:
    # Python's \w leaves out combining marks (Mn/Mc/Me), which would split words of
    # many scripts in two; add every mark the running Unicode database knows.
    marks: list[str] = []
    start = previous = None
    for code in range(sys.maxunicode + 1):
        if unicodedata.category(chr(code))[0] == "M":
            if previous is not None and code == previous + 1:
                previous = code
                continue
            if start is not None:
                marks.append(_char_range(start, previous))
            start = previous = code
    if start is not None:
        marks.append(_char_range(start, previous))
    return re.compile(r"[\w" + "".join(marks) + r"]+")


def _char_range(first: int, last: int | None) -> str:
    last = first if last is None else last
    if first == last:
        return re.escape(chr(first))
    return f"{re.escape(chr(first))}-{re.escape(chr(last))}"


class WordTokens:
    """The word tokens of one document text, for turning spans into unit sets."""

    __slots__ = ("text", "starts", "ends")

    def __init__(self, text: str):
        self.text = text
        self.starts: list[int] = []
        self.ends: list[int] = []
        for match in _word_pattern().finditer(text):
            self.starts.append(match.start())
            self.ends.append(match.end())

    def __len__(self) -> int:
        return len(self.starts)

    def token_range(self, start: int, end: int) -> range:
        """Indices of the tokens that share at least one character with [start, end)."""
        first = bisect_right(self.ends, start)  # first token ending after start
        stop = bisect_left(self.starts, end)  # tokens starting before end
        return range(first, max(first, stop))

    def units(self, span: Span) -> Units:
        found: set[int] = set()
        for start, end in span.pieces:
            found.update(self.token_range(start, end))
        if found:
            return frozenset(found)
        # No word token: compare by non-space characters (negative, so never a token).
        return frozenset(
            -(offset + 1)
            for start, end in span.pieces
            for offset in range(start, min(end, len(self.text)))
            if not self.text[offset].isspace()
        ) or frozenset({-(span.start + 1)})

    def words(self, units: Iterable[int]) -> list[str]:
        """The token texts of a unit set, in document order (for display and tests)."""
        return [
            self.text[self.starts[unit] : self.ends[unit]] if unit >= 0 else self.text[-unit - 1]
            for unit in sorted(units, key=lambda u: (-u - 1) if u < 0 else self.starts[u])
        ]


@dataclass(slots=True)
class AttributionUnits:
    """One attribution reduced to what the comparison needs."""

    type: str
    source: Units | None
    cue: Units | None
    content: Units


class AnnotatedDocument:
    """One annotator's attributions of one document, as unit sets with lookup indices.

    Built once per (document, annotator) and reused for every comparison it takes
    part in, so pairwise agreement over many annotators does the work once.
    """

    __slots__ = ("attributions", "role_spans", "_indices")

    def __init__(self, attributions: Sequence[Attribution], tokens: WordTokens):
        self.attributions: list[AttributionUnits] = []
        # Per role: (attribution index, units) for every attribution that has the role.
        self.role_spans: dict[str, list[tuple[int, Units]]] = {role: [] for role in ROLES}
        for index, attribution in enumerate(attributions):
            source = tokens.units(attribution.source) if attribution.source else None
            cue = tokens.units(attribution.cue) if attribution.cue else None
            content = tokens.units(attribution.content)
            kind = attribution.type.value if hasattr(attribution.type, "value") else str(attribution.type)
            self.attributions.append(AttributionUnits(kind, source, cue, content))
            for role, units in (("source", source), ("cue", cue), ("content", content)):
                if units is not None:
                    self.role_spans[role].append((index, units))
        self._indices: dict[str, dict[int, list[int]]] = {}

    def index(self, role: str) -> dict[int, list[int]]:
        """unit -> positions in ``role_spans[role]`` of the spans holding it."""
        found = self._indices.get(role)
        if found is None:
            found = {}
            for position, (_, units) in enumerate(self.role_spans[role]):
                for unit in units:
                    found.setdefault(unit, []).append(position)
            self._indices[role] = found
        return found


@dataclass(slots=True)
class Matching:
    """One-to-one pairs (predicted position, gold position) in both modes."""

    exact: list[tuple[int, int]] = field(default_factory=list)
    overlap: list[tuple[int, int]] = field(default_factory=list)

    def pairs(self, mode: str) -> list[tuple[int, int]]:
        return self.exact if mode == "exact" else self.overlap


def overlap_counts(
    predicted: Sequence[Units], gold_index: dict[int, list[int]]
) -> dict[tuple[int, int], int]:
    """Shared units for every (predicted, gold) pair that shares any."""
    counts: dict[tuple[int, int], int] = {}
    for i, units in enumerate(predicted):
        for unit in units:
            holders = gold_index.get(unit)
            if holders:
                for j in holders:
                    key = (i, j)
                    counts[key] = counts.get(key, 0) + 1
    return counts


def match_units(
    predicted: Sequence[Units],
    gold: Sequence[Units],
    gold_index: dict[int, list[int]] | None = None,
) -> Matching:
    """One-to-one matching of unit sets: exact first, then greedily by largest overlap."""
    if gold_index is None:
        gold_index = {}
        for j, units in enumerate(gold):
            for unit in units:
                gold_index.setdefault(unit, []).append(j)
    counts = overlap_counts(predicted, gold_index)
    exact_candidates = sorted(
        key for key, shared in counts.items()
        if shared == len(predicted[key[0]]) == len(gold[key[1]])
    )
    result = Matching()
    used_p: set[int] = set()
    used_g: set[int] = set()
    for i, j in exact_candidates:
        if i not in used_p and j not in used_g:
            used_p.add(i)
            used_g.add(j)
            result.exact.append((i, j))
    result.overlap = list(result.exact)
    rest = [
        (-shared, -shared / (len(predicted[i]) + len(gold[j]) - shared), i, j)
        for (i, j), shared in counts.items()
        if i not in used_p and j not in used_g
    ]
    rest.sort()
    for _, _, i, j in rest:
        if i not in used_p and j not in used_g:
            used_p.add(i)
            used_g.add(j)
            result.overlap.append((i, j))
    return result


def match_spans(predicted: AnnotatedDocument, gold: AnnotatedDocument, role: str) -> Matching:
    """Matching of one role's spans; positions index ``role_spans[role]``."""
    return match_units(
        [units for _, units in predicted.role_spans[role]],
        [units for _, units in gold.role_spans[role]],
        gold.index(role),
    )


def match_relations(predicted: AnnotatedDocument, gold: AnnotatedDocument) -> Matching:
    """Matching of attributions by content and source; positions index ``attributions``."""
    p_attrs, g_attrs = predicted.attributions, gold.attributions
    p_content = predicted.role_spans["content"]  # one per attribution, same order
    content_counts = overlap_counts([units for _, units in p_content], gold.index("content"))
    exact: list[tuple[int, int]] = []
    loose: list[tuple[int, int, int, int]] = []
    for (i, j), shared in content_counts.items():
        p, g = p_attrs[i], g_attrs[j]
        if p.source is None or g.source is None:
            if p.source is not g.source:
                continue
            source_shared = 0
            source_exact = True
        else:
            source_shared = len(p.source & g.source)
            if not source_shared:
                continue
            source_exact = source_shared == len(p.source) == len(g.source)
        if source_exact and shared == len(p.content) == len(g.content):
            exact.append((i, j))
        loose.append((-shared, -source_shared, i, j))
    result = Matching()
    used_p: set[int] = set()
    used_g: set[int] = set()
    for i, j in sorted(exact):
        if i not in used_p and j not in used_g:
            used_p.add(i)
            used_g.add(j)
            result.exact.append((i, j))
    result.overlap = list(result.exact)
    loose.sort()
    for _, _, i, j in loose:
        if i not in used_p and j not in used_g:
            used_p.add(i)
            used_g.add(j)
            result.overlap.append((i, j))
    return result

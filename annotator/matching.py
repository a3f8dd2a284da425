"""Comparing two annotators' attributions of one document: the protocol of `evaluate`.

Spans are compared as sets of word tokens, punctuation ignored:

- Word tokens are the tokens of ``spacy.blank("en")`` (the same tokenizer as the
  units of token-wise alpha in `agree`) that are neither whitespace nor punctuation
  (``is_punct``: quotation marks, commas, dashes, brackets...). Tokens are identified
  by their position in the document, so "said" at two places are two tokens.
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

Longer than 500 lines on purpose: the protocol (units, the span index, one-to-one
pairing, relations) is one unit that evaluate and agree share, and its hot loops are
kept together so they can be read and tuned as one.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import NamedTuple

from annotator.schema import Attribution, Role, Span

ROLES: tuple[str, ...] = tuple(role.value for role in Role)  # source, cue, content
MODES: tuple[str, ...] = ("exact", "overlap")
RELATION = "relation"
TARGETS: tuple[str, ...] = (*ROLES, RELATION)



class Units(NamedTuple):
    """The word tokens a span touches, as sorted, disjoint, merged token ranges.

    Equal unit sets have equal ``pieces``; ``lo``/``hi`` bound them and ``size`` counts
    them. Ranges rather than sets: contiguous spans (nearly all) become one range, and
    overlaps are arithmetic, which keeps pairwise agreement over thousands of
    documents fast.
    """

    lo: int
    hi: int
    size: int
    pieces: tuple[tuple[int, int], ...]

    @classmethod
    def from_ranges(cls, ranges: Iterable[tuple[int, int]]) -> Units:
        merged: list[list[int]] = []
        for low, high in sorted(r for r in ranges if r[1] > r[0]):
            if merged and low <= merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], high)
            else:
                merged.append([low, high])
        pieces = tuple((low, high) for low, high in merged)
        return cls(pieces[0][0], pieces[-1][1], sum(high - low for low, high in pieces), pieces)


def overlap(a: Units, b: Units) -> int:
    """How many units two unit sets share."""
    if a.hi <= b.lo or b.hi <= a.lo:
        return 0
    if len(a.pieces) == 1 and len(b.pieces) == 1:
        return min(a.hi, b.hi) - max(a.lo, b.lo)
    shared = 0
    for a_lo, a_hi in a.pieces:
        for b_lo, b_hi in b.pieces:
            if a_lo < b_hi and b_lo < a_hi:
                shared += min(a_hi, b_hi) - max(a_lo, b_lo)
    return shared


# Spans without word tokens are compared by characters, in a coordinate range that no
# token index reaches.
CHARACTER_BASE = 1 << 40


_NLP = None


def _tokenizer():
    global _NLP
    if _NLP is None:
        import spacy  # heavy: imported on first use only

        _NLP = spacy.blank("en")
    return _NLP.tokenizer


def _token_table(doc):
    """(start, length, is_space, is_punct) per token, as a numpy array."""
    from spacy.attrs import IDX, IS_PUNCT, IS_SPACE, LENGTH

    if not len(doc):
        import numpy as np

        return np.zeros((0, 4), dtype=np.int64)
    return doc.to_array([IDX, LENGTH, IS_SPACE, IS_PUNCT])


def _tables_of(texts: Sequence[str]) -> list:
    """Token tables of many texts: spaCy's tokens, each distinct whitespace-free run
    tokenised once (annotator/token_runs.py); whitespace tokens left out."""
    from annotator.token_runs import run_tables

    return run_tables(texts, _tokenizer())


# Tokenising is the slowest step of agreement over many documents; spaCy's tokenizer
# holds the GIL, so large batches go to forked worker processes (same tokenizer, same
# result, in order).
PARALLEL_MIN_TEXTS = 200
PARALLEL_MAX_PROCESSES = 4


def worker_processes(items: int) -> int:
    """How many forked workers a batch of ``items`` documents deserves (1: none)."""
    import multiprocessing
    import os

    if items < PARALLEL_MIN_TEXTS or multiprocessing.parent_process() is not None:
        return 1  # small batch, or already inside a worker
    if "fork" not in multiprocessing.get_all_start_methods():
        return 1
    try:
        cores = len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        cores = os.cpu_count() or 1
    return max(1, min(PARALLEL_MAX_PROCESSES, cores))


def _parallel_tables(texts: Sequence[str]) -> list | None:
    import multiprocessing

    processes = worker_processes(len(texts))
    if processes < 2:
        return None
    _tokenizer()  # load spaCy once, before forking, so workers inherit it
    size = -(-len(texts) // (processes * 4))
    chunks = [list(texts[start : start + size]) for start in range(0, len(texts), size)]
    try:
        with multiprocessing.get_context("fork").Pool(processes) as pool:
            parts = pool.map(_tables_of, chunks)
    except OSError:  # no processes to be had: do it here
        return None
    return [table for part in parts for table in part]


class WordTokens:
    """The word tokens of one document text, for turning spans into unit sets.

    ``all_starts`` keeps every non-whitespace token's start (the units of token-wise
    alpha in annotator/agreement.py); ``starts``/``ends`` the word tokens: those
    neither whitespace nor punctuation.
    """

    __slots__ = ("text", "starts", "ends", "all_starts", "_cache")

    def __init__(self, text: str, doc=None, table=None):
        self.text = text
        if table is None:
            table = _token_table(doc if doc is not None else _tokenizer()(text))
        if len(table):
            visible = table[table[:, 2] == 0]
            words = visible[visible[:, 3] == 0]
            self.all_starts: list[int] = visible[:, 0].tolist()
            self.starts: list[int] = words[:, 0].tolist()
            self.ends: list[int] = (words[:, 0] + words[:, 1]).tolist()
        else:
            self.all_starts, self.starts, self.ends = [], [], []
        # Annotators of one document mostly mark the same spans: convert each once.
        self._cache: dict[tuple, Units] = {}

    @classmethod
    def for_texts(cls, texts: Sequence[str]) -> list[WordTokens]:
        """Tokens of many texts; large batches are tokenised by several processes."""
        tables = _parallel_tables(texts)
        if tables is None:
            tokenizer = _tokenizer()
            return [cls(text, doc) for text, doc in zip(texts, tokenizer.pipe(texts))]
        return [cls(text, table=table) for text, table in zip(texts, tables)]

    def __len__(self) -> int:
        return len(self.starts)

    def token_range(self, start: int, end: int) -> range:
        """Indices of the tokens that share at least one character with [start, end)."""
        first = bisect_right(self.ends, start)  # first token ending after start
        stop = bisect_left(self.starts, end)  # tokens starting before end
        return range(first, max(first, stop))

    def units(self, span: Span) -> Units:
        key = (span.start, span.end, tuple(span.fragments) if span.fragments else None)
        found = self._cache.get(key)
        if found is None:
            found = self._cache[key] = self._units(span)
        return found

    def _units(self, span: Span) -> Units:
        if not span.fragments:  # the common case, kept fast
            first = bisect_right(self.ends, span.start)
            stop = bisect_left(self.starts, span.end)
            if stop > first:
                return Units(first, stop, stop - first, ((first, stop),))
            ranges: list[tuple[int, int]] = []
        else:
            ranges = []
            for start, end in span.pieces:
                tokens = self.token_range(start, end)
                if tokens:
                    ranges.append((tokens.start, tokens.stop))
            if ranges:
                return Units.from_ranges(ranges)
        # No word token: compare by the characters, surrounding spaces left out.
        text = self.text
        ranges = []
        for start, end in span.pieces:
            end = min(end, len(text))
            while start < end and text[start].isspace():
                start += 1
            while end > start and text[end - 1].isspace():
                end -= 1
            if end > start:
                ranges.append((CHARACTER_BASE + start, CHARACTER_BASE + end))
        if not ranges:  # only whitespace: the span's first character stands for it
            ranges.append((CHARACTER_BASE + span.start, CHARACTER_BASE + span.start + 1))
        return Units.from_ranges(ranges)

    def words(self, units: Units) -> list[str]:
        """The token texts (or characters) of a unit set, in document order."""
        out = []
        for low, high in units.pieces:
            for unit in range(low, high):
                if unit >= CHARACTER_BASE:
                    out.append(self.text[unit - CHARACTER_BASE])
                else:
                    out.append(self.text[self.starts[unit] : self.ends[unit]])
        return out


@dataclass(slots=True)
class AttributionUnits:
    """One attribution reduced to what the comparison needs."""

    type: str
    source: Units | None
    cue: Units | None
    content: Units


class SpanIndex:
    """Unit sets sorted by their first unit, for finding the ones a query overlaps.

    ``overlapping`` walks back from the last set starting before the query's end and
    stops once no earlier set can reach the query's start (a running maximum of ends),
    so a lookup costs about the number of sets it finds.
    """

    __slots__ = ("units", "order", "los", "his", "reach")

    def __init__(self, units: Sequence[Units]):
        self.units = units
        self.order = sorted(range(len(units)), key=lambda k: units[k].lo)
        self.los = [units[k].lo for k in self.order]
        self.his = [units[k].hi for k in self.order]
        self.reach: list[int] = []
        furthest = -1
        for high in self.his:
            furthest = max(furthest, high)
            self.reach.append(furthest)

    def overlapping(self, query: Units) -> list[tuple[int, int]]:
        """(position in ``units``, shared units) for every set sharing units with ``query``."""
        found = []
        lo = query.lo
        position = bisect_left(self.los, query.hi) - 1
        reach, his, order, units = self.reach, self.his, self.order, self.units
        while position >= 0 and reach[position] > lo:
            if his[position] > lo:
                k = order[position]
                shared = overlap(query, units[k])
                if shared:
                    found.append((k, shared))
            position -= 1
        return found

    def any_overlap(self, query: Units) -> bool:
        lo = query.lo
        position = bisect_left(self.los, query.hi) - 1
        while position >= 0 and self.reach[position] > lo:
            if self.his[position] > lo and overlap(query, self.units[self.order[position]]):
                return True
            position -= 1
        return False


class AnnotatedDocument:
    """One annotator's attributions of one document, as unit sets with lookup indices.

    Built once per (document, annotator) and reused for every comparison it takes
    part in, so pairwise agreement over many annotators does the work once.
    """

    __slots__ = ("attributions", "role_spans", "role_units", "_indices", "_content_set", "_positions",
                 "_counts", "_relation_keys")

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
            if source is not None:
                self.role_spans["source"].append((index, source))
            if cue is not None:
                self.role_spans["cue"].append((index, cue))
            self.role_spans["content"].append((index, content))
        self.role_units = {role: [units for _, units in spans] for role, spans in self.role_spans.items()}
        self._indices: dict[str, SpanIndex] = {}
        self._content_set: frozenset[Units] | None = None
        self._positions: dict[str, dict] = {}
        self._counts: dict[str, dict] = {}
        self._relation_keys: list[tuple] | None = None

    def relation_keys(self) -> list[tuple]:
        """(content, source) per attribution: equal keys are exact relation matches."""
        if self._relation_keys is None:
            self._relation_keys = [(a.content, a.source) for a in self.attributions]
        return self._relation_keys

    def counts(self, role: str) -> dict:
        """How often each unit set (each relation key for RELATION) occurs."""
        found = self._counts.get(role)
        if found is None:
            found = {}
            for key in self.relation_keys() if role == RELATION else self.role_units[role]:
                found[key] = found.get(key, 0) + 1
            self._counts[role] = found
        return found

    def positions(self, role: str) -> dict:
        """Unit set -> its positions in ``role_units[role]``; for RELATION, (content, source) ->
        attribution positions. For finding exact matches by hashing."""
        found = self._positions.get(role)
        if found is None:
            found = {}
            keys: Sequence[tuple] = self.relation_keys() if role == RELATION else self.role_units[role]
            for position, key in enumerate(keys):
                found.setdefault(key, []).append(position)
            self._positions[role] = found
        return found

    def content_set(self) -> frozenset[Units]:
        if self._content_set is None:
            self._content_set = frozenset(self.role_units["content"])
        return self._content_set

    def index(self, role: str) -> SpanIndex:
        found = self._indices.get(role)
        if found is None:
            found = self._indices[role] = SpanIndex(self.role_units[role])
        return found


@dataclass(slots=True)
class Matching:
    """One-to-one pairs (predicted position, gold position) in both modes."""

    exact: list[tuple[int, int]] = field(default_factory=list)
    overlap: list[tuple[int, int]] = field(default_factory=list)

    def pairs(self, mode: str) -> list[tuple[int, int]]:
        return self.exact if mode == "exact" else self.overlap


def overlap_counts(predicted: Sequence[Units], gold_index: SpanIndex) -> dict[tuple[int, int], int]:
    """Shared units for every (predicted, gold) pair that shares any."""
    counts: dict[tuple[int, int], int] = {}
    for i, units in enumerate(predicted):
        for j, shared in gold_index.overlapping(units):
            counts[(i, j)] = shared
    return counts


# Below this many unmatched gold spans, leftovers are compared pairwise; above, indexed.
BRUTE_FORCE_LIMIT = 24


def _exact_pairs(keys: Sequence, positions: dict, result: Matching) -> tuple[list[int], set[int]]:
    """Pair each key with the first unused gold position holding an equal key."""
    rest: list[int] = []
    used: set[int] = set()
    for i, key in enumerate(keys):
        candidates = positions.get(key)
        if candidates:
            for j in candidates:
                if j not in used:
                    used.add(j)
                    result.exact.append((i, j))
                    break
            else:
                rest.append(i)
        else:
            rest.append(i)
    return rest, used


def _span_candidates(
    predicted: Sequence[Units],
    gold: Sequence[Units],
    rest_p: list[int],
    rest_g: list[int],
    gold_index,
) -> list[tuple[int, float, int, int]]:
    """(-shared, -Jaccard, i, j) for leftover pairs that share units, best first.

    ``gold_index``: a SpanIndex over ``gold``, or a function making one, or None; it is
    needed only when many gold spans are left over.
    """
    pairs = []
    if len(rest_g) <= BRUTE_FORCE_LIMIT:
        rest = [(j, gold[j]) for j in rest_g]
        for i in rest_p:
            p = predicted[i]
            lo, hi = p.lo, p.hi
            for j, g in rest:
                if lo < g.hi and g.lo < hi:
                    shared = overlap(p, g)
                    if shared:
                        pairs.append((-shared, -shared / (p.size + g.size - shared), i, j))
    else:
        index = gold_index() if callable(gold_index) else gold_index or SpanIndex(gold)
        allowed = set(rest_g)
        for i in rest_p:
            p = predicted[i]
            for j, shared in index.overlapping(p):
                if j in allowed:
                    pairs.append((-shared, -shared / (p.size + gold[j].size - shared), i, j))
    pairs.sort()
    return pairs


def _greedy(pairs: list, taken_g: set[int]) -> list[tuple[int, int]]:
    """One-to-one pairs from candidates sorted best first, skipping gold already taken."""
    chosen = []
    used_p: set[int] = set()
    for *_, i, j in pairs:
        if i not in used_p and j not in taken_g:
            used_p.add(i)
            taken_g.add(j)
            chosen.append((i, j))
    return chosen


def match_units(
    predicted: Sequence[Units],
    gold: Sequence[Units],
    gold_index=None,
    gold_positions: dict | None = None,
) -> Matching:
    """One-to-one matching of unit sets: exact first, then greedily by largest overlap.

    Exact pairs are found by hashing (most spans of trained annotators agree exactly);
    only the spans left over are compared for overlap.
    """
    result = Matching()
    if not predicted or not gold:
        return result
    if gold_positions is None:
        gold_positions = {}
        for j, units in enumerate(gold):
            gold_positions.setdefault(units, []).append(j)
    rest_p, used_g = _exact_pairs(predicted, gold_positions, result)
    result.overlap = list(result.exact)
    if not rest_p or len(used_g) == len(gold):
        return result
    rest_g = [j for j in range(len(gold)) if j not in used_g]
    result.overlap += _greedy(_span_candidates(predicted, gold, rest_p, rest_g, gold_index), used_g)
    return result


def _exact_budget(pred_counts: dict, gold_counts: dict) -> tuple[dict, int]:
    """For each key, how many predicted and gold items pair exactly; and their total."""
    small, large = (pred_counts, gold_counts) if len(pred_counts) <= len(gold_counts) else (gold_counts, pred_counts)
    budget = {}
    total = 0
    for key, count in small.items():
        other = large.get(key)
        if other:
            paired = count if count < other else other
            budget[key] = paired
            total += paired
    return budget, total


def _leftovers(keys: Sequence, budget: dict) -> list[int]:
    """Positions not paired exactly: the first ``budget[key]`` of each key are (as in _exact_pairs)."""
    remaining = dict(budget)
    rest = []
    for i, key in enumerate(keys):
        left = remaining.get(key)
        if left:
            remaining[key] = left - 1
        else:
            rest.append(i)
    return rest


def _exact_and_leftovers(
    pred_keys: Sequence, gold_keys: Sequence, pred_counts: dict, gold_counts: dict
) -> tuple[int, list[int] | None, list[int] | None]:
    """(exact matches, unmatched predicted positions, unmatched gold positions), the
    positions None when either side is used up (nothing left to pair by overlap).

    When neither side repeats a key (the usual case) a key pairs exactly iff the other
    side has it: the shared keys are a set intersection and the leftovers a membership
    test, the same result as counting budgets (_exact_budget, _leftovers) in less time.
    """
    if len(pred_counts) == len(pred_keys) and len(gold_counts) == len(gold_keys):
        exact = len(pred_counts.keys() & gold_counts.keys())
        if exact == len(pred_keys) or exact == len(gold_keys):
            return exact, None, None
        return (
            exact,
            [i for i, key in enumerate(pred_keys) if key not in gold_counts],
            [j for j, key in enumerate(gold_keys) if key not in pred_counts],
        )
    budget, exact = _exact_budget(pred_counts, gold_counts)
    if exact == len(pred_keys) or exact == len(gold_keys):
        return exact, None, None
    return exact, _leftovers(pred_keys, budget), _leftovers(gold_keys, budget)


def count_span_matches(predicted: AnnotatedDocument, gold: AnnotatedDocument, role: str) -> tuple[int, int]:
    """(exact, overlap) match counts of one role: len() of match_spans' pairs, computed faster."""
    pred_units, gold_units = predicted.role_units[role], gold.role_units[role]
    if not pred_units or not gold_units:
        return 0, 0
    exact, rest_p, rest_g = _exact_and_leftovers(pred_units, gold_units, predicted.counts(role), gold.counts(role))
    if rest_p is None or rest_g is None:
        return exact, exact
    candidates = _span_candidates(pred_units, gold_units, rest_p, rest_g, lambda: gold.index(role))
    return exact, exact + len(_greedy(candidates, set()))


def match_spans(predicted: AnnotatedDocument, gold: AnnotatedDocument, role: str) -> Matching:
    """Matching of one role's spans; positions index ``role_spans[role]``."""
    return match_units(
        predicted.role_units[role], gold.role_units[role], lambda: gold.index(role), gold.positions(role)
    )


def _relation_candidates(
    predicted: AnnotatedDocument, gold: AnnotatedDocument, rest_p: list[int], rest_g: list[int]
) -> list[tuple[int, int, int, int]]:
    """(-content shared, -source shared, i, j) for leftover attribution pairs that match
    in overlap mode (contents share units; sources share units or are both absent)."""
    p_attrs, g_attrs = predicted.attributions, gold.attributions
    if len(rest_g) <= BRUTE_FORCE_LIMIT:
        rest_contents = [(j, g_attrs[j].content) for j in rest_g]

        def candidates_of(p: AttributionUnits):
            lo, hi = p.content.lo, p.content.hi
            for j, content in rest_contents:
                if lo < content.hi and content.lo < hi:
                    yield j, overlap(p.content, content)
    else:
        index = gold.index("content")
        allowed = set(rest_g)

        def candidates_of(p: AttributionUnits):
            for j, shared in index.overlapping(p.content):
                if j in allowed:
                    yield j, shared

    loose = []
    for i in rest_p:
        p = p_attrs[i]
        for j, shared in candidates_of(p):
            if not shared:
                continue
            g = g_attrs[j]
            if p.source is None or g.source is None:
                if p.source is not g.source:
                    continue
                source_shared = 0
            else:
                source_shared = overlap(p.source, g.source)
                if not source_shared:
                    continue
            loose.append((-shared, -source_shared, i, j))
    loose.sort()
    return loose


def match_relations(predicted: AnnotatedDocument, gold: AnnotatedDocument) -> Matching:
    """Matching of attributions by content and source; positions index ``attributions``."""
    p_attrs, g_attrs = predicted.attributions, gold.attributions
    result = Matching()
    if not p_attrs or not g_attrs:
        return result
    # Exact: equal content and equal source (or both absent), found by hashing.
    rest_p, used_g = _exact_pairs([(p.content, p.source) for p in p_attrs], gold.positions(RELATION), result)
    result.overlap = list(result.exact)
    if not rest_p or len(used_g) == len(g_attrs):
        return result
    rest_g = [j for j in range(len(g_attrs)) if j not in used_g]
    result.overlap += _greedy(_relation_candidates(predicted, gold, rest_p, rest_g), used_g)
    return result


def count_relation_matches(predicted: AnnotatedDocument, gold: AnnotatedDocument) -> tuple[int, int]:
    """(exact, overlap) relation match counts: len() of match_relations' pairs, computed faster."""
    if not predicted.attributions or not gold.attributions:
        return 0, 0
    exact, rest_p, rest_g = _exact_and_leftovers(
        predicted.relation_keys(), gold.relation_keys(), predicted.counts(RELATION), gold.counts(RELATION)
    )
    if rest_p is None or rest_g is None:
        return exact, exact
    return exact, exact + len(_greedy(_relation_candidates(predicted, gold, rest_p, rest_g), set()))

"""Agreement's per-document work for a whole corpus at once, as integer arrays (numpy).

The same figures as ``agreement.compare_document`` run on every document (the reference,
kept for the tests: tests/test_agree_arrays.py checks every count on PolNeAR), computed
without a Python object per span or per pair:

- Every document's tokens get global positions (the documents laid end to end), so a
  span becomes an interval of global word-token indices (or of global characters, for a
  span that touches no word token) and spans of different documents never overlap.
  Interval arithmetic then works on all documents and annotators in one array.
- Exact matches: equal unit sets get one integer key; a pair's exact matches in a document
  are sum over keys of min(count in a, count in b); the items left over are, per key,
  the occurrences after the first min(...) (as ``matching._leftovers`` takes them).
- Overlap matches: the leftovers of both sides in one document are crossed, kept where
  they share units, ranked as ``matching`` ranks them (shared units, Jaccard, positions)
  and paired one-to-one greedily. Greedy by rank is computed as rounds of "locally best"
  candidates (first in rank for both ends): with a strict order this picks exactly the
  pairs the sequential greedy picks.
- Token values (token-wise alpha) are painted per role with difference arrays, source
  over cue over content, as ``agreement.token_values`` paints them.

Discontinuous spans and spans without word tokens (rare) take matching's own Python
code for their unit sets and overlaps.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import compress, repeat
from operator import attrgetter, is_not

import numpy as np

from annotator.matching import CHARACTER_BASE, ROLES, Units, WordTokens

# Global character coordinates of spans without word tokens start here; token indices
# never reach it.
_CHAR_SPACE = np.int64(CHARACTER_BASE)


@dataclass
class Comparison:
    """Per document (rows) and annotator (columns, in ``names`` order)."""

    units: np.ndarray  # (D,) non-whitespace tokens per document
    reliability: np.ndarray  # (A, units) token value codes, -1 = missing
    present: np.ndarray  # (D, A) bool: annotated (a record given)
    attributions: np.ndarray  # (D, A) attributions per record
    # (a, b) -> (D, len(COUNT_LAYOUT)) counts with a in the prediction's place
    counts: dict[tuple[int, int], np.ndarray]
    # (a, b) -> (D, 4): a's contents overlapped by b, a's attributions, b's by a, b's
    shares: dict[tuple[int, int], np.ndarray]


class _Spans:
    """One role's spans (or, for relations, attributions) of all records, as columns."""

    def __init__(self, doc, ann, pos, lo, hi, size, multi: dict[int, Units], key, attr=None):
        self.doc, self.ann, self.pos, self.attr = doc, ann, pos, attr
        self.lo, self.hi, self.size = lo, hi, size
        self.multi = multi  # row -> Units (global) for spans of several pieces
        self.key = key
        # relations only: each row's source (row in ``source``, -1 = none)
        self.source: _Spans | None = None
        self.source_row: np.ndarray | None = None
        # what the pairs ask again and again, made once per table: (what, annotator) -> value
        self.cache: dict[tuple[str, int], object] = {}

    def cached(self, what: str, who: int, make):
        found = self.cache.get((what, who))
        if found is None:
            found = self.cache[(what, who)] = make()
        return found


@dataclass
class SpanColumns:
    """Every span of the records being compared, as integer columns (no record objects).

    Per role, rows come by document, annotator (in ``names`` order) and position in the
    record's attributions; ``fragments`` holds the pieces of the rare discontinuous spans
    by row. Made once in the parent process; workers get slices by document."""

    present: np.ndarray  # (D, A) bool: annotated (a record given)
    attributions: np.ndarray  # (D, A) attributions per record
    roles: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]]  # doc, ann, attr, start, end
    fragments: dict[str, dict[int, tuple]]

    def part(self, low: int, high: int) -> SpanColumns:
        """The documents [low, high), numbered from 0."""
        roles, fragments = {}, {}
        for role, (doc, ann, attr, start, end) in self.roles.items():
            first, last = np.searchsorted(doc, [low, high]).tolist()
            roles[role] = (doc[first:last] - low, ann[first:last], attr[first:last], start[first:last], end[first:last])
            fragments[role] = {row - first: pieces for row, pieces in self.fragments[role].items() if first <= row < last}
        return SpanColumns(self.present[low:high], self.attributions[low:high], roles, fragments)


def span_columns(records: Sequence[dict], names: Sequence[str]) -> SpanColumns:
    """The spans of ``records`` (per document: annotator -> AnnotationRecord or
    store.PlainRecord, one kind throughout) as columns."""
    count_docs, count_names = len(records), len(names)
    present = np.zeros((count_docs, count_names), dtype=bool)
    attributions = np.zeros((count_docs, count_names), dtype=np.int64)
    flat: list = []  # every attribution, by document, annotator (in ``names`` order), position
    for k, by_name in enumerate(records):
        for n, name in enumerate(names):
            record = by_name.get(name)
            if record is not None:
                present[k, n] = True
                attributions[k, n] = len(record.attributions)
                flat.extend(record.attributions)
    per_cell = attributions.ravel()
    flat_doc = np.repeat(np.repeat(np.arange(count_docs), count_names), per_cell)
    flat_ann = np.repeat(np.tile(np.arange(count_names), count_docs), per_cell)
    flat_attr = np.arange(len(flat), dtype=np.int64) - np.repeat(np.cumsum(per_cell) - per_cell, per_cell)
    # Attributions are models or schema.AnnotationData's Structs: the same attributes.
    roles, fragments = {}, {}
    # map() with operator's callables: no Python frame per span (millions of them).
    for role in ROLES:
        found = list(map(attrgetter(role), flat))
        given = np.fromiter(map(is_not, found, repeat(None)), dtype=bool, count=len(found))
        rows = np.flatnonzero(given)
        found = list(compress(found, given)) if len(rows) < len(found) else found
        start = np.fromiter(map(_START, found), dtype=np.int64, count=len(found))
        end = np.fromiter(map(_END, found), dtype=np.int64, count=len(found))
        pieces = list(map(_FRAGMENTS, found))
        odd = np.flatnonzero(np.fromiter(map(bool, pieces), dtype=bool, count=len(pieces))).tolist()
        fragments[role] = {row: tuple(map(tuple, pieces[row])) for row in odd}
        roles[role] = (flat_doc[rows], flat_ann[rows], flat_attr[rows], start, end)
    return SpanColumns(present, attributions, roles, fragments)


def compare_corpus(texts: Sequence[str], tables: Sequence, records: Sequence[dict], names: Sequence[str]) -> Comparison:
    """Everything agreement needs from the documents ``texts`` (token ``tables`` as
    matching makes them) and their records (annotator -> AnnotationRecord or PlainRecord)."""
    return compare_columns(texts, tables, span_columns(records, names))


def compare_columns(texts: Sequence[str], tables: Sequence, columns: SpanColumns) -> Comparison:
    """``compare_corpus`` of records already turned into columns."""
    count_docs, count_names = len(texts), columns.present.shape[1]
    lengths = np.fromiter(map(len, texts), dtype=np.int64, count=count_docs)
    char_off = np.concatenate([[0], np.cumsum(lengths + 1)[:-1]]).astype(np.int64)
    # Every table at once: rows laid end to end, each knowing its document.
    sizes = np.fromiter(map(len, tables), dtype=np.int64, count=count_docs)
    flat = (
        np.concatenate([np.asarray(table).reshape(-1, 4) for table in tables]).astype(np.int64)
        if count_docs
        else np.zeros((0, 4), dtype=np.int64)
    )
    owner = np.repeat(np.arange(count_docs, dtype=np.int64), sizes)
    visible = flat[:, 2] == 0
    flat, owner = flat[visible], owner[visible]
    units = np.bincount(owner, minlength=count_docs).astype(np.int64)
    all_starts = flat[:, 0] + char_off[owner]
    word = flat[:, 3] == 0
    word_counts = np.bincount(owner[word], minlength=count_docs).astype(np.int64)
    word_off = np.concatenate([[0], np.cumsum(word_counts)[:-1]]).astype(np.int64)
    word_starts = all_starts[word]
    word_ends = word_starts + flat[word, 1]

    present, attributions, fragments = columns.present, columns.attributions, columns.fragments
    context = _Context(texts, tables, lengths, char_off, word_off, word_starts, word_ends)
    spans, raw = {}, {}
    for role in ROLES:
        doc, ann, attr, start, end = raw[role] = columns.roles[role]
        spans[role] = context.role_spans(doc, ann, attr, start, end, fragments[role], count_names)

    reliability = _paint(raw, fragments, all_starts, lengths, char_off, units, present)
    relation = _relations(spans, attributions, count_names)
    counts: dict[tuple[int, int], np.ndarray] = {}
    shares: dict[tuple[int, int], np.ndarray] = {}
    for a in range(count_names):
        for b in range(a + 1, count_names):
            both = present[:, a] & present[:, b]
            block = np.zeros((count_docs, 24), dtype=np.int64)
            for position, target in enumerate((*ROLES, "relation")):
                table = relation if target == "relation" else spans[target]
                n_a, n_b = _per_doc(table, a, count_docs), _per_doc(table, b, count_docs)
                exact, loose = _match(table, a, b, count_docs, target == "relation")
                block[:, 6 * position : 6 * position + 6] = np.stack([n_a, n_b, exact, n_a, n_b, loose], axis=1)
            block[~both] = 0
            counts[(a, b)] = block
            hits_a = _content_hits(spans["content"], a, b, count_docs)
            hits_b = _content_hits(spans["content"], b, a, count_docs)
            share = np.stack([hits_a, attributions[:, a], hits_b, attributions[:, b]], axis=1)
            share[~both] = 0
            shares[(a, b)] = share
    return Comparison(units, reliability, present, attributions, counts, shares)


_START, _END, _FRAGMENTS = attrgetter("start"), attrgetter("end"), attrgetter("fragments")


def _is_span(span) -> bool:
    return span is not None


class _Context:
    """Turns spans into global unit intervals (matching.WordTokens.units, in bulk)."""

    def __init__(self, texts, tables, lengths, char_off, word_off, word_starts, word_ends):
        self.texts, self.tables = texts, tables
        self.lengths, self.char_off, self.word_off = lengths, char_off, word_off
        self.word_starts, self.word_ends = word_starts, word_ends
        self._tokens: dict[int, WordTokens] = {}

    def _globalise(self, k: int, units: Units) -> Units:
        """A document's Units (local token indices or characters) in global coordinates."""
        pieces = []
        for low, high in units.pieces:
            shift = int(self.char_off[k]) if low >= CHARACTER_BASE else int(self.word_off[k])
            pieces.append((low + shift, high + shift))
        return Units(pieces[0][0], pieces[-1][1], units.size, tuple(pieces))

    def slow_units(self, k: int, start: int, end: int, pieces) -> Units:
        from annotator.schema import Span

        tokens = self._tokens.get(k)
        if tokens is None:
            tokens = self._tokens[k] = WordTokens(self.texts[k], table=np.asarray(self.tables[k]))
        span = Span.model_construct(start=start, end=end, text="", fragments=[tuple(p) for p in pieces] if pieces else None)
        return self._globalise(k, tokens._units(span))

    def role_spans(self, doc, ann, attr, start, end, fragments: dict, count_names: int) -> _Spans:
        lo, hi = self._token_ranges(doc, start, end)
        multi: dict[int, Units] = {}
        if fragments:  # each fragment's tokens, overlapping or touching ranges merged (Units.from_ranges)
            rows = list(fragments)
            piece_doc = np.repeat(doc[rows], [len(fragments[row]) for row in rows])
            flat = np.asarray([piece for row in rows for piece in fragments[row]], dtype=np.int64).reshape(-1, 2)
            piece_lo, piece_hi = (values.tolist() for values in self._token_ranges(piece_doc, flat[:, 0], flat[:, 1]))
            at = 0
            for row in rows:
                merged: list[list[int]] = []
                for low, high in zip(piece_lo[at : at + len(fragments[row])], piece_hi[at : at + len(fragments[row])]):
                    if high <= low:
                        continue
                    if merged and low <= merged[-1][1]:
                        merged[-1][1] = max(merged[-1][1], high)
                    else:
                        merged.append([low, high])
                at += len(fragments[row])
                if not merged:
                    hi[row] = lo[row]  # no word token: the slow path below
                    continue
                pieces = tuple((low, high) for low, high in merged)
                units = Units(pieces[0][0], pieces[-1][1], sum(high - low for low, high in pieces), pieces)
                lo[row], hi[row] = units.lo, units.hi
                if len(pieces) > 1:
                    multi[row] = units
        for row in np.flatnonzero(hi <= lo).tolist():  # no word token: compared by characters
            units = self.slow_units(int(doc[row]), int(start[row]), int(end[row]), fragments.get(row))
            lo[row], hi[row] = units.lo, units.hi
            if len(units.pieces) > 1:
                multi[row] = units
        size = hi - lo
        for row, units in multi.items():
            size[row] = units.size
        # Positions within each record's list of this role (spans come in record order).
        group = doc * count_names + ann
        pos = np.arange(len(doc), dtype=np.int64)
        if len(doc):
            starts = np.flatnonzero(np.concatenate([[True], group[1:] != group[:-1]]))
            pos -= np.repeat(starts, np.diff(np.concatenate([starts, [len(doc)]])))
        return _Spans(doc, ann, pos, lo, hi, size, multi, _keys(lo, hi, multi), attr)

    def _token_ranges(self, doc, start, end) -> tuple[np.ndarray, np.ndarray]:
        """Global word-token range [lo, hi) of each [start, end) (WordTokens.token_range)."""
        lengths, off = self.lengths[doc], self.char_off[doc]
        lo = np.searchsorted(self.word_ends, np.minimum(start, lengths) + off, side="right")
        hi = np.maximum(lo, np.searchsorted(self.word_starts, np.minimum(end, lengths) + off, side="left"))
        return lo.astype(np.int64), hi.astype(np.int64)


def _keys(lo, hi, multi: dict[int, Units]) -> np.ndarray:
    """One integer per distinct unit set (equal sets, equal keys)."""
    def squeeze(values):  # token indices and character positions into 32 bits each
        return np.where(values >= _CHAR_SPACE, values - _CHAR_SPACE + (1 << 31), values).astype(np.uint64)

    packed = (squeeze(lo) << np.uint64(32)) | squeeze(hi)
    _, key = np.unique(packed, return_inverse=True)
    key = key.astype(np.int64).ravel()
    if multi:
        ids: dict[tuple, int] = {}
        base = int(key.max()) + 1 if len(key) else 0
        for row, units in multi.items():
            key[row] = base + ids.setdefault(units.pieces, len(ids))
    return key


def _relations(spans: dict[str, _Spans], attributions, count_names: int) -> _Spans:
    """Attributions as rows: content intervals, with the source's alongside; the key
    is (content key, source key or none)."""
    content, source = spans["content"], spans["source"]
    # Content rows are the attributions, in order (every attribution has one content);
    # each source goes to the row of its (document, annotator, attribution).
    source_key = np.full(len(content.doc), -1, dtype=np.int64)
    width = int(content.attr.max()) + 1 if len(content.attr) else 1
    content_keys = (content.doc * count_names + content.ann) * width + content.attr
    rows = np.searchsorted(content_keys, (source.doc * count_names + source.ann) * width + source.attr)
    source_key[rows] = source.key
    source_row = np.full(len(content.doc), -1, dtype=np.int64)
    source_row[rows] = np.arange(len(source.doc))
    width = int(source.key.max()) + 2 if len(source.key) else 1
    _, key = np.unique(content.key * width + source_key + 1, return_inverse=True)
    relation = _Spans(content.doc, content.ann, content.pos, content.lo, content.hi, content.size,
                      content.multi, key.astype(np.int64).ravel())
    relation.source_row, relation.source = source_row, source
    return relation


def _occurrence(table: _Spans) -> np.ndarray:
    """Each row's rank among the rows of its record with the same key (in position order)."""
    return table.cached("occurrence", -1, lambda: _make_occurrence(table))


def _make_occurrence(table: _Spans) -> np.ndarray:
    order = np.lexsort((table.pos, table.key, table.ann))
    key, ann = table.key[order], table.ann[order]
    new = np.concatenate([[True], (key[1:] != key[:-1]) | (ann[1:] != ann[:-1])]) if len(order) else np.zeros(0, bool)
    firsts = np.flatnonzero(new)
    rank_sorted = np.arange(len(order)) - np.repeat(firsts, np.diff(np.concatenate([firsts, [len(order)]])))
    out = np.empty(len(order), dtype=np.int64)
    out[order] = rank_sorted
    return out


def _key_counts(table: _Spans, who: int) -> np.ndarray:
    def make() -> np.ndarray:
        size = int(table.key.max()) + 1 if len(table.key) else 0
        return np.bincount(table.key[_rows(table, who)], minlength=size)

    return table.cached("key_counts", who, make)


def _rows(table: _Spans, who: int) -> np.ndarray:
    """The rows of one annotator."""
    return table.cached("rows", who, lambda: np.flatnonzero(table.ann == who))


def _per_doc(table: _Spans, who: int, count_docs: int) -> np.ndarray:
    return table.cached("per_doc", who, lambda: np.bincount(table.doc[_rows(table, who)], minlength=count_docs))


def _match(table: _Spans, a: int, b: int, count_docs: int, relation: bool) -> tuple[np.ndarray, np.ndarray]:
    """(exact, overlap) matches per document of a's rows (prediction) against b's (gold).

    Of the rows with one key, the first min(count in a, count in b) of each side pair
    exactly: a row pairs iff its occurrence rank is below the other side's count."""
    occurrence = _occurrence(table)
    all_a, all_b = _rows(table, a), _rows(table, b)
    paired_a = occurrence[all_a] < _key_counts(table, b)[table.key[all_a]]
    paired_b = occurrence[all_b] < _key_counts(table, a)[table.key[all_b]]
    exact = np.bincount(table.doc[all_a[paired_a]], minlength=count_docs)
    rows_a, rows_b = all_a[~paired_a], all_b[~paired_b]
    if not len(rows_a) or not len(rows_b):
        return exact, exact.copy()
    # Cross the leftovers of each document (rows come sorted by document).
    docs_b = table.doc[rows_b]
    first_b = np.searchsorted(docs_b, np.arange(count_docs), side="left")
    per_doc_b = np.bincount(docs_b, minlength=count_docs)
    repeat = per_doc_b[table.doc[rows_a]]
    p = np.repeat(rows_a, repeat)
    within = np.arange(len(p)) - np.repeat(np.cumsum(repeat) - repeat, repeat)
    g = rows_b[np.repeat(first_b[table.doc[rows_a]], repeat) + within]
    shared = _shared(table, p, g)
    keep = shared > 0
    p, g, shared = p[keep], g[keep], shared[keep]
    if relation:
        source, source_row = table.source, table.source_row
        assert source is not None and source_row is not None  # a relation table
        sp, sg = source_row[p], source_row[g]
        neither = (sp < 0) & (sg < 0)
        both = (sp >= 0) & (sg >= 0)
        second = np.zeros(len(p), dtype=np.float64)
        if both.any():
            second[both] = _shared(source, sp[both], sg[both])
        keep = neither | (both & (second > 0))
        p, g, shared, second = p[keep], g[keep], shared[keep], second[keep]
    else:
        second = shared / (table.size[p] + table.size[g] - shared)
    if not len(p):
        return exact, exact.copy()
    order = np.lexsort((table.pos[g], table.pos[p], -second, -shared, table.doc[p]))
    chosen = _greedy(p[order], g[order])
    loose = exact + np.bincount(table.doc[p[order][chosen]], minlength=count_docs)
    return exact, loose


def _shared(table: _Spans, p: np.ndarray, g: np.ndarray) -> np.ndarray:
    """Units shared by rows p and g (pairwise), as matching.overlap counts them."""
    shared = np.maximum(0, np.minimum(table.hi[p], table.hi[g]) - np.maximum(table.lo[p], table.lo[g]))
    if table.multi:
        # Pairs with a discontinuous span: the sum over their pieces' overlaps.
        multi = _multi_rows(table)
        odd = np.flatnonzero((np.isin(p, multi) | np.isin(g, multi)) & (shared > 0))
        if len(odd):
            lo_p, hi_p, own_p = _pieces(table, p[odd])
            lo_g, hi_g, own_g = _pieces(table, g[odd])
            # own_* index into odd; cross the pieces of each pair.
            count_g = np.bincount(own_g, minlength=len(odd))
            first_g = np.concatenate([[0], np.cumsum(count_g)[:-1]])
            repeat = count_g[own_p]
            left = np.repeat(np.arange(len(own_p)), repeat)
            right = np.repeat(first_g[own_p], repeat) + (np.arange(len(left)) - np.repeat(np.cumsum(repeat) - repeat, repeat))
            piece_shared = np.maximum(0, np.minimum(hi_p[left], hi_g[right]) - np.maximum(lo_p[left], lo_g[right]))
            shared[odd] = np.bincount(own_p[left], weights=piece_shared, minlength=len(odd)).astype(np.int64)
    return shared


def _multi_rows(table: _Spans) -> np.ndarray:
    return table.cached("multi_rows", -1, lambda: np.fromiter(table.multi, dtype=np.int64, count=len(table.multi)))


def _piece_table(table: _Spans):
    """Every row's pieces, laid out row after row: (first piece, piece count, lo, hi)."""
    return table.cached("piece_table", -1, lambda: _make_piece_table(table))


def _make_piece_table(table: _Spans):
    count = np.ones(len(table.lo), dtype=np.int64)
    multi = _multi_rows(table)
    count[multi] = [len(table.multi[row].pieces) for row in multi.tolist()]
    first = np.cumsum(count) - count
    lo, hi = np.repeat(table.lo, count), np.repeat(table.hi, count)
    if len(multi):
        at = np.repeat(first[multi], count[multi]) + _ranks(count[multi])
        flat = np.asarray([piece for row in multi.tolist() for piece in table.multi[row].pieces], dtype=np.int64)
        lo[at], hi[at] = flat[:, 0], flat[:, 1]
    return first, count, lo, hi


def _ranks(counts: np.ndarray) -> np.ndarray:
    """0, 1, ..., counts[0] - 1, 0, 1, ..., counts[1] - 1, ..."""
    return np.arange(int(counts.sum()), dtype=np.int64) - np.repeat(np.cumsum(counts) - counts, counts)


def _pieces(table: _Spans, rows: np.ndarray):
    """(lo, hi, k) of every piece of rows[k], grouped by k in order."""
    if not table.multi:
        return table.lo[rows], table.hi[rows], np.arange(len(rows))
    first, count, lo, hi = _piece_table(table)
    counts = count[rows]
    at = np.repeat(first[rows], counts) + _ranks(counts)
    return lo[at], hi[at], np.repeat(np.arange(len(rows)), counts)


def _greedy(p: np.ndarray, g: np.ndarray) -> np.ndarray:
    """Which candidates (in rank order) a greedy one-to-one pass takes: in rounds, every
    candidate that comes first for both its ends among those still possible."""
    chosen = np.zeros(len(p), dtype=bool)
    alive = np.arange(len(p))
    while len(alive):
        cp, cg = p[alive], g[alive]
        first_p = np.zeros(len(alive), dtype=bool)
        first_p[np.unique(cp, return_index=True)[1]] = True
        first_g = np.zeros(len(alive), dtype=bool)
        first_g[np.unique(cg, return_index=True)[1]] = True
        take = first_p & first_g
        chosen[alive[take]] = True
        taken_p, taken_g = np.unique(cp[take]), np.unique(cg[take])
        alive = alive[~(np.isin(cp, taken_p) | np.isin(cg, taken_g))]
    return chosen


def _content_hits(content: _Spans, a: int, b: int, count_docs: int) -> np.ndarray:
    """Per document: a's contents that share a unit with some content of b
    (agreement.overlapped_share)."""
    rows_a = _rows(content, a)
    lo_a, hi_a, owner_a = _cached_pieces(content, a)
    lo_b, reach = _reach(content, b)
    last = np.searchsorted(lo_b, hi_a, side="left") - 1
    hit = np.zeros(len(lo_a), dtype=bool)
    valid = last >= 0
    hit[valid] = reach[last[valid]] > lo_a[valid]
    row_hit = np.zeros(len(rows_a), dtype=bool)
    row_hit[owner_a[hit]] = True
    return np.bincount(content.doc[rows_a[row_hit]], minlength=count_docs)


def _cached_pieces(table: _Spans, who: int):
    return table.cached("pieces", who, lambda: _pieces(table, _rows(table, who)))


def _reach(table: _Spans, who: int):
    """One annotator's pieces sorted by start, with the furthest end reached so far: a
    piece [lo, hi) overlaps one of them iff the last starting before hi reaches past lo."""
    return table.cached("reach", who, lambda: _make_reach(table, who))


def _make_reach(table: _Spans, who: int):
    lo, hi, _ = _cached_pieces(table, who)
    order = np.argsort(lo, kind="stable")
    lo, hi = lo[order], hi[order]
    return lo, (np.maximum.accumulate(hi) if len(hi) else hi)


def _paint(raw, fragments, all_starts, lengths, char_off, units, present) -> np.ndarray:
    """(annotators x units) token value codes (agreement.token_values), -1 where the
    annotator has no record of the document."""
    count_units = int(units.sum())
    count_names = present.shape[1]
    ranges = {}
    for role in ROLES:
        doc, ann, _attr, start, end = raw[role]
        if fragments[role]:  # a discontinuous span covers its fragments, not the gaps
            rows = np.fromiter(fragments[role], dtype=np.int64, count=len(fragments[role]))
            plain = np.ones(len(doc), dtype=bool)
            plain[rows] = False
            more = np.asarray([(a, b, row) for row in rows.tolist() for a, b in fragments[role][row]], dtype=np.int64)
            start = np.concatenate([start[plain], more[:, 0]])
            end = np.concatenate([end[plain], more[:, 1]])
            doc = np.concatenate([doc[plain], doc[more[:, 2]]])
            ann = np.concatenate([ann[plain], ann[more[:, 2]]])
        off, length = char_off[doc], lengths[doc]
        # Tokens whose first character lies in [start, end).
        low = np.searchsorted(all_starts, np.minimum(start, length) + off, side="left")
        high = np.searchsorted(all_starts, np.minimum(end, length) + off, side="left")
        ranges[role] = (low, high, ann)
    reliability = np.full((count_names, count_units), -1, dtype=np.int8)
    for n in range(count_names):
        values = np.zeros(count_units, dtype=np.int8)
        for role, code in (("content", 3), ("cue", 2), ("source", 1)):  # later roles win
            low, high, ann = ranges[role]
            mine = ann == n
            values[_covered(low[mine], high[mine], count_units)] = code
        values[~np.repeat(present[:, n], units)] = -1
        reliability[n] = values
    return reliability


def _covered(low: np.ndarray, high: np.ndarray, count: int) -> np.ndarray:
    """Which of ``count`` units lie in some [low, high): the intervals are merged where
    they overlap or touch, so the merged ones start and end at distinct places and one
    8-bit running sum of +1 at starts and -1 at ends marks them."""
    keep = high > low
    low, high = low[keep], high[keep]
    if not len(low):
        return np.zeros(count, dtype=bool)
    order = np.argsort(low, kind="stable")
    low, high = low[order], high[order]
    reach = np.maximum.accumulate(high)
    first = np.flatnonzero(np.concatenate([[True], low[1:] > reach[:-1]]))
    last = np.concatenate([first[1:] - 1, [len(low) - 1]])
    edges = np.zeros(count + 1, dtype=np.int8)
    edges[low[first]] = 1
    edges[reach[last]] = -1
    return np.cumsum(edges[:count], dtype=np.int8).view(bool)


# Set before forking workers, read by them (inherited, never pickled).
_SHARED: tuple | None = None


def compare_in_parts(
    texts: Sequence[str], tables: Sequence, columns: SpanColumns, meanwhile: Callable[[], None] | None = None
) -> Comparison:
    """compare_columns, large batches split by document over forked worker processes.

    The workers get columns (``span_columns``), the texts and token tables by inheritance
    and never touch the records, whose pages copy-on-write would otherwise copy into every
    worker as reference counts change. They send back only arrays; the parts are joined in
    document order, so the result is the same.

    ``meanwhile`` runs in this process while the workers compare (before comparing when
    there are none); when it raises, the comparison is abandoned (agree checks the spans
    against the corpus there, and no part's result is used before that check passed)."""
    global _SHARED
    from annotator import matching

    processes = matching.worker_processes(len(texts))
    if processes < 2:
        if meanwhile is not None:
            meanwhile()
        return compare_columns(texts, tables, columns)
    size = -(-len(texts) // processes)
    bounds = [(low, min(low + size, len(texts))) for low in range(0, len(texts), size)]
    _SHARED = (texts, tables, columns)
    try:
        import multiprocessing

        with multiprocessing.get_context("fork").Pool(len(bounds)) as pool:
            pending = pool.map_async(_compare_part, bounds)
            if meanwhile is not None:
                meanwhile()
            parts = pending.get()
    except OSError:  # no processes to be had: do it here
        return compare_columns(texts, tables, columns)
    finally:
        _SHARED = None
    return Comparison(
        np.concatenate([part.units for part in parts]),
        np.concatenate([part.reliability for part in parts], axis=1),
        np.concatenate([part.present for part in parts]),
        np.concatenate([part.attributions for part in parts]),
        {key: np.concatenate([part.counts[key] for part in parts]) for key in parts[0].counts},
        {key: np.concatenate([part.shares[key] for part in parts]) for key in parts[0].shares},
    )


def _compare_part(bounds: tuple[int, int]) -> Comparison:
    texts, tables, columns = _SHARED  # type: ignore[misc]
    low, high = bounds
    return compare_columns(texts[low:high], tables[low:high], columns.part(low, high))

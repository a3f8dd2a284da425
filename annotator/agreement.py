"""Inter-annotator agreement (headless; `annotator agree`).

Three views of how far annotators agree, over all annotators and for every pair:

1. Token-wise Krippendorff's alpha (nominal). Units are the tokens of
   ``spacy.blank("en")`` that are not whitespace, of all documents pooled. A token's
   value is none, source, cue or content: the role of the span that covers the token's
   first character, source over cue over content where an annotator's spans overlap
   (a discontinuous span covers its fragments, not the gap between them). A document
   an annotator did not annotate (no record, or a record marked skipped)
   leaves that annotator's values missing for its tokens. The overall figure is
   computed by the ``krippendorff`` package from the per-unit value counts of the full
   reliability matrix (its ``value_counts`` input: the same figure as from the matrix). Pairwise,
   per-role (binary: the role against everything else) and per-document figures use
   ``nominal_alpha`` below: the same formula computed from per-unit value counts in
   O(units) (the package needs about 0.4 s per call on a million units, too slow
   for 15 pairs); the tests check it against the package on real data.
2. Per role precision, recall and F1 for each pair, exact and overlap, and relation
   F1: the protocol of ``evaluate`` (annotator/matching.py), over the documents both
   annotated, with the first annotator of the pair in the place of the prediction. F1
   is symmetric; precision and recall swap when the pair is swapped.
3. Attribution-wise agreement: agr(a||b) is the share of a's attributions whose
   content shares at least one word token with the content of some attribution of b
   (not one-to-one), over the documents both annotated; a pair's agr is the mean of
   both directions and the overall agr the mean over pairs.

Each document is tokenised once (in forked workers from PARALLEL_MIN_TEXTS documents on,
annotator/matching.py). The per-document work (token values, every pair's counts, agr)
is done for the whole corpus at once on integer arrays by annotator/agreement_arrays.py,
split by document over forked workers for large batches; ``compare_document`` below is
the same work done document by document with matching.py's objects, kept as the
reference the tests compare the arrays with, count by count.

Longer than 500 lines on purpose: the three views share one pass over the documents
(tokens, per-annotator reductions, worker processes), which splitting would spread
over modules that only make sense together.
"""

from __future__ import annotations

from bisect import bisect_left
from collections.abc import Callable, Iterable, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from itertools import combinations

from annotator.agreement_arrays import compare_in_parts, span_columns
from annotator.evaluate import COUNT_LAYOUT, add_counts, count_matches, layout_scores, ratio
from annotator.matching import MODES, ROLES, TARGETS, AnnotatedDocument, WordTokens
from annotator.schema import AnnotationRecord, Document
from annotator.store import PlainRecord

VALUES: tuple[str, ...] = ("none", "source", "cue", "content")
VALUE_CODE = {name: code for code, name in enumerate(VALUES)}
# Painted in this order, so where spans overlap the later role wins: source over cue
# over content.
PAINT_ORDER: tuple[str, ...] = ("content", "cue", "source")
MISSING = -1


def token_values(attributions: Iterable, starts: list[int], ranges: dict | None = None) -> bytearray:
    """Each token's value code (VALUE_CODE) for one annotator's attributions.

    ``ranges`` caches (start, end) -> token range for one document: annotators of a
    document mostly mark the same spans.
    """
    values = bytearray(len(starts))
    attributions = list(attributions)
    ranges = {} if ranges is None else ranges
    for role in PAINT_ORDER:
        fill = _FILL[VALUE_CODE[role]]
        for attribution in attributions:
            span = getattr(attribution, role)
            if span is None:
                continue
            for piece in span.fragments or ((span.start, span.end),):
                found = ranges.get(piece)
                if found is None:
                    # Tokens whose first character lies in [start, end).
                    found = ranges[piece] = (bisect_left(starts, piece[0]), bisect_left(starts, piece[1]))
                low, high = found
                if high > low:
                    values[low:high] = fill * (high - low)
    return values


_FILL = {code: bytes((code,)) for code in range(len(VALUES))}


def nominal_alpha(value_counts, weights=None) -> float | None:
    """Krippendorff's alpha (nominal) from per-unit value counts (units x values).

    alpha = 1 - (n - 1) * (n - sum_c o_cc) / (n^2 - sum_c n_c^2), where, over the units
    that at least two coders valued, o_cc = sum_u v_uc (v_uc - 1) / (m_u - 1) and n_c =
    sum_u v_uc (m_u: coders of unit u). ``weights`` says how many units each row
    stands for (see ``compress``). None when undefined (no pairable values, or only
    one value ever used).
    """
    import numpy as np

    counts = np.asarray(value_counts, dtype=np.float64)
    if counts.size == 0:
        return None
    coders = counts.sum(axis=1)
    pairable = coders >= 2
    counts, coders = counts[pairable], coders[pairable]
    if counts.shape[0] == 0:
        return None
    same = (counts * (counts - 1)).sum(axis=1)
    # Without weights every row is one unit; multiplying by 1.0 would change no bit, and
    # skipping it matters to the 10,000 per-document calls (numpy's per-call overhead).
    if weights is None:
        n_c = counts.sum(axis=0)
        agreeing = (same / (coders - 1)).sum()
    else:
        weights = np.asarray(weights, dtype=np.float64)[pairable]
        n_c = (counts * weights[:, None]).sum(axis=0)
        agreeing = (weights * same / (coders - 1)).sum()
    n = n_c.sum()
    expected = n * n - (n_c * n_c).sum()
    if expected <= 0:
        return None
    return float(1 - (n - 1) * (n - agreeing) / expected)


def compress(value_counts, repeats=None):
    """(distinct rows, how many units each stands for): alpha depends on nothing else.
    ``repeats``: how many units each row of ``value_counts`` stands for (default one)."""
    import numpy as np

    counts = np.asarray(value_counts, dtype=np.int64)
    if counts.size == 0:
        return counts, np.zeros(0, dtype=np.int64)
    base = int(counts.max()) + 1
    powers = base ** np.arange(counts.shape[1], dtype=np.int64)
    codes = counts @ powers
    if base ** counts.shape[1] <= 1 << 16:  # few possible rows: count them, no sort
        tally = np.bincount(codes, weights=repeats, minlength=base ** counts.shape[1]).astype(np.int64)
        distinct = np.flatnonzero(tally)
        weights = tally[distinct]
    elif repeats is None:
        distinct, weights = np.unique(codes, return_counts=True)
    else:
        distinct, inverse = np.unique(codes, return_inverse=True)
        weights = np.bincount(inverse.ravel(), weights=repeats, minlength=len(distinct)).astype(np.int64)
    rows = (distinct[:, None] // powers[None, :]) % base
    return rows, weights


def pair_alpha(first, second) -> float | None:
    """Alpha of two annotators' value rows (-1 = missing), over the units both valued."""
    import numpy as np

    both = (first >= 0) & (second >= 0)
    values = len(VALUES)
    codes = first[both].astype(np.int64) * values + second[both]
    weights = np.bincount(codes, minlength=values * values)
    rows = np.zeros((values * values, values), dtype=np.int64)
    for code in range(values * values):
        rows[code, code // values] += 1
        rows[code, code % values] += 1
    return nominal_alpha(rows, weights)


def package_alpha(counts) -> float | None:
    """Alpha from the krippendorff package, given per-unit value counts (``value_counts``).

    The package's own first step turns an (annotators x units) matrix into these counts;
    handing it the counts gives the same figure, to the last digit. Its next step, the
    coincidence matrix, makes (units x values x values) temporaries (over 1 GB on 10,000
    articles); ``coincidences`` makes the same matrix in slices, adding the units in the
    same order, so the figure is the package's to the last bit (tests/test_agree.py
    checks both against the package on the reliability matrix)."""
    import krippendorff
    import numpy as np

    counts = np.asarray(counts, dtype=np.float64)
    try:
        from krippendorff import krippendorff as package

        random_coincidences, distances = package._random_coincidences, package._distances
        metric = package._distance_metric("nominal")
    except (ImportError, AttributeError):  # another version of the package: ask it
        random_coincidences = None
    if random_coincidences is None or len(counts) == 0 or (counts.sum(axis=-1) <= 1).all():
        try:
            value = krippendorff.alpha(
                value_counts=counts, level_of_measurement="nominal", value_domain=list(range(len(VALUES)))
            )
        except ValueError:  # no unit valued by two annotators, or a single value in the domain
            return None
    else:
        observed = coincidences(counts)
        n_v = observed.sum(axis=0)
        expected = random_coincidences(n_v, dtype=np.dtype(np.float64))
        distance: np.ndarray = distances(np.arange(len(VALUES)), metric, n_v, dtype=np.dtype(np.float64))
        with np.errstate(divide="ignore", invalid="ignore"):
            value = 1 - (observed * distance).sum() / (expected * distance).sum()
    value = float(value)
    return None if value != value else value  # NaN: undefined


COINCIDENCE_SLICE = 1 << 16


def coincidences(counts):
    """krippendorff's ``_coincidences`` (the package's formula), computed once per distinct
    row of counts and summed a slice of units at a time.

    The package sums the units' matrices unit after unit; here each slice's sum starts from
    the running total (stacked as its first row), so the additions happen in the package's
    order and the result is the same to the last bit."""
    import numpy as np

    values = counts.shape[1]
    rows, codes = _distinct_rows(counts)
    pairable = np.maximum(rows.sum(axis=1), 2)
    unnormalized = rows[..., np.newaxis] * rows[:, np.newaxis, :] - rows[:, np.newaxis, :] * np.eye(values)[np.newaxis, ...]
    table = np.divide(unnormalized, (pairable - 1).reshape((-1, 1, 1)), dtype=np.float64).reshape(len(rows), -1)
    codes = np.asarray(codes).ravel()
    total = np.zeros(values * values)
    for low in range(0, len(codes), COINCIDENCE_SLICE):
        part = table[codes[low : low + COINCIDENCE_SLICE]]
        total = np.concatenate([total[np.newaxis], part]).sum(axis=0)
    return total.reshape(values, values)


def _distinct_rows(counts):
    """(rows, each unit's row index) for small non-negative integer counts: every
    possible row when there are few, else the distinct ones."""
    import numpy as np

    whole = counts.astype(np.int64)
    base = int(whole.max()) + 1 if whole.size else 1
    powers = base ** np.arange(whole.shape[1], dtype=np.int64)
    codes = whole @ powers
    if base ** whole.shape[1] <= 1 << 16:
        every = np.arange(base ** whole.shape[1], dtype=np.int64)
        return ((every[:, None] // powers[None, :]) % base).astype(np.float64), codes
    distinct, inverse = np.unique(codes, return_inverse=True)
    return ((distinct[:, None] // powers[None, :]) % base).astype(np.float64), inverse


class Patterns:
    """The reliability matrix as how many units show each pattern of values (one value
    or missing per annotator): alpha over all annotators, per role and per pair depends
    on nothing else, so those figures come from at most 5^A patterns instead of passes
    over millions of units. Each figure is the one the matrix gives, to the last bit:
    the same inputs reach ``nominal_alpha`` (tests/test_agree.py compares them)."""

    MAX_PATTERNS = 5**8  # up to eight annotators; more take the passes over the units

    def __init__(self, code, weights, digits):
        self.code = code  # (units,) each unit's pattern
        self.weights = weights  # (patterns,) units per pattern
        self.digits = digits  # (patterns, annotators) the values, -1 = missing

    @classmethod
    def of(cls, reliability) -> Patterns | None:
        import numpy as np

        annotators, units = reliability.shape
        if not units or 5**annotators > cls.MAX_PATTERNS:
            return None
        code = np.zeros(units, dtype=np.int32)
        for row in range(annotators - 1, -1, -1):  # base 5, the first annotator the last digit
            code *= 5
            code += reliability[row]
            code += 1
        weights = np.bincount(code, minlength=5**annotators)
        every = np.arange(5**annotators, dtype=np.int64)
        digits = np.stack([(every // 5**row) % 5 - 1 for row in range(annotators)], axis=1)
        return cls(code, weights, digits)

    def count_table(self):
        """(patterns, values): how many annotators give each value in each pattern."""
        import numpy as np

        return np.stack([(self.digits == value).sum(axis=1) for value in range(len(VALUES))], axis=1).astype(np.int32)

    def value_counts(self):
        """``value_counts(reliability)``: per unit, how many annotators gave each value."""
        return self.count_table()[self.code]

    def tokens(self, row: int, value: int) -> int:
        """Units annotator ``row`` gave ``value``."""
        return int(self.weights[self.digits[:, row] == value].sum())

    def role_rows(self, value: int):
        """``compress`` of the per-unit (other values, this value) counts."""
        import numpy as np

        seen = self.weights > 0
        valued = (self.digits >= 0).sum(axis=1)
        with_value = (self.digits == value).sum(axis=1)
        rows = np.stack([valued - with_value, with_value], axis=1)
        return compress(rows[seen], self.weights[seen])

    def pair(self, a: int, b: int) -> tuple[int, float | None]:
        """(units both valued, ``pair_alpha`` of the two annotators' rows)."""
        import numpy as np

        first, second = self.digits[:, a], self.digits[:, b]
        both = (first >= 0) & (second >= 0) & (self.weights > 0)
        values = len(VALUES)
        codes = first[both] * values + second[both]
        weights = np.bincount(codes, weights=self.weights[both], minlength=values * values).astype(np.int64)
        rows = np.zeros((values * values, values), dtype=np.int64)
        for code in range(values * values):
            rows[code, code // values] += 1
            rows[code, code % values] += 1
        return int(weights.sum()), nominal_alpha(rows, weights)


def value_counts(rows):
    """Per-unit value counts (units x values) from (annotators x units) codes, -1 = missing."""
    import numpy as np

    rows = np.asarray(rows)
    counts = np.zeros((rows.shape[1], len(VALUES)), dtype=np.int32)
    for code in range(len(VALUES)):
        counts[:, code] = (rows == code).sum(axis=0)
    return counts


@dataclass
class PairResult:
    a: str
    b: str
    documents: int = 0
    units: int = 0
    alpha: float | None = None
    counts: list[int] = field(default_factory=lambda: [0] * len(COUNT_LAYOUT))
    a_in_b: tuple[int, int] = (0, 0)  # (a's attributions b overlaps, a's attributions)
    b_in_a: tuple[int, int] = (0, 0)

    @property
    def agr(self) -> float | None:
        parts = [ratio(*self.a_in_b), ratio(*self.b_in_a)]
        known = [part for part in parts if part is not None]
        return sum(known) / len(known) if known else None

    def scores(self) -> dict:
        """Per target and mode; "a" in place of the prediction, "b" of gold."""
        out = layout_scores(self.counts)
        for modes in out.values():
            for block in modes.values():
                block["a"], block["b"] = block.pop("pred"), block.pop("gold")
        return out

    def to_json(self) -> dict:
        return {
            "a": self.a,
            "b": self.b,
            "documents": self.documents,
            "units": self.units,
            "alpha": self.alpha,
            "agr": {
                "a_in_b": ratio(*self.a_in_b),
                "b_in_a": ratio(*self.b_in_a),
                "mean": self.agr,
            },
            "scores": self.scores(),
        }


def overlapped_share(a: AnnotatedDocument, b: AnnotatedDocument) -> tuple[int, int]:
    """(a's attributions whose content shares a word token with some content of b, all of a's)."""
    contents = b.role_units["content"]
    if not contents:
        return 0, len(a.attributions)
    exact = b.content_set()
    index = b.index("content")
    hit = sum(1 for units in a.role_units["content"] if units in exact or index.any_overlap(units))
    return hit, len(a.attributions)


@dataclass
class Agreement:
    annotators: list[str]
    doc_ids: list[str]
    units_per_doc: list[int]
    reliability: object  # numpy (annotators x units) int8, -1 = missing
    alpha: float | None
    pairs: list[PairResult]
    role_alpha: dict[str, float | None]
    role_tokens: dict[str, dict[str, int]]
    by_doc: list[dict] | None = None

    @property
    def agr(self) -> float | None:
        values = [pair.agr for pair in self.pairs if pair.agr is not None]
        return sum(values) / len(values) if values else None

    def pooled_scores(self) -> dict:
        """Per target and mode, F1 pooled over all pairs (sum of counts)."""
        total = [0] * len(COUNT_LAYOUT)
        for pair in self.pairs:
            add_counts(total, pair.counts)
        return PairResult("*", "*", counts=total).scores()

    def to_json(self) -> dict:
        pooled = self.pooled_scores()
        roles = {
            role: {
                "alpha": self.role_alpha[role],
                "f1": {mode: pooled[role][mode]["f1"] for mode in MODES},
                "matched": {mode: pooled[role][mode]["matched"] for mode in MODES},
                "tokens": self.role_tokens[role],
            }
            for role in ROLES
        }
        out = {
            "alpha": self.alpha,
            "agr": self.agr,
            "pairs": [pair.to_json() for pair in self.pairs],
            "roles": roles,
            "relation": {
                "f1": {mode: pooled["relation"][mode]["f1"] for mode in MODES},
                "matched": {mode: pooled["relation"][mode]["matched"] for mode in MODES},
            },
            "annotators": self.annotators,
            "documents": len(self.doc_ids),
            "units": int(sum(self.units_per_doc)),
        }
        if self.by_doc is not None:
            out["by_doc"] = self.by_doc
        return out


@dataclass
class DocumentResult:
    """What agreement needs from one document, computed in one go (and picklable)."""

    units: int
    values: dict[str, bytes]  # annotator -> token value codes (VALUE_CODE)
    attributions: dict[str, int]  # annotator -> how many
    # (a, b) -> (COUNT_LAYOUT counts with a in the prediction's place, agr hits of a in b, of b in a)
    pairs: dict[tuple[str, str], tuple[list[int], tuple[int, int], tuple[int, int]]]


def compare_document(records: dict[str, AnnotationRecord], names: Sequence[str], tokens: WordTokens) -> DocumentResult:
    """Token values of each annotator and every pair's counts, for one document."""
    ranges: dict = {}
    values: dict[str, bytes] = {}
    annotated: dict[str, AnnotatedDocument] = {}
    for name in names:
        record = records.get(name)
        if record is None:
            continue
        values[name] = bytes(token_values(record.attributions, tokens.all_starts, ranges))
        annotated[name] = AnnotatedDocument(record.attributions, tokens)
    pairs = {}
    present = [name for name in names if name in annotated]
    for a, b in combinations(present, 2):
        first, second = annotated[a], annotated[b]
        pairs[(a, b)] = (count_matches(first, second), overlapped_share(first, second), overlapped_share(second, first))
    return DocumentResult(
        len(tokens.all_starts), values, {name: len(annotated[name].attributions) for name in present}, pairs
    )


class BackgroundTokens:
    """Token tables of many texts, made by forked workers while the caller goes on.

    ``agree`` starts this right after reading the corpus, on the documents the journals
    name, so that tokenising (the largest single cost over many documents) runs while the
    journals are read and checked; ``measure`` then takes the tables. Small batches
    (below matching.PARALLEL_MIN_TEXTS) or a machine without fork get nothing started
    and are tokenised in ``measure`` as before. Always ``close()`` (or use ``with``).
    """

    def __init__(self, texts: dict[str, str]):
        from annotator import matching

        self.ids = list(texts)
        self._pool = None
        self._pending = None
        self._tables: dict[str, object] | None = None
        cores = matching.worker_processes(len(self.ids))
        if cores < 2:
            return
        # One core is left to the caller, which reads the journals meanwhile: with a worker
        # per core the caller (the longer task) would share its core, and every worker
        # tokenises the word forms of its part once, so fewer parts repeat less of that work.
        processes = cores - 1
        if processes > 1:
            matching._tokenizer()  # load spaCy once, before forking
        # (One worker loads it itself: this process goes on reading meanwhile, and needs
        # no tokenizer when the worker's tables cover every document.)
        values = list(texts.values())
        # One part per worker: each tokenises a distinct word form once for its part.
        size = -(-len(values) // processes)
        self._chunks = [values[low : low + size] for low in range(0, len(values), size)]
        try:
            import multiprocessing

            self._pool = multiprocessing.get_context("fork").Pool(processes)
            self._pending = self._pool.map_async(_compact_tables, self._chunks)
        except OSError:  # no processes to be had: measure tokenises
            self.close()

    def ready(self) -> bool:
        """Whether ``tables()`` would return without waiting."""
        return self._tables is not None or self._pending is None or self._pending.ready()

    def tables(self) -> dict[str, object]:
        """doc id -> token table; waits for the workers (empty when none were started)."""
        if self._tables is None:
            self._tables = {}
            if self._pending is not None:
                try:
                    parts = self._pending.get()
                except OSError:
                    parts = None
                if parts is not None:
                    import numpy as np

                    tables = [
                        table
                        for flat, sizes in parts
                        for table in np.split(flat, np.cumsum(sizes)[:-1]) if len(sizes)
                    ]
                    self._tables = dict(zip(self.ids, tables))
            self.close()
        return self._tables

    def close(self) -> None:
        if self._pool is not None:
            self._pool.terminate()
            self._pool.join()
            self._pool = None

    def __enter__(self) -> BackgroundTokens:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _compact_tables(texts: list[str]):
    """matching's token tables in 32 bits (half the bytes to send back from a worker), laid
    end to end in one array with each table's length: one buffer to pickle and unpickle
    instead of an array per document (``tables`` splits it into views again)."""
    import numpy as np

    from annotator.matching import _tables_of

    tables = _tables_of(texts)
    sizes = np.fromiter(map(len, tables), dtype=np.int64, count=len(tables))
    if not tables:
        return np.zeros((0, 4), dtype=np.int32), sizes
    return np.concatenate([table.reshape(-1, 4) for table in tables]).astype(np.int32), sizes


@contextmanager
def _small_pages():
    """Large short-lived arrays without numpy's transparent-huge-page advice.

    numpy asks the kernel for huge pages for every large array; where the kernel then
    compacts memory on the page fault (``defrag = madvise``, as on the machine this was
    measured on), the krippendorff package's temporaries on a million units (about 400
    MB, touched once) cost 0.9 s of system time instead of 0.3 s. The advice is switched
    off while agreement runs and restored after (numpy's documented switch is the
    NUMPY_MADVISE_HUGEPAGE environment variable, read at import; this is its setter).
    """
    try:
        from numpy._core import multiarray
    except ImportError:  # numpy < 2
        from numpy.core import multiarray  # type: ignore[no-redef]
    setter = getattr(multiarray, "_set_madvise_hugepage", None)
    previous = setter(False) if setter is not None else None
    try:
        yield
    finally:
        if setter is not None:
            setter(previous)


def measure(
    documents: dict[str, Document],
    records: Iterable[AnnotationRecord | PlainRecord],
    annotators: Sequence[str] | None = None,
    by_doc: bool = False,
    background: BackgroundTokens | None = None,
    check: Callable[[], None] | None = None,
    idle: Callable[[], None] | None = None,
) -> Agreement:
    """Agreement of the given records (latest per document and annotator, none skipped).

    ``background``: token tables started earlier (see BackgroundTokens); documents it
    does not hold are tokenised here. ``check``: run before any result is used; it may
    raise. It runs while the tokenising worker finishes, if it has not (one core is
    then free), else while forked workers compare (see
    agreement_arrays.compare_in_parts). ``idle``: work for the caller to do while the
    tokenising worker finishes, if it has not yet.
    """
    with _small_pages():
        return _measure(documents, records, annotators, by_doc, background, check, idle)


def _measure(
    documents: dict[str, Document],
    records: Iterable[AnnotationRecord | PlainRecord],
    annotators: Sequence[str] | None,
    by_doc: bool,
    background: BackgroundTokens | None = None,
    check: Callable[[], None] | None = None,
    idle: Callable[[], None] | None = None,
) -> Agreement:
    import numpy as np

    by_document: dict[str, dict[str, AnnotationRecord | PlainRecord]] = {}
    for record in records:
        by_document.setdefault(record.doc_id, {})[record.annotator] = record
    names = list(annotators) if annotators else sorted({a for recs in by_document.values() for a in recs})
    rank = {name: position for position, name in enumerate(names)}
    doc_ids = sorted(doc_id for doc_id, recs in by_document.items() if any(a in rank for a in recs))

    texts = [documents[doc_id].text for doc_id in doc_ids]
    # The records become columns before waiting for the tokenising workers (while they work).
    columns = span_columns([by_document[doc_id] for doc_id in doc_ids], names)
    if background is not None and not background.ready():  # the worker still tokenises
        if check is not None:
            check()
            check = None
        if idle is not None and not background.ready():
            idle()
    tables = None
    if background is not None:
        made = background.tables()
        if made and all(doc_id in made for doc_id in doc_ids):
            tables = [made[doc_id] for doc_id in doc_ids]
    if tables is None:
        from annotator import matching

        tables = matching._parallel_tables(texts) or matching._tables_of(texts)
    found = compare_in_parts(texts, tables, columns, meanwhile=check)
    units_per_doc = found.units.tolist()
    reliability = found.reliability

    patterns = Patterns.of(reliability)
    counts = patterns.value_counts() if patterns else value_counts(reliability)
    alpha = package_alpha(counts) if len(names) >= 2 else None
    present = reliability >= 0
    role_alpha = {}
    role_tokens = {}
    for role in ROLES:
        code = VALUE_CODE[role]
        if patterns:
            role_alpha[role] = nominal_alpha(*patterns.role_rows(code))
            role_tokens[role] = {name: patterns.tokens(row, code) for row, name in enumerate(names)}
            continue
        with_role = counts[:, code]
        role_alpha[role] = nominal_alpha(*compress(np.stack([counts.sum(axis=1) - with_role, with_role], axis=1)))
        role_tokens[role] = {name: int((reliability[row] == code).sum()) for row, name in enumerate(names)}

    pairs = []
    for (a, b) in combinations(range(len(names)), 2):
        pair = PairResult(names[a], names[b])
        if patterns:
            pair.units, pair.alpha = patterns.pair(a, b)
        else:
            pair.units = int((present[a] & present[b]).sum())
            pair.alpha = pair_alpha(reliability[a], reliability[b])
        pair.documents = int((found.present[:, a] & found.present[:, b]).sum())
        pair.counts = [int(value) for value in found.counts[(a, b)].sum(axis=0)]
        hits_a, total_a, hits_b, total_b = (int(value) for value in found.shares[(a, b)].sum(axis=0))
        pair.a_in_b, pair.b_in_a = (hits_a, total_a), (hits_b, total_b)
        pairs.append(pair)

    agreement = Agreement(names, doc_ids, units_per_doc, reliability, alpha, pairs, role_alpha, role_tokens)
    if by_doc:
        offsets = np.concatenate([[0], np.cumsum(units_per_doc, dtype=np.int64)])
        agreement.by_doc = _per_document(doc_ids, found, counts, offsets, names, patterns)
    return agreement


def _per_document(doc_ids, found, counts, offsets, names, patterns: Patterns | None = None) -> list[dict]:
    """agree --by-doc's rows. Every figure is computed for all documents at once with
    numpy, with the same operations in the same order as ``nominal_alpha``,
    ``PairResult.agr`` and ``layout_scores`` on one document (the same bits:
    tests/test_agree.py compares them with those functions document by document)."""
    import numpy as np

    pair_keys = list(found.counts)
    totals = np.zeros((len(doc_ids), len(COUNT_LAYOUT)), dtype=np.int64)
    for key in pair_keys:
        totals += found.counts[key]
    f1 = _f1_columns(totals)
    agr = _document_agr(found, pair_keys, len(doc_ids))
    alpha = _document_alpha(counts, offsets, patterns)
    rows = []
    present_rows = found.present.tolist()
    attribution_rows = found.attributions.tolist()
    units = np.diff(offsets).tolist()
    for position, doc_id in enumerate(doc_ids):
        here = present_rows[position]
        present = [name for n, name in enumerate(names) if here[n]]
        rows.append(
            {
                "doc_id": doc_id,
                "annotators": present,
                "units": units[position],
                "attributions": {name: attribution_rows[position][n] for n, name in enumerate(names) if here[n]},
                "alpha": alpha[position],
                "agr": agr[position],
                "f1": {target: {mode: f1[(target, mode)][position] for mode in MODES} for target in TARGETS},
            }
        )
    return rows


def _ratios(numerator, denominator):
    """``evaluate.ratio`` per element: (values, defined), the values 0 where undefined."""
    import numpy as np

    defined = denominator != 0
    values = np.divide(numerator, denominator, out=np.zeros(len(numerator)), where=defined, dtype=np.float64)
    return values, defined


def _f1_columns(totals) -> dict[tuple[str, str], list]:
    """(target, mode) -> per document F1 from COUNT_LAYOUT counts, as ``layout_scores``."""
    import numpy as np

    out = {}
    for position in range(0, len(COUNT_LAYOUT), 3):
        target, mode, _ = COUNT_LAYOUT[position]
        pred, gold, matched = (totals[:, position + k].astype(np.float64) for k in range(3))
        precision, known_p = _ratios(matched, pred)
        recall, known_r = _ratios(matched, gold)
        both = known_p & known_r
        total = precision + recall
        harmonic = np.divide(2 * precision * recall, total, out=np.zeros(len(total)), where=both & (total != 0))
        values = harmonic.tolist()
        out[(target, mode)] = [value if ok else None for value, ok in zip(values, both.tolist(), strict=True)]
    return out


def _document_agr(found, pair_keys, count_docs: int) -> list:
    """Per document, the mean over its pairs of PairResult.agr, added pair after pair in
    combinations order (as the sum of a list)."""
    import numpy as np

    total = np.zeros(count_docs)
    known = np.zeros(count_docs, dtype=np.int64)
    for a, b in pair_keys:
        both = found.present[:, a] & found.present[:, b]
        share = found.shares[(a, b)].astype(np.float64)
        in_b, known_a = _ratios(share[:, 0], share[:, 1])
        in_a, known_b = _ratios(share[:, 2], share[:, 3])
        # sum(known) / len(known) of the shares that are defined
        pair = np.where(known_a & known_b, (in_b + in_a) / 2, np.where(known_a, in_b, in_a))
        use = both & (known_a | known_b)
        total = np.where(use, total + pair, total)
        known += use
    values = np.divide(total, known, out=np.zeros(count_docs), where=known > 0).tolist()
    return [value if count else None for value, count in zip(values, known.tolist(), strict=True)]


def _segment_sums(values, starts, sizes):
    """``values[start : start + size].sum()`` for every segment, to the last bit.

    numpy sums a row in pairs (pairwise summation), and np.add.reduceat does not: it
    adds in order, which differs in the last bits. Segments of one length are stacked
    and summed along their rows, which numpy adds as it adds one row alone."""
    import numpy as np

    out = np.zeros(len(sizes))
    for size in np.unique(sizes[sizes > 0]).tolist():
        which = np.flatnonzero(sizes == size)
        out[which] = values[starts[which, None] + np.arange(size)].sum(axis=1)
    return out


def _document_alpha(counts, offsets, patterns: Patterns | None = None) -> list:
    """``nominal_alpha(counts[low:high])`` of every document [low, high) of ``offsets``:
    the same figures from the same sums (integer counts add exactly in any order; the
    agreeing shares are summed per document as numpy sums one document's). With the
    ``patterns`` the counts come from, each unit's coders and share are its pattern's
    (the same float operations on the same four counts)."""
    import numpy as np

    if patterns is not None:
        table = patterns.count_table().astype(np.float64)
        coders_of = table.sum(axis=1)
        share_of = (table * (table - 1)).sum(axis=1) / np.maximum(coders_of - 1, 1)
        pairable = (coders_of >= 2)[patterns.code]
        share = share_of[patterns.code[pairable]]
        kept_counts = np.asarray(counts)[pairable]
    else:
        counts = np.asarray(counts, dtype=np.float64)
        coders = counts.sum(axis=1)
        pairable = coders >= 2
        kept_counts, coders = counts[pairable], coders[pairable]
        share = (kept_counts * (kept_counts - 1)).sum(axis=1) / (coders - 1)
    kept = np.concatenate([[0], np.cumsum(pairable, dtype=np.int64)])[np.asarray(offsets, dtype=np.int64)]
    starts, sizes = kept[:-1], np.diff(kept)
    count_docs = len(sizes)
    if not len(kept_counts):
        return [None] * count_docs
    filled = sizes > 0
    # Segments of the documents with pairable rows: each runs to the next one's start.
    n_c = np.zeros((count_docs, kept_counts.shape[1]))
    n_c[filled] = np.add.reduceat(kept_counts, starts[filled], axis=0)
    agreeing = _segment_sums(share, starts, sizes)
    n = n_c.sum(axis=1)
    expected = n * n - (n_c * n_c).sum(axis=1)
    defined = filled & (expected > 0)
    alpha = np.ones(count_docs)
    np.subtract(1, (n - 1) * (n - agreeing) / np.where(defined, expected, 1), out=alpha, where=defined)
    return [value if ok else None for value, ok in zip(alpha.tolist(), defined.tolist(), strict=True)]

"""Scoring predicted attributions against gold ones (headless; `annotator evaluate`).

Protocol (see annotator/matching.py for how spans are compared and matched):

- Documents: those gold annotates. A gold document with no prediction counts every
  gold item as missed; predictions for documents outside gold are ignored (and counted).
- Per role (source, cue, content): every attribution contributes its role span (an
  absent source or cue contributes nothing). Precision = matched / predicted, recall =
  matched / gold, F1 their harmonic mean, micro-averaged over all documents, in exact
  and overlap mode.
- Relation: attributions matched by content and source (matching.match_relations).
- 95% intervals: percentile bootstrap over documents (documents resampled with
  replacement, scores recomputed from the resampled counts), 1,000 resamples, fixed
  seed, so the same input always prints the same intervals.
- By type: matching is done once over all attributions; recall for type T counts the
  gold items of type T that were matched, precision for type T counts the predicted
  items of type T that were matched. So a predicted indirect attribution that matches a
  gold direct one counts for indirect precision and for direct recall.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from annotator.matching import (
    MODES,
    RELATION,
    ROLES,
    TARGETS,
    AnnotatedDocument,
    Matching,
    WordTokens,
    count_relation_matches,
    count_span_matches,
    match_relations,
    match_spans,
)
from annotator.schema import AnnotationRecord, Document

BOOTSTRAP_RESAMPLES = 1000
BOOTSTRAP_SEED = 20180507  # fixed: the same input always gives the same intervals
CONFIDENCE = 0.95
MAIN_TYPES: tuple[str, ...] = ("direct", "indirect", "mixed")
ALL = "all"

# A count is keyed by (target, mode, type, field); type ALL holds the totals.
FIELDS = ("pred", "pred_matched", "gold", "gold_matched")
Key = tuple[str, str, str, str]


def _tally(
    counts: Counter,
    target: str,
    matching: Matching,
    pred_types: Sequence[str],
    gold_types: Sequence[str],
    by_type: bool,
) -> None:
    for mode in MODES:
        pairs = matching.pairs(mode)
        counts[(target, mode, ALL, "pred")] += len(pred_types)
        counts[(target, mode, ALL, "gold")] += len(gold_types)
        counts[(target, mode, ALL, "pred_matched")] += len(pairs)
        counts[(target, mode, ALL, "gold_matched")] += len(pairs)
        if not by_type:
            continue
        for kind in pred_types:
            counts[(target, mode, kind, "pred")] += 1
        for kind in gold_types:
            counts[(target, mode, kind, "gold")] += 1
        for i, j in pairs:
            counts[(target, mode, pred_types[i], "pred_matched")] += 1
            counts[(target, mode, gold_types[j], "gold_matched")] += 1


def compare(predicted: AnnotatedDocument, gold: AnnotatedDocument, by_type: bool = True) -> Counter:
    """The counts of one document: predicted and gold items and how many matched."""
    counts: Counter = Counter()
    for role in ROLES:
        matching = match_spans(predicted, gold, role)
        pred_types = [predicted.attributions[a].type for a, _ in predicted.role_spans[role]]
        gold_types = [gold.attributions[a].type for a, _ in gold.role_spans[role]]
        _tally(counts, role, matching, pred_types, gold_types, by_type)
    matching = match_relations(predicted, gold)
    _tally(
        counts,
        RELATION,
        matching,
        [a.type for a in predicted.attributions],
        [a.type for a in gold.attributions],
        by_type,
    )
    return counts


# count_matches' layout: for each target, for each mode: predicted, gold, matched.
COUNT_LAYOUT: tuple[tuple[str, str, str], ...] = tuple(
    (target, mode, name) for target in TARGETS for mode in MODES for name in ("pred", "gold", "matched")
)


def count_matches(predicted: AnnotatedDocument, gold: AnnotatedDocument) -> list[int]:
    """compare() without the type breakdown, as a flat list in COUNT_LAYOUT (fast path)."""
    out: list[int] = []
    for role in ROLES:
        exact, loose = count_span_matches(predicted, gold, role)
        n_pred, n_gold = len(predicted.role_units[role]), len(gold.role_units[role])
        out += (n_pred, n_gold, exact, n_pred, n_gold, loose)
    exact, loose = count_relation_matches(predicted, gold)
    n_pred, n_gold = len(predicted.attributions), len(gold.attributions)
    out += (n_pred, n_gold, exact, n_pred, n_gold, loose)
    return out


def add_counts(total: list[int], counts: list[int]) -> None:
    for position, value in enumerate(counts):
        total[position] += value


def layout_scores(counts: Sequence[int]) -> dict:
    """{target: {mode: {precision, recall, f1, pred, gold, matched}}} from COUNT_LAYOUT counts."""
    out: dict = {}
    for position in range(0, len(COUNT_LAYOUT), 3):
        target, mode, _ = COUNT_LAYOUT[position]
        pred, gold, matched = counts[position : position + 3]
        precision, recall = ratio(matched, pred), ratio(matched, gold)
        out.setdefault(target, {})[mode] = {
            "precision": precision,
            "recall": recall,
            "f1": harmonic(precision, recall),
            "pred": pred,
            "gold": gold,
            "matched": matched,
        }
    return out


def ratio(numerator: float, denominator: float) -> float | None:
    return numerator / denominator if denominator else None


def harmonic(precision: float | None, recall: float | None) -> float | None:
    if precision is None or recall is None:
        return None
    if precision + recall == 0:
        return 0.0
    return 2 * precision * recall / (precision + recall)


def scores(pred: float, pred_matched: float, gold: float, gold_matched: float) -> dict:
    precision = ratio(pred_matched, pred)
    recall = ratio(gold_matched, gold)
    return {"precision": precision, "recall": recall, "f1": harmonic(precision, recall)}


@dataclass
class DocumentCounts:
    doc_id: str
    counts: Counter


def counts_for_documents(
    documents: dict[str, Document],
    predicted: dict[str, AnnotationRecord],
    gold: dict[str, AnnotationRecord],
    by_type: bool = True,
) -> list[DocumentCounts]:
    """Counts per gold document (sorted by id), comparing the prediction with gold."""
    result = []
    doc_ids = sorted(gold)
    tokenized = WordTokens.for_texts([documents[doc_id].text for doc_id in doc_ids])
    for doc_id, tokens in zip(doc_ids, tokenized):
        gold_doc = AnnotatedDocument(gold[doc_id].attributions, tokens)
        record = predicted.get(doc_id)
        pred_doc = AnnotatedDocument(record.attributions if record else [], tokens)
        result.append(DocumentCounts(doc_id, compare(pred_doc, gold_doc, by_type)))
    return result


def _types_present(per_document: Iterable[DocumentCounts]) -> list[str]:
    seen = {key[2] for item in per_document for key in item.counts if key[2] != ALL}
    return [*MAIN_TYPES, *sorted(seen - set(MAIN_TYPES))]


def summarise(
    per_document: list[DocumentCounts],
    resamples: int = BOOTSTRAP_RESAMPLES,
    seed: int = BOOTSTRAP_SEED,
) -> dict:
    """Scores with bootstrap intervals, overall and by type, as a JSON-ready dict."""
    import numpy as np

    types = _types_present(per_document)
    keys: list[Key] = [
        (target, mode, kind, name)
        for kind in (ALL, *types)
        for target in TARGETS
        for mode in MODES
        for name in FIELDS
    ]
    column = {key: index for index, key in enumerate(keys)}
    matrix = np.zeros((len(per_document), len(keys)), dtype=np.int64)
    for row, item in enumerate(per_document):
        for key, value in item.counts.items():
            matrix[row, column[key]] = value
    totals = matrix.sum(axis=0)
    if resamples and len(per_document):
        rng = np.random.default_rng(seed)
        draws = rng.integers(0, len(per_document), size=(resamples, len(per_document)))
        weights = np.zeros((resamples, len(per_document)), dtype=np.int64)
        np.add.at(weights, (np.repeat(np.arange(resamples), len(per_document)), draws.ravel()), 1)
        resampled = weights @ matrix  # (resamples, keys)
    else:
        resampled = None

    def block(kind: str, target: str, mode: str) -> dict:
        cols = [column[(target, mode, kind, name)] for name in FIELDS]
        pred, pred_matched, gold, gold_matched = (int(totals[c]) for c in cols)
        out = {
            **scores(pred, pred_matched, gold, gold_matched),
            "pred": pred,
            "gold": gold,
            "pred_matched": pred_matched,
            "gold_matched": gold_matched,
        }
        if resampled is not None:
            out["ci"] = _intervals(resampled[:, cols], np)
        return out

    report = {
        target: {mode: block(ALL, target, mode) for mode in MODES} for target in TARGETS
    }
    by_type = {
        kind: {target: {mode: block(kind, target, mode) for mode in MODES} for target in TARGETS}
        for kind in types
    }
    return {"scores": report, "by_type": by_type}


def _intervals(sampled, np) -> dict[str, list[float] | None]:
    pred, pred_matched, gold, gold_matched = (sampled[:, k].astype(float) for k in range(4))
    with np.errstate(divide="ignore", invalid="ignore"):
        precision = np.where(pred > 0, pred_matched / pred, np.nan)
        recall = np.where(gold > 0, gold_matched / gold, np.nan)
        total = precision + recall
        f1 = np.where(total > 0, 2 * precision * recall / total, np.where(total == 0, 0.0, np.nan))
    tail = (1 - CONFIDENCE) / 2 * 100
    result: dict[str, list[float] | None] = {}
    for name, values in (("precision", precision), ("recall", recall), ("f1", f1)):
        values = values[~np.isnan(values)]
        if values.size == 0:
            result[name] = None
        else:
            low, high = np.percentile(values, [tail, 100 - tail])
            result[name] = [float(low), float(high)]
    return result


def evaluate(
    documents: dict[str, Document],
    predicted: dict[str, AnnotationRecord],
    gold: dict[str, AnnotationRecord],
    resamples: int = BOOTSTRAP_RESAMPLES,
    seed: int = BOOTSTRAP_SEED,
) -> dict:
    """The full evaluation report (JSON-ready) of ``predicted`` against ``gold``."""
    per_document = counts_for_documents(documents, predicted, gold)
    report = summarise(per_document, resamples, seed)
    return {
        "documents": len(gold),
        "documents_predicted": sum(1 for doc_id in gold if doc_id in predicted),
        "predictions_outside_gold": sorted(set(predicted) - set(gold)),
        "bootstrap": {"resamples": resamples, "seed": seed, "confidence": CONFIDENCE},
        **report,
    }

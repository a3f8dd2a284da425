"""``annotator train``: choose the training data, fit, measure on dev, write MODEL_DIR.

Data: the latest record per (document, annotator) in the journals; only records marked
done count. Where a document has a gold record (one naming an adjudicator) it is used;
otherwise the first annotator the corpus lists for the document (PolNeAR's
metadata.tsv order), else the first in the journals' order. Every chosen record must
fit its corpus document (same text_sha1, spans inside the text).
"""

from __future__ import annotations

import hashlib
import random
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from annotator.errors import AnnotatorError
from annotator.schema import AnnotationRecord, Document, Status

if TYPE_CHECKING:
    from spacy.language import Language

# The figures a model is judged by on dev (the targets are on these).
DEV_FIGURES = (
    ("content", "exact"),
    ("source", "exact"),
    ("cue", "exact"),
    ("relation", "exact"),
    ("content", "overlap"),
    ("relation", "overlap"),
)


@dataclass
class TrainingData:
    pairs: list[tuple[Document, AnnotationRecord]]
    skipped: dict[str, int] = field(default_factory=dict)

    @property
    def fingerprint(self) -> str:
        """sha1 over each document's text fingerprint and its record's attributions."""
        digest = hashlib.sha1()
        for document, record in sorted(self.pairs, key=lambda pair: pair[0].id):
            digest.update(document.id.encode() + b"\0" + document.sha1.encode() + b"\0")
            for attribution in record.attributions:
                digest.update(attribution.model_dump_json(include={"source", "cue", "content", "type"}).encode())
        return digest.hexdigest()


def done_records(
    annotations: Sequence[Path], documents: dict[str, Document], what: str = "annotations"
) -> TrainingData:
    """One done record per document (gold preferred), checked against the corpus."""
    from annotator.records import check_against_corpus, listed_annotators, read_journals

    contents = read_journals(annotations)
    if contents.problems:
        problem = contents.problems[0]
        raise AnnotatorError(f"{what}: {problem}")
    listed = listed_annotators(documents)
    skipped: dict[str, int] = {}
    chosen: dict[str, AnnotationRecord] = {}
    for (doc_id, _annotator), record in contents.latest.items():
        if record.status != Status.done:
            skipped[f"records not done ({record.status.value})"] = skipped.get(f"records not done ({record.status.value})", 0) + 1
            continue
        current = chosen.get(doc_id)
        if current is None or _better(record, current, listed.get(doc_id, ())):
            chosen[doc_id] = record
    if not chosen:
        raise AnnotatorError(f"{what}: no records marked done to learn from", annotations[0] if len(annotations) == 1 else None)
    records = [chosen[doc_id] for doc_id in sorted(chosen)]
    check_against_corpus(records, documents, contents)
    other = sum(1 for (doc_id, _), record in contents.latest.items() if record.status == Status.done) - len(records)
    if other:
        skipped["done records of a document that has a preferred one (gold or first annotator)"] = other
    return TrainingData([(documents[record.doc_id], record) for record in records], skipped)


def _better(record: AnnotationRecord, current: AnnotationRecord, order: Sequence[str]) -> bool:
    if (record.adjudicator is not None) != (current.adjudicator is not None):
        return record.adjudicator is not None
    if record.annotator in order and current.annotator in order:
        return order.index(record.annotator) < order.index(current.annotator)
    return record.annotator in order and current.annotator not in order


def split_dev(data: TrainingData, share: float, seed: int) -> tuple[TrainingData, TrainingData]:
    """A reproducible share of the documents held out for dev (none when too few)."""
    ids = sorted(document.id for document, _ in data.pairs)
    count = round(len(ids) * share) if len(ids) >= 5 else 0
    held = set(random.Random(seed).sample(ids, count)) if count else set()
    train = [pair for pair in data.pairs if pair[0].id not in held]
    dev = [pair for pair in data.pairs if pair[0].id in held]
    return TrainingData(train, data.skipped), TrainingData(dev)


def measure(nlp, data: TrainingData) -> dict[str, float | None]:
    """Dev F1 of a pipeline (the protocol of ``annotator evaluate``)."""
    from annotator.evaluate import evaluate
    from annotator.suggest import record_from_suggestions
    from annotator.suggest.components import TEXT_KEY

    documents = {document.id: document for document, _ in data.pairs}
    gold = {document.id: record for document, record in data.pairs}
    docs = []
    for document, _ in data.pairs:
        doc = nlp.make_doc(document.text)
        doc.user_data[TEXT_KEY] = document.text
        docs.append(doc)
    predicted = {
        document.id: record_from_suggestions(document, doc._.attributions or [])
        for (document, _), doc in zip(data.pairs, nlp.pipe(docs))
    }
    report = evaluate(documents, predicted, gold, resamples=0)
    return {f"{target}_{mode}_f1": report["scores"][target][mode]["f1"] for target, mode in DEV_FIGURES}


def dev_score(figures: dict) -> float:
    """One number to compare models on dev: the mean of the judged F1 figures."""
    values = [figures.get(f"{target}_{mode}_f1") or 0.0 for target, mode in DEV_FIGURES]
    return sum(values) / len(values)


def _cpu_seconds() -> float:
    """CPU time of this process and its finished children (the cue CRF's worker)."""
    import os

    times = os.times()
    return times.user + times.system + times.children_user + times.children_system


@dataclass
class TrainResult:
    nlp: Language
    info: dict
    counts: Any
    kept_base: bool = False


def train_model(
    train: TrainingData,
    dev: TrainingData | None,
    settings: dict,
    seed: int,
    base: Path | None = None,
    max_minutes: float | None = None,
    on_iteration: Callable[[str, int, float], None] | None = None,
    name: str = "attribution",
) -> TrainResult:
    """Fit on ``train``; with ``base``, keep whichever of the two is better on dev."""
    from annotator.model.learn import DEFAULT_SETTINGS, fit
    from annotator.model.package import build_model_pipeline, read_meta

    started = time.monotonic()
    cpu_started = _cpu_seconds()
    base_meta = read_meta(base) if base is not None else None
    if base_meta is not None:
        settings = {**base_meta["annotator_model"].get("settings", {}), **settings}
    model, counts = fit(train.pairs, settings, on_iteration=on_iteration, max_minutes=max_minutes,
                        held_out=dev.pairs if dev is not None else (), seed=seed)
    nlp = build_model_pipeline(model, name=name, rules_fallback=counts.rules_fallback)
    info: dict[str, Any] = {
        "trained_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "training_data": {
            "fingerprint": TrainingData(train.pairs).fingerprint,
            "documents": counts.documents,
            "attributions": counts.attributions,
            "skipped": {**train.skipped, "attributions without a cue or content, or sharing a cue": counts.skipped_attributions},
        },
        "seed": seed,
        "settings": {**DEFAULT_SETTINGS, **settings, "iterations_run": counts.iterations_run,
                     "cue_arch_used": counts.cue_arch, "rules_fallback_used": counts.rules_fallback,
                     "cue_threshold_used": model.cue_threshold},
        "train_seconds": round(time.monotonic() - started, 1),
        "train_cpu_seconds": round(_cpu_seconds() - cpu_started, 1),
    }
    if dev is not None and dev.pairs:
        info["dev"] = {"documents": len(dev.pairs), "fingerprint": dev.fingerprint, **measure(nlp, dev)}
    if base is not None and base_meta is not None and dev is not None and dev.pairs:
        from annotator.suggest.pipeline import build_pipeline

        base_nlp = build_pipeline(base)
        base_figures = measure(base_nlp, dev)
        if dev_score(base_figures) > dev_score(info["dev"]):
            return TrainResult(base_nlp, {**base_meta["annotator_model"], "dev": {**info["dev"], **base_figures}}, counts, kept_base=True)
    return TrainResult(nlp, info, counts)

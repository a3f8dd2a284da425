"""Fitting the two CRFs of :mod:`annotator.model.frames` on gold attributions.

Documents go through the rules pipeline once (the rules' cues and spans are features);
their token sequences are handed to python-crfsuite as they come, so memory holds one
document's features at a time, not the corpus's.
"""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from annotator.model.features import DocView
from annotator.model.frames import FrameModel, cue_examples, gold_frames, role_examples
from annotator.schema import AnnotationRecord, Document

# L-BFGS settings measured on PolNeAR train -> dev (see docs/pending/model.md).
DEFAULT_SETTINGS: dict[str, float | int] = {
    "cue_c1": 0.05,
    "cue_c2": 0.01,
    "cue_iterations": 100,
    "role_c1": 0.05,
    "role_c2": 0.01,
    "role_iterations": 100,
    "minfreq": 1,
}


@dataclass
class TrainingCounts:
    documents: int = 0
    attributions: int = 0
    skipped_attributions: int = 0
    sentences: int = 0
    frames: int = 0
    cue_tokens: int = 0
    role_tokens: int = 0
    iterations_run: dict[str, int] = field(default_factory=dict)


def feature_pipeline():
    """The rules pipeline without entity grouping: what the features read."""
    from annotator.suggest.pipeline import build_pipeline

    nlp = build_pipeline("rules")
    nlp.remove_pipe("attribution_entities")
    return nlp


def views(nlp, documents: Iterable[Document], batch_size: int = 16):
    """(document, DocView) for each document, processed by ``nlp``."""
    from annotator.suggest.components import TEXT_KEY

    batch: list[Document] = []

    def flush():
        docs = []
        for document in batch:
            doc = nlp.make_doc(document.text)
            doc.user_data[TEXT_KEY] = document.text
            docs.append(doc)
        for document, doc in zip(batch, nlp.pipe(docs, batch_size=batch_size)):
            yield document, DocView.of(doc)
        batch.clear()

    for document in documents:
        batch.append(document)
        if len(batch) >= batch_size:
            yield from flush()
    if batch:
        yield from flush()


def _trainer(c1: float, c2: float, iterations: int, minfreq: float):
    import pycrfsuite

    class QuietTrainer(pycrfsuite.Trainer):
        """Parses CRFsuite's log (verbose) but prints nothing; reports each iteration."""

        callback: Callable[[int, float], None] | None = None
        iterations = 0

        def on_start(self, log, *more):
            pass

        on_featgen_progress = on_featgen_end = on_prepared = on_prepare_error = on_start
        on_optimization_end = on_end = on_start

        def on_iteration(self, log, info):
            self.iterations = int(info.get("num", 0))
            if self.callback is not None:
                self.callback(self.iterations, float(info.get("loss", 0.0)))

    trainer = QuietTrainer(algorithm="lbfgs", verbose=True)
    trainer.set_params(
        {
            "c1": c1,
            "c2": c2,
            "max_iterations": iterations,
            "feature.possible_transitions": True,
            "feature.minfreq": minfreq,
        }
    )
    return trainer


def fit(
    pairs: Iterable[tuple[Document, AnnotationRecord]],
    settings: dict | None = None,
    on_iteration: Callable[[str, int, float], None] | None = None,
    nlp=None,
    max_minutes: float | None = None,
) -> tuple[FrameModel, TrainingCounts]:
    """Train both CRFs on (document, gold record) pairs; deterministic for the same data.

    ``max_minutes`` bounds the whole run: CRFsuite cannot be stopped mid-way, so the
    role CRF (the larger) gets as many iterations as the cue CRF's pace says fit in the
    time left (and at least 10).
    """
    started = time.monotonic()
    settings = {**DEFAULT_SETTINGS, **(settings or {})}
    nlp = nlp or feature_pipeline()
    counts = TrainingCounts()
    cue_trainer = _trainer(settings["cue_c1"], settings["cue_c2"], int(settings["cue_iterations"]), settings["minfreq"])
    role_trainer = _trainer(settings["role_c1"], settings["role_c2"], int(settings["role_iterations"]), settings["minfreq"])
    records: dict[str, AnnotationRecord] = {}
    documents = []
    for document, record in pairs:
        records[document.id] = record
        documents.append(document)
    for document, view in views(nlp, documents):
        record = records[document.id]
        frames, skipped = gold_frames(view, record.attributions)
        counts.documents += 1
        counts.attributions += len(frames)
        counts.skipped_attributions += skipped
        for sequence, labels in cue_examples(view, frames):
            if sequence:
                cue_trainer.append(sequence, labels)
                counts.sentences += 1
                counts.cue_tokens += len(labels)
        for sequence, labels in role_examples(view, frames):
            role_trainer.append(sequence, labels)
            counts.frames += 1
            counts.role_tokens += len(labels)
    if max_minutes is None and hasattr(os, "fork"):
        # The two CRFs are independent: fit the cue CRF in a forked child (it inherits
        # the appended data) while this process fits the role CRF: two cores, not one.
        cue_bytes, role_bytes = _train_both(cue_trainer, role_trainer, on_iteration)
    else:
        cue_started = time.monotonic()
        cue_bytes = _train(cue_trainer, "cues", on_iteration)
        if max_minutes is not None:
            left = max_minutes * 60 - (time.monotonic() - started)
            # seconds per iteration, scaled by the larger data set of the role CRF
            pace = (time.monotonic() - cue_started) / max(1, cue_trainer.iterations)
            pace *= max(1.0, counts.role_tokens / max(1, counts.cue_tokens))
            affordable = int(left / pace) if pace > 0 else int(settings["role_iterations"])
            role_trainer.set("max_iterations", str(max(10, min(int(settings["role_iterations"]), affordable))))
        role_bytes = _train(role_trainer, "roles", on_iteration)
    counts.iterations_run["cues"] = cue_trainer.iterations or int(settings["cue_iterations"])
    counts.iterations_run["roles"] = role_trainer.iterations
    return FrameModel(cue_bytes, role_bytes), counts


def _train_both(cue_trainer, role_trainer, on_iteration) -> tuple[bytes, bytes]:
    handle, cue_path = tempfile.mkstemp(prefix="annotator-crf-", suffix=".crfsuite")
    os.close(handle)
    try:
        child = os.fork()
        if child == 0:  # the child: fit, write the file, leave at once (no cleanup handlers)
            code = 1
            try:
                cue_trainer.train(cue_path)
                code = 0
            finally:
                os._exit(code)
        role_bytes = _train(role_trainer, "roles", on_iteration)
        _, status = os.waitpid(child, 0)
        if status != 0:
            raise RuntimeError("fitting the cue CRF failed in its worker process")
        with open(cue_path, "rb") as stream:
            return stream.read(), role_bytes
    finally:
        os.unlink(cue_path)


def _train(trainer, name: str, on_iteration) -> bytes:
    if on_iteration is not None:
        trainer.callback = lambda number, loss: on_iteration(name, number, loss)
    handle, path = tempfile.mkstemp(prefix="annotator-crf-", suffix=".crfsuite")
    os.close(handle)
    try:
        trainer.train(path)
        with open(path, "rb") as stream:
            return stream.read()
    finally:
        os.unlink(path)

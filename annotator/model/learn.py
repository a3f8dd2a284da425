"""Fitting the two CRFs of :mod:`annotator.model.frames` on gold attributions.

Documents go through the rules pipeline once (the rules' cues and spans are features);
their token sequences are handed to python-crfsuite as they come, so memory holds one
document's features at a time, not the corpus's.
"""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from annotator.model.features import DocView
from annotator.model.frames import FrameModel, cue_examples, gold_frames, role_examples
from annotator.model.neural import NeuralTrainer, pack_members, require_torch
from annotator.schema import AnnotationRecord, Document

# L-BFGS settings measured on PolNeAR train -> dev (see docs/pending/model.md).
DEFAULT_SETTINGS: dict[str, float | int | str] = {
    # cue CRF alone, train -> dev cue exact F1: 64.9 at 0.05 / 0.01 without the cue
    # tagger's layout features (DocView._cue_features), 65.4 with them; 0.1 / 0.05: 65.8
    # without, 66.3 with (measured before the line-break token fix, _is_break)
    "cue_c1": 0.1,
    "cue_c2": 0.05,
    "cue_iterations": 100,
    "role_c1": 0.05,
    "role_c2": 0.01,
    "role_iterations": 100,
    "minfreq": 1,
    # "crf" (python-crfsuite), "bilstm" (annotator.model.neural, needs PyTorch) or "auto":
    # the BiLSTM from BILSTM_CUES_FROM training documents, the CRF below (see there)
    "cue_arch": "auto",
    "role_arch": "bilstm",  # dev exact F1 +6.5 content, +7.6 relation over the CRF
    # the rules' attributions scored at least this whose cue the model missed are
    # suggested too (negative: none); "auto": see rules_fallback_for
    "rules_fallback": "auto",
    # A cue BiLSTM is this many networks from seeds seed, seed + 1, ... whose
    # probabilities are averaged: on PolNeAR dev (all of train) two gave content exact
    # 59.8 against 58.7, cue 69.5 against 68.3 (README). They train one after another in
    # the worker while the role labeller trains, so two cost no wall time.
    "cue_members": 2,
    # A token is a cue token from this probability (B-CUE + I-CUE); "auto": see
    # cue_threshold_for
    "cue_threshold": "auto",
}
# The PolNeAR learning curve (README, "Learning curve", measured with the two cue networks):
# the cue CRF leads on the mean of the six dev F1 at 25 training documents (51.3 against
# 50.6), the cue BiLSTMs from 50 (56.5 / 55.5, keys per gold attribution 5.94 / 6.07;
# 100: 61.0 / 59.0; 400: 66.9 / 62.6).
BILSTM_CUES_FROM = 50
ROLE_LABELS = ("O", "B-S", "I-S", "B-C", "I-C")
CUE_TAGS = ("O", "B-CUE", "I-CUE")


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
    cue_arch: str = ""  # the cue tagger trained ("auto" resolved)
    rules_fallback: float = -1.0  # the setting resolved (rules_fallback_for)


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
    held_out: Iterable[tuple[Document, AnnotationRecord]] = (),
    seed: int = 0,
) -> tuple[FrameModel, TrainingCounts]:
    """Train the cue tagger and the role labeller (each a CRF or a BiLSTM) on (document,
    gold record) pairs; deterministic for the same data.

    ``max_minutes`` bounds the whole run: CRFsuite cannot be stopped mid-way, so the
    role CRF (the larger) gets as many iterations as the cue CRF's pace says fit in the
    time left (and at least 10).
    """
    started = time.monotonic()
    settings = {**DEFAULT_SETTINGS, **(settings or {})}
    records: dict[str, AnnotationRecord] = {}
    documents = []
    for document, record in pairs:
        records[document.id] = record
        documents.append(document)
    counts = TrainingCounts()
    counts.cue_arch = settings["cue_arch"] = cue_arch_for(str(settings["cue_arch"]), len(documents))
    if "bilstm" in (settings["cue_arch"], settings["role_arch"]):
        require_torch()  # before the long part: a one-line error if PyTorch is missing
    nlp = nlp or feature_pipeline()
    cue_trainer = _make_trainer("cue", settings, CUE_TAGS)
    role_trainer = _make_trainer("role", settings, ROLE_LABELS)
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
    neural = [trainer for trainer in (cue_trainer, role_trainer) if isinstance(trainer, NeuralTrainer)]
    if neural:  # the held-out documents choose each BiLSTM's best epoch
        held = list(held_out)
        held_records = {document.id: record for document, record in held}
        for document, view in views(nlp, [document for document, _ in held]):
            frames, _ = gold_frames(view, held_records[document.id].attributions)
            if isinstance(cue_trainer, NeuralTrainer):
                for sequence, labels in cue_examples(view, frames):
                    if sequence:
                        cue_trainer.append(sequence, labels, held_out=True)
            if isinstance(role_trainer, NeuralTrainer):
                for sequence, labels in role_examples(view, frames):
                    role_trainer.append(sequence, labels, held_out=True)
        deadline = started + max_minutes * 60 if max_minutes is not None else None
        cues, roles = _train_side_by_side(cue_trainer, role_trainer, on_iteration, seed, deadline,
                                          int(settings["cue_members"]))
        return _model(cues, roles, counts, settings), counts
    if max_minutes is None and hasattr(os, "fork"):
        # The two CRFs are independent: fit the cue CRF in a forked child (it inherits
        # the appended data) while this process fits the role CRF: two cores, not one.
        cues, roles = _train_side_by_side(cue_trainer, role_trainer, on_iteration, seed, None)
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
        cues = (cue_bytes, [cue_trainer.iterations])
        roles = (_train(role_trainer, "roles", on_iteration), [role_trainer.iterations])
    return _model(cues, roles, counts, settings), counts


def _model(cues: Fitted, roles: Fitted, counts: TrainingCounts, settings: dict) -> FrameModel:
    """The fitted model with its decoding settings resolved; the iterations (a BiLSTM's
    best epoch, one per cue network) recorded in ``counts``."""
    for name, (_, iterations) in (("cues", cues), ("roles", roles)):
        counts.iterations_run[name] = iterations[0]
        for number, value in enumerate(iterations[1:], start=2):
            counts.iterations_run[f"{name}_{number}"] = value
    counts.rules_fallback = rules_fallback_for(settings["rules_fallback"], counts.cue_arch)
    return FrameModel(cues[0], roles[0], cue_threshold_for(settings["cue_threshold"], counts.cue_arch))


def cue_arch_for(arch: str, documents: int) -> str:
    """The cue tagger trained on ``documents`` documents: ``auto`` resolved."""
    if arch == "auto":
        return "bilstm" if documents >= BILSTM_CUES_FROM else "crf"
    return arch


def rules_fallback_for(setting: float | str, cue_arch: str) -> float:
    """``auto``: the rules' attributions scored 0.7 or more that the cue CRF missed are
    added (package.RULES_FALLBACK), none beside the cue BiLSTM: on PolNeAR dev (all of
    train) the fallback at 0.5 / 0.7 / 0.8 / none gave a mean of the six F1 of 64.9 / 66.4 /
    66.6 / 66.9 with the BiLSTM (it finds what the rules would add, and better), while
    beside the CRF 0.7 measured best (README)."""
    from annotator.model.package import RULES_FALLBACK

    if setting == "auto":
        return -1.0 if cue_arch == "bilstm" else RULES_FALLBACK
    return float(setting)


def cue_threshold_for(setting: float | str, cue_arch: str) -> float:
    """``auto``: 0.6 for the cue BiLSTM, 0.5 for the cue CRF. The BiLSTMs' mean
    probability is less often sure (two networks must agree): on PolNeAR dev (all of train)
    thresholds 0.5 / 0.55 / 0.6 / 0.65 / 0.7 gave content exact 59.8 / 60.2 / 60.3 / 59.9 /
    59.8 with two members; beside the CRF 0.5 measured best (README)."""
    if setting == "auto":
        return 0.6 if cue_arch == "bilstm" else 0.5
    return float(setting)


def _make_trainer(kind: str, settings: dict, labels: Sequence[str]):
    if settings[f"{kind}_arch"] == "bilstm":
        net = {key[len(kind) + 5 :]: value for key, value in settings.items() if key.startswith(f"{kind}_net_")}
        return NeuralTrainer(labels, net)
    if settings[f"{kind}_arch"] != "crf":
        raise ValueError(f"unknown {kind}_arch {settings[f'{kind}_arch']!r} (crf or bilstm)")
    return _trainer(settings[f"{kind}_c1"], settings[f"{kind}_c2"], int(settings[f"{kind}_iterations"]), settings["minfreq"])


Fitted = tuple[bytes, list[int]]  # a model file and its iterations (one per cue network)


def _train_side_by_side(
    cue_trainer, role_trainer, on_iteration, seed: int, deadline: float | None, cue_members: int = 1
) -> tuple[Fitted, Fitted]:
    """(cue model, role model), each a CRF or a BiLSTM; a cue BiLSTM is ``cue_members``
    networks from seeds ``seed``, ``seed + 1``, ... (:func:`neural.pack_members`).

    The cue tagger is fitted in a forked child while this process fits the role
    labeller, so the two use both cores (the role labeller, the larger, bounds the wall
    time). The child forks before this process runs torch: torch is not fork-safe once
    it has run. The child's progress is not reported (it has no terminal of its own).
    """

    def fit_one(trainer, name: str, report_to, members: int = 1) -> Fitted:
        if not isinstance(trainer, NeuralTrainer):
            model = _train(trainer, name, report_to)
            return model, [trainer.iterations]
        report = (lambda epoch, loss: report_to(name, epoch, loss)) if report_to is not None else None
        models: list[bytes] = []
        epochs: list[int] = []
        for number in range(members):
            if number and deadline is not None and time.monotonic() > deadline:
                break  # out of time: the members trained so far
            models.append(trainer.train(seed=seed + number, deadline=deadline, on_epoch=report))
            epochs.append(trainer.best_epoch)
        return pack_members(models), epochs

    if not hasattr(os, "fork"):
        return fit_one(cue_trainer, "cues", on_iteration, cue_members), fit_one(role_trainer, "roles", on_iteration)
    return _in_child(lambda: fit_one(cue_trainer, "cues", None, cue_members),
                     lambda: fit_one(role_trainer, "roles", on_iteration))


def _in_child(in_child: Callable[[], Fitted], meanwhile: Callable[[], Fitted]) -> tuple[Fitted, Fitted]:
    """(what ``in_child`` returned, fitted in a forked child; what ``meanwhile`` returned,
    run in this process at the same time). The child hands its model and its iterations
    back through a temporary msgpack file."""
    import srsly

    handle, path = tempfile.mkstemp(prefix="annotator-fit-", suffix=".msgpack")
    os.close(handle)
    try:
        child = os.fork()
        if child == 0:  # the child: fit, write the file, leave at once (no cleanup handlers)
            code = 1
            try:
                model, iterations = in_child()
                with open(path, "wb") as stream:
                    stream.write(srsly.msgpack_dumps([model, iterations]))
                code = 0
            finally:
                os._exit(code)
        try:
            here = meanwhile()
        except BaseException:
            os.kill(child, 9)
            os.waitpid(child, 0)
            raise
        _, status = os.waitpid(child, 0)
        if status != 0:
            raise RuntimeError("fitting in the worker process failed")
        with open(path, "rb") as stream:
            model, iterations = srsly.msgpack_loads(stream.read())
        return (bytes(model), [int(number) for number in iterations]), here
    finally:
        os.unlink(path)


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

"""The BiLSTM role labeller (`train --arch bilstm`, the default): trained on a PolNeAR dev
sample it beats the untrained network on held-out documents, loads in suggest, and the
same data and seed give the same model, byte for byte."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from polnear_support import run_in_process
from test_model import HELD_OUT_DOCS, TRAIN_DOCS, _subset

pytest.importorskip("torch", reason="the BiLSTM labeller needs PyTorch (pip install -e '.[model]')")

EPOCHS = "15"  # 19 documents: the network needs this many passes to find sources


@pytest.fixture(scope="module")
def neural(tmp_path_factory):
    from polnear_support import import_compartment

    base = tmp_path_factory.mktemp("polnear-neural")
    corpus, journals = import_compartment("dev", base)
    ids = sorted(json.loads(line)["id"] for line in corpus.read_text(encoding="utf-8").splitlines())
    train_corpus, train_journals = _subset(corpus, journals, ids[:TRAIN_DOCS], base / "train")
    held = _subset(corpus, journals, ids[-HELD_OUT_DOCS:], base / "held")
    model_dir = base / "model"
    result = run_in_process("train", train_journals, "--corpus", train_corpus, "-o", model_dir,
                            "--epochs", EPOCHS, "--iterations", "10", "--dev-share", "0.2", "--seed", "3")
    assert result.returncode == 0, result.stderr
    return model_dir, train_corpus, train_journals, held


def _scores(model, held, path):
    held_corpus, held_journals = held
    result = run_in_process("suggest", held_corpus, "-o", path, "--model", model)
    assert result.returncode == 0, result.stderr
    report = run_in_process("evaluate", path, held_journals, "--corpus", held_corpus, "--json", "--bootstrap", "0")
    assert report.returncode == 0, report.stderr
    return json.loads(report.stdout)["scores"]


def test_bilstm_is_the_default_and_beats_the_untrained_network(neural, tmp_path):
    model_dir, train_corpus, train_journals, held = neural
    meta = json.loads((model_dir / "meta.json").read_text(encoding="utf-8"))["annotator_model"]
    assert meta["settings"]["role_arch"] == "bilstm"
    assert (model_dir / "attribution_model" / "roles.bilstm").is_file()
    untrained = tmp_path / "untrained"  # one pass over the data: nearly untrained
    result = run_in_process("train", train_journals, "--corpus", train_corpus, "-o", untrained,
                            "--epochs", "1", "--iterations", "10", "--dev-share", "0")
    assert result.returncode == 0, result.stderr
    trained = _scores(model_dir, held, tmp_path / "trained.jsonl")
    baseline = _scores(untrained, held, tmp_path / "untrained.jsonl")
    for target, mode in (("content", "exact"), ("source", "exact"), ("relation", "exact")):
        assert (trained[target][mode]["f1"] or 0) > (baseline[target][mode]["f1"] or 0) + 0.1, (target, mode)
    assert trained["content"]["overlap"]["f1"] > 0.6


def test_same_data_and_seed_give_the_same_bilstm(neural, tmp_path):
    model_dir, train_corpus, train_journals, _ = neural
    again = tmp_path / "again"
    result = run_in_process("train", train_journals, "--corpus", train_corpus, "-o", again,
                            "--epochs", EPOCHS, "--iterations", "10", "--dev-share", "0.2", "--seed", "3")
    assert result.returncode == 0, result.stderr
    name = "attribution_model/roles.bilstm"
    assert (again / name).read_bytes() == (model_dir / name).read_bytes()


def test_embedding_rate_is_its_own_and_the_default_learns_faster(neural):
    """The sparse feature embeddings have their own learning rate (``embed_lr``): with it
    at 0 they stay as initialised; a larger rate for them (lr 0.004, embed_lr 0.03) labels
    held-out documents better after two epochs than the default 0.002 for both."""
    import numpy as np
    import srsly

    from annotator.model.frames import gold_frames, role_examples
    from annotator.model.learn import ROLE_LABELS, feature_pipeline, views
    from annotator.model.loop import TrainOptions, load_data
    from annotator.model.neural import NeuralTrainer

    _, train_corpus, train_journals, (held_corpus, held_journals) = neural
    options = TrainOptions(annotations=[train_journals], corpus=[train_corpus, held_corpus], out=Path("unused"),
                           dev=[held_journals])
    train, dev = load_data(options)
    nlp = feature_pipeline()

    def trainer(**settings) -> NeuralTrainer:
        fitted = NeuralTrainer(ROLE_LABELS, {"epochs": 2, **settings})
        for pairs, held in ((train.pairs, False), (dev.pairs, True)):
            records = {document.id: record for document, record in pairs}
            for document, view in views(nlp, [document for document, _ in pairs]):
                frames, _ = gold_frames(view, records[document.id].attributions)
                for sequence, labels in role_examples(view, frames):
                    fitted.append(sequence, labels, held_out=held)
        return fitted

    def embedding(model: bytes) -> np.ndarray:
        shape, raw = srsly.msgpack_loads(model)["weights"]["embed.weight"]
        return np.frombuffer(raw, dtype=np.float16).reshape(shape)

    untrained = trainer(epochs=0).train(seed=1)
    frozen = trainer(embed_lr=0.0)
    frozen_model = frozen.train(seed=1)
    assert np.array_equal(embedding(frozen_model), embedding(untrained))
    faster, default = trainer(lr=0.004, embed_lr=0.03), trainer()
    assert not np.array_equal(embedding(default.train(seed=1)), embedding(untrained))
    faster.train(seed=1)
    assert faster.held_f1 is not None and default.held_f1 is not None
    assert faster.held_f1 > default.held_f1, (faster.held_f1, default.held_f1)

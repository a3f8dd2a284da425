"""The BiLSTM role labeller (`train --arch bilstm`, the default): trained on a PolNeAR dev
sample it beats the untrained network on held-out documents, loads in suggest, and the
same data and seed give the same model, byte for byte."""

from __future__ import annotations

import json

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
    # the cue CRF runs in a forked worker beside the BiLSTM: its iterations still reach meta.json
    assert 0 < meta["settings"]["iterations_run"]["cues"] <= 10
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

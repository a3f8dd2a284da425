"""The BiLSTM labellers: the role labeller (the default) and the cue tagger (the default
from 50 training documents): trained on a PolNeAR dev sample the model beats the untrained
network on held-out documents, loads in suggest, and the same data and seed give the same
model, byte for byte."""

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
    # 19 training documents: "auto" picks the cue CRF (the BiLSTM from 50)
    assert (meta["settings"]["cue_arch"], meta["settings"]["cue_arch_used"]) == ("auto", "crf")
    # the cue CRF runs in a forked worker beside the BiLSTM: its iterations still reach meta.json
    assert 0 < meta["settings"]["iterations_run"]["cues"] <= 10
    assert (model_dir / "attribution_model" / "roles.bilstm").is_file()
    assert (model_dir / "attribution_model" / "cues.crfsuite").is_file()
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


def test_bilstm_cue_tagger_trains_in_its_worker_loads_and_is_deterministic(neural, tmp_path):
    """``--cue-arch bilstm``: the cue network is fitted in the forked worker (after this
    process has run torch: the fixture trained already), its best epoch reaches meta.json,
    ``suggest`` loads it, and a second run gives the same bytes."""
    import srsly

    from annotator.model.neural import ENSEMBLE_MAGIC

    _, train_corpus, train_journals, held = neural
    arguments = ("--cue-arch", "bilstm", "--epochs", "6", "--iterations", "10", "--dev-share", "0.2", "--seed", "3")
    first, second = tmp_path / "first", tmp_path / "second"
    for out in (first, second):
        result = run_in_process("train", train_journals, "--corpus", train_corpus, "-o", out, *arguments)
        assert result.returncode == 0, result.stderr
    meta = json.loads((first / "meta.json").read_text(encoding="utf-8"))["annotator_model"]
    assert (meta["settings"]["cue_arch"], meta["settings"]["cue_arch_used"]) == ("bilstm", "bilstm")
    # two cue networks (cue_members) from seeds 3 and 4, each with its best epoch
    assert 0 < meta["settings"]["iterations_run"]["cues"] <= 6
    assert 0 < meta["settings"]["iterations_run"]["cues_2"] <= 6
    assert meta["settings"]["cue_threshold_used"] == 0.6
    assert 'cue_threshold = 0.6' in (first / "config.cfg").read_text(encoding="utf-8")
    stored = srsly.msgpack_loads((first / "attribution_model" / "cues.bilstm").read_bytes())
    assert stored["magic"] == ENSEMBLE_MAGIC and len(stored["members"]) == 2
    assert stored["members"][0] != stored["members"][1]
    assert not (first / "attribution_model" / "cues.crfsuite").exists()
    for name in ("cues.bilstm", "roles.bilstm"):
        assert (first / "attribution_model" / name).read_bytes() == (second / "attribution_model" / name).read_bytes()
    scores = _scores(first, held, tmp_path / "suggested.jsonl")
    assert (scores["cue"]["overlap"]["f1"] or 0) > 0.3 and (scores["content"]["overlap"]["f1"] or 0) > 0.5


def test_shared_dropout_keeps_one_mask_per_sequence():
    """``shared_dropout`` (the default): each sequence drops the same units at every token
    (variational dropout), so the random draw is per sequence, not per token; the
    per-token mask of the earlier networks stays available."""
    import torch

    from annotator.model.neural import DEFAULT_NET, _build_net

    assert DEFAULT_NET["shared_dropout"] == 1
    torch.manual_seed(0)
    shared = _build_net(torch, 5, {**DEFAULT_NET, "dropout": 0.5})
    shared.train()
    out = shared.dropout(torch.ones(3, 40, 16))
    assert torch.equal(out, out[:, :1, :].expand_as(out))  # the same units dropped at every token
    assert 0 < int((out[:, 0, :] == 0).sum()) < 3 * 16  # some units dropped, not all
    assert not torch.equal(out[0, 0], out[1, 0])  # sequences draw their own masks
    per_token = _build_net(torch, 5, {**DEFAULT_NET, "dropout": 0.5, "shared_dropout": 0})
    per_token.train()
    out = per_token.dropout(torch.ones(3, 40, 16))
    assert not torch.equal(out, out[:, :1, :].expand_as(out))
    shared.eval()
    assert torch.equal(shared.dropout(torch.ones(2, 5, 16)), torch.ones(2, 5, 16))  # no dropout when labelling


def test_only_trained_embedding_rows_are_stored_and_loading_restores_the_rest():
    """A BiLSTM file stores the feature-embedding rows training touched; loading draws the
    others again from the stored seed, so the loaded network equals the trained one."""
    import numpy as np
    import srsly
    import torch

    from annotator.model.neural import DEFAULT_NET, NeuralTagger, _build_net, serialise

    settings = {**DEFAULT_NET, "buckets": 1 << 12, "dim": 8, "hidden": 8, "embed_seed": 7}
    labels = ["O", "B-C", "I-C"]
    net = _build_net(torch, len(labels), settings)
    trained = np.array([3, 17, 400, 4095])
    with torch.no_grad():
        net.embed.weight[torch.from_numpy(trained)] += 0.5  # as if training had moved them
    compact, whole = serialise(net, labels, settings, trained), serialise(net, labels, settings)
    assert len(compact) < len(whole) / 10
    stored = srsly.msgpack_loads(compact)
    assert stored["weights"]["embed.weight"][0] == [4, 8]
    a, b = NeuralTagger(compact), NeuralTagger(whole)
    for name, tensor in a.members[0].net.state_dict().items():
        assert torch.equal(tensor, b.members[0].net.state_dict()[name]), name
    sequence = [["w=said", "s=xxxx"], ["w=unseen-word", "s=x"], ["w=it", "s=xx"]]
    (labels_a, probs_a), (labels_b, probs_b) = a.label([sequence])[0], b.label([sequence])[0]
    assert labels_a == labels_b and np.array_equal(probs_a, probs_b)
    other_seed = NeuralTagger(serialise(net, labels, {**settings, "embed_seed": 8}, trained))
    assert not torch.equal(other_seed.members[0].net.embed.weight, a.members[0].net.embed.weight)  # the seed decides the rest
    stored["embed_rows"] = np.array([3, 17, 400, 4096], dtype=np.int32).tobytes()  # a row past the end
    with pytest.raises(ValueError, match="embedding rows"):
        NeuralTagger(srsly.msgpack_dumps(stored))


def test_an_ensemble_labeller_averages_its_members_probabilities():
    """``pack_members``: several networks in one labeller file; labelling gives the mean
    of the members' probabilities and the BIO-valid labels of that mean. One member stays
    a plain file; members that label differently are refused."""
    import numpy as np
    import srsly
    import torch

    from annotator.model.neural import DEFAULT_NET, NeuralTagger, _build_net, pack_members, serialise

    labels = ["O", "B-CUE", "I-CUE"]
    files = []
    for seed in (1, 2):
        settings = {**DEFAULT_NET, "buckets": 1 << 10, "dim": 8, "hidden": 8, "embed_seed": seed}
        torch.manual_seed(seed)
        files.append(serialise(_build_net(torch, len(labels), settings), labels, settings))
    assert pack_members(files[:1]) == files[0]
    both = NeuralTagger(pack_members(files))
    sequences = [[["w=he"], ["w=said"], ["w=that"]], [["w=officials"], ["w=told"], ["w=reporters"], ["w=."]]]
    singles = [NeuralTagger(f).label(sequences) for f in files]
    for k, (found, probs) in enumerate(both.label(sequences)):
        first, second = singles[0][k][1], singles[1][k][1]
        assert not np.allclose(first, second)  # the members differ
        assert np.allclose(probs, (first + second) / 2)
        assert len(found) == len(sequences[k]) and found[0] != "I-CUE"
    other = srsly.msgpack_loads(files[1])
    other["labels"] = ["O", "B-C", "I-C"]
    with pytest.raises(ValueError, match="share their labels"):
        NeuralTagger(pack_members([files[0], srsly.msgpack_dumps(other)]))
    for broken in (b"\xc1garbage", pack_members([files[0], b"\xc1garbage"])):
        with pytest.raises(ValueError, match="unreadable msgpack"):
            NeuralTagger(broken)


def test_feature_dropout_leaves_out_features_of_each_token_in_training_only():
    """``feature_dropout`` (0.1 by default): in training each feature of each token is left
    out at that rate, the per-token counts follow, and a rate of 0 leaves the bag whole."""
    import numpy as np

    from annotator.model.neural import DEFAULT_NET, _drop_features, hash_sequence

    assert DEFAULT_NET["feature_dropout"] == 0.1
    sequence = [[f"w=token{t}", "s=xxxx", f"l=lemma{t}", "q=0", "rc="] for t in range(200)]
    ids, counts = hash_sequence(sequence, 1 << 18)
    kept, kept_counts = _drop_features(ids, counts, 0.1, np.random.default_rng(0))
    assert kept_counts.sum() == len(kept) and (kept_counts <= counts).all()
    assert 0.85 * len(ids) < len(kept) < 0.95 * len(ids)  # about a tenth left out
    starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
    kept_starts = np.concatenate([[0], np.cumsum(kept_counts)[:-1]])
    for t in range(len(counts)):  # what a token keeps is a subset of its own features
        own = set(ids[starts[t] : starts[t] + counts[t]].tolist())
        assert set(kept[kept_starts[t] : kept_starts[t] + kept_counts[t]].tolist()) <= own
    whole, whole_counts = _drop_features(ids, counts, 0.0, np.random.default_rng(0))
    assert np.array_equal(whole, ids) and np.array_equal(whole_counts, counts)

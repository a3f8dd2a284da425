"""`annotator evaluate` on real multi-annotator data (PolNeAR annotator-training and dev)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from annotator.evaluate import evaluate
from annotator.records import load_documents, per_document, read_journals
from polnear_support import import_compartment, run_cli, run_in_process


@pytest.fixture(scope="module")
def training(tmp_path_factory) -> tuple[Path, Path]:
    return import_compartment("annotator-training", tmp_path_factory.mktemp("at"))


def run_json(*args) -> dict:
    result = run_in_process("evaluate", *args, "--json")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def f1s(report: dict) -> dict[tuple[str, str], float]:
    return {(t, m): block["f1"] for t, modes in report["scores"].items() for m, block in modes.items()}


def test_an_annotator_against_itself_scores_one(training):
    corpus, journals = training
    journal = journals / "4b22.jsonl"
    report = run_json(journal, journal, "--corpus", corpus)
    assert report["documents"] == 4 and report["documents_predicted"] == 4
    assert set(f1s(report).values()) == {1.0}
    assert report["scores"]["relation"]["exact"]["gold"] > 40
    assert report["scores"]["content"]["exact"]["ci"]["f1"] == [1.0, 1.0]


def test_two_annotators_score_in_a_plausible_band_and_swap_symmetrically(training):
    corpus, journals = training
    a, b = journals / "4b22.jsonl", journals / "d473.jsonl"
    forward = run_json(a, b, "--corpus", corpus)
    backward = run_json(b, a, "--corpus", corpus)
    for target, modes in forward["scores"].items():
        for mode, block in modes.items():
            other = backward["scores"][target][mode]
            assert block["f1"] == pytest.approx(other["f1"])
            assert block["precision"] == pytest.approx(other["recall"])
            assert block["pred"] == other["gold"]
    scores = f1s(forward)
    # Trained annotators agree well but not perfectly; overlap is at least as lenient as exact.
    for target in ("source", "cue", "content", "relation"):
        assert 0.4 < scores[(target, "exact")] <= scores[(target, "overlap")] < 1.0
    # The interval holds the point estimate.
    block = forward["scores"]["content"]["overlap"]
    low, high = block["ci"]["f1"]
    assert low <= block["f1"] <= high


def test_type_breakdown_partitions_the_totals(training):
    corpus, journals = training
    report = run_json(journals / "5fec.jsonl", journals / "6b86.jsonl", "--corpus", corpus)
    assert list(report["by_type"])[:3] == ["direct", "indirect", "mixed"]
    for target in ("content", "relation"):
        for mode in ("exact", "overlap"):
            total = report["scores"][target][mode]
            parts = [blocks[target][mode] for blocks in report["by_type"].values()]
            for name in ("pred", "gold", "pred_matched", "gold_matched"):
                assert sum(part[name] for part in parts) == total[name]


def test_missing_prediction_counts_as_all_missed(training, tmp_path):
    corpus, journals = training
    gold_file = journals / "4e07.jsonl"
    lines = gold_file.read_text(encoding="utf-8").splitlines(keepends=True)
    partial = tmp_path / "partial.jsonl"
    partial.write_text("".join(lines[1:]), encoding="utf-8")
    report = run_json(partial, gold_file, "--corpus", corpus)
    relation = report["scores"]["relation"]["exact"]
    assert report["documents_predicted"] == 3
    assert relation["precision"] == 1.0
    dropped = len(json.loads(lines[0])["attributions"])
    assert relation["gold"] - relation["gold_matched"] == dropped > 0


def test_first_gold_annotator_per_document_in_the_order_given(training):
    corpus, journals = training
    files = sorted(journals.glob("*.jsonl"))
    report = run_json(files[0], *files, "--corpus", corpus)
    assert report["gold_annotators"] == {files[0].stem: 4}
    assert f1s(report)[("relation", "exact")] == 1.0
    chosen = run_json(files[0], *files, "--corpus", corpus, "--gold-annotator", files[1].stem)
    assert chosen["gold_annotators"] == {files[1].stem: 4}
    assert f1s(chosen)[("relation", "exact")] < 1.0


def test_bootstrap_is_deterministic(training):
    corpus, journals = training
    documents = load_documents(corpus)
    gold = per_document(read_journals([journals / "4b22.jsonl"]))
    pred = per_document(read_journals([journals / "ef2d.jsonl"]))
    first = evaluate(documents, pred, gold, resamples=200)
    second = evaluate(documents, pred, gold, resamples=200)
    assert first == second
    other_seed = evaluate(documents, pred, gold, resamples=200, seed=1)
    assert other_seed["scores"]["cue"]["exact"]["f1"] == first["scores"]["cue"]["exact"]["f1"]


def test_dev_first_annotator_of_each_document(tmp_path):
    corpus, journals = import_compartment("dev", tmp_path)
    files = sorted(journals.glob("*.jsonl"))
    merged = tmp_path / "all.jsonl"
    merged.write_bytes(b"".join(path.read_bytes() for path in files))
    report = run_json(merged, *files, "--corpus", corpus)
    assert report["documents"] == 84
    assert set(f1s(report).values()) == {1.0}
    # The human-readable table.
    table = run_in_process("evaluate", files[1], *files, "--corpus", corpus)
    assert table.returncode == 0 and "relation" in table.stdout and "F1 95% CI" in table.stdout


def test_a_changed_text_is_one_line_error_naming_the_journal(training, tmp_path):
    corpus, journals = training
    lines = (journals / "4b22.jsonl").read_text(encoding="utf-8").splitlines(keepends=True)
    record = json.loads(lines[1])
    record["text_sha1"] = "0" * 40
    broken = tmp_path / "broken.jsonl"
    broken.write_text(lines[0] + json.dumps(record) + "\n", encoding="utf-8")
    result = run_cli("evaluate", journals / "4b22.jsonl", broken, "--corpus", corpus)
    assert result.returncode == 1
    assert result.stderr.count("\n") == 1 and f"{broken}:2:" in result.stderr
    assert "Traceback" not in result.stderr

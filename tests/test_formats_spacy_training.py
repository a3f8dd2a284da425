"""SLOW-ISH (about 60 s, required by the export issue): the exported DocBins and the config
written by ``export --format spacy --config`` (a span categorizer over SOURCE, CUE and
CONTENT in doc.spans["attribution"]) pass ``spacy debug data`` without errors and ``spacy
train`` runs (a few steps) on a small PolNeAR sample, both started from another folder
than the one the config was written from. Skips without PolNeAR."""

from __future__ import annotations

import shutil
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from annotator.cli import app
from annotator.corpus import write_corpus_jsonl
from annotator.formats.brat import read_brat
from annotator.store import Journal
from test_formats_polnear import polnear_root

TRAIN = polnear_root() / "train"
SAMPLE_DOCUMENTS = 150  # spaCy's debug data wants at least 100 training docs for a new pipeline


@pytest.mark.skipif(not (TRAIN / "text").is_dir(), reason=f"PolNeAR train not found at {TRAIN}")
def test_spacy_debug_data_is_clean_and_train_runs(tmp_path, monkeypatch):
    # A sample of PolNeAR train in a temporary folder (never in the repository): the first
    # SAMPLE_DOCUMENTS articles with one annotator's file each.
    sample = tmp_path / "sample"
    (sample / "text").mkdir(parents=True)
    (sample / "attributions").mkdir()
    for text in sorted((TRAIN / "text").glob("*.txt")):
        annotations = sorted((TRAIN / "attributions").glob(f"{text.stem}_*.ann"))
        if annotations:
            shutil.copy(text, sample / "text" / text.name)
            shutil.copy(annotations[0], sample / "attributions" / annotations[0].name)
        if len(list((sample / "text").iterdir())) == SAMPLE_DOCUMENTS:
            break
    imported = read_brat(sample)
    records, documents = imported.records, imported.documents
    assert len(records) == len(documents) == SAMPLE_DOCUMENTS
    write_corpus_jsonl(documents, tmp_path / "corpus.jsonl")
    Journal(tmp_path / "gold.jsonl").append_many(records)
    written_from, elsewhere = tmp_path / "written-from", tmp_path / "elsewhere"
    written_from.mkdir()
    elsewhere.mkdir()
    monkeypatch.chdir(written_from)  # relative paths, as a user in that folder types them
    result = CliRunner().invoke(app, [
        "export", "../gold.jsonl", "--corpus", "../corpus.jsonl",
        "--format", "spacy", "-o", "../train.spacy", "--dev-out", "../dev.spacy",
        "--dev-share", "0.2", "--config", "config.cfg",
    ])
    assert result.exit_code == 0, result.output
    config = (written_from / "config.cfg").read_text(encoding="utf-8")
    assert f'train = "{tmp_path / "train.spacy"}"' in config and '"spancat"' in config.split("pipeline = ")[1].split("\\n")[0]
    assert 'spans_key = "attribution"' in config
    debug = subprocess.run(
        [sys.executable, "-m", "spacy", "debug", "data", str(written_from / "config.cfg")],
        capture_output=True, text=True, cwd=elsewhere, timeout=300,
    )
    assert debug.returncode == 0, debug.stdout + debug.stderr
    assert "✘" not in debug.stdout, debug.stdout
    assert "Corpus is loadable" in debug.stdout
    assert "Spans Key   Labels" in debug.stdout or "attribution" in debug.stdout, debug.stdout
    for label in ("SOURCE", "CUE", "CONTENT"):
        assert label in debug.stdout
    train = subprocess.run(
        [sys.executable, "-m", "spacy", "train", str(written_from / "config.cfg"), "--output", "model",
         "--training.max_steps", "3", "--training.eval_frequency", "3",
         # An untrained span finder proposes many long candidates: evaluating on a few
         # documents keeps this test to about a minute of CPU.
         "--corpora.dev.limit", "3"],
        capture_output=True, text=True, cwd=elsewhere, timeout=600,
    )
    assert train.returncode == 0, train.stdout + train.stderr
    assert (elsewhere / "model" / "model-last" / "spancat").is_dir()
    assert (elsewhere / "model" / "model-last" / "span_finder").is_dir()

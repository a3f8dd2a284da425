"""SLOW-ISH (about 30 s, required by the export issue): the exported DocBins and the config
written by ``export --format spacy --config`` pass ``spacy debug data`` without errors and
``spacy train`` runs (a few steps) on a small PolNeAR sample. Skips without PolNeAR."""

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
def test_spacy_debug_data_is_clean_and_train_runs(tmp_path):
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
    result = CliRunner().invoke(app, [
        "export", str(tmp_path / "gold.jsonl"), "--corpus", str(tmp_path / "corpus.jsonl"),
        "--format", "spacy", "-o", str(tmp_path / "train.spacy"), "--dev-out", str(tmp_path / "dev.spacy"),
        "--dev-share", "0.2", "--config", str(tmp_path / "config.cfg"),
    ])
    assert result.exit_code == 0, result.output
    debug = subprocess.run(
        [sys.executable, "-m", "spacy", "debug", "data", str(tmp_path / "config.cfg")],
        capture_output=True, text=True, cwd=tmp_path, timeout=300,
    )
    assert debug.returncode == 0, debug.stdout + debug.stderr
    assert "✘" not in debug.stdout, debug.stdout
    assert "Corpus is loadable" in debug.stdout and "3 label(s)" in debug.stdout
    train = subprocess.run(
        [sys.executable, "-m", "spacy", "train", str(tmp_path / "config.cfg"), "--output", str(tmp_path / "model"),
         "--training.max_steps", "3", "--training.eval_frequency", "3"],
        capture_output=True, text=True, cwd=tmp_path, timeout=300,
    )
    assert train.returncode == 0, train.stdout + train.stderr
    assert (tmp_path / "model" / "model-last" / "ner").is_dir()

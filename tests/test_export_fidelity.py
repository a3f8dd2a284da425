"""What exports carry on real data (PolNeAR dev), beyond the spans: document metadata and
record times through BRAT, status and times through Prodigy and doccano; and a record
whose spans do not fit its document is refused by every format (one line naming the
journal line, no output), never written out with offsets beyond the text.

Skips, saying why, when PolNeAR is absent (set ANNOTATOR_POLNEAR_DIR)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from annotator.store import journal_files, load_journals
from polnear_support import import_compartment, run_cli, run_in_process

FORMATS = ["jsonl", "spacy", "prodigy", "doccano", "labelstudio", "brat", "conll"]


@pytest.fixture(scope="module")
def dev(tmp_path_factory) -> tuple[Path, Path]:
    return import_compartment("dev", tmp_path_factory.mktemp("dev"))


@pytest.fixture(scope="module")
def training(tmp_path_factory) -> tuple[Path, Path]:
    return import_compartment("annotator-training", tmp_path_factory.mktemp("at"))


def corpus_documents(path: Path) -> dict[str, dict]:
    return {value["id"]: value for value in map(json.loads, path.read_text(encoding="utf-8").splitlines())}


def latest(folder: Path) -> dict:
    return load_journals(journal_files(folder), quarantine=False).latest


def round_trip(name: str, corpus: Path, journals: Path, tmp_path: Path, *extra) -> tuple[Path, Path, str]:
    tmp_path.mkdir(parents=True, exist_ok=True)
    out = tmp_path / f"out-{name}"
    exported = run_in_process("export", journals, "--corpus", corpus, "--format", name, "-o", out, *extra)
    assert exported.returncode == 0, exported.stderr
    back = tmp_path / f"back-{name}"
    imported = run_in_process("import", out, "--format", name, "-o", back.with_suffix(".jsonl"),
                              "--annotations-out", back)
    assert imported.returncode == 0, imported.stderr
    return back.with_suffix(".jsonl"), back, exported.stderr


def test_brat_round_trip_keeps_metadata_and_record_times(dev, tmp_path):
    corpus, journals = dev
    back_corpus, back_journals, _ = round_trip("brat", corpus, journals, tmp_path)
    before, after = corpus_documents(corpus), corpus_documents(back_corpus)
    assert before.keys() == after.keys() and len(before) == 84
    for doc_id, document in before.items():
        meta = {key: value for key, value in document["meta"].items() if key != "source"}
        assert {key: value for key, value in after[doc_id]["meta"].items() if key != "source"} == meta
        assert after[doc_id]["text"] == document["text"]
    # Publisher, author, compartment and the annotators' order really are there (PolNeAR's columns).
    sample = next(iter(after.values()))["meta"]
    assert {"publisher", "author", "compartment", "annotators"} <= sample.keys()
    # Records come back whole, updated_at included (the .ann file's time).
    assert latest(back_journals) == latest(journals)


def test_brat_counts_metadata_it_cannot_carry(training, tmp_path):
    corpus, journals = training
    lines = corpus.read_text(encoding="utf-8").splitlines()
    first = json.loads(lines[0])
    first["meta"]["url"] = "https://example.org/a"  # no column for it in metadata.tsv
    changed = tmp_path / "corpus.jsonl"
    changed.write_text("\n".join([json.dumps(first), *lines[1:]]) + "\n", encoding="utf-8")
    result = run_in_process("export", journals, "--corpus", changed, "--format", "brat", "-o", tmp_path / "b")
    assert result.returncode == 0, result.stderr
    assert "warning: brat: 1 document metadata values not carried" in result.stderr


def test_prodigy_and_doccano_keep_status_and_time(dev, tmp_path):
    corpus, journals = dev
    # One record in progress and one skipped, with times to the microsecond.
    work = tmp_path / "journals"
    work.mkdir()
    statuses = iter(["in_progress", "skipped"])
    for path in journal_files(journals):
        lines = path.read_text(encoding="utf-8").splitlines()
        status = next(statuses, None)
        if status is not None:
            record = json.loads(lines[0])
            record["status"] = status
            record["updated_at"] = "2026-02-03T04:05:06.789012+00:00"
            lines[0] = json.dumps(record)
        (work / path.name).write_text("\n".join(lines) + "\n", encoding="utf-8")
    expected = latest(work)
    assert {record.status.value for record in expected.values()} == {"done", "in_progress", "skipped"}
    for name in ("prodigy", "doccano"):
        _, back, warnings = round_trip(name, corpus, work, tmp_path / name, "--status", "any")
        assert "record status" not in warnings, warnings
        got = latest(back)
        assert got.keys() == expected.keys()
        for key, record in expected.items():
            rebuilt = got[key]
            assert (rebuilt.status, rebuilt.updated_at) == (record.status, record.updated_at), (name, key)
            # Ids are renumbered (and counted in the warnings); the spans are the same.
            assert [a.model_copy(update={"id": "x"}) for a in rebuilt.attributions] == [
                a.model_copy(update={"id": "x", "type": b.type}) for a, b in zip(record.attributions, rebuilt.attributions)
            ]
        assert f"{sum(len(r.attributions) for r in expected.values())} attribution ids not carried" in warnings


def broken_journal(journals: Path, target: Path) -> tuple[Path, int]:
    """A copy of one journal whose second line has a content span beyond the text."""
    source = sorted(journals.glob("*.jsonl"))[0]
    lines = source.read_text(encoding="utf-8").splitlines()
    record = json.loads(lines[1])
    record["attributions"][0]["content"].update(start=10**6 - 5, end=10**6)
    lines[1] = json.dumps(record)
    target.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return target, 2


@pytest.mark.parametrize("name", FORMATS)
def test_a_record_that_does_not_fit_its_document_is_refused(training, tmp_path, name):
    corpus, journals = training
    journal, line = broken_journal(journals, tmp_path / "broken.jsonl")
    out = tmp_path / "out"
    result = run_in_process("export", journal, "--corpus", corpus, "--format", name, "-o", out)
    assert result.returncode == 1
    assert result.stderr.startswith(f"annotator: error: {journal}:{line}: ") and "beyond the text" in result.stderr
    assert not out.exists() and [p.name for p in tmp_path.iterdir()] == ["broken.jsonl"]


def test_the_refusal_is_one_line_without_a_traceback(training, tmp_path):
    corpus, journals = training
    journal, line = broken_journal(journals, tmp_path / "broken.jsonl")
    result = run_cli("export", journal, "--corpus", corpus, "--format", "brat", "-o", tmp_path / "b")
    assert result.returncode == 1 and "Traceback" not in result.stderr
    assert result.stderr.count("\n") == 1 and f"{journal}:{line}:" in result.stderr


def test_brat_import_names_the_attribution_a_span_beyond_the_text_costs(dev, tmp_path):
    corpus, journals = dev
    out = tmp_path / "brat"
    assert run_in_process("export", journals, "--corpus", corpus, "--format", "brat", "-o", out).returncode == 0
    ann = sorted((out / "attributions").glob("*.ann"))[0]
    lines = ann.read_text(encoding="utf-8").splitlines()
    label, offsets = lines[0].split("\t")[1].split(" ", 1)
    start = offsets.split()[0]
    lines[0] = "\t".join([lines[0].split("\t")[0], f"{label} {start} 1000000", lines[0].split("\t")[2]])
    ann.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = run_in_process("import", out, "--format", "brat", "-o", tmp_path / "c.jsonl",
                            "--annotations-out", tmp_path / "ann")
    assert result.returncode == 0, result.stderr
    assert "1 attributions with a span beyond the text (left out)" in result.stderr
    assert f"{ann}:1: span T1 ends beyond the text" in result.stderr and "attribution E1 left out" in result.stderr
    assert "outside any event" not in result.stderr
    total = sum(len(record.attributions) for record in latest(tmp_path / "ann").values())
    assert total == sum(len(record.attributions) for record in latest(journals).values()) - 1

"""BRAT import of PolNeAR: documents, one journal per annotator, fragments, nothing silently lost."""

from __future__ import annotations

from collections import Counter

import pytest

from annotator.formats.brat import parse_ann, read_brat
from annotator.schema import record_problems
from annotator.store import load_journals


@pytest.fixture(scope="module")
def training(polnear_dir):
    return read_brat(polnear_dir / "annotator-training")


def count_events(ann_dir) -> Counter:
    """Attribution events with a content, per annotation file, read straight from the files."""
    counts = Counter()
    for path in ann_dir.glob("*.ann"):
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.startswith("E") and "Content" in line:
                counts[path.stem] += 1
    return counts


def test_training_articles_have_six_annotators_each(training, polnear_dir):
    assert len(training.documents) == 4
    assert training.annotators == ["4b22", "4e07", "5fec", "6b86", "d473", "ef2d"]
    per_doc = Counter(record.doc_id for record in training.records)
    assert set(per_doc.values()) == {6}
    expected = count_events(polnear_dir / "annotator-training" / "attributions")
    got = {f"{record.doc_id}_{record.annotator}": len(record.attributions) for record in training.records}
    assert got == dict(expected)


def test_every_span_fits_the_text_and_titles_come_from_metadata(training):
    documents = {doc.id: doc for doc in training.documents}
    for record in training.records:
        assert record_problems(record, documents[record.doc_id]) == []
    titled = documents["breitbart_2016-03-11_afghanistan-thrash-zimbabwe-in-w"]
    assert titled.meta.title == "Afghanistan thrash Zimbabwe in World Twenty20"
    assert str(titled.meta.date) == "2016-03-11"


def test_discontinuous_contents_keep_their_fragments(training, polnear_dir):
    ann_dir = polnear_dir / "annotator-training" / "attributions"
    path = next(p for p in sorted(ann_dir.glob("*.ann")) if ";" in p.read_text(encoding="utf-8"))
    parsed = parse_ann(path.read_text(encoding="utf-8"), path)
    split = {tb.id: tb.pieces for tb in parsed.spans.values() if len(tb.pieces) > 1 and tb.label == "Content"}
    assert split
    doc_id, annotator = path.stem.rsplit("_", 1)
    record = next(r for r in training.records if (r.doc_id, r.annotator) == (doc_id, annotator))
    fragments = {tuple(map(tuple, a.content.fragments)) for a in record.attributions if a.content.fragments}
    for pieces in split.values():
        merged = []
        for start, end in pieces:  # adjacent pieces merge into one
            if merged and start <= merged[-1][1]:
                merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
            else:
                merged.append((start, end))
        if len(merged) > 1:
            assert tuple(merged) in fragments


def test_cli_import_writes_corpus_and_journals_and_reports_unmapped(cli, polnear_dir, tmp_path):
    corpus, folder = tmp_path / "corpus.jsonl", tmp_path / "ann"
    result = cli(
        "import", polnear_dir / "annotator-training", "--format", "brat", "-o", corpus,
        "--annotations-out", folder,
    )
    assert result.returncode == 0, result.stderr
    assert "4 document(s)" in result.stdout and "by 6 annotator(s)" in result.stdout
    assert "Discuss marks" in result.stderr  # counted, not silently dropped
    journals = sorted(folder.glob("*.jsonl"))
    assert [path.stem for path in journals] == ["4b22", "4e07", "5fec", "6b86", "d473", "ef2d"]
    contents = load_journals(journals)
    assert not contents.problems and len(contents.latest) == 24
    check = cli("validate", *journals, "--corpus", corpus)
    assert check.returncode == 0, check.stdout


def test_brat_import_without_annotations_folder_is_refused(cli, polnear_dir, tmp_path):
    out = tmp_path / "corpus.jsonl"
    result = cli("import", polnear_dir / "annotator-training", "--format", "brat", "-o", out)
    assert result.returncode == 1 and "--annotations-out" in result.stderr
    assert not out.exists()

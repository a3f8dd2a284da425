"""Exports on real data: PolNeAR dev through BRAT and back keeps every fragment, every
format is written from the same journals, and what comes back matches the journals.

Skips, saying why, when PolNeAR is absent (set ANNOTATOR_POLNEAR_DIR)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from typer.testing import CliRunner

from annotator.cli import app
from annotator.formats.brat import parse_ann, read_brat
from annotator.formats.common import span_signature
from annotator.store import journal_files, load_journals

REPO_ROOT = Path(__file__).resolve().parent.parent


def polnear_root() -> Path:
    configured = os.environ.get("ANNOTATOR_POLNEAR_DIR")
    if configured:
        return Path(configured)
    for base in (REPO_ROOT.parent, REPO_ROOT.parent.parent):
        candidate = base / "shared" / "data" / "polnear"
        if candidate.is_dir():
            return candidate
    return REPO_ROOT.parent / "shared" / "data" / "polnear"


DEV = polnear_root() / "dev"
needs_polnear = pytest.mark.skipif(
    not (DEV / "text").is_dir(), reason=f"PolNeAR dev not found at {DEV} (set ANNOTATOR_POLNEAR_DIR)"
)
runner = CliRunner()


def run(*args) -> str:
    result = runner.invoke(app, [str(arg) for arg in args])
    assert result.exit_code == 0, (result.output, result.exception)
    return result.output


@pytest.fixture(scope="module")
def dev_import(tmp_path_factory):
    folder = tmp_path_factory.mktemp("dev")
    run("import", DEV, "--format", "brat", "-o", folder / "dev.jsonl", "--annotations-out", folder / "ann")
    return folder / "dev.jsonl", folder / "ann"


def covered(path: Path) -> list[dict[str, frozenset[int]]]:
    """Per attribution event of a .ann file: the characters each role covers."""
    parsed = parse_ann(path.read_text(encoding="utf-8"), path)
    events = []
    for event in parsed.events:
        roles: dict[str, set[int]] = {}
        for role, target in event.roles:
            if role in {"Source", "Cue", "Content"}:
                for start, end in parsed.spans[target].pieces:
                    roles.setdefault(role, set()).update(range(start, end))
        if "Content" in roles:
            events.append({role: frozenset(chars) for role, chars in roles.items()})
    return events


@needs_polnear
def test_polnear_dev_through_brat_and_back_keeps_every_fragment(dev_import, tmp_path):
    corpus, annotations = dev_import
    out = tmp_path / "brat"
    output = run("export", annotations, "--corpus", corpus, "--format", "brat", "-o", out)
    assert "84 document(s), 94 annotation file(s)" in output
    assert (out / "annotation.conf").is_file() and (out / "metadata.tsv").is_file()
    original_files = sorted((DEV / "attributions").glob("*.ann"))
    assert len(original_files) == 94
    for original in original_files:
        exported = out / "attributions" / original.name
        assert exported.is_file(), original.name
        before, after = covered(original), covered(exported)
        assert after == before, original.name  # same attributions, same characters per role, same order
        assert (out / "text" / original.name.rsplit("_", 1)[0]).with_suffix(".txt").read_bytes() == (
            DEV / "text" / original.name.rsplit("_", 1)[0]).with_suffix(".txt").read_bytes()
    # Read back: the same records, span for span, fragment for fragment.
    first, second = read_brat(DEV), read_brat(out)
    assert {r.key: [span_signature(a) for a in r.attributions] for r in first.records} == {
        r.key: [span_signature(a) for a in r.attributions] for r in second.records}
    assert sum(len(a.content.pieces) for r in second.records for a in r.attributions) > 2319
    assert not second.unmapped and not second.problems


@needs_polnear
def test_every_format_is_written_from_the_same_journals(dev_import, tmp_path):
    corpus, annotations = dev_import
    journal = load_journals(journal_files(annotations), quarantine=False)
    expected = {key: [span_signature(a) for a in record.attributions] for key, record in journal.latest.items()}
    total = sum(len(spans) for spans in expected.values())
    outputs = {}
    for name, target in [("jsonl", "x.jsonl"), ("spacy", "x.spacy"), ("prodigy", "p.jsonl"),
                         ("doccano", "d.jsonl"), ("labelstudio", "l.json"), ("brat", "brat"), ("conll", "conll")]:
        result = runner.invoke(app, ["export", str(annotations), "--corpus", str(corpus), "--format", name,
                                     "-o", str(tmp_path / target)])
        assert result.exit_code == 0, (name, result.output)
        outputs[name] = (tmp_path / target, result.output)
    # Formats without discontinuous spans or frames say so, with counts.
    discontinuous = sum(
        1 for record in journal.latest.values() for a in record.attributions
        for span in (a.source, a.cue, a.content) if span is not None and span.fragments
    )
    assert discontinuous > 300
    for name in ("doccano", "labelstudio", "prodigy"):
        assert f"{discontinuous} discontinuous spans" in outputs[name][1], outputs[name][1]
    for name in ("jsonl", "spacy", "brat", "conll"):
        assert "discontinuous" not in outputs[name][1]
    assert "attributions whose frame" not in outputs["conll"][1]
    for role in ("source", "cue", "content"):
        conll_text = (outputs["conll"][0] / f"{role}.conll").read_text(encoding="utf-8")
        assert conll_text.count("-DOCSTART- -X- O O\n") == 94 and f"I-{role.upper()}" in conll_text
    # Everything that imports back gives the journals' spans back.
    for name in ("jsonl", "spacy", "prodigy", "doccano", "labelstudio"):
        back = tmp_path / f"back-{name}"
        run("import", outputs[name][0], "--format", name, "-o", back.with_suffix(".jsonl"), "--annotations-out", back)
        rebuilt = load_journals(journal_files(back), quarantine=False)
        got = {key: [span_signature(a) for a in record.attributions] for key, record in rebuilt.latest.items()}
        assert got == expected, name
        if name in ("jsonl", "spacy"):
            assert rebuilt.latest == journal.latest
    # CoNLL comes back with every frame; spans widened to whole tokens are counted.
    back = tmp_path / "back-conll"
    run("import", outputs["conll"][0], "--format", "conll", "-o", back.with_suffix(".jsonl"), "--annotations-out", back)
    rebuilt = load_journals(journal_files(back), quarantine=False)
    assert sorted(rebuilt.latest) == sorted(journal.latest)
    got = {key: [span_signature(a) for a in record.attributions] for key, record in rebuilt.latest.items()}
    assert all(len(got[key]) == len(spans) for key, spans in expected.items())
    changed = sum(a != b for key, spans in expected.items() for a, b in zip(spans, got[key]))
    assert 0 < changed < total / 4
    assert f"conll: {changed} attributions read back with other span boundaries" in outputs["conll"][1]
    assert total == 2319


@needs_polnear
def test_docbin_loads_in_spacy_with_every_fragment(dev_import, tmp_path):
    import spacy
    from spacy.tokens import DocBin

    corpus, annotations = dev_import
    run("export", annotations, "--corpus", corpus, "--format", "spacy", "-o", tmp_path / "dev.spacy")
    docs = list(DocBin().from_disk(tmp_path / "dev.spacy").get_docs(spacy.blank("en").vocab))
    journal = load_journals(journal_files(annotations), quarantine=False)
    assert len(docs) == len(journal.latest) == 94
    fragments = sum(
        len(span.pieces)
        for record in journal.latest.values() for a in record.attributions
        for span in (a.source, a.cue, a.content) if span is not None
    )
    assert sum(len(doc.spans["attribution"]) for doc in docs) == fragments
    assert sum(len({s.id_ for s in doc.spans["attribution"]}) for doc in docs) == 2319
    assert all(len(doc.ents) > 0 for doc in docs if len(doc.spans["attribution"]))
    labels = {span.label_ for doc in docs for span in doc.spans["attribution"]}
    assert labels == {"SOURCE", "CUE", "CONTENT"}

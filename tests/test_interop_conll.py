"""CoNLL: the files ``export --format conll`` writes are read by other tools' own code:
spaCy's ``convert -c ner`` and NLTK's ``ConllCorpusReader`` (the per-role CoNLL-2003 style
files), the ``conllu`` library (the all-in-one file), and by ``import --format conll``
(frames and annotators kept apart). Data: PolNeAR annotator-training (4 articles by 6
annotators), and a document id holding line separators made here."""

from __future__ import annotations

import hashlib
import json
import subprocess
import sys

import pytest

from annotator.formats import conll
from annotator.store import load_journals
from polnear_support import import_compartment, run_in_process


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    work = tmp_path_factory.mktemp("conll-interop")
    corpus, journals = import_compartment("annotator-training", work)
    result = run_in_process("export", journals, "--corpus", corpus, "--format", "conll", "-o", work / "out")
    assert result.returncode == 0, result.stderr
    return work, journals


def role_tags(folder, role: str) -> list[list[str]]:
    """Per example, the BIO tags of one role, from the all-in-one file's columns."""
    column = conll.COLUMNS.index(role)
    blocks = (folder / conll.ALL_IN_ONE).read_text(encoding="utf-8").split("\n\n")
    return [[line.split("\t")[column] for line in block.splitlines() if not line.startswith("#")]
            for block in blocks if block.strip()]


def test_spacy_convert_reads_each_role_file(exported, tmp_path):
    import spacy
    from spacy.tokens import DocBin

    work, _ = exported
    for role in ("source", "cue", "content"):
        result = subprocess.run(
            [sys.executable, "-m", "spacy", "convert", str(work / "out" / f"{role}.conll"), str(tmp_path),
             "--converter", "ner"], capture_output=True, text=True, timeout=300,
        )
        assert result.returncode == 0, result.stdout + result.stderr
        docs = list(DocBin().from_disk(tmp_path / f"{role}.spacy").get_docs(spacy.blank("en").vocab))
        expected = role_tags(work / "out", role)
        assert len(docs) == len(expected) == 24
        for doc, tags in zip(docs, expected):
            assert len(doc) == len(tags)
            assert {ent.label_ for ent in doc.ents} <= {role.upper()}
            assert len(doc.ents) == sum(tag.startswith("B-") for tag in tags)


def test_nltk_conll_corpus_reader_reads_each_role_file(exported):
    import nltk
    from nltk.corpus.reader import ConllCorpusReader

    work, _ = exported
    nltk.data.path.append(str(work / "out"))  # NLTK 3.10 reads corpora only from folders it was given
    for role in ("source", "cue", "content"):
        reader = ConllCorpusReader(str(work / "out"), [f"{role}.conll"], ("words", "pos", "ignore", "chunk"))
        # The -DOCSTART- lines come back as empty sentences (NLTK skips document starts).
        sentences = [sentence for sentence in reader.iob_sents() if sentence]
        assert [[tag for _, _, tag in sentence] for sentence in sentences] == role_tags(work / "out", role)


def test_conllu_parses_the_all_in_one_file(exported):
    conllu = pytest.importorskip("conllu", reason="conllu is in the dev extra: pip install -e '.[dev]'")
    work, journals = exported
    sentences = conllu.parse((work / "out" / conll.ALL_IN_ONE).read_text(encoding="utf-8"), fields=conll.COLUMNS)
    assert len(sentences) == 24
    names = {json.loads(sentence.metadata["annotator"]) for sentence in sentences}
    assert names == {path.stem for path in journals.glob("*.jsonl")}
    for sentence in sentences:
        text = json.loads(sentence.metadata["text"])
        for token in sentence:
            assert token["form"] == conll.UNSAFE_IN_FORM.sub("_", text[int(token["start"]):int(token["end"])])


def test_import_gives_the_frames_back_with_each_annotator_apart(exported, tmp_path):
    work, journals = exported
    result = run_in_process("import", work / "out", "--format", "conll", "-o", tmp_path / "c.jsonl",
                            "--annotations-out", tmp_path / "back")
    assert result.returncode == 0, result.stderr
    original = load_journals(sorted(journals.glob("*.jsonl"))).latest
    back = load_journals(sorted((tmp_path / "back").glob("*.jsonl"))).latest
    assert sorted(back) == sorted(original)
    for key, record in original.items():
        assert [(a.id, a.type) for a in back[key].attributions] == [(a.id, a.type) for a in record.attributions]


def test_a_document_id_with_line_separators_keeps_the_layout(tmp_path):
    text = "Officials said the camps are voluntary. Nobody else spoke."
    doc_id = "a\u2028b\nc\rd\u0085e"
    (tmp_path / "c.jsonl").write_text(json.dumps({"id": doc_id, "text": text}) + "\n", encoding="utf-8")
    record = {"schema_version": 1, "doc_id": doc_id, "annotator": "ann", "status": "done",
              "updated_at": "2026-01-01T00:00:00Z", "text_sha1": hashlib.sha1(text.encode()).hexdigest(),
              "attributions": [{"id": "a1", "content": {"start": 15, "end": 38, "text": text[15:38]},
                                "cue": {"start": 10, "end": 14, "text": "said"}}]}
    (tmp_path / "j.jsonl").write_text(json.dumps(record) + "\n", encoding="utf-8")
    result = run_in_process("export", tmp_path / "j.jsonl", "--corpus", tmp_path / "c.jsonl", "--format", "conll",
                            "-o", tmp_path / "out")
    assert result.returncode == 0, result.stderr
    for path in (tmp_path / "out").iterdir():
        assert "\u2028" not in path.read_text(encoding="utf-8") and "\r" not in path.read_text(encoding="utf-8")
    back = run_in_process("import", tmp_path / "out", "--format", "conll", "-o", tmp_path / "back.jsonl",
                          "--annotations-out", tmp_path / "ann")
    assert back.returncode == 0, back.stderr
    (again,) = load_journals([tmp_path / "ann" / "ann.jsonl"]).latest.values()
    assert again.doc_id == doc_id and again.attributions[0].cue.text == "said"


def test_a_broken_token_line_is_an_error_with_file_and_line(exported, tmp_path):
    work, _ = exported
    lines = (work / "out" / conll.ALL_IN_ONE).read_text(encoding="utf-8").split("\n")
    row = next(number for number, line in enumerate(lines) if line and not line.startswith("#"))
    fields = lines[row].split("\t")
    fields[2] = "١٢"  # Arabic-Indic digits: not an offset
    lines[row] = "\t".join(fields)
    (tmp_path / "bad.conll").write_text("\n".join(lines), encoding="utf-8")
    result = run_in_process("import", tmp_path / "bad.conll", "--format", "conll", "-o", tmp_path / "c.jsonl",
                            "--annotations-out", tmp_path / "ann")
    assert result.returncode == 1 and f"bad.conll:{row + 1}: " in result.stderr, result.stderr
    assert not (tmp_path / "c.jsonl").exists()

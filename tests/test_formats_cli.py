"""``annotator export`` on a small hand-made corpus: selection by status, warnings with
counts, refusals and one-line errors that name the file and line, nothing half-written."""

from __future__ import annotations

from datetime import UTC, datetime

import orjson
from typer.testing import CliRunner

from annotator.cli import app
from annotator.schema import AnnotationRecord, Attribution, Document, Span, Status
from annotator.store import Journal

TEXT = "Officials said “the camps are voluntary,” the ministry added. Nobody else spoke."


def make_inputs(tmp_path):
    document = Document(id="doc-1", text=TEXT)
    other = Document(id="doc-2", text="Quiet day.")
    corpus = tmp_path / "corpus.jsonl"
    corpus.write_bytes(b"".join(orjson.dumps(d.model_dump(mode="json")) + b"\n" for d in (document, other)))
    content = Span.from_text(TEXT, 14, 41)
    attribution = Attribution(
        id="a1", source=Span.from_text(TEXT, 0, 9), cue=Span.from_text(TEXT, 10, 14), content=content,
        note="check the quote", source_entity="the ministry",
    )
    stamp = datetime(2026, 1, 1, tzinfo=UTC)
    journal = Journal(tmp_path / "ann.jsonl")
    journal.append_many([
        AnnotationRecord(doc_id="doc-1", annotator="ann", status=Status.done, updated_at=stamp,
                         text_sha1=document.sha1, attributions=[attribution]),
        AnnotationRecord(doc_id="doc-2", annotator="ann", status=Status.in_progress,
                         updated_at=stamp, text_sha1=other.sha1),
    ])
    return corpus, journal.path


def invoke(*args):
    return CliRunner().invoke(app, [str(arg) for arg in args])


def test_export_selects_done_records_and_warns_with_counts(tmp_path):
    corpus, journal = make_inputs(tmp_path)
    result = invoke("export", journal, "--corpus", corpus, "--format", "doccano", "-o", tmp_path / "d.jsonl")
    assert result.exit_code == 0, result.output
    lines = (tmp_path / "d.jsonl").read_bytes().splitlines()
    assert len(lines) == 1 and orjson.loads(lines[0])["doc_id"] == "doc-1"
    assert "not exported: 1 records with status in_progress" in result.output
    assert "doccano: 1 attribution note values not carried" in result.output
    assert "doccano: 1 attribution source_entity values not carried" in result.output
    every = invoke("export", journal, "--corpus", corpus, "--format", "jsonl", "-o", tmp_path / "all.jsonl",
                   "--status", "any")
    assert every.exit_code == 0 and len((tmp_path / "all.jsonl").read_bytes().splitlines()) == 2
    assert "warning" not in every.output


def test_bad_corpus_line_is_one_line_error_and_writes_nothing(tmp_path):
    corpus, journal = make_inputs(tmp_path)
    corpus.write_bytes(corpus.read_bytes().replace(b'"doc-1"', b'"doc-1",,'))
    result = invoke("export", journal, "--corpus", corpus, "--format", "jsonl", "-o", tmp_path / "out.jsonl")
    assert result.exit_code != 0
    assert f"{corpus}:1: invalid JSON" in str(result.exception)
    assert not (tmp_path / "out.jsonl").exists()
    assert not [path for path in tmp_path.iterdir() if path.name.startswith(".")]  # no temp files left


def test_brat_refuses_to_replace_a_folder_unless_asked(tmp_path):
    corpus, journal = make_inputs(tmp_path)
    out = tmp_path / "brat"
    assert invoke("export", journal, "--corpus", corpus, "--format", "brat", "-o", out).exit_code == 0
    ann = (out / "attributions" / "doc-1_ann.ann").read_text(encoding="utf-8")
    assert "AnnotatorNotes E1\tcheck the quote" in ann and "annotator:entity\tthe ministry" in ann
    again = invoke("export", journal, "--corpus", corpus, "--format", "brat", "-o", out)
    assert again.exit_code != 0 and "already exists" in str(again.exception)
    assert invoke("export", journal, "--corpus", corpus, "--format", "brat", "-o", out, "--overwrite").exit_code == 0
    assert sorted(path.name for path in out.iterdir()) == ["annotation.conf", "attributions", "metadata.tsv", "text"]


def test_flat_brat_layout_reads_back_and_refuses_several_annotators(tmp_path):
    from annotator.formats.brat import read_brat

    corpus, journal = make_inputs(tmp_path)
    out = tmp_path / "flat"
    result = invoke("export", journal, "--corpus", corpus, "--format", "brat", "--brat-layout", "flat", "-o", out)
    assert result.exit_code == 0, result.output
    assert sorted(path.name for path in out.iterdir()) == ["annotation.conf", "doc-1.ann", "doc-1.txt", "metadata.tsv"]
    assert "1 annotator names not carried" in result.output
    imported = read_brat(out, default_annotator="ann")
    [record] = imported.records
    assert record.key == ("doc-1", "ann") and record.attributions[0].note == "check the quote"
    second = tmp_path / "other.jsonl"
    second.write_bytes(journal.read_bytes().replace(b'"annotator":"ann"', b'"annotator":"bob"'))
    both = invoke("export", journal, second, "--corpus", corpus, "--format", "brat", "--brat-layout", "flat",
                  "-o", tmp_path / "flat2")
    assert both.exit_code != 0 and "several annotators" in str(both.exception)
    assert not (tmp_path / "flat2").exists()


def test_training_jsonl_schema_is_checked_in_and_current():
    from pathlib import Path

    from annotator.cli.schema_cmd import json_schemas, render_schema

    schema = json_schemas()["training_example"]
    path = Path(__file__).resolve().parent.parent / "schemas" / "training_example.schema.json"
    assert path.read_bytes() == render_schema(schema), "run `annotator schema -o schemas`"
    assert {"tokens", "spans", "frames", "annotator"} <= set(schema["required"])
    assert "INCLUSIVE" in schema["$defs"]["TrainingSpan"]["properties"]["token_end"]["description"]

"""`annotator validate`: every problem as FILE:LINE: problem, exit 0 clean and 1 otherwise."""

from __future__ import annotations

from datetime import UTC, datetime

import orjson
import pytest

from annotator.corpus import load_corpus
from annotator.schema import AnnotationRecord, Attribution, Span
from annotator.store import Journal


@pytest.fixture(scope="module")
def corpus_file(tmp_path_factory, seeds_dir):
    from conftest import run_cli

    path = tmp_path_factory.mktemp("corpus") / "seeds.jsonl"
    assert run_cli("import", seeds_dir, "-o", path).returncode == 0
    return path


@pytest.fixture(scope="module")
def ispr(corpus_file):
    return {doc.id: doc for doc in load_corpus(corpus_file)}["000_302df5bc7456bd44-2"]


def good_record(document) -> dict:
    start = document.text.index("Indian-sponsored militants")
    content = Span.from_text(document.text, start, start + len("Indian-sponsored militants"))
    record = AnnotationRecord(
        doc_id=document.id,
        annotator="ana",
        updated_at=datetime(2026, 11, 22, tzinfo=UTC),
        text_sha1=document.sha1,
        attributions=[Attribution(id="a1", content=content, type="scare_quote")],
    )
    return record.model_dump(mode="json", exclude_none=True)


def write_lines(path, rows):
    path.write_bytes(b"".join(row if isinstance(row, bytes) else orjson.dumps(row) + b"\n" for row in rows))
    return path


def test_clean_corpus_and_journal_pass(cli, corpus_file, ispr, tmp_path):
    journal = Journal.for_annotator(tmp_path, "ana")
    journal.append(AnnotationRecord.model_validate(good_record(ispr)))
    result = cli("validate", corpus_file, journal.path, "--corpus", corpus_file)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout == ""
    assert "corpus, 6 line(s), ok" in result.stderr and "annotations, 1 line(s), ok" in result.stderr


def test_each_broken_line_is_named(cli, corpus_file, ispr, tmp_path):
    good = good_record(ispr)
    wrong_type = {**good, "status": 3}
    reversed_span = orjson.loads(orjson.dumps(good))
    content = reversed_span["attributions"][0]["content"]
    content["start"], content["end"] = content["end"], content["start"]
    out_of_range = orjson.loads(orjson.dumps(good))
    out_of_range["attributions"][0]["content"].update(start=10**6, end=10**6 + 5)
    mismatch = orjson.loads(orjson.dumps(good))
    mismatch["attributions"][0]["content"]["text"] = "Pakistani militants"
    unknown_doc = {**good, "doc_id": "not-in-corpus"}
    no_content = orjson.loads(orjson.dumps(good))
    del no_content["attributions"][0]["content"]
    path = write_lines(
        tmp_path / "ana.jsonl",
        [good, b"{broken\n", wrong_type, reversed_span, out_of_range, mismatch, unknown_doc, no_content],
    )
    result = cli("validate", path, "--corpus", corpus_file)
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert [line.split(":")[1] for line in lines] == ["2", "3", "4", "5", "6", "7", "8"]
    expectations = [
        "invalid JSON",
        "status",
        "less than end",
        "beyond the text",
        "does not match",
        "not in the corpus",
        "content",
    ]
    for line, expected in zip(lines, expectations, strict=True):
        assert line.startswith(f"{path}:") and expected in line, line
    assert "Traceback" not in result.stderr


def test_offsets_are_checked_only_against_a_corpus(cli, ispr, tmp_path):
    mismatch = good_record(ispr)
    mismatch["attributions"][0]["content"]["text"] = "Pakistani militants"
    path = write_lines(tmp_path / "ana.jsonl", [mismatch])
    assert cli("validate", path).returncode == 0  # the shape alone is fine


def test_corpus_problems_duplicates_and_mixed_kinds(cli, tmp_path, ispr):
    path = write_lines(
        tmp_path / "corpus.jsonl",
        [
            {"id": "a", "text": "one"},
            {"id": "a", "text": "two"},
            {"id": "b", "text": None},
            good_record(ispr),
        ],
    )
    result = cli("validate", path)
    assert result.returncode == 1
    assert result.stdout.splitlines() == [
        f"{path}:2: duplicate document id 'a' (first on line 1)",
        f"{path}:3: text: Input should be a valid string",
        f"{path}:4: an annotation record in a corpus file",
    ]


def test_missing_empty_and_non_utf8_files(cli, tmp_path):
    empty = tmp_path / "empty.jsonl"
    empty.write_bytes(b"")
    latin = tmp_path / "latin.jsonl"
    latin.write_bytes(b'{"id": "a", "text": "caf\xe9"}\n')
    result = cli("validate", tmp_path / "missing.jsonl", empty, latin)
    assert result.returncode == 1
    assert result.stdout.splitlines() == [
        f"{tmp_path / 'missing.jsonl'}: no such file",
        f"{empty}: empty input: no JSON lines",
        f"{latin}:1: not UTF-8: byte 0xe9 at offset 24 cannot be decoded",
    ]


def test_json_output_for_machines(cli, corpus_file, tmp_path):
    broken = write_lines(tmp_path / "x.jsonl", [b"[1]\n"])
    result = cli("validate", corpus_file, broken, "--json")
    assert result.returncode == 1
    payload = orjson.loads(result.stdout)
    assert payload["ok"] is False
    assert [entry["kind"] for entry in payload["files"]] == ["corpus", "unknown"]
    assert payload["problems"] == [
        {"path": str(broken), "line": 1, "message": "neither a document (id, text) nor an annotation record (doc_id, schema_version)"}
    ]

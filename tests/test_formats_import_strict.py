"""Importers of other tools' formats never drop or coerce silently: an offset that is a
boolean, a fraction or a string, and an id used by two spans, are errors naming the file
and line; a label that is not SOURCE/CUE/CONTENT, a span in no relation to a content, a
relation that joins no content, are counted as ``warning: FORMAT: COUNT what`` and the
rest is imported. Inputs made here, on a sentence from a seed article's kind of news."""

from __future__ import annotations

import json

import pytest

from annotator.store import load_journals
from polnear_support import run_in_process

TEXT = "Officials said the camps are voluntary. Nobody else spoke."
# (start, end) of the words used below
OFFICIALS, SAID, CLAIM, NOBODY = (0, 9), (10, 14), (15, 38), (40, 46)


def doccano_line(entities, relations):
    return {"text": TEXT, "doc_id": "d1", "annotator": "ann1",
            "entities": [{"id": i, "label": label, "start_offset": s, "end_offset": e}
                         for i, (label, s, e) in enumerate(entities, start=1)],
            "relations": [{"id": n, "from_id": a, "to_id": b, "type": t}
                          for n, (a, b, t) in enumerate(relations, start=1)]}


def prodigy_line(spans, relations):
    made = [{"start": s, "end": e, "label": label} for label, s, e in spans]
    return {"text": TEXT, "meta": {"doc_id": "d1"}, "_annotator_id": "ann1", "spans": made,
            "relations": [{"head_span": made[a], "child_span": made[b], "label": t} for a, b, t in relations]}


def labelstudio_tasks(regions, relations, extra=()):
    result = [{"id": f"r{i}", "type": "labels", "from_name": "label", "to_name": "text",
               "value": {"start": s, "end": e, "labels": [label]}} for i, (label, s, e) in enumerate(regions)]
    result += [{"from_id": f"r{a}", "to_id": f"r{b}", "type": "relation", "labels": [t]} for a, b, t in relations]
    result += list(extra)
    return [{"id": 1, "data": {"text": TEXT, "doc_id": "d1"},
             "annotations": [{"completed_by": {"email": "ann1@annotator.invalid"}, "result": result}]}]


def write(tmp_path, fmt, value):
    if fmt == "labelstudio":
        path = tmp_path / "tasks.json"
        path.write_text(json.dumps(value, indent=1), encoding="utf-8")
    else:
        path = tmp_path / "in.jsonl"
        path.write_text(json.dumps({"text": "An unrelated first line."}) + "\n" + json.dumps(value) + "\n",
                        encoding="utf-8")
    return path


def run_import(tmp_path, fmt, path):
    return run_in_process("import", path, "--format", fmt, "-o", tmp_path / "corpus.jsonl",
                          "--annotations-out", tmp_path / "ann")


# A content with its source and cue, plus what cannot be mapped: a PERSON span, a SOURCE
# linked to nothing, and a relation from the cue to the PERSON span (no content in it).
ENTITIES = [("CONTENT", *CLAIM), ("SOURCE", *OFFICIALS), ("CUE", *SAID), ("PERSON", *NOBODY), ("SOURCE", *NOBODY)]
RELATIONS = [(0, 1, "SOURCE"), (0, 2, "CUE"), (2, 3, "CUE")]
EXPECTED_WARNINGS = [
    "1 spans labelled 'PERSON' (not SOURCE, CUE or CONTENT) left out",
    "1 SOURCE spans linked to no CONTENT span, left out",
    "1 relations joining no CONTENT span to a SOURCE, CUE or CONTENT member, left out",
]


@pytest.mark.parametrize("fmt", ["doccano", "prodigy", "labelstudio"])
def test_what_cannot_be_mapped_is_counted_and_the_rest_imported(tmp_path, fmt):
    if fmt == "doccano":
        value = doccano_line(ENTITIES, [(a + 1, b + 1, t) for a, b, t in RELATIONS])
    elif fmt == "prodigy":
        value = prodigy_line(ENTITIES, RELATIONS)
    else:
        value = labelstudio_tasks(ENTITIES, RELATIONS)
    result = run_import(tmp_path, fmt, write(tmp_path, fmt, value))
    assert result.returncode == 0, result.stderr
    for warning in EXPECTED_WARNINGS:
        assert f"warning: {fmt}: {warning}" in result.stderr, result.stderr
    (record,) = load_journals([tmp_path / "ann" / "ann1.jsonl"]).latest.values()
    (attribution,) = record.attributions
    assert (attribution.source.text, attribution.cue.text, attribution.content.text) == (
        "Officials", "said", "the camps are voluntary")


BAD_OFFSETS = [(True, "a boolean"), (15.0, "a number with a fraction part or exponent"), ("15", "a string")]


@pytest.mark.parametrize(("offset", "kind"), BAD_OFFSETS)
@pytest.mark.parametrize("fmt", ["doccano", "prodigy", "labelstudio"])
def test_an_offset_that_is_not_an_integer_is_an_error_with_file_and_line(tmp_path, fmt, offset, kind):
    if fmt == "doccano":
        value = doccano_line([("CONTENT", *CLAIM)], [])
        value["entities"][0]["start_offset"] = offset
        line = 2
    elif fmt == "prodigy":
        value = prodigy_line([("CONTENT", *CLAIM)], [])
        value["spans"][0]["start"] = offset
        line = 2
    else:
        value = labelstudio_tasks([("CONTENT", *CLAIM)], [])
        value[0]["annotations"][0]["result"][0]["value"]["start"] = offset
        line = 2  # the task starts on the array's second line
    path = write(tmp_path, fmt, value)
    result = run_import(tmp_path, fmt, path)
    assert result.returncode == 1
    assert result.stderr.startswith(f"annotator: error: {path}:{line}: "), result.stderr
    assert f"must be an integer, not {kind}" in result.stderr
    assert not (tmp_path / "corpus.jsonl").exists() and not (tmp_path / "ann").exists()


@pytest.mark.parametrize("fmt", ["doccano", "labelstudio"])
def test_an_id_used_by_two_spans_is_an_error(tmp_path, fmt):
    if fmt == "doccano":
        value = doccano_line([("CONTENT", *CLAIM), ("SOURCE", *OFFICIALS)], [(1, 2, "SOURCE")])
        value["entities"][1]["id"] = 1
        expected = "entity id 1 is used by two entities"
    else:
        value = labelstudio_tasks([("CONTENT", *CLAIM), ("SOURCE", *OFFICIALS)], [(0, 1, "SOURCE")])
        value[0]["annotations"][0]["result"][1]["id"] = "r0"
        expected = "region id 'r0' is used by two regions"
    path = write(tmp_path, fmt, value)
    result = run_import(tmp_path, fmt, path)
    assert result.returncode == 1 and f"{path}:2: " in result.stderr and expected in result.stderr, result.stderr


def test_label_studio_results_of_other_kinds_are_counted(tmp_path):
    rectangle = {"id": "x", "type": "rectanglelabels", "value": {"x": 1, "y": 2, "rectanglelabels": ["CUE"]}}
    path = write(tmp_path, "labelstudio", labelstudio_tasks([("CONTENT", *CLAIM)], [], [rectangle]))
    result = run_import(tmp_path, "labelstudio", path)
    assert result.returncode == 0, result.stderr
    assert "warning: labelstudio: 1 results of type 'rectanglelabels'" in result.stderr


def test_training_jsonl_offsets_are_strict_integers(tmp_path):
    from annotator.formats.common import Example
    from annotator.formats.training_jsonl import example_to_json
    from annotator.schema import AnnotationRecord, Attribution, Document, Span

    document = Document(id="d1", text=TEXT)
    attribution = Attribution(id="a1", source=Span.from_text(TEXT, *OFFICIALS), cue=Span.from_text(TEXT, *SAID),
                              content=Span.from_text(TEXT, *CLAIM), type="indirect")
    record = AnnotationRecord(doc_id="d1", annotator="ann1", status="done", updated_at="2024-01-01T00:00:00+00:00",
                              text_sha1=document.sha1, attributions=[attribution])
    line = json.loads(json.dumps(example_to_json(Example(document, record)), default=str))
    line["spans"][0]["start"] = True
    path = tmp_path / "train.jsonl"
    path.write_text(json.dumps(line) + "\n", encoding="utf-8")
    result = run_import(tmp_path, "jsonl", path)
    assert result.returncode == 1 and f"{path}:1: " in result.stderr and "valid integer" in result.stderr, result.stderr


def test_a_docbin_from_another_program_counts_spans_it_cannot_map(tmp_path):
    import spacy
    from spacy.tokens import DocBin, Span

    nlp = spacy.blank("en")
    doc = nlp(TEXT)
    doc.spans["attribution"] = [
        Span(doc, 3, 7, label="CONTENT", span_id="a1"), Span(doc, 0, 1, label="SOURCE", span_id="a1"),
        Span(doc, 9, 10, label="PERSON", span_id="a2"), Span(doc, 1, 2, label="CUE", span_id="a3"),
    ]
    DocBin(docs=[doc]).to_disk(tmp_path / "other.spacy")
    result = run_in_process("import", tmp_path / "other.spacy", "--format", "spacy", "-o", tmp_path / "c.jsonl",
                            "--annotations-out", tmp_path / "ann")
    assert result.returncode == 0, result.stderr
    assert "warning: spacy: 1 spans labelled 'PERSON' (not SOURCE, CUE or CONTENT) left out" in result.stderr
    assert "warning: spacy: 1 span ids with a source or cue but no CONTENT span, left out" in result.stderr

"""Journals read as plain data (store.PlainRecord) accept and refuse what the models do.

agree and report decode records with msgspec as schema.AnnotationData (Structs twinned
with the models) plus ``fails_model_checks`` (the models' Python validators), and fall
back to the model for any line that path refuses. That is only right if the fast path
never accepts a line the model refuses, so every line is checked both ways here: real
PolNeAR records, each mutated in many ways (types, bounds, shapes, extra and missing
keys, the spellings of a time), and the hostile lines of tests/test_hostile_input.py's
kind. A line the fast path accepts must give the same record as the model; a line only
the model accepts (msgspec is stricter: no "3" or 3.0 for an int) must still be read,
through the model, as the same record.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path

import msgspec
import pytest
from pydantic import ValidationError

from annotator.schema import PLAIN_TWINS, AnnotationRecord
from annotator.store import iter_journal_lines, iter_plain_lines
from annotator.store.journal import plain_record
from polnear_support import require_compartment


def test_the_plain_types_have_the_models_fields():
    for plain, model in PLAIN_TWINS.items():
        fields = msgspec.structs.fields(plain)
        assert {field.name for field in fields} == set(model.model_fields), plain.__name__
        required = {name for name, info in model.model_fields.items() if info.is_required()}
        assert {field.name for field in fields if field.required} == required, plain.__name__
        for field in fields:  # the same defaults
            info = model.model_fields[field.name]
            if not field.required:
                default = field.default_factory() if field.default is msgspec.NODEFAULT else field.default
                assert default == info.get_default(call_default_factory=True), (plain.__name__, field.name)


@pytest.fixture(scope="module")
def real_lines() -> list[str]:
    from annotator.formats.brat import read_brat

    imported = read_brat(require_compartment("annotator-training"))
    return [
        json.dumps(record.model_dump(mode="json", exclude_none=True), ensure_ascii=False)
        for record in imported.records
    ]


def _model_accepts(line: str) -> AnnotationRecord | None:
    try:
        return AnnotationRecord.model_validate_json(line)
    except ValidationError:
        return None


# (where, new value) applied to a record; "where" is a path of keys and list indices.
# DELETE removes the key. Each targets something one of the models checks.
DELETE = object()
SPAN_VALUES = [
    -1, 0, 3.0, 3.5, "3", True, None, 10**30, [], {},
]
MUTATIONS: list[tuple[tuple, object]] = [
    *((("schema_version",), value) for value in (1, 2, "1", 1.0, True, None, DELETE)),
    *((("doc_id",), value) for value in ("", 7, None, DELETE, "d\u0000")),
    *((("annotator",), value) for value in ("", ["a"], DELETE)),
    *((("status",), value) for value in ("done", "finished", "", None, 1, DELETE)),
    *((("updated_at",), value) for value in (
        "2026-01-01T00:00:00", "2026-01-01T00:00:00+02:00", "2026-01-01", "yesterday", 1767225600, None,
        "2026-13-01T00:00:00Z", DELETE,
        # spellings pydantic reads and the fast path leaves to it, or reads the same way
        "2026-01-01t00:00:00z", "2026-01-01 00:00:00Z", "2026-01-01T00:00Z", "2026-01-01T00:00:00,5Z",
        "2026-01-01T00:00:00.1234567Z", "2026-12-31T23:59:59.9999999Z", "2026-01-01T00:00:00.5-00:00",
        "2026-01-01T00:00:00+0530", "2026-01-01T23:59:60Z", "2026-01-01T24:00:00Z", "2026-02-30T00:00:00Z",
        "0000-01-01T00:00:00Z", "2026-01-01T00:00:00+24:00", "2026-01-01T00:00:00Z\n", "\u0662026-01-01T00:00:00Z",
        "2026-01-01T00:00:00.123Z", "2026-01-01T00:00:00+23:59", "2026-01-01T00:00:00+05:75",
    )),
    *((("text_sha1",), value) for value in (
        "ABC", "a" * 40, "A" * 40, "a" * 41, 5, None, DELETE, "a" * 40 + "\n", "\u0661" * 40,
    )),
    *((("attributions",), value) for value in ([], None, {}, "x", DELETE)),
    *((("rejected",), value) for value in ([], None, DELETE)),
    *((("adjudicator",), value) for value in ("lead", None, 3)),
    *((("session",), value) for value in (
        {"step": 0}, {"step": -1}, {"step": 1, "kind": "undo"}, {"step": 1, "kind": "jump"}, {"kind": "edit"},
        {"step": 1, "extra": 1}, {"step": 1, "cursor": -2}, None, [],
    )),
    (("surprise",), 1),
    *((("attributions", 0, "id"), value) for value in ("", 5, None, DELETE, "a-dup")),
    *((("attributions", 0, "type"), value) for value in ("direct", "said", None, DELETE)),
    *((("attributions", 0, "origin"), value) for value in ("suggested", "robot", None)),
    *((("attributions", 0, "action"), value) for value in ("accepted", "kept", None)),
    *((("attributions", 0, "score"), value) for value in (0.5, 1.0, 0, 1.5, -0.1, "0.5", None)),
    *((("attributions", 0, "agreed_by"), value) for value in (["a"], [1], "a", None)),
    *((("attributions", 0, "source_entity"), value) for value in ("X", 1, None)),
    (("attributions", 0, "extra"), 1),
    *((("attributions", 0, "content"), value) for value in (None, DELETE, {}, "text")),
    *((("attributions", 0, "cue"), value) for value in (None, DELETE)),
    *((("attributions", 0, "content", "start"), value) for value in SPAN_VALUES),
    *((("attributions", 0, "content", "end"), value) for value in SPAN_VALUES),
    *((("attributions", 0, "content", "text"), value) for value in ("", 5, None, DELETE)),
    (("attributions", 0, "content", "extra"), 1),
    *((("attributions", 0, "content", "fragments"), value) for value in (
        None, [], [[0, 1]], [[0, 1], [2, 3]], [[2, 3], [0, 1]], [[0, 2], [1, 3]], [[0, 0], [1, 2]],
        [[0, 1, 2], [3, 4]], [["0", 1], [2, 3]], [[0.0, 1], [2, 3]], "x",
    )),
    *((("attributions", -1, "source", "start"), value) for value in (-1, None, DELETE)),
    *((("attributions", -1, "cue", "end"), value) for value in (0, None)),
]


def _mutate(record: dict, where: tuple, value: object) -> dict | None:
    out = copy.deepcopy(record)
    target = out
    for step in where[:-1]:
        try:
            target = target[step]
        except (KeyError, IndexError, TypeError):
            return None  # this record has nothing there
        if target is None:
            return None
    last = where[-1]
    if value is DELETE:
        if last not in target:
            return None
        del target[last]
    else:
        target[last] = value
    return out


def _fragmented(record: dict) -> dict:
    """The record with its first content made discontinuous (two pieces), validly."""
    out = copy.deepcopy(record)
    content = out["attributions"][0]["content"]
    start, end = content["start"], content["end"]
    middle = (start + end) // 2
    if middle <= start or middle + 1 >= end:
        return out
    content["fragments"] = [[start, middle], [middle + 1, end]]
    return out


def test_fast_path_accepts_only_what_the_model_accepts(tmp_path: Path, real_lines):
    checked = accepted = left_to_model = 0
    records = [json.loads(line) for line in real_lines[:400]]
    with_attributions = [record for record in records if len(record.get("attributions", [])) >= 2][:25]
    assert with_attributions, "PolNeAR records with attributions"
    lines = list(real_lines[:400])
    for record in with_attributions:
        for base in (record, _fragmented(record)):
            lines.append(json.dumps(base))
            for where, value in MUTATIONS:
                mutated = _mutate(base, where, value)
                if mutated is None:
                    continue
                if where[-1] == "id" and value == "a-dup" and len(mutated["attributions"]) > 1:
                    mutated["attributions"][1]["id"] = "a-dup"
                lines.append(json.dumps(mutated))
    lines += ['{"doc_id": "d"', "[]", "null", '"x"', "{}", "1e999", '{"doc_id": "d", "doc_id": 5}']
    first = json.dumps(records[0])[1:]
    lines += [  # raw JSON the mutations cannot spell: duplicate keys, escapes, control characters
        '{"doc_id": "", ' + first, '{"doc_id": "other", ' + first, first[:-1] + ', "doc_id": "last"}',
        '{"doc_id": "\\ud800", ' + first, '{"doc_id": "a\tb", ' + first, '{"doc_id": "a\\u0000b", ' + first,
        "\ufeff{" + first, "{" + first + " x", "{" + first + " \t", '{"updated_at": "2026-01-01T00:00:00", ' + first,
    ]
    for line in lines:
        model = _model_accepts(line)
        plain = plain_record(line)
        checked += 1
        # Never accept what the model refuses; where both accept, the same record.
        assert plain is None or model is not None, line[:300]
        if plain is not None:
            accepted += 1
            assert plain.model() == model
            assert (plain.doc_id, plain.annotator, plain.status, plain.updated_at, plain.adjudicator) == (
                model.doc_id, model.annotator, model.status, model.updated_at, model.adjudicator,
            )
            assert plain.updated_at.utcoffset() == model.updated_at.utcoffset()
        elif model is not None:
            left_to_model += 1
    # The lines the app and the exporters write all take the fast path; the lax spellings
    # only pydantic reads ("3" for 3, a time without seconds) are few.
    assert all(plain_record(line) is not None for line in real_lines)
    assert checked > 2000 and 400 < accepted < checked and left_to_model < checked // 10
    # Reading a journal of all those lines: the same records and problems either way.
    path = tmp_path / "mutated.jsonl"
    path.write_text("\n".join(line.replace("\n", " ") for line in lines) + "\n", encoding="utf-8")
    models, plains = list(iter_journal_lines(path)), list(iter_plain_lines(path))
    assert [(number, problem) for number, _, problem in models] == [(number, problem) for number, _, problem in plains]
    for (_, model, _), (_, plain, _) in zip(models, plains, strict=True):
        assert (model is None) == (plain is None)
        if plain is not None:
            assert plain.model() == model
            assert (plain.updated_at, plain.status, plain.text_sha1) == (model.updated_at, model.status, model.text_sha1)


def test_plain_lines_are_the_model_lines_with_the_same_problems(tmp_path: Path, real_lines):
    good = real_lines[:30]
    bad = [
        '{"schema_version": 1, "doc_id": "d1"',  # invalid JSON
        "[1, 2]",  # not an object
        json.dumps({**json.loads(good[0]), "updated_at": "2026-01-01T00:00:00"}),  # no timezone
        json.dumps({**json.loads(good[1]), "attributions": [{"id": "a", "content": {"start": 5, "end": 5, "text": ""}}]}),
    ]
    path = tmp_path / "ann.jsonl"
    data = "\n".join([good[0], bad[0], *good[1:10], bad[1], "", bad[2], *good[10:], bad[3]]).encode()
    # Valid JSON but for bytes that are not UTF-8 inside a string (msgspec reads the raw
    # bytes: it must refuse them, so that the line is reported as not UTF-8).
    record = json.loads(good[2])
    not_utf8 = [
        json.dumps({**record, "doc_id": "MARK"}).encode().replace(b"MARK", junk)
        for junk in (b"\xff", b"a\xc3", b"\xed\xa0\x80", b"\xf4\x90\x80\x80", b"\xc0\xaf", b"\xe2\x82z")
    ]
    blank = ["   ", "\u00a0", "\r"]  # blank to str.strip
    data += b"\n" + b"\n".join(not_utf8) + b"\n" + "\n".join(blank).encode() + b"\n" + good[3].encode() + b"\r"
    path.write_bytes(data + b"\n\xff\xfe broken tail")
    models = list(iter_journal_lines(path))
    plains = list(iter_plain_lines(path))
    assert [(number, problem) for number, _, problem in models] == [(number, problem) for number, _, problem in plains]
    assert sum(problem is not None for _, _, problem in plains) == 5 + len(not_utf8)
    assert all("not UTF-8" in problem.message for _, _, problem in plains[-8:-2] if problem is not None)
    for (_, model, _), (_, plain, _) in zip(models, plains, strict=True):
        assert (model is None) == (plain is None)
        if plain is not None:
            assert plain.model() == model

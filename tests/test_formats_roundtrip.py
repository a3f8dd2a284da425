"""Round trips through every export format that can carry annotations back, on generated
documents (Unicode, discontinuous and touching spans, empty documents): import(export(x))
gives x back, up to what the format is documented not to carry, and whatever it does not
carry shows up in the warning counts, never silently."""

from __future__ import annotations

import io
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from annotator.formats import brat, conll, doccano, labelstudio, prodigy, spacy_docbin, training_jsonl
from annotator.formats.common import Example, span_signature
from annotator.schema import (
    Action,
    AnnotationRecord,
    Attribution,
    AttributionType,
    Document,
    DocumentMeta,
    Origin,
    Span,
    Status,
)

SETTINGS = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# Letters from several scripts, combining marks, emoji (astral), quotes, spaces, newlines.
TEXT_ALPHABET = st.sampled_from(list("abcXYZ éüñ漢字اردو\u0301😀“”\"'., \n\t-") + ["\r\n"])
NAME_TEXT = st.text(st.sampled_from(list("abc XYZé漢😀-_.")), min_size=1, max_size=8)
NOTE_TEXT = st.text(st.sampled_from(list("ab é漢😀\n\t[]/")), max_size=10)


@st.composite
def span_pieces(draw, length: int, max_pieces: int):
    """1..max_pieces sorted, non-overlapping pieces; consecutive cut points make touching ones."""
    count = draw(st.integers(1, max(1, min(max_pieces, length // 2))))
    points = sorted(draw(st.sets(st.integers(0, length), min_size=count + 1, max_size=2 * count)))
    if draw(st.booleans()):  # touching: each piece ends where the next starts
        return [(points[i], points[i + 1]) for i in range(count)]
    pieces = [(points[i], points[i + 1]) for i in range(0, len(points) - 1, 2)]
    return pieces[:count]


def make_span(text: str, pieces: list[tuple[int, int]]) -> Span:
    if len(pieces) == 1:
        return Span.from_text(text, *pieces[0])
    return Span(start=pieces[0][0], end=pieces[-1][1], text=" ".join(text[a:b] for a, b in pieces),
                fragments=pieces)


@st.composite
def attributions(draw, text: str, prefix: str):
    found = []
    for number in range(draw(st.integers(0, 4)) if len(text) >= 2 else 0):
        roles = {"content": make_span(text, draw(span_pieces(len(text), 3)))}
        for role in ("source", "cue"):
            if draw(st.booleans()):
                roles[role] = make_span(text, draw(span_pieces(len(text), 2)))
        found.append(Attribution(
            id=draw(st.sampled_from([f"{prefix}{number}", f"E{number + 1}", f"x-{number}"])),
            type=draw(st.sampled_from(list(AttributionType))),
            source_entity=draw(st.none() | NAME_TEXT.filter(lambda s: s.strip() == s)),
            note=draw(st.none() | NOTE_TEXT),
            origin=draw(st.sampled_from(list(Origin))),
            action=draw(st.none() | st.sampled_from(list(Action))),
            score=draw(st.none() | st.floats(0, 1)),
            **roles,
        ))
    ids = [attribution.id for attribution in found]
    if len(set(ids)) != len(ids):  # ids must be unique within a record
        for number, attribution in enumerate(found):
            attribution.id = f"{prefix}{number}"
    return found


@st.composite
def examples(draw):
    result = []
    for number in range(draw(st.integers(1, 3))):
        text = "".join(draw(st.lists(TEXT_ALPHABET, max_size=60)))
        doc_id = draw(st.sampled_from([f"doc{number}", f"d/{number}_x é", f".{number}%"]))
        document = Document(id=doc_id, text=text, meta=DocumentMeta(title=draw(st.none() | NAME_TEXT)))
        for annotator in draw(st.sets(st.sampled_from(["ann", "a_b", "x.y@z"]), min_size=1, max_size=2)):
            result.append(Example(document, AnnotationRecord(
                doc_id=doc_id, annotator=annotator, status=Status.done,
                updated_at=datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC),
                text_sha1=document.sha1, attributions=draw(attributions(text, "a")),
            )))
    return result


def stream_round_trip(module, items):
    report = module.new_report()
    buffer = io.BytesIO()
    module.write(iter(items), buffer, report)
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "out"
        path.write_bytes(buffer.getvalue())
        back = [pair for pair in module.read(path) if pair[1] is not None]
    return back, report


def by_key(pairs):
    return {(record.doc_id, record.annotator): (document, record) for document, record in pairs}


def spans_only(record: AnnotationRecord):
    return [span_signature(attribution) for attribution in record.attributions]


@SETTINGS
@given(examples())
def test_training_jsonl_round_trip_is_exact(items):
    back, report = stream_round_trip(training_jsonl, items)
    assert [(d, r) for d, r in back] == [(item.document, item.record) for item in items]
    assert not report.counts


@SETTINGS
@given(examples())
def test_spacy_docbin_round_trip_is_exact(items):
    report = spacy_docbin.new_report()
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "train.spacy"
        spacy_docbin.write_docbins(iter(items), path, report)
        back = list(spacy_docbin.read(path))
    assert back == [(item.document, item.record) for item in items]


def relation_format_round_trip(module, items, carries_ids_and_fields: bool):
    back, report = stream_round_trip(module, items)
    got = by_key(back)
    assert got.keys() == {item.record.key for item in items}
    for item in items:
        document, record = got[item.record.key]
        assert document.id == item.document.id and document.text == item.document.text
        if spans_only(record) != spans_only(item.record):
            # Only allowed when the writer said so.
            assert report.counts["attributions whose spans cannot be told apart (shared offsets)"] \
                or report.counts["spans covering only whitespace (no token to attach to)"]
        elif carries_ids_and_fields:
            for original, rebuilt in zip(item.record.attributions, record.attributions):
                assert (rebuilt.id, rebuilt.type, rebuilt.note, rebuilt.source_entity) == (
                    original.id, original.type, original.note, original.source_entity)
    discontinuous = sum(
        1 for item in items for a in item.record.attributions
        for span in (a.source, a.cue, a.content) if span is not None and span.fragments
    )
    assert sum(count for what, count in report.counts.items() if what.startswith("discontinuous")) == discontinuous
    if not carries_ids_and_fields:
        notes = sum(1 for item in items for a in item.record.attributions if a.note is not None)
        assert report.counts["attribution note values not carried"] == notes


@SETTINGS
@given(examples())
def test_doccano_round_trip_keeps_frames_and_counts_losses(items):
    relation_format_round_trip(doccano, items, carries_ids_and_fields=False)


@SETTINGS
@given(examples())
def test_labelstudio_round_trip_keeps_frames_ids_types_and_notes(items):
    relation_format_round_trip(labelstudio, items, carries_ids_and_fields=True)


@SETTINGS
@given(examples())
def test_prodigy_round_trip_keeps_frames_and_counts_losses(items):
    relation_format_round_trip(prodigy, items, carries_ids_and_fields=False)


def merged(span: Span | None):
    """A span's pieces with touching ones joined, as the BRAT reader joins them."""
    return None if span is None else tuple(_merge(span.pieces))


def _merge(pieces):
    out: list[list[int]] = []
    for start, end in pieces:
        if out and start <= out[-1][1]:
            out[-1][1] = max(out[-1][1], end)
        else:
            out.append([start, end])
    return [tuple(piece) for piece in out]


@SETTINGS
@given(examples())
def test_brat_round_trip_keeps_fragments_types_entities_notes(items):
    report = brat.new_report()
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder) / "brat"
        out.mkdir()
        brat.write_brat(iter(items), out / "data", report)
        imported = brat.read_brat(out / "data")
    assert not imported.problems or all("differs from the document" in p for p in imported.problems)
    got = {record.key: record for record in imported.records}
    texts = {document.id: document for document in imported.documents}
    assert got.keys() == {item.record.key for item in items}
    for item in items:
        document = texts[item.document.id]
        assert document.text == item.document.text
        # metadata.tsv values are read trimmed (PolNeAR's convention); empty means none.
        assert document.meta.title == ((item.document.meta.title or "").strip() or None)
        record = got[item.record.key]
        assert [a.id for a in record.attributions] == brat.event_ids(item.record)
        for original, rebuilt in zip(item.record.attributions, record.attributions, strict=True):
            for role in ("source", "cue", "content"):
                assert merged(getattr(rebuilt, role)) == merged(getattr(original, role))
            assert (rebuilt.type, rebuilt.source_entity, rebuilt.note) == (
                original.type, original.source_entity, original.note)
    touching = sum(brat.touching_fragments(item.record) for item in items)
    assert report.counts["spans with touching fragments (read back merged into one piece)"] == touching


@SETTINGS
@given(examples())
def test_conll_tags_every_role_token_and_carries_the_frames(items):
    report = conll.new_report()
    for item in items:
        block, role_blocks = conll.example_blocks(item, report)
        rows = [line.split("\t") for line in block.splitlines() if line and not line.startswith("#")]
        assert all(len(row) == len(conll.COLUMNS) for row in rows)
        for column, role in enumerate(("source", "cue", "content"), start=4):
            tags = [row[column] for row in rows]
            for index, tag in enumerate(tags):  # well-formed BIO
                if tag.startswith("I-"):
                    assert index > 0 and tags[index - 1][2:] == tag[2:]
            has_role = any(getattr(a, role) is not None and getattr(a, role).text.strip()
                           for a in item.record.attributions)
            assert has_role == any(tag != "O" for tag in tags)
            # The role's own file: the same tags, four space-separated columns a line.
            lines = [line.split(" ") for line in next(text for r, text in role_blocks.items() if r.value == role)
                     .splitlines()[2:] if line]
            assert [line[3] for line in lines] == tags and all(len(line) == 4 for line in lines)
        _, rebuilt = conll.parse_block(block.splitlines(), "<test>", 1)
        kept = [a for a in item.record.attributions if a.content.text.strip()]
        assert [(a.id, a.type, a.source_entity, a.note) for a in rebuilt.attributions] == [
            (a.id, a.type, a.source_entity, a.note) for a in kept]
        assert (rebuilt.annotator, rebuilt.status, rebuilt.updated_at) == (
            item.record.annotator, item.record.status, item.record.updated_at)
    assert "attributions whose frame (which source, cue and content belong together) is not carried" not in report.counts

"""The data model enforces the contract: offsets, fragments, span texts, content, ids."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from annotator.corpus import load_corpus
from annotator.schema import (
    AnnotationRecord,
    Attribution,
    AttributionType,
    Document,
    Span,
    record_problems,
    text_sha1,
)


@pytest.fixture(scope="module")
def ispr_document(seeds_dir):
    documents = {doc.id: doc for doc in load_corpus(seeds_dir)}
    return documents["000_302df5bc7456bd44-2"]


def find(text: str, needle: str) -> tuple[int, int]:
    start = text.index(needle)
    return start, start + len(needle)


def test_span_of_seed_text_validates_against_the_text(ispr_document):
    text = ispr_document.text
    start, end = find(text, "Indian-sponsored militants")
    span = Span.model_validate({"start": start, "end": end, "text": text[start:end]}, context={"text": text})
    assert span.text == "Indian-sponsored militants"
    assert span.pieces == [(start, end)]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"start": 10, "end": 10}, "less than end"),
        ({"start": 12, "end": 10}, "less than end"),
        ({"start": -1}, "greater than or equal to 0"),
        ({"text": "something else"}, "does not match"),
        ({"end": 10**7}, "beyond the text"),
    ],
)
def test_bad_spans_are_refused(ispr_document, change, message):
    text = ispr_document.text
    start, end = find(text, "ISPR")
    data = {"start": start, "end": end, "text": text[start:end], **change}
    with pytest.raises(ValidationError, match=message):
        Span.model_validate(data, context={"text": text})


def test_discontinuous_quote_joins_fragment_texts(ispr_document):
    text = ispr_document.text
    first = find(text, "Sanitization operations")
    second = find(text, "the ISPR said")
    span = Span.from_pieces(text, [second, first])  # order given does not matter
    assert span.fragments == [first, second]
    assert (span.start, span.end) == (first[0], second[1])
    assert span.text == "Sanitization operations the ISPR said"
    Span.model_validate(span.model_dump(), context={"text": text})


@pytest.mark.parametrize(
    "fragments",
    [
        [[20, 30], [10, 15]],  # not sorted
        [[10, 20], [15, 30]],  # overlapping
        [[10, 20]],  # a single fragment is not discontinuous
        [[10, 10], [20, 30]],  # empty piece
    ],
)
def test_bad_fragments_are_refused(fragments):
    with pytest.raises(ValidationError):
        Span(start=fragments[0][0], end=fragments[-1][1], text="x", fragments=fragments)


def test_adjacent_pieces_merge_into_one_contiguous_span(ispr_document):
    text = ispr_document.text
    span = Span.from_pieces(text, [(0, 5), (5, 9)])
    assert span.fragments is None and span.text == text[0:9]


def test_attribution_requires_content(ispr_document):
    with pytest.raises(ValidationError, match="content"):
        Attribution.model_validate({"id": "a1", "type": "direct"})


def test_unknown_keys_and_wrong_types_are_refused():
    with pytest.raises(ValidationError):
        Span.model_validate({"start": "zero", "end": 3, "text": "abc"})
    with pytest.raises(ValidationError):
        Span.model_validate({"start": 0, "end": 3, "text": "abc", "colour": "red"})


def make_record(document: Document, attributions: list[Attribution]) -> AnnotationRecord:
    return AnnotationRecord(
        doc_id=document.id,
        annotator="tester",
        updated_at=datetime(2026, 11, 22, tzinfo=UTC),
        text_sha1=document.sha1,
        attributions=attributions,
    )


def test_record_fits_its_document_and_reports_what_does_not(ispr_document):
    text = ispr_document.text
    content = Span.from_text(text, *find(text, "Indian-sponsored militants"))
    source = Span.from_text(text, *find(text, "the ISPR"))
    good = Attribution(id="a1", source=source, content=content, type=AttributionType.scare_quote)
    record = make_record(ispr_document, [good])
    assert record_problems(record, ispr_document) == []
    shifted = Attribution(
        id="a2", content=Span(start=content.start + 1, end=content.end + 1, text=content.text)
    )
    problems = record_problems(make_record(ispr_document, [shifted]), ispr_document)
    assert len(problems) == 1 and "content" in problems[0] and "does not match" in problems[0]
    other = Document(id=ispr_document.id, text=text + " changed")
    assert any("text_sha1" in problem for problem in record_problems(record, other))


def test_record_refuses_duplicate_ids_and_naive_times(ispr_document):
    text = ispr_document.text
    content = Span.from_text(text, 0, 8)
    twice = [Attribution(id="same", content=content), Attribution(id="same", content=content)]
    with pytest.raises(ValidationError, match="used twice"):
        make_record(ispr_document, twice)
    with pytest.raises(ValidationError, match="timezone"):
        AnnotationRecord(
            doc_id="d", annotator="a", updated_at=datetime(2026, 1, 1), text_sha1=text_sha1("x")
        )


def test_record_survives_a_json_round_trip(ispr_document):
    text = ispr_document.text
    content = Span.from_pieces(text, [find(text, "Sanitization operations"), find(text, "in the area")])
    record = make_record(ispr_document, [Attribution(id="a1", content=content, score=0.8)])
    again = AnnotationRecord.model_validate_json(record.model_dump_json())
    assert again == record

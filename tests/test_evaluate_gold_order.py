"""'The first annotator of each document' follows the corpus's own list when it has one."""

from __future__ import annotations

from annotator.formats.brat import read_brat
from annotator.records import listed_annotators, per_document
from annotator.store import JournalContents


def contents_in_order(records) -> JournalContents:
    contents = JournalContents()
    for record in records:
        contents.latest[record.key] = record
    return contents


def test_metadata_order_wins_over_the_order_journals_are_given(polnear_dir):
    imported = read_brat(polnear_dir / "annotator-training")
    documents = {document.id: document for document in imported.documents}
    listed = listed_annotators(documents)
    assert set(listed) == set(documents)
    assert all(names == ["4b22", "4e07", "5fec", "6b86", "d473", "ef2d"] for names in listed.values())
    # Journals given last annotator first: without the corpus's list, that one is "first".
    reversed_records = sorted(imported.records, key=lambda record: record.annotator, reverse=True)
    contents = contents_in_order(reversed_records)
    assert {record.annotator for record in per_document(contents).values()} == {"ef2d"}
    chosen = per_document(contents, listed=listed)
    assert {record.annotator for record in chosen.values()} == {"4b22"}
    # An explicit preference still overrides both.
    preferred = per_document(contents, ["d473"], listed=listed)
    assert {record.annotator for record in preferred.values()} == {"d473"}

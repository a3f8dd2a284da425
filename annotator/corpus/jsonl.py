"""Corpus JSONL: one Document per line (DESIGN.md data contract)."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from pydantic import ValidationError

from annotator.errors import AnnotatorError, describe_validation_error
from annotator.fileio import atomic_writer, jsonl_values, read_text
from annotator.schema import Document


def read_corpus_jsonl(path: Path, display_path: str | None = None) -> list[Document]:
    """Every document of a corpus file; the first bad line raises, naming its number."""
    documents = []
    first_line_of: dict[str, int] = {}
    for line, value, problem in jsonl_values(read_text(path)):
        if problem:
            raise AnnotatorError(problem, path, line)
        document = parse_document(value, path, line)
        if document.id in first_line_of:
            raise AnnotatorError(
                f"duplicate document id {document.id!r} (first on line {first_line_of[document.id]})", path, line
            )
        first_line_of[document.id] = line
        documents.append(document)
    return documents


def parse_document(value: object, path: Path | str, line: int) -> Document:
    if not isinstance(value, dict):
        raise AnnotatorError("expected a JSON object for a document", path, line)
    try:
        return Document.model_validate(value)
    except ValidationError as error:
        raise AnnotatorError(describe_validation_error(error), path, line) from None


def document_to_json(document: Document) -> dict:
    return document.model_dump(mode="json", exclude_none=False)


def write_corpus_jsonl(documents: Iterable[Document], path: Path) -> int:
    """Write the corpus atomically; returns the number of documents written."""
    from annotator.fileio import dumps_line

    count = 0
    with atomic_writer(path, "wb") as stream:
        for document in documents:
            stream.write(dumps_line(document_to_json(document)))
            count += 1
    return count

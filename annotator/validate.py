"""Checking corpus and annotation files against the data contract.

Every problem is reported (not just the first) as ``FILE:LINE: problem``. The kind of
file is recognised from its lines: documents carry ``id`` and ``text``, annotation
records carry ``doc_id`` and ``schema_version``.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import asdict, dataclass
from pathlib import Path

from pydantic import ValidationError

from annotator.errors import AnnotatorError, describe_validation_error
from annotator.fileio import jsonl_values, read_text
from annotator.schema import AnnotationRecord, Document, record_problems


@dataclass(frozen=True)
class Problem:
    path: str
    line: int | None
    message: str

    def __str__(self) -> str:
        where = self.path if self.line is None else f"{self.path}:{self.line}"
        return f"{where}: {self.message}"

    def to_json(self) -> dict:
        return asdict(self)


@dataclass
class FileReport:
    path: str
    kind: str  # "corpus", "annotations" or "unknown"
    lines: int
    problems: list[Problem]


def classify(value: object) -> str:
    if isinstance(value, dict):
        if "doc_id" in value or "schema_version" in value:
            return "annotations"
        if "text" in value and "id" in value:
            return "corpus"
    return "unknown"


def validate_file(path: Path, corpus: dict[str, Document] | None = None) -> FileReport:
    shown = str(path)
    try:
        text = read_text(path)
    except AnnotatorError as error:
        return FileReport(shown, "unknown", 0, [Problem(shown, error.line, error.message)])
    problems: list[Problem] = []
    kind: str | None = None
    seen_ids: dict[str, int] = {}
    lines = 0
    for line, value, problem in jsonl_values(text):
        lines += 1
        if problem:
            problems.append(Problem(shown, line, problem))
            continue
        line_kind = classify(value)
        if line_kind == "unknown":
            problems.append(
                Problem(shown, line, "neither a document (id, text) nor an annotation record (doc_id, schema_version)")
            )
            continue
        if kind is None:
            kind = line_kind
        elif line_kind != kind:
            what = "an annotation record" if line_kind == "annotations" else "a document"
            problems.append(Problem(shown, line, f"{what} in a{'n annotations' if kind == 'annotations' else ' corpus'} file"))
            continue
        assert isinstance(value, dict)  # classify() found a document or a record
        if kind == "corpus":
            problems.extend(_check_document(value, shown, line, seen_ids))
        else:
            problems.extend(_check_record(value, shown, line, corpus))
    if lines == 0:
        problems.append(Problem(shown, None, "empty input: no JSON lines"))
    return FileReport(shown, kind or "unknown", lines, problems)


def _check_document(value: dict, path: str, line: int, seen_ids: dict[str, int]) -> list[Problem]:
    try:
        document = Document.model_validate(value)
    except ValidationError as error:
        return [Problem(path, line, describe_validation_error(error))]
    if document.id in seen_ids:
        return [Problem(path, line, f"duplicate document id {document.id!r} (first on line {seen_ids[document.id]})")]
    seen_ids[document.id] = line
    return []


def _check_record(
    value: dict, path: str, line: int, corpus: dict[str, Document] | None
) -> list[Problem]:
    try:
        record = AnnotationRecord.model_validate(value)
    except ValidationError as error:
        return [Problem(path, line, describe_validation_error(error))]
    if corpus is None:
        return []
    document = corpus.get(record.doc_id)
    if document is None:
        return [Problem(path, line, f"document {record.doc_id!r} is not in the corpus")]
    return [Problem(path, line, message) for message in record_problems(record, document)]


def validate_files(paths: Iterable[Path], corpus: dict[str, Document] | None = None) -> list[FileReport]:
    return [validate_file(Path(path), corpus) for path in paths]

"""Where suggested attributions come from: a JSONL file, or the suggester per document.

Suggestions are computed lazily, when a document is first opened, and cached in
``<annotations>/.suggestions/<doc_id>.json`` keyed by the text's fingerprint, so
opening a large corpus stays instant and reopening a document costs nothing.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import orjson

from annotator.schema import AnnotationRecord, Attribution, Document, Origin, record_problems


class SuggestionSource:
    def __init__(self, file: Path | None = None, cache_dir: Path | None = None,
                 compute: bool = True, model: str = "rules"):
        self.file = Path(file) if file else None
        self.cache_dir = Path(cache_dir) if cache_dir else None
        self.compute = compute and self.file is None
        self.model = model
        self.problems: list[str] = []
        self.unavailable: str | None = None
        self._from_file: dict[str, AnnotationRecord] | None = None

    def _load_file(self) -> dict[str, AnnotationRecord]:
        if self._from_file is None:
            from annotator.store import iter_journal_lines

            records: dict[str, AnnotationRecord] = {}
            assert self.file is not None
            for _number, record, problem in iter_journal_lines(self.file):
                if problem:
                    self.problems.append(str(problem))
                elif record is not None:
                    records[record.doc_id] = record
            self._from_file = records
        return self._from_file

    def ready_for(self, document: Document) -> tuple[Attribution, ...] | None:
        """The suggestions if they are at hand without running the suggester, else None."""
        if self.file is not None or not self.compute:
            return self.for_document(document)
        return self._cached(document)

    def for_document(self, document: Document) -> tuple[Attribution, ...]:
        if self.file is not None:
            record = self._load_file().get(document.id)
            if record is None:
                return ()
            problems = record_problems(record, document)
            if problems:
                self.problems.append(f"{self.file}: suggestions for {document.id}: {problems[0]}")
                return ()
            return _as_suggestions(record)
        if not self.compute:
            return ()
        cached = self._cached(document)
        if cached is not None:
            return cached
        record = self._run_suggester(document)
        if record is None:
            return ()
        self._store(document, record)
        return _as_suggestions(record)

    def _run_suggester(self, document: Document) -> AnnotationRecord | None:
        if self.unavailable:
            return None
        try:
            from annotator.suggest import suggest_records  # type: ignore[attr-defined]
        except ImportError as error:
            self.unavailable = (
                f"no suggestions: the suggester (annotator.suggest) is not available ({error}); "
                "pass --suggestions FILE or annotate from scratch"
            )
            return None
        try:
            records = list(suggest_records([document], model=self.model))
        except Exception as error:  # the suggester failing must not stop annotation
            self.problems.append(f"suggester failed on {document.id}: {type(error).__name__}: {error}")
            return None
        return records[0] if records else None

    def _cache_file(self, document: Document) -> Path | None:
        if self.cache_dir is None:
            return None
        name = hashlib.sha1(f"{self.model}\0{document.id}".encode()).hexdigest()
        return self.cache_dir / f"{name}.json"

    def _cached(self, document: Document) -> tuple[Attribution, ...] | None:
        path = self._cache_file(document)
        if path is None or not path.exists():
            return None
        try:
            record = AnnotationRecord.model_validate(orjson.loads(path.read_bytes()))
        except Exception:
            return None
        if record.doc_id != document.id or record_problems(record, document):
            return None
        return _as_suggestions(record)

    def _store(self, document: Document, record: AnnotationRecord) -> None:
        path = self._cache_file(document)
        if path is None:
            return
        try:
            from annotator.fileio import atomic_writer, dumps_line

            path.parent.mkdir(parents=True, exist_ok=True)
            with atomic_writer(path, "wb") as stream:
                stream.write(dumps_line(record.model_dump(mode="json", exclude_none=True)))
        except Exception:  # a cache is an optimisation only
            pass


def _as_suggestions(record: AnnotationRecord) -> tuple[Attribution, ...]:
    return tuple(
        attribution.model_copy(update={"origin": Origin.suggested, "action": None})
        for attribution in record.attributions
    )

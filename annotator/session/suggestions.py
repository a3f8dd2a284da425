"""Where suggested attributions come from: a JSONL file, or the suggester per document.

Suggestions are computed lazily, when a document is first opened, and cached in
``<annotations>/.suggestions/<doc_id>.json`` keyed by the text's fingerprint, so
opening a large corpus stays instant and reopening a document costs nothing.
"""

from __future__ import annotations

import hashlib
import threading
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
        self._index: dict[str, tuple[int, int, int]] | None = None
        self._lock = threading.Lock()  # one suggester run at a time (the app runs it in threads)
        self._data = b""

    def _load_file(self) -> dict[str, tuple[int, int, int]]:
        """doc_id -> (line number, start, end) of its record: the file is indexed, not
        parsed, so a suggestions file for 100,000 documents opens at once. The doc_id is
        read from the start of each line (where the writers put it); other lines are parsed."""
        if self._index is None:
            import re

            assert self.file is not None
            data = self.file.read_bytes()
            self._data = data
            index: dict[str, tuple[int, int, int]] = {}
            doc_id = re.compile(rb'"doc_id":\s*"((?:[^"\\]|\\.)*)"')
            position, number = 0, 0
            while position < len(data):
                newline = data.find(b"\n", position)
                end = len(data) if newline == -1 else newline
                number += 1
                line = data[position:end]
                if line.strip():
                    found = doc_id.search(line, 0, 400)
                    if found is not None:
                        key = orjson.loads(b'"' + found.group(1) + b'"')
                    else:
                        try:
                            key = orjson.loads(line).get("doc_id")
                        except Exception:
                            key = None
                    if isinstance(key, str):
                        index[key] = (number, position, end)  # the latest line wins
                    else:
                        self.problems.append(f"{self.file}:{number}: no doc_id; line ignored")
                position = end + 1
            self._index = index
        return self._index

    def _record_from_file(self, doc_id: str) -> AnnotationRecord | None:
        where = self._load_file().get(doc_id)
        if where is None:
            return None
        number, start, end = where
        from pydantic import ValidationError

        from annotator.errors import describe_validation_error

        try:
            return AnnotationRecord.model_validate(orjson.loads(self._data[start:end]))
        except orjson.JSONDecodeError as error:
            self.problems.append(f"{self.file}:{number}: invalid JSON: {error}")
        except ValidationError as error:
            self.problems.append(f"{self.file}:{number}: {describe_validation_error(error)}")
        return None

    def ready_for(self, document: Document) -> tuple[Attribution, ...] | None:
        """The suggestions if they are at hand without running the suggester, else None."""
        if self.file is not None or not self.compute:
            return self.for_document(document)
        return self._cached(document)

    def for_document(self, document: Document) -> tuple[Attribution, ...]:
        if self.file is not None:
            record = self._record_from_file(document.id)
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
            from annotator.suggest import suggest_records
        except ImportError as error:
            self.unavailable = (
                f"no suggestions: the suggester (annotator.suggest) is not available ({error}); "
                "pass --suggestions FILE or annotate from scratch"
            )
            return None
        try:
            with self._lock:
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

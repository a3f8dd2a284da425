"""Lazy access to a corpus: open 100,000 documents without parsing them up front.

A corpus JSONL file is memory-mapped and indexed by its line offsets (one vectorised
scan for newlines); a document is parsed only when it is asked for. Folders and other
importable sources are small and are read whole.
"""

from __future__ import annotations

import mmap
from bisect import bisect_right
from collections import OrderedDict
from collections.abc import Iterable
from pathlib import Path
from typing import Protocol

import orjson

from annotator.errors import AnnotatorError
from annotator.schema import Document


class DocumentIndex(Protocol):
    """What the annotation app needs from a corpus."""

    path: Path

    def __len__(self) -> int: ...

    def document(self, position: int) -> Document: ...

    def id_at(self, position: int) -> str: ...

    def position_of(self, doc_id: str, hint: int | None = None) -> int | None: ...


class ListIndex:
    """Documents already in memory."""

    def __init__(self, documents: list[Document], path: Path):
        self.path = Path(path)
        self._documents = documents
        self._positions = {doc.id: index for index, doc in enumerate(documents)}

    def __len__(self) -> int:
        return len(self._documents)

    def document(self, position: int) -> Document:
        return self._documents[position]

    def id_at(self, position: int) -> str:
        return self._documents[position].id

    def position_of(self, doc_id: str, hint: int | None = None) -> int | None:
        return self._positions.get(doc_id)


class JsonlIndex:
    """A corpus JSONL file indexed by line offsets; documents parsed on demand."""

    def __init__(self, path: Path, cache_size: int = 64):
        self.path = Path(path)
        try:
            self._file = open(self.path, "rb")
        except FileNotFoundError:
            raise AnnotatorError("no such file", path) from None
        except IsADirectoryError:
            raise AnnotatorError("is a directory, expected a file", path) from None
        size = self.path.stat().st_size
        if size == 0:
            raise AnnotatorError("empty input: no documents found", path)
        self._map = mmap.mmap(self._file.fileno(), 0, access=mmap.ACCESS_READ)
        # One memchr per line (about 0.1 s for 100,000 documents, 270 MB); nothing parsed.
        starts: list[int] = []
        ends: list[int] = []
        line_numbers: list[int] = []
        find = self._map.find
        # A byte order mark before the first line is not part of it.
        position, number = (3 if self._map[:3] == b"\xef\xbb\xbf" else 0), 1
        while position < size:
            newline = find(b"\n", position)
            end = size if newline == -1 else newline
            if end - position > 1 or (end - position == 1 and self._map[position] not in b"\r"):
                starts.append(position)
                ends.append(end)
                line_numbers.append(number)
            position = end + 1
            number += 1
        self._starts, self._ends, self._line_numbers = starts, ends, line_numbers
        if not self._starts:
            raise AnnotatorError("empty input: no documents found", path)
        self._cache: OrderedDict[int, Document] = OrderedDict()
        self._cache_size = cache_size
        self._ids: dict[int, str] = {}
        self._positions: dict[str, int] = {}

    def __len__(self) -> int:
        return len(self._starts)

    def _raw(self, position: int) -> bytes:
        return self._map[self._starts[position] : self._ends[position]]

    def document(self, position: int) -> Document:
        cached = self._cache.get(position)
        if cached is not None:
            self._cache.move_to_end(position)
            return cached
        from annotator.corpus.jsonl import parse_document

        line = self._line_numbers[position]
        raw = self._raw(position)
        try:
            value = orjson.loads(raw)
        except orjson.JSONDecodeError as error:
            if not raw.strip():
                raise AnnotatorError("blank line where a document was expected", self.path, line) from None
            raise AnnotatorError(f"invalid JSON: {error}", self.path, line) from None
        document = parse_document(value, self.path, line)
        self._cache[position] = document
        if len(self._cache) > self._cache_size:
            self._cache.popitem(last=False)
        self._remember(position, document.id)
        return document

    def _remember(self, position: int, doc_id: str) -> None:
        self._ids[position] = doc_id
        self._positions.setdefault(doc_id, position)

    def id_at(self, position: int) -> str:
        known = self._ids.get(position)
        if known is not None:
            return known
        raw = self._raw(position)
        try:
            value = orjson.loads(raw)
            doc_id = value["id"]
            if not isinstance(doc_id, str):
                raise TypeError
        except (orjson.JSONDecodeError, KeyError, TypeError):
            return self.document(position).id  # raises with the line number
        self._remember(position, doc_id)
        return doc_id

    def line_bytes(self, position: int, limit: int | None = None) -> bytes:
        """The raw JSON line of a document, or its first ``limit`` bytes (for a scan
        that must not parse 100,000 of them)."""
        start, end = self._starts[position], self._ends[position]
        return self._map[start : end if limit is None else min(end, start + limit)]

    def line_number(self, position: int) -> int:
        return self._line_numbers[position]

    def lines_containing(self, needles: Iterable[bytes], limit: int) -> list[int]:
        """Positions of the first ``limit`` documents whose raw line holds any of the
        byte strings: a memchr-speed ``find`` over the mapped file per needle, nothing
        parsed (the document overview's search; a case-blind regex was ten times slower)."""
        found: set[int] = set()
        for needle in set(needles):
            if not needle or b"\n" in needle:
                continue
            offset, count = 0, 0
            while count < limit:
                at = self._map.find(needle, offset)
                if at == -1:
                    break
                index = bisect_right(self._starts, at) - 1
                if index >= 0 and at < self._ends[index]:
                    found.add(index)
                    count += 1
                    offset = self._ends[index] + 1
                else:
                    offset = at + 1
        return sorted(found)[:limit]

    def position_of(self, doc_id: str, hint: int | None = None) -> int | None:
        if hint is not None and 0 <= hint < len(self) and self.id_at(hint) == doc_id:
            return hint
        if doc_id in self._positions:
            return self._positions[doc_id]
        needle = orjson.dumps(doc_id)
        for position in range(len(self)):
            if needle in self._raw(position)[:4096] and self.id_at(position) == doc_id:
                return position
        return None


def open_corpus(path: Path) -> DocumentIndex:
    """A lazy index for a corpus JSONL file; other sources are read whole."""
    from annotator.corpus import JSONL_SUFFIXES, collect_documents

    path = Path(path)
    if path.is_file() and path.suffix.lower() in JSONL_SUFFIXES:
        return JsonlIndex(path)
    return ListIndex(collect_documents([path]), path)

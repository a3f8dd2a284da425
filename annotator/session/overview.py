"""The document overview's data, computed lazily so that a 100,000-document corpus opens
at once: a row is built only when it is shown, from the corpus index (one line parsed)
and the session's journal lines; searching scans the raw corpus bytes, never parsing
documents that do not match.
"""

from __future__ import annotations

import re
from collections import OrderedDict
from dataclasses import dataclass

import orjson

from annotator.errors import AnnotatorError
from annotator.schema import Action, AnnotationRecord, Origin

SEARCH_LIMIT = 5000  # matching documents listed at most (the count says when there are more)


@dataclass(frozen=True)
class Row:
    position: int
    doc_id: str
    title: str | None
    status: str  # "done", "in progress", "skipped", "not started", or "broken"
    decided: int | None  # suggestions accepted, edited or rejected
    undecided: int | None  # None: not known (never opened in the app)
    seconds: float | None  # time spent, pauses over timing.IDLE_CAP_SECONDS capped
    problem: str | None = None


def decided_count(record: AnnotationRecord) -> int:
    kept = sum(1 for a in record.attributions
               if a.origin == Origin.suggested or a.action in (Action.accepted, Action.edited))
    return kept + sum(1 for a in record.rejected if a.origin == Origin.suggested)


class Overview:
    """Rows for the overview screen, each computed on first use and kept (LRU)."""

    def __init__(self, session, cache_size: int = 2000):
        self.session = session
        self.corpus = session.corpus
        self._rows: OrderedDict[int, Row] = OrderedDict()
        self._cache_size = cache_size

    def __len__(self) -> int:
        return len(self.corpus)

    def row(self, position: int) -> Row:
        cached = self._rows.get(position)
        if cached is not None:
            self._rows.move_to_end(position)
            return cached
        row = self._build(position)
        self._rows[position] = row
        if len(self._rows) > self._cache_size:
            self._rows.popitem(last=False)
        return row

    def forget(self, position: int) -> None:
        """Drop a row whose document changed (the open one, after a decision)."""
        self._rows.pop(position, None)

    def _build(self, position: int) -> Row:
        try:
            doc_id, title = self._id_and_title(position)
        except AnnotatorError as error:
            return Row(position, f"line {position + 1}", None, "broken", None, None, None, str(error))
        session = self.session
        records = session._lines.get(doc_id, [])
        status = "not started"
        decided = undecided = seconds = None
        if records:
            last = records[-1]
            status = last.status.value.replace("_", " ")
            decided = decided_count(last)
            undecided = last.session.undecided if last.session is not None else None
            from annotator.timing import active_seconds

            seconds = active_seconds([record.updated_at for record in records])
        if session.document is not None and session.document.id == doc_id and session.state is not None:
            state = session.state  # the open document: live figures
            undecided = state.pending_count
            decided = sum(1 for item in state.items if item.status in ("accepted", "edited", "rejected")
                          and item.attribution.origin == Origin.suggested)
            if records or session.history.position:  # opened and not yet touched: not started
                status = state.status.value.replace("_", " ")
        return Row(position, doc_id, title, status, decided, undecided, seconds)

    def _id_and_title(self, position: int) -> tuple[str, str | None]:
        raw = getattr(self.corpus, "line_bytes", None)
        if raw is None:  # a folder read whole: documents are in memory
            document = self.corpus.document(position)
            return document.id, document.meta.title
        try:
            value = orjson.loads(raw(position))
            doc_id = value["id"]
            meta = value.get("meta") or {}
            title = meta.get("title") if isinstance(meta, dict) else None
            if isinstance(doc_id, str) and doc_id and (title is None or isinstance(title, str)):
                return doc_id, title
        except (orjson.JSONDecodeError, KeyError, TypeError, AttributeError):
            pass
        document = self.corpus.document(position)  # raises with the file and line
        return document.id, document.meta.title

    def counts(self) -> dict[str, int]:
        """Documents by status (from the journal: no corpus line is read)."""
        counts = {"done": 0, "in progress": 0, "skipped": 0}
        for records in self.session._lines.values():
            if records:
                counts[records[-1].status.value.replace("_", " ")] += 1
        return counts

    def jump_target(self, typed: str) -> int | None:
        """A document number (1-based) or an exact document id, as a position."""
        typed = typed.strip()
        if typed.isdigit() and typed.isascii() and 1 <= int(typed) <= len(self.corpus):
            return int(typed) - 1
        if typed:
            return self.corpus.position_of(typed)
        return None

    def search(self, query: str, status: str | None = None) -> tuple[list[int], bool]:
        """Positions of documents whose line holds ``query`` (id, title or text) as typed,
        in lower or upper case, or capitalised, and whether the list was cut at SEARCH_LIMIT.
        ``status`` keeps only documents of that status ("not started" included)."""
        needle = query.strip()
        if not needle:
            return [], False
        raw = getattr(self.corpus, "line_bytes", None)
        found: list[int] = []
        if raw is None:
            folded = needle.casefold()
            for position in range(len(self.corpus)):
                document = self.corpus.document(position)
                haystack = f"{document.id}\n{document.meta.title or ''}\n{document.text}".casefold()
                if folded in haystack and self._keeps(position, status):
                    found.append(position)
                    if len(found) >= SEARCH_LIMIT:
                        return found, True
            return found, False
        # Each casing people write a name in, as UTF-8 bytes and as the \\u escapes
        # other JSON writers use.
        casings = {needle, needle.lower(), needle.upper(), needle[:1].upper() + needle[1:], needle.title()}
        forms = {form for casing in casings
                 for form in (orjson.dumps(casing)[1:-1], _ascii_json(casing))}
        limit = SEARCH_LIMIT + 1 if status is None else len(self.corpus)
        for position in self.corpus.lines_containing(forms, limit):
            if self._keeps(position, status):
                found.append(position)
                if len(found) > SEARCH_LIMIT:
                    return found[:SEARCH_LIMIT], True
        return found, False

    def _keeps(self, position: int, status: str | None) -> bool:
        return status is None or self.row(position).status == status


def _ascii_json(text: str) -> bytes:
    import json

    return json.dumps(text, ensure_ascii=True)[1:-1].encode("ascii")


_LEADING_ID = re.compile(rb'\{\s*"id"\s*:\s*("(?:[^"\\]|\\.)*")')


def duplicate_ids(corpus, limit: int = 5) -> tuple[int, list[tuple[str, list[int]]]]:
    """(how many ids appear on more than one line, the first few with their document
    numbers). Reads every id once: run it off the screen's thread on a large corpus."""
    seen: dict[str, int] = {}
    repeats: dict[str, list[int]] = {}
    raw = getattr(corpus, "line_bytes", None)
    for position in range(len(corpus)):
        # Lines that start with their id (ours do) give it without parsing the text.
        match = _LEADING_ID.match(raw(position, 512)) if raw is not None else None
        try:
            doc_id = orjson.loads(match.group(1)) if match else corpus.id_at(position)
        except (AnnotatorError, orjson.JSONDecodeError):  # a broken line: n steps over it
            continue
        first = seen.setdefault(doc_id, position)
        if first != position:
            repeats.setdefault(doc_id, [first + 1]).append(position + 1)
    return len(repeats), list(repeats.items())[:limit]


"""One annotator's session over a corpus: opens documents, applies transitions,
journals every decision at once and keeps an undo history that survives reopening.

The journal is the history: each decision appends the document's full record with a
``session`` entry (step and kind). Replaying a document's lines rebuilds its undo
stack; the last position (document and attribution) is kept in
``<annotations>/.session/<annotator>.json``.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import orjson

from annotator.corpus.index import DocumentIndex
from annotator.errors import AnnotatorError
from annotator.schema import AnnotationRecord, Document, SessionInfo, Status
from annotator.session import state as S
from annotator.session.lock import JournalLock
from annotator.session.state import Change, DocState, Snapshot
from annotator.session.suggestions import SuggestionSource
from annotator.session.tokens import Tokens
from annotator.store import Journal, iter_journal_lines, journal_path, now_utc, set_aside
from annotator.store.base import DecisionLog

COMPUTING = "computing suggestions for this document…"


class UnsavedDecisions(AnnotatorError):
    """Leaving a document while decisions could not be written: refused until they are
    written (retry) or discarded on purpose."""


@dataclass
class History:
    snapshots: list[Snapshot] = field(default_factory=lambda: [Snapshot()])
    position: int = 0

    @property
    def can_undo(self) -> bool:
        return self.position > 0

    @property
    def can_redo(self) -> bool:
        return self.position < len(self.snapshots) - 1


def replay(records: list[AnnotationRecord]) -> tuple[History, AnnotationRecord | None]:
    """Rebuild a document's undo history from its journal lines, in order."""
    history = History()
    last = None
    for record in records:
        snapshot = Snapshot(tuple(record.attributions), tuple(record.rejected), record.status)
        info = record.session
        if info is None or info.kind == "edit":
            step = history.position + 1 if info is None else max(1, info.step)
            step = min(step, len(history.snapshots))
            del history.snapshots[step:]
            history.snapshots.append(snapshot)
            history.position = step
        else:  # undo/redo: a state the history already holds
            if 0 <= info.step < len(history.snapshots):
                history.position = info.step
                history.snapshots[info.step] = snapshot
            else:  # a history we cannot follow: keep the state, as a new step
                history.snapshots.append(snapshot)
                history.position = len(history.snapshots) - 1
        last = record
    return history, last


class Session:
    """The headless annotation app: every key of the TUI is a method call here."""

    def __init__(self, corpus: DocumentIndex, annotator: str, annotations_dir: Path,
                 suggestions: SuggestionSource | None = None, now: Callable = now_utc,
                 log: DecisionLog | None = None):
        self.corpus = corpus
        self.annotator = annotator
        self.directory = Path(annotations_dir)
        # where decisions go: the annotator's journal, or a store.spool.DatabaseLog
        # (same methods; it says in ``unsaved`` when a decision only reached its spool)
        self.journal: DecisionLog = log or Journal(journal_path(self.directory, annotator))
        self.suggestions = suggestions or SuggestionSource(compute=False)
        self.now = now
        self.problems: list[str] = []
        self._lines: dict[str, list[AnnotationRecord]] = {}
        self._done: set[str] = set()
        self._load_journal()
        self.position = 0
        self.document: Document | None = None
        self.state: DocState | None = None
        self.history = History()
        self.message: str | None = None
        self.defer_sync = False
        self.write_error: str | None = None
        self._unsynced = False
        self.awaiting_suggestions = False
        # False in the app: open at once, compute suggestions in the background
        self.wait_for_suggestions = True
        self._unwritten: list[AnnotationRecord] = []
        self._other_entities: dict[str, int] | None = None
        self._resume_cursor: int | None = None
        self._document_sha1 = ""
        # set when another app window holds this journal: nothing is written then
        self.read_only: str | None = None
        self._lock: JournalLock | None = None

    # ---- loading -------------------------------------------------------------------
    def _load_journal(self) -> None:
        path = self.journal.path
        bad = []
        for _number, record, problem in self.journal.read_lines():
            if problem:
                bad.append(problem)
                continue
            assert record is not None
            if record.annotator != self.annotator:
                continue
            self._lines.setdefault(record.doc_id, []).append(record)
        self._done = {doc for doc, records in self._lines.items() if records[-1].status == Status.done}
        if bad:
            side = set_aside(path, bad)
            for problem in bad:
                self.problems.append(f"{problem} (copied to {side.name})")

    @property
    def position_file(self) -> Path:
        return self.directory / ".session" / f"{self.annotator}.json"

    def resume_position(self) -> tuple[int, str | None]:
        """Where the annotator left off: the saved position, else the last journalled doc.

        The position file is written when a document opens and on quit, not on every
        decision; when the journal holds decisions on that document made after it was
        written (the app was killed, or the terminal closed), the journal's last line
        says which attribution was selected and where the cursor was."""
        self._resume_cursor = None
        with contextlib.suppress(Exception):
            saved = orjson.loads(self.position_file.read_bytes())
            if saved.get("corpus") == str(self.corpus.path.resolve()):
                position = self.corpus.position_of(saved["doc_id"], saved.get("position"))
                if position is not None:
                    lines = len(self._lines.get(saved["doc_id"], ()))
                    if saved.get("journal_lines", lines) != lines:
                        return position, None  # open() takes the journal's last selection
                    self._resume_cursor = saved.get("cursor")
                    return position, saved.get("selected")
        latest = None
        for records in self._lines.values():
            if records and (latest is None or records[-1].updated_at > latest.updated_at):
                latest = records[-1]
        if latest is not None:
            position = self.corpus.position_of(latest.doc_id)
            if position is not None:
                return position, None
        return 0, None

    def acquire_lock(self) -> bool:
        """Take the one-window lock on this annotator's journal; if another app window
        holds it, this session becomes read-only (and says why) rather than writing
        decisions that would overwrite the other window's."""
        if self._lock is None:
            self._lock = JournalLock(self.directory / ".session" / f"{self.annotator}.lock")
        if self._lock.acquire():
            self.read_only = None
            return True
        self.read_only = (f"read-only: {self.journal.path.name} is open in another annotator window "
                          f"({self._lock.holder}); close that one to annotate here ({self.journal.path})")
        self.problems.insert(0, self.read_only)
        return False

    def release_lock(self) -> None:
        if self._lock is not None:
            self._lock.release()

    def start(self, wait: bool | None = None) -> None:
        position, selected = self.resume_position()
        self.open(position, selected, wait=wait, cursor=self._resume_cursor)
        if self.read_only:
            self.message = self.read_only

    def compute_suggestions(self, document: Document):
        """Run the suggester on one document (safe to call from a worker thread)."""
        return self.suggestions.for_document(document)

    def add_suggestions(self, doc_id: str, suggestions) -> bool:
        """Show suggestions computed after the document opened; False if it is no longer open."""
        if self.document is None or self.document.id != doc_id or self.state is None:
            return False
        self.awaiting_suggestions = False
        state = S.with_suggestions(self.state, tuple(suggestions))
        self.state = state
        count = sum(1 for item in state.items if item.status == "pending")
        note = f"{count} suggestion(s) to decide" if count else "no new suggestions for this document"
        # what opening the document said (e.g. "document done ... left undecided") stays
        kept = (self.message or "").replace(COMPUTING, "").rstrip(" ·")
        self.message = f"{kept} · {note}" if kept else note
        for problem in self.suggestions.problems:
            self.problems.append(problem)
        self.suggestions.problems.clear()
        if self.suggestions.unavailable:
            self.message = self.suggestions.unavailable
        return True

    def open(self, position: int, selected: str | None = None, wait: bool | None = None,
             cursor: int | None = None) -> None:
        """Open a document. With ``wait=False`` suggestions that must first be computed
        are left out: ``awaiting_suggestions`` is set, and the caller computes them
        (``compute_suggestions``, e.g. in a thread) and hands them to ``add_suggestions``.
        Raises UnsavedDecisions while decisions could not be written."""
        if not self.try_flush():
            raise UnsavedDecisions(f"{self.unsaved_summary()} not saved: {self.write_error}")
        wait = self.wait_for_suggestions if wait is None else wait
        position = max(0, min(len(self.corpus) - 1, position))
        document = self.corpus.document(position)
        suggestions = self.suggestions.for_document(document) if wait else self.suggestions.ready_for(document)
        self.awaiting_suggestions = suggestions is None
        suggestions = suggestions or ()
        records = [r for r in self._lines.get(document.id, [])]
        sha1 = document.sha1  # once per document, not once per line or per decision
        fitting = [r for r in records if r.text_sha1 == sha1]
        self.message = None
        if len(fitting) < len(records):
            self.message = (f"{len(records) - len(fitting)} journal line(s) for {document.id} "
                            "were made on a different text and are ignored")
        history, last = replay(fitting)
        snapshot = history.snapshots[history.position]
        if selected is None and last is not None and last.session is not None:
            selected = last.session.selected
        if cursor is None and last is not None and last.session is not None:
            cursor = last.session.cursor
        tokens = Tokens(document.text)
        self.position = position
        self.document = document
        self._document_sha1 = sha1
        self.history = history
        self.state = S.new_state(document.text, tokens, snapshot, suggestions, selected, cursor)
        self.save_position()
        for problem in self.suggestions.problems:
            self.problems.append(problem)
        self.suggestions.problems.clear()
        if self.suggestions.unavailable and self.suggestions.unavailable not in self.problems:
            self.problems.append(self.suggestions.unavailable)

    def save_position(self) -> None:
        self.try_flush()
        if self.document is None or self.read_only:
            return  # a read-only window leaves the other window's position alone
        with contextlib.suppress(OSError):
            from annotator.fileio import atomic_writer

            self.position_file.parent.mkdir(parents=True, exist_ok=True)
            data = {"corpus": str(self.corpus.path.resolve()), "position": self.position,
                    "doc_id": self.document.id,
                    "selected": self.state.selected if self.state else None,
                    "cursor": self.state.cursor if self.state else None,
                    # how many journal lines this document had: more on reopening means
                    # decisions after this was written (see resume_position)
                    "journal_lines": len(self._lines.get(self.document.id, ()))}
            with atomic_writer(self.position_file, "wb") as stream:
                stream.write(orjson.dumps(data))

    # ---- applying transitions ------------------------------------------------------
    def record(self, kind: str = "edit") -> AnnotationRecord:
        assert self.document is not None and self.state is not None
        state = self.state
        return AnnotationRecord(
            doc_id=self.document.id,
            annotator=self.annotator,
            status=state.status,
            updated_at=self.now(),
            text_sha1=self._document_sha1,
            attributions=list(state.attributions),
            rejected=list(state.rejected),
            session=SessionInfo(step=self.history.position, kind=kind,
                                selected=state.selected, cursor=state.cursor,
                                undecided=state.pending_count),
        )

    def _write(self, kind: str) -> None:
        """Journal the current state at once: one complete line, written before the
        next key is handled. Headless use also fsyncs here; the app sets
        ``defer_sync`` and calls ``flush`` right after drawing the frame, so the screen
        never waits on the disk (a killed process still loses nothing: the line is in
        the kernel; only a power cut in those milliseconds could)."""
        record = self.record(kind)
        self._lines.setdefault(record.doc_id, []).append(record)
        if record.status == Status.done:
            self._done.add(record.doc_id)
        else:
            self._done.discard(record.doc_id)
        self._unwritten.append(record)
        try:
            self.journal.append_many(self._unwritten, fsync=not self.defer_sync)
        except OSError as error:  # kept in _unwritten: the next decision or flush retries
            self.write_error = f"NOT SAVED: {self.journal.path}: {error.strerror or error} (retrying)"
            return
        self.write_error = getattr(self.journal, "unsaved", None)  # a database's NOT SAVED (spooled)
        self._unwritten = []
        self._unsynced = self.defer_sync

    def flush(self) -> None:
        """Write what a failed write left behind, and fsync what is not yet on disk."""
        if self._unwritten:
            records = self._unwritten
            self.journal.append_many(records, fsync=True)
            self._unwritten = []
            self._unsynced = False
            self.write_error = None
        elif self._unsynced:
            self.journal.sync()
            self._unsynced = False

    # ---- decisions that could not be written ----------------------------------------
    @property
    def unsaved(self) -> int:
        """How many decisions (journal lines) are waiting for a write that failed."""
        return len(self._unwritten)

    def try_flush(self) -> bool:
        """``flush`` that never raises: False (``write_error`` says why) while decisions
        stay unwritten; they are kept and the next call retries."""
        try:
            self.flush()
        except OSError as error:
            self.write_error = f"NOT SAVED: {self.journal.path}: {error.strerror or error}"
            return False
        return True

    def unsaved_summary(self) -> str:
        """What is waiting to be written, in words: "3 decision(s) on doc-7"."""
        documents = list(dict.fromkeys(record.doc_id for record in self._unwritten))
        shown = ", ".join(documents[:3]) + (f" and {len(documents) - 3} more" if len(documents) > 3 else "")
        return f"{len(self._unwritten)} decision(s) on {shown}"

    def discard_unsaved(self) -> str:
        """Drop the decisions that could not be written (the user chose to) and go back
        to what the journal holds; returns what was lost, in words."""
        lost = self.unsaved_summary()
        dropped = {id(record) for record in self._unwritten}
        touched = {record.doc_id for record in self._unwritten}
        self._unwritten = []
        self.write_error = None
        for doc_id in touched:
            kept = [r for r in self._lines.get(doc_id, []) if id(r) not in dropped]
            self._lines[doc_id] = kept
            if kept and kept[-1].status == Status.done:
                self._done.add(doc_id)
            else:
                self._done.discard(doc_id)
        if self.document is not None and self.document.id in touched:
            self.open(self.position)
        self.message = f"discarded {lost}"
        return lost

    def apply(self, change: Change) -> Change:
        assert self.state is not None
        if change.changed and self.read_only:
            self.message = self.read_only  # nothing changes that could not be saved
            return Change(self.state)
        if change.changed:
            change = self._entity_follows_source(change)
            snapshot = change.state.snapshot()
            del self.history.snapshots[self.history.position + 1 :]
            self.history.snapshots.append(snapshot)
            self.history.position += 1
            self.state = change.state
            self._write("edit")
        else:
            self.state = change.state
        self.message = self.write_error or change.message
        return change

    def _entity_follows_source(self, change: Change) -> Change:
        """A source set or changed by hand brings its entity along (source_entity.py),
        in the same journal line, so one undo takes both back."""
        from annotator.session.source_entity import followed_entity

        after = change.state.current
        if after is None or self.state is None or after.status == "rejected":
            return change
        before = self.state.by_id.get(after.id)
        before_attribution = before.attribution if before is not None else None
        if before_attribution is not None and before_attribution.source == after.attribution.source:
            return change
        entity = followed_entity(before_attribution, after.attribution, self.known_entities())
        if entity is None:
            return change
        followed = S.set_entity(change.state, entity)
        if not followed.changed:
            return change
        message = f"{change.message} · entity: {entity}" if change.message else f"entity: {entity}"
        return Change(followed.state, True, message)

    def do(self, transition: Callable[..., Change], *args) -> Change:
        assert self.state is not None
        return self.apply(transition(self.state, *args))

    def undo(self) -> bool:
        return self._travel(-1)

    def redo(self) -> bool:
        return self._travel(+1)

    def _travel(self, step: int) -> bool:
        assert self.state is not None
        target = self.history.position + step
        if self.read_only:
            self.message = self.read_only
            return False
        if not 0 <= target < len(self.history.snapshots):
            self.message = "nothing to undo" if step < 0 else "nothing to redo"
            return False
        before = self.state
        self.history.position = target
        restored = before.restore(self.history.snapshots[target])
        selected = _changed_attribution(before, restored) or before.selected
        if selected not in restored.by_id:
            # undoing a new attribution: stay where it was (the cursor does not jump to
            # the first attribution of the document)
            selected = None
        restored = S.select(restored, selected).state
        self.state = restored
        self._write("undo" if step < 0 else "redo")
        self.message = ("undone" if step < 0 else "redone") + f" (step {target} of {len(self.history.snapshots) - 1})"
        return True

    # ---- documents -----------------------------------------------------------------
    def done_ids(self) -> set[str]:
        return set(self._done)

    @property
    def done_count(self) -> int:
        return len(self._done)

    def status_of(self, doc_id: str) -> Status | None:
        records = self._lines.get(doc_id)
        return records[-1].status if records else None

    def go(self, step: int) -> bool:
        target = self.position + step
        if not 0 <= target < len(self.corpus):
            self.message = "this is the last document" if step > 0 else "this is the first document"
            return False
        return self._open_stepping_over_broken(target, 1 if step > 0 else -1)

    def _open_stepping_over_broken(self, target: int, direction: int) -> bool:
        """Open ``target``; a broken corpus line there is reported and stepped over (in
        the direction of travel), so ``n`` never stays stuck in front of it."""
        broken: list[str] = []
        while 0 <= target < len(self.corpus):
            try:
                self.open(target)
            except UnsavedDecisions as error:
                self.message = str(error)
                return False
            except AnnotatorError as error:
                broken.append(f"document {target + 1}: {error}")
                target += direction
                continue
            if broken:
                self.message = f"skipped a broken corpus line: {broken[0]}" + (
                    f" and {len(broken) - 1} more" if len(broken) > 1 else "")
                self.problems.extend(broken)
            return True
        self.message = f"cannot open {broken[0]}" + (f" and {len(broken) - 1} more after it" if len(broken) > 1 else "")
        return False

    def _open_or_say(self, position: int) -> bool:
        """Open a document; a broken corpus line is reported, not fatal."""
        try:
            self.open(position)
        except UnsavedDecisions as error:
            self.message = str(error)
            return False
        except AnnotatorError as error:
            self.message = f"cannot open document {position + 1}: {error}"
            return False
        return True

    def mark_done(self) -> Change:
        undecided = self.state.pending_count if self.state else 0
        change = self.do(S.set_status, Status.done)
        if self.read_only:
            return change
        left = f" with {undecided} suggestion(s) undecided (neither accepted nor rejected)" if undecided else ""
        following = self.next_undone()
        if following is None:
            self.message = f"document done{left}; every document is done"
        elif self._open_or_say(following):
            self.message = f"document done{left}; this is the next one not done"
        return change

    def skip(self) -> Change:
        """Mark the document skipped (left out of exports of done work) and go on to the
        next document neither done nor skipped."""
        change = self.do(S.set_status, Status.skipped)
        if self.read_only:
            return change
        following = self.next_undone()
        if following is None:
            self.message = "document skipped; every document is done or skipped"
        elif self._open_or_say(following):
            self.message = "document skipped; this is the next one not done"
        return change

    def next_undone(self) -> int | None:
        done = self.done_ids() | {doc for doc, records in self._lines.items()
                                  if records and records[-1].status == Status.skipped}
        count = len(self.corpus)
        for offset in range(1, count):
            position = (self.position + offset) % count
            try:
                doc_id = self.corpus.id_at(position)
            except Exception:  # a broken line: skip it here, `n` reports it
                continue
            if doc_id not in done:
                return position
        return None

    def known_entities(self) -> list[str]:
        """Entities used in this project (every journal in the folder, read once, plus
        this session's own decisions and the open document's suggestions), most used first."""
        from annotator.store import journal_files

        if self._other_entities is None:
            counts: dict[str, int] = {}
            for path in journal_files(self.directory):
                if path == self.journal.path:
                    continue
                with contextlib.suppress(Exception):
                    for _n, record, _p in iter_journal_lines(path):
                        for attribution in record.attributions if record is not None else ():
                            if attribution.source_entity:
                                counts[attribution.source_entity] = counts.get(attribution.source_entity, 0) + 1
            self._other_entities = counts
        names = dict(self._other_entities)
        for records in self._lines.values():
            for attribution in records[-1].attributions if records else ():
                if attribution.source_entity:
                    names[attribution.source_entity] = names.get(attribution.source_entity, 0) + 1
        if self.state is not None:
            for item in self.state.items:
                entity = item.attribution.source_entity
                if entity:
                    names[entity] = names.get(entity, 0) + 1
        return sorted(names, key=lambda name: (-names[name], name.lower()))


def _changed_attribution(before: DocState, after: DocState) -> str | None:
    """The id of an attribution that differs between two states (for undo's focus)."""
    old = {a.id: a for a in (*before.attributions, *before.rejected)}
    new = {a.id: a for a in (*after.attributions, *after.rejected)}
    for key in list(new) + list(old):
        if old.get(key) != new.get(key):
            return key
    return None

"""The annotation app's writer on a database: commit every decision, or keep it in a
local spool journal when the server cannot be reached, and replay the spool first.

``DatabaseLog`` has the journal's writing interface (``append_many``, ``sync``,
``read_lines``, ``path``), so the session writes to either without knowing which. The
store decides spool vs committed: after each write ``unsaved`` is None (committed in
the database) or a ``NOT SAVED ...`` line for the app to show (kept in the spool, a
complete fsynced line, and sent when the server answers again). Replay sends the
spool's records in order; records are identified by content (``record_id``) and the
table ignores one it already holds, so a replay cut short and repeated adds nothing
twice. The spool is emptied only after the database has committed all of it.

The spool is sent before the next decision, and also while the app sits idle: the app
calls ``replay_when_idle`` from a thread every ``IDLE_REPLAY_SECONDS`` while decisions
wait. It connects without holding the log's lock (a server that does not answer never
holds up a key), then replays under the lock, so a key and the timer never interleave.
"""

from __future__ import annotations

import hashlib
import os
import threading
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

from annotator.schema import AnnotationRecord
from annotator.store.base import redact, spool_root
from annotator.store.journal import Journal, JournalProblem, iter_journal_lines

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

if TYPE_CHECKING:
    import psycopg

IDLE_REPLAY_SECONDS = 5.0  # how often the app retries the server while decisions wait


def spool_folder(url: str) -> Path:
    """One spool folder per database (named by a hash of the URL without its password)."""
    return spool_root() / hashlib.sha1(redact(url).encode("utf-8")).hexdigest()[:16]


class DatabaseLog:
    """One annotator's decisions, committed to the database one by one."""

    def __init__(self, url: str, annotator: str, spool_dir: Path | None = None):
        from annotator.store.postgres import PostgresStore

        self.url = url
        self.annotator = annotator
        self.store = PostgresStore(url)  # raises AnnotatorError when unreachable at start
        if not self.store.may_write_for(annotator):
            from annotator.errors import AnnotatorError

            user = self.store.user
            self.store.close()
            raise AnnotatorError(f"connected as {user!r}, who may write only {user}'s records: "
                                 f"annotate as {user} (--annotator {user}) or connect as {annotator}", self.store.label)
        self.spool = Journal((spool_dir or spool_folder(url)) / f"{annotator}.jsonl")
        self.path = self.spool.path  # what the session names in messages
        self.unsaved: str | None = None
        self._lock = threading.Lock()  # a key's write and the idle timer's replay, one at a time
        self.replay()

    # ---- the journal's interface, as the session uses it --------------------------------
    def read_lines(self) -> Iterator[tuple[int, AnnotationRecord | None, JournalProblem | None]]:
        """This annotator's records from the database, then any still in the spool."""
        records = self.store.latest_for(self.annotator)
        for number, record in enumerate(records, start=1):
            yield number, record, None
        if self.spool.path.exists():
            yield from iter_journal_lines(self.spool.path)

    def append_many(self, records: Iterable[AnnotationRecord], fsync: bool = True) -> None:
        records = list(records)
        if not records:
            return
        with self._lock:
            self._append(records)

    def _append(self, records: list[AnnotationRecord]) -> None:
        if self.replay():
            try:
                self.store.add(records)
                return
            except _connection_errors() as error:
                self._lost(error)
            except Exception as error:  # refused (not lost): the session keeps it and says NOT SAVED
                raise OSError(str(error)) from None
        # the server is gone: the decisions wait in the spool (raises OSError if even
        # that fails, and the session keeps them in memory and retries)
        self.spool.append_many(records, fsync=True)
        self.unsaved = (f"NOT SAVED to {self.store.label}: {self._reason}; "
                        f"{self.pending()} decision(s) kept in {self.spool.path}, sent when the server is back")

    def sync(self) -> None:
        """Called after each frame: a chance to send what the spool holds."""
        if self.unsaved:
            with self._lock:
                self.replay()

    def waiting(self) -> bool:
        """Whether decisions wait in the spool (the app shows NOT SAVED meanwhile)."""
        if self.unsaved is not None:
            return True
        try:
            return os.path.getsize(self.spool.path) > 0
        except OSError:
            return False

    def replay_when_idle(self) -> bool:
        """The idle timer's turn (run from a thread): if decisions wait, try the server
        and send them; True when the spool was emptied by this call."""
        from annotator.errors import AnnotatorError
        from annotator.store.postgres import connect

        if not self.waiting():
            return False
        if self.store.connection.closed:
            fresh: psycopg.Connection | None
            try:  # outside the lock: a key is never held up by a server that does not answer
                fresh = connect(self.url, self.store.label, connect_timeout=2)
            except AnnotatorError as error:
                self._reason = str(error.message)
                return False
            with self._lock:
                if self.store.connection.closed:
                    self.store.connection, fresh = fresh, None
            if fresh is not None:
                fresh.close()  # a key reconnected meanwhile
        with self._lock:
            if not self.waiting():
                return False  # a key's replay got there first
            try:
                return self.replay()
            except OSError as error:  # refused by the server: stays in the spool, said NOT SAVED
                self.unsaved = f"NOT SAVED to {self.store.label}: {error}; kept in {self.spool.path}"
                return False

    # ---- the spool ---------------------------------------------------------------------
    def pending(self) -> int:
        if not self.spool.path.exists():
            return 0
        return sum(1 for _n, record, _p in iter_journal_lines(self.spool.path) if record is not None)

    def replay(self) -> bool:
        """Send the spool (in order, under its lock) and empty it; False if the server
        is still unreachable (then nothing is lost: the spool stays as it was)."""
        if not self.spool.path.exists() or os.path.getsize(self.spool.path) == 0:
            if not self._reconnect_if_needed():
                return False
            self.unsaved = None  # nothing waits (another replay emptied the spool)
            return True
        if not self._reconnect_if_needed():
            return False
        fd = os.open(self.spool.path, os.O_RDWR)
        try:
            if fcntl is not None:
                fcntl.flock(fd, fcntl.LOCK_EX)
            size = os.fstat(fd).st_size
            data = os.pread(fd, size, 0)
            records = [record for _n, record, _p in iter_journal_lines(self.spool.path, data) if record]
            try:
                self.store.add(records)
            except _connection_errors() as error:
                self._lost(error)
                return False
            except Exception as error:  # refused, not lost: kept in the spool, said NOT SAVED
                raise OSError(str(error)) from None
            os.ftruncate(fd, 0)  # all committed (a second replay would add nothing anyway)
            os.fsync(fd)
        finally:
            os.close(fd)
        self.unsaved = None
        return True

    _reason = "connection lost"

    def _lost(self, error: BaseException) -> None:
        from annotator.store.postgres import _first_line

        self._reason = _first_line(error)
        try:
            self.store.connection.close()
        except Exception:  # noqa: BLE001 - closing a broken connection may fail too
            pass

    def _reconnect_if_needed(self) -> bool:
        from annotator.errors import AnnotatorError
        from annotator.store.postgres import connect

        if not self.store.connection.closed:
            return True
        try:
            self.store.connection = connect(self.url, self.store.label, connect_timeout=2)
        except AnnotatorError as error:
            self._reason = str(error.message)
            return False
        return True

    def close(self) -> None:
        self.store.close()


def _connection_errors() -> tuple[type[BaseException], ...]:
    import psycopg

    return (psycopg.OperationalError, psycopg.InterfaceError)

"""The annotation app's writer on a database: commit every decision, or keep it in a
local spool journal when the server cannot be reached, and send the spool later.

``DatabaseLog`` has the journal's writing interface (``append_many``, ``sync``,
``read_lines``, ``path``), so the session writes to either without knowing which. After
each write ``unsaved`` is None (committed in the database) or a ``NOT SAVED ...`` line
for the app to show (kept in the spool, a complete fsynced line).

A decision never waits on the network beyond one commit attempt. While connected, a
key's decision is one INSERT, bounded by ``COMMIT_DEADLINE_SECONDS`` (a client-side
watchdog: a server that accepts packets but never answers cannot hold a key longer)
and by libpq's TCP settings (``CONNECT_OPTIONS``). Once a commit fails the log is in
spool mode: every later decision goes straight to the spool, with no connection
attempt. Reconnecting and sending happen only in ``replay_when_idle``, which the app
runs from a thread every ``IDLE_REPLAY_SECONDS``: it connects on a fresh connection,
sends the spool in order while keys keep appending to it, and goes back to committing
directly only when everything spooled is in the database (so nothing decided later
overtakes it). Records are identified by content (``record_id``) and the table ignores
one it already holds, so a replay cut short and repeated adds nothing twice; the spool
is emptied only after the database has committed all of it.
"""

from __future__ import annotations

import hashlib
import os
import socket
import threading
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

from annotator.schema import AnnotationRecord
from annotator.store.base import redact, spool_root
from annotator.store.journal import Journal, JournalProblem, iter_journal_lines

try:
    import fcntl
except ImportError:  # pragma: no cover - Windows
    fcntl = None  # type: ignore[assignment]

if TYPE_CHECKING:
    import psycopg

    from annotator.store.postgres import PostgresStore

IDLE_REPLAY_SECONDS = 5.0  # how often the app retries the server while decisions wait

# The longest a key waits for its one commit. A healthy commit takes one disk flush
# (4 ms here; p99 under 20 busy annotators about 50 ms): 2 s is far beyond any healthy
# commit, yet short enough that a stalled server costs one pause, not a frozen app. A
# commit cut off may still land on the server: its replay from the spool is then ignored
# (same record_id), so nothing is doubled.
COMMIT_DEADLINE_SECONDS = 2.0

# libpq's own bounds on a dead network (the watchdog above covers a live peer that does
# not answer): connect_timeout 2 s (libpq's minimum), tcp_user_timeout 2 s for data the
# peer does not acknowledge (packets dropped: otherwise Linux retransmits for ~15
# minutes), and keepalives after 5 s idle, every 1 s, 3 missed: a connection that died
# while the annotator read a text is found dead within ~8 s, so the next key's commit
# fails at once instead of waiting. statement_timeout is not used: it is enforced by the
# server, which is the thing that is gone, and cannot interrupt the commit's flush.
CONNECT_OPTIONS: dict[str, Any] = {
    "connect_timeout": 2,
    "tcp_user_timeout": 2000,
    "keepalives": 1,
    "keepalives_idle": 5,
    "keepalives_interval": 1,
    "keepalives_count": 3,
}


def spool_folder(url: str) -> Path:
    """One spool folder per database (named by a hash of the URL without its password)."""
    return spool_root() / hashlib.sha1(redact(url).encode("utf-8")).hexdigest()[:16]


class _Watchdog:
    """One thread for the process that cuts a connection off when the statement running
    on it outlives its deadline (psycopg has no client-side statement timeout): its socket
    is shut down, so the blocked call fails at once with psycopg.OperationalError. Arming
    it is a lock and a notify per commit; a timer thread per commit cost 0.17 ms of CPU
    each, more than the rest of the client's commit."""

    def __init__(self) -> None:
        self._reset()
        if hasattr(os, "register_at_fork"):  # a forked child has no watchdog thread: starts its own
            os.register_at_fork(after_in_child=self._reset)

    def _reset(self) -> None:
        self._condition = threading.Condition()  # the statement's end and the cut never cross
        self._armed: dict[int, tuple[float, psycopg.Connection]] = {}
        self._tokens = 0
        self._thread: threading.Thread | None = None

    @contextmanager
    def guard(self, connection: psycopg.Connection, seconds: float) -> Iterator[None]:
        with self._condition:
            if self._thread is None:
                self._thread = threading.Thread(target=self._watch, name="commit-watchdog", daemon=True)
                self._thread.start()
            self._tokens += 1
            token = self._tokens
            self._armed[token] = (time.monotonic() + seconds, connection)
            self._condition.notify()
        try:
            yield
        finally:
            with self._condition:
                self._armed.pop(token, None)

    def _watch(self) -> None:
        with self._condition:
            while True:
                if not self._armed:
                    self._condition.wait()
                    continue
                token, (due, connection) = min(self._armed.items(), key=lambda item: item[1][0])
                left = due - time.monotonic()
                if left > 0:
                    self._condition.wait(left)
                    continue
                del self._armed[token]  # cut once; the guard's exit finds it gone
                try:
                    with socket.socket(fileno=os.dup(connection.pgconn.socket)) as duplicate:
                        duplicate.shutdown(socket.SHUT_RDWR)  # wakes the blocked recv or send
                except Exception:  # noqa: BLE001 - the connection may be gone already
                    pass


_WATCHDOG = _Watchdog()


def deadline(connection: psycopg.Connection, seconds: float):
    """Cut ``connection`` off if the statement inside takes longer than ``seconds``."""
    return _WATCHDOG.guard(connection, seconds)


class DatabaseLog:
    """One annotator's decisions, committed to the database one by one."""

    def __init__(self, url: str, annotator: str, spool_dir: Path | None = None):
        from annotator.store.postgres import PostgresStore

        self.url = url
        self.annotator = annotator
        self.connects = 1  # connection attempts so far (the tests count them)
        self.store = PostgresStore(url, **CONNECT_OPTIONS)  # raises AnnotatorError when unreachable at start
        if not self.store.may_write_for(annotator):
            from annotator.errors import AnnotatorError

            user = self.store.user
            self.store.close()
            raise AnnotatorError(f"connected as {user!r}, who may write only {user}'s records: "
                                 f"annotate as {user} (--annotator {user}) or connect as {annotator}", self.store.label)
        self.spool = Journal((spool_dir or spool_folder(url)) / f"{annotator}.jsonl")
        self.path = self.spool.path  # what the session names in messages
        self.unsaved: str | None = None
        self.spooling = False  # a commit failed: decisions go to the spool until it is sent
        self._reason = "connection lost"
        # the spool file and the mode, one thread at a time; held across the network only
        # by a key's one commit while connected (never by a replay)
        self._lock = threading.Lock()
        self._replaying = threading.Lock()  # one replay at a time
        self._spooled = self.pending()
        if self._spooled:  # left by a killed app: sent before the first key
            self.spooling = True
            self._send_spool(self.store)

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
            if not self.spooling:
                try:  # the one commit attempt this decision gets
                    with deadline(self.store.connection, COMMIT_DEADLINE_SECONDS):
                        self.store.add(records)
                    return
                except _connection_errors() as error:
                    self._lost(error)
                except Exception as error:  # refused (not lost): the session keeps it and says NOT SAVED
                    raise OSError(str(error)) from None
            # spool mode: straight to the spool, no connection attempt (raises OSError if
            # even that fails, and the session keeps the decisions in memory and retries)
            self.spool.append_many(records, fsync=True)
            self._spooled += len(records)
            self._say_not_saved()

    def sync(self) -> None:
        """Called after each frame: nothing to do. A commit is durable when it returns and
        a spooled line is fsynced when written; the spool is sent by ``replay_when_idle``."""

    def waiting(self) -> bool:
        """Whether decisions wait in the spool (the app shows NOT SAVED meanwhile)."""
        return self.spooling

    def replay_when_idle(self) -> bool:
        """The idle timer's turn (run from a thread, never on a key's path): if decisions
        wait, connect afresh and send the spool; True when this call emptied it and the
        log commits directly again."""
        if not self.waiting() or not self._replaying.acquire(blocking=False):
            return False
        try:
            fresh = self._connect()
            if fresh is None:
                return False
            if not self._send_spool(fresh):
                fresh.close()
                return False
            return True
        finally:
            self._replaying.release()

    # ---- the spool ---------------------------------------------------------------------
    def pending(self) -> int:
        if not self.spool.path.exists():
            return 0
        return sum(1 for _n, record, _p in iter_journal_lines(self.spool.path) if record is not None)

    def _send_spool(self, store: PostgresStore) -> bool:
        """Send the spool over ``store``'s connection, in order, while keys may append to
        it; when all of it is committed (under the lock, so no key slips in between),
        empty it and commit directly on that connection from then on."""
        sent = 0  # bytes of the spool committed so far
        while True:
            with self._lock:
                size = self._spool_size()
                if size == sent:
                    self._empty_spool(size)
                    if store is not self.store:
                        old, self.store = self.store, store
                        old.close()
                    self.spooling, self.unsaved, self._spooled = False, None, 0
                    return True
            # read and send outside the lock: keys only append after ``size``
            with open(self.spool.path, "rb") as stream:
                stream.seek(sent)
                data = stream.read(size - sent)
            records = [record for _n, record, _p in iter_journal_lines(self.spool.path, data) if record]
            try:
                with deadline(store.connection, COMMIT_DEADLINE_SECONDS + 0.01 * len(records)):
                    store.add(records)
            except _connection_errors() as error:
                self._reason = _first_line(error)
                with self._lock:
                    self._say_not_saved()
                return False
            except Exception as error:  # refused (not lost): stays in the spool, said NOT SAVED
                self.unsaved = f"NOT SAVED to {self.store.label}: {error}; kept in {self.spool.path}"
                return False
            sent = size

    def _spool_size(self) -> int:
        try:
            return os.path.getsize(self.spool.path)
        except FileNotFoundError:
            return 0

    def _empty_spool(self, size: int) -> None:
        if not size:
            return
        fd = os.open(self.spool.path, os.O_RDWR)
        try:
            if fcntl is not None:
                fcntl.flock(fd, fcntl.LOCK_EX)
            os.ftruncate(fd, 0)  # all committed (a second replay would add nothing anyway)
            os.fsync(fd)
        finally:
            os.close(fd)

    def _connect(self) -> PostgresStore | None:
        """A fresh store on a new connection (off the key path), or None while the server
        cannot be reached."""
        from annotator.errors import AnnotatorError
        from annotator.store.postgres import PostgresStore, connect

        self.connects += 1
        try:
            connection = connect(self.url, self.store.label, **CONNECT_OPTIONS)
        except AnnotatorError as error:
            self._reason = str(error.message)
            return None
        return PostgresStore(self.url, connection=connection)

    def _lost(self, error: BaseException) -> None:
        self._reason = _first_line(error)
        self.spooling = True
        try:
            self.store.connection.close()
        except Exception:  # noqa: BLE001 - closing a broken connection may fail too
            pass

    def _say_not_saved(self) -> None:
        self.unsaved = (f"NOT SAVED to {self.store.label}: {self._reason}; "
                        f"{self._spooled} decision(s) kept in {self.spool.path}, sent when the server is back")

    def close(self) -> None:
        self.store.close()


def _first_line(error: BaseException) -> str:
    from annotator.store.postgres import _first_line

    return _first_line(error)


def _connection_errors() -> tuple[type[BaseException], ...]:
    import psycopg

    return (psycopg.OperationalError, psycopg.InterfaceError)

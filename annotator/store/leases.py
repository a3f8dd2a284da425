"""Task leases in the database: who annotates which document, handed out as annotators
ask, instead of queue files.

``assign URL --annotators ... --overlap K`` gives every document of the database's
corpus K slots (``annotator.slots``). An annotator takes the next free slot of a
document they do not already hold, locking the row with ``FOR UPDATE SKIP LOCKED``, so
annotators starting at the same moment never wait for each other and never get the same
slot; a unique index (document, holder) makes sure no annotator fills two slots of one
document. A lease lasts ``ttl`` and is renewed while the app runs; a lease not renewed
(a crashed laptop) expires and its slot goes to the next annotator who asks. A slot is
done when its holder's latest record for the document is done or skipped.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta

import psycopg

from annotator.errors import AnnotatorError
from annotator.store.postgres import PostgresStore

DEFAULT_TTL = timedelta(minutes=30)

_MARK_DONE = """
UPDATE annotator.slots AS s SET done_at = now()
WHERE s.holder = %(me)s AND s.done_at IS NULL AND (
    SELECT r.status FROM annotator.records AS r
    WHERE r.doc_id = s.doc_id AND r.annotator = %(me)s
    ORDER BY r.updated_at DESC, r.seq DESC LIMIT 1) IN ('done', 'skipped')
"""

_RENEW = """
UPDATE annotator.slots SET lease_until = now() + %(ttl)s
WHERE holder = %(me)s AND done_at IS NULL
RETURNING doc_id, position
"""

_TAKE = """
UPDATE annotator.slots AS s SET holder = %(me)s, lease_until = now() + %(ttl)s
FROM (
    SELECT c.doc_id, c.slot FROM annotator.slots AS c
    WHERE c.done_at IS NULL AND (c.holder IS NULL OR c.lease_until < now())
      AND NOT EXISTS (SELECT 1 FROM annotator.slots AS o WHERE o.doc_id = c.doc_id AND o.holder = %(me)s)
    ORDER BY c.position, c.slot
    LIMIT 1
    FOR UPDATE SKIP LOCKED) AS free
WHERE s.doc_id = free.doc_id AND s.slot = free.slot
RETURNING s.doc_id
"""


def write_assignment(store: PostgresStore, annotators: Sequence[str], overlap: int) -> tuple[int, int]:
    """K slots for every document of the database's corpus (documents added later get
    theirs when this runs again); the team is the annotators named. Returns
    (documents, slots added)."""
    if not 1 <= overlap <= len(annotators):
        raise AnnotatorError(f"--overlap must be between 1 and the number of annotators ({len(annotators)})")
    connection = store.connection
    with connection.transaction():
        connection.execute("LOCK TABLE annotator.slots IN EXCLUSIVE MODE")
        assigned = store.scalar("SELECT max(slot) + 1 FROM annotator.slots")
        if assigned is not None and assigned != overlap:
            raise AnnotatorError(
                f"the database is already assigned with overlap {assigned}; a different overlap would "
                "change documents already handed out", store.label)
        documents = store.scalar("SELECT count(*) FROM annotator.documents")
        if not documents:
            raise AnnotatorError("the database holds no corpus: import one with `annotator import ... -o URL`",
                                 store.label)
        added = connection.execute(
            """INSERT INTO annotator.slots (doc_id, slot, position)
               SELECT d.id, k, d.position FROM annotator.documents AS d, generate_series(0, %s - 1) AS k
               ON CONFLICT DO NOTHING""", (overlap,)).rowcount
        connection.execute("DELETE FROM annotator.team")
        with connection.cursor() as cursor:
            cursor.executemany("INSERT INTO annotator.team (annotator) VALUES (%s)", [(n,) for n in annotators])
    return documents, added


def has_assignment(store: PostgresStore) -> bool:
    return bool(store._query("SELECT EXISTS (SELECT 1 FROM annotator.slots)")[0][0])


def take(store: PostgresStore, annotator: str, count: int = 1, ttl: timedelta = DEFAULT_TTL) -> list[str]:
    """The annotator's leased documents not yet done (renewed), topped up to ``count``
    with newly taken slots; in corpus order."""
    connection = store.connection
    team = {name for (name,) in store._query("SELECT annotator FROM annotator.team")}
    if team and annotator not in team:
        raise AnnotatorError(f"{annotator} is not in this database's assignment "
                             f"(assign --annotators names {', '.join(sorted(team))})", store.label)
    params = {"me": annotator, "ttl": ttl}
    with connection.transaction():
        connection.execute(_MARK_DONE, params)
        held = connection.execute(_RENEW, params).fetchall()
    documents = [doc_id for doc_id, _ in sorted(held, key=lambda row: row[1])]
    while len(documents) < count:
        try:
            with connection.transaction():
                row = connection.execute(_TAKE, params).fetchone()
        except psycopg.errors.UniqueViolation:
            continue  # this annotator took that document in another process meanwhile: next
        if row is None:
            break  # nothing left for this annotator
        documents.append(row[0])
    return documents


def renew(store: PostgresStore, annotator: str, ttl: timedelta = DEFAULT_TTL) -> int:
    """Extend the annotator's live leases (the app calls this while it runs)."""
    with store.connection.transaction():
        store.connection.execute(_MARK_DONE, {"me": annotator})
        return len(store.connection.execute(_RENEW, {"me": annotator, "ttl": ttl}).fetchall())


def overview(store: PostgresStore) -> dict[str, int]:
    rows = store._query(
        """SELECT count(*) FILTER (WHERE done_at IS NOT NULL),
                  count(*) FILTER (WHERE done_at IS NULL AND lease_until >= now()),
                  count(*) FILTER (WHERE done_at IS NULL AND (holder IS NULL OR lease_until < now())),
                  count(*)
           FROM annotator.slots""")
    done, leased, free, total = rows[0]
    return {"done": done, "leased": leased, "free": free, "slots": total}


class LeaseKeeper:
    """The app's leases: taken at start, renewed from a thread (its own connection)
    every third of their lifetime while the app runs."""

    def __init__(self, url: str, annotator: str, documents: list[str], ttl: timedelta):
        import threading

        self.url, self.annotator, self.documents, self.ttl = url, annotator, documents, ttl
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._run, name="lease-renewal", daemon=True)
        self._thread.start()

    @classmethod
    def start_if_assigned(cls, store: PostgresStore, annotator: str, count: int,
                          minutes: float) -> LeaseKeeper | None:
        if not has_assignment(store):
            return None
        ttl = timedelta(minutes=minutes)
        documents = take(store, annotator, count, ttl)
        if not documents:
            raise AnnotatorError(f"no documents left for {annotator}: every slot is done or leased", store.label)
        return cls(store.url, annotator, documents, ttl)

    def _run(self) -> None:
        while not self._stopped.wait(self.ttl.total_seconds() / 3):
            try:
                store = PostgresStore(self.url)
            except AnnotatorError:
                continue  # the server is away: the spool keeps the decisions; renew next time
            try:
                renew(store, self.annotator, self.ttl)
            except psycopg.Error:
                pass
            finally:
                store.close()

    def stop(self) -> None:
        self._stopped.set()

"""The PostgreSQL store (psycopg 3): annotation records, the corpus and task leases in
one database, for a team beyond one machine.

Tables live in the schema ``annotator`` and are created and migrated by the project
(``MIGRATIONS``; the version is kept in ``annotator.meta``). A database with a newer
schema than this program knows is refused, never misread. Records are append-only
rows (a trigger refuses UPDATE and DELETE); the latest per (doc_id, annotator) is the
one with the later ``updated_at``, then the later row. Every statement takes its
values as parameters; the few names put into SQL go through ``sql.Identifier``.

Connections are named by a ``postgresql://`` URL; libpq reads the ``PG*`` environment
variables and ``~/.pgpass`` for what the URL leaves out. Messages show the URL with
its password replaced (``redact``).
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime
from typing import Any

import psycopg
from psycopg import sql

from annotator.errors import AnnotatorError
from annotator.schema import AnnotationRecord, Document
from annotator.store.base import Store, record_id, record_line, redact
from annotator.store.journal import JournalContents

SCHEMA_VERSION = 2
WRITER_ROLE = "annotator_writer"
ADJUDICATOR_ROLE = "annotator_adjudicator"
_MIGRATION_LOCK = 7_142_001  # pg_advisory_xact_lock key: one migrator at a time

MIGRATIONS: dict[int, tuple[str, ...]] = {
    1: (
        "CREATE SCHEMA IF NOT EXISTS annotator",
        "CREATE TABLE annotator.meta (key text PRIMARY KEY, value text NOT NULL)",
        """CREATE TABLE annotator.records (
            seq bigserial PRIMARY KEY,
            record_id text NOT NULL UNIQUE,
            doc_id text NOT NULL,
            annotator text NOT NULL,
            adjudicator text,
            status text NOT NULL,
            updated_at timestamptz NOT NULL,
            line text NOT NULL,
            written_by text NOT NULL DEFAULT current_user,
            written_at timestamptz NOT NULL DEFAULT clock_timestamp())""",
        "CREATE INDEX records_key ON annotator.records (doc_id, annotator, updated_at DESC, seq DESC)",
        """CREATE TABLE annotator.documents (
            id text PRIMARY KEY,
            position integer NOT NULL UNIQUE,
            sha1 text NOT NULL,
            line text NOT NULL)""",
        """CREATE FUNCTION annotator.refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN RAISE EXCEPTION 'annotation records are append-only'; END $$""",
        """CREATE TRIGGER records_append_only BEFORE UPDATE OR DELETE ON annotator.records
            FOR EACH ROW EXECUTE FUNCTION annotator.refuse_change()""",
    ),
    2: (
        # task leases: K slots per document, each taken by one annotator at a time
        "CREATE TABLE annotator.team (annotator text PRIMARY KEY)",
        """CREATE TABLE annotator.slots (
            doc_id text NOT NULL REFERENCES annotator.documents (id),
            slot integer NOT NULL,
            position integer NOT NULL,
            holder text,
            lease_until timestamptz,
            done_at timestamptz,
            PRIMARY KEY (doc_id, slot))""",
        "CREATE UNIQUE INDEX slots_one_per_annotator ON annotator.slots (doc_id, holder) WHERE holder IS NOT NULL",
        "CREATE INDEX slots_open ON annotator.slots (position, slot) WHERE done_at IS NULL",
        # who may write what: annotators are login roles in annotator_writer; the owner
        # (who created the tables) is the administrator and is not bound by the policies
        f"""DO $$ BEGIN
            IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{WRITER_ROLE}') THEN
                CREATE ROLE {WRITER_ROLE} NOLOGIN; END IF;
            IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{ADJUDICATOR_ROLE}') THEN
                CREATE ROLE {ADJUDICATOR_ROLE} NOLOGIN; END IF;
        END $$""",
        f"GRANT USAGE ON SCHEMA annotator TO {WRITER_ROLE}",
        f"GRANT SELECT ON annotator.meta, annotator.documents, annotator.team TO {WRITER_ROLE}",
        f"GRANT SELECT, INSERT ON annotator.records TO {WRITER_ROLE}",
        f"GRANT USAGE ON SEQUENCE annotator.records_seq_seq TO {WRITER_ROLE}",
        f"GRANT SELECT, UPDATE (holder, lease_until, done_at) ON annotator.slots TO {WRITER_ROLE}",
        "ALTER TABLE annotator.records ENABLE ROW LEVEL SECURITY",
        "CREATE POLICY records_read ON annotator.records FOR SELECT USING (true)",
        f"""CREATE POLICY records_write_own ON annotator.records FOR INSERT WITH CHECK (
            written_by = current_user AND CASE
                WHEN adjudicator IS NULL THEN annotator = current_user
                ELSE adjudicator = current_user AND pg_has_role(current_user, '{ADJUDICATOR_ROLE}', 'MEMBER')
            END)""",
        "ALTER TABLE annotator.slots ENABLE ROW LEVEL SECURITY",
        "CREATE POLICY slots_read ON annotator.slots FOR SELECT USING (true)",
        """CREATE POLICY slots_take ON annotator.slots FOR UPDATE
            USING (holder IS NULL OR holder = current_user OR lease_until < now())
            WITH CHECK (holder = current_user)""",
    ),
}

# One row per statement: as one statement over arrays (unnest) a single-row commit, the
# app's case, took 7-10 ms here against 0.75 ms for this; batches go in one transaction.
_INSERT_RECORD = """
INSERT INTO annotator.records (record_id, doc_id, annotator, adjudicator, status, updated_at, line)
VALUES (%s, %s, %s, %s, %s, %s, %s)
ON CONFLICT (record_id) DO NOTHING
RETURNING record_id
"""

# The same INSERT for libpq directly (a decision's single-row commit: see _insert_one)
_INSERT_RECORD_NAME = b"annotator_insert_record"
_INSERT_RECORD_PQ = _INSERT_RECORD.replace("%s", "{}").format(*(f"${n}" for n in range(1, 8))).encode()

_LATEST = """
SELECT line, seq FROM (
    SELECT DISTINCT ON (doc_id, annotator) annotator, line, seq,
           min(seq) OVER (PARTITION BY doc_id, annotator) AS first_seq
    FROM annotator.records
    ORDER BY doc_id, annotator, updated_at DESC, seq DESC) AS latest
ORDER BY annotator, first_seq
"""


def connect(url: str, label: str | None = None, **options: Any) -> psycopg.Connection:
    """An autocommit connection; a failure is one line without the password."""
    options.setdefault("connect_timeout", 10)
    try:
        return psycopg.connect(url, autocommit=True, **options)
    except psycopg.Error as error:
        raise AnnotatorError(f"cannot connect: {_first_line(error)}", label or redact(url)) from None


def _first_line(error: BaseException) -> str:
    text = str(error).strip()
    return redact(text.splitlines()[0] if text else type(error).__name__)


def schema_version(connection: psycopg.Connection) -> int:
    """0 for a database the project has not set up yet."""
    found = connection.execute("SELECT to_regclass('annotator.meta') IS NOT NULL").fetchone()
    if not found or not found[0]:
        if (connection.execute("SELECT to_regclass('annotator.records') IS NOT NULL").fetchone() or (False,))[0]:
            raise AnnotatorError("schema 'annotator' has tables but no version: not made by this program")
        return 0
    row = connection.execute("SELECT value FROM annotator.meta WHERE key = 'schema_version'").fetchone()
    if row is None or not str(row[0]).isdigit():
        raise AnnotatorError("annotator.meta holds no schema_version: not made by this program")
    return int(row[0])


def migrate(connection: psycopg.Connection, label: str, target: int = SCHEMA_VERSION) -> int:
    """Create or upgrade the project's tables to ``target``; refuse a newer schema."""
    with connection.transaction():
        connection.execute("SELECT pg_advisory_xact_lock(%s)", (_MIGRATION_LOCK,))
        version = schema_version(connection)
        if version > SCHEMA_VERSION:
            raise AnnotatorError(
                f"database schema version {version} is newer than this program's ({SCHEMA_VERSION}): "
                "upgrade annotator before using this database", label)
        for number in range(version + 1, target + 1):
            try:
                for statement in MIGRATIONS[number]:
                    connection.execute(statement)  # constant text: no values in it
            except psycopg.errors.InsufficientPrivilege:
                raise AnnotatorError(
                    f"database schema version {version} needs upgrading to {target}; "
                    "run any annotator command on it once as the database owner", label) from None
            connection.execute(
                "INSERT INTO annotator.meta (key, value) VALUES ('schema_version', %s) "
                "ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value", (str(number),))
        return max(version, target)


class PostgresStore(Store):
    """Records (and the corpus, and leases) in a PostgreSQL database."""

    def __init__(self, url: str, migrate_to: int = SCHEMA_VERSION, *, connection: psycopg.Connection | None = None,
                 **connect_options: Any):
        """A store on a new connection to ``url``, its tables checked (and migrated); or,
        given ``connection`` (a reconnect to a database an earlier store of this process
        checked), on that connection with no migration round trips."""
        self.url = url
        self.label = redact(url)
        self._insert_prepared = False  # the decision's INSERT, prepared on this connection
        if connection is not None:
            self.connection, self.version = connection, SCHEMA_VERSION
            return
        self.connection = connect(url, self.label, **connect_options)
        try:
            self.version = migrate(self.connection, self.label, migrate_to)
        except psycopg.Error as error:
            self.connection.close()
            raise AnnotatorError(f"cannot set up the tables: {_first_line(error)}", self.label) from None
        except BaseException:
            self.connection.close()
            raise

    def close(self) -> None:
        self.connection.close()

    @property
    def user(self) -> str:
        return self.connection.info.user

    # ---- records -------------------------------------------------------------------
    def history(self) -> Iterator[AnnotationRecord]:
        with self.connection.cursor() as cursor:
            cursor.execute("SELECT line FROM annotator.records ORDER BY seq")
            for (line,) in cursor:
                yield AnnotationRecord.model_validate_json(line)

    def contents(self) -> JournalContents:
        contents = JournalContents()
        for line, seq in self._query(_LATEST):
            record = AnnotationRecord.model_validate_json(line)
            contents.latest[record.key] = record
            contents.line_of[record.key] = (self.label, seq)
            contents.lines_read += 1
        return contents

    def latest_for(self, annotator: str) -> list[AnnotationRecord]:
        """One annotator's records in order (the app replays them into its undo history)."""
        rows = self._query(
            "SELECT line FROM annotator.records WHERE annotator = %s ORDER BY updated_at, seq", (annotator,))
        return [AnnotationRecord.model_validate_json(line) for (line,) in rows]

    def add(self, records: Sequence[AnnotationRecord]) -> list[AnnotationRecord]:
        """Insert the records the table lacks, in order, in one transaction (pipelined);
        committed when this returns. Raises psycopg.OperationalError when the server is gone."""
        return self.add_rows(records, self.rows_for(records))

    @staticmethod
    def rows_for(records: Sequence[AnnotationRecord]) -> list[tuple]:
        """The INSERT's parameters for each record (the client's share of a commit)."""
        rows = []
        for record in records:
            line = record_line(record)
            rows.append((record_id(record, line), record.doc_id, record.annotator, record.adjudicator,
                         record.status.value, record.updated_at, line.decode("utf-8").rstrip("\n")))
        return rows

    def add_rows(self, records: Sequence[AnnotationRecord], rows: list[tuple]) -> list[AnnotationRecord]:
        """``add`` with the rows already made by ``rows_for``."""
        if not rows:
            return []
        inserted: set[str] = set()
        try:
            self._insert(rows, inserted)
        except psycopg.errors.InsufficientPrivilege:
            names = sorted({record.adjudicator or record.annotator for record in records} - {self.user})
            raise AnnotatorError(
                f"connected as {self.user!r}, who may write only their own records (and gold only as an "
                f"adjudicator); refused: records of {', '.join(map(repr, names)) or 'this role'}",
                self.label) from None
        return [record for record, row in zip(records, rows, strict=True) if row[0] in inserted]

    def _insert(self, rows: list[tuple], inserted: set[str]) -> None:
        if len(rows) == 1:
            inserted.update(self._insert_one(rows[0]))
            return
        with self.connection.cursor() as cursor, self.connection.transaction():
            cursor.executemany(_INSERT_RECORD, rows, returning=True)
            while True:
                inserted.update(row[0] for row in cursor.fetchall())
                if not cursor.nextset():
                    break

    def _insert_one(self, row: tuple) -> list[str]:
        """The app's decision: one prepared INSERT in one round trip (in autocommit it is
        its own commit: no BEGIN/COMMIT, no catalog query, no SET), through psycopg's own
        libpq layer (psycopg.pq) with the values already text: 0.07 ms of client CPU per
        decision against 0.14 ms through connection.execute (its adaptation and
        prepared-statement bookkeeping), serialisation apart."""
        from psycopg import pq

        pgconn = self.connection.pgconn
        if not self._insert_prepared:
            self._check(pgconn, pgconn.prepare(_INSERT_RECORD_NAME, _INSERT_RECORD_PQ))
            self._insert_prepared = True
        code = self.connection.info.encoding  # the client_encoding, as psycopg would encode
        rid, doc_id, annotator, adjudicator, status, updated_at, line = row
        params = [rid.encode(code), doc_id.encode(code), annotator.encode(code),
                  None if adjudicator is None else adjudicator.encode(code), status.encode(code),
                  updated_at.isoformat().encode(code), line.encode(code)]
        result = pgconn.exec_prepared(_INSERT_RECORD_NAME, params)
        self._check(pgconn, result)
        if result.status != pq.ExecStatus.TUPLES_OK:
            return []
        return [(result.get_value(number, 0) or b"").decode(code) for number in range(result.ntuples)]

    def _check(self, pgconn: Any, result: Any) -> None:
        """Raise what psycopg would for a failed libpq result."""
        from psycopg import errors, pq

        if result.status in (pq.ExecStatus.TUPLES_OK, pq.ExecStatus.COMMAND_OK):
            return
        if pgconn.status == pq.ConnStatus.BAD or result.status != pq.ExecStatus.FATAL_ERROR:
            message = (result.error_message or pgconn.error_message or b"connection lost").decode("utf-8", "replace")
            raise psycopg.OperationalError(message.strip() or "connection lost")
        raise errors.error_from_result(result, encoding=self.connection.info.encoding)

    def identities(self) -> dict[tuple[str, str], dict[str, datetime]]:
        found: dict[tuple[str, str], dict[str, datetime]] = {}
        for rid, doc_id, annotator, updated_at in self._query(
                "SELECT record_id, doc_id, annotator, updated_at FROM annotator.records ORDER BY seq"):
            found.setdefault((doc_id, annotator), {})[rid] = updated_at
        return found

    def may_write_for(self, annotator: str) -> bool:
        """Whether this connection may write ``annotator``'s records (its own, or as the
        tables' owner, a superuser or a role that bypasses row-level security)."""
        if annotator == self.user:
            return True
        return bool(self.scalar(
            """SELECT r.rolsuper OR r.rolbypassrls OR pg_has_role(current_user, c.relowner, 'MEMBER')
               FROM pg_roles AS r, pg_class AS c
               WHERE r.rolname = current_user AND c.oid = 'annotator.records'::regclass"""))

    def record_count(self) -> int:
        return int(self.scalar("SELECT count(*) FROM annotator.records"))

    # ---- the corpus ----------------------------------------------------------------
    def documents(self) -> list[Document]:
        rows = self._query("SELECT line FROM annotator.documents ORDER BY position")
        return [Document.model_validate_json(line) for (line,) in rows]

    def put_documents(self, documents: Sequence[Document]) -> int:
        """Add documents after those already there; the same id must keep its text."""
        from annotator.fileio import dumps_line

        added = 0
        with self.connection.transaction():
            self.connection.execute("LOCK TABLE annotator.documents IN EXCLUSIVE MODE")
            known: dict[str, str] = dict(self._query("SELECT id, sha1 FROM annotator.documents"))
            position = self.scalar("SELECT coalesce(max(position), -1) + 1 FROM annotator.documents")
            rows = []
            for document in documents:
                if document.id in known:
                    if known[document.id] != document.sha1:
                        raise AnnotatorError(
                            f"document {document.id!r} is already in the database with another text "
                            f"(text_sha1 {known[document.id][:12]}…, this one {document.sha1[:12]}…)",
                            self.label)
                    continue
                known[document.id] = document.sha1
                # corpus JSONL's line (corpus.jsonl.document_to_json: the store may not import corpus)
                line = dumps_line(document.model_dump(mode="json", exclude_none=False)).decode("utf-8").rstrip("\n")
                rows.append((document.id, position, document.sha1, line))
                position += 1
            with self.connection.cursor() as cursor:
                cursor.executemany(
                    "INSERT INTO annotator.documents (id, position, sha1, line) VALUES (%s, %s, %s, %s)", rows)
            added = len(rows)
        return added

    # ---- roles ---------------------------------------------------------------------
    def add_member(self, name: str, adjudicator: bool = False, password: str | None = None) -> None:
        """Let ``name`` log in and write its own records (and gold, as adjudicator)."""
        from annotator.store.journal import check_annotator_name

        check_annotator_name(name)
        role = sql.Identifier(name)
        exists = self._query("SELECT 1 FROM pg_roles WHERE rolname = %s", (name,))
        if not exists:
            self.connection.execute(sql.SQL("CREATE ROLE {} LOGIN").format(role))
        if password is not None:
            self.connection.execute(sql.SQL("ALTER ROLE {} PASSWORD {}").format(role, sql.Literal(password)))
        self.connection.execute(sql.SQL("GRANT {} TO {}").format(sql.Identifier(WRITER_ROLE), role))
        if adjudicator:
            self.connection.execute(sql.SQL("GRANT {} TO {}").format(sql.Identifier(ADJUDICATOR_ROLE), role))
        self.connection.execute(
            sql.SQL("GRANT CONNECT ON DATABASE {} TO {}").format(
                sql.Identifier(self.connection.info.dbname), role))

    def _query(self, query: str, params: Sequence[Any] | dict[str, Any] | None = None) -> list[tuple]:
        return self.connection.execute(query, params).fetchall()

    def scalar(self, query: str, params: Sequence[Any] | dict[str, Any] | None = None) -> Any:
        """The first column of the first row (None when there is no row)."""
        row = self.connection.execute(query, params).fetchone()
        return None if row is None else row[0]


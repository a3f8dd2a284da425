"""Benchmark: where a decision's commit spends CPU, by cause (the team store).

One client, single-row commits of real PolNeAR annotator-training records (as the app
makes them) to a private PostgreSQL 15 (tests/pg_support.py), fsync OFF by default so
that the figures are CPU and not the disk's flush (``--fsync-on`` to see the cost of
waiting for it). Prints, per decision:

- client: the record's canonical JSON line, its SHA-1, and the INSERT sent through
  psycopg's ``connection.execute`` against the store's own path (libpq through
  ``psycopg.pq``, ``PostgresStore._insert_one``);
- server: the backends' CPU per insert as the superuser, as an annotator's own role
  (row-level security), without the (doc_id, annotator, updated_at, seq) index, and
  with the line stored uncompressed.

Run from the repository root:
    .venv/bin/python benchmarks/bench_team_cpu.py [--decisions 2000] [--rounds 2] [--fsync-on]
"""

from __future__ import annotations

import argparse
import hashlib
import os
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tests"))
sys.path.insert(0, str(REPO / "benchmarks"))

from bench_team import base_records, decisions, server_cpu_seconds  # noqa: E402

from annotator.store.base import record_line  # noqa: E402
from annotator.store.postgres import _INSERT_RECORD, PostgresStore  # noqa: E402
from pg_support import TEAM_SERVER, as_user, running_server  # noqa: E402

SERVER_VARIANTS = {
    "superuser": (False, []),
    "annotator's own role (row-level security)": (True, []),
    "without the records_key index": (False, ["DROP INDEX annotator.records_key"]),
    "line stored uncompressed": (False, ["ALTER TABLE annotator.records ALTER COLUMN line SET STORAGE EXTERNAL"]),
}


def per_decision_ms(action, items) -> float:
    began = time.process_time()
    for item in items:
        action(item)
    return (time.process_time() - began) / len(items) * 1000


def client_round(store: PostgresStore, bases, count: int, tag: str) -> str:
    records = list(decisions(tag, count, bases))
    lines = [record_line(record) for record in records]
    serialise = per_decision_ms(record_line, records)
    sha1 = per_decision_ms(lambda line: hashlib.sha1(line).hexdigest(), lines)
    connection = store.connection

    def through_execute(row: tuple) -> None:
        connection.execute(_INSERT_RECORD, row, prepare=True).fetchall()

    first = [PostgresStore.rows_for([record])[0] for record in records[: count // 2]]
    second = [PostgresStore.rows_for([record])[0] for record in records[count // 2:]]
    execute = per_decision_ms(through_execute, first)
    libpq = per_decision_ms(store._insert_one, second)
    return (f"client: JSON line {serialise:.3f} ms, SHA-1 {sha1:.3f} ms; INSERT via connection.execute "
            f"{execute:.3f} ms, via psycopg.pq (the store's path) {libpq:.3f} ms")


def server_round(server, bases, count: int, name: str, role: bool, statements: list[str], tag: str) -> str:
    url = server.create_database("cpu")
    annotator = f"cpu-{tag}"
    with PostgresStore(url) as admin:
        for statement in statements:
            admin.connection.execute(statement)  # constant text
        if role:
            admin.add_member(annotator)
    client_url = as_user(url, annotator) if role else url
    with PostgresStore(client_url) as store:
        store.add(list(decisions(annotator, 5, bases, offset=3)))  # statements prepared
        records = list(decisions(annotator, count, bases))
        rows = [PostgresStore.rows_for([record]) for record in records]
        before = server_cpu_seconds(server.data)
        for record, row in zip(records, rows, strict=True):
            store.add_rows([record], row)
    time.sleep(0.5)  # the backend's exit reaped: its CPU time is then the postmaster's
    spent = (server_cpu_seconds(server.data) - before) / count * 1000
    return f"server, {name}: {spent:.3f} ms per insert"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--decisions", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--fsync-on", action="store_true")
    args = parser.parse_args()
    bases = base_records()
    with running_server(fsync=args.fsync_on, settings=TEAM_SERVER) as server:
        print(f"{os.cpu_count()} cores; fsync {'on' if args.fsync_on else 'off'}; "
              f"{args.decisions} single-row commits per figure", flush=True)
        url = server.create_database("cpu")
        with PostgresStore(url) as store:
            store.add(list(decisions("warm", 5, bases, offset=3)))
            for number in range(args.rounds):
                print(client_round(store, bases, args.decisions, f"c{number}"),
                      f"; load {os.getloadavg()[0]:.1f}", flush=True)
        for number in range(args.rounds):
            for index, (name, (role, statements)) in enumerate(SERVER_VARIANTS.items()):
                print(server_round(server, bases, args.decisions, name, role, statements, f"{number}{index}"),
                      f"; load {os.getloadavg()[0]:.1f}", flush=True)


if __name__ == "__main__":
    main()

"""Benchmark: the PostgreSQL store under a team's load, on loopback.

20 simulated annotators (separate processes, one connection each) make 500 decisions
each as fast as they can; a decision is one commit of the document's full record, as the
app makes it (a real PolNeAR annotator-training record, a new step each time). Prints
decisions per second, the median and 99th percentile commit time (target: median
<= 5 ms), and checks that no record was lost or written twice. Then a client that commits
without pause is killed with SIGKILL mid-stream: every record it had seen committed must
be in the database.

The server is a private PostgreSQL 15 (tests/pg_support.py) with fsync ON (as a real
server; --fsync-off to compare). Run from the repository root:
    .venv/bin/python benchmarks/bench_team.py [--annotators 20] [--decisions 500] [--fsync-off]
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import signal
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tests"))

from annotator.schema import AnnotationRecord, SessionInfo  # noqa: E402
from annotator.store import record_id  # noqa: E402
from pg_support import running_server  # noqa: E402


def base_records() -> list[AnnotationRecord]:
    """Real records: PolNeAR annotator-training imported from BRAT."""
    from annotator.formats.brat import read_brat
    from polnear_support import polnear_root

    folder = polnear_root() / "annotator-training"
    if not (folder / "text").is_dir():
        sys.exit(f"PolNeAR annotator-training not found at {folder}: set ANNOTATOR_POLNEAR_DIR")
    return read_brat(folder).records


def decisions(name: str, count: int, bases: list[AnnotationRecord], offset: int = 0):
    for step in range(count):
        base = bases[(step + offset) % len(bases)]
        yield base.model_copy(update={
            "annotator": name,
            "updated_at": base.updated_at + timedelta(microseconds=step + 1, days=offset),
            "session": SessionInfo(step=step + 1, kind="edit"),
        })


def annotator(url: str, name: str, count: int, bases, start, results) -> None:
    from annotator.store.postgres import PostgresStore

    with PostgresStore(url) as store:
        records = list(decisions(name, count, bases))
        start.wait()
        times = []
        for record in records:
            began = time.perf_counter()
            store.add([record])  # committed when it returns (autocommit)
            times.append(time.perf_counter() - began)
    results.put((name, times, [record_id(r) for r in records]))


def endless_client(url: str, bases, log_path: str) -> None:
    """Commit without pause; after each commit write its id to the log (so a kill -9
    leaves the list of what it had seen committed)."""
    from annotator.store.postgres import PostgresStore

    with PostgresStore(url) as store, open(log_path, "a", buffering=1) as log:
        for record in decisions("victim", 10**9, bases, offset=1):
            store.add([record])
            log.write(record_id(record) + "\n")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--annotators", type=int, default=20)
    parser.add_argument("--decisions", type=int, default=500)
    parser.add_argument("--fsync-off", action="store_true")
    args = parser.parse_args()
    bases = base_records()
    context = multiprocessing.get_context("fork")
    with running_server(fsync=not args.fsync_off) as server:
        url = server.create_database("bench")
        from annotator.store.postgres import PostgresStore

        PostgresStore(url).close()  # the tables, before the clients race for them
        # one annotator alone first: the commit time of a decision without a queue of others
        with PostgresStore(url) as store:
            alone = []
            for record in decisions("alone", args.decisions, bases, offset=2):
                began = time.perf_counter()
                store.add([record])
                alone.append(time.perf_counter() - began)
        alone.sort()
        print(f"1 annotator alone, {args.decisions} decisions: commit median {statistics.median(alone) * 1000:.2f} ms, "
              f"p99 {alone[int(len(alone) * 0.99) - 1] * 1000:.2f} ms")
        start, results = context.Event(), context.Queue()
        names = [f"annotator{number:02}" for number in range(args.annotators)]
        processes = [context.Process(target=annotator, args=(url, name, args.decisions, bases, start, results))
                     for name in names]
        for process in processes:
            process.start()
        time.sleep(2)  # all connected
        began = time.perf_counter()
        start.set()
        collected = [results.get() for _ in processes]
        wall = time.perf_counter() - began
        for process in processes:
            process.join()
        times = sorted(t for _, ts, _ in collected for t in ts)
        expected = {rid for _, _, ids in collected for rid in ids}
        with PostgresStore(url) as store:
            rows = store._query("SELECT record_id FROM annotator.records WHERE annotator LIKE 'annotator%%'")
        stored = [rid for (rid,) in rows]
        total = args.annotators * args.decisions
        print(f"{args.annotators} annotators x {args.decisions} decisions on loopback "
              f"(fsync {'off' if args.fsync_off else 'on'}; {os.cpu_count()} cores, load {os.getloadavg()[0]:.1f})")
        print(f"  {total / wall:.0f} decisions/s over {wall:.2f} s")
        print(f"  commit time: median {statistics.median(times) * 1000:.2f} ms, "
              f"p99 {times[int(len(times) * 0.99) - 1] * 1000:.2f} ms, max {times[-1] * 1000:.1f} ms")
        lost, doubled = len(expected - set(stored)), len(stored) - len(set(stored))
        print(f"  rows {len(stored)} of {total}: {lost} lost, {doubled} duplicated")

        log_path = Path(tempfile.mkdtemp()) / "committed.txt"
        victim = context.Process(target=endless_client, args=(url, bases, str(log_path)))
        victim.start()
        time.sleep(1.5)
        os.kill(victim.pid, signal.SIGKILL)
        victim.join()
        seen = [line for line in log_path.read_text().splitlines() if len(line) == 40]
        with PostgresStore(url) as store:
            held = {rid for (rid,) in store._query(
                "SELECT record_id FROM annotator.records WHERE annotator = 'victim'")}
        missing = [rid for rid in seen if rid not in held]
        print(f"  kill -9 mid-commit: {len(seen)} commits seen by the client, {len(held)} in the database "
              f"(the one in flight may land or not), {len(missing)} committed record(s) lost")
        if lost or doubled or missing:
            sys.exit(1)


if __name__ == "__main__":
    main()

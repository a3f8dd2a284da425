"""Benchmark: the PostgreSQL store under a team's load, on loopback.

Simulated annotators (separate processes, one connection each) make 500 decisions each
as fast as they can, first 1, then 5, then 20 at once (``--clients``); a decision is one
commit of the document's full record, as the app makes it (a real PolNeAR
annotator-training record, a new step each time). For each phase it prints decisions per
second, the median and 99th percentile commit time (target at 20 clients: median <= 5
ms), the share of that time spent in the client before the statement is sent, the load
average and the CPU time stolen by the hypervisor during the phase, and checks that no
record was lost or written twice. Then a client that commits without pause is killed
with SIGKILL mid-stream: every record it had seen committed must be in the database.

The server is a private PostgreSQL 15 (tests/pg_support.py) with fsync ON and
synchronous_commit on (every decision is on disk before the next key), and the settings
advised for a team's server (``pg_support.TEAM_SERVER``); ``--group-commit`` adds
``pg_support.GROUP_COMMIT``, ``--set NAME=VALUE`` any other server setting, and
``--fsync-off`` shows the commit without the disk flush (never for real work). Before the clients it
times a bare flush of this disk (one 8 kB write + fdatasync), the floor of any commit.
Run from the repository root:
    .venv/bin/python benchmarks/bench_team.py [--clients 1,5,20] [--decisions 500] [--roles] [--fsync-off]
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
from pg_support import GROUP_COMMIT, TEAM_SERVER, as_user, running_server  # noqa: E402


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
        store.add(list(decisions(name, 5, bases, offset=3)))  # statements prepared (not counted)
        start.wait()
        times, prepared = [], []
        cpu = time.process_time()
        for record in records:
            began = time.perf_counter()
            rows = store.rows_for([record])  # what add() does before the round trip
            ready = time.perf_counter()
            store.add_rows([record], rows)  # committed when it returns (autocommit)
            times.append(time.perf_counter() - began)
            prepared.append(ready - began)
        cpu = time.process_time() - cpu
    results.put((name, times, prepared, [record_id(r) for r in records], cpu))


def endless_client(url: str, bases, log_path: str) -> None:
    """Commit without pause; after each commit write its id to the log (so a kill -9
    leaves the list of what it had seen committed)."""
    from annotator.store.postgres import PostgresStore

    with PostgresStore(url) as store, open(log_path, "a", buffering=1) as log:
        for record in decisions("victim", 10**9, bases, offset=1):
            store.add([record])
            log.write(record_id(record) + "\n")


def cpu_ticks() -> tuple[int, int]:
    """(steal, total) jiffies of all CPUs so far (/proc/stat), 0s where unreadable."""
    try:
        fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    except (OSError, ValueError):
        return 0, 0
    return (fields[7] if len(fields) > 7 else 0), sum(fields[:8])


def server_cpu_seconds(data: Path) -> float:
    """CPU time of a server's processes so far: the postmaster (with its reaped children,
    the backends that have exited) and its live children (Linux /proc; 0 elsewhere)."""
    try:
        postmaster = int((data / "postmaster.pid").read_text().split()[0])
        tick = os.sysconf("SC_CLK_TCK")
        total = 0
        for entry in Path("/proc").iterdir():
            if not entry.name.isdigit():
                continue
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            pid, parent = int(entry.name), int(fields[1])
            if pid == postmaster:
                total += sum(int(x) for x in fields[11:15])  # utime stime cutime cstime
            elif parent == postmaster:
                total += int(fields[11]) + int(fields[12])
        return total / tick
    except (OSError, ValueError, IndexError):
        return 0.0


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[max(0, int(len(ordered) * share) - 1)]


def bare_flush_ms(folder: Path, count: int = 200) -> tuple[float, float]:
    """Median and p99 of one 8 kB write + fdatasync on this disk (what pg_test_fsync calls
    fdatasync, PostgreSQL's default wal_sync_method on Linux)."""
    path = folder / "flush-probe"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT, 0o600)
    try:
        os.write(fd, b"\0" * 8192)
        os.fsync(fd)
        times = []
        for _ in range(count):
            began = time.perf_counter()
            os.pwrite(fd, b"\1" * 8192, 0)
            os.fdatasync(fd)
            times.append(time.perf_counter() - began)
    finally:
        os.close(fd)
        path.unlink()
    return statistics.median(times) * 1000, percentile(times, 0.99) * 1000


def phase(context, url: str, data: Path, clients: int, count: int, bases, tag: str,
          roles: bool = False) -> tuple[bool, str]:
    from annotator.store.postgres import PostgresStore

    start, results = context.Event(), context.Queue()
    names = [f"{tag}{number:02}" for number in range(clients)]
    urls = {name: url for name in names}
    if roles:  # each annotator its own login role: row-level security checks every insert
        with PostgresStore(url) as admin:
            for name in names:
                admin.add_member(name)
        urls = {name: as_user(url, name) for name in names}
    processes = [context.Process(target=annotator, args=(urls[name], name, count, bases, start, results))
                 for name in names]
    for process in processes:
        process.start()
    time.sleep(1 + clients * 0.15)  # all connected and warmed up
    steal_before, total_before = cpu_ticks()
    server_before = server_cpu_seconds(data)
    began = time.perf_counter()
    start.set()
    collected = [results.get() for _ in processes]
    wall = time.perf_counter() - began
    steal_after, total_after = cpu_ticks()
    for process in processes:
        process.join()
    time.sleep(0.5)  # the backends' exit reaped by the postmaster (their CPU time is then its)
    server_cpu = server_cpu_seconds(data) - server_before
    times = [t for _, ts, _, _, _ in collected for t in ts]
    prepared = [t for _, _, ps, _, _ in collected for t in ps]
    expected = {rid for _, _, _, ids, _ in collected for rid in ids}
    client_cpu = sum(cpu for *_, cpu in collected)
    with PostgresStore(url) as store:
        rows = store._query("SELECT record_id FROM annotator.records WHERE annotator = ANY(%s)", (names,))
    warm = {record_id(r) for name in names for r in decisions(name, 5, bases, offset=3)}
    stored = [rid for (rid,) in rows if rid not in warm]
    steal = 100 * (steal_after - steal_before) / max(1, total_after - total_before)
    total = clients * count
    lost, doubled = len(expected - set(stored)), len(stored) - len(set(stored))
    median = statistics.median(times) * 1000
    line = (f"{clients:2d} client(s) x {count}: {total / wall:5.0f} decisions/s, commit median {median:6.2f} ms, "
            f"p99 {percentile(times, 0.99) * 1000:6.2f} ms (client side before sending: median "
            f"{statistics.median(prepared) * 1000:.2f} ms); CPU per decision: client {client_cpu / total * 1000:.2f} ms, "
            f"server {server_cpu / total * 1000:.2f} ms; load {os.getloadavg()[0]:.1f}, steal {steal:.1f}%; "
            f"rows {len(stored)} of {total}, {lost} lost, {doubled} duplicated")
    print(line, flush=True)
    return not (lost or doubled), line


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--clients", default="1,5,20", help="comma-separated client counts, one phase each")
    parser.add_argument("--decisions", type=int, default=500)
    parser.add_argument("--fsync-off", action="store_true")
    parser.add_argument("--group-commit", action="store_true", help="the server with pg_support.GROUP_COMMIT")
    parser.add_argument("--set", action="append", default=[], metavar="NAME=VALUE", help="a server setting")
    parser.add_argument("--no-kill", action="store_true", help="skip the kill -9 check")
    parser.add_argument("--roles", action="store_true",
                        help="each client connects as its own role (row-level security on every insert)")
    args = parser.parse_args()
    bases = base_records()
    settings = dict(TEAM_SERVER, **(GROUP_COMMIT if args.group_commit else {}))
    settings.update(item.split("=", 1) for item in args.set)
    context = multiprocessing.get_context("fork")
    with running_server(fsync=not args.fsync_off, settings=settings) as server:
        flush_median, flush_p99 = bare_flush_ms(server.folder)
        print(f"{os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}; fsync {'off' if args.fsync_off else 'on'}, "
              f"server settings {settings or 'default'}; bare 8 kB write+fdatasync on this disk: "
              f"median {flush_median:.2f} ms, p99 {flush_p99:.2f} ms; clients connect as "
              f"{'their own roles (row-level security)' if args.roles else 'the superuser'}", flush=True)
        url = server.create_database("bench")
        from annotator.store.postgres import PostgresStore

        PostgresStore(url).close()  # the tables, before the clients race for them
        ok = True
        for number, clients in enumerate(int(part) for part in args.clients.split(",")):
            ok &= phase(context, url, server.data, clients, args.decisions, bases, f"p{number}c{clients}-",
                        args.roles)[0]
        if args.no_kill:
            sys.exit(0 if ok else 1)
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
        print(f"kill -9 mid-commit: {len(seen)} commits seen by the client, {len(held)} in the database "
              f"(the one in flight may land or not), {len(missing)} committed record(s) lost")
        if not ok or missing:
            sys.exit(1)


if __name__ == "__main__":
    main()

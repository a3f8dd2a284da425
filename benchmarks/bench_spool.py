"""Benchmark: what a key costs when the network fails without closing anything.

Through a real TCP proxy (tests/pg_support.py TcpProxy) in front of a private PostgreSQL
15, an annotation session on the seeds commits a decision, then the server's answers are
lost: the next key waits for the commit watchdog (COMMIT_DEADLINE_SECONDS) and spools;
then the host accepts connections and never answers, and ``--keys`` more keys go straight
to the spool. Prints the lost commit's time, the spool-mode keys' median and maximum, and
the connection attempts they made (0 expected), then sends the spool once the network is
back. Run from the repository root:
    .venv/bin/python benchmarks/bench_spool.py [--keys 20]
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "tests"))

from annotator.corpus.index import open_corpus  # noqa: E402
from annotator.session import Session, SuggestionSource  # noqa: E402
from annotator.session import state as S  # noqa: E402
from pg_support import TcpProxy, missing_binaries, running_server  # noqa: E402
from tui_data import SEEDS, write_suggestions  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--keys", type=int, default=20)
    args = parser.parse_args()
    if missing_binaries():
        sys.exit(missing_binaries())
    from annotator.store.spool import DatabaseLog

    folder = Path(tempfile.mkdtemp())
    with running_server() as server:
        proxy = TcpProxy(server.port)
        try:
            log = DatabaseLog(proxy.url(server.create_database("spool")), "frank", folder / "spool")
            session = Session(open_corpus(SEEDS), "frank", folder / "spool",
                              SuggestionSource(write_suggestions(folder / "suggestions.jsonl")), log=log)
            session.start()
            session.do(S.accept)
            proxy.mode = "drop_replies"
            began = time.perf_counter()
            session.do(S.reject)
            lost = time.perf_counter() - began
            spooled = log.spooling and log.pending() == 1
            proxy.mode = "silent"
            accepts, attempts = proxy.accepts, log.connects
            times = []
            for number in range(args.keys):
                began = time.perf_counter()
                (session.undo if number % 2 == 0 else session.redo)()
                times.append(time.perf_counter() - began)
            made = (proxy.accepts - accepts) + (log.connects - attempts)
            proxy.mode = "forward"
            sent = log.replay_when_idle()
            print(f"load {os.getloadavg()[0]:.1f}; a commit whose answer is lost: {lost:.2f} s, then spooled "
                  f"({spooled}); {args.keys} keys in spool mode: median "
                  f"{statistics.median(times) * 1000:.1f} ms, max {max(times) * 1000:.1f} ms, "
                  f"{made} connection attempt(s); spool sent when the network is back: {sent}, "
                  f"{log.pending()} left", flush=True)
            log.close()
        finally:
            proxy.close()


if __name__ == "__main__":
    main()

"""A network that fails without closing anything: a decision never waits on it beyond
its one commit attempt. Through a real TCP proxy in front of a real server
(pg_support.TcpProxy): the server's answer to a commit is lost, then the host takes
connections and never answers; keys keep working from the spool without a single
connection attempt, and the idle replay sends everything once the network is back."""

from __future__ import annotations

import threading

import orjson
import pytest

from annotator.corpus.index import open_corpus
from annotator.session import Session, SuggestionSource
from annotator.session import state as S
from pg_support import TcpProxy, missing_binaries
from tui_data import SEEDS, write_suggestions

pytestmark = pytest.mark.skipif(bool(missing_binaries()), reason=missing_binaries() or "")


def _run_bounded(action, limit: float = 60.0) -> None:
    """Run ``action`` in a thread; fail (rather than hang the suite) if it never returns."""
    thread = threading.Thread(target=action, daemon=True)
    thread.start()
    thread.join(limit)
    assert not thread.is_alive(), f"still blocked after {limit} s"


def test_a_lost_answer_costs_one_commit_then_keys_spool_without_connecting(pg_server, pg_url, tmp_path):
    pytest.importorskip("psycopg")
    from annotator.store.postgres import PostgresStore
    from annotator.store.spool import DatabaseLog

    suggestions = write_suggestions(tmp_path / "suggestions.jsonl")
    spool = tmp_path / "spool"
    proxy = TcpProxy(pg_server.port)
    try:
        url = proxy.url(pg_url)
        log = DatabaseLog(url, "frank", spool)
        session = Session(open_corpus(SEEDS), "frank", spool, SuggestionSource(suggestions), log=log)
        session.start()
        session.do(S.accept)  # through the proxy, committed
        assert log.unsaved is None and not log.spooling

        # the server gets the INSERT and commits it, but its answer never comes back: the
        # watchdog cuts the connection off, the decision goes to the spool
        proxy.mode = "drop_replies"
        _run_bounded(lambda: session.do(S.reject))
        assert log.spooling and "1 decision(s) kept in" in session.write_error

        # spool mode: keys make no connection attempt at all (the proxy would see it)
        proxy.mode = "silent"
        accepts, attempts = proxy.accepts, log.connects
        for _ in range(3):
            _run_bounded(session.undo)
            _run_bounded(session.redo)
        assert (proxy.accepts, log.connects) == (accepts, attempts)
        assert "7 decision(s) kept in" in session.write_error

        # the idle replay's connect hangs on the silent host (connect_timeout); a key
        # pressed meanwhile is handled from the spool, not held up by it
        replay = threading.Thread(target=log.replay_when_idle)
        replay.start()
        while proxy.accepts == accepts and replay.is_alive():
            replay.join(0.01)
        assert replay.is_alive() and proxy.accepts == accepts + 1  # in its connect
        _run_bounded(session.undo)
        handled_while_connecting = replay.is_alive()
        replay.join(60)
        assert handled_while_connecting
        assert log.spooling and log.pending() == 8

        # the network is back: the next idle turn sends the spool in order; the record
        # whose answer was lost is in the database once
        proxy.mode = "forward"
        assert log.replay_when_idle() is True
        assert not log.spooling and log.unsaved is None and log.pending() == 0
        session.do(S.accept)  # commits directly again
        with PostgresStore(pg_url) as reader:
            rows = [orjson.loads(line) for (line,) in reader._query(
                "SELECT line FROM annotator.records ORDER BY seq")]
        steps = [(row["session"]["step"], row["session"]["kind"]) for row in rows]
        assert steps == [(1, "edit"), (2, "edit")] + [(1, "undo"), (2, "redo")] * 3 + [(1, "undo"), (2, "edit")]
        log.close()
    finally:
        proxy.close()


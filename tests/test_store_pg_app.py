"""The annotation session on a PostgreSQL store: every decision committed before the
next key; a lost server shows NOT SAVED, the decisions wait in the spool and are
replayed in order, without duplicates, when it is back."""

from __future__ import annotations

import orjson
import pytest

from annotator.corpus.index import open_corpus
from annotator.session import Session, SuggestionSource
from annotator.session import state as S
from pg_support import missing_binaries, running_server
from tui_data import SEEDS, write_suggestions

pytestmark = pytest.mark.skipif(bool(missing_binaries()), reason=missing_binaries() or "")


def _steps(store) -> list[tuple[str, int, str]]:
    rows = store._query("SELECT line FROM annotator.records ORDER BY seq")
    return [(r["doc_id"], r["session"]["step"], r["session"]["kind"]) for r in (orjson.loads(x) for (x,) in rows)]


def test_decisions_commit_then_spool_while_the_server_is_down_then_replay(tmp_path):
    pytest.importorskip("psycopg")
    from annotator.store.postgres import PostgresStore
    from annotator.store.spool import DatabaseLog

    suggestions = write_suggestions(tmp_path / "suggestions.jsonl")
    spool = tmp_path / "spool"
    with running_server() as server:  # its own server: this test stops it
        url = server.create_database()
        log = DatabaseLog(url, "alice", spool)
        session = Session(open_corpus(SEEDS), "alice", spool, SuggestionSource(suggestions), log=log)
        session.defer_sync = True  # as in the app: the frame is drawn, then flush()
        session.start()
        with PostgresStore(url) as reader:
            session.do(S.accept)
            assert len(_steps(reader)) == 1  # in the database before the next key
            assert session.message is None or "NOT SAVED" not in session.message
            server.stop()
            session.do(S.reject)
            assert session.message.startswith("NOT SAVED to postgresql://postgres@127.0.0.1:")
            assert "1 decision(s) kept in" in session.message
            session.flush()  # after the frame: the server is still down, nothing lost
            session.undo()
            assert "2 decision(s) kept in" in session.write_error
            assert len((spool / "alice.jsonl").read_bytes().splitlines()) == 2
            server.start()
            attempts = log.connects
            session.redo()  # spool mode: straight to the spool, no connection attempt
            assert log.connects == attempts
            assert "3 decision(s) kept in" in session.write_error
            assert log.replay_when_idle() is True  # the idle timer's turn: the spool, in order
            assert log.connects == attempts + 1 and log.unsaved is None
            assert (spool / "alice.jsonl").read_bytes() == b""
        with PostgresStore(url) as reader:
            steps = _steps(reader)
        document = session.document.id
        assert steps == [(document, 1, "edit"), (document, 2, "edit"), (document, 1, "undo"), (document, 2, "redo")]
        session.journal.close()
        # another machine (an empty spool) resumes from the database, undo history included
        elsewhere = tmp_path / "elsewhere"
        again = Session(open_corpus(SEEDS), "alice", elsewhere, SuggestionSource(suggestions),
                        log=DatabaseLog(url, "alice", elsewhere))
        again.start()
        assert again.document.id == document
        assert [a.id for a in again.state.rejected] == [a.id for a in session.state.rejected]
        assert again.undo()
        assert again.state.rejected == ()
        again.journal.close()


def test_replaying_a_spool_twice_adds_nothing_twice(tmp_path):
    """A replay cut short after the commit (the spool not yet emptied) is harmless."""
    pytest.importorskip("psycopg")
    from annotator.store import Journal
    from annotator.store.postgres import PostgresStore
    from annotator.store.spool import DatabaseLog

    suggestions = write_suggestions(tmp_path / "suggestions.jsonl")
    with running_server() as server:
        url = server.create_database()
        session = Session(open_corpus(SEEDS), "bob", tmp_path / "a", SuggestionSource(suggestions),
                          log=DatabaseLog(url, "bob", tmp_path / "a"))
        session.start()
        session.do(S.accept)
        session.do(S.reject)
        with PostgresStore(url) as store:
            records = list(store.history())
        spooled = Journal(tmp_path / "b" / "bob.jsonl")
        spooled.append_many(records)  # as if the commit went through but the truncate did not
        log = DatabaseLog(url, "bob", tmp_path / "b")  # replays at start
        assert log.pending() == 0
        with PostgresStore(url) as store:
            assert store.record_count() == 2
        log.close()
        session.journal.close()


def test_the_app_shows_not_saved_while_the_server_is_down(tmp_path):
    """Through the real app and keys: the status line says NOT SAVED, then the spool empties."""
    pytest.importorskip("psycopg")
    import asyncio

    from annotator.store.postgres import PostgresStore
    from annotator.store.spool import DatabaseLog
    from annotator.tui.app import make_app
    from annotator.tui.widgets.panels import StatusLine

    suggestions = write_suggestions(tmp_path / "suggestions.jsonl")
    spool = tmp_path / "spool"
    with running_server() as server:
        url = server.create_database()
        session = Session(open_corpus(SEEDS), "alice", spool, SuggestionSource(suggestions),
                          log=DatabaseLog(url, "alice", spool))
        session.start()
        app = make_app(session)
        app.spool_replay_seconds = 3600  # no tick by itself: the test runs the timer's turn below

        async def drive() -> list[str]:
            shown = []
            async with app.run_test(size=(100, 30)) as pilot:
                await pilot.pause()
                await pilot.press("a")
                await pilot.pause()
                server.stop()
                await pilot.press("x")
                await pilot.pause()
                shown.append(app.screen.query_one(StatusLine)._lines[0].plain)
                server.start()
                await pilot.press("a")  # still spooled: a key never waits for a reconnect
                await pilot.pause()
                shown.append(app.screen.query_one(StatusLine)._lines[0].plain)
                shown.append(session.write_error)
                app._replay_spool()  # the idle timer's turn: its thread sends the spool
                for _ in range(100):
                    await pilot.pause(0.1)
                    if not app.screen.query_one(StatusLine)._lines[0].plain.startswith("NOT SAVED"):
                        break
                shown.append(app.screen.query_one(StatusLine)._lines[0].plain)
            return shown

        shown = asyncio.run(drive())
        assert shown[0].startswith("NOT SAVED to postgresql://postgres@127.0.0.1:")
        assert shown[1].startswith("NOT SAVED") and "2 decision(s) kept in" in shown[2]
        assert shown[3].startswith("saved: the decisions kept offline reached the server")
        with PostgresStore(url) as store:
            assert [step for _doc, step, _kind in _steps(store)] == [1, 2, 3]
        assert (spool / "alice.jsonl").read_bytes() == b""
        session.journal.close()


def test_the_spool_is_replayed_while_idle_once_the_server_is_back(tmp_path):
    """No key needed: the idle timer's replay sends the spool, in order, once."""
    pytest.importorskip("psycopg")
    from annotator.store.postgres import PostgresStore
    from annotator.store.spool import DatabaseLog

    suggestions = write_suggestions(tmp_path / "suggestions.jsonl")
    spool = tmp_path / "spool"
    with running_server() as server:
        url = server.create_database()
        log = DatabaseLog(url, "carol", spool)
        session = Session(open_corpus(SEEDS), "carol", spool, SuggestionSource(suggestions), log=log)
        session.start()
        assert not log.waiting() and log.replay_when_idle() is False  # nothing to send: no I/O
        session.do(S.accept)
        server.stop()
        session.do(S.reject)
        session.undo()
        assert log.waiting() and log.pending() == 2
        assert log.replay_when_idle() is False  # still down: the spool stays as it was
        assert log.pending() == 2 and "NOT SAVED" in (log.unsaved or "")
        server.start()
        assert log.replay_when_idle() is True
        assert not log.waiting() and log.unsaved is None
        assert (spool / "carol.jsonl").read_bytes() == b""
        assert log.replay_when_idle() is False  # sent once
        with PostgresStore(url) as reader:
            steps = _steps(reader)
        document = session.document.id
        assert steps == [(document, 1, "edit"), (document, 2, "edit"), (document, 1, "undo")]
        session.do(S.accept)  # the next key commits straight away
        with PostgresStore(url) as reader:
            assert len(_steps(reader)) == 4
        log.close()


def test_the_app_sends_the_spool_while_idle(tmp_path):
    """Through the real app: NOT SAVED, the server comes back, no key is pressed, and
    the idle timer sends the spool and clears the status line."""
    pytest.importorskip("psycopg")
    import asyncio

    from annotator.store.postgres import PostgresStore
    from annotator.store.spool import DatabaseLog
    from annotator.tui.app import make_app
    from annotator.tui.widgets.panels import StatusLine

    suggestions = write_suggestions(tmp_path / "suggestions.jsonl")
    spool = tmp_path / "spool"
    with running_server() as server:
        url = server.create_database()
        session = Session(open_corpus(SEEDS), "dave", spool, SuggestionSource(suggestions),
                          log=DatabaseLog(url, "dave", spool))
        session.start()
        app = make_app(session)
        app.spool_replay_seconds = 0.2

        async def drive() -> list[str]:
            shown = []
            async with app.run_test(size=(100, 30)) as pilot:
                await pilot.pause()
                await pilot.press("a")
                await pilot.pause()
                server.stop()
                await pilot.press("x")
                await pilot.pause()
                await pilot.pause(0.5)  # a timer tick or two while the server is down
                shown.append(app.screen.query_one(StatusLine)._lines[0].plain)
                server.start()
                for _ in range(100):  # no key: only the timer can send the spool
                    await pilot.pause(0.1)
                    if not app.screen.query_one(StatusLine)._lines[0].plain.startswith("NOT SAVED"):
                        break
                shown.append(app.screen.query_one(StatusLine)._lines[0].plain)
            return shown

        shown = asyncio.run(drive())
        assert shown[0].startswith("NOT SAVED to postgresql://postgres@127.0.0.1:")
        assert shown[1].startswith("saved: the decisions kept offline reached the server")
        assert session.write_error is None
        with PostgresStore(url) as store:
            assert [step for _doc, step, _kind in _steps(store)] == [1, 2]
        assert (spool / "dave.jsonl").read_bytes() == b""
        session.journal.close()


def test_keys_and_the_idle_replay_at_once_keep_order_and_add_nothing_twice(tmp_path):
    """The timer's thread replays while keys are pressed: every decision lands once, in
    the order it was made (the spool before anything decided after it)."""
    pytest.importorskip("psycopg")
    import threading

    from annotator.store.postgres import PostgresStore
    from annotator.store.spool import DatabaseLog

    suggestions = write_suggestions(tmp_path / "suggestions.jsonl")
    spool = tmp_path / "spool"
    with running_server() as server:
        url = server.create_database()
        log = DatabaseLog(url, "erin", spool)
        session = Session(open_corpus(SEEDS), "erin", spool, SuggestionSource(suggestions), log=log)
        session.start()
        server.stop()
        for _ in range(3):
            session.do(S.accept)
            session.undo()
        assert log.pending() == 6
        server.start()
        stop = threading.Event()
        sent = []

        def timer() -> None:
            while not stop.is_set():
                sent.append(log.replay_when_idle())

        thread = threading.Thread(target=timer)
        thread.start()
        try:
            for _ in range(10):
                session.do(S.accept)
                session.undo()
        finally:
            stop.set()
            thread.join()
        sent.append(log.replay_when_idle())  # in case the last keys came after the timer's last turn
        assert log.pending() == 0 and not log.waiting()
        assert sent.count(True) == 1  # the spool went once, by the timer; then keys committed directly
        with PostgresStore(url) as reader:
            steps = [(step, kind) for _doc, step, kind in _steps(reader)]
        assert steps == [(1, "edit"), (0, "undo")] * 13
        log.close()

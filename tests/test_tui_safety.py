"""Nothing lost, nothing left undecided by accident: failed writes are kept and retried,
a second window on a journal is read-only, ``d`` asks about undecided suggestions,
``S`` skips, broken and duplicate corpus lines are reported (seed articles, a real
journal, a real failing device)."""

from __future__ import annotations

import os
from pathlib import Path

import orjson
import pytest

from annotator.corpus.index import open_corpus
from annotator.session import Session, SuggestionSource
from annotator.session import state as S
from annotator.tui.app import make_app
from annotator.tui.screens.confirm import ConfirmDialog, UnsavedDialog
from test_tui_app import lines, sync
from tui_data import SEEDS, seed_documents, write_suggestions

needs_dev_full = pytest.mark.skipif(not os.path.exists("/dev/full"), reason="no /dev/full on this system")


def new_session(tmp_path: Path, corpus: Path = SEEDS, name: str = "alice") -> Session:
    suggestions = tmp_path / "suggestions.jsonl"
    if not suggestions.exists():
        write_suggestions(suggestions)
    return Session(open_corpus(corpus), name, tmp_path / "annotations", SuggestionSource(suggestions))


def open_app(tmp_path: Path, corpus: Path = SEEDS, lock: bool = True):
    session = new_session(tmp_path, corpus)
    if lock:
        session.acquire_lock()
    session.start()
    return make_app(session), session


class FullDisk:
    """The journal replaced by /dev/full (every write fails with ENOSPC) until restored."""

    def __init__(self, journal: Path):
        self.journal = journal
        self.aside = journal.with_name(journal.name + ".aside")

    def __enter__(self) -> FullDisk:  # noqa: PYI034 (a test helper, never subclassed)
        self.journal.rename(self.aside)
        self.journal.symlink_to("/dev/full")
        return self

    def restore(self) -> None:
        if self.journal.is_symlink():
            self.journal.unlink()
            self.aside.rename(self.journal)

    def __exit__(self, *exc) -> None:
        self.restore()


@needs_dev_full
def test_headless_failed_write_is_kept_refuses_to_leave_and_discards_on_request(tmp_path):
    session = new_session(tmp_path)
    session.start()
    journal = session.journal.path
    session.do(S.accept)
    written = len(lines(journal))
    with FullDisk(journal) as disk:
        session.do(S.accept)
        assert session.unsaved == 1 and session.message.startswith("NOT SAVED")
        assert not session.go(1) and session.position == 0  # refuses to leave
        assert "1 decision(s) on 000_302df5bc7456bd44-1 not saved" in session.message
        disk.restore()
        assert session.go(1) and session.position == 1  # written on the retry
    assert len(lines(journal)) == written + 1 and session.unsaved == 0
    session.go(-1)
    with FullDisk(journal):
        before = session.state.snapshot()
        session.do(S.reject)
        assert session.unsaved == 1
        lost = session.discard_unsaved()
    assert lost == "1 decision(s) on 000_302df5bc7456bd44-1"
    assert session.state.snapshot() == before  # back to what the journal holds
    assert session.go(1)
    assert len(lines(journal)) == written + 1


@needs_dev_full
@sync
async def test_app_keeps_an_unwritten_decision_on_n_and_q_until_retried(tmp_path):
    app, session = open_app(tmp_path)
    journal = session.journal.path
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("a")
        await pilot.pause()
        with FullDisk(journal) as disk:
            await pilot.press("a")
            await pilot.pause()
            assert session.unsaved == 1
            await pilot.press("n")
            await pilot.pause()
            assert isinstance(app.screen, UnsavedDialog) and session.position == 0
            body = app.screen.query_one("#body").render().plain
            assert "D discards them: 1 decision(s) on 000_302df5bc7456bd44-1 would be lost" in body
            await pilot.press("escape")  # stay
            await pilot.press("q")
            await pilot.pause()
            assert isinstance(app.screen, UnsavedDialog) and app.is_running
            await pilot.press("r")  # still failing: asked again
            await pilot.pause()
            assert isinstance(app.screen, UnsavedDialog) and app.is_running
            disk.restore()
            await pilot.press("r")  # written: the quit goes on
            await pilot.pause()
        assert not app.is_running
    saved = lines(journal)
    assert len(saved) == 2 and len(saved[-1]["attributions"]) == 2


@needs_dev_full
@sync
async def test_app_discard_says_what_is_lost_and_moves_on(tmp_path):
    app, session = open_app(tmp_path)
    journal = session.journal.path
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("a")
        await pilot.pause()
        with FullDisk(journal):
            await pilot.press("x", "n")
            await pilot.pause()
            assert isinstance(app.screen, UnsavedDialog)
            await pilot.press("D")
            await pilot.pause()
        assert session.position == 1
        assert "discarded 1 decision(s) on 000_302df5bc7456bd44-1" in session.message
        await pilot.press("q")
    saved = lines(journal)
    assert len(saved) == 1 and saved[0]["rejected"] == []


@sync
async def test_second_window_on_the_same_journal_is_read_only(tmp_path):
    first_app, first = open_app(tmp_path)
    async with first_app.run_test(size=(100, 30)) as pilot:
        await pilot.press("a")
        await pilot.pause()
        second = new_session(tmp_path)
        assert not second.acquire_lock()
        assert second.read_only and f"pid {os.getpid()}" in second.read_only
        second.start()
        before = second.state.snapshot()
        second.do(S.accept)
        assert second.state.snapshot() == before and second.message == second.read_only
        assert not second.undo()
        assert len(lines(first.journal.path)) == 1  # the second window wrote nothing
        second_app = make_app(second)
        async with second_app.run_test(size=(100, 30)) as other:
            await other.pause()
            assert "READ-ONLY" in second_app.screen.query_one("#header").render().plain
            await other.press("x", "d", "D")
            await other.pause()
            assert len(lines(first.journal.path)) == 1
            await other.press("q")
        await pilot.press("q")
    # the first window closed: the lock is free again
    third = new_session(tmp_path)
    assert third.acquire_lock() and third.read_only is None
    third.release_lock()


@sync
async def test_d_with_undecided_suggestions_asks_and_defaults_to_no(tmp_path):
    app, session = open_app(tmp_path)
    journal = session.journal.path
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        pending = session.state.pending_count
        assert pending == 2
        await pilot.press("d")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmDialog)
        assert "2 suggestion(s) in this document are undecided" in app.screen.query_one("#body").render().plain
        await pilot.press("enter")  # the default: no
        await pilot.pause()
        assert session.position == 0 and not journal.exists()
        assert session.message == "not marked done: 2 suggestion(s) still to decide"
        await pilot.press("a", "d")  # one left: asked again, once
        await pilot.pause()
        assert isinstance(app.screen, ConfirmDialog)
        await pilot.press("y")
        await pilot.pause()
        assert session.position == 1
        last = lines(journal)[-1]
        assert last["status"] == "done" and last["session"]["undecided"] == 1
        await pilot.press("q")


@sync
async def test_skip_marks_skipped_and_the_next_undone_passes_it(tmp_path):
    app, session = open_app(tmp_path)
    journal = session.journal.path
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("D")
        await pilot.pause()
        assert session.position == 1 and lines(journal)[-1]["status"] == "skipped"
        assert session.message == "document skipped; this is the next one not done"
        for _ in range(4):  # skip the others: the first is not offered again
            await pilot.press("D")
            await pilot.pause()
        assert session.position == 5
        await pilot.press("D")
        await pilot.pause()
        assert session.message == "document skipped; every document is done or skipped"
        await pilot.press("q")
    statuses = {line["doc_id"]: line["status"] for line in lines(journal)}
    assert len(statuses) == 6 and set(statuses.values()) == {"skipped"}


def _corpus_with_a_broken_line(tmp_path: Path) -> Path:
    documents = seed_documents()[:3]
    rows = [orjson.dumps(d.model_dump(mode="json")) for d in documents]
    rows.insert(1, b'{"id": "broken", "text": ')  # cut off mid-line
    path = tmp_path / "corpus.jsonl"
    path.write_bytes(b"\n".join(rows) + b"\n")
    return path


@sync
async def test_n_steps_over_a_broken_corpus_line_and_says_so(tmp_path):
    app, session = open_app(tmp_path, _corpus_with_a_broken_line(tmp_path))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("n")
        await pilot.pause()
        assert session.position == 2
        assert session.message.startswith("skipped a broken corpus line: document 2: ")
        assert "corpus.jsonl:2: invalid JSON" in session.message
        await pilot.press("p")
        await pilot.pause()
        assert session.position == 0
        await pilot.press("q")


@sync
async def test_duplicate_document_ids_are_reported(tmp_path):
    documents = seed_documents()[:2]
    rows = [orjson.dumps(d.model_dump(mode="json")) for d in (documents[0], documents[1], documents[0])]
    corpus = tmp_path / "corpus.jsonl"
    corpus.write_bytes(b"\n".join(rows) + b"\n")
    app, session = open_app(tmp_path, corpus)
    async with app.run_test(size=(80, 24)) as pilot:
        for _ in range(50):
            await pilot.pause(0.05)
            if any("appear more than once" in p for p in session.problems):
                break
        warning = next(p for p in session.problems if "appear more than once" in p)
        assert f"1 document id(s) appear more than once in {corpus}" in warning
        assert f"(first: '{documents[0].id}' at documents 1, 3)" in warning
        await pilot.press("q")


def _annotate_three_done(tmp_path: Path, name: str) -> Path:
    """Three seed documents marked done through the session, the first with one of its
    two suggestions left undecided."""
    session = new_session(tmp_path, name=name)
    session.start()
    session.do(S.accept)
    session.mark_done()  # one suggestion left undecided
    for _ in range(2):
        while session.state.pending_count:
            session.do(S.accept)
        session.mark_done()
    return session.directory


def test_stats_and_export_warn_about_done_records_with_undecided_suggestions(tmp_path, monkeypatch):
    from polnear_support import run_in_process

    annotations = _annotate_three_done(tmp_path, "alice")
    stats = run_in_process("stats", annotations)
    assert stats.returncode == 0
    assert ("warning: 1 record(s) marked done hold 1 undecided suggestion(s) (neither accepted nor "
            "rejected): 000_302df5bc7456bd44-1 (alice: 1)") in stats.stderr
    report = orjson.loads(run_in_process("stats", annotations, "--json").stdout)
    assert report["done_with_undecided"] == [["000_302df5bc7456bd44-1", "alice", 1]]
    corpus = tmp_path / "corpus.jsonl"
    corpus.write_bytes(b"".join(orjson.dumps(d.model_dump(mode="json")) + b"\n" for d in seed_documents()))
    exported = run_in_process("export", annotations, "--corpus", corpus, "--format", "jsonl", "-o", tmp_path / "out.jsonl")
    assert exported.returncode == 0, exported.stderr
    assert "warning: 1 record(s) marked done hold 1 undecided suggestion(s)" in exported.stderr
    # only in progress records chosen: nothing marked done, nothing to warn about
    quiet = run_in_process("export", annotations, "--corpus", corpus, "--format", "jsonl", "--status", "in_progress",
                           "-o", tmp_path / "none.jsonl")
    assert "undecided" not in quiet.stderr


def test_stats_and_agree_by_doc_tables_fit_80_columns(tmp_path, monkeypatch):
    from rich.cells import cell_len

    from polnear_support import run_in_process

    monkeypatch.setenv("COLUMNS", "80")
    long_name = "bob-with-a-rather-long-annotator-name@example.org"
    _annotate_three_done(tmp_path, "alice")
    annotations = _annotate_three_done(tmp_path, long_name)
    stats = run_in_process("stats", annotations)
    agree = run_in_process("agree", annotations, "--by-doc", "--corpus", SEEDS)
    assert stats.returncode == 0 and agree.returncode == 0, agree.stderr
    for output in (stats.stdout, agree.stdout):
        assert max(cell_len(line) for line in output.splitlines()) <= 80
    assert "bob-wit…le.org" in stats.stdout and long_name not in stats.stdout  # cut in the middle
    rows = [line for line in agree.stdout.splitlines() if "000_302…bd44-1" in line]
    assert len(rows) == 1 and "100.0/100.0" in rows[0]  # one row per document, not folded

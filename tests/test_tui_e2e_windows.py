"""In a real terminal (tmux): two app windows on one journal, a curly apostrophe typed
into the entity dialog, the overview and the message log at 80x24."""

from __future__ import annotations

import shutil
import time

import pytest

from test_tui_e2e_tmux import Tmux, app_command, journal, wait_lines
from tui_data import SEEDS, write_suggestions

pytestmark = pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed (apt-get install tmux)")


def test_a_second_window_on_the_same_journal_is_read_only_and_writes_nothing(tmp_path):
    suggestions = write_suggestions(tmp_path / "suggestions.jsonl")
    annotations = tmp_path / "annotations"
    path = annotations / "e2e.jsonl"
    first = Tmux(app_command(SEEDS, annotations, suggestions))
    second = None
    try:
        first.wait_for("1/6")
        first.keys("a")
        wait_lines(path, 1)
        second = Tmux(app_command(SEEDS, annotations, suggestions))
        screen = second.wait_for("READ-ONLY")
        assert "read-only: e2e.jsonl is open in another annotator window" in screen
        second.keys("L")  # the whole message
        assert "(pid " in second.wait_for("close that one to annotate here")
        second.keys("Escape")
        second.keys("a", "x", "d", "D")
        time.sleep(1)
        assert len(journal(path)) == 1  # nothing from the second window
        assert "READ-ONLY" in second.screen() and not second.dead()
        first.keys("x")  # the first window goes on writing
        wait_lines(path, 2)
        second.keys("q")
        first.keys("q")
        deadline = time.monotonic() + 30
        while not (first.dead() and second.dead()) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert first.dead() and second.dead()
    finally:
        first.close()
        if second is not None:
            second.close()
    # both closed: a new window may write again
    again = Tmux(app_command(SEEDS, annotations, suggestions))
    try:
        again.wait_for("1/6")
        assert "READ-ONLY" not in again.screen()
        again.keys("u")  # undo the x of the first window
        wait_lines(path, 3)
        again.keys("q")
    finally:
        again.close()


def test_curly_apostrophe_typed_in_the_entity_dialog_and_overview_at_80x24(tmp_path):
    suggestions = write_suggestions(tmp_path / "suggestions.jsonl")
    annotations = tmp_path / "annotations"
    path = annotations / "e2e.jsonl"
    app = Tmux(app_command(SEEDS, annotations, suggestions))
    try:
        app.wait_for("1/6")
        app.keys("E")
        app.wait_for("Source entity")
        app.keys("Xi’s spokesman")
        app.wait_for("Xi’s spokesman")
        app.keys("Enter")
        lines = wait_lines(path, 1)
        assert lines[-1]["attributions"][0]["source_entity"] == "Xi’s spokesman"
        app.keys("O")
        screen = app.wait_for("6 documents · 0 done · 1 in progress · 0 skipped · 5 not started")
        assert all(len(line) <= 80 for line in screen.splitlines())
        app.keys("3")
        app.keys("Enter")
        app.wait_for("3/6")
        time.sleep(0.5)
        app.keys("/")
        app.wait_for("Search the text")
        app.keys("a search for words that are nowhere in this article, to make a long message")
        app.keys("Enter")
        screen = app.wait_for("(L: all)")
        app.keys("L")
        screen = app.wait_for("Last messages")
        assert "nowhere in this article" in screen
        app.keys("Escape")
        time.sleep(0.5)
        app.keys("q")
    finally:
        app.close()

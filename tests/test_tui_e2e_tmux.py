"""End to end in a real terminal: tmux types keys into ``annotator annotate``; we read
the screen and the journal, kill -9 the app, and check hostile text stays inert."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path

import orjson
import pytest

from tui_data import ROOT, SEEDS, write_suggestions

pytestmark = pytest.mark.skipif(shutil.which("tmux") is None, reason="tmux is not installed (apt-get install tmux)")


class Tmux:
    def __init__(self, command: str, width: int = 80, height: int = 24):
        self.name = f"annotator-e2e-{uuid.uuid4().hex[:8]}"
        subprocess.run(["tmux", "new-session", "-d", "-s", self.name, "-x", str(width), "-y", str(height),
                        "-c", str(ROOT), f"exec {command}"], check=True)
        subprocess.run(["tmux", "set-option", "-t", self.name, "remain-on-exit", "on"], check=True)

    def screen(self) -> str:
        return subprocess.run(["tmux", "capture-pane", "-p", "-t", self.name], capture_output=True,
                              text=True, check=True).stdout

    def wait_for(self, needle: str, timeout: float = 60) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            screen = self.screen()
            if needle in screen:
                return screen
            time.sleep(0.1)
        raise AssertionError(f"{needle!r} never appeared; the screen was:\n{self.screen()}")

    def keys(self, *keys: str) -> None:
        for key in keys:
            subprocess.run(["tmux", "send-keys", "-t", self.name, key], check=True)
            time.sleep(0.15)

    def query(self, what: str) -> str:
        return subprocess.run(["tmux", "display-message", "-p", "-t", self.name, what], capture_output=True,
                              text=True, check=True).stdout.strip()

    def dead(self) -> bool:
        return self.query("#{pane_dead}") == "1"

    def close(self) -> None:
        subprocess.run(["tmux", "kill-session", "-t", self.name], capture_output=True)


def app_command(corpus: Path, annotations: Path, suggestions: Path) -> str:
    return (f"{sys.executable} -m annotator annotate {corpus} --annotator e2e "
            f"--annotations {annotations} --suggestions {suggestions}")


def journal(path: Path) -> list[dict]:
    if not path.exists():
        return []
    return [orjson.loads(line) for line in path.read_bytes().splitlines() if line.strip()]


def wait_lines(path: Path, count: int, timeout: float = 30) -> list[dict]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        lines = journal(path)
        if len(lines) >= count:
            return lines
        time.sleep(0.05)
    raise AssertionError(f"the journal has {len(journal(path))} lines, expected {count}")


def test_accept_move_quit_then_kill_9_keeps_every_accept(tmp_path):
    suggestions = write_suggestions(tmp_path / "suggestions.jsonl")
    annotations = tmp_path / "annotations"
    path = annotations / "e2e.jsonl"
    tmux = Tmux(app_command(SEEDS, annotations, suggestions))
    try:
        tmux.wait_for("1/6")
        tmux.keys("a")
        lines = wait_lines(path, 1)
        assert lines[0]["attributions"][0]["action"] == "accepted"
        tmux.keys("j", "k", "q")
        deadline = time.monotonic() + 30
        while not tmux.dead() and time.monotonic() < deadline:
            time.sleep(0.1)
        assert tmux.dead(), "q did not quit the app"
    finally:
        tmux.close()
    # reopen, accept more, kill -9: every accepted decision is already on disk
    tmux = Tmux(app_command(SEEDS, annotations, suggestions))
    try:
        tmux.wait_for("1/6")
        tmux.wait_for("1/2 · accepted")  # resumed on the attribution left selected (k)
        tmux.keys("a")  # already accepted: moves to the next undecided one
        tmux.keys("a")  # the other suggestion of the first document
        tmux.keys("n", "n", "n", "n", "n")  # to the last document (4 suggestions)
        tmux.wait_for("6/6")
        tmux.keys("a", "a", "a")
        lines = wait_lines(path, 5)
        os.kill(int(tmux.query("#{pane_pid}")), 9)
        time.sleep(0.3)
        assert tmux.dead()
    finally:
        tmux.close()
    lines = journal(path)
    assert len(lines) == 5
    last = {line["doc_id"]: line for line in lines}
    assert len(last["000_302df5bc7456bd44-1"]["attributions"]) == 2
    assert len(last["004_3689a5d9b184db94"]["attributions"]) == 3


def test_markup_and_escape_sequences_show_literally(tmp_path):
    text = ("[bold]Not bold[/bold] and [@click=app.quit]quit[/] here. "
            "\x1b]0;PWNED\x07 \x1b[2J\x1b[31mRed?\x1b[0m \x1b]2;PWNED2\x1b\\ "
            "The minister said “all is well” [/].")
    corpus = tmp_path / "hostile.jsonl"
    corpus.write_bytes(orjson.dumps({"id": "hostile", "text": text, "meta": {"title": "[b]T[/b] \x1b]0;X\x07"}}) + b"\n")
    suggestions = tmp_path / "none.jsonl"
    suggestions.write_bytes(b"")
    tmux = Tmux(app_command(corpus, tmp_path / "annotations", suggestions))
    try:
        title_before = tmux.query("#{pane_title}")
        screen = tmux.wait_for("1/1")
        assert "[bold]Not bold[/bold]" in screen
        assert "[@click=app.quit]quit[/]" in screen
        assert "␛]0;PWNED␇" in screen and "␛[31mRed?" in screen
        assert "[b]T[/b]" in screen
        tmux.keys("w", "w", "w", "v", "w")
        assert not tmux.dead()
        assert "PWNED" not in tmux.query("#{pane_title}")
        assert tmux.query("#{pane_title}") == title_before
        tmux.keys("q")
    finally:
        tmux.close()


def test_closing_the_terminal_keeps_every_decision(tmp_path):
    suggestions = write_suggestions(tmp_path / "suggestions.jsonl")
    annotations = tmp_path / "annotations"
    path = annotations / "e2e.jsonl"
    tmux = Tmux(app_command(SEEDS, annotations, suggestions))
    try:
        tmux.wait_for("1/6")
        tmux.keys("a", "x")
        wait_lines(path, 2)
    finally:
        tmux.close()  # the terminal goes away: SIGHUP
    lines = journal(path)
    assert len(lines) == 2
    assert len(lines[-1]["attributions"]) == 1 and len(lines[-1]["rejected"]) == 1


def test_annotate_follows_a_queue_written_by_assign(tmp_path):
    queues = tmp_path / "queues"
    assigned = subprocess.run(
        [sys.executable, "-m", "annotator", "assign", str(SEEDS), "--annotators", "ana,ben",
         "--overlap", "1", "--seed", "3", "-o", str(queues)],
        cwd=ROOT, capture_output=True, text=True, timeout=120,
    )
    assert assigned.returncode == 0, assigned.stderr
    queue = [line for line in (queues / "ana.txt").read_text(encoding="utf-8").splitlines()
             if line.strip() and not line.startswith("#")]
    assert len(queue) == 3  # 6 seed documents, 2 annotators, each document once
    annotations = tmp_path / "annotations"
    app = Tmux(f"{sys.executable} -m annotator annotate {SEEDS} --annotator ana --annotations {annotations} "
               f"--no-suggestions --queue {queues / 'ana.txt'}", width=120, height=30)
    try:
        app.wait_for("/3 ")  # the position counts the queue's documents, not the corpus's
        app.keys("d")  # done: the record is for the queue's first document
        lines = wait_lines(annotations / "ana.jsonl", 1)
        assert lines[-1]["doc_id"] == queue[0] and lines[-1]["status"] == "done"
        app.keys("q")
        deadline = time.monotonic() + 30
        while not app.dead() and time.monotonic() < deadline:
            time.sleep(0.1)
        assert app.dead()
    finally:
        app.close()

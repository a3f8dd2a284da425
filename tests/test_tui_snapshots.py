"""Screenshots of the app at 80x24 and 160x48, dark and light (pytest-textual-snapshot).

Regenerate after an intended change with ``pytest tests/test_tui_snapshots.py --snapshot-update``
and look at the SVGs in ``tests/__snapshots__/``.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from annotator.corpus.index import open_corpus
from annotator.session import Session, SuggestionSource
from annotator.tui.app import make_app
from tui_data import SEEDS, write_suggestions


def build(tmp_path: Path, theme: str):
    annotations = tmp_path / "annotations"
    shutil.rmtree(annotations, ignore_errors=True)
    suggestions = write_suggestions(tmp_path / "suggestions.jsonl")
    session = Session(open_corpus(SEEDS), "alice", annotations, SuggestionSource(suggestions))
    session.start()
    return make_app(session, theme=theme)


@pytest.mark.parametrize("theme", ["textual-dark", "textual-light"])
def test_open_80x24(snap_compare, tmp_path, theme):
    assert snap_compare(build(tmp_path, theme), terminal_size=(80, 24))


@pytest.mark.parametrize("theme", ["textual-dark", "textual-light"])
def test_accept_then_next_160x48(snap_compare, tmp_path, theme):
    assert snap_compare(build(tmp_path, theme), terminal_size=(160, 48), press=["a", "n", "j"])


def test_edit_mode_80x24(snap_compare, tmp_path):
    assert snap_compare(build(tmp_path, "textual-dark"), terminal_size=(80, 24),
                        press=["e", "left_curly_bracket", "s"])


def test_selection_160x48(snap_compare, tmp_path):
    assert snap_compare(build(tmp_path, "textual-light"), terminal_size=(160, 48),
                        press=["v", "w", "w", "w"])


def test_help_80x24(snap_compare, tmp_path):
    assert snap_compare(build(tmp_path, "textual-dark"), terminal_size=(80, 24), press=["question_mark"])

"""80x24 stays readable: list rows, the end of a long content, the adjudication screen's
footer and versions (seed articles, journals written through the session)."""

from __future__ import annotations

from pathlib import Path

from annotator.adjudicate import AdjudicationSession, prepare
from annotator.corpus.index import open_corpus
from annotator.records import load_documents, read_journals
from annotator.schema import Status
from annotator.session import Session, SuggestionSource
from annotator.session import state as S
from annotator.tui.screens.adjudicate import AdjudicationApp
from annotator.tui.widgets.panels import AttributionList, DetailPanel
from test_tui_app import sync
from test_tui_layout import screen_lines
from test_tui_safety import open_app
from tui_data import SEEDS, write_suggestions


@sync
async def test_list_rows_show_the_source_and_the_start_of_the_content_at_80x24(tmp_path):
    app, session = open_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        listing = app.screen.query_one(AttributionList)
        rows = [listing.render_line(y).text.rstrip() for y in range(listing.option_count)]
        first = session.state.items[0].attribution
        assert rows[0].startswith(f"? {first.source.text} · {first.content.text[:8]}")
        assert first.cue.text not in rows[0].split(" · ")  # the cue is left to the detail panel
        await pilot.press("q")
    app, session = open_app(tmp_path)
    async with app.run_test(size=(160, 48)) as pilot:  # wide: source, cue and content
        await pilot.pause()
        listing = app.screen.query_one(AttributionList)
        row = listing.render_line(0).text
        first = session.state.items[0].attribution
        assert f"{first.source.text} · {first.cue.text} · {first.content.text[:10]}" in row
        await pilot.press("q")


@sync
async def test_detail_panel_shows_where_a_long_content_ends(tmp_path):
    app, session = open_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        content = session.state.current.attribution.content.text
        panel = app.screen.query_one(DetailPanel)
        shown = panel.text.splitlines()
        at = next(i for i, line in enumerate(shown) if line[1:9].strip() == "content")
        following = next(i for i, line in enumerate(shown) if line[1:9].strip() == "note")
        last = shown[following - 1].strip()
        assert last.startswith("… ") and content.endswith(last[2:])  # its last words
        assert following - at >= 2 and shown[at][9:].strip() and content.startswith(shown[at][9:].strip())
        await pilot.press("q")


def _disagreeing_journals(tmp_path: Path) -> Path:
    suggestions = write_suggestions(tmp_path / "suggestions.jsonl")
    for name in ("alice", "bob"):
        session = Session(open_corpus(SEEDS), name, tmp_path / "ann", SuggestionSource(suggestions))
        session.start()
        if name == "bob":  # bob ends the first content two tokens earlier
            session.do(S.toggle_edit)
            session.do(S.move_boundary, "end", -1, "token")
            session.do(S.move_boundary, "end", -1, "token")
            session.do(S.toggle_edit)
        while session.state.pending_count:
            session.do(S.accept)
        session.do(S.set_status, Status.done)
    return tmp_path / "ann"


@sync
async def test_adjudication_footer_keeps_words_apart_and_versions_keep_their_indent(tmp_path):
    journals = _disagreeing_journals(tmp_path)
    documents = load_documents(SEEDS)
    contents = read_journals([journals])
    session = AdjudicationSession(prepare(documents, contents.records(), {}), tmp_path / "gold.jsonl", "gold", "carol")
    app = AdjudicationApp(session)
    async with app.run_test(size=(80, 24)) as pilot:
        for _ in range(50):
            await pilot.pause(0.05)
            lines = screen_lines(app)
            if "Reject" in lines[-1] and "┊ content" in "".join(lines):
                break
        assert "pick x Reject" in lines[-1] and "cluster u Undo" in lines[-1], lines[-1]
        side = [line.split("│", 1)[1] for line in lines[1:-2] if "│" in line]
        content_at = next(i for i, line in enumerate(side) if "┊ content" in line)
        continuation = side[content_at + 1]
        assert continuation.startswith("   ┊          ") and continuation[14] != " "  # under the value
        await pilot.press("q")


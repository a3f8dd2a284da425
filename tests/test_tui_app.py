"""The whole annotation flow driven through the app with the Pilot (real keys, real journal)."""

from __future__ import annotations

from pathlib import Path

import orjson

from annotator.corpus.index import open_corpus
from annotator.session import Session, SuggestionSource
from annotator.tui.app import make_app
from annotator.tui.widgets.article import ArticleView
from tui_data import SEEDS, write_suggestions


def sync(function):
    """Run an async test with asyncio.run (no pytest-asyncio needed)."""
    import asyncio
    import functools

    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        return asyncio.run(function(*args, **kwargs))

    return wrapper


def lines(path: Path) -> list[dict]:
    return [orjson.loads(line) for line in path.read_bytes().splitlines() if line.strip()]


def open_app(tmp_path: Path, corpus: Path = SEEDS, keys: Path | None = None):
    suggestions = tmp_path / "suggestions.jsonl"
    if not suggestions.exists():
        write_suggestions(suggestions)
    session = Session(open_corpus(corpus), "alice", tmp_path / "annotations", SuggestionSource(suggestions))
    session.start()
    return make_app(session, keys), session


@sync
async def test_full_flow_then_reopen_and_resume(tmp_path):
    journal = tmp_path / "annotations" / "alice.jsonl"
    app, session = open_app(tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        first = session.state.selected
        await pilot.press("a")  # accept the first suggestion
        assert lines(journal)[-1]["attributions"][0]["id"] == first
        second = session.state.selected
        assert second != first
        await pilot.press("x")  # reject the second
        assert [a["id"] for a in lines(journal)[-1]["rejected"]] == [second]
        # adjust: select the first again, edit its content end one token left
        await pilot.press("k")
        assert session.state.selected == first
        before = session.state.current.attribution.content
        await pilot.press("e", "left_curly_bracket")
        after = session.state.current.attribution.content
        assert after.start == before.start and after.end < before.end
        assert lines(journal)[-1]["attributions"][0]["action"] == "edited"
        await pilot.press("escape")
        # create: put the cursor on the headline's quotation and make it a new attribution
        text = session.document.text
        session.do(__import__("annotator.session.state", fromlist=["x"]).set_cursor, text.index("‘milestone’"))
        await pilot.press("v", "N")
        created = session.state.current.attribution
        assert created.content.text == "‘milestone’" and created.origin.value == "manual"
        # set the entity through the dialog, with autocomplete
        await pilot.press("E")
        await pilot.press(*"Kakar", "enter")
        await pilot.pause()
        assert session.state.current.attribution.source_entity == "Kakar"
        saved = {a["id"]: a for a in lines(journal)[-1]["attributions"]}
        assert saved[created.id]["source_entity"] == "Kakar"
        # undo the entity, redo it
        await pilot.press("u")
        assert session.state.by_id[created.id].attribution.source_entity is None
        await pilot.press("ctrl+r")
        assert session.state.by_id[created.id].attribution.source_entity == "Kakar"
        count = len(lines(journal))
        # next document, then quit
        await pilot.press("n")
        assert session.position == 1
        assert app.screen.query_one("#header").render().plain.count("2/6") == 1
        await pilot.press("p")
        await pilot.press("q")
    assert len(lines(journal)) == count  # moving between documents writes no decisions
    # reopen: same document, same attribution, the undo history is back
    app, again = open_app(tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        assert again.document.id == session.document.id
        assert again.state.selected == created.id
        assert again.history.position == session.history.position
        await pilot.press("u")
        assert again.state.by_id[created.id].attribution.source_entity is None
        await pilot.press("q")


@sync
async def test_mark_done_goes_to_next_undone(tmp_path):
    app, session = open_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("a", "a", "d")
        assert session.position == 1
        assert lines(tmp_path / "annotations" / "alice.jsonl")[-1]["status"] == "done"


@sync
async def test_footer_shows_keys_of_the_current_mode(tmp_path):
    app, session = open_app(tmp_path)
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.pause()
        shown = {b.binding.id for b in app.screen.active_bindings.values() if b.binding.show}
        assert "accept" in shown and "start-left" not in shown  # [ ] work in normal mode, unlisted there
        await pilot.press("e")
        shown = {b.binding.id for b in app.screen.active_bindings.values()}
        assert "start-left" in shown and "assign-source" not in shown
        await pilot.press("escape", "v")
        shown = {b.binding.id for b in app.screen.active_bindings.values()}
        assert "assign-source" in shown and "accept" not in shown


@sync
async def test_keymap_file_remaps_by_binding_id(tmp_path):
    keys = tmp_path / "keys.toml"
    keys.write_text('[keys]\naccept = "y"\n', encoding="utf-8")
    app, session = open_app(tmp_path, keys=keys)
    async with app.run_test(size=(80, 24)) as pilot:
        first = session.state.selected
        await pilot.press("a")
        assert session.state.by_id[first].status == "pending"
        await pilot.press("y")
        assert session.state.by_id[first].status == "accepted"
        await pilot.press("question_mark")
        await pilot.pause()
        from annotator.tui.widgets.panels import LinePanel

        help_lines = app.screen.query_one(LinePanel).text.splitlines()
        # the remapped key is shown beside its binding id, on one row
        assert any(line.split()[:1] == ["y"] and line.split()[-1] == "accept" for line in help_lines)
        await pilot.press("escape")


@sync
async def test_mouse_click_selects_and_drag_selects_text(tmp_path):
    app, session = open_app(tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        article = app.screen.query_one(ArticleView)
        target = session.state.items[1]
        await pilot.press("j")  # the article scrolls to it
        assert session.state.selected == target.id
        from annotator.session.state import select

        session.do(select, session.state.items[0].id)  # select another without scrolling
        source = target.attribution.source
        line = article.line_of(source.start)
        column = source.start - article.lines[line][0] + 1  # +1: padding
        y = line - article.scroll_offset.y
        await pilot.click(ArticleView, offset=(column, y))
        assert session.state.selected == target.id
        await pilot.mouse_down(ArticleView, offset=(column, y))
        await pilot.hover(ArticleView, offset=(column + 6, y))
        await pilot.mouse_up(ArticleView, offset=(column + 6, y))
        assert session.state.selection is not None


@sync
async def test_untrusted_text_shows_literally(tmp_path):
    hostile = ("[bold]not bold[/bold] [@click=app.quit]click[/] \x1b]0;pwned\x07 title "
               "\x1b[31mred\x1b[0m ٹیسٹ 👩‍👩‍👧 中文 e\u0301 said the [link=x]source[/link].")
    corpus = tmp_path / "hostile.jsonl"
    corpus.write_bytes(orjson.dumps({"id": "[/]", "text": hostile, "meta": {"title": "[@click=app.quit]T[/]"}}) + b"\n")
    app, session = open_app(tmp_path, corpus=corpus)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        article = app.screen.query_one(ArticleView)
        rendered = "".join("".join(seg.text for seg in article.render_line(y)) for y in range(4))
        assert "[bold]not bold[/bold]" in rendered and "[@click=app.quit]" in rendered
        assert "\x1b" not in rendered and "␛]0;pwned␇" in rendered
        await pilot.click(ArticleView, offset=(20, 0))
        for key in ["right"] * 40:
            await pilot.press(key)
            cursor = session.state.cursor
            assert not ("\u0300" <= hostile[cursor:cursor + 1] <= "\u036f")
        assert app.is_running
        header = app.screen.query_one("#header").render().plain
        assert "[@click=app.quit]T[/]" in header


@sync
async def test_type_note_search_help_and_guidelines(tmp_path):
    from annotator.tui.screens.help import GuidelinesScreen, HelpScreen

    app, session = open_app(tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        selected = session.state.selected
        before = session.state.current.attribution.type
        await pilot.press("T")
        assert session.state.by_id[selected].attribution.type != before
        await pilot.press("m", *"check the date", "enter")
        await pilot.pause()
        assert session.state.by_id[selected].attribution.note == "check the date"
        await pilot.press("slash", *"xinjiang", "enter")
        await pilot.pause()
        cursor = session.state.cursor
        assert session.document.text[cursor:cursor + 8].casefold() == "xinjiang"
        await pilot.press("ctrl+n")
        assert session.state.cursor > cursor
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape", "g")
        await pilot.pause()
        assert isinstance(app.screen, GuidelinesScreen)
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, GuidelinesScreen)


@sync
async def test_empty_and_tiny_documents_do_not_break_the_app(tmp_path):
    corpus = tmp_path / "tiny.jsonl"
    corpus.write_bytes(b"".join(orjson.dumps(value) + b"\n" for value in (
        {"id": "empty", "text": "", "meta": {}},
        {"id": "one", "text": "x", "meta": {}},
        {"id": "wide", "text": "中" * 300 + "\n\n" + "e\u0301" * 50, "meta": {}},
    )))
    app, session = open_app(tmp_path, corpus=corpus)
    async with app.run_test(size=(80, 24)) as pilot:
        for key in ["right", "w", "v", "N", "escape", "a", "x", "e", "u", "n", "v", "w", "N", "n",
                    "down", "right", "right", "v", "right", "3", "N", "p", "p", "p"]:
            await pilot.press(key)
        assert app.is_running
        assert session.position == 0
        await pilot.press("n", "n")
        assert session.state.cursor % 1 == 0 and session.state.cursor <= len(session.document.text)


@sync
async def test_theme_toggle_repaints_with_the_light_palette(tmp_path):
    from annotator.tui.palette import DARK, LIGHT

    app, session = open_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        article = app.screen.query_one(ArticleView)
        assert article.palette is DARK
        await pilot.press("ctrl+t")
        await pilot.pause()
        assert app.theme == "textual-light" and article.palette is LIGHT
        await pilot.press("ctrl+t")
        await pilot.pause()
        assert article.palette is DARK


@sync
async def test_suggestions_arrive_after_the_first_screen(tmp_path):
    import asyncio
    import importlib.util

    if importlib.util.find_spec("annotator.suggest") is None:
        import pytest

        pytest.skip("the suggester (annotator.suggest) is not installed")
    annotations = tmp_path / "annotations"
    session = Session(open_corpus(SEEDS), "alice", annotations,
                      SuggestionSource(cache_dir=annotations / ".suggestions"))
    session.wait_for_suggestions = False  # as the annotate command does
    session.start()
    assert session.awaiting_suggestions and not session.state.items  # the first screen does not wait
    app = make_app(session)
    async with app.run_test(size=(100, 30)) as pilot:
        for _ in range(600):
            await pilot.pause()
            if session.state.items:
                break
            await asyncio.sleep(0.05)
        assert session.state.items and session.state.current.status == "pending"
        first = session.state.selected
        await pilot.press("a")
        await pilot.pause()
        assert lines(annotations / "alice.jsonl")[-1]["attributions"][0]["id"] == first


# ---- navigation (issue 11 item 3) ---------------------------------------------------------
@sync
async def test_up_and_down_move_the_cursor_a_visual_line(tmp_path):
    app, session = open_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        article = app.screen.query_one(ArticleView)
        start = session.state.cursor
        line = article.line_of(start)
        await pilot.press("down")
        assert article.line_of(session.state.cursor) == line + 1  # the cursor moved, not only the view
        await pilot.press("up")
        assert article.line_of(session.state.cursor) == line


@sync
async def test_after_reopening_the_list_shows_the_resumed_attribution(tmp_path):
    from annotator.session import state as S
    from annotator.tui.widgets.panels import AttributionList

    app, session = open_app(tmp_path)
    tokens = session.state.tokens
    for sentence in tokens.sentence_starts[1:30]:  # one attribution per sentence: a list longer than its view
        session.do(S.set_cursor, sentence)
        session.do(S.start_selection)
        session.do(S.new_attribution)
    last = session.state.items[-1].id
    session.do(S.select, last)
    session.save_position()
    app, session = open_app(tmp_path)
    assert session.state.selected == last
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.pause()
        listing = app.screen.query_one(AttributionList)
        row = session.state.index_of(last)
        top, height = listing.scroll_offset.y, listing.scrollable_content_region.height
        assert row >= height  # the list is longer than its view: it had to scroll
        assert top <= row < top + height


@sync
async def test_undoing_a_new_attribution_stays_where_it_was(tmp_path):
    app, session = open_app(tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        await pilot.press("j", "j")
        text = session.document.text
        from annotator.session import state as S

        session.do(S.set_cursor, text.index("Caretaker", 40) if "Caretaker" in text[40:] else len(text) // 2)
        where = session.state.cursor
        await pilot.press("v", "w", "N")
        made = session.state.selected
        assert session.state.by_id[made].attribution.origin.value == "manual"
        await pilot.press("u")
        assert made not in session.state.by_id
        assert session.state.cursor >= where  # not back at the document's first attribution
        assert abs(session.state.cursor - where) < 40

"""What the screen shows, read back from the frame the app draws (real keys, real journal):
the footer of every mode fits 80 columns, the selected attribution's fields all show,
the help lists every description whole, drags take the characters they pass over,
s/c/t start editing, and the list and scrollbars draw as they should."""

from __future__ import annotations

import orjson

from annotator.tui.widgets.article import ArticleView
from annotator.tui.widgets.panels import AttributionList, DetailPanel, LinePanel
from test_tui_app import open_app, sync


def screen_lines(app) -> list[str]:
    """The frame as text, one string per terminal row (what a terminal would show)."""
    return [strip.text for strip in app.screen._compositor.render_strips()]


def long_spans_corpus(tmp_path):
    """One article whose attribution has a long source, cue and content, and a note."""
    text = ("The spokesman for the ministry of foreign affairs of the republic said on Tuesday "
            "that the talks, which had been going on for several weeks in the capital, had "
            "ended without an agreement on any of the questions that had been raised. ") * 3
    corpus = tmp_path / "long.jsonl"
    corpus.write_bytes(orjson.dumps({"id": "long", "text": text, "meta": {"title": "Talks"}}) + b"\n")
    source = text.index("The spokesman"), text.index(" said")
    cue = text.index("said on Tuesday"), text.index("said on Tuesday") + len("said on Tuesday")
    content = text.index("the talks"), text.index("raised.") + len("raised.")
    suggestions = tmp_path / "suggestions.jsonl"
    from datetime import UTC, datetime

    from annotator.schema import AnnotationRecord, Attribution, Origin, Span, text_sha1

    record = AnnotationRecord(
        doc_id="long", annotator="suggester", updated_at=datetime.now(UTC), text_sha1=text_sha1(text),
        attributions=[Attribution(id="s1", source=Span.from_text(text, *source), cue=Span.from_text(text, *cue),
                                  content=Span.from_text(text, *content), origin=Origin.suggested, score=0.8,
                                  note="a note that is long enough to need a line of its own here")])
    suggestions.write_bytes(orjson.dumps(record.model_dump(mode="json", exclude_none=True)) + b"\n")
    return corpus


@sync
async def test_footer_of_every_mode_fits_80_columns(tmp_path):
    app, session = open_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        footers = {}
        for mode, keys in (("normal", ()), ("edit", ("e",)), ("select", ("escape", "v")), ("draft", ("escape", "N"))):
            await pilot.press(*keys)
            await pilot.pause()
            footers[mode] = screen_lines(app)[-1].rstrip()
        for mode, footer in footers.items():
            last_key = {"normal": "q Quit", "edit": "q Quit", "select": "q Quit", "draft": "q Quit"}[mode]
            assert footer.endswith(last_key), (mode, footer)  # nothing cut off at the right
        edit = footers["edit"]
        assert "[ ] start" in edit and "{ } end" in edit and "s c t span u Undo" in edit  # label, space, next key
        assert "esc Back" in edit and "j Next" not in edit  # j still works in edit mode, unlisted
        assert "s c t" not in footers["normal"]


@sync
async def test_detail_panel_shows_every_field_with_long_spans_at_80x24(tmp_path):
    app, session = open_app(tmp_path, corpus=long_spans_corpus(tmp_path))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        panel = app.screen.query_one(DetailPanel)
        shown = panel.text.splitlines()
        assert len(shown) <= panel.scrollable_content_region.height
        labels = [line[1:9].strip() for line in shown[1:] if line[1:9].strip()]
        assert labels == ["type", "entity", "source", "cue", "content", "note", "origin"]
        origin = next(line for line in shown if line[1:9].strip() == "origin")
        assert origin.rstrip().endswith("id s1")
        content_at = next(i for i, line in enumerate(shown) if line[1:9].strip() == "content")
        value_column = shown[content_at].index("the talks")
        continuation = shown[content_at + 1]
        assert continuation[:value_column].strip() == "" and continuation[value_column] != " "  # under the value
        assert shown[content_at + 1 + [line[1:9].strip() for line in shown[content_at + 1:]].index("note")
                     ].rstrip().endswith("…")  # the long note is cut, on its one line
        # the panel is what the frame shows, on the right of the screen
        frame = "\n".join(screen_lines(app))
        assert "suggested · id s1" in frame


@sync
async def test_help_lists_every_description_whole(tmp_path):
    app, session = open_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("question_mark")
        await pilot.pause()
        rows = app.binding_rows()
        ids = {binding_id for binding_id, _, _ in rows}
        shown = app.screen.query_one(LinePanel).text.splitlines()
        assert all(len(line) <= 72 for line in shown)  # inside the dialog at 80 columns
        # the descriptions, read down the middle column (a long one goes on below its row)
        words = []
        for line in shown:
            parts = line.split()
            if parts and parts[-1] in ids:
                parts = parts[:-1]
            words += parts
        text = " ".join(words)
        for _binding_id, _keys, description in rows:
            assert description in text, description


@sync
async def test_s_c_t_in_normal_mode_start_editing_that_span(tmp_path):
    app, session = open_app(tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        cue = session.state.current.attribution.cue
        await pilot.press("c")
        assert session.state.mode == "edit" and session.state.role.value == "cue"
        assert session.state.cursor == cue.start
        assert "▸cue" in app.screen.query_one(DetailPanel).text
        await pilot.press("escape")
        assert session.state.mode == "normal"


@sync
async def test_a_drag_selects_the_characters_it_passes_over(tmp_path):
    app, session = open_app(tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        article = app.screen.query_one(ArticleView)
        text = session.document.text
        word = text.index("Caretaker")
        line = article.line_of(word)
        column = word - article.lines[line][0] + 1  # +1: the article's padding
        y = line - article.scroll_offset.y
        await pilot.mouse_down(ArticleView, offset=(column, y))
        await pilot.hover(ArticleView, offset=(column + 8, y))  # on the "r", the word's last letter
        await pilot.mouse_up(ArticleView, offset=(column + 8, y))
        start, end = session.state.selection
        assert text[start:end] == "Caretaker"
        await pilot.press("escape")
        await pilot.mouse_down(ArticleView, offset=(column + 8, y))  # backwards: from the "r" to the "C"
        await pilot.hover(ArticleView, offset=(column, y))
        await pilot.mouse_up(ArticleView, offset=(column, y))
        start, end = session.state.selection
        assert text[start:end] == "Caretaker"


def many_attributions_corpus(tmp_path, count: int = 40):
    from datetime import UTC, datetime

    from annotator.schema import AnnotationRecord, Attribution, Origin, Span, text_sha1

    sentences = [f"Official {n} said that the road number {n} will open soon. " for n in range(count)]
    text = "".join(sentences)
    attributions, offset = [], 0
    for n, sentence in enumerate(sentences):
        source = (offset, offset + sentence.index(" said"))
        cue = (source[1] + 1, source[1] + 5)
        content = (offset + sentence.index("the road"), offset + len(sentence) - 1)
        attributions.append(Attribution(id=f"s{n}", source=Span.from_text(text, *source), cue=Span.from_text(text, *cue),
                                        content=Span.from_text(text, *content), origin=Origin.suggested, score=0.9))
        offset += len(sentence)
    corpus = tmp_path / "many.jsonl"
    corpus.write_bytes(orjson.dumps({"id": "many", "text": text, "meta": {"title": "Roads"}}) + b"\n")
    record = AnnotationRecord(doc_id="many", annotator="suggester", updated_at=datetime.now(UTC),
                              text_sha1=text_sha1(text), attributions=attributions)
    (tmp_path / "suggestions.jsonl").write_bytes(orjson.dumps(record.model_dump(mode="json", exclude_none=True)) + b"\n")
    return corpus


@sync
async def test_the_list_scrolls_a_page_at_a_time(tmp_path):
    app, session = open_app(tmp_path, corpus=many_attributions_corpus(tmp_path))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        listing = app.screen.query_one(AttributionList)
        height = listing.scrollable_content_region.height
        assert listing.option_count > height + 2
        landed = []
        for _ in range(height + 2):
            before = listing.scroll_offset.y
            await pilot.press("j")
            top = listing.scroll_offset.y
            assert top <= listing.highlighted < top + height
            if top != before:
                landed.append(listing.highlighted - top)
        assert landed == [height // 3]  # one scroll, not one per row past the bottom


@sync
async def test_fast_scrollbar_draws_what_textual_draws(tmp_path):
    from textual.geometry import Region
    from textual.scrollbar import ScrollBarRender

    from annotator.tui.widgets.base import FastScrollBarRender

    app, session = open_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("j", "j", "j", "j", "j")
        await pilot.pause()
        for widget in (app.screen.query_one(ArticleView), app.screen.query_one(AttributionList)):
            bar = widget.vertical_scrollbar
            assert bar.renderer is FastScrollBarRender
            drawn = {}
            for renderer in (ScrollBarRender, FastScrollBarRender):
                bar.renderer = renderer
                bar.refresh()
                bar._layout_cache.clear()
                drawn[renderer] = [list(strip) for strip in bar.render_lines(Region(0, 0, *bar.size))]
            assert drawn[ScrollBarRender] == drawn[FastScrollBarRender]  # glyphs, colours, mouse actions


@sync
async def test_a_document_without_attributions_shows_an_empty_list(tmp_path):
    app, session = open_app(tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.pause()
        listing = app.screen.query_one(AttributionList)
        assert listing.option_count > 0
        await pilot.press("n")  # the second seed document has no suggestions here
        await pilot.pause()
        assert session.state.items == []
        assert listing.option_count == 0
        assert all(not strip.text.strip() for strip in (listing.render_line(y) for y in range(5)))


@sync
async def test_entity_dialog_tab_completes_from_the_projects_entities(tmp_path):
    app, session = open_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("E", *"Ministry of Foreign Affairs", "enter")  # an entity of this project now
        await pilot.pause()
        assert "Ministry of Foreign Affairs" in session.known_entities()
        await pilot.press("j")
        target = session.state.selected
        await pilot.press("E")
        await pilot.pause()
        await pilot.press(*"foreign", "tab")  # tab completes; it does not move the focus away
        await pilot.pause()
        assert app.screen.focused is not None and app.screen.focused.value == "Ministry of Foreign Affairs"
        await pilot.press("enter")
        await pilot.pause()
        assert session.state.by_id[target].attribution.source_entity == "Ministry of Foreign Affairs"


@sync
async def test_remapped_keys_keep_their_place_in_the_footer(tmp_path):
    keys = tmp_path / "keys.toml"
    keys.write_text('[keys]\naccept = "y"\nnext = "J"\n', encoding="utf-8")
    app, session = open_app(tmp_path, keys=keys)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        footer = screen_lines(app)[-1]
        assert footer.startswith("J Next y Accept x Reject"), footer


@sync
async def test_dialog_keys_are_remappable_by_id_too(tmp_path):
    from annotator.tui.screens.help import HelpScreen

    keys = tmp_path / "keys.toml"
    keys.write_text('[keys]\nhelp = "h"\n"help.close" = "h,escape"\n"dialog.cancel" = "ctrl+g"\n', encoding="utf-8")
    app, session = open_app(tmp_path, keys=keys)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("h")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        rows = {row[0]: row[1] for row in app.binding_rows()}
        assert rows["help.close"].startswith("h") and rows["dialog.cancel"] in ("ctrl+g", "^g")
        await pilot.press("h")  # the same key closes it again
        await pilot.pause()
        assert not isinstance(app.screen, HelpScreen)
        note_before = session.state.current.attribution.note
        await pilot.press("m", *"x", "ctrl+g")  # the note dialog, cancelled with the remapped key
        await pilot.pause()
        assert session.state.current.attribution.note == note_before
        assert app.screen.__class__.__name__ == "AnnotateScreen"


@sync
async def test_the_cursor_stays_in_view_when_the_terminal_shrinks(tmp_path):
    app, session = open_app(tmp_path, corpus=many_attributions_corpus(tmp_path))
    async with app.run_test(size=(200, 60)) as pilot:
        await pilot.pause()
        for _ in range(30):
            await pilot.press("j")
        await pilot.pause()
        article = app.screen.query_one(ArticleView)
        await pilot.resize_terminal(80, 24)
        await pilot.pause()
        await pilot.pause()
        line = article.line_of(session.state.cursor)
        top = article.scroll_offset.y
        assert top <= line < top + article.scrollable_content_region.height


@sync
async def test_a_document_without_headline_is_named_by_its_id_in_the_header(tmp_path):
    app, session = open_app(tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("n", "n")  # the third seed document has no headline
        await pilot.pause()
        assert session.document.meta.title is None
        header = app.screen.query_one("#header").render().plain
        assert header.startswith(f"{session.document.id} (no headline)")

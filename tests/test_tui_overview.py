"""The document overview (o), the message log (L), the entity dialog and hostile text in
dialogs, driven with the Pilot on the seed articles."""

from __future__ import annotations

import orjson

from annotator.schema import Role
from annotator.session import state as S
from annotator.session.overview import Overview
from annotator.session.source_entity import entity_for_source
from annotator.tui.screens.confirm import ConfirmDialog
from annotator.tui.screens.dialogs import InputDialog
from annotator.tui.screens.messages import MessagesScreen
from annotator.tui.screens.overview import DocumentTable, OverviewScreen
from annotator.tui.widgets.article import ArticleView
from test_tui_app import lines, sync
from test_tui_safety import new_session, open_app
from tui_data import seed_documents


def table_lines(screen: OverviewScreen) -> list[str]:
    table = screen.query_one(DocumentTable)
    return [table.render_line(y).text for y in range(min(table.row_count, table.size.height))]


@sync
async def test_overview_lists_status_counts_and_time_and_jumps_by_number(tmp_path):
    app, session = open_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("a", "x")  # both suggestions of the first document decided
        await pilot.press("d")
        await pilot.pause()
        await pilot.press("O")
        await pilot.pause()
        assert isinstance(app.screen, OverviewScreen)
        summary = app.screen.query_one("#summary").render().plain
        assert summary == "6 documents · 1 done · 0 in progress · 0 skipped · 5 not started"
        rows = table_lines(app.screen)
        assert len(rows) == 6 and all(len(row) <= 78 for row in rows)
        first = rows[0].split()
        assert first[:5] == ["1", "done", "2", "0", "0.0m"]  # 2 decided, 0 undecided
        assert first[5] == "000_302df5bc7456bd44-1"
        # the open document: nothing decided yet, its live count of suggestions to decide
        assert rows[1].split()[1:5] == ["not", "started", "0", str(session.state.pending_count)]
        assert rows[2].split()[1:5] == ["not", "started", "–", "–"]
        await pilot.press("4", "enter")  # a number jumps
        await pilot.pause()
        assert not isinstance(app.screen, OverviewScreen) and session.position == 3
        await pilot.press("O")
        await pilot.pause()
        await pilot.press(*"004_3689a5d9b184db94", "enter")  # an id jumps
        await pilot.pause()
        assert session.position == 5
        await pilot.press("q")


@sync
async def test_overview_search_and_status_filter_then_enter_opens(tmp_path):
    app, session = open_app(tmp_path)
    documents = seed_documents()
    word = "Xinjiang"
    expected = [i for i, d in enumerate(documents) if word.casefold() in (d.id + (d.meta.title or "") + d.text).casefold()]
    assert 0 < len(expected) < len(documents)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("O")
        await pilot.pause()
        await pilot.press(*word.lower(), "enter")  # ASCII letters match either case
        for _ in range(40):
            await pilot.pause(0.05)
            if "found" in app.screen.query_one("#summary").render().plain:
                break
        assert f"{len(expected)} found for {word.lower()}" in app.screen.query_one("#summary").render().plain
        table = app.screen.query_one(DocumentTable)
        assert table.positions == expected
        await pilot.press("down", "enter")  # enter again: open the highlighted one
        await pilot.pause()
        assert session.position == expected[1]
        await pilot.press("d")
        await pilot.pause()
        if isinstance(app.screen, ConfirmDialog):
            await pilot.press("y")
        await pilot.pause()
        assert session.position != expected[1]
        await pilot.press("O")
        await pilot.pause()
        await pilot.press("tab", "tab", "tab")  # status filter: in progress, not started, done
        for _ in range(40):
            await pilot.pause(0.05)
            if app.screen.query_one(DocumentTable).positions is not None:
                break
        assert app.screen.query_one(DocumentTable).positions == [expected[1]]
        assert "tab: status (done)" in app.screen.query_one("#hint").render().plain
        await pilot.press("escape")
        await pilot.pause()
        assert not isinstance(app.screen, OverviewScreen)
        await pilot.press("q")


def test_overview_search_reads_raw_lines_escaped_or_not(tmp_path):
    """A corpus written by another tool with \\u escapes is searched as well."""
    documents = seed_documents()[:3]
    corpus = tmp_path / "corpus.jsonl"
    import json

    corpus.write_text("".join(json.dumps(d.model_dump(mode="json"), ensure_ascii=True) + "\n" for d in documents),
                      encoding="utf-8")
    session = new_session(tmp_path, corpus)
    session.start()
    overview = Overview(session)
    needle = "China’s Xinjiang"  # a curly apostrophe: \u2019 in this file
    found, cut = overview.search(needle)
    assert found == [i for i, d in enumerate(documents) if needle in d.text] and found and not cut
    assert overview.jump_target("2") == 1 and overview.jump_target(documents[2].id) == 2
    assert overview.jump_target("99") is None and overview.jump_target("no-such-id") is None


@sync
async def test_message_log_shows_the_last_messages_in_full(tmp_path):
    app, _session = open_app(tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.press("slash", *"zzz", "enter")
        await pilot.press("slash", "ctrl+u", *"no such text anywhere in this article at all, really, not even once in a long while", "enter")
        await pilot.pause()
        status = app.screen.query_one("#status").render().plain
        assert status.endswith(" (L: all)") and len(status) <= 78  # cut, and says where the rest is
        await pilot.press("L")
        await pilot.pause()
        assert isinstance(app.screen, MessagesScreen)
        shown = app.screen.query_one("#messages").text
        assert "not found: no such text anywhere in this article at all, really, not even once in a long while" in shown.replace("\n  ", " ")
        assert shown.index("not found: no such") < shown.index("not found: zzz")  # newest first
        await pilot.press("escape")
        await pilot.press("q")


@sync
async def test_entity_dialog_highlight_completion_and_down_keep_the_input(tmp_path):
    app, session = open_app(tmp_path)
    async with app.run_test(size=(100, 30)) as pilot:
        # two entities in use: the dialog offers both
        await pilot.press("E", *"Anwaar-ul-Haq Kakar", "enter")
        await pilot.press("j")
        session.do(S.set_entity, "Xi’s spokesman")  # (the Pilot cannot type ’: tmux does, below)
        await pilot.pause()
        await pilot.press("k", "E", "ctrl+u")  # ctrl+u clears the input
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, InputDialog)
        await pilot.press("x", "i", "'")  # an ASCII apostrophe finds the curly one
        await pilot.pause()
        assert dialog._matches == ["Xi’s spokesman"]
        assert dialog.query_one("Input")._suggestion == "xi's spokesman"
        await pilot.press("right")  # right at the end takes what the grey text shows
        assert dialog.query_one("Input").value == "Xi’s spokesman"
        await pilot.press("ctrl+u", "a")  # "a": both hold an a
        await pilot.pause()
        assert dialog._matches[0] == "Anwaar-ul-Haq Kakar"  # starts with it: first
        options = dialog.query_one("OptionList")
        assert options.highlighted == 0
        await pilot.press("down")
        await pilot.pause()
        assert options.highlighted == 1 and dialog.query_one("Input").value == "a"  # typed text kept
        await pilot.press("tab")
        assert dialog.query_one("Input").value == "Xi’s spokesman"  # tab gives the highlighted one
        await pilot.press("enter")
        await pilot.pause()
        assert session.state.current.attribution.source_entity == "Xi’s spokesman"
        await pilot.press("q")


@sync
async def test_dialogs_show_control_characters_and_give_the_value_back_unchanged(tmp_path):
    app, session = open_app(tmp_path)
    hostile = "Evil\x1b]0;PWNED\x07 Corp\x1b[2J"
    session.do(S.set_entity, hostile)
    async with app.run_test(size=(100, 30)) as pilot:
        await pilot.press("E")
        await pilot.pause()
        value = app.screen.query_one("Input").value
        assert value == "Evil␛]0;PWNED␇ Corp␛[2J" and "\x1b" not in value
        await pilot.press("enter")  # unchanged: the stored entity stays as it was
        await pilot.pause()
        assert session.state.current.attribution.source_entity == hostile
        await pilot.press("m", *"see ", "enter")
        await pilot.pause()
        assert session.state.current.attribution.note == "see"
        await pilot.press("q")


@sync
async def test_line_and_paragraph_separators_show_one_for_one(tmp_path):
    text = "First line\u2028second line\u2029Next paragraph, the minister said."
    corpus = tmp_path / "separators.jsonl"
    corpus.write_bytes(orjson.dumps({"id": "sep", "text": text}) + b"\n")
    app, _session = open_app(tmp_path, corpus)
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        article = app.screen.query_one(ArticleView)
        assert article.display_text == "First line␤second line¶Next paragraph, the minister said."
        assert len(article.display_text) == len(text)  # offsets do not drift
        assert "First line␤second line¶Next" in article.render_line(0).text
        await pilot.press("q")


def test_a_source_set_by_hand_brings_its_entity(tmp_path):
    session = new_session(tmp_path)
    session.start()
    text = session.document.text
    assert entity_for_source("the Foreign Office’s", []) == "Foreign Office"
    assert entity_for_source("Sharif", ["Shehbaz Sharif", "ISPR"]) == "Shehbaz Sharif"
    assert entity_for_source("he", ["Shehbaz Sharif"]) is None
    # a new attribution: content, then a source picked by hand
    start = text.index("Kakar")
    session.do(S.set_cursor, text.index("‘milestone’"))
    session.do(S.start_selection)
    session.do(S.new_attribution)
    created = session.state.current.id
    session.do(S.set_cursor, start)
    session.do(S.assign, Role.source)
    attribution = session.state.by_id[created].attribution
    assert attribution.source.text == "Kakar" and attribution.source_entity == "Kakar"
    assert lines(session.journal.path)[-1]["attributions"][-1]["source_entity"] == "Kakar"
    # an entity typed by hand is kept when the source changes
    session.do(S.set_entity, "Government of Pakistan")
    session.do(S.set_cursor, text.index("Xi Jinping"))
    session.do(S.assign, Role.source)
    assert session.state.by_id[created].attribution.source_entity == "Government of Pakistan"
    session.undo()
    session.undo()  # the typed entity undone: the source again decides it
    assert session.state.by_id[created].attribution.source_entity == "Kakar"

"""Keys per decision, counted by pressing them in the app on the seed articles.

These are the figures the README states: accepting a correct suggestion is one key;
creating an attribution from nothing takes at most eight once the cursor is at the
sentence (``)``/``(`` jump by sentence, ``/`` searches).
"""

from __future__ import annotations

import asyncio

from annotator.corpus.index import open_corpus
from annotator.schema import AttributionType
from annotator.session import Session, SuggestionSource
from annotator.session import state as S
from annotator.tui.app import make_app
from tui_data import SEEDS, write_suggestions


def run(tmp_path, doc_id: str, cursor_at: str, keys: list[str]):
    suggestions = write_suggestions(tmp_path / "suggestions.jsonl")
    session = Session(open_corpus(SEEDS), "alice", tmp_path / "annotations", SuggestionSource(suggestions))
    session.start()
    session.open(session.corpus.position_of(doc_id))
    session.do(S.set_cursor, session.document.text.index(cursor_at))
    app = make_app(session)

    async def drive():
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.pause()
            for key in keys:
                await pilot.press(key)
            await pilot.pause()

    asyncio.run(drive())
    return session


def test_accepting_a_correct_suggestion_takes_one_key(tmp_path):
    suggestions = write_suggestions(tmp_path / "suggestions.jsonl")
    session = Session(open_corpus(SEEDS), "alice", tmp_path / "annotations", SuggestionSource(suggestions))
    session.start()
    first = session.state.selected
    app = make_app(session)

    async def drive():
        async with app.run_test(size=(120, 40)) as pilot:
            await pilot.press("a")

    asyncio.run(drive())
    assert session.state.by_id[first].status == "accepted"
    assert session.state.selected != first  # and it is already on the next one


def test_quote_first_attribution_in_seven_keys(tmp_path):
    keys = ["v", "N", "v", "w", "1", "v", "2"]
    session = run(tmp_path, "000_302df5bc7456bd44-2", "“Sanitization operations", keys)
    made = session.state.current.attribution
    assert made.content.text.startswith("“Sanitization operations") and made.content.text.endswith("area,”")
    assert made.source.text == "the ISPR" and made.cue.text == "said"
    assert made.type == AttributionType.direct
    assert len(keys) == 7


def test_source_first_attribution_in_eight_keys(tmp_path):
    keys = ["N", "v", "1", "v", "2", "v", "right_parenthesis", "3"]
    session = run(tmp_path, "000_302df5bc7456bd44-1", "Beijing says it has been", keys)
    made = session.state.current.attribution
    assert made.source.text == "Beijing" and made.cue.text == "says"
    assert made.content.text.startswith("it has been defending itself")
    assert made.content.text.endswith("into stable employment.")
    assert len(keys) == 8


def test_fixing_a_boundary_takes_three_keys(tmp_path):
    # the suggested content of "his office said" starts at the dateline "ISLAMABAD:";
    # PolNeAR content starts after it: e (edit) then ] twice (3 keys) moves the start past "ISLAMABAD" ":"
    session = run(tmp_path, "000_302df5bc7456bd44-1", "ISLAMABAD: Caretaker", ["e", "right_square_bracket", "right_square_bracket"])
    assert session.state.current.attribution.content.text.startswith("Caretaker Pakistan Prime Minister")

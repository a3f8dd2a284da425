"""Keys per decision, counted by pressing them in the app on the seed articles.

These are the figures the README states: accepting a correct suggestion is one key;
creating an attribution from nothing takes six to eight once the cursor is at the
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


def test_quote_first_attribution_in_six_keys(tmp_path):
    keys = ["v", "N", "v", "w", "1", "2"]  # 2 takes the token at the cursor ("said")
    session = run(tmp_path, "000_302df5bc7456bd44-2", "“Sanitization operations", keys)
    made = session.state.current.attribution
    assert made.content.text.startswith("“Sanitization operations") and made.content.text.endswith("area,”")
    assert made.source.text == "the ISPR" and made.cue.text == "said"
    assert made.type == AttributionType.direct
    assert len(keys) == 6


def test_source_first_attribution_in_six_keys(tmp_path):
    keys = ["N", "1", "2", "v", "right_parenthesis", "3"]
    session = run(tmp_path, "000_302df5bc7456bd44-1", "Beijing says it has been", keys)
    made = session.state.current.attribution
    assert made.source.text == "Beijing" and made.cue.text == "says"
    assert made.content.text.startswith("it has been defending itself")
    assert made.content.text.endswith("into stable employment.")
    assert len(keys) == 6


def test_fixing_a_boundary_takes_three_keys(tmp_path):
    # the suggested content of "his office said" starts at the dateline "ISLAMABAD:";
    # PolNeAR content starts after it: e (edit) then ] twice (3 keys) moves the start past "ISLAMABAD" ":"
    session = run(tmp_path, "000_302df5bc7456bd44-1", "ISLAMABAD: Caretaker", ["e", "right_square_bracket", "right_square_bracket"])
    assert session.state.current.attribution.content.text.startswith("Caretaker Pakistan Prime Minister")


def test_edit_mode_sentence_keys_and_removing_a_span(tmp_path):
    # ( ) in edit mode move the start/end to the sentence's; backspace drops the focused source
    session = run(tmp_path, "000_302df5bc7456bd44-1", "ISLAMABAD: Caretaker",
                  ["e", "left_curly_bracket", "left_curly_bracket", "right_parenthesis", "s", "backspace"])
    attribution = session.state.current.attribution
    assert attribution.content.text.endswith("containing detention facilities.")  # ) : to the sentence's end
    assert attribution.source is None


def test_f_extends_a_selection_to_the_next_punctuation(tmp_path):
    session = run(tmp_path, "000_302df5bc7456bd44-2", "“Sanitization operations", [])
    state = S.start_selection(S.set_cursor(session.state, session.document.text.index("Sanitization")).state).state
    state = S.move_cursor(state, "clause", +1).state
    lo, hi = state.selection
    assert session.document.text[lo:hi] == "Sanitization operations are being conducted to eliminate any other Indian-sponsored terrorist found in the area"


def test_the_key_model_matches_the_app(tmp_path):
    from annotator.session.effort import fix_cost
    from annotator.session.tokens import Tokens

    suggestions = write_suggestions(tmp_path / "suggestions.jsonl")
    session = Session(open_corpus(SEEDS), "alice", tmp_path / "annotations", SuggestionSource(suggestions))
    session.start()
    text = session.document.text
    suggestion = session.state.current.attribution
    tokens = Tokens(text)
    assert fix_cost(tokens, suggestion, suggestion) == (1, "accepted as suggested")
    # gold starts the content two tokens later ("ISLAMABAD" ":" dropped): e ] ] a = 4 keys
    session.do(S.toggle_edit)
    session.do(S.move_boundary, "start", +1)
    session.do(S.move_boundary, "start", +1)
    gold = session.state.current.attribution
    assert fix_cost(tokens, suggestion, gold) == (4, "edited")

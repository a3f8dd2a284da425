"""The headless annotation layer, driven without a screen on the seed articles."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import orjson
import pytest

from annotator.corpus.index import JsonlIndex, ListIndex, open_corpus
from annotator.corpus.jsonl import write_corpus_jsonl
from annotator.schema import Action, AttributionType, Origin, Role, Status
from annotator.session import Session, SuggestionSource, Tokens
from annotator.session import state as S
from annotator.session.tokens import is_grapheme_boundary
from tui_data import ROOT, SEEDS, seed_documents, write_suggestions


@pytest.fixture
def project(tmp_path):
    suggestions = write_suggestions(tmp_path / "suggestions.jsonl")
    annotations = tmp_path / "annotations"

    def make(annotator="alice"):
        session = Session(open_corpus(SEEDS), annotator, annotations,
                          SuggestionSource(suggestions))
        session.start()
        return session

    return make, annotations


def journal_lines(path: Path) -> list[dict]:
    return [orjson.loads(line) for line in path.read_bytes().splitlines() if line.strip()]


def test_headless_modules_do_not_import_textual():
    code = ("import sys; import annotator.session, annotator.corpus.index, annotator.store, "
            "annotator.schema; print('textual' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_tokens_keep_graphemes_whole():
    text = "Naqvi said: “ٹیسٹ” 👩‍👩‍👧 e\u0301te 中文 ok"
    tokens = Tokens(text)
    for start, end in zip(tokens.starts, tokens.ends):
        assert is_grapheme_boundary(text, start) and is_grapheme_boundary(text, end)
    words = [text[s:e] for s, e in zip(tokens.starts, tokens.ends)]
    assert "Naqvi" in words and "e\u0301te" in words and "👩‍👩‍👧" in words and "ٹیسٹ" in words


def test_accept_moves_to_next_and_journals(project):
    make, annotations = project
    session = make()
    assert session.document.id == "000_302df5bc7456bd44-1"
    first = session.state.selected
    assert session.state.current.status == "pending"
    session.do(S.accept)
    assert session.state.by_id[first].status == "accepted"
    assert session.state.selected != first
    lines = journal_lines(annotations / "alice.jsonl")
    assert len(lines) == 1
    assert lines[0]["attributions"][0]["id"] == first
    assert lines[0]["attributions"][0]["action"] == "accepted"
    assert lines[0]["session"]["step"] == 1


def test_reject_then_undo_redo_and_resume(project):
    make, annotations = project
    session = make()
    ids = [item.id for item in session.state.items]
    session.do(S.accept)
    session.do(S.reject)
    assert [a.id for a in session.state.rejected] == [ids[1]]
    session.undo()
    assert session.state.rejected == ()
    assert session.history.position == 1
    # reopen: the undo history comes back from the journal
    again = make()
    assert again.document.id == session.document.id
    assert again.history.position == 1 and len(again.history.snapshots) == 3
    again.redo()
    assert [a.id for a in again.state.rejected] == [ids[1]]
    again.undo()
    again.undo()
    assert again.state.attributions == ()
    assert not again.history.can_undo
    kinds = [line["session"]["kind"] for line in journal_lines(annotations / "alice.jsonl")]
    assert kinds == ["edit", "edit", "undo", "redo", "undo", "undo"]


def test_edit_boundaries_by_token(project):
    make, _ = project
    session = make()
    item = session.state.current
    content = item.attribution.content
    session.do(S.toggle_edit)
    assert session.state.mode == "edit"
    session.do(S.move_boundary, "end", -1)
    shorter = session.state.current.attribution.content
    assert shorter.start == content.start and shorter.end < content.end
    assert session.state.current.status == "edited"
    session.do(S.move_boundary, "end", +1)
    assert session.state.current.attribution.content.end == content.end
    session.do(S.set_role, Role.source)
    source = session.state.current.attribution.source
    session.do(S.move_boundary, "start", -1)
    assert session.state.current.attribution.source.start < source.start
    assert session.state.current.attribution.action == Action.edited


def test_create_attribution_from_selection(project):
    make, annotations = project
    session = make()
    text = session.document.text
    quote = text.index("‘milestone’")
    session.do(S.set_cursor, quote)
    session.do(S.start_selection)  # on an opening quote: the whole quotation
    assert session.state.selection == (quote, quote + len("‘milestone’"))
    session.do(S.new_attribution)
    created = session.state.current.attribution
    assert created.content.text == "‘milestone’"
    assert created.origin == Origin.manual and created.type == AttributionType.direct
    # source: the token "calls" is the cue, "Pakistan PM" the source
    cue = text.index("calls")
    session.do(S.set_cursor, cue)
    session.do(S.start_selection)
    session.do(S.assign, Role.cue)
    session.do(S.set_cursor, text.index("Pakistan PM"))
    session.do(S.start_selection)
    session.do(S.move_cursor, "token", +1)
    session.do(S.assign, Role.source)
    made = session.state.current.attribution
    assert made.cue.text == "calls" and made.source.text == "Pakistan PM"
    session.do(S.set_entity, "Anwaar-ul-Haq Kakar")
    session.do(S.cycle_type)
    session.do(S.set_note, "headline")
    made = session.state.current.attribution
    assert (made.source_entity, made.type, made.note) == ("Anwaar-ul-Haq Kakar", AttributionType.indirect, "headline")
    last = journal_lines(annotations / "alice.jsonl")[-1]
    saved = next(a for a in last["attributions"] if a["id"] == made.id)
    assert saved["source"]["text"] == "Pakistan PM" and saved["note"] == "headline"
    assert "Anwaar-ul-Haq Kakar" in session.known_entities()


def test_done_goes_to_next_undone_and_resume_position(project):
    make, annotations = project
    session = make()
    session.do(S.accept)
    session.mark_done()
    assert session.position == 1
    assert session.status_of("000_302df5bc7456bd44-1") == Status.done
    session.go(+1)
    assert session.position == 2
    again = make()
    assert again.position == 2
    again.go(-2)
    assert again.state.status == Status.done


def test_torn_journal_line_is_set_aside(project):
    make, annotations = project
    session = make()
    session.do(S.accept)
    path = annotations / "alice.jsonl"
    with open(path, "ab") as stream:
        stream.write(b'{"schema_version": 1, "doc_id": "000_302')
    again = make()
    assert any("torn" in problem for problem in again.problems)
    assert again.state.attributions  # the whole line before the torn one counts
    assert (annotations / "alice.jsonl.quarantine").exists()


def test_lazy_jsonl_index(tmp_path):
    documents = seed_documents()
    path = tmp_path / "corpus.jsonl"
    write_corpus_jsonl(documents, path)
    index = open_corpus(path)
    assert isinstance(index, JsonlIndex) and len(index) == len(documents)
    assert index.id_at(3) == documents[3].id
    assert index.document(4).text == documents[4].text
    assert index.position_of(documents[5].id) == 5
    assert isinstance(open_corpus(SEEDS), ListIndex)


def test_suggestions_computed_after_open_and_cached(tmp_path):
    pytest.importorskip("annotator.suggest")
    cache = tmp_path / "annotations" / ".suggestions"
    session = Session(open_corpus(SEEDS), "alice", tmp_path / "annotations",
                      SuggestionSource(cache_dir=cache))
    session.wait_for_suggestions = False
    session.start()
    assert session.awaiting_suggestions and session.state.items == []
    suggestions = session.compute_suggestions(session.document)  # what the app's worker thread runs
    assert suggestions and all(a.origin == Origin.suggested for a in suggestions)
    assert session.add_suggestions(session.document.id, suggestions)
    assert session.state.current.status == "pending"
    assert len(list(cache.glob("*.json"))) == 1
    # reopening finds them in the cache: no waiting
    again = Session(open_corpus(SEEDS), "alice", tmp_path / "annotations", SuggestionSource(cache_dir=cache))
    again.wait_for_suggestions = False
    again.start()
    assert not again.awaiting_suggestions
    assert [a.id for a in again.state.suggestions] == [a.id for a in suggestions]
    # suggestions for a document no longer open are dropped
    again.go(1)
    assert not again.add_suggestions("000_302df5bc7456bd44-1", suggestions)


def test_interrupted_quote_becomes_a_discontinuous_content(project):
    make, annotations = project
    session = make()
    session.go(1)  # the ISPR article
    text = session.document.text
    first = text.index("“Information that was once scattered")
    session.do(S.set_cursor, first)
    session.do(S.start_selection)
    session.do(S.new_attribution)
    created = session.state.current.attribution
    assert created.content.text.startswith("“Information") and created.content.text.endswith("occur,”")
    # pretend the quotation continues after the attribution: add the next sentence as a piece
    following = text.index("The development follows")
    session.do(S.set_cursor, following)
    session.do(S.start_selection)
    session.do(S.move_cursor, "sentence", +1)
    session.do(S.add_piece)
    content = session.state.current.attribution.content
    assert content.is_discontinuous and len(content.pieces) == 2
    assert content.pieces[0][0] == first and content.pieces[1][0] == following
    saved = journal_lines(annotations / "alice.jsonl")[-1]
    assert next(a for a in saved["attributions"] if a["id"] == created.id)["content"]["fragments"]


def test_suggestions_file_is_indexed_and_bad_lines_reported(tmp_path):
    path = write_suggestions(tmp_path / "suggestions.jsonl")
    with open(path, "ab") as stream:
        stream.write(b'{"schema_version": 1, "doc_id": "002_39918703c227bfd8", "annotator": "x"}\n')
    source = SuggestionSource(path)
    documents = {d.id: d for d in seed_documents()}
    assert source.for_document(documents["000_302df5bc7456bd44-1"])
    assert source.for_document(documents["002_39918703c227bfd8"]) == ()  # its latest line is invalid
    assert any(":7:" in problem for problem in source.problems)


def test_entities_come_from_every_journal_of_the_project(project):
    make, annotations = project
    bob = make("bob")
    bob.do(S.set_entity, "Inter-Services Public Relations")
    alice = make("alice")
    alice.do(S.set_entity, "Kakar’s office")
    known = alice.known_entities()
    assert "Inter-Services Public Relations" in known and "Kakar’s office" in known


def test_a_failed_write_is_kept_and_retried(project, monkeypatch):
    make, annotations = project
    session = make()
    from annotator.store import Journal

    original = Journal.append_many

    def failing(self, records, fsync=True):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(Journal, "append_many", failing)
    session.do(S.accept)
    assert session.message.startswith("NOT SAVED") and len(session._unwritten) == 1
    monkeypatch.setattr(Journal, "append_many", original)
    session.do(S.accept)  # the next decision writes both lines
    assert session._unwritten == [] and session.write_error is None
    assert len(journal_lines(annotations / "alice.jsonl")) == 2


def test_a_broken_corpus_line_is_reported_when_reached(tmp_path):
    documents = seed_documents()[:2]
    corpus = tmp_path / "corpus.jsonl"
    write_corpus_jsonl(documents, corpus)
    with open(corpus, "ab") as stream:
        stream.write(b'{"id": "broken", "text": 42}\n')
    session = Session(open_corpus(corpus), "alice", tmp_path / "annotations", SuggestionSource())
    session.start()
    assert session.go(1)
    assert not session.go(1)
    assert session.message.startswith("cannot open document 3:") and "corpus.jsonl:3" in session.message
    assert session.position == 1


def test_reopening_after_a_kill_resumes_at_the_last_decision(project):
    """The position file is written on opening and on quit; after kill -9 (no quit) the
    journal holds later decisions, and reopening follows them, not the stale file."""
    make, annotations = project
    session = make()
    for _ in range(3):
        session.do(S.accept)
    where = (session.state.selected, session.state.cursor)
    # no save_position(): the process was killed
    again = make()
    assert (again.state.selected, again.state.cursor) == where
    # moving around after the last decision, then quitting normally, is remembered too
    again.do(S.select_relative, -2)
    moved = (again.state.selected, again.state.cursor)
    assert moved != where
    again.save_position()
    assert (make().state.selected, make().state.cursor) == moved


def test_opening_message_survives_the_suggestions_arriving(tmp_path):
    """d with suggestions left undecided says so; the next document's suggestions, computed
    in the background, add their count to that message instead of replacing it."""
    suggestions = write_suggestions(tmp_path / "suggestions.jsonl")
    session = Session(open_corpus(SEEDS), "alice", tmp_path / "annotations", SuggestionSource(suggestions))
    session.start()
    undecided = session.state.pending_count
    assert undecided > 1
    session.do(S.accept)
    session.mark_done()
    assert f"{undecided - 1} suggestion(s) undecided" in session.message
    session.message += " · computing suggestions for this document…"  # what the app adds
    assert session.add_suggestions(session.document.id, session.state.suggestions)
    assert session.message.startswith(f"document done with {undecided - 1} suggestion(s) undecided")
    assert session.message.endswith(("suggestion(s) to decide", "no new suggestions for this document"))
    assert "computing" not in session.message


def test_s_c_t_from_normal_mode_edit_that_span(project):
    make, _ = project
    session = make()
    item = session.state.current
    assert item.attribution.cue is not None and session.state.mode == "normal"
    change = session.do(S.edit_role, Role.cue)
    assert session.state.mode == "edit" and session.state.role == Role.cue
    assert session.state.cursor == item.attribution.cue.start and not change.changed
    session.do(S.move_boundary, "end", 1)  # now moves the cue's end, not the content's
    assert session.state.current.attribution.cue.end > item.attribution.cue.end
    assert session.state.current.attribution.content == item.attribution.content


# ---- issue 11: navigation and cheap corrections, headless ----------------------------------
def test_e_starts_on_the_content_unless_s_c_t_chose_a_role(project):
    make, _ = project
    session = make()
    first = session.state.selected
    session.do(S.edit_role, Role.source)  # s: the source of this attribution
    session.do(S.toggle_edit)  # esc-like: leave edit mode
    session.do(S.toggle_edit)  # e again: still the source, s chose it for this attribution
    assert session.state.role == Role.source
    session.do(S.toggle_edit)
    session.do(S.select_relative, 1)  # another attribution: e starts on its content
    assert session.state.selected != first
    session.do(S.toggle_edit)
    assert session.state.role == Role.content
    assert session.state.cursor == session.state.current.attribution.content.start


def test_a_start_moved_past_the_end_takes_the_end_along(project):
    make, _ = project
    session = make()
    text = session.document.text
    session.do(S.edit_role, Role.cue)  # the cue is one token ("said"): its start cannot move without its end
    cue = session.state.current.attribution.cue
    assert len(cue.text.split()) == 1
    session.do(S.move_boundary, "start", +1)
    moved = session.state.current.attribution.cue
    assert moved.start > cue.start and moved.end > moved.start
    assert moved.text == text[moved.start:moved.end] and moved.start >= cue.end
    session.do(S.move_boundary, "end", -1)
    session.do(S.move_boundary, "end", -1)  # and back: the end passes the start, which moves along
    back = session.state.current.attribution.cue
    assert back.end <= moved.start and back.start < back.end


def test_f_stops_at_ascii_closing_quotes_as_at_curly_ones():
    curly = "He said ‘it is fine’ and Kakar’s team left, then went home."
    ascii_ = curly.replace("‘", "'").replace("’", "'")
    stops = []
    for text in (curly, ascii_):
        tokens, position, found = Tokens(text), 0, []
        for _ in range(3):
            position = tokens.next_clause_end(position)
            found.append(position)
        stops.append(found)
        assert text[:found[0]].endswith("fine" + text[text.index("fine") + 4])  # the closing mark is kept
    assert stops[0] == stops[1]
    assert stops[0][1] == curly.index(", then")  # the apostrophe in "Kakar’s" is no stop


def test_undo_of_a_new_attribution_keeps_the_cursor(project):
    make, _ = project
    session = make()
    text = session.document.text
    session.do(S.set_cursor, text.index("detention"))
    session.do(S.start_selection)
    session.do(S.new_attribution)
    where = session.state.cursor
    assert where > text.index("detention")
    session.undo()
    assert session.state.cursor == where and session.state.selected is None  # not the first attribution


def test_an_entity_reaches_every_mention_of_its_source_on_request(project):
    from annotator.session.mentions import same_entity

    make, annotations = project
    session = make()
    session.open(session.corpus.position_of("002_39918703c227bfd8"))
    sources = {item.attribution.source.text: item.id for item in session.state.items}
    assert set(sources) == {"Naqvi", "He"}  # "He" follows "Naqvi": resolved to him
    session.do(S.select, sources["Naqvi"])
    session.do(S.accept)
    session.do(S.select, sources["Naqvi"])
    session.do(S.set_entity, "Mohsin Naqvi")
    change = session.do(S.entity_everywhere)
    assert "1 other mention" in change.message
    assert session.state.by_id[sources["He"]].attribution.source_entity == "Mohsin Naqvi"
    assert session.state.by_id[sources["He"]].status == "pending"  # still to be decided
    session.do(S.select, sources["He"])
    session.do(S.accept)
    saved = journal_lines(annotations / "alice.jsonl")[-1]["attributions"]
    assert {a["source"]["text"]: a.get("source_entity") for a in saved} == {"Naqvi": "Mohsin Naqvi", "He": "Mohsin Naqvi"}
    # names: acronyms and titled last names are the same entity, a longer place name is not
    assert same_entity("ISPR", "Inter-Services Public Relations")
    assert same_entity("Sharif", "Pakistani Prime Minister Mohammad Shehbaz Sharif")
    assert not same_entity("Pakistan", "Radio Pakistan")

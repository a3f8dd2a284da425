"""The adjudication screen, driven with Textual's Pilot on real six-annotator data."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from annotator.adjudicate import AdjudicationSession, prepare
from annotator.records import load_documents, read_journals
from annotator.schema import AnnotationRecord, Attribution, Document, Span, Status
from annotator.tui.screens.adjudicate import AdjudicationApp
from polnear_support import import_compartment

SIZE = (140, 40)


def sync(function):
    """Run an async test with asyncio.run (no pytest-asyncio needed)."""
    import asyncio
    import functools

    @functools.wraps(function)
    def wrapper(*args, **kwargs):
        return asyncio.run(function(*args, **kwargs))

    return wrapper


@pytest.fixture(scope="module")
def training(tmp_path_factory) -> tuple[Path, Path]:
    return import_compartment("annotator-training", tmp_path_factory.mktemp("at"))


def gold_lines(path: Path) -> dict[str, dict]:
    return {json.loads(line)["doc_id"]: json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()}


def session_for(training, out: Path) -> AdjudicationSession:
    corpus, journals = training
    documents = load_documents(corpus)
    contents = read_journals([journals])
    previous = {}
    if out.exists():
        previous = {doc: rec for (doc, who), rec in read_journals([out]).latest.items() if who == "gold"}
    return AdjudicationSession(prepare(documents, contents.records(), previous), out, "gold", "alice")


@sync
async def test_pick_reject_undo_defer_and_resume(training, tmp_path):
    out = tmp_path / "gold.jsonl"
    session = session_for(training, out)
    merged = len(session.merged)
    assert merged > 0 and out.exists()  # automatic merges are saved at once
    left = session.left
    async with AdjudicationApp(session).run_test(size=SIZE) as pilot:
        await pilot.pause()
        doc_id = session.item.document.id
        first = session.cluster
        await pilot.press("1")
        gold = gold_lines(out)[doc_id]
        taken = {a["id"]: a for a in gold["attributions"]}[first.id]
        assert taken["agreed_by"] == first.versions[0].annotators
        assert gold["adjudicator"] == "alice" and session.left == left - 1

        second = session.cluster
        await pilot.press("x")
        assert second.id in {a["id"] for a in gold_lines(out)[doc_id]["rejected"]}
        await pilot.press("u")  # undo the rejection: open again, gone from the file
        assert session.cluster_id == second.id
        assert second.id not in {a["id"] for a in gold_lines(out)[doc_id]["rejected"]}

        await pilot.press("space")  # defer: still open, next cluster shown
        assert session.cluster_id != second.id and second.id in {c.id for c in session.item.open_clusters}
        assert session.left == left - 1
        await pilot.press("q")
    resumed = session_for(training, out)
    # Nothing merged twice, and the earlier merges are still listed for review (m).
    assert resumed.left == left - 1 and resumed.merged_now == 0 and len(resumed.merged) == merged
    assert first.id in resumed.items[0].decisions


@sync
async def test_edit_with_the_annotate_keys(training, tmp_path):
    out = tmp_path / "gold.jsonl"
    session = session_for(training, out)
    async with AdjudicationApp(session).run_test(size=SIZE) as pilot:
        await pilot.pause()
        cluster = session.cluster
        focused = cluster.versions[1] if len(cluster.versions) > 1 else cluster.versions[0]
        if len(cluster.versions) > 1:
            await pilot.press("tab")
        await pilot.press("e")
        assert session.edit_state is not None
        await pilot.press("1")  # picking is off while editing
        assert session.edit_state is not None and cluster.id not in session.item.decisions
        await pilot.press("left_curly_bracket")  # the content's end one token left
        await pilot.press("enter")
        assert session.edit_state is None
        gold = {a["id"]: a for a in gold_lines(out)[session.items[0].document.id]["attributions"]}[cluster.id]
        assert gold["action"] == "edited"
        assert gold["content"]["start"] == focused.attribution.content.start
        assert gold["content"]["end"] < focused.attribution.content.end
        await pilot.press("m")  # review the automatic merges and reopen one
        assert session.view == "merged"
        reopened = session.cluster_id
        await pilot.press("o")
        assert session.view == "open" and reopened not in session.item.decisions
        assert reopened not in {a["id"] for a in gold_lines(out)[session.item.document.id]["attributions"]}


HOSTILE = "Officials said [@click=app.quit] and [/] \x1b[31mred\x1b[0m, the spokesman [b]claimed[/b] the plan works."


@sync
async def test_hostile_text_is_shown_literally(tmp_path):
    document = Document(id="[red]doc[/red]", text=HOSTILE)

    def span(phrase: str) -> Span:
        start = HOSTILE.index(phrase)
        return Span.from_text(HOSTILE, start, start + len(phrase))

    def record(who: str, content: str) -> AnnotationRecord:
        return AnnotationRecord(
            doc_id=document.id, annotator=who, status=Status.done,
            updated_at=datetime(2026, 1, 1, tzinfo=UTC), text_sha1=document.sha1,
            attributions=[Attribution(id="a", source=span("the spokesman"), cue=span("[b]claimed[/b]"), content=span(content))],
        )

    items = prepare({document.id: document}, [record("ann", "the plan works"), record("bob", "the plan works.")])
    session = AdjudicationSession(items, tmp_path / "gold.jsonl", "gold", "alice")
    async with AdjudicationApp(session).run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert pilot.app.is_running
        # ann and bob agree up to the final full stop, which word tokens ignore: merged.
        assert session.left == 0 and len(session.merged) == 1
        await pilot.press("m")
        await pilot.pause()
        screen_text = pilot.app.screen.query_one("#versions").render()
        assert "[b]claimed[/b]" in str(screen_text)
        await pilot.click("#article")
        assert pilot.app.is_running
        await pilot.press("q")


def write_keys(path: Path, body: str) -> Path:
    path.write_text("[keys]\n" + body, encoding="utf-8")
    return path


@sync
async def test_the_screen_honours_keys_toml_and_help_shows_keys_as_typed(training, tmp_path):
    from annotator.tui.screens.adjudicate import make_adjudication_app
    from annotator.tui.screens.help import HelpScreen

    out = tmp_path / "gold.jsonl"
    session = session_for(training, out)
    keys = write_keys(tmp_path / "keys.toml", '"adjudicate.reject" = "r"\n"adjudicate.start-left" = "<"\n')
    app = make_adjudication_app(session, keys)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        doc_id = session.item.document.id
        cluster = session.cluster
        await pilot.press("x")  # no longer bound
        assert cluster.id not in session.item.decisions
        await pilot.press("r")
        assert cluster.id in {a["id"] for a in gold_lines(out)[doc_id]["rejected"]}
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(pilot.app.screen, HelpScreen)
        rows = {binding_id: keys for binding_id, keys, _ in pilot.app.screen.rows}
        assert rows["adjudicate.reject"] == "r" and rows["adjudicate.start-left"] == "<"
        assert rows["adjudicate.start-right"] == "]" and rows["adjudicate.help"] == "?"
        assert rows["adjudicate.end-left"] == "{"
        assert not any("square" in keys or "question" in keys for keys in rows.values())


def test_a_remap_that_shadows_a_binding_of_the_same_mode_names_both(tmp_path):
    from annotator.errors import AnnotatorError
    from annotator.tui.app import binding_ids
    from annotator.tui.keymap import load_keymap

    ids = binding_ids()
    clash = write_keys(tmp_path / "clash.toml", '"adjudicate.reject" = "j"\n')
    with pytest.raises(AnnotatorError) as raised:
        load_keymap(clash, ids)
    message = str(raised.value)
    assert "adjudicate.reject" in message and "adjudicate.next" in message and "clash.toml" in message
    # A key typed as itself clashes too: "[" is left_square_bracket, the start's key.
    typed = write_keys(tmp_path / "typed.toml", '"adjudicate.focus-source" = "["\n')
    with pytest.raises(AnnotatorError, match="adjudicate.start-left"):
        load_keymap(typed, ids)
    # The same key in another mode is no clash: "s" focuses the source while editing
    # and may defer a cluster outside editing.
    fine = write_keys(tmp_path / "fine.toml", '"adjudicate.defer" = "s"\naccept = "a,enter"\n')
    keymap, _ = load_keymap(fine, ids)
    assert keymap["adjudicate.defer"] == "s"


def test_annotate_accepts_a_keys_toml_remapping_adjudication_keys(training, tmp_path):
    from polnear_support import run_in_process

    corpus, _ = training
    keys = write_keys(tmp_path / "keys.toml", '"adjudicate.reject" = "r"\n')
    clash = write_keys(tmp_path / "clash.toml", '"adjudicate.reject" = "k"\n')
    # The keymap is read before the app starts: a clash stops it there, in one line.
    result = run_in_process("annotate", corpus, "--keys", clash, "--annotations", tmp_path / "ann")
    assert result.returncode != 0
    assert "adjudicate.reject" in result.stderr and "adjudicate.previous" in result.stderr
    assert "Traceback" not in result.stderr
    from annotator.tui.app import binding_ids
    from annotator.tui.keymap import load_keymap

    assert load_keymap(keys, binding_ids())[0] == {"adjudicate.reject": "r"}


def test_the_screen_says_what_the_majority_rule_would_do(training):
    from annotator.adjudicate_majority import NO_ATTRIBUTION, majority_outcome
    from annotator.tui.screens.adjudicate import majority_hint

    corpus, journals = training
    items = prepare(load_documents(corpus), read_journals([journals]).records())
    seen = set()
    for item in items:
        for cluster in item.clusters:
            hint = majority_hint(item, cluster)
            outcome = majority_outcome(cluster, item.document.text)
            if outcome is None:
                assert hint.endswith("your call")
                seen.add("tie")
            elif outcome == NO_ATTRIBUTION:
                assert hint.startswith("majority: no attribution")
                seen.add("none")
            else:
                assert hint.startswith("majority: version") or "no single version" in hint
                seen.add("exists")
    assert seen == {"tie", "none", "exists"}

"""Adjudication as a team runs it, on PolNeAR's six-annotator articles: `--auto majority`
first, then the screen for the ties, then `--auto majority` again. Each step keeps what
the earlier ones decided, says how each decision was taken, and names who took it."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from annotator.adjudicate import AdjudicationSession, kept_records, prepare
from annotator.adjudicate_majority import NO_ATTRIBUTION, majority_outcome
from annotator.records import load_documents, read_journals
from polnear_support import import_compartment, run_in_process


@pytest.fixture(scope="module")
def training(tmp_path_factory) -> tuple[Path, Path]:
    return import_compartment("annotator-training", tmp_path_factory.mktemp("at"))


def auto_majority(corpus: Path, journals: Path, out: Path, *extra) -> dict:
    result = run_in_process("adjudicate", journals, "--corpus", corpus, "-o", out, "--auto", "majority", "--json", *extra)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def gold_lines(path: Path) -> dict[str, dict]:
    return {json.loads(line)["doc_id"]: json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()}


def screen_session(corpus: Path, journals: Path, out: Path, who: str) -> AdjudicationSession:
    """The session behind the adjudication screen, resumed from the gold file."""
    earlier = read_journals([out]).latest
    previous = {doc: record for (doc, name), record in earlier.items() if name == "gold"}
    items = prepare(load_documents(corpus), read_journals([journals]).records(), previous)
    return AdjudicationSession(items, out, "gold", who, kept_records(earlier.values(), items, "gold"))


def test_a_second_auto_majority_run_reports_the_same_and_changes_nothing(training, tmp_path):
    corpus, journals = training
    out = tmp_path / "gold.jsonl"
    first = auto_majority(corpus, journals, out)
    assert (first["unanimous"], first["majority"], first["majority_rejected"], first["by_hand"]) == (23, 24, 31, 0)
    written = out.read_bytes()
    second = auto_majority(corpus, journals, out)
    # Decisions read back from the gold file are still "by majority", not "by hand".
    assert {k: v for k, v in second.items() if k != "gold"} == {k: v for k, v in first.items() if k != "gold"}
    assert out.read_bytes() == written


def test_the_screen_after_auto_majority_lists_its_decisions_and_names_both(training, tmp_path):
    corpus, journals = training
    out = tmp_path / "gold.jsonl"
    summary = auto_majority(corpus, journals, out)
    before = gold_lines(out)
    session = screen_session(corpus, journals, out, "alice")
    automatic = summary["unanimous"] + summary["majority"] + summary["majority_rejected"]
    # m reviews every automatic decision, those of the earlier run included.
    assert session.merged_now == 0 and len(session.merged) == automatic
    assert session.left == len(summary["left_for_review"]) == 7
    session.toggle_view()
    assert session.view == "merged" and session.cluster is not None
    assert session.decision().kind in ("unanimous", "majority")
    session.toggle_view()
    doc_id = session.item.document.id
    tie = session.cluster
    assert majority_outcome(tie, session.item.document.text) is None  # what is left is a tie
    assert session.pick(1)
    after = gold_lines(out)
    assert after[doc_id]["adjudicator"] == "auto-majority+alice"
    assert tie.id in {a["id"] for a in after[doc_id]["attributions"]}
    # Documents alice did not touch keep their record as it was: time and adjudicator.
    for other, record in before.items():
        if other != doc_id:
            assert after[other] == record
    # Back to --auto majority: the tie settled on the screen counts as by hand.
    again = auto_majority(corpus, journals, out)
    assert again["by_hand"] == 1 and again["open"] == 6
    assert again["majority"] + again["majority_rejected"] == summary["majority"] + summary["majority_rejected"]


def test_gold_of_documents_not_adjudicated_now_is_kept(training, tmp_path):
    corpus, journals = training
    out = tmp_path / "gold.jsonl"
    auto_majority(corpus, journals, out)
    before = gold_lines(out)
    # The team adjudicates again with one article's annotations set aside.
    dropped = sorted(before)[0]
    subset = tmp_path / "subset"
    subset.mkdir()
    for path in journals.glob("*.jsonl"):
        kept = [line for line in path.read_text(encoding="utf-8").splitlines() if json.loads(line)["doc_id"] != dropped]
        (subset / path.name).write_text("\n".join(kept) + "\n", encoding="utf-8")
    auto_majority(corpus, subset, out)
    assert gold_lines(out) == before  # the set-aside article's gold is still there, unchanged
    session = screen_session(corpus, subset, out, "bob")
    assert dropped not in {item.document.id for item in session.items}
    session.save()
    assert gold_lines(out)[dropped] == before[dropped]


def test_stats_keep_the_gold_out_of_the_annotators_figures(training, tmp_path):
    corpus, journals = training
    folder = tmp_path / "annotations"
    folder.mkdir()
    for path in journals.glob("*.jsonl"):
        (folder / path.name).write_bytes(path.read_bytes())
    alone = json.loads(run_in_process("stats", folder, "--json").stdout)
    auto_majority(corpus, journals, folder / "gold.jsonl")  # the team keeps its gold beside the journals
    report = json.loads(run_in_process("stats", folder, "--json").stdout)
    assert report["gold_records"] == 4 and report["annotators"]["gold"]["done"] + report["annotators"]["gold"][
        "in_progress"] == 4
    # The gold repeats annotators' attributions and its rejections are clusters, not suggestions.
    for key in ("types", "roles", "suggestions"):
        assert report[key] == alone[key], key
    table = run_in_process("stats", folder)
    assert "4 gold record(s)" in table.stdout


def test_a_new_assignment_warns_of_queues_left_from_the_last(training, tmp_path):
    corpus, _ = training
    queues = tmp_path / "queues"
    first = run_in_process("assign", corpus, "--annotators", "ann,bob,cat", "--overlap", "2", "-o", queues)
    assert first.returncode == 0 and "warning" not in first.stderr
    second = run_in_process("assign", corpus, "--annotators", "ann,bob", "--overlap", "2", "-o", queues)
    assert second.returncode == 0
    assert f"warning: {queues / 'cat.txt'} is a queue from an earlier assignment" in second.stderr
    assert "ann.txt" not in second.stderr and "bob.txt" not in second.stderr


def test_evaluating_against_an_unfinished_gold_says_so(training, tmp_path):
    corpus, journals = training
    gold = tmp_path / "gold.jsonl"
    summary = auto_majority(corpus, journals, gold)
    unfinished = {item["doc_id"] for item in summary["left_for_review"]}
    prediction = sorted(journals.glob("*.jsonl"))[0]
    result = run_in_process("evaluate", prediction, gold, "--corpus", corpus, "--json")
    assert result.returncode == 0, result.stderr
    assert f"warning: {len(unfinished)} gold document(s) still being adjudicated" in result.stderr
    assert json.loads(result.stdout)["documents"] == 4
    # Against the annotators' own journals (no adjudicator): no such warning.
    plain = run_in_process("evaluate", prediction, *sorted(journals.glob("*.jsonl"))[1:], "--corpus", corpus, "--json")
    assert plain.returncode == 0 and "adjudicated" not in plain.stderr


def test_a_gold_file_kept_beside_the_journals_does_not_vote(training, tmp_path):
    corpus, journals = training
    reference = auto_majority(corpus, journals, tmp_path / "gold.jsonl")
    folder = tmp_path / "annotations"
    folder.mkdir()
    for path in journals.glob("*.jsonl"):
        (folder / path.name).write_bytes(path.read_bytes())
    # Last round's gold, under another name, in the same folder as the journals.
    (folder / "round1.jsonl").write_text(
        (tmp_path / "gold.jsonl").read_text(encoding="utf-8").replace('"annotator":"gold"', '"annotator":"round1"'),
        encoding="utf-8",
    )
    again = auto_majority(corpus, folder, tmp_path / "gold2.jsonl")
    assert {k: v for k, v in again.items() if k != "gold"} == {k: v for k, v in reference.items() if k != "gold"}
    # Asked for by name, it does vote.
    named = auto_majority(corpus, folder, tmp_path / "gold3.jsonl", "--annotators", "4b22,4e07,round1")
    assert named["documents"] == 4


def test_auto_majority_decides_existence_first_then_boundaries_by_token(training):
    """On the six-annotator articles: a claim marked by more annotators than left it out
    exists, whatever their versions; its spans hold what most of them marked."""
    corpus, journals = training
    items = prepare(load_documents(corpus), read_journals([journals]).records())
    split_but_settled = 0
    for item in items:
        item.auto_unanimous()
        settled, tied = item.auto_majority()
        text = item.document.text
        for cluster in settled:
            marked, unmarked = len(cluster.members), len(cluster.missing)
            decision = item.decisions[cluster.id]
            if decision.attribution is None:
                assert unmarked > marked
                continue
            assert marked > unmarked
            need = marked // 2 + 1
            gold = decision.attribution
            for role in ("source", "cue", "content"):
                span = getattr(gold, role)
                given = [getattr(m, role) for m in cluster.members.values() if getattr(m, role) is not None]
                if span is None:
                    assert len(given) < need
                    continue
                for start, end in span.fragments or [(span.start, span.end)]:
                    for offset in range(start, end):
                        covering = sum(
                            any(a <= offset < b for a, b in (g.fragments or [(g.start, g.end)])) for g in given
                        )
                        assert covering >= need or text[offset].isspace(), (cluster.id, role, offset)
            if item._version_of(cluster, gold) is None:  # boundaries no one drew alone
                assert gold.agreed_by == sorted(cluster.members)
            if cluster.majority() is None:
                split_but_settled += 1  # no version has the most votes, yet the claim is there
        for cluster in tied:
            outcome = majority_outcome(cluster, text)
            assert outcome is None and outcome != NO_ATTRIBUTION
    # "version 1: 3, version 2: 3" was a tie between versions; the claim exists (6 to 0).
    assert split_but_settled >= 1

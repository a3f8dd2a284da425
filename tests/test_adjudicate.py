"""Adjudication, headless and through the CLI: hand-made cases on a seed article and
real six-annotator data (PolNeAR annotator-training)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from annotator.adjudicate import NO_ATTRIBUTION, prepare
from annotator.matching import WordTokens
from annotator.records import load_documents, read_journals
from annotator.schema import Action, AnnotationRecord, Attribution, Document, Span, Status
from polnear_support import import_compartment, run_in_process

SEEDS = Path(__file__).resolve().parent.parent / "seeds"
SENTENCE = (
    "Pakistani Prime Minister Mohammad Shehbaz Sharif has said that the strategic and defense ties "
    "between Pakistan and China are essential for peace and stability in the region, Pakistani state "
    "radio reported on Monday."
)


@pytest.fixture(scope="module")
def seed_document() -> Document:
    text = (SEEDS / "004_3689a5d9b184db94.txt").read_text(encoding="utf-8")
    assert SENTENCE in text
    return Document(id="seed004", text=text)


def span(text: str, phrase: str) -> Span:
    start = text.index(phrase)
    return Span.from_text(text, start, start + len(phrase))


def outer(text: str, ident: str = "o", content_end: str = " in the region") -> Attribution:
    return Attribution(
        id=ident,
        source=span(text, "Pakistani state radio"),
        cue=span(text, "reported"),
        content=span(text, "Pakistani Prime Minister Mohammad Shehbaz Sharif has said that the strategic and defense ties between Pakistan and China are essential for peace and stability" + content_end),
    )


def inner(text: str, ident: str = "i", with_source: bool = True) -> Attribution:
    return Attribution(
        id=ident,
        source=span(text, "Pakistani Prime Minister Mohammad Shehbaz Sharif") if with_source else None,
        cue=span(text, "has said"),
        content=span(text, "the strategic and defense ties between Pakistan and China are essential for peace and stability in the region"),
    )


def record(document: Document, annotator: str, attributions: list[Attribution]) -> AnnotationRecord:
    return AnnotationRecord(
        doc_id=document.id,
        annotator=annotator,
        status=Status.done,
        updated_at=datetime(2026, 1, 1, tzinfo=UTC),
        text_sha1=document.sha1,
        attributions=attributions,
    )


def adjudication(document: Document, by_annotator: dict[str, list[Attribution]]):
    records = [record(document, who, attributions) for who, attributions in by_annotator.items()]
    (item,) = prepare({document.id: document}, records)
    return item


def test_nested_claims_stay_in_separate_clusters(seed_document):
    text = seed_document.text
    item = adjudication(
        seed_document,
        {"ann": [outer(text)], "bob": [inner(text)], "cy": [outer(text, "o2"), inner(text, "i2")]},
    )
    assert len(item.clusters) == 2
    by_members = sorted(sorted(cluster.members) for cluster in item.clusters)
    assert by_members == [["ann", "cy"], ["bob", "cy"]]
    for cluster in item.clusters:
        assert cluster.versions and len(cluster.versions) == 1 and len(cluster.missing) == 1


def test_unanimous_merges_are_listed_and_reversible(seed_document):
    text = seed_document.text
    item = adjudication(seed_document, {"ann": [inner(text)], "bob": [inner(text, "x")]})
    merged = item.auto_unanimous()
    assert [cluster.id for cluster in merged] == [item.clusters[0].id] and item.done
    gold = item.to_record("gold", "judge")
    assert gold.status == Status.done and gold.adjudicator == "judge"
    assert gold.attributions[0].agreed_by == ["ann", "bob"]
    item.reopen(merged[0].id)
    assert not item.done
    assert item.auto_unanimous() == []  # a reopened cluster waits for a person
    item.reject(merged[0].id)
    gold = item.to_record("gold", "judge")
    assert gold.attributions == [] and [a.id for a in gold.rejected] == [merged[0].id]


def test_boundary_punctuation_does_not_split_a_version(seed_document):
    text = seed_document.text
    with_comma = outer(text, content_end=" in the region,")
    item = adjudication(seed_document, {"ann": [outer(text)], "bob": [with_comma]})
    assert len(item.clusters) == 1 and item.clusters[0].unanimous


def test_majority_picks_the_most_chosen_version_and_leaves_ties(seed_document):
    text = seed_document.text
    item = adjudication(
        seed_document,
        {"ann": [inner(text)], "bob": [inner(text, "b")], "cy": [inner(text, "c", with_source=False)]},
    )
    (cluster,) = item.clusters
    assert [len(v.annotators) for v in cluster.versions] == [2, 1]
    settled, tied = item.auto_majority()
    assert settled == [cluster] and tied == []
    gold = item.to_record("gold", "auto-majority").attributions[0]
    assert gold.agreed_by == ["ann", "bob"] and gold.source is not None and gold.id == cluster.id

    two = adjudication(seed_document, {"ann": [inner(text)], "bob": []})
    assert two.clusters[0].votes() == [(0, 1), (NO_ATTRIBUTION, 1)]
    settled, tied = two.auto_majority()
    assert settled == [] and tied == two.clusters and not two.done
    assert two.to_record("gold", "x").status == Status.in_progress

    rejected = adjudication(seed_document, {"ann": [inner(text)], "bob": [], "cy": []})
    rejected.auto_majority()
    gold = rejected.to_record("gold", "x")
    assert gold.attributions == [] and gold.rejected[0].agreed_by == ["ann"] and gold.status == Status.done


def test_edit_records_who_agreed(seed_document):
    text = seed_document.text
    item = adjudication(seed_document, {"ann": [inner(text)], "bob": [inner(text, "b", with_source=False)]})
    (cluster,) = item.clusters
    edited = inner(text, "new")
    item.edit(cluster.id, edited)
    gold = item.to_record("gold", "judge").attributions[0]
    assert gold.action == Action.edited and gold.agreed_by == ["ann"] and gold.id == cluster.id
    fresh = edited.model_copy(update={"cue": span(text, "said that")})
    item.edit(cluster.id, fresh)
    assert item.to_record("gold", "judge").attributions[0].agreed_by == []
    with pytest.raises(ValueError):
        item.edit(cluster.id, fresh.model_copy(update={"cue": Span(start=0, end=4, text="nope")}))


@pytest.fixture(scope="module")
def training(tmp_path_factory) -> tuple[Path, Path]:
    return import_compartment("annotator-training", tmp_path_factory.mktemp("at"))


def test_clusters_partition_real_six_annotator_data(training):
    corpus, journals = training
    documents = load_documents(corpus)
    contents = read_journals([journals])
    items = prepare(documents, contents.records())
    assert len(items) == 4
    for item in items:
        members = [(who, a.id) for cluster in item.clusters for who, a in cluster.members.items()]
        every = [(who, a.id) for who, rec in item.records.items() for a in rec.attributions]
        assert sorted(members) == sorted(every)  # each attribution in exactly one cluster
        tokens = WordTokens(item.document.text)
        unanimous = [c for c in item.clusters if c.unanimous]
        assert unanimous, "trained annotators agree fully on some claims"
        for cluster in unanimous:
            assert sorted(cluster.members) == item.annotators
            contents_units = {tokens.units(a.content) for a in cluster.members.values()}
            assert len(contents_units) == 1


def test_auto_majority_cli_writes_valid_resumable_gold(training, tmp_path):
    corpus, journals = training
    gold = tmp_path / "gold.jsonl"
    first = run_in_process("adjudicate", journals, "--corpus", corpus, "-o", gold, "--auto", "unanimous", "--json")
    assert first.returncode == 0, first.stderr
    unanimous = json.loads(first.stdout)
    assert unanimous["unanimous"] > 0 and unanimous["majority"] == 0 and unanimous["open"] > 0
    second = run_in_process("adjudicate", journals, "--corpus", corpus, "-o", gold, "--auto", "majority", "--json")
    assert second.returncode == 0, second.stderr
    summary = json.loads(second.stdout)
    assert summary["unanimous"] == unanimous["unanimous"]  # resumed, not redone
    assert summary["majority"] + summary["majority_rejected"] > 0
    assert summary["open"] == len(summary["left_for_review"])
    for left in summary["left_for_review"]:
        # only ties are left: as many left it out as marked it, or no majority on where
        marked = sum(count for option, count in left["votes"].items() if option != "none")
        assert marked >= left["votes"].get("none", 0)
    assert run_in_process("validate", gold, "--corpus", corpus).returncode == 0
    records = [json.loads(line) for line in gold.read_text(encoding="utf-8").splitlines()]
    assert len(records) == 4
    annotators = {path.stem for path in journals.glob("*.jsonl")}
    for rec in records:
        assert rec["annotator"] == "gold"
        assert set(rec["adjudicator"].split("+")) == {"auto-unanimous", "auto-majority"} or rec["adjudicator"] == "auto-unanimous"
        for attribution in rec["attributions"]:
            assert attribution["agreed_by"] and set(attribution["agreed_by"]) <= annotators
    before = gold.read_bytes()
    third = run_in_process("adjudicate", journals, "--corpus", corpus, "-o", gold, "--auto", "majority")
    assert third.returncode == 0 and gold.read_bytes() == before  # nothing new to settle
    assert "left for review" in third.stdout


def test_the_gold_agrees_with_the_annotators_it_was_built_from(training, tmp_path):
    corpus, journals = training
    gold = tmp_path / "gold.jsonl"
    assert run_in_process("adjudicate", journals, "--corpus", corpus, "-o", gold, "--auto", "majority").returncode == 0
    agreement = json.loads(run_in_process("agree", journals, "--corpus", corpus, "--json").stdout)
    scores = {}
    for journal in sorted(journals.glob("*.jsonl")):
        result = run_in_process("evaluate", journal, gold, "--corpus", corpus, "--json", "--bootstrap", "0")
        assert result.returncode == 0, result.stderr
        scores[journal.stem] = json.loads(result.stdout)["scores"]["relation"]["overlap"]["f1"]
    # The majority gold sits closer to the annotators than they sit to each other ...
    pairwise = agreement["relation"]["f1"]["overlap"]
    assert sum(scores.values()) / len(scores) > pairwise + 0.03
    # ... and closer to each annotator than that annotator's least similar colleague.
    for name, score in scores.items():
        theirs = [p["scores"]["relation"]["overlap"]["f1"] for p in agreement["pairs"] if name in (p["a"], p["b"])]
        assert score > min(theirs)
    # A gold file kept beside the journals is not taken for one more annotator ...
    together = tmp_path / "together"
    together.mkdir()
    for path in [*journals.glob("*.jsonl"), gold]:
        (together / path.name).write_bytes(path.read_bytes())
    mixed = json.loads(run_in_process("agree", together, "--corpus", corpus, "--json").stdout)
    assert mixed["annotators"] == agreement["annotators"] and mixed["alpha"] == agreement["alpha"]
    # ... unless asked for by name.
    named = json.loads(run_in_process("agree", together, "--corpus", corpus, "--json", "--annotators", "gold,4b22").stdout)
    assert named["annotators"] == ["gold", "4b22"] and named["alpha"] > agreement["alpha"]

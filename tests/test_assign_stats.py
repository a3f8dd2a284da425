"""Team assignment (queues) and `annotator stats`."""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from annotator.assign import assign, load_queue, queue_lines, remaining
from annotator.errors import AnnotatorError
from annotator.schema import Action, AnnotationRecord, Attribution, Span, Status
from annotator.store import Journal
from polnear_support import import_compartment, run_in_process

SEEDS = Path(__file__).resolve().parent.parent / "seeds"


@pytest.mark.parametrize("documents,annotators,overlap", [(84, 4, 2), (100, 6, 3), (7, 3, 3), (10, 5, 1)])
def test_assignment_is_balanced_and_complete(documents, annotators, overlap):
    doc_ids = [f"d{i}" for i in range(documents)]
    names = [f"a{i}" for i in range(annotators)]
    result = assign(doc_ids, names, overlap, seed=5)
    per_doc = result.annotators_of()
    assert sorted(per_doc) == sorted(doc_ids)
    assert all(len(set(who)) == len(who) == overlap for who in per_doc.values())
    loads = [len(queue) for queue in result.queues.values()]
    assert max(loads) - min(loads) <= 1 and sum(loads) == documents * overlap
    shared = result.shared().values()
    if overlap > 1:
        assert max(shared) - min(shared) <= 2  # pairs share about as many documents


def test_assignment_is_deterministic():
    doc_ids = [f"d{i}" for i in range(50)]
    names = ["ann", "bob", "cy"]
    assert assign(doc_ids, names, 2, seed=1).queues == assign(doc_ids, names, 2, seed=1).queues
    assert assign(doc_ids, names, 2, seed=1).queues != assign(doc_ids, names, 2, seed=2).queues


def test_bad_overlap_is_an_error():
    with pytest.raises(AnnotatorError):
        assign(["d"], ["a", "b"], 3)
    with pytest.raises(AnnotatorError):
        assign(["d"], ["a", "a"], 1)


def test_queue_files_round_trip_awkward_ids(tmp_path):
    ids = ["plain", "#hash", '"quoted"', "{brace", " padded ", "tab\there", "ünïcode ids"]
    path = tmp_path / "q.txt"
    path.write_text(queue_lines("ann", ids), encoding="utf-8")
    assert load_queue(path, ids) == ids
    jsonl = tmp_path / "q.jsonl"
    jsonl.write_text('{"doc_id": "plain"}\n\n# comment\n{"doc_id": "#hash"}\n', encoding="utf-8")
    assert load_queue(jsonl) == ["plain", "#hash"]
    with pytest.raises(AnnotatorError) as error:
        load_queue(jsonl, ["plain"])
    assert str(error.value).startswith(f"{jsonl}:4:")
    path.write_text("a\nb\na\n", encoding="utf-8")
    with pytest.raises(AnnotatorError, match="queued twice"):
        load_queue(path)
    assert remaining(["a", "b", "c"], {"a": Status.done, "b": Status.in_progress}) == ["b", "c"]


def test_assign_cli_on_a_real_corpus(tmp_path):
    corpus, _ = import_compartment("dev", tmp_path)
    out = tmp_path / "queues"
    result = run_in_process("assign", corpus, "--annotators", "ann,bob,cy,dee,eve", "--overlap", "2", "--seed", "9", "-o", out, "--json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["documents"] == 84
    queues = {name: load_queue(Path(info["path"])) for name, info in report["queues"].items()}
    counts = Counter(doc for queue in queues.values() for doc in queue)
    assert len(counts) == 84 and set(counts.values()) == {2}
    again = tmp_path / "again"
    run_in_process("assign", corpus, "--annotators", "ann,bob,cy,dee,eve", "--overlap", "2", "--seed", "9", "-o", again)
    assert all((again / f"{n}.txt").read_bytes() == (out / f"{n}.txt").read_bytes() for n in queues)


def test_stats_times_outcomes_and_statuses(tmp_path):
    text = (SEEDS / "002_39918703c227bfd8.txt").read_text(encoding="utf-8")
    from annotator.schema import text_sha1

    start = text.index("Xinjiang province was of vital importance")
    content = Span.from_text(text, start, start + 40)
    cue_start = text.index("said that")
    cue = Span.from_text(text, cue_start, cue_start + 4)
    base = datetime(2026, 3, 1, 9, 0, tzinfo=UTC)
    journal = Journal(tmp_path / "ann.jsonl")

    def save(doc: str, minutes: float, status: Status, attributions=(), rejected=()):
        journal.append(
            AnnotationRecord(
                doc_id=doc, annotator="ann", status=status, updated_at=base + timedelta(minutes=minutes),
                text_sha1=text_sha1(text), attributions=list(attributions), rejected=list(rejected),
            )
        )

    accepted = Attribution(id="s1", cue=cue, content=content, origin="suggested", action=Action.accepted, type="indirect")
    added = Attribution(id="m1", content=content, action=Action.added, type="direct")
    turned_down = Attribution(id="s2", content=content, origin="suggested")
    save("d1", 0, Status.in_progress)
    save("d1", 2, Status.in_progress, [accepted])
    save("d1", 60, Status.done, [accepted, added], [turned_down])  # 58 min pause counts as 5
    save("d2", 61, Status.in_progress, [added.model_copy(update={"id": "m2"})])
    save("d3", 62, Status.skipped)
    result = run_in_process("stats", tmp_path, "--json")
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    ann = report["annotators"]["ann"]
    assert (ann["done"], ann["in_progress"], ann["skipped"]) == (1, 1, 1)
    assert ann["documents_timed"] == 1 and ann["median_seconds_per_document"] == 2 * 60 + 300
    assert report["suggestions"] == {"accepted": 1, "edited": 0, "added": 2, "rejected": 1, "manual": 0}
    assert report["types"]["indirect"] == 1 and report["types"]["direct"] == 2
    assert report["roles"] == {"source": 0, "cue": 1, "content": 3}
    table = run_in_process("stats", tmp_path)
    assert table.returncode == 0 and "Suggestion outcomes" in table.stdout


def test_stats_on_imported_polnear(tmp_path):
    _, journals = import_compartment("dev", tmp_path)
    report = json.loads(run_in_process("stats", journals, "--json").stdout)
    lines = {path.stem: len(path.read_text(encoding="utf-8").splitlines()) for path in journals.glob("*.jsonl")}
    assert {name: row["done"] for name, row in report["annotators"].items()} == lines
    assert report["documents"] == 84 and report["roles"]["content"] == sum(report["types"].values())


def test_annotate_queue_index_follows_the_queue(tmp_path):
    from annotator.assign import open_queue, queue_lines
    from annotator.corpus.index import open_corpus

    corpus, _ = import_compartment("dev", tmp_path)
    index = open_corpus(corpus)
    wanted = [index.id_at(5), index.id_at(2), index.id_at(40)]
    queue = tmp_path / "ann.txt"
    queue.write_text(queue_lines("ann", wanted), encoding="utf-8")
    narrowed = open_queue(index, queue)
    assert len(narrowed) == 3 and [narrowed.id_at(i) for i in range(3)] == wanted
    assert narrowed.document(1).id == wanted[1] and narrowed.position_of(wanted[2]) == 2
    assert narrowed.position_of(index.id_at(0)) is None
    # The annotation session runs on it as on a whole corpus.
    from annotator.session import Session, SuggestionSource

    session = Session(narrowed, "ann", tmp_path / "annotations", SuggestionSource(compute=False))
    session.start()
    assert session.document.id == wanted[0]
    assert session.go(1) and session.document.id == wanted[1]
    queue.write_text("# queue\n" + wanted[0] + "\nno-such-document\n", encoding="utf-8")
    with pytest.raises(AnnotatorError) as error:
        open_queue(index, queue)
    assert str(error.value).startswith(f"{queue}:3:")

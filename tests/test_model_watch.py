"""`annotator train --watch`: a retrained model is put in use for documents not yet
opened, never for one already opened, and a model worse on dev is not put in use."""

from __future__ import annotations

import json
from pathlib import Path

from polnear_support import import_compartment


def _write_subset(corpus: Path, journals: Path, ids: list[str], target: Path) -> None:
    keep = set(ids)
    target.mkdir(parents=True, exist_ok=True)
    for path in sorted(journals.glob("*.jsonl")):
        kept = [line for line in path.read_text(encoding="utf-8").splitlines() if json.loads(line)["doc_id"] in keep]
        (target / path.name).write_text("".join(line + "\n" for line in kept), encoding="utf-8")


def test_watch_puts_a_retrained_model_in_use_for_unopened_documents_only(tmp_path):
    from annotator.corpus.index import open_corpus
    from annotator.model.loop import TrainOptions, watch_loop
    from annotator.session import Session, SuggestionSource
    from annotator.session import state as S

    corpus, journals = import_compartment("dev", tmp_path)
    ids = sorted(json.loads(line)["id"] for line in corpus.read_text(encoding="utf-8").splitlines())
    team = tmp_path / "team"
    model_dir = tmp_path / "model"
    said: list[str] = []
    options = TrainOptions(annotations=[team], corpus=[corpus], out=model_dir, dev_share=0.0,
                           settings={"cue_iterations": 30, "role_iterations": 30, "role_arch": "crf", "cue_arch": "crf"})
    _write_subset(corpus, journals, ids[:8], team)
    watch_loop(options, every=4, poll=0.05, say=said.append, rounds=1)
    first = (model_dir / "current").resolve()
    assert first.parent.name == "versions" and (first / "config.cfg").is_file()

    # The annotator opens document A and accepts a suggestion.
    source = SuggestionSource(cache_dir=tmp_path / "ann" / ".suggestions", model=str(model_dir))
    session = Session(open_corpus(corpus), "tester", tmp_path / "ann", source)
    position_a, position_b = len(ids) - 1, len(ids) - 2
    session.open(position_a, wait=True)
    opened_a = {item.attribution.suggester for item in session.state.items}
    assert opened_a - {"rules"} == {f"attribution@{first.name}"}  # rules: the fallback (cues the model missed)
    session.do(S.accept)
    decided_a = [a.model_dump() for a in session.state.attributions]

    # Four more documents are done: the loop retrains and moves `current`.
    _write_subset(corpus, journals, ids[:12], team)
    watch_loop(options, every=4, poll=0.05, say=said.append, rounds=1)
    second = (model_dir / "current").resolve()
    assert second != first, said
    # An unopened document gets the new model's suggestions...
    session.open(position_b, wait=True)
    assert {item.attribution.suggester for item in session.state.items} - {"rules"} == {f"attribution@{second.name}"}
    # ...the document already opened keeps what it had, decided suggestions included.
    session.open(position_a, wait=True)
    assert {item.attribution.suggester for item in session.state.items} == opened_a
    assert decided_a and [a.model_dump() for a in session.state.attributions] == decided_a


def test_watch_keeps_the_model_in_use_when_the_new_one_is_worse_on_dev(tmp_path):
    from annotator.model.loop import TrainOptions, watch_loop

    corpus, journals = import_compartment("dev", tmp_path)
    ids = sorted(json.loads(line)["id"] for line in corpus.read_text(encoding="utf-8").splitlines())
    team = tmp_path / "team"
    dev = tmp_path / "dev"
    _write_subset(corpus, journals, ids[-6:], dev)
    model_dir = tmp_path / "model"
    said: list[str] = []
    _write_subset(corpus, journals, ids[:10], team)
    good = TrainOptions(annotations=[team], corpus=[corpus], out=model_dir, dev=[dev],
                        settings={"cue_iterations": 30, "role_iterations": 30, "role_arch": "crf", "cue_arch": "crf"})
    watch_loop(good, every=3, poll=0.05, say=said.append, rounds=1)
    in_use = (model_dir / "current").resolve()
    _write_subset(corpus, journals, ids[:14], team)
    # one L-BFGS step and no rules fallback: an untrained model, worse on dev than the one in use
    bad = TrainOptions(annotations=[team], corpus=[corpus], out=model_dir, dev=[dev],
                       settings={"cue_iterations": 1, "role_iterations": 1, "role_arch": "crf", "cue_arch": "crf", "rules_fallback": -1})
    watch_loop(bad, every=3, poll=0.05, say=said.append, rounds=1)
    assert (model_dir / "current").resolve() == in_use
    assert any("not put in use" in line for line in said), said

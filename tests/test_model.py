"""The project's own model (issue 10): `annotator train`, loading it in suggest and
annotate, and the refusals. Trained on a small PolNeAR dev sample (a few CPU seconds)."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from polnear_support import import_compartment, run_cli, run_in_process

TRAIN_DOCS = 24
HELD_OUT_DOCS = 10
ITERATIONS = "40"


def _subset(corpus: Path, journals: Path, ids: list[str], target: Path) -> tuple[Path, Path]:
    """A corpus and journals of only ``ids`` (each document's first listed annotator)."""
    target.mkdir(parents=True, exist_ok=True)
    keep = set(ids)
    lines = [line for line in corpus.read_text(encoding="utf-8").splitlines() if json.loads(line)["id"] in keep]
    (target / "corpus.jsonl").write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    journal_dir = target / "ann"
    journal_dir.mkdir(exist_ok=True)
    for path in sorted(journals.glob("*.jsonl")):
        kept = [line for line in path.read_text(encoding="utf-8").splitlines() if json.loads(line)["doc_id"] in keep]
        if kept:
            (journal_dir / path.name).write_text("".join(line + "\n" for line in kept), encoding="utf-8")
    return target / "corpus.jsonl", journal_dir


@pytest.fixture(scope="module")
def dev_data(tmp_path_factory):
    base = tmp_path_factory.mktemp("polnear-dev")
    corpus, journals = import_compartment("dev", base)
    ids = sorted(json.loads(line)["id"] for line in corpus.read_text(encoding="utf-8").splitlines())
    return corpus, journals, ids, base


@pytest.fixture(scope="module")
def trained(dev_data):
    corpus, journals, ids, base = dev_data
    train_corpus, train_journals = _subset(corpus, journals, ids[:TRAIN_DOCS], base / "train")
    model_dir = base / "model"
    result = run_in_process("train", train_journals, "--corpus", train_corpus, "-o", model_dir,
                            "--arch", "crf", "--cue-arch", "crf", "--iterations", ITERATIONS, "--dev-share", "0.2", "--seed", "3")
    assert result.returncode == 0, result.stderr
    return model_dir, train_corpus, train_journals, result.stderr


def test_train_reports_data_and_writes_a_spacy_pipeline(trained):
    model_dir, _, _, said = trained
    assert f"training on {TRAIN_DOCS - 5} document(s)" in said  # 20% of 24 held out for dev
    assert "dev F1: content exact" in said
    config = (model_dir / "config.cfg").read_text(encoding="utf-8")
    assert 'factory = "attribution_model"' in config
    meta = json.loads((model_dir / "meta.json").read_text(encoding="utf-8"))
    info = meta["annotator_model"]
    assert info["format"] == 3
    assert len(info["training_data"]["fingerprint"]) == 40
    assert info["training_data"]["documents"] == TRAIN_DOCS - 5
    assert info["settings"]["role_iterations"] == int(ITERATIONS)
    # the cue CRF is fitted in a forked worker: its iterations still reach meta.json
    assert 0 < info["settings"]["iterations_run"]["cues"] <= int(ITERATIONS)
    assert info["settings"]["cue_threshold_used"] == 0.5  # "auto" beside the cue CRF
    assert "cue_threshold = 0.5" in config
    assert info["dev"]["documents"] == 5 and 0.0 < info["dev"]["content_overlap_f1"] <= 1.0
    assert not [p for p in model_dir.parent.iterdir() if p.name.startswith(".model.")]  # no staging left


def test_model_loads_in_suggest_and_beats_an_untrained_baseline(trained, dev_data, tmp_path):
    model_dir, *_ = trained
    corpus, journals, ids, _ = dev_data
    held_corpus, held_journals = _subset(corpus, journals, ids[-HELD_OUT_DOCS:], tmp_path / "held")
    # the same pipeline after one L-BFGS step: the untrained baseline
    baseline = tmp_path / "baseline"
    train_corpus, train_journals = trained[1], trained[2]
    result = run_in_process("train", train_journals, "--corpus", train_corpus, "-o", baseline,
                            "--arch", "crf", "--cue-arch", "crf", "--iterations", "1", "--dev-share", "0")
    assert result.returncode == 0, result.stderr
    # the untrained CRFs alone: without the rules' fallback (config.cfg), which would
    # fill in the cues they miss
    config = baseline / "config.cfg"
    config.write_text(config.read_text(encoding="utf-8").replace("rules_fallback = 0.7", "rules_fallback = -1.0"),
                      encoding="utf-8")
    assert "rules_fallback = -1.0" in config.read_text(encoding="utf-8")
    scores = {}
    for name, model in (("trained", model_dir), ("untrained", baseline)):
        out = tmp_path / f"{name}.jsonl"
        result = run_in_process("suggest", held_corpus, "-o", out, "--model", model)
        assert result.returncode == 0, result.stderr
        records = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
        assert len(records) == HELD_OUT_DOCS
        if name == "trained":
            suggesters = {a["suggester"] for r in records for a in r["attributions"]}
            # the model's own, and the rules' confident ones whose cue it missed
            assert any(name.startswith("attribution@") for name in suggesters)
            assert all(name.startswith("attribution@") or name == "rules" for name in suggesters)
        report = run_in_process("evaluate", out, held_journals, "--corpus", held_corpus, "--json", "--bootstrap", "0")
        assert report.returncode == 0, report.stderr
        scores[name] = json.loads(report.stdout)["scores"]
    for target, mode in (("content", "exact"), ("relation", "overlap"), ("cue", "exact")):
        assert scores["trained"][target][mode]["f1"] > (scores["untrained"][target][mode]["f1"] or 0) + 0.1
    assert scores["trained"]["content"]["overlap"]["f1"] > 0.5


def test_same_data_and_seed_give_the_same_model(trained, tmp_path):
    model_dir, train_corpus, train_journals, _ = trained
    again = tmp_path / "again"
    result = run_in_process("train", train_journals, "--corpus", train_corpus, "-o", again,
                            "--arch", "crf", "--cue-arch", "crf", "--iterations", ITERATIONS, "--dev-share", "0.2", "--seed", "3")
    assert result.returncode == 0, result.stderr
    for name in ("cues.crfsuite", "roles.crfsuite"):
        assert (again / "attribution_model" / name).read_bytes() == (model_dir / "attribution_model" / name).read_bytes()


def test_annotate_suggestions_come_from_the_model(trained, dev_data, tmp_path):
    from annotator.corpus.index import open_corpus
    from annotator.session import Session, SuggestionSource

    model_dir, train_corpus, *_ = trained
    source = SuggestionSource(cache_dir=tmp_path / "ann" / ".suggestions", model=str(model_dir))
    session = Session(open_corpus(train_corpus), "tester", tmp_path / "ann", source)
    session.start(wait=True)
    suggested = [item.attribution for item in session.state.items if item.status == "pending"]
    assert suggested and any(a.suggester.startswith("attribution@") for a in suggested)
    assert all(a.suggester.startswith("attribution@") or a.suggester == "rules" for a in suggested)


def test_stats_reports_outcomes_per_suggester(tmp_path):
    from annotator.schema import AnnotationRecord

    def attribution(ident, suggester, action=None):
        return {"id": ident, "content": {"start": 0, "end": 4, "text": "Text"}, "origin": "suggested",
                "suggester": suggester, "action": action}

    record = AnnotationRecord.model_validate({
        "doc_id": "d1", "annotator": "ann", "status": "done", "updated_at": "2026-01-01T00:00:00Z",
        "text_sha1": "0" * 40,
        "attributions": [attribution("a", "rules", "accepted"), attribution("b", "m@0123abcd", "edited"),
                         attribution("c", "m@0123abcd", "accepted")],
        "rejected": [attribution("d", "m@0123abcd"), attribution("e", "rules")],
    })
    journal = tmp_path / "ann.jsonl"
    journal.write_text(record.model_dump_json(exclude_none=True) + "\n", encoding="utf-8")
    result = run_in_process("stats", journal, "--json")
    assert result.returncode == 0, result.stderr
    suggesters = json.loads(result.stdout)["suggesters"]
    assert suggesters["rules"] == {"accepted": 1, "edited": 0, "rejected": 1, "accepted_share": 0.5}
    assert suggesters["m@0123abcd"]["accepted"] == 1 and suggesters["m@0123abcd"]["edited"] == 1
    assert suggesters["m@0123abcd"]["rejected"] == 1


# ---- bad input: one line, non-zero exit, no half-written MODEL_DIR ----------------------

def _one_line_error(result) -> str:
    assert result.returncode != 0
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("annotator: error:"), result.stderr
    assert "Traceback" not in result.stderr
    return lines[0]


def test_no_done_records_is_refused(trained, tmp_path):
    _, train_corpus, train_journals, _ = trained
    journals = tmp_path / "ann"
    journals.mkdir()
    for path in train_journals.glob("*.jsonl"):
        lines = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]
        for record in lines:
            record["status"] = "in_progress"
        (journals / path.name).write_text("".join(json.dumps(r) + "\n" for r in lines), encoding="utf-8")
    out = tmp_path / "model"
    line = _one_line_error(run_cli("train", journals, "--corpus", train_corpus, "-o", out))
    assert "no records marked done" in line
    assert not out.exists()


def test_corpus_not_matching_the_journals_is_refused(trained, tmp_path):
    _, train_corpus, train_journals, _ = trained
    changed = tmp_path / "corpus.jsonl"
    documents = [json.loads(line) for line in train_corpus.read_text(encoding="utf-8").splitlines()]
    documents[0]["text"] = documents[0]["text"].replace("said", "told", 1)
    changed.write_text("".join(json.dumps(d) + "\n" for d in documents), encoding="utf-8")
    out = tmp_path / "model"
    line = _one_line_error(run_cli("train", train_journals, "--corpus", changed, "-o", out))
    assert documents[0]["id"] in line
    assert not out.exists()


def test_not_a_model_and_another_version_are_refused(trained, dev_data, tmp_path):
    model_dir, train_corpus, train_journals, _ = trained
    corpus = dev_data[0]
    empty = tmp_path / "empty"
    empty.mkdir()
    assert "not a spaCy pipeline directory" in _one_line_error(
        run_cli("suggest", corpus, "-o", tmp_path / "s.jsonl", "--model", empty))
    old = tmp_path / "old"
    shutil.copytree(model_dir, old)
    meta = json.loads((old / "meta.json").read_text(encoding="utf-8"))
    meta["annotator_model"]["format"] = 0
    (old / "meta.json").write_text(json.dumps(meta), encoding="utf-8")
    assert "model format 0" in _one_line_error(run_cli("suggest", corpus, "-o", tmp_path / "s.jsonl", "--model", old))
    assert "model format 0" in _one_line_error(
        run_cli("train", train_journals, "--corpus", train_corpus, "-o", tmp_path / "m", "--base", old))
    assert not (tmp_path / "m").exists() and not (tmp_path / "s.jsonl").exists()
    meta["annotator_model"]["format"] = 2  # the previous format still loads (one cue network)
    (old / "meta.json").write_text(json.dumps(meta), encoding="utf-8")
    assert run_cli("suggest", corpus, "-o", tmp_path / "s.jsonl", "--model", old).returncode == 0
    # a config.cfg value spaCy refuses: one line naming the setting, not spaCy's dump
    config = (old / "config.cfg").read_text(encoding="utf-8")
    block = config.index("[components.attribution_model]")
    at = config.index("cue_threshold = ", block)
    (old / "config.cfg").write_text(config[:at] + 'cue_threshold = "high"' + config[config.index("\n", at):], encoding="utf-8")
    line = _one_line_error(run_cli("suggest", corpus, "-o", tmp_path / "t.jsonl", "--model", old))
    assert "config.cfg: attribution_model.cue_threshold" in line and "'high'" in line
    assert "English object" not in line and not (tmp_path / "t.jsonl").exists()
    # an output folder that holds something else is never replaced by a model
    other = tmp_path / "notes"
    other.mkdir()
    (other / "keep.txt").write_text("mine", encoding="utf-8")
    _one_line_error(run_cli("train", train_journals, "--corpus", train_corpus, "-o", other))
    assert [p.name for p in other.iterdir()] == ["keep.txt"]


def test_cue_tagger_reads_the_layout_of_interview_turns_and_attributions_after_quotes():
    """The missed cues of dev were most often the colon of an interview turn ("PENCE:
    Well, ...") and the dash after a closing quotation ("... ” ― Name"): the cue
    tagger's own features name a line start, a colon or dash, and a quotation that
    closes just before the token."""
    from annotator.model.features import DocView
    from annotator.model.learn import feature_pipeline
    from annotator.suggest.components import TEXT_KEY

    text = ("WALLACE: Do you really see those two as equivalent?\n"
            "PENCE: Well, look, that is the question.\n"
            "“We will win the state” ― Mike Pence, in Ohio.")
    nlp = feature_pipeline()
    doc = nlp.make_doc(text)
    doc.user_data[TEXT_KEY] = text
    view = DocView.of(nlp(doc))
    features = {}
    for sentence in range(len(view.sents)):
        a, _ = view.sents[sentence]
        for offset, token_features in enumerate(view.cue_sequence(sentence)):
            features[a + offset] = set(token_features)
    colons = [i for i, word in enumerate(view.words) if word == ":"]
    assert len(colons) == 2
    for i in colons:
        assert "pk=colon" in features[i]
        assert "k-1=X" in features[i]  # after an all-capitals name
        assert "nl<" in features[i - 1]
    dash = view.words.index("―")
    assert "pk=dash" in features[dash]
    assert "qend-1" in features[dash]
    assert "k+1=Xx" in features[dash]
    # the role labeller's features are not changed by the cue tagger's own
    assert not any(feature.startswith(("pk=", "nl<", "qend-")) for feature in view.base[dash])

"""`annotator suggest` end to end, the lexicon builder, and quality on PolNeAR dev."""

from __future__ import annotations

import json
from pathlib import Path

from annotator.suggest.build_lexicon import build
from polnear_support import REPO_ROOT, import_compartment, polnear_root, require_compartment, run_cli

# The targets (overlap F1 on dev, first annotator of each document).
TARGETS = {"content": 0.68, "cue": 0.70, "source": 0.62, "relation": 0.55}


def read_records(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line]


def test_suggest_on_the_seeds_writes_one_valid_record_per_document(tmp_path):
    out = tmp_path / "suggestions.jsonl"
    result = run_cli("suggest", REPO_ROOT / "seeds", "-o", out)
    assert result.returncode == 0, result.stderr
    records = read_records(out)
    assert len(records) == 6 and {r["annotator"] for r in records} == {"suggester"}
    assert all(a["origin"] == "suggested" and 0 <= a["score"] <= 1 for r in records for a in r["attributions"])
    corpus = tmp_path / "seeds.jsonl"
    assert run_cli("import", REPO_ROOT / "seeds", "-o", corpus).returncode == 0
    checked = run_cli("validate", out, "--corpus", corpus)
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_two_processes_give_the_same_suggestions_as_one(tmp_path):
    one, two = tmp_path / "one.jsonl", tmp_path / "two.jsonl"
    assert run_cli("suggest", REPO_ROOT / "seeds", "-o", one, "--batch-size", "2").returncode == 0
    assert run_cli("suggest", REPO_ROOT / "seeds", "-o", two, "--n-process", "2", "--batch-size", "2").returncode == 0

    def strip(records):
        return [{k: v for k, v in r.items() if k != "updated_at"} for r in records]

    assert strip(read_records(one)) == strip(read_records(two))


def test_a_model_path_that_is_not_a_pipeline_is_a_one_line_error(tmp_path):
    out = tmp_path / "out.jsonl"
    result = run_cli("suggest", REPO_ROOT / "seeds", "-o", out, "--model", tmp_path)
    assert result.returncode == 1
    assert "not a spaCy pipeline directory" in result.stderr and "Traceback" not in result.stderr
    assert not out.exists()


def test_a_saved_pipeline_directory_plugs_in_unchanged(tmp_path, suggester_nlp):
    model = tmp_path / "model"
    suggester_nlp.to_disk(model)
    default, loaded = tmp_path / "rules.jsonl", tmp_path / "model.jsonl"
    assert run_cli("suggest", REPO_ROOT / "seeds", "-o", default).returncode == 0
    result = run_cli("suggest", REPO_ROOT / "seeds", "-o", loaded, "--model", model)
    assert result.returncode == 0, result.stderr
    assert [r["attributions"] for r in read_records(default)] == [r["attributions"] for r in read_records(loaded)]


def test_lexicon_builder_measures_precision_on_real_annotations():
    require_compartment("annotator-training")
    rows = build(polnear_root(), compartment="annotator-training")
    by_key = {(kind, key): (count, total) for kind, key, count, total in rows}
    count, total = by_key[("lemma", "say")]
    assert 0 < count <= total
    assert all(0 <= c <= t for c, t in by_key.values())
    # words and phrases are kept only when seen inside cues; contexts also when never
    assert all(c > 0 for (kind, _), (c, t) in by_key.items() if kind in ("form", "lemma", "phrase"))
    assert any(kind == "next" for kind, _ in by_key) and any(kind == "prev" for kind, _ in by_key)


def test_shipped_lexicon_covers_reporting_verbs():
    from annotator.suggest.lexicon import load_cue_lexicon

    lexicon = load_cue_lexicon()
    assert lexicon.lemmas["say"] > 0.8 and lexicon.phrases[("according", "to")] > 0.8
    assert lexicon.forms["accuses"] >= 0.5 and ("in", "a", "statement") in lexicon.phrases


def test_quality_on_polnear_dev_meets_the_targets(tmp_path):
    corpus, journals = import_compartment("dev", tmp_path)
    out = tmp_path / "dev-suggestions.jsonl"
    assert run_cli("suggest", corpus, "-o", out).returncode == 0
    gold = sorted(journals.glob("*.jsonl"))
    result = run_cli("evaluate", out, *gold, "--corpus", corpus, "--json", "--bootstrap", "0")
    assert result.returncode == 0, result.stderr
    scores = json.loads(result.stdout)["scores"]
    for target, minimum in TARGETS.items():
        assert scores[target]["overlap"]["f1"] >= minimum, (target, scores[target]["overlap"])
    assert scores["content"]["overlap"]["precision"] >= 0.60


def test_the_cli_does_not_import_spacy_until_suggestions_are_asked_for():
    import subprocess
    import sys

    code = "import sys, annotator.cli, annotator.suggest; print('spacy' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], cwd=REPO_ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"


def test_suggestion_records_pass_full_schema_validation(suggest_one):
    """record_from_suggestions builds models without re-validation: prove they are valid."""
    from annotator.schema import AnnotationRecord, record_problems
    from suggest_support import seed_documents

    for document in seed_documents().values():
        record = suggest_one(document)
        data = record.model_dump(mode="json")
        again = AnnotationRecord.model_validate(data, context={"text": document.text})
        assert again.model_dump(mode="json") == data
        assert record_problems(again, document) == []


def test_a_component_after_the_rules_replaces_suggestions_without_changes_to_suggest(tmp_path, suggester_nlp):
    """The plug-in contract: a later component rewrites doc._.attributions."""
    from spacy.language import Language

    from annotator.suggest import suggest_records
    from annotator.suggest.pipeline import build_pipeline
    from suggest_support import seed_documents

    if "confident_only" not in Language.factories:

        @Language.factory("confident_only", default_config={"minimum": 0.8})
        def make_confident_only(nlp, name, minimum: float):
            def keep_confident(doc):
                doc._.attributions = [a for a in doc._.attributions if a["score"] >= minimum]
                return doc

            return keep_confident

    nlp = build_pipeline("rules")
    nlp.add_pipe("confident_only", after="attribution_rules")
    model = tmp_path / "confident"
    nlp.to_disk(model)
    documents = list(seed_documents().values())
    plain = {r.doc_id: r for r in suggest_records(documents)}
    filtered = {r.doc_id: r for r in suggest_records(documents, model=model)}
    assert plain.keys() == filtered.keys()
    kept = [a for record in filtered.values() for a in record.attributions]
    assert kept and all(a.score >= 0.8 for a in kept)
    assert len(kept) < sum(len(r.attributions) for r in plain.values())
    for doc_id, record in filtered.items():
        spans = {(a.content.start, a.content.end) for a in plain[doc_id].attributions}
        assert all((a.content.start, a.content.end) in spans for a in record.attributions)

"""Label Studio: our tasks and labeling config pass the checks of Label Studio's own SDK
(the interop venv, .ci/interop.sh; skipped without it), every annotation names its
annotator as the server's import requires (a member's id, or an object with an email),
and an export in Label Studio's own shape (annotators as user ids) comes back with each
annotator kept apart. Data: PolNeAR annotator-training, 4 articles by 6 annotators."""

from __future__ import annotations

import json

import pytest

from annotator.store import load_journals
from interop_support import run_script
from polnear_support import import_compartment, run_in_process


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    work = tmp_path_factory.mktemp("labelstudio-interop")
    corpus, journals = import_compartment("annotator-training", work)
    result = run_in_process("export", journals, "--corpus", corpus, "--format", "labelstudio",
                            "-o", work / "tasks.json", "--config", work / "config.xml")
    assert result.returncode == 0, result.stderr
    return work, corpus, journals


def test_label_studio_sdk_accepts_the_config_tasks_and_annotations(exported):
    work, _, _ = exported
    said = run_script("label_studio_sdk", "labelstudio_check.py", work / "tasks.json", work / "config.xml")
    assert said == {"config_errors": [], "task_errors": [], "annotation_errors": [], "checked": 24}, said


def test_completed_by_is_what_the_server_import_takes(exported):
    # The server's import (tasks/serializers.py, _insert_valid_completed_by) takes a member's
    # integer id or an object with an "email"; a bare name string is refused.
    work, _, journals = exported
    tasks = json.loads((work / "tasks.json").read_text(encoding="utf-8"))
    emails = {annotation["completed_by"]["email"] for task in tasks for annotation in task["annotations"]}
    names = {path.stem for path in journals.glob("*.jsonl")}
    assert emails == {f"{name}@annotator.invalid" for name in names}


def test_our_export_comes_back_with_each_annotator_apart(exported, tmp_path):
    work, _, journals = exported
    result = run_in_process("import", work / "tasks.json", "--format", "labelstudio",
                            "-o", tmp_path / "corpus.jsonl", "--annotations-out", tmp_path / "back")
    assert result.returncode == 0, result.stderr
    original = load_journals(sorted(journals.glob("*.jsonl"))).latest
    back = load_journals(sorted((tmp_path / "back").glob("*.jsonl"))).latest
    assert sorted(back) == sorted(original)
    for key, record in original.items():
        assert [(a.id, a.source, a.cue, a.content) for a in back[key].attributions] == [
            (a.id, a.source, a.cue, a.content) for a in record.attributions
        ]


def test_label_studios_own_export_shape_keeps_annotators_apart(exported, tmp_path):
    # Label Studio's JSON export names the annotator by user id (an integer); older ones
    # by an object with id and email.
    work, _, journals = exported
    tasks = json.loads((work / "tasks.json").read_text(encoding="utf-8"))
    ids = {name: number for number, name in enumerate(sorted(p.stem for p in journals.glob("*.jsonl")), start=1)}
    for task in tasks:
        for annotation in task["annotations"]:
            name = annotation["completed_by"]["email"].split("@")[0]
            annotation["completed_by"] = ids[name] if ids[name] % 2 else {"id": ids[name], "email": f"{name}@example.org"}
            del annotation["status"]  # the server keeps no such key
    (tmp_path / "export.json").write_text(json.dumps(tasks, indent=2), encoding="utf-8")
    result = run_in_process("import", tmp_path / "export.json", "--format", "labelstudio",
                            "-o", tmp_path / "corpus.jsonl", "--annotations-out", tmp_path / "back")
    assert result.returncode == 0, result.stderr
    names = sorted(path.stem for path in (tmp_path / "back").glob("*.jsonl"))
    expected = sorted(f"labelstudio-user-{n}" if n % 2 else f"{name}@example.org" for name, n in ids.items())
    assert names == expected and len(names) == 6
    back = load_journals(sorted((tmp_path / "back").glob("*.jsonl"))).latest
    assert len(back) == 24


def test_errors_in_a_pretty_printed_export_name_the_line_of_their_task(exported, tmp_path):
    work, _, _ = exported
    tasks = json.loads((work / "tasks.json").read_text(encoding="utf-8"))
    region = next(item for item in tasks[2]["annotations"][0]["result"] if item["type"] == "labels")
    region["value"]["start"] = True  # a boolean is not an offset (True == 1 to Python)
    pieces = [json.dumps(task, indent=2) for task in tasks]
    (tmp_path / "bad.json").write_text("[\n" + ",\n".join(pieces) + "\n]\n", encoding="utf-8")
    third_task_line = 2 + sum(piece.count("\n") + 1 for piece in pieces[:2])
    result = run_in_process("import", tmp_path / "bad.json", "--format", "labelstudio",
                            "-o", tmp_path / "corpus.jsonl", "--annotations-out", tmp_path / "back")
    assert result.returncode == 1
    assert f"bad.json:{third_task_line}: " in result.stderr, result.stderr
    assert "start must be an integer, not a boolean (True)" in result.stderr
    assert not (tmp_path / "corpus.jsonl").exists()

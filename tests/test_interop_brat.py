"""BRAT: our export read by BRAT's own server code (annotation.conf through its project
configuration reader, every .ann through its parser and annotation checks), BRAT's own
re-save read back by our import, and the .ann lines other BRAT files hold that used to
be misread: offsets in non-ASCII digits, fields separated by spaces, N lines with the tabs
BRAT's server adds. The BRAT-code tests skip without the interop venv (.ci/interop.sh)."""

from __future__ import annotations

import shutil

import pytest

from annotator.corpus import write_corpus_jsonl
from annotator.formats.brat import ANNOTATION_CONF, read_brat
from annotator.store import Journal, load_journals
from interop_support import run_script
from polnear_support import require_compartment, run_in_process

TEXT = "Officials said the camps are voluntary. Nobody else spoke."


def plain_brat(folder, ann: str, text: str = TEXT):
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "doc.txt").write_text(text, encoding="utf-8")
    (folder / "doc.ann").write_text(ann, encoding="utf-8")
    return folder


def import_brat(tmp_path, folder):
    return run_in_process("import", folder, "--format", "brat", "-o", tmp_path / "corpus.jsonl",
                          "--annotations-out", tmp_path / "ann")


@pytest.mark.parametrize("digits", ["٠ ٩", "0 ٩", "0 ²", "0 9\u200b"])
def test_offsets_in_other_digits_are_an_error_with_file_and_line(tmp_path, digits):
    folder = plain_brat(tmp_path / "in", f"T1\tCue 10 14\tsaid\nT2\tContent {digits}\tOfficials\n")
    result = import_brat(tmp_path, folder)
    assert result.returncode == 1
    assert f"{folder / 'doc.ann'}:2: bad offsets" in result.stderr, result.stderr
    assert not (tmp_path / "corpus.jsonl").exists()


def test_a_line_with_spaces_for_tabs_is_an_error_not_part_of_the_span_above(tmp_path):
    ann = (
        "T1\tContent 15 38\tthe camps are voluntary\n"
        "T2 Cue 10 14 said\n"  # typed with spaces: used to be glued onto T1's text
        "E1\tAttribution:T2 Content:T1\n"
    )
    folder = plain_brat(tmp_path / "in", ann)
    result = import_brat(tmp_path, folder)
    assert result.returncode == 1
    assert f"{folder / 'doc.ann'}:2: fields separated by spaces, not tabs" in result.stderr, result.stderr


def test_a_span_text_over_two_lines_still_continues(tmp_path):
    ann = "T1\tCue 10 14\tsaid\nT2\tContent 15 38\tthe camps are\nvoluntary\nT3\tAttribution 10 14\tsaid\n" \
          "E1\tAttribution:T3 Cue:T1 Content:T2\n"
    text = "Officials said the camps are\nvoluntary."
    imported = read_brat(plain_brat(tmp_path / "in", ann, text))
    (attribution,) = imported.records[0].attributions
    assert attribution.content.text == "the camps are\nvoluntary"


@pytest.mark.parametrize("tabs", ["\t", "\t\t", "\t\t\t\t"])
def test_n_lines_read_past_the_tabs_brat_adds(tmp_path, tabs):
    ann = (
        "T1\tSource 0 9\tOfficials\nT2\tCue 10 14\tsaid\nT3\tContent 15 38\tthe camps are voluntary\n"
        "T4\tAttribution 10 14\tsaid\nE1\tAttribution:T4 Source:T1 Cue:T2 Content:T3\n"
        f"N1\tReference E1 annotator:entity{tabs}Chinese officials\n"
    )
    imported = read_brat(plain_brat(tmp_path / "in", ann))
    assert imported.records[0].attributions[0].source_entity == "Chinese officials"


def test_duplicate_ids_of_any_kind_are_an_error(tmp_path):
    ann = "T1\tCue 10 14\tsaid\nT2\tContent 15 38\tthe camps are voluntary\nT3\tAttribution 10 14\tsaid\n" \
          "E1\tAttribution:T3 Cue:T1 Content:T2\nA1\tType E1 direct\nA1\tType E1 indirect\n"
    result = import_brat(tmp_path, plain_brat(tmp_path / "in", ann))
    assert result.returncode == 1 and "doc.ann:6: id A1 is used twice (first on line 5)" in result.stderr


def test_annotation_conf_lists_event_types_only_as_events():
    sections: dict[str, list[str]] = {}
    for line in ANNOTATION_CONF.splitlines():
        if line.startswith("["):
            current = sections.setdefault(line.strip("[]"), [])
        elif line.strip() and not line.startswith("#"):
            current.append(line.split("\t")[0])
    assert not set(sections["entities"]) & set(sections["events"])
    assert sections["events"] == ["Attribution", "Attribution-no-source"]


@pytest.fixture(scope="module")
def one_annotator_export(tmp_path_factory):
    """PolNeAR annotator-training, one annotator's four articles (with source entities
    added to some attributions), exported in BRAT's flat layout."""
    training = require_compartment("annotator-training")
    work = tmp_path_factory.mktemp("brat-interop")
    imported = read_brat(training)
    annotator = imported.records[0].annotator
    records = [record for record in imported.records if record.annotator == annotator]
    for record in records:
        for number, attribution in enumerate(record.attributions):
            if number % 3 == 0 and attribution.source is not None:
                attribution.source_entity = attribution.source.text.split("\n")[0][:30].strip() or "someone"
    write_corpus_jsonl(imported.documents, work / "corpus.jsonl")
    Journal(work / "journal.jsonl").append_many(records)
    result = run_in_process("export", work / "journal.jsonl", "--corpus", work / "corpus.jsonl",
                            "--format", "brat", "--brat-layout", "flat", "-o", work / "flat")
    assert result.returncode == 0, result.stderr
    return work, records


def test_brat_reads_our_export_without_a_warning_or_issue(one_annotator_export):
    work, records = one_annotator_export
    said = run_script("brat", "brat_check.py", work / "flat")
    assert said["messages"] == [], said["messages"]
    assert said["types"]["events"] == ["Attribution", "Attribution-no-source"]
    assert "Attribution" not in said["types"]["entities"]
    assert len(said["issues"]) == len(records) and not any(said["issues"].values()), said["issues"]


def test_what_brat_saves_comes_back_with_every_frame_and_entity(one_annotator_export, tmp_path):
    work, records = one_annotator_export
    saved = tmp_path / "saved"
    shutil.copytree(work / "flat", saved)
    for _ in range(2):  # opened and saved twice: BRAT adds a tab before each N text each time
        said = run_script("brat", "brat_check.py", saved, "--save")
        assert said["messages"] == [] and not any(said["issues"].values()), said
    assert any("\t\t\t" in path.read_text(encoding="utf-8") for path in saved.glob("*.ann"))
    result = run_in_process("import", saved, "--format", "brat", "--annotator", records[0].annotator,
                            "-o", tmp_path / "back.jsonl", "--annotations-out", tmp_path / "back")
    assert result.returncode == 0, result.stderr
    back = {record.doc_id: record for record in load_journals(sorted((tmp_path / "back").glob("*.jsonl"))).latest.values()}
    entities = 0
    for record in records:
        again = back[record.doc_id]
        assert [(a.source, a.cue, a.content, a.type, a.source_entity) for a in again.attributions] == [
            (a.source, a.cue, a.content, a.type, a.source_entity) for a in record.attributions
        ]
        entities += sum(1 for a in record.attributions if a.source_entity)
    assert entities > 10

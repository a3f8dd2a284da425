"""The CLI as a demanding user meets it: hostile files, hostile text, odd output paths.

Every bad input must give one line naming the file (and line) and the problem, a
non-zero exit and no output or temporary file; text from user files (ids, annotator
names, keys, titles) is data: never rich markup, never terminal escape sequences.
Runs ``annotator.cli.main`` in process, as the console script does.
"""

from __future__ import annotations

import hashlib
import json
import os
import stat
import threading
from pathlib import Path

import pytest

from cli_support import run, write_jsonl

ESCAPES = "\x1b]0;pwned\x07\x1b[2J"
TEXT = "Officials said the camps are voluntary. Nobody else spoke."


def corpus_of(path: Path, ids, text: str = TEXT) -> Path:
    return write_jsonl(path, [{"id": doc_id, "text": text + " " + doc_id} for doc_id in ids])


def journal_of(path: Path, annotator: str, ids, text: str = TEXT) -> Path:
    records = []
    for doc_id in ids:
        full = text + " " + doc_id
        records.append({
            "schema_version": 1, "doc_id": doc_id, "annotator": annotator, "status": "done",
            "updated_at": "2026-01-01T00:00:00Z", "text_sha1": hashlib.sha1(full.encode()).hexdigest(),
            "attributions": [{"id": "a1", "content": {"start": 15, "end": 38, "text": full[15:38]}}],
        })
    return write_jsonl(path, records)


def leftovers(folder: Path) -> list[str]:
    return sorted(path.name for path in folder.iterdir() if path.name.startswith("."))


# ---------------------------------------------------------------- output paths


def test_output_path_that_is_a_folder_is_named_not_a_temp_file(tmp_path, capsys):
    corpus = corpus_of(tmp_path / "c.jsonl", ["d1"])
    (tmp_path / "out").mkdir()
    code, _, err = run(capsys, "import", corpus, "-o", tmp_path / "out")
    assert code == 1
    assert err.strip() == f"annotator: error: {tmp_path / 'out'}: is a folder, expected a file name to write"
    assert leftovers(tmp_path) == []


def test_output_through_a_symlink_keeps_the_link(tmp_path, capsys):
    corpus = corpus_of(tmp_path / "c.jsonl", ["d1"])
    target = tmp_path / "real.jsonl"
    target.write_text("old\n")
    (tmp_path / "link.jsonl").symlink_to(target.name)
    code, _, err = run(capsys, "import", corpus, "-o", tmp_path / "link.jsonl")
    assert code == 0, err
    assert (tmp_path / "link.jsonl").is_symlink()
    assert json.loads(target.read_text())["id"] == "d1"


def test_output_to_a_pipe_writes_into_it_and_leaves_the_pipe(tmp_path, capsys):
    # As with -o /dev/stdout: renaming a temp file over a device or pipe would replace
    # the node itself (run as root, -o /dev/null once replaced /dev/null).
    corpus = corpus_of(tmp_path / "c.jsonl", ["d1"])
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    received: list[bytes] = []
    reader = threading.Thread(target=lambda: received.append(fifo.read_bytes()), daemon=True)
    reader.start()
    code, _, err = run(capsys, "import", corpus, "-o", fifo)
    if stat.S_ISFIFO(fifo.lstat().st_mode):
        reader.join(timeout=10)
    else:  # the pipe was replaced: unblock the reader's open() of the old node
        pytest.fail("the output pipe was replaced by a regular file")
    assert code == 0, err
    assert received and json.loads(received[0])["id"] == "d1"


def test_new_output_files_are_readable_by_the_team(tmp_path, capsys):
    # mkstemp creates 0600 files: a corpus or export only its writer could read.
    corpus = corpus_of(tmp_path / "c.jsonl", ["d1"])
    old = os.umask(0o022)
    try:
        code, _, err = run(capsys, "import", corpus, "-o", tmp_path / "out.jsonl")
    finally:
        os.umask(old)
    assert code == 0, err
    assert stat.S_IMODE((tmp_path / "out.jsonl").stat().st_mode) == 0o644
    (tmp_path / "out.jsonl").chmod(0o640)
    run(capsys, "import", corpus, "-o", tmp_path / "out.jsonl")
    assert stat.S_IMODE((tmp_path / "out.jsonl").stat().st_mode) == 0o640  # kept on replace


# ---------------------------------------------------------------- untrusted text


def test_escape_sequences_in_a_key_never_reach_the_terminal(tmp_path, capsys):
    bad = write_jsonl(tmp_path / "c.jsonl", [{"id": "d1", "text": "x", ESCAPES: 1}])
    code, out, err = run(capsys, "validate", bad)
    assert code == 1 and "\x1b" not in out + err and "\x07" not in out + err
    assert f"{bad}:1: \\x1b]0;pwned\\x07\\x1b[2J: Extra inputs are not permitted" in out
    code, out, err = run(capsys, "import", bad, "-o", tmp_path / "out.jsonl")
    assert code == 1 and "\x1b" not in err and err.count("\n") == 1
    assert not (tmp_path / "out.jsonl").exists()


@pytest.mark.parametrize("name", ["[/]", "[bold red]x", "[@click=app.quit]q", ESCAPES])
def test_evaluate_prints_annotator_names_as_text(tmp_path, capsys, name):
    corpus = corpus_of(tmp_path / "c.jsonl", ["d1", "d2"])
    pred = journal_of(tmp_path / "pred.jsonl", name, ["d1", "d2"])
    gold = journal_of(tmp_path / "gold.jsonl", "bob", ["d1", "d2"])
    code, out, err = run(capsys, "evaluate", pred, gold, "--corpus", corpus, "--bootstrap", "0")
    assert code == 0, err
    assert "\x1b" not in out
    if "\x1b" not in name:
        assert f"predicted: {name} (2)" in " ".join(out.split())  # rich may wrap the line


def test_evaluate_refuses_an_empty_prediction_file(tmp_path, capsys):
    corpus = corpus_of(tmp_path / "c.jsonl", ["d1"])
    gold = journal_of(tmp_path / "gold.jsonl", "bob", ["d1"])
    (tmp_path / "pred.jsonl").write_text("")
    code, out, err = run(capsys, "evaluate", tmp_path / "pred.jsonl", gold, "--corpus", corpus)
    assert code == 1 and out == ""
    assert f"{tmp_path / 'pred.jsonl'}: no predictions found" in err


def test_an_internal_error_is_one_line(capsys, monkeypatch):
    # A bug surfacing as a multi-line exception (pydantic's) still prints one line.
    from pydantic import BaseModel, ValidationError

    class Model(BaseModel):
        a: int
        b: int

    try:
        Model.model_validate({})
    except ValidationError as error:
        failure = error

    def broken(*_args, **_kwargs):
        raise failure

    monkeypatch.setattr("annotator.cli.app", broken)
    monkeypatch.delenv("ANNOTATOR_DEBUG", raising=False)
    code, _, err = run(capsys, "validate", "x")
    assert code == 1 and err.count("\n") == 1 and err.startswith("annotator: internal error: ValidationError")


# ---------------------------------------------------------------- import: other tools' files


def import_annotated(capsys, tmp_path, source: Path, fmt: str) -> tuple[int, str]:
    code, out, err = run(capsys, "import", source, "--format", fmt, "-o", tmp_path / "out.jsonl",
                         "--annotations-out", tmp_path / "ann")
    assert not (tmp_path / "out.jsonl").exists() and not (tmp_path / "ann").exists() or code == 0
    return code, err


@pytest.mark.parametrize(
    ("fmt", "line", "expected"),
    [
        ("prodigy", {"text": TEXT, "spans": 1.5}, "'spans' must be a list, not float"),
        ("prodigy", {"text": TEXT, "relations": {"a": 1}}, "'relations' must be a list, not dict"),
        ("prodigy", {"text": TEXT, "_timestamp": 1e30}, "_timestamp 1e+30 is not a time in seconds"),
        ("doccano", {"text": TEXT, "entities": True}, "'entities' must be a list, not bool"),
        ("doccano", {"text": TEXT, "relations": 3}, "'relations' must be a list, not int"),
        ("doccano", {"text": TEXT, "entities": [{"id": {"x": 1}, "label": "CUE", "start_offset": 0,
                                                 "end_offset": 3}]}, "bad entity"),
    ],
)
def test_odd_shapes_in_prodigy_and_doccano_lines_name_file_and_line(tmp_path, capsys, fmt, line, expected):
    source = write_jsonl(tmp_path / "in.jsonl", [{"text": TEXT}, line])
    code, err = import_annotated(capsys, tmp_path, source, fmt)
    assert code == 1
    assert err.startswith(f"annotator: error: {source}:2: ") and expected in err, err
    assert "internal error" not in err


@pytest.mark.parametrize(
    ("annotations", "expected"),
    [
        (5, "task 1: 'annotations' must be a list, not int"),
        ([{"result": "x"}], "'result' must be a list, not str"),
        ([{"result": [{"id": "r1", "type": "labels", "value": {"start": 0, "end": 3, "labels": 7}}]}],
         "region 'r1' in task 'd1' has no label"),
    ],
)
def test_odd_shapes_in_label_studio_tasks_are_errors(tmp_path, capsys, annotations, expected):
    source = tmp_path / "tasks.json"
    source.write_text(json.dumps([{"id": 1, "data": {"text": TEXT, "doc_id": "d1"}, "annotations": annotations}]))
    code, err = import_annotated(capsys, tmp_path, source, "labelstudio")
    assert code == 1 and expected in err and "internal error" not in err, err


def test_label_studio_odd_labels_status_and_choices_are_read_not_crashed_on(tmp_path, capsys):
    result = [
        {"id": "a1", "type": "labels", "value": {"start": 15, "end": 38, "labels": ["CONTENT"]}},
        {"id": "c1", "type": "labels", "value": {"start": 0, "end": 9, "labels": ["CUE"]}},
        {"from_id": "a1", "to_id": "c1", "type": "relation", "labels": 3},
        {"id": "a1", "type": "choices", "from_name": "type", "value": {"choices": 5}},
    ]
    source = tmp_path / "tasks.json"
    source.write_text(json.dumps([{"data": {"text": TEXT, "doc_id": "d1"},
                                   "annotations": [{"result": result, "status": ["done"]}]}]))
    code, err = import_annotated(capsys, tmp_path, source, "labelstudio")
    assert code == 0, err
    record = json.loads((tmp_path / "ann" / "labelstudio.jsonl").read_text())
    assert [a["content"]["text"] for a in record["attributions"]] == [TEXT[15:38]]


def docbin_with_user_data(path: Path, user_data: dict) -> Path:
    import spacy
    from spacy.tokens import DocBin

    doc = spacy.blank("en")(TEXT)
    doc.user_data.update(user_data)
    docbin = DocBin(store_user_data=True)
    docbin.add(doc)
    path.write_bytes(docbin.to_bytes())
    return path


@pytest.mark.parametrize(
    ("user_data", "expected"),
    [
        ({"annotator.document": "not json"}, "doc 1: user_data['annotator.document'] is not the JSON object"),
        ({"annotator.document": "[1, 2]"}, "doc 1: user_data['annotator.document'] is not the JSON object"),
        ({"annotator.document": '{"meta": {}}'}, "doc 1: id: Input should be a valid string"),
        ({"annotator.document": '{"id": "d1", "meta": {}}', "annotator.record": '{"doc_id": 5}'},
         "doc 1: doc_id: Input should be a valid string"),
    ],
)
def test_a_docbin_with_foreign_user_data_is_a_one_line_error(tmp_path, capsys, user_data, expected):
    source = docbin_with_user_data(tmp_path / "in.spacy", user_data)
    code, err = import_annotated(capsys, tmp_path, source, "spacy")
    assert code == 1 and err.count("\n") == 1, err
    assert err.startswith(f"annotator: error: {source}: {expected}"), err


def brat_folder(tmp_path: Path, ann: str) -> Path:
    folder = tmp_path / "brat"
    folder.mkdir()
    (folder / "doc.txt").write_text(TEXT, encoding="utf-8")
    (folder / "doc.ann").write_text(ann, encoding="utf-8")
    return folder


def test_brat_duplicate_ids_name_the_line(tmp_path, capsys):
    ann = "T1\tContent 0 9\tOfficials\nE1\tAttribution:T1 Content:T1\nE1\tAttribution:T1 Content:T1\n"
    folder = brat_folder(tmp_path, ann)
    code, err = import_annotated(capsys, tmp_path, folder, "brat")
    assert code == 1
    assert err.strip() == f"annotator: error: {folder / 'doc.ann'}:3: id E1 is used twice (first on line 2)"


def test_brat_metadata_that_is_not_utf8_names_file_and_line(tmp_path, capsys):
    folder = brat_folder(tmp_path, "T1\tContent 0 9\tOfficials\nE1\tAttribution:T1 Content:T1\n")
    (folder / "metadata.tsv").write_bytes(b"filename\ttitle\ndoc\t\xff\n")
    code, err = import_annotated(capsys, tmp_path, folder, "brat")
    assert code == 1 and err.startswith(f"annotator: error: {folder / 'metadata.tsv'}:2: not UTF-8"), err


def test_brat_warnings_never_carry_escape_sequences(tmp_path, capsys):
    folder = brat_folder(tmp_path, f"T1\tContent 0 9\tOfficials\nE1\tAttribution:T1 Content:T1 Cue:{ESCAPES}\n")
    code, err = import_annotated(capsys, tmp_path, folder, "brat")
    assert code == 0 and "cannot map argument" in err and "\x1b" not in err and "\x07" not in err


def test_import_never_writes_into_a_folder_it_reads(tmp_path, capsys):
    # Written there, the corpus could replace a source article (-o articles/a.txt) and
    # would be read back as a source by the same command run again.
    folder = tmp_path / "articles"
    folder.mkdir()
    (folder / "a.txt").write_text("A headline here\n\nOfficials said the camps are voluntary.\n")
    (folder / "b.txt").write_text("Another one.\n")
    before = {path.name: path.read_bytes() for path in folder.iterdir()}
    attempts = (
        (folder / "corpus.jsonl", "auto", f"the output is inside the input folder {folder}"),
        (folder / "a.txt", "text", "refusing to overwrite an input file (-o)"),
        (folder / "a.txt", "brat", "refusing to overwrite an input file (-o)"),
    )
    for out, fmt, expected in attempts:
        code, _, err = run(capsys, "import", folder, "--format", fmt, "-o", out, "--annotations-out", tmp_path / "ann")
        assert code == 1 and expected in err, err
        assert {path.name: path.read_bytes() for path in folder.iterdir()} == before


# ---------------------------------------------------------------- export


def test_export_with_every_record_left_out_fails_and_keeps_the_previous_output(tmp_path, capsys):
    corpus = corpus_of(tmp_path / "c.jsonl", ["d1"])
    journal = journal_of(tmp_path / "j.jsonl", "bob", ["elsewhere"])  # not in the corpus
    for fmt, out in (("jsonl", "out.jsonl"), ("spacy", "out.spacy"), ("brat", "out-brat")):
        target = tmp_path / out
        if fmt == "brat":
            target.mkdir()
            (target / "keep").write_text("previous")
            extra = ["--overwrite"]
        else:
            target.write_text("previous")
            extra = []
        code, _, err = run(capsys, "export", journal, "--corpus", corpus, "-f", fmt, "-o", target, *extra)
        assert code == 1, fmt
        assert "nothing to export: every record was left out (1 records whose document is not in the corpus)" in err
        assert (target / "keep" if fmt == "brat" else target).read_text() == "previous"
    assert leftovers(tmp_path) == []


def test_brat_export_of_an_id_too_long_for_a_file_name(tmp_path, capsys):
    long_id = "x" * 300
    corpus = corpus_of(tmp_path / "c.jsonl", [long_id])
    journal = journal_of(tmp_path / "j.jsonl", "bob", [long_id])
    code, _, err = run(capsys, "export", journal, "--corpus", corpus, "-f", "brat", "-o", tmp_path / "out")
    assert code == 1 and "at most 255 bytes fit" in err and ".tmp" not in err, err
    assert not (tmp_path / "out").exists() and leftovers(tmp_path) == []


def test_brat_export_keeps_hostile_ids_inside_the_output_folder(tmp_path, capsys):
    ids = ["../../escape", "/abs/x", "..", ".hidden", "a\\b"]
    corpus = corpus_of(tmp_path / "c.jsonl", ids)
    journal = journal_of(tmp_path / "j.jsonl", "bob", ids)
    for layout in ("polnear", "flat"):
        out = tmp_path / "nest" / layout
        out.parent.mkdir(exist_ok=True)
        code, _, err = run(capsys, "export", journal, "--corpus", corpus, "-f", "brat", "-o", out,
                           "--brat-layout", layout)
        assert code == 0, err
        written = [path for path in out.rglob("*") if path.is_file()]
        assert all(path.resolve().is_relative_to(out.resolve()) for path in written)
        assert not any(name.startswith(".") for path in written for name in path.relative_to(out).parts)
    assert sorted(path.name for path in tmp_path.iterdir()) == ["c.jsonl", "j.jsonl", "nest"]


def test_conll_keeps_an_annotator_name_on_its_comment_line(tmp_path, capsys):
    corpus = corpus_of(tmp_path / "c.jsonl", ["d1"])
    journal = journal_of(tmp_path / "j.jsonl", "bob\n-DOCSTART-", ["d1"])
    code, _, err = run(capsys, "export", journal, "--corpus", corpus, "-f", "conll", "-o", tmp_path / "out")
    assert code == 0, err
    lines = (tmp_path / "out" / "attributions.conll").read_text().splitlines()
    assert '# annotator = "bob\\n-DOCSTART-"' in lines and not any(line.startswith("-DOCSTART-") for line in lines)
    assert (tmp_path / "out" / "cue.conll").read_text().splitlines().count("-DOCSTART- -X- O O") == 1


def test_import_never_replaces_an_annotators_journal(tmp_path, capsys):
    folder = brat_folder(tmp_path, "T1\tContent 0 9\tOfficials\nE1\tAttribution:T1 Content:T1\n")
    live = tmp_path / "annotations"
    live.mkdir()
    (live / "brat.jsonl").write_text("her work\n")
    code, _, err = run(capsys, "import", folder, "--format", "brat", "-o", tmp_path / "c.jsonl",
                       "--annotations-out", live)
    assert code == 1 and f"{live / 'brat.jsonl'}: a journal with other content is already there" in err
    assert (live / "brat.jsonl").read_text() == "her work\n" and not (tmp_path / "c.jsonl").exists()
    fresh = tmp_path / "fresh"
    for _ in range(2):  # the same import again writes the same bytes: allowed
        code, _, err = run(capsys, "import", folder, "--format", "brat", "-o", tmp_path / "c.jsonl",
                           "--annotations-out", fresh)
        assert code == 0, err


def test_import_refuses_a_corpus_that_is_also_a_journal(tmp_path, capsys):
    folder = brat_folder(tmp_path, "T1\tContent 0 9\tOfficials\nE1\tAttribution:T1 Content:T1\n")
    code, _, err = run(capsys, "import", folder, "--format", "brat", "-o", tmp_path / "ann" / "brat.jsonl",
                       "--annotations-out", tmp_path / "ann")
    assert code == 1 and "would be the same file" in err and not (tmp_path / "ann").exists()


def test_export_uses_the_latest_valid_line_like_every_other_command(tmp_path, capsys):
    # An invalid last line (valid JSON, wrong shape) must not hide the record before it:
    # the journal store, evaluate and agree all take the latest *valid* line.
    corpus = corpus_of(tmp_path / "c.jsonl", ["d1"])
    journal = journal_of(tmp_path / "j.jsonl", "bob", ["d1"])
    broken = json.loads(journal.read_text())
    broken["attributions"] = "not a list"
    with journal.open("a") as stream:
        stream.write(json.dumps(broken) + "\n")
    code, out, err = run(capsys, "export", journal, "--corpus", corpus, "-f", "jsonl", "-o", tmp_path / "out.jsonl")
    assert code == 0, err
    exported = json.loads((tmp_path / "out.jsonl").read_text())
    assert [frame["id"] for frame in exported["frames"]] == ["a1"]
    assert f"{journal}:2: attributions: Input should be a valid list (an earlier line is used)" in err


def test_export_never_overwrites_its_inputs_or_one_output_with_another(tmp_path, capsys):
    corpus = corpus_of(tmp_path / "c.jsonl", ["d1"])
    journals = tmp_path / "annotations"
    journals.mkdir()
    journal = journal_of(journals / "bob.jsonl", "bob", ["d1"])
    kept = {path: path.read_bytes() for path in (corpus, journal)}
    attempts = [
        (["-f", "jsonl", "-o", journal], "refusing to overwrite an input file (-o)"),  # inside a folder input
        (["-f", "labelstudio", "-o", tmp_path / "ls.json", "--config", corpus], "input file (--config)"),
        (["-f", "spacy", "-o", tmp_path / "t.spacy", "--dev-out", corpus], "input file (--dev-out)"),
        (["-f", "spacy", "-o", tmp_path / "t.spacy", "--dev-out", tmp_path / "t.spacy"],
         "-o and --dev-out name the same file"),
        (["-f", "spacy", "-o", tmp_path / "t.spacy", "--config", tmp_path / "t.spacy"],
         "-o and --config name the same file"),
        (["-f", "brat", "-o", tmp_path, "--overwrite"], "refusing to replace a folder that holds an input"),
    ]
    for options, expected in attempts:
        code, _, err = run(capsys, "export", journals, "--corpus", corpus, *options)
        assert code == 1 and expected in err, (options, err)
        assert {path: path.read_bytes() for path in kept} == kept
    assert sorted(path.name for path in tmp_path.iterdir()) == ["annotations", "c.jsonl"]


def test_sharded_docbins_never_replace_a_folder_of_other_files(tmp_path, capsys):
    corpus = corpus_of(tmp_path / "c.jsonl", ["d1"])
    journal = journal_of(tmp_path / "j.jsonl", "bob", ["d1"])
    annotations = tmp_path / "annotations"
    annotations.mkdir()
    (annotations / "alice.jsonl").write_text("her work\n")
    for options in (["-o", annotations], ["-o", tmp_path / "train", "--dev-out", annotations]):
        code, _, err = run(capsys, "export", journal, "--corpus", corpus, "-f", "spacy", "--shard-size", "2", *options)
        assert code == 1 and "holds files other than DocBin parts (alice.jsonl)" in err, err
        assert (annotations / "alice.jsonl").read_text() == "her work\n"
    assert sorted(path.name for path in tmp_path.iterdir()) == ["annotations", "c.jsonl", "j.jsonl"]
    shards = tmp_path / "shards"
    for _ in range(2):  # a previous shard folder is replaced
        code, _, err = run(capsys, "export", journal, "--corpus", corpus, "-f", "spacy", "--shard-size", "2", "-o", shards)
        assert code == 0, err
    assert [path.name for path in shards.iterdir()] == ["part-00000.spacy"]


def test_a_duplicate_id_in_one_corpus_file_names_both_lines(tmp_path, capsys):
    corpus = write_jsonl(tmp_path / "c.jsonl", [{"id": "a", "text": "one"}, {"id": "b", "text": "two"},
                                                {"id": "a", "text": "three"}])
    code, _, err = run(capsys, "import", corpus, "-o", tmp_path / "out.jsonl")
    assert code == 1
    assert err.strip() == f"annotator: error: {corpus}:3: duplicate document id 'a' (first on line 1)"


def test_an_annotator_name_that_would_escape_the_journal_folder_names_the_input(tmp_path, capsys):
    folder = tmp_path / "brat"
    folder.mkdir()
    (folder / "doc.txt").write_text(TEXT)
    (folder / "doc_%2E%2E%2Fevil.ann").write_text("T1\tContent 0 9\tOfficials\nE1\tAttribution:T1 Content:T1\n")
    prodigy = write_jsonl(tmp_path / "tasks.jsonl", [{"text": TEXT, "_annotator_id": "../evil"}])
    for source, fmt in ((folder, "brat"), (prodigy, "prodigy")):
        code, err = import_annotated(capsys, tmp_path, source, fmt)
        assert code == 1 and err.startswith(f"annotator: error: {source}: annotator name '../evil' must be"), err
    assert sorted(path.name for path in tmp_path.iterdir()) == ["brat", "tasks.jsonl"]


def test_a_corrupt_byte_spoils_its_journal_line_not_the_journal(tmp_path, capsys):
    # A killed writer can cut a multi-byte character in half: that torn line is set
    # aside like any torn line, and every other line still counts.
    corpus = corpus_of(tmp_path / "c.jsonl", ["d1", "d2"])
    journal = journal_of(tmp_path / "bob.jsonl", "bob", ["d1", "d2"])
    lines = journal.read_bytes().splitlines(keepends=True)
    journal.write_bytes(lines[0] + b'{"note": "caf\xc3' + b"\n" + lines[1] + '{"doc_id": "caf\u00e9'.encode()[:-1])
    code, out, err = run(capsys, "stats", journal, "--json")
    assert code == 0, err
    assert json.loads(out)["annotators"]["bob"]["done"] == 2
    assert f"{journal}:2: not UTF-8: byte 0xc3 at column 14 (line ignored)" in err
    assert f"{journal}:4: torn last line (the writer stopped mid-line) (line ignored)" in err
    code, _, err = run(capsys, "evaluate", journal, journal, "--corpus", corpus, "--bootstrap", "0")
    assert code == 0, err


def test_training_jsonl_frame_with_a_negative_span_index_is_refused(tmp_path, capsys):
    corpus = corpus_of(tmp_path / "c.jsonl", ["d1"])
    journal = journal_of(tmp_path / "j.jsonl", "bob", ["d1"])
    assert run(capsys, "export", journal, "--corpus", corpus, "-f", "jsonl", "-o", tmp_path / "t.jsonl")[0] == 0
    example = json.loads((tmp_path / "t.jsonl").read_text())
    example["frames"][0]["content"] = [-1]  # Python would quietly take the last span
    source = write_jsonl(tmp_path / "t.jsonl", [example])
    code, err = import_annotated(capsys, tmp_path, source, "jsonl")
    assert code == 1 and f"{source}:1: frame 'a1' names a span that does not exist" in err, err


@pytest.fixture
def unwritable_folder(tmp_path):
    """A folder no file can be created in (root ignores permissions: /proc stands in)."""
    if os.geteuid() != 0:
        folder = tmp_path / "locked"
        folder.mkdir()
        folder.chmod(0o500)
        yield folder
        folder.chmod(0o700)
    elif Path("/proc/self").is_dir():
        yield Path("/proc")
    else:
        pytest.skip("running as root without /proc: no folder refuses new files")


def test_an_unwritable_output_folder_is_named_not_a_temp_file(tmp_path, capsys, unwritable_folder):
    corpus = corpus_of(tmp_path / "c.jsonl", ["d1"])
    journal = journal_of(tmp_path / "j.jsonl", "bob", ["d1"])
    attempts = [
        ("import", corpus, "-o", unwritable_folder / "out.jsonl"),
        ("export", journal, "--corpus", corpus, "-f", "brat", "-o", unwritable_folder / "brat"),
    ]
    for argv in attempts:
        code, _, err = run(capsys, *argv)
        assert code == 1 and err.startswith(f"annotator: error: {unwritable_folder}: cannot write into this folder"), err
        assert ".tmp" not in err


def test_output_to_stdout_holds_only_the_data(tmp_path, cli):
    # `annotator import ... -o /dev/stdout | tool`: the summary goes to stderr, not into the corpus.
    corpus = corpus_of(tmp_path / "c.jsonl", ["d1", "d2"])
    journal = journal_of(tmp_path / "j.jsonl", "bob", ["d1", "d2"])
    imported = cli("import", corpus, "-o", "/dev/stdout")
    exported = cli("export", journal, "--corpus", corpus, "-f", "jsonl", "-o", "/dev/stdout")
    for result, summary in ((imported, "2 document(s)"), (exported, "2 example(s)")):
        assert result.returncode == 0, result.stderr
        assert [json.loads(line)["id"] for line in result.stdout.splitlines()] == ["d1", "d2"]
        assert f"/dev/stdout: {summary}" in result.stderr

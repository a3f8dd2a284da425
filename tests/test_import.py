"""Article import: the seeds as they are, provenance, determinism, other sources, bad input."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import orjson
import pytest

from annotator.corpus import collect_documents, load_corpus
from annotator.corpus.news import read_news
from annotator.corpus.plaintext import read_plaintext
from annotator.errors import AnnotatorError

SEED_FILES = [
    "000_302df5bc7456bd44.txt",
    "001_dabc97afffdf97f2.txt",
    "002_39918703c227bfd8.txt",
    "003_4884a3d5c624c0b6.txt",
    "004_3689a5d9b184db94.txt",
]


def read_lines(path: Path) -> list[dict]:
    return [orjson.loads(line) for line in path.read_bytes().splitlines()]


def test_seed_folder_holds_the_five_seed_files(seeds_dir):
    assert sorted(path.name for path in seeds_dir.iterdir()) == SEED_FILES


def test_seeds_import_into_six_documents_with_exact_provenance(cli, tmp_path, seeds_dir):
    out = tmp_path / "corpus.jsonl"
    result = cli("import", "seeds", "-o", out)
    assert result.returncode == 0, result.stderr
    assert "6 document(s) from 5 file(s)" in result.stdout
    documents = read_lines(out)
    assert len(documents) == 6
    for document in documents:
        source = document["meta"]["source"]
        file_text = (seeds_dir.parent / source["path"]).read_bytes().decode("utf-8")
        assert file_text[source["start"] : source["end"]] == document["text"]
    ids = [document["id"] for document in documents]
    assert len(set(ids)) == 6
    assert ids[:2] == ["000_302df5bc7456bd44-1", "000_302df5bc7456bd44-2"]


def test_import_is_deterministic(cli, tmp_path):
    first, second = tmp_path / "a.jsonl", tmp_path / "b.jsonl"
    assert cli("import", "seeds", "-o", first).returncode == 0
    assert cli("import", "seeds", "-o", second).returncode == 0
    assert first.read_bytes() == second.read_bytes()


def test_the_two_articles_of_seed_000_split_at_the_second_headline(seeds_dir):
    first, second = read_news(seeds_dir / SEED_FILES[0])
    assert first.meta.title == "Pakistan PM visits China’s Xinjiang, calls it a ‘milestone’ in bilateral ties"
    assert first.meta.date == date(2023, 10, 20)  # "Updated 20 October 2023"
    assert first.text.rstrip().endswith("Xinjiang Islamic Institutev.")
    assert second.meta.title == "Security forces kill four militants in Pakistan’s volatile southwest, military says"
    assert second.meta.date is None  # "Updated 5 sec ago" names no date
    assert second.text.startswith(second.meta.title)
    assert "“Indian-sponsored militants”" in second.text and "Indian-sponsored" not in first.text


def test_date_marker_is_metadata_not_text(seeds_dir):
    (document,) = read_news(seeds_dir / SEED_FILES[1])
    assert document.meta.date == date(2023, 10, 20)
    assert document.text.startswith("URUMQI- Caretaker Prime Minister")
    assert document.meta.source.start == len(" date 2023-10-20 ")
    assert "آج جمعہ کی نماز" in document.text  # the Urdu passage is kept as is


def test_dateline_gives_the_date_and_headline_the_title(seeds_dir):
    (wai,) = read_news(seeds_dir / SEED_FILES[3])
    assert wai.meta.date == date(2023, 10, 20)  # "Beijing, 20 October 2023 (WAI):"
    assert wai.meta.title is None  # starts with a dateline, not a headline
    (reuters,) = read_news(seeds_dir / SEED_FILES[4])
    assert reuters.meta.title.startswith("Pakistan, China defence ties vital")
    assert reuters.meta.date == date(2024, 8, 27)
    (caption,) = read_news(seeds_dir / SEED_FILES[2])
    assert caption.meta.title is None  # a photo caption is not a headline


def test_plain_text_and_folders_and_corpus_jsonl(tmp_path, cli):
    folder = tmp_path / "articles"
    (folder / "sub").mkdir(parents=True)
    (folder / "b.txt").write_text("\n\n  Second article, said nobody.\n", encoding="utf-8")
    (folder / "sub" / "a.txt").write_text("First article text.", encoding="utf-8")
    documents = collect_documents([folder], "text")
    assert [doc.id for doc in documents] == ["b", "a"]  # sorted by path: b.txt < sub/a.txt
    assert documents[0].text == "Second article, said nobody."
    (only,) = read_plaintext(folder / "b.txt")
    assert only.meta.source.start == 4
    corpus = tmp_path / "corpus.jsonl"
    assert cli("import", folder, "--format", "text", "-o", corpus).returncode == 0
    again = tmp_path / "again.jsonl"
    result = cli("import", corpus, "-o", again)
    assert result.returncode == 0, result.stderr
    assert again.read_bytes() == corpus.read_bytes()
    assert [doc.id for doc in load_corpus(corpus)] == ["b", "a"]


def test_crlf_text_keeps_exact_offsets(tmp_path):
    path = tmp_path / "crlf.txt"
    path.write_bytes(b"Headline here today\r\n\r\nBody, he said.\r\n")
    (document,) = read_news(path)
    raw = path.read_bytes().decode("utf-8")
    assert raw[document.meta.source.start : document.meta.source.end] == document.text
    assert "\r\n" in document.text


# --- bad input: one line naming the file (and line), non-zero exit, no output file ---


def assert_clean_failure(result, out: Path, *fragments: str) -> None:
    assert result.returncode != 0
    assert "Traceback" not in result.stderr
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    for fragment in fragments:
        assert fragment in lines[0], lines[0]
    assert not out.exists()
    assert not [p for p in out.parent.iterdir() if p.name.startswith(f".{out.name}")]


def test_missing_input(cli, tmp_path):
    out = tmp_path / "out.jsonl"
    assert_clean_failure(cli("import", tmp_path / "nope.txt", "-o", out), out, "nope.txt", "no such file")


def test_not_utf8(cli, tmp_path):
    bad = tmp_path / "latin1.txt"
    bad.write_bytes("Caf\xe9 said the owner\nsecond line\n".encode("latin-1"))
    out = tmp_path / "out.jsonl"
    assert_clean_failure(cli("import", bad, "-o", out), out, "latin1.txt:1", "not UTF-8")


def test_invalid_json_in_corpus_names_the_line(cli, tmp_path):
    corpus = tmp_path / "in.jsonl"
    corpus.write_text('{"id": "a", "text": "fine"}\n{"id": "b", "text": \n', encoding="utf-8")
    out = tmp_path / "out.jsonl"
    assert_clean_failure(cli("import", corpus, "-o", out), out, "in.jsonl:2", "invalid JSON")


def test_wrong_field_type_in_corpus(cli, tmp_path):
    corpus = tmp_path / "in.jsonl"
    corpus.write_text('{"id": "a", "text": 42}\n', encoding="utf-8")
    out = tmp_path / "out.jsonl"
    assert_clean_failure(cli("import", corpus, "-o", out), out, "in.jsonl:1", "text")


def test_bad_source_offsets_in_corpus(cli, tmp_path):
    corpus = tmp_path / "in.jsonl"
    row = {"id": "a", "text": "abc", "meta": {"source": {"path": "x.txt", "start": 9, "end": 2}}}
    corpus.write_bytes(orjson.dumps(row) + b"\n")
    out = tmp_path / "out.jsonl"
    assert_clean_failure(cli("import", corpus, "-o", out), out, "in.jsonl:1", "after end")


def test_duplicate_document_ids(cli, tmp_path):
    (tmp_path / "one").mkdir()
    (tmp_path / "two").mkdir()
    (tmp_path / "one" / "same.txt").write_text("A said B.", encoding="utf-8")
    (tmp_path / "two" / "same.txt").write_text("C said D.", encoding="utf-8")
    out = tmp_path / "out.jsonl"
    result = cli("import", tmp_path / "one", tmp_path / "two", "-o", out)
    assert_clean_failure(result, out, "duplicate document id 'same'", "two/same.txt")


def test_empty_input(cli, tmp_path):
    empty = tmp_path / "empty.txt"
    empty.write_text("   \n\n", encoding="utf-8")
    out = tmp_path / "out.jsonl"
    assert_clean_failure(cli("import", empty, "-o", out), out, "empty input")


def test_failed_import_keeps_the_previous_output(cli, tmp_path):
    out = tmp_path / "corpus.jsonl"
    out.write_text("previous\n", encoding="utf-8")
    result = cli("import", tmp_path / "missing", "-o", out)
    assert result.returncode != 0
    assert out.read_text(encoding="utf-8") == "previous\n"


def test_reader_errors_carry_file_and_line(tmp_path):
    corpus = tmp_path / "c.jsonl"
    corpus.write_text('{"id": "a", "text": "x"}\n[1, 2]\n', encoding="utf-8")
    with pytest.raises(AnnotatorError) as caught:
        load_corpus(corpus)
    assert (caught.value.line, caught.value.path) == (2, str(corpus))


# --format auto on the project's own exports, and known formats read the wrong way ------

EXPORTS = {  # export format -> output name
    "jsonl": "training.jsonl",
    "spacy": "train.spacy",
    "prodigy": "prodigy.jsonl",
    "doccano": "doccano.jsonl",
    "labelstudio": "labelstudio.json",
    "brat": "brat-export",
    "conll": "conll-export",
}


@pytest.fixture(scope="module")
def exported(tmp_path_factory) -> dict[str, Path]:
    """PolNeAR's four six-annotator training articles, exported in every format."""
    from polnear_support import import_compartment, run_in_process

    folder = tmp_path_factory.mktemp("exports")
    corpus, journals = import_compartment("annotator-training", folder)
    outputs = {}
    for export_format, name in EXPORTS.items():
        target = folder / name
        result = run_in_process("export", journals, "--corpus", corpus, "--format", export_format, "-o", target)
        assert result.returncode == 0, result.stderr
        outputs[export_format] = target
    return outputs


@pytest.mark.parametrize("export_format", list(EXPORTS))
def test_auto_recognises_every_export_that_imports_back(exported, tmp_path, export_format):
    from polnear_support import run_in_process

    source = exported[export_format]
    named = run_in_process("import", source, "--format", export_format, "-o", tmp_path / "named.jsonl",
                           "--annotations-out", tmp_path / "named")
    auto = run_in_process("import", source, "-o", tmp_path / "auto.jsonl", "--annotations-out", tmp_path / "auto")
    assert named.returncode == 0 and auto.returncode == 0, (named.stderr, auto.stderr)
    assert (tmp_path / "auto.jsonl").read_bytes() == (tmp_path / "named.jsonl").read_bytes()
    journals = sorted(path.name for path in (tmp_path / "auto").iterdir())
    assert journals == sorted(path.name for path in (tmp_path / "named").iterdir()) and len(journals) == 6
    for name in journals:
        assert (tmp_path / "auto" / name).read_bytes() == (tmp_path / "named" / name).read_bytes()


@pytest.mark.parametrize("export_format", ["prodigy", "labelstudio", "jsonl", "brat"])
def test_an_export_without_annotations_out_gets_one_plain_sentence(cli, exported, tmp_path, export_format):
    out = tmp_path / "corpus.jsonl"
    result = cli("import", exported[export_format], "-o", out)
    assert result.returncode != 0 and not out.exists()
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "add --annotations-out DIR" in lines[0], result.stderr
    assert exported[export_format].name in lines[0]
    for pydantic_words in ("Field required", "Extra inputs", "Input should be"):
        assert pydantic_words not in result.stderr


def test_an_export_read_as_a_corpus_says_which_format_it_is(cli, exported, tmp_path):
    out = tmp_path / "corpus.jsonl"
    result = cli("import", exported["prodigy"], "--format", "jsonl", "-o", out)
    assert result.returncode != 0 and not out.exists()
    assert "Prodigy" in result.stderr and "--format prodigy --annotations-out DIR" in result.stderr
    assert "Field required" not in result.stderr and len(result.stderr.strip().splitlines()) == 1


def test_a_dateline_under_the_headline_gives_the_date(tmp_path):
    spaced = tmp_path / "spaced.txt"
    spaced.write_text(
        "Ports reopen after the storm\n\nKARACHI, 3 March 2024 (WAI): Both ports reopened on Sunday, officials said.\n",
        encoding="utf-8",
    )
    tight = tmp_path / "tight.txt"
    tight.write_text(
        "Ports reopen after the storm\nWASHINGTON, Oct. 3, 2016 (AP) -- Both ports reopened, officials said.\n",
        encoding="utf-8",
    )
    body_first = tmp_path / "body.txt"
    body_first.write_text(
        "Both ports reopened on Sunday, officials said.\nKARACHI, 3 March 2024 (WAI): a later paragraph.\n",
        encoding="utf-8",
    )
    [first] = read_news(spaced)
    assert first.meta.date == date(2024, 3, 3) and first.meta.title == "Ports reopen after the storm"
    [second] = read_news(tight)
    assert second.meta.date == date(2016, 10, 3) and second.meta.title == "Ports reopen after the storm"
    [third] = read_news(body_first)
    assert third.meta.date is None  # a dateline further down is not the article's

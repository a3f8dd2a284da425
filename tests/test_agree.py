"""`annotator agree` on PolNeAR annotator-training (4 articles x 6 annotators).

Alpha is checked against a direct computation written here from the definition
(spaCy blank English tokens, value of the span covering each token's first
character, source over cue over content, the krippendorff package), reading the
journals' raw JSON rather than going through annotator's own code.
"""

from __future__ import annotations

import json
from itertools import combinations
from pathlib import Path

import numpy as np
import pytest

from annotator.agreement import compress, nominal_alpha, pair_alpha
from cli_support import journals_with_a_bad_span
from polnear_support import import_compartment, run_cli, run_in_process


@pytest.fixture(scope="module")
def training(tmp_path_factory) -> tuple[Path, Path]:
    return import_compartment("annotator-training", tmp_path_factory.mktemp("at"))


def agree_json(*args) -> dict:
    result = run_in_process("agree", *args, "--json")
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def independent_reliability(corpus: Path, journals: list[Path]) -> tuple[list[str], np.ndarray]:
    """(annotators, annotators x tokens matrix with NaN for missing), from the definition."""
    import spacy

    nlp = spacy.blank("en")
    texts = {}
    for line in corpus.read_text(encoding="utf-8").splitlines():
        doc = json.loads(line)
        texts[doc["id"]] = doc["text"]
    latest: dict[tuple[str, str], dict] = {}
    for path in journals:
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                record = json.loads(line)
                latest[(record["doc_id"], record["annotator"])] = record
    annotators = sorted({who for _, who in latest})
    doc_ids = sorted({doc for doc, _ in latest})
    columns = []
    for doc_id in doc_ids:
        firsts = [token.idx for token in nlp(texts[doc_id]) if not token.is_space]
        block = np.full((len(annotators), len(firsts)), np.nan)
        for row, who in enumerate(annotators):
            record = latest.get((doc_id, who))
            if record is None or record["status"] == "skipped":
                continue
            block[row] = 0
            for value, role in ((3, "content"), (2, "cue"), (1, "source")):  # later wins
                for attribution in record["attributions"]:
                    span = attribution.get(role)
                    if not span:
                        continue
                    pieces = span.get("fragments") or [[span["start"], span["end"]]]
                    for start, end in pieces:
                        for column, first in enumerate(firsts):
                            if start <= first < end:
                                block[row, column] = value
        columns.append(block)
    return annotators, np.concatenate(columns, axis=1)


def package_alpha(data: np.ndarray) -> float:
    import krippendorff

    return float(krippendorff.alpha(reliability_data=data, level_of_measurement="nominal", value_domain=[0, 1, 2, 3]))


def test_alpha_equals_a_direct_krippendorff_computation(training):
    corpus, journals = training
    report = agree_json(journals, "--corpus", corpus)
    assert set(report) >= {"alpha", "agr", "pairs", "roles"}
    annotators, data = independent_reliability(corpus, sorted(journals.glob("*.jsonl")))
    assert report["annotators"] == annotators and len(annotators) == 6
    assert report["units"] == data.shape[1]
    assert report["alpha"] == pytest.approx(package_alpha(data), abs=1e-12)
    assert 0.6 < report["alpha"] < 0.95  # trained annotators: high, not perfect
    for pair in report["pairs"]:
        rows = data[[annotators.index(pair["a"]), annotators.index(pair["b"])]]
        assert pair["alpha"] == pytest.approx(package_alpha(rows), abs=1e-12)
    for role, value in (("source", 1), ("cue", 2), ("content", 3)):
        binary = np.where(np.isnan(data), np.nan, (data == value).astype(float))
        expected = float(
            __import__("krippendorff").alpha(reliability_data=binary, level_of_measurement="nominal", value_domain=[0, 1])
        )
        assert report["roles"][role]["alpha"] == pytest.approx(expected, abs=1e-12)


def test_a_document_an_annotator_did_not_annotate_is_missing(training, tmp_path):
    corpus, journals = training
    folder = tmp_path / "ann"
    folder.mkdir()
    for path in journals.glob("*.jsonl"):
        (folder / path.name).write_bytes(path.read_bytes())
    cut = folder / "5fec.jsonl"
    lines = cut.read_text(encoding="utf-8").splitlines(keepends=True)
    cut.write_text("".join(lines[1:]), encoding="utf-8")
    report = agree_json(folder, "--corpus", corpus)
    annotators, data = independent_reliability(corpus, sorted(folder.glob("*.jsonl")))
    assert np.isnan(data[annotators.index("5fec")]).sum() > 0
    assert report["alpha"] == pytest.approx(package_alpha(data), abs=1e-12)
    documents = {(p["a"], p["b"]): p["documents"] for p in report["pairs"]}
    assert all(n == (3 if "5fec" in key else 4) for key, n in documents.items())


def test_pairwise_metrics_are_symmetric(training):
    corpus, journals = training
    forward = agree_json(journals, "--corpus", corpus, "--annotators", "4e07,ef2d")["pairs"][0]
    backward = agree_json(journals, "--corpus", corpus, "--annotators", "ef2d,4e07")["pairs"][0]
    assert (forward["a"], backward["a"]) == ("4e07", "ef2d")
    assert forward["alpha"] == pytest.approx(backward["alpha"])
    assert forward["agr"]["mean"] == pytest.approx(backward["agr"]["mean"])
    assert forward["agr"]["a_in_b"] == pytest.approx(backward["agr"]["b_in_a"])
    for target, modes in forward["scores"].items():
        for mode, block in modes.items():
            other = backward["scores"][target][mode]
            assert block["f1"] == pytest.approx(other["f1"])
            assert block["precision"] == pytest.approx(other["recall"])
            assert block["matched"] == other["matched"]
    # An asymmetric pair: one annotator marks many more attributions than the other.
    assert forward["agr"]["a_in_b"] != pytest.approx(forward["agr"]["b_in_a"])


def test_pair_scores_follow_the_evaluate_protocol(training):
    corpus, journals = training
    pair = agree_json(journals, "--corpus", corpus, "--annotators", "4b22,6b86")["pairs"][0]
    result = run_in_process("evaluate", journals / "4b22.jsonl", journals / "6b86.jsonl", "--corpus", corpus, "--json", "--bootstrap", "0")
    evaluation = json.loads(result.stdout)
    for target, modes in evaluation["scores"].items():
        for mode, block in modes.items():
            assert pair["scores"][target][mode]["precision"] == pytest.approx(block["precision"])
            assert pair["scores"][target][mode]["recall"] == pytest.approx(block["recall"])


def test_agr_counts_attributions_overlapped_by_the_other(training):
    corpus, journals = training
    report = agree_json(journals, "--corpus", corpus)
    values = [pair["agr"]["mean"] for pair in report["pairs"]]
    assert report["agr"] == pytest.approx(sum(values) / len(values))
    for pair in report["pairs"]:
        # Overlap of some attribution is looser than one-to-one relation matching.
        assert pair["agr"]["a_in_b"] >= pair["scores"]["content"]["overlap"]["precision"] - 1e-9
        assert 0.5 < pair["agr"]["mean"] <= 1.0


def test_by_doc_and_tables(training):
    corpus, journals = training
    report = agree_json(journals, "--corpus", corpus, "--by-doc")
    assert len(report["by_doc"]) == 4
    assert sum(row["units"] for row in report["by_doc"]) == report["units"]
    for row in report["by_doc"]:
        assert len(row["annotators"]) == 6 and -1 <= row["alpha"] <= 1
    table = run_in_process("agree", journals, "--corpus", corpus, "--by-doc")
    assert table.returncode == 0
    for heading in ("Per label", "Pairs", "Per document", "Krippendorff"):
        assert heading in table.stdout


def test_one_annotator_is_a_one_line_error(training):
    corpus, journals = training
    result = run_cli("agree", journals / "4b22.jsonl", "--corpus", corpus)
    assert result.returncode == 1 and "at least two annotators" in result.stderr
    assert result.stderr.count("\n") == 1


def test_nominal_alpha_matches_the_package_on_random_data():
    rng = np.random.default_rng(3)
    for coders, units in ((2, 50), (3, 200), (6, 500)):
        data = rng.integers(0, 4, size=(coders, units)).astype(float)
        data[rng.random(data.shape) < 0.2] = np.nan
        # Make agreement likelier than chance so alpha is not ~0.
        copy = rng.random(units) < 0.5
        data[1][copy] = data[0][copy]
        counts = np.stack([(data == v).sum(axis=0) for v in range(4)], axis=1)
        assert nominal_alpha(counts) == pytest.approx(package_alpha(data), abs=1e-12)
        assert nominal_alpha(*compress(counts)) == pytest.approx(package_alpha(data), abs=1e-12)
    rows = np.where(np.isnan(data), -1, data).astype(np.int8)
    for a, b in combinations(range(coders), 2):
        assert pair_alpha(rows[a], rows[b]) == pytest.approx(package_alpha(data[[a, b]]), abs=1e-12)


def test_fast_counts_equal_the_full_matching_on_every_pair_and_document(training):
    from annotator.matching import (
        ROLES,
        AnnotatedDocument,
        WordTokens,
        count_relation_matches,
        count_span_matches,
        match_relations,
        match_spans,
    )
    from annotator.records import load_documents, read_journals

    corpus, journals = training
    documents = load_documents(corpus)
    contents = read_journals([journals])
    checked = 0
    for doc_id, document in documents.items():
        tokens = WordTokens(document.text)
        annotated = {
            who: AnnotatedDocument(record.attributions, tokens)
            for (doc, who), record in contents.latest.items()
            if doc == doc_id
        }
        for first in annotated.values():
            for second in annotated.values():
                for role in ROLES:
                    full = match_spans(first, second, role)
                    assert count_span_matches(first, second, role) == (len(full.exact), len(full.overlap))
                full = match_relations(first, second)
                assert count_relation_matches(first, second) == (len(full.exact), len(full.overlap))
                checked += 1
    assert checked == 4 * 36


def test_worker_processes_give_the_same_agreement(training, monkeypatch):
    from annotator import matching
    from annotator.agreement import measure
    from annotator.records import load_documents, read_journals

    corpus, journals = training
    documents = load_documents(corpus)
    records = read_journals([journals]).records()
    serial = measure(documents, records, by_doc=True).to_json()
    monkeypatch.setattr(matching, "PARALLEL_MIN_TEXTS", 1)
    if matching.worker_processes(4) < 2:
        pytest.skip("one CPU core: no worker processes to compare with")
    parallel = measure(documents, records, by_doc=True).to_json()
    assert parallel == serial
    tokens = matching.WordTokens.for_texts([d.text for d in documents.values()])  # parallel tokenising too
    assert [t.all_starts for t in tokens] == [matching.WordTokens(d.text).all_starts for d in documents.values()]


def test_tokens_made_in_the_background_give_the_same_agreement(tmp_path, monkeypatch):
    """agree tokenises in forked workers while it reads the journals (BackgroundTokens);
    on dev (84 documents, six annotators on two of them) the figures are those of the
    plain path, to the last digit, and so is the CLI's output."""
    from annotator import matching
    from annotator.agreement import BackgroundTokens, measure
    from annotator.records import journal_doc_ids, load_documents, read_journals

    corpus, journals = import_compartment("dev", tmp_path)
    documents = load_documents(corpus)
    records = [r for r in read_journals([journals]).records() if r.status.value != "skipped"]
    plain = measure(documents, records, by_doc=True).to_json()
    monkeypatch.setattr(matching, "PARALLEL_MIN_TEXTS", 1)
    if matching.worker_processes(4) < 2:
        pytest.skip("one CPU core: no worker processes to compare with")
    ids = journal_doc_ids([journals])
    assert ids == {record.doc_id for record in records} and len(ids) == 84
    with BackgroundTokens({doc_id: documents[doc_id].text for doc_id in sorted(ids)}) as background:
        assert len(background.tables()) == 84
        assert measure(documents, records, by_doc=True, background=background).to_json() == plain
    # Tokens not ready when the columns are made: the check and the caller's idle work run
    # then, once each, and the figures are the same.
    calls: list[str] = []
    with BackgroundTokens({doc_id: documents[doc_id].text for doc_id in sorted(ids)}) as background:
        with monkeypatch.context() as patched:
            patched.setattr(BackgroundTokens, "ready", lambda self: False)
            found = measure(
                documents, records, by_doc=True, background=background,
                check=lambda: calls.append("check"), idle=lambda: calls.append("idle"),
            )
        assert found.to_json() == plain and calls == ["check", "idle"]
    # A background that misses a document (or was never started) falls back to tokenising.
    with BackgroundTokens({doc_id: documents[doc_id].text for doc_id in sorted(ids)[:10]}) as partial:
        assert measure(documents, records, by_doc=True, background=partial).to_json() == plain
    cli = json.loads(run_in_process("agree", journals, "--corpus", corpus, "--json", "--by-doc").stdout)
    assert cli == json.loads(json.dumps(plain))


def test_journal_doc_ids_reads_the_key_not_text_that_quotes_it(tmp_path):
    from annotator.records import journal_doc_ids

    journal = tmp_path / "a.jsonl"
    journal.write_bytes(
        b'{"schema_version": 1, "doc_id": "caf\\u00e9-1", "annotator": "a", "attributions": '
        b'[{"id": "x", "note": "he wrote \\"doc_id\\": \\"evil\\" in a note"}]}\n'
        b'{"doc_id":"quote\\"d","annotator":"a"}\n'
        b'{"annotator": "a", "doc_id": "torn'
    )
    assert journal_doc_ids([journal]) == {"café-1", 'quote"d'}


def test_the_program_prints_everything_before_it_ends(training):
    """As a program, agree and evaluate end without freeing their heap once the output
    is printed (cli/app.py): the output must still be complete, and equal to the
    in-process one, through a pipe and in both forms."""
    corpus, journals = training
    for command in (["agree", journals], ["evaluate", journals / "4b22.jsonl", journals, "--gold-annotator", "4e07"]):
        program = run_cli(*command, "--corpus", corpus, "--json")
        assert program.returncode == 0, program.stderr
        assert json.loads(program.stdout) == json.loads(run_in_process(*command, "--corpus", corpus, "--json").stdout)
        table = run_cli(*command, "--corpus", corpus)
        last = table.stdout.rstrip("\n").splitlines()[-1]
        assert table.returncode == 0 and last.startswith("└") and last.endswith("┘"), table.stdout[-200:]


def test_a_span_that_does_not_fit_is_the_same_error_while_workers_compare(training, tmp_path, monkeypatch):
    """agree checks the spans against the corpus while its workers compare (measure's
    ``check``): a span whose text does not match is still a one-line FILE:LINE error,
    the same as without workers, and a record's problem earlier in the journals still
    comes before a later record's missing document."""
    from annotator import matching

    corpus, journals = training
    folder = tmp_path / "journals"
    first, line = journals_with_a_bad_span(journals, folder, 0)

    serial = run_in_process("agree", folder, "--corpus", corpus, "--json")
    assert serial.returncode == 1 and serial.stdout == ""
    assert f"{first}:{line}: " in serial.stderr and "does not match the document text" in serial.stderr
    assert serial.stderr.count("\n") == 1
    monkeypatch.setattr(matching, "PARALLEL_MIN_TEXTS", 1)
    if matching.worker_processes(4) < 2:
        pytest.skip("one CPU core: no worker processes")
    assert run_in_process("agree", folder, "--corpus", corpus, "--json").stderr == serial.stderr

    # The check runs while the tokenising worker finishes when it has not yet: the same error.
    from annotator.agreement import BackgroundTokens

    with monkeypatch.context() as patched:
        patched.setattr(BackgroundTokens, "ready", lambda self: False)
        assert run_in_process("agree", folder, "--corpus", corpus, "--json").stderr == serial.stderr

    # A later record naming a document not in the corpus: the span's problem still comes first.
    last = sorted(folder.glob("*.jsonl"))[-1]
    stray = json.loads(last.read_text(encoding="utf-8").splitlines()[0])
    stray["doc_id"] = "not-in-the-corpus"
    with last.open("a", encoding="utf-8") as stream:
        stream.write(json.dumps(stray) + "\n")
    assert run_in_process("agree", folder, "--corpus", corpus, "--json").stderr == serial.stderr


def _per_document_one_by_one(doc_ids, found, counts, offsets, names) -> list[dict]:
    """agree --by-doc's rows as they were computed before numpy did all documents at
    once: nominal_alpha, PairResult.agr and layout_scores, document by document."""
    from annotator.agreement import PairResult
    from annotator.evaluate import ratio
    from annotator.matching import MODES, TARGETS

    rows = []
    for position, doc_id in enumerate(doc_ids):
        low, high = int(offsets[position]), int(offsets[position + 1])
        here = found.present[position].tolist()
        agr_values = []
        total = np.zeros(len(next(iter(found.counts.values()))[0]), dtype=np.int64)
        for a, b in found.counts:
            total += found.counts[(a, b)][position]
            if not (here[a] and here[b]):
                continue
            hits_a, total_a, hits_b, total_b = found.shares[(a, b)][position].tolist()
            known = [share for share in (ratio(hits_a, total_a), ratio(hits_b, total_b)) if share is not None]
            if known:
                agr_values.append(sum(known) / len(known))
        scores = PairResult("*", "*", counts=total.tolist()).scores()
        rows.append(
            {
                "doc_id": doc_id,
                "annotators": [name for n, name in enumerate(names) if here[n]],
                "units": high - low,
                "attributions": {name: int(found.attributions[position][n]) for n, name in enumerate(names) if here[n]},
                "alpha": nominal_alpha(counts[low:high]),
                "agr": sum(agr_values) / len(agr_values) if agr_values else None,
                "f1": {target: {mode: scores[target][mode]["f1"] for mode in MODES} for target in TARGETS},
            }
        )
    return rows


def test_per_document_rows_are_the_one_by_one_figures_to_the_last_bit(training):
    """The by-doc rows numpy computes for all documents at once equal (==, not approx)
    those of the per-document functions, on annotator-training with each annotator also
    left out of one document, and on random counts with segments of every kind (empty,
    one coder, shorter and longer than numpy's pairwise-summation blocks)."""
    from annotator import agreement
    from annotator.agreement_arrays import compare_corpus
    from annotator.matching import _tables_of
    from annotator.records import load_documents, read_plain_journals

    corpus, journals = training
    documents = load_documents(corpus)
    contents = read_plain_journals([journals])
    names = sorted(contents.annotators)
    doc_ids = sorted(documents)
    by_document = [
        {name: contents.latest[(doc_id, name)] for n, name in enumerate(names) if n != k % len(names)}
        for k, doc_id in enumerate(doc_ids)
    ] + [{name: contents.latest[(doc_ids[0], name)] for name in names}]
    texts = [documents[doc_id].text for doc_id in doc_ids] + [documents[doc_ids[0]].text]
    found = compare_corpus(texts, _tables_of(texts), by_document, names)
    counts = agreement.value_counts(found.reliability)
    offsets = np.concatenate([[0], np.cumsum(found.units)])
    ids = [*doc_ids, "again"]
    expected = _per_document_one_by_one(ids, found, counts, offsets, names)
    assert agreement._per_document(ids, found, counts, offsets, names) == expected
    patterns = agreement.Patterns.of(found.reliability)
    assert agreement._per_document(ids, found, counts, offsets, names, patterns) == expected

    rng = np.random.default_rng(5)
    # 60 long documents: summed in another order (np.add.reduceat's), a few differ in the last bit
    sizes = np.concatenate([[0, 1, 2, 7, 8, 9, 127, 128, 129, 4099, 0, 5], rng.integers(100, 3000, 60)])
    rows = rng.integers(0, 4, size=(int(sizes.sum()), 4))
    rows[rng.random(len(rows)) < 0.1] = 0  # units nobody (or one coder) valued
    rows[: int(sizes[:4].sum())] = [1, 0, 0, 0]  # the first documents: never two coders
    offsets = np.concatenate([[0], np.cumsum(sizes)])
    expected = [nominal_alpha(rows[offsets[k] : offsets[k + 1]]) for k in range(len(sizes))]
    assert agreement._document_alpha(rows, offsets) == expected
    assert expected[0] is None and expected[3] is None and sum(value is not None for value in expected) >= 9
    # From a reliability matrix, through its value patterns: the same figures.
    matrix = rng.integers(-1, 4, size=(6, int(sizes.sum()))).astype(np.int8)
    matrix[:, : int(sizes[:4].sum())] = -1
    matrix[1:, ::3] = np.where(matrix[1:, ::3] >= 0, matrix[0, ::3], -1)
    counts = agreement.value_counts(matrix)
    expected = [nominal_alpha(counts[offsets[k] : offsets[k + 1]]) for k in range(len(sizes))]
    assert agreement._document_alpha(counts, offsets, agreement.Patterns.of(matrix)) == expected
    assert agreement._document_alpha(counts, offsets) == expected


def test_patterns_give_the_matrix_figures_to_the_last_bit():
    """Alpha per role, tokens per role and annotator, and every pair's units and alpha from
    the counts of value patterns equal (==) those from passes over the reliability
    matrix, on random matrices with missing values and from two to six annotators."""
    from annotator.agreement import VALUE_CODE, Patterns, value_counts

    rng = np.random.default_rng(11)
    for annotators, units in ((2, 40), (3, 500), (6, 20000), (6, 3)):
        matrix = rng.integers(-1, 4, size=(annotators, units)).astype(np.int8)
        agree = rng.random(units) < 0.6
        matrix[1:, agree] = np.where(matrix[1:, agree] >= 0, matrix[0, agree], -1)
        patterns = Patterns.of(matrix)
        assert patterns is not None
        counts = value_counts(matrix)
        assert np.array_equal(patterns.value_counts(), counts)
        for role in ("source", "cue", "content"):
            code = VALUE_CODE[role]
            with_role = counts[:, code]
            expected = nominal_alpha(*compress(np.stack([counts.sum(axis=1) - with_role, with_role], axis=1)))
            assert nominal_alpha(*patterns.role_rows(code)) == expected
            assert [patterns.tokens(row, code) for row in range(annotators)] == [
                int((matrix[row] == code).sum()) for row in range(annotators)
            ]
        for a, b in combinations(range(annotators), 2):
            both = int(((matrix[a] >= 0) & (matrix[b] >= 0)).sum())
            assert patterns.pair(a, b) == (both, pair_alpha(matrix[a], matrix[b]))
    assert Patterns.of(np.zeros((9, 5), dtype=np.int8)) is None  # 5^9 patterns: the matrix's passes

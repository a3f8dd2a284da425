"""agreement_arrays (the whole corpus as integer arrays) against the per-document
reference (agreement.compare_document: matching.py's one-to-one matching, pair by pair),
count by count, on PolNeAR; and the sliced coincidence matrix against the package's."""

from __future__ import annotations

import random
import sys
from itertools import combinations

import numpy as np
import pytest

from annotator.agreement import compare_document
from annotator.agreement_arrays import compare_corpus
from annotator.matching import WordTokens, _tables_of
from annotator.records import load_documents, read_journals
from polnear_support import REPO_ROOT, import_compartment


@pytest.fixture(scope="module")
def training(tmp_path_factory):
    return import_compartment("annotator-training", tmp_path_factory.mktemp("at"))


@pytest.fixture(scope="module")
def dev(tmp_path_factory):
    return import_compartment("dev", tmp_path_factory.mktemp("dev"))


def assert_same_as_reference(documents, by_document: dict[str, dict], names: list[str]) -> int:
    """Every count of compare_corpus equals compare_document's; returns the pairs compared."""
    doc_ids = sorted(by_document)
    texts = [documents[doc_id].text for doc_id in doc_ids]
    tables = _tables_of(texts)
    found = compare_corpus(texts, tables, [by_document[doc_id] for doc_id in doc_ids], names)
    offsets = np.concatenate([[0], np.cumsum(found.units)])
    compared = 0
    for k, (doc_id, text, table) in enumerate(zip(doc_ids, texts, tables)):
        expected = compare_document(by_document[doc_id], names, WordTokens(text, table=table))
        assert found.units[k] == expected.units, doc_id
        for n, name in enumerate(names):
            values = found.reliability[n, offsets[k] : offsets[k + 1]]
            if name in expected.values:
                assert bytes(values.astype(np.uint8)) == expected.values[name], (doc_id, name)
                assert found.attributions[k, n] == expected.attributions[name]
            else:
                assert (values == -1).all() and not found.present[k, n]
        for a, b in combinations(range(len(names)), 2):
            pair = expected.pairs.get((names[a], names[b]))
            if pair is None:
                assert not found.counts[(a, b)][k].any() and not found.shares[(a, b)][k].any()
                continue
            counts, a_in_b, b_in_a = pair
            assert found.counts[(a, b)][k].tolist() == counts, (doc_id, names[a], names[b])
            assert found.shares[(a, b)][k].tolist() == [*a_in_b, *b_in_a], (doc_id, names[a], names[b])
            compared += 1
    return compared


def test_arrays_equal_the_reference_on_annotator_training(training):
    corpus, journals = training
    documents = load_documents(corpus)
    by_document: dict[str, dict] = {}
    for record in read_journals([journals]).records():
        by_document.setdefault(record.doc_id, {})[record.annotator] = record
    names = sorted({name for records in by_document.values() for name in records})
    assert assert_same_as_reference(documents, by_document, names) == 4 * 15


def test_arrays_equal_the_reference_on_perturbed_dev(dev):
    """Dev's 84 articles, each annotated by six perturbed copies of its first real
    annotation (benchmarks/bench_agree.py's perturbation: moved boundaries, dropped
    sources, spurious attributions), so that overlap matching has leftovers to pair
    greedily; one copy repeats an attribution (equal spans twice) and one annotator
    leaves documents out."""
    sys.path.insert(0, str(REPO_ROOT / "benchmarks"))
    import bench_agree

    corpus, journals = dev
    documents = load_documents(corpus)
    first: dict[str, object] = {}
    for record in read_journals([journals]).records():
        first.setdefault(record.doc_id, record)
    rng = random.Random(13)
    names = ["p1", "p2", "p3", "p4", "p5", "p6"]
    by_document: dict[str, dict] = {}
    fragments = 0
    for doc_id, record in sorted(first.items()):
        text = documents[doc_id].text
        for position, name in enumerate(names):
            if name == "p6" and position % 2 and rng.random() < 0.3:
                continue
            attributions = bench_agree.perturb(record.attributions, text, rng)
            if name == "p2" and attributions:
                attributions.append(attributions[0].model_copy(update={"id": "again"}))
            fragments += sum(1 for a in attributions if a.content.fragments)
            by_document.setdefault(doc_id, {})[name] = record.model_copy(
                update={"annotator": name, "attributions": attributions}
            )
    assert fragments > 0  # discontinuous contents are among them
    assert assert_same_as_reference(documents, by_document, names) > 84 * 10


def test_sliced_coincidences_are_the_package_figure_to_the_last_bit(training):
    from krippendorff import krippendorff as package

    from annotator.agreement import VALUES, coincidences, measure, package_alpha, value_counts

    corpus, journals = training
    agreement = measure(load_documents(corpus), read_journals([journals]).records())
    real = value_counts(agreement.reliability).astype(np.float64)
    rng = np.random.default_rng(5)
    noisy = rng.integers(-1, len(VALUES), size=(6, 300_000)).astype(np.int8)
    for counts in (real, value_counts(noisy).astype(np.float64)):
        assert (coincidences(counts) == package._coincidences(counts)).all()
        expected = package.alpha(value_counts=counts, level_of_measurement="nominal", value_domain=[0, 1, 2, 3])
        assert package_alpha(counts) == float(expected)
    assert agreement.alpha == package_alpha(real)

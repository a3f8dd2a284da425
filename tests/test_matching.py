"""Span and relation matching on hand-made spans over the seed articles."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

import annotator.matching as matching_module
from annotator.matching import (
    AnnotatedDocument,
    SpanIndex,
    Units,
    WordTokens,
    match_relations,
    match_spans,
    match_units,
    overlap,
    overlap_counts,
)
from annotator.schema import Attribution, Span

SEEDS = Path(__file__).resolve().parent.parent / "seeds"


@pytest.fixture(scope="module")
def pakistan() -> str:
    return (SEEDS / "000_302df5bc7456bd44.txt").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def urdu() -> str:
    return (SEEDS / "001_dabc97afffdf97f2.txt").read_text(encoding="utf-8")


def span(text: str, phrase: str, occurrence: int = 0) -> Span:
    start = -1
    for _ in range(occurrence + 1):
        start = text.index(phrase, start + 1)
    return Span.from_text(text, start, start + len(phrase))


def attribution(text: str, content: str, source: str | None = None, cue: str | None = None, ident: str = "a") -> Attribution:
    return Attribution(
        id=ident,
        content=span(text, content),
        source=span(text, source) if source else None,
        cue=span(text, cue) if cue else None,
    )


def test_punctuation_and_spaces_are_ignored(pakistan):
    tokens = WordTokens(pakistan)
    with_comma = tokens.units(span(pakistan, "his office said,"))
    plain = tokens.units(span(pakistan, "his office said"))
    assert with_comma == plain
    assert tokens.words(plain) == ["his", "office", "said"]
    # Leading whitespace and a closing quote add nothing either.
    assert tokens.units(span(pakistan, " his office said")) == plain


def test_a_span_cut_inside_a_word_still_holds_that_word(pakistan):
    tokens = WordTokens(pakistan)
    whole = tokens.units(span(pakistan, "Caretaker Pakistan"))
    cut = tokens.units(span(pakistan, "aretaker Pakist"))
    assert cut == whole
    assert tokens.words(whole) == ["Caretaker", "Pakistan"]


def test_same_words_at_different_places_are_different_tokens(pakistan):
    tokens = WordTokens(pakistan)
    first = tokens.units(span(pakistan, "said", 0))
    second = tokens.units(span(pakistan, "said", 1))
    assert first != second and overlap(first, second) == 0


def test_words_with_combining_marks_stay_whole(urdu):
    tokens = WordTokens(urdu)
    # Every token of an Urdu word must be more than its vowel signs: no token is made
    # of combining marks alone.
    import unicodedata

    assert tokens.starts, "seed 001 has words"
    for start, end in zip(tokens.starts, tokens.ends):
        assert any(unicodedata.category(ch)[0] != "M" for ch in urdu[start:end])
        if start > 0:
            assert unicodedata.category(urdu[start - 1])[0] != "M"


def test_punctuation_only_span_matches_by_its_characters(pakistan):
    tokens = WordTokens(pakistan)
    colon = pakistan.index(":")
    assert tokens.units(Span.from_text(pakistan, colon, colon + 1)) == tokens.units(
        Span.from_text(pakistan, colon, colon + 2)  # ": " : the space is ignored
    )
    assert tokens.units(Span.from_text(pakistan, colon, colon + 1)) != tokens.units(
        Span.from_text(pakistan, pakistan.index(":", colon + 1), pakistan.index(":", colon + 1) + 1)
    )


def test_discontinuous_span_units_are_the_union_of_its_pieces(pakistan):
    tokens = WordTokens(pakistan)
    a, b = span(pakistan, "Caretaker Pakistan"), span(pakistan, "Kakar on Friday")
    joined = Span.from_pieces(pakistan, [(a.start, a.end), (b.start, b.end)])
    assert tokens.units(joined).pieces == tokens.units(a).pieces + tokens.units(b).pieces
    assert tokens.words(tokens.units(joined)) == tokens.words(tokens.units(a)) + tokens.words(tokens.units(b))


def test_exact_pairs_come_first_then_largest_overlap():
    a = Units.from_ranges([(0, 5)])
    b = Units.from_ranges([(3, 9)])
    predicted = [Units.from_ranges([(0, 9)]), Units.from_ranges([(0, 5)]), Units.from_ranges([(50, 51)])]
    matching = match_units(predicted, [a, b])
    assert matching.exact == [(1, 0)]
    # pred 0 overlaps a by 5 and b by 6; a is taken by the exact pair, so it gets b.
    assert sorted(matching.overlap) == [(0, 1), (1, 0)]


def test_matching_is_one_to_one_by_largest_overlap():
    gold = [Units.from_ranges([(0, 10)])]
    predicted = [Units.from_ranges([(0, 3)]), Units.from_ranges([(2, 10)])]
    matching = match_units(predicted, gold)
    assert matching.exact == []
    assert matching.overlap == [(1, 0)]  # 8 shared tokens beat 3; pred 0 stays unmatched


def test_role_matching_on_seed_spans(pakistan):
    tokens = WordTokens(pakistan)
    gold = AnnotatedDocument(
        [attribution(pakistan, "Caretaker Pakistan Prime Minister Anwaar-ul-Haq Kakar on Friday arrived in China’s Xinjiang province", "his office", "said")],
        tokens,
    )
    predicted = AnnotatedDocument(
        [attribution(pakistan, "Pakistan Prime Minister Anwaar-ul-Haq Kakar on Friday arrived in China’s Xinjiang province,", "his office", "said,")],
        tokens,
    )
    assert match_spans(predicted, gold, "source").exact == [(0, 0)]
    assert match_spans(predicted, gold, "cue").exact == [(0, 0)]
    content = match_spans(predicted, gold, "content")
    assert content.exact == [] and content.overlap == [(0, 0)]
    relation = match_relations(predicted, gold)
    assert relation.exact == [] and relation.overlap == [(0, 0)]


def test_relations_need_sources_to_match_or_both_be_absent(pakistan):
    tokens = WordTokens(pakistan)
    content = "Caretaker Pakistan Prime Minister Anwaar-ul-Haq Kakar on Friday arrived"
    gold = AnnotatedDocument([attribution(pakistan, content, "his office", "said")], tokens)
    no_source = AnnotatedDocument([attribution(pakistan, content, None, "said")], tokens)
    other_source = AnnotatedDocument([attribution(pakistan, content, "Successive governments", "said")], tokens)
    assert match_relations(no_source, gold).overlap == []
    assert match_relations(other_source, gold).overlap == []
    # Both without a source: contents decide.
    gold_no_source = AnnotatedDocument([attribution(pakistan, content)], tokens)
    assert match_relations(no_source, gold_no_source).exact == [(0, 0)]
    # The role scores still see the shared content and cue.
    assert match_spans(other_source, gold, "content").exact == [(0, 0)]
    assert match_spans(other_source, gold, "source").overlap == []


def test_relation_pairing_prefers_fully_exact_pairs(pakistan):
    tokens = WordTokens(pakistan)
    content = "Caretaker Pakistan Prime Minister Anwaar-ul-Haq Kakar on Friday arrived"
    gold = AnnotatedDocument(
        [attribution(pakistan, content, "his office", ident="g1"),
         attribution(pakistan, "Kakar on Friday arrived in China’s Xinjiang province", "office", ident="g2")],
        tokens,
    )
    predicted = AnnotatedDocument(
        [attribution(pakistan, "Caretaker Pakistan Prime Minister Anwaar-ul-Haq Kakar on Friday arrived in China’s Xinjiang province", "his office", ident="p1"),
         attribution(pakistan, content, "his office", ident="p2")],
        tokens,
    )
    relation = match_relations(predicted, gold)
    assert relation.exact == [(1, 0)]
    assert sorted(relation.overlap) == [(0, 1), (1, 0)]


ranges = st.lists(st.tuples(st.integers(0, 60), st.integers(1, 12)).map(lambda t: (t[0], t[0] + t[1])), min_size=1, max_size=3)


@given(st.lists(ranges, max_size=8), st.lists(ranges, max_size=8))
def test_interval_overlaps_equal_set_intersections(predicted_ranges, gold_ranges):
    predicted = [Units.from_ranges(r) for r in predicted_ranges]
    gold = [Units.from_ranges(r) for r in gold_ranges]
    as_set = lambda units: {u for low, high in units.pieces for u in range(low, high)}  # noqa: E731
    expected = {
        (i, j): len(as_set(p) & as_set(g))
        for i, p in enumerate(predicted)
        for j, g in enumerate(gold)
        if as_set(p) & as_set(g)
    }
    assert overlap_counts(predicted, SpanIndex(gold)) == expected
    for p in predicted:
        assert p.size == len(as_set(p))
        assert (p == Units.from_ranges([(u, u + 1) for u in as_set(p)]))
    matching = match_units(predicted, gold)
    assert len({i for i, _ in matching.overlap}) == len(matching.overlap) == len({j for _, j in matching.overlap})
    assert all(as_set(predicted[i]) == as_set(gold[j]) for i, j in matching.exact)
    assert set(matching.exact) <= set(matching.overlap)
    # The indexed path for many leftovers pairs exactly as the pairwise one.
    limit = matching_module.BRUTE_FORCE_LIMIT
    matching_module.BRUTE_FORCE_LIMIT = 0
    try:
        assert match_units(predicted, gold) == matching
    finally:
        matching_module.BRUTE_FORCE_LIMIT = limit

"""The suggester's array-based sentencizer and lemmatizer give exactly what spaCy's
own Sentencizer and lookup Lemmatizer give, on real text (seeds, PolNeAR dev)."""

from __future__ import annotations

import pytest
import spacy

from annotator.suggest.components import tokens_of
from annotator.suggest.pipeline import build_base_pipeline
from polnear_support import require_compartment
from suggest_support import seed_documents


def _texts(source: str) -> list[str]:
    if source == "seeds":
        return [document.text for document in seed_documents().values()]
    folder = require_compartment("dev")
    return [path.read_text(encoding="utf-8") for path in sorted((folder / "text").glob("*.txt"))]


def _spacy_reference():
    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    nlp.add_pipe("lemmatizer", config={"mode": "lookup"})
    nlp.initialize()
    return nlp


EDGE_CASES = [
    "",
    "Hello",
    "“Stop.” He left!",
    'He said: "No." "Yes," she said. ... Then?',
    "Line one\n\nLine two. Three\n",
    "A.B.C. went home. 42. Done",
]


@pytest.mark.parametrize("source", ["seeds", "polnear-dev"])
def test_sentences_and_lemmas_match_spacy(source):
    texts = _texts(source) + EDGE_CASES
    ours, theirs = build_base_pipeline(), _spacy_reference()
    checked = 0
    for text, mine, reference in zip(texts, ours.pipe(texts), theirs.pipe(texts)):
        assert [t.text for t in mine] == [t.text for t in reference]
        assert [t.is_sent_start for t in mine] == [t.is_sent_start for t in reference], text[:60]
        assert [t.lemma_ for t in mine] == [t.lemma_ for t in reference], text[:60]
        checked += len(mine)
    assert checked > 1000


def test_tokens_view_cuts_sentences_at_line_breaks():
    nlp = build_base_pipeline()
    text = "Breaking news\nTrump said it was fine. Clinton disagreed.\n\n  He left"
    tokens = tokens_of(nlp(text))
    sentences = [" ".join(w for w in tokens.words[a:b] if w.strip()) for a, b in tokens.sents]
    assert sentences == ["Breaking news", "Trump said it was fine .", "Clinton disagreed .", "He left"]
    assert tokens.text == text
    assert [tokens.text[a:b] for a, b in zip(tokens.starts, tokens.ends)] == tokens.words
    assert len(tokens.sent_of) == len(tokens.words)
    assert [tokens.lemma[i] for i, w in enumerate(tokens.words) if w == "said"] == ["say"]


def test_hash_tables_answer_exactly_when_hashes_share_their_low_bits():
    import numpy

    from annotator.suggest.hashtables import HashCache, HashSet

    low = 0xBEEF
    members = [low, low + (1 << 16), low + (5 << 40), 2**64 - 1]
    others = [low + (2 << 16), low + (7 << 50), 12345, 0]
    ids = numpy.array(others + members + others[::-1], dtype="uint64")
    hashes = HashSet(members)
    assert hashes.positions(ids) == [4, 5, 6, 7]
    assert hashes.mask(ids).tolist() == [False] * 4 + [True] * 4 + [False] * 4
    assert HashSet([]).positions(ids) == []

    computed: list[int] = []

    def compute(keys):
        computed.extend(keys)
        return [str(key) for key in keys]

    cache = HashCache("object", bits=4)  # 16 slots: every id above collides
    for _ in range(3):
        assert cache.lookup(ids, compute).tolist() == [str(int(key)) for key in ids]
    assert sorted(computed) == sorted(set(int(key) for key in ids))  # each computed once
    numbers = HashCache("uint64", bits=4)
    doubled = numbers.lookup(ids[:5], lambda keys: [(key * 2) % 2**64 for key in keys])
    assert doubled.tolist() == [(int(key) * 2) % 2**64 for key in ids[:5]]

"""The run-memo tokenizer (annotator/token_runs.py) gives spaCy's own tokens, on real text."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from annotator.matching import WordTokens, _token_table, _tokenizer
from annotator.token_runs import run_tables
from tests.polnear_support import require_compartment

REPO = Path(__file__).resolve().parent.parent


def spacy_tables(texts: list[str]) -> list:
    tables = [_token_table(doc) for doc in _tokenizer().pipe(texts)]
    return [table[table[:, 2] == 0].astype(np.int64) for table in tables]


def assert_same_tokens(texts: list[str]) -> None:
    fast = run_tables(texts, _tokenizer())
    for number, (text, ours, theirs) in enumerate(zip(texts, fast, spacy_tables(texts))):
        ours = ours[ours[:, 2] == 0].astype(np.int64)
        assert ours.shape == theirs.shape and (ours == theirs).all(), f"text {number}: {text[:60]!r}"
        # And what agreement reads from them.
        a, b = WordTokens(text, table=ours), WordTokens(text, table=theirs)
        assert (a.all_starts, a.starts, a.ends) == (b.all_starts, b.starts, b.ends)


def test_run_tables_equal_spacy_on_polnear_train():
    folder = require_compartment("train")
    paths = sorted((folder / "text").glob("*.txt"))[::3]  # 280 of 840 articles, all outlets
    texts = [path.read_text(encoding="utf-8") for path in paths]
    # Texts that share words (as a corpus does), some repeated with a changed first line.
    texts += [f"Copy {k}.\n{text}" for k, text in enumerate(texts[:40])]
    assert_same_tokens(texts)


def test_run_tables_equal_spacy_on_annotator_training_and_seeds():
    folder = require_compartment("annotator-training")
    texts = [path.read_text(encoding="utf-8") for path in sorted((folder / "text").glob("*.txt"))]
    texts += [path.read_text(encoding="utf-8") for path in sorted((REPO / "seeds").glob("*.txt"))]
    assert_same_tokens(texts)


def test_special_cases_across_runs_are_left_to_spacy():
    # From PolNeAR: two runs one space apart whose quote marks form spaCy's "''" special
    # case only when tokenised apart; spaCy tokenises the whole text differently.
    texts = [
        "Nations: ''crimes against humanity,'' ''genocide'' and ''mass atrocities.''",
        "He said: ''I will not.'' (Reuters) - Mr. Smith's aides, at 10 a.m. :) ok",
        " leading space,  two spaces\tand a tab\n\nand\u00a0no-break '' '' ''",
        "",
        "   ",
    ]
    assert_same_tokens(texts)


def test_runs_split_at_every_kind_of_whitespace_as_spacy_does():
    # Runs come from str.split() and their offsets from the code points: unusual
    # whitespace (no-break, ideographic, line separators, control characters that
    # str.isspace counts) and texts that begin or end with it.
    assert_same_tokens([
        "", "   ", " a", "a ", "a\u3000b  c\u00a0d\te\u2009f", "\u2028z \u0085 q\u2029", "\x1c\x1d\x1e\x1f a \x1f b",
        "don't  ca n't :) (: a.m. \n\n x", "é\u200bx y\u180ez",
    ])

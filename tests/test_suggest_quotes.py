"""Quote pairing over whole documents: curly, straight, guillemets, single, nested."""

from __future__ import annotations

from annotator.suggest.quotes import find_quotes
from suggest_support import seed_documents


def quoted(text: str) -> list[str]:
    return [text[q.start : q.end] for q in find_quotes(text)]


def test_curly_double_and_single_quotes_in_a_seed_with_apostrophes():
    document = next(d for d in seed_documents().values() if "Indian-sponsored militants" in d.text)
    found = quoted(document.text)
    assert "“Indian-sponsored militants”" in found
    assert "‘terrorism’" in found
    assert "“Fitna Al-Hindustan.”" in found
    # apostrophes (Pakistan’s, military’s) never open or close a quote
    assert not any(q.startswith("’") or q.endswith("’s") for q in found)


def test_straight_quotes_guillemets_and_nesting():
    text = 'He said "we will \'win\' this," and she wrote « non ». Don\'t stop, it\'s the students\' call.'
    found = find_quotes(text)
    texts = [text[q.start : q.end] for q in found]
    assert texts == ['"we will \'win\' this,"', "'win'", "« non »"]
    nested = found[1]
    assert nested.depth == 1 and not nested.double


def test_nested_curly_quotes_and_a_quote_spanning_sentences():
    text = "“I told them ‘never again.’ They listened. Then they left,” she said."
    [outer, inner] = find_quotes(text)
    assert text[outer.start : outer.end] == "“I told them ‘never again.’ They listened. Then they left,”"
    assert text[inner.start : inner.end] == "‘never again.’" and inner.depth == 1


def test_typewriter_double_quotes_and_unclosed_quote_ends_at_the_paragraph():
    text = "''He's got it,'' he told.\n\n“An open quote runs on\n\nnext paragraph."
    assert quoted(text) == ["''He's got it,''", "“An open quote runs on"]


def test_empty_text():
    assert find_quotes("") == []

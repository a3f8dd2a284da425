"""spaCy's token table of many texts, each whitespace-free run tokenised once.

spaCy's tokenizer cuts a text at whitespace first and tokenises every run of
non-whitespace characters (``str.isspace``) on its own (prefixes, suffixes, infixes,
special cases). The words of a corpus repeat, so most runs recur: tokenising each
distinct run once and reusing its tokens gives spaCy's tokens of the whole text at a
small fraction of the cost (over 10,000 news articles the regular expressions of
prefixes and suffixes took most of agreement's time).

One effect crosses runs: after tokenising, spaCy looks for special cases ("''",
"(:", "a.m.") with a phrase matcher over the whole document, and a match that spans
two runs joined by one space, although never applied (its text holds the space), can
keep an overlapping special case from applying. A text where the last token of one run
and the first of the next (one space apart) are adjacent tokens of a special case's
pattern is therefore tokenised by spaCy as a whole. tests/test_token_runs.py checks
the tables against spaCy's on PolNeAR.

Which tokens meet at a run's edge before special cases apply is not known here, so
every special-case token that is a prefix or suffix of a run counts: the check errs
towards tokenising whole texts.

The tables hold (start, length, is_space, is_punct) per token, as
``matching._token_table`` does, without whitespace tokens (their is_space is 1, and
the only reader, ``matching.WordTokens``, leaves them out).
"""

from __future__ import annotations

import functools
import itertools
import re
import sys
from collections.abc import Iterator, Sequence

WHITESPACE = re.compile(r"(\s+)")  # \s is str.isspace for str patterns, as in spaCy


# Between runs tokenised together: a whitespace token, which no special case's pattern
# holds, so the runs are tokenised as if alone.
SEPARATOR = "\n\n"
BATCH_CHARACTERS = 1 << 20


def _edge_classes(runs: list[str], edges: list[str], classes: dict[str, int], rules_by_edge: dict, cut, fits):
    """Per run, the classes of the special-case tokens its last (first) token could be
    before special cases apply.

    That token is the run's last (first) final token ``edges[k]``, unless a special case
    K at the run's end (start) was applied there, making that token K's last (first)
    piece; then it is any suffix (prefix) of K, all of which count."""
    out: list[tuple[int, ...]] = []
    for run, edge in zip(runs, edges):
        found = {classes[edge]} if edge in classes else set()
        for key in rules_by_edge.get(edge, ()):
            if fits(run, key):
                found.update(classes[piece] for k in range(1, len(key) + 1) if (piece := cut(key, k)) in classes)
        out.append(tuple(found))
    return out


@functools.lru_cache(maxsize=4)  # per tokenizer: 1,347 special cases to tokenise
def special_pairs(tokenizer) -> tuple[dict[str, int], dict[str, int], dict]:
    """Where a special case's pattern can be cut between two tokens: (left token ->
    class, right token -> class, (left class, right class) -> [(the pattern's text before
    the cut, after it)]). Class 0: a token at no cut."""
    from spacy.tokenizer import Tokenizer

    plain = Tokenizer(  # the patterns: each special case tokenised without special cases
        tokenizer.vocab,
        rules={},
        prefix_search=tokenizer.prefix_search,
        suffix_search=tokenizer.suffix_search,
        infix_finditer=tokenizer.infix_finditer,
        token_match=tokenizer.token_match,
        url_match=tokenizer.url_match,
    )
    cuts = set()
    for rule in tokenizer.rules or {}:
        pattern = [token.text for token in plain(rule)]
        for k in range(1, len(pattern)):
            cuts.add((pattern[k - 1], pattern[k], "".join(pattern[:k]), "".join(pattern[k:])))
    left = {text: k + 1 for k, text in enumerate(sorted({cut[0] for cut in cuts}))}
    right = {text: k + 1 for k, text in enumerate(sorted({cut[1] for cut in cuts}))}
    texts: dict[tuple[int, int], list[tuple[str, str]]] = {}
    for a, b, before, after in sorted(cuts):
        texts.setdefault((left[a], right[b]), []).append((before, after))
    return left, right, texts


def _could_join(before_run: str, after_run: str, cuts: list[tuple[str, str]]) -> bool:
    """Whether a pattern cut as in ``cuts`` could match across these two runs: its text
    before the cut ends the first run, and after the cut starts the second (or runs on
    into further runs: counted as a match)."""
    return any(
        (before_run.endswith(before) or len(before) > len(before_run))
        and (after_run.startswith(after) or len(after) > len(after_run))
        for before, after in cuts
    )


@functools.lru_cache(maxsize=8)
def rules_by_edge(tokenizer, position: int) -> dict[str, list[str]]:
    """Special-case keys by the text of their first (position 0) or last (-1) piece."""
    from spacy.attrs import ORTH

    out: dict[str, list[str]] = {}
    for key, pieces in (tokenizer.rules or {}).items():
        if pieces:
            out.setdefault(pieces[position][ORTH], []).append(key)
    return out


@functools.cache
def _space_codes():
    """str.isspace of every code point up to the last whitespace one (U+3000), and False
    after it: ``table[min(code, len(table) - 1)]``."""
    import numpy as np

    spaces = [code for code in range(sys.maxunicode + 1) if chr(code).isspace()]
    table = np.zeros(max(spaces) + 2, dtype=bool)
    table[spaces] = True
    return table


def _runs_of(text: str, ids: dict[str, int], numbers: Iterator[int]):
    """(run keys, run starts, whether each run and the next are one " " apart) of a text;
    a new run gets the next of ``numbers`` as its key in ``ids`` (every run draws one:
    ``map`` over ``dict.setdefault`` calls no Python code per run, ``run_tables``
    renumbers the keys in the order first seen).

    The runs are ``text.split()``'s (whitespace is ``str.isspace`` there too, as in spaCy
    and WHITESPACE); their offsets come from the code points, in bulk. The regular
    expression's split, the same runs with their separators, is several times slower."""
    import numpy as np

    runs = text.split()
    run_ids = np.fromiter(map(ids.setdefault, runs, numbers), dtype=np.int64, count=len(runs))
    codes = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    table = _space_codes()
    space = table[np.minimum(codes, len(table) - 1)]
    edges = np.flatnonzero(np.diff(space, prepend=True, append=True))  # where runs start and end
    starts, ends = edges[0::2], edges[1::2]
    if len(starts) != len(runs):  # cannot happen while both read str.isspace; never guess
        raise AssertionError("text.split() and str.isspace disagree")
    joined = (starts[1:] - ends[:-1] == 1) & (codes[ends[:-1]] == 32)
    return run_ids, starts.astype(np.int64), joined


def run_tables(texts: Sequence[str], tokenizer) -> list:
    """``_token_table`` of every text, without whitespace tokens (see the module's note)."""
    import numpy as np

    from annotator.matching import _token_table

    ids: dict[str, int] = {}
    numbers = itertools.count()
    # Per text: each run's key, start and whether one plain space joins it to the next.
    split = [_runs_of(text, ids, numbers) for text in texts]
    runs = list(ids)
    # Keys to ids: each distinct run's place in the order first seen.
    renumber = np.zeros(next(numbers), dtype=np.int64)
    renumber[np.fromiter(ids.values(), dtype=np.int64, count=len(ids))] = np.arange(len(ids), dtype=np.int64)
    # Tokenise the distinct runs, many to a spaCy call, and find each token's run.
    starts_parts, lengths_parts, puncts_parts, owner_parts = [], [], [], []
    low = 0
    while low < len(runs):
        high, size = low, 0
        while high < len(runs) and size < BATCH_CHARACTERS:
            size += len(runs[high]) + len(SEPARATOR)
            high += 1
        batch = runs[low:high]
        lengths = np.fromiter(map(len, batch), dtype=np.int64, count=len(batch)) + len(SEPARATOR)
        offsets = np.concatenate([[0], np.cumsum(lengths)[:-1]])
        table = _token_table(tokenizer(SEPARATOR.join(batch)))
        table = table[table[:, 2] == 0].astype(np.int64)
        owner = np.searchsorted(offsets, table[:, 0], side="right") - 1
        starts_parts.append(table[:, 0] - offsets[owner])
        lengths_parts.append(table[:, 1])
        puncts_parts.append(table[:, 3])
        owner_parts.append(owner + low)
        low = high
    token_start = np.concatenate(starts_parts) if starts_parts else np.zeros(0, dtype=np.int64)
    token_length = np.concatenate(lengths_parts) if lengths_parts else np.zeros(0, dtype=np.int64)
    token_punct = np.concatenate(puncts_parts) if puncts_parts else np.zeros(0, dtype=np.int64)
    owner = np.concatenate(owner_parts) if owner_parts else np.zeros(0, dtype=np.int64)
    count = np.bincount(owner, minlength=len(runs)).astype(np.int64)
    run_start = np.cumsum(count) - count  # tokens come in run order

    # Special-case tokens each run could end or begin with, for the check below.
    left, right, cut_texts = special_pairs(tokenizer)
    firsts, lasts = [], []
    for run_id, run in enumerate(runs):
        if count[run_id]:
            first = int(run_start[run_id])
            last = first + int(count[run_id]) - 1
            firsts.append(run[token_start[first] : token_start[first] + token_length[first]])
            lasts.append(run[token_start[last] : token_start[last] + token_length[last]])
        else:
            firsts.append("")
            lasts.append("")
    ends_with = _edge_classes(runs, lasts, left, rules_by_edge(tokenizer, -1), lambda key, k: key[-k:], str.endswith)
    starts_with = _edge_classes(
        runs, firsts, right, rules_by_edge(tokenizer, 0), lambda key, k: key[:k], str.startswith
    )
    has_end = np.fromiter(map(bool, ends_with), dtype=bool, count=len(runs))
    has_start = np.fromiter(map(bool, starts_with), dtype=bool, count=len(runs))

    tables = []
    for text, (run_keys, run_offsets, joined) in zip(texts, split):
        run_ids = renumber[run_keys]
        if len(run_ids) > 1:
            # Runs one plain space apart that a special case's pattern could span.
            suspects = np.flatnonzero(joined & has_end[run_ids[:-1]] & has_start[run_ids[1:]])
            if any(
                _could_join(runs[run_ids[k]], runs[run_ids[k + 1]], cut_texts[(low, high)])
                for k in suspects.tolist()
                for low in ends_with[run_ids[k]]
                for high in starts_with[run_ids[k + 1]]
                if (low, high) in cut_texts
            ):
                tables.append(_token_table(tokenizer(text)))
                continue
        counts = count[run_ids]
        total = int(counts.sum())
        out = np.zeros((total, 4), dtype=np.int64)
        if total:
            ends = np.cumsum(counts)
            rank = np.arange(total, dtype=np.int64) - np.repeat(ends - counts, counts)
            flat = np.repeat(run_start[run_ids], counts) + rank
            out[:, 0] = np.repeat(run_offsets, counts) + token_start[flat]
            out[:, 1] = token_length[flat]
            out[:, 3] = token_punct[flat]
        tables.append(out)
    return tables

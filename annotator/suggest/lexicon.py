"""The suggester's data files (``lexicons/``), read once per process; no spaCy here."""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

LEXICON_DIR = Path(__file__).parent / "lexicons"
# Below this many occurrences in train a precision figure says little.
MIN_TOTAL = 4


@dataclass
class CueLexicon:
    """Precision as a cue, by lower-case form, by lemma and by phrase (tuple of words)."""

    forms: dict[str, float] = field(default_factory=dict)
    lemmas: dict[str, float] = field(default_factory=dict)
    phrases: dict[tuple[str, ...], float] = field(default_factory=dict)
    # first word -> longest phrase length starting with it (for matching)
    phrase_starts: dict[str, int] = field(default_factory=dict)
    # "lemma|next word" and "previous word|lemma" -> precision
    after: dict[str, float] = field(default_factory=dict)
    before: dict[str, float] = field(default_factory=dict)

    def token_precision(self, lower: str, lemma: str) -> float:
        found = self.forms.get(lower)
        if found is not None:
            return found
        return self.lemmas.get(lemma, 0.0)

    def context_precision(self, lower: str, lemma: str, previous: str, following: str) -> float:
        """Precision of a token as a cue given its neighbours, backing off to the word alone."""
        unigram = self.token_precision(lower, lemma)
        if not unigram and lemma not in self.lemmas:
            return 0.0
        estimates = [
            value
            for value in (self.after.get(f"{lemma}|{following}"), self.before.get(f"{previous}|{lemma}"))
            if value is not None
        ]
        if not estimates:
            return unigram
        return sum(estimates) / len(estimates)


@lru_cache(maxsize=4)
def load_cue_lexicon(path: str | None = None, min_total: int = MIN_TOTAL) -> CueLexicon:
    lexicon = CueLexicon()
    with open(path or LEXICON_DIR / "cues.tsv", encoding="utf-8", newline="") as handle:
        rows = csv.DictReader(
            (line for line in handle if not line.startswith("#")), delimiter="\t", quoting=csv.QUOTE_NONE
        )
        for row in rows:
            total = int(row["total"])
            if total < min_total:
                continue
            precision = float(row["precision"])
            kind, key = row["kind"], row["key"]
            if kind == "form":
                lexicon.forms[key] = precision
            elif kind == "lemma":
                lexicon.lemmas[key] = precision
            elif kind == "next":
                lexicon.after[key] = precision
            elif kind == "prev":
                lexicon.before[key] = precision
            elif kind == "phrase":
                words = tuple(key.split(" "))
                lexicon.phrases[words] = precision
                lexicon.phrase_starts[words[0]] = max(
                    lexicon.phrase_starts.get(words[0], 0), len(words)
                )
    return lexicon


@lru_cache(maxsize=1)
def load_word_lists() -> dict[str, frozenset[str]]:
    """Closed word classes the rules rely on (pronouns, titles, auxiliaries, ...)."""
    with open(LEXICON_DIR / "words.json", encoding="utf-8") as handle:
        data = json.load(handle)
    return {name: frozenset(words) for name, words in data.items() if not name.startswith("_")}

"""Attribution patterns over plain token lists (no parser): cues, sources, contents.

The spaCy components in :mod:`annotator.suggest.components` turn a Doc into a
:class:`Tokens` view and call :func:`find_cues` and :func:`build_attributions`. Keeping
the rules on plain lists keeps them fast and testable on their own.

Patterns (each cue is tried in this order):
- "according to X, ..." / "..., according to X": source after the cue;
- a direct quote next to the cue: “...,” X said / “...,” said X / X said: “...”, with
  an interrupted quote (“...,” she said, “...”) joined into one discontinuous content;
- "X said (that) ..." : source on the left, content on the right to the sentence end;
- "..., X said." / "..., said X.": content on the left up to the comma;
- participles after a comma (", adding that ...") take the sentence's earlier source;
- scare-quoted terms in a passage that reports a source's statement.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from annotator.suggest.hashtables import HashSet
from annotator.suggest.lexicon import CueLexicon, load_word_lists
from annotator.suggest.quotes import Quote

PUNCT_END = frozenset(".!?;:,…")
CLOSING_MARKS = frozenset("”\"»’'›")
OPENING_MARKS = frozenset("“\"«„‘'‹")
DASHES = frozenset({"—", "–", "--", "-"})
TIME_NOUNS = frozenset(
    "monday tuesday wednesday thursday friday saturday sunday time week month year night "
    "morning afternoon evening weekend day today yesterday tonight".split()
)
TIME_HEADS = frozenset({"on", "last", "this", "the", "at", "that", "earlier", "later", "each", "every"})
MIN_UNIGRAM_FOR_CONTEXT = 0.15
MAX_COLON_SPEAKER = 6  # words before a speaker's colon
COLON_NOT_SPEAKER = frozenset(
    "photo photos courtesy read also note update editor editor's source sources credit "
    "image video watch related see more click subscribe follow share".split()
)
# A bare word with these endings describes ("fruitful talks", "bilateral accords"),
# it does not speak.
ADJECTIVE_ENDINGS = ("ful", "al", "ive", "ous", "ic", "able", "ible", "less", "ary", "en")
DOUBLE_MARK = re.compile("[“”«»\"]")
BE_FORMS = frozenset({"is", "was", "were", "are", "be", "been", "being", "'s", "’s"})


@dataclass
class Tokens:
    """The columns of a Doc the rules read."""

    text: str
    words: list[str]
    lower: list[str]
    lemma: list[str]
    starts: list[int]
    ends: list[int]
    sent_of: list[int]  # sentence index of each token
    sents: list[tuple[int, int]]  # token [start, end) of each sentence
    # Optional: the LOWER and LEMMA hash columns (numpy) and the hash function, so
    # cue candidates are found by set membership in C rather than word by word.
    lower_ids: Any = None
    lemma_ids: Any = None
    hash_of: Callable[[str], int] | None = None

    def __len__(self) -> int:
        return len(self.words)


@dataclass
class Cue:
    start: int  # token indices, end exclusive
    end: int
    score: float


@dataclass
class Suggestion:
    content: list[tuple[int, int]]  # character pieces
    cue: tuple[int, int] | None
    source: tuple[int, int] | None
    type: str
    score: float
    cue_token: int = -1  # for ordering and entity linking
    source_tokens: tuple[int, int] | None = None
    source_entity: str | None = None
    extra: dict = field(default_factory=dict)

    def as_dict(self) -> dict:
        return {
            "content": self.content,
            "cue": [self.cue] if self.cue else None,
            "source": [self.source] if self.source else None,
            "type": self.type,
            "score": self.score,
            "source_entity": self.source_entity,
        }


def _bigram_keys(firsts, seconds):
    """One uint64 key per pair of word hashes (wrapping arithmetic; a collision only
    makes a pair a candidate, which the phrase table then checks)."""
    import numpy

    with numpy.errstate(over="ignore"):
        return firsts * numpy.uint64(0x9E3779B97F4A7C15) ^ seconds


def _colon_tokens(tokens: Tokens) -> list[int]:
    """Indices of the tokens that are a lone ":", in order."""
    found = []
    text, starts, words = tokens.text, tokens.starts, tokens.words
    position = text.find(":")
    while position != -1:
        index = bisect.bisect_right(starts, position) - 1
        if index >= 0 and words[index] == ":" and starts[index] == position:
            found.append(index)
        position = text.find(":", position + 1)
    return found


def split_sentences(boundaries: set[int], words: list[str]) -> tuple[list[int], list[tuple[int, int]]]:
    """Sentences from token boundaries: the sentencizer's starts and the token after
    each line break (headlines, bullets).

    A boundary that falls on whitespace moves to the next word, so no sentence is
    whitespace only."""
    n = len(words)
    if not n:
        return [], []
    cuts = []
    last = 0
    for i in sorted(boundaries):
        while i < n and not words[i].strip():
            i += 1
        if last < i < n:
            cuts.append(i)
            last = i
    sents = list(zip([0, *cuts], [*cuts, n]))
    sent_of: list[int] = []
    for index, (start, end) in enumerate(sents):
        sent_of.extend([index] * (end - start))
    return sent_of, sents


class Rules:
    """The rule set, configured by thresholds (see components.py for defaults)."""

    def __init__(
        self,
        lexicon: CueLexicon,
        cue_threshold: float = 0.5,
        phrase_threshold: float = 0.5,
        min_score: float = 0.3,
        scare_quotes: bool = True,
        max_scare_words: int = 6,
        in_quote_factor: float = 0.7,
        no_source_factor: float = 0.6,
        bare_nouns: bool = True,
        fallback_factor: float = 0.6,
        colon_score: float = 0.5,
    ):
        self.in_quote_factor = in_quote_factor
        self.bare_nouns = bare_nouns
        self.fallback_factor = fallback_factor
        self.colon_score = colon_score
        self.no_source_factor = no_source_factor
        self.lexicon = lexicon
        self.cue_threshold = cue_threshold
        self.phrase_threshold = phrase_threshold
        self.min_score = min_score
        self.scare_quotes = scare_quotes
        self.max_scare_words = max_scare_words
        words = load_word_lists()
        self.pronouns = words["personal_pronouns"] | words["relative_pronouns"]
        self.determiners = words["determiners"]
        self.titles = words["titles"]
        self.skip_before = words["skip_before_cue"]
        self.np_stop = words["np_stop"]
        self.participles = words["participle_cues"]
        self.trailing = words["time_words"]
        self.possessives = words["possessives"]
        self.not_sources = words["not_sources"]

    @property
    def _candidates(self) -> tuple[frozenset[str], frozenset[str]]:
        """Lemmas and forms that can reach the cue threshold alone or in some context
        (most words cannot, and are skipped without a look at their neighbours)."""
        cached = getattr(self, "_candidate_sets", None)
        if cached is None:
            lexicon, threshold = self.lexicon, self.cue_threshold
            lemmas = {key for key, value in lexicon.lemmas.items() if value >= threshold}
            # A context lifts a word over the threshold ("show that"), but only a word
            # that is a cue now and then on its own: not "a" in "a statement".
            def plausible(word: str) -> bool:
                return lexicon.lemmas.get(word, 0.0) >= MIN_UNIGRAM_FOR_CONTEXT

            lemmas.update(
                word
                for key, value in lexicon.after.items()
                if value >= threshold and plausible(word := key.split("|")[0])
            )
            lemmas.update(
                word
                for key, value in lexicon.before.items()
                if value >= threshold and plausible(word := key.split("|")[1])
            )
            forms = {key for key, value in lexicon.forms.items() if value >= threshold}
            cached = self._candidate_sets = (frozenset(lemmas), frozenset(forms))
        return cached

    def _candidate_hashes(self, hash_of: Callable[[str], int]):
        cached = getattr(self, "_candidate_hash_sets", None)
        if cached is None:
            lemmas, forms = self._candidates
            # Lemmas may keep their capital ("Said"): hash both spellings.
            lemma_words = {w for lemma in lemmas for w in (lemma, lemma.capitalize(), lemma.upper())}
            form_words = set(forms)
            cached = self._candidate_hash_sets = (
                HashSet(hash_of(w) for w in lemma_words),
                HashSet(hash_of(w) for w in form_words),
            )
        return cached

    def _bigram_hashes(self, hash_of: Callable[[str], int]) -> HashSet:
        """The keys (see :func:`_bigram_keys`) of the first two words of every usable
        phrase."""
        cached = getattr(self, "_bigram_hash_set", None)
        if cached is None:
            import numpy

            _, prefixes = self._phrases
            pairs = [(hash_of(first), hash_of(second)) for first, seconds in prefixes.items() for second in seconds]
            firsts = numpy.array([a for a, _ in pairs], dtype="uint64")
            seconds = numpy.array([b for _, b in pairs], dtype="uint64")
            cached = self._bigram_hash_set = HashSet(_bigram_keys(firsts, seconds).tolist())
        return cached

    @property
    def _phrases(self) -> tuple[dict[tuple[str, ...], float], dict[str, dict[str, int]]]:
        """Phrases at or over the threshold, and first word -> second word -> longest."""
        cached = getattr(self, "_phrase_index", None)
        if cached is None:
            usable = {p: v for p, v in self.lexicon.phrases.items() if v >= self.phrase_threshold}
            prefixes: dict[str, dict[str, int]] = {}
            for phrase in usable:
                seconds = prefixes.setdefault(phrase[0], {})
                seconds[phrase[1]] = max(seconds.get(phrase[1], 0), len(phrase))
            cached = self._phrase_index = (usable, prefixes)
        return cached

    # ----------------------------------------------------------------- cues
    def find_cues(self, tokens: Tokens) -> list[Cue]:
        lexicon = self.lexicon
        lower, lemma = tokens.lower, tokens.lemma
        n = len(lower)
        score = [0.0] * n
        scored_at: set[int] = set()  # where score is not 0
        words = tokens.words
        candidate_lemmas, candidate_forms = self._candidates
        if tokens.lemma_ids is not None and tokens.hash_of is not None:
            lemma_hashes, form_hashes = self._candidate_hashes(tokens.hash_of)
            candidates = sorted({*lemma_hashes.positions(tokens.lemma_ids), *form_hashes.positions(tokens.lower_ids)})
        else:
            candidates = [
                i
                for i, (form, base) in enumerate(zip(lower, lemma))
                if base in candidate_lemmas or form in candidate_forms
            ]
        for i in candidates:
            p = i - 1
            while p >= 0 and not words[p].strip():
                p -= 1
            f = i + 1
            while f < n and not words[f].strip():
                f += 1
            value = lexicon.context_precision(
                lower[i], lemma[i], lower[p] if p >= 0 else "", lower[f] if f < n else ""
            )
            if value >= self.cue_threshold:
                score[i] = value
                scored_at.add(i)
        # Phrases ("according to", "in a statement", "told reporters") cover their words.
        phrases, prefixes = self._phrases
        if tokens.lower_ids is not None and tokens.hash_of is not None:
            # Only where the first two words begin some phrase (a handful per document,
            # where the first word alone matches hundreds of times: "the", "in").
            ids = tokens.lower_ids
            phrase_starts = self._bigram_hashes(tokens.hash_of).positions(_bigram_keys(ids[:-1], ids[1:]))
        else:
            phrase_starts = [i for i, form in enumerate(lower) if form in prefixes]
        for i in phrase_starts:
            if i + 1 >= n:
                continue
            longest = prefixes.get(lower[i], {}).get(lower[i + 1])
            if not longest:
                continue
            for size in range(min(longest, n - i), 1, -1):
                value = phrases.get(tuple(lower[i : i + size]))
                if value is not None:
                    for j in range(i, i + size):
                        score[j] = max(score[j], value)
                    scored_at.update(range(i, i + size))
                    break
        cues = []
        skip = self.skip_before
        scored = sorted(i for i in scored_at if score[i])
        position = 0
        while position < len(scored):
            i = scored[position]
            position += 1
            if tokens.words[i] not in PUNCT_END:
                j = i
                while j + 1 < n and score[j + 1] and tokens.sent_of[j + 1] == tokens.sent_of[i]:
                    j += 1
                # Auxiliaries and adverbs ("has repeatedly") belong to a cue, never make one.
                a, b = i, j + 1
                while a < b and lower[a] in skip:
                    a += 1
                while b > a and lower[b - 1] in skip and lower[b - 1] != "to":
                    b -= 1
                if a < b:
                    cues.append(Cue(a, b, max(score[a:b])))
                while position < len(scored) and scored[position] <= j:
                    position += 1
        return cues

    # ------------------------------------------------------------- helpers
    def _is_name(self, i: int, tokens: Tokens) -> bool:
        word = tokens.words[i]
        if word[-1:] in "-—–" and word[:-1].isupper():
            return False  # a dateline glued to what follows: "URUMQI- Caretaker ..."
        return word[:1].isupper() and tokens.lower[i] not in self.np_stop

    def source_left(self, cue_start: int, tokens: Tokens, sent_start: int) -> tuple[int, int] | None:
        """The minimal noun phrase just before the cue ("the ISPR", "he", "Mr. Trump")."""
        lower, words = tokens.lower, tokens.words
        j = self._skip_left(cue_start, tokens, sent_start)
        if j < sent_start:
            return None
        if words[j] == ")":
            # "Governor Mary Fallin (R-OK) said": the name before the parenthesis
            k = j - 1
            while k > sent_start and j - k < 8 and words[k] != "(":
                k -= 1
            if words[k] == "(":
                inner = self._np_ending_at(k - 1, tokens, sent_start)
                if inner is not None:
                    return (inner[0], j + 1)
            return None
        if lower[j] == "that" and j - 1 >= sent_start and words[j - 1][:1].isalpha() and lower[j - 1] not in self.np_stop:
            return (j, j + 1)  # "groups that have endorsed him"
        if words[j] == "," and j - 1 > sent_start:
            # An apposition: "Carter's press secretary, Peter Cook, told ..." or a relative
            # clause: "Paradis, who has been active in politics since 25, says ..."
            k = j - 1
            while k > sent_start and j - k < 25 and words[k] not in (",", "(", ")", ";", ":") and lower[k] != "that":
                k -= 1
            if k > sent_start and words[k] != "," and lower[k] in ("who", "which") and words[k - 1] == ",":
                k -= 1
                outer = self._np_ending_at(k - 1, tokens, sent_start)
                return (outer[0], j) if outer is not None else None
            if j - k >= 10:
                return None
            if words[k] == "," and k - 1 >= sent_start and j - k > 1:
                inner = self._np_ending_at(j - 1, tokens, k + 1)
                outer = self._np_ending_at(k - 1, tokens, sent_start)
                if inner is not None and inner[0] == k + 1 and outer is not None:
                    return (outer[0], j)
            return None
        found = self._np_ending_at(j, tokens, sent_start)
        if found is not None and found[1] - found[0] == 1:
            word = lower[found[0]]
            if word in self.not_sources or word in TIME_NOUNS:
                return None
        return found

    def _skip_left(self, cue_start: int, tokens: Tokens, sent_start: int) -> int:
        """The last token before the cue that is not an auxiliary or adverb."""
        lower = tokens.lower
        j = cue_start - 1
        while j >= sent_start:
            word = lower[j]
            if word in self.skip_before or (word.endswith("ly") and word.isalpha() and len(word) > 4) or not word.strip():
                j -= 1
            elif word in TIME_NOUNS and j - 1 >= sent_start and lower[j - 1] in TIME_HEADS:
                # "Clinton on Tuesday said", "Trump at the time said"
                j -= 2
                while j >= sent_start and lower[j] in TIME_HEADS:
                    j -= 1
            else:
                break
        return j

    def is_passive(self, cue_start: int, tokens: Tokens, sent_start: int) -> bool:
        """ "was announced", "is expected", "has been reported": no source on the left."""
        if tokens.lower[cue_start].endswith("ing"):
            return False  # "are vowing": progressive, the subject speaks
        j = self._skip_left(cue_start, tokens, sent_start)
        return any(tokens.lower[k] in BE_FORMS for k in range(max(j + 1, sent_start), cue_start))

    def _np_ending_at(self, j: int, tokens: Tokens, sent_start: int) -> tuple[int, int] | None:
        lower, words = tokens.lower, tokens.words
        if j < sent_start:
            return None
        word = lower[j]
        if word in self.pronouns:
            return (j, j + 1)
        if not words[j][:1].isalnum() or word in self.np_stop or word in self.determiners:
            return None
        end = j + 1
        if self._is_name(j, tokens):
            k = j
            while k - 1 >= sent_start and (
                self._is_name(k - 1, tokens) or lower[k - 1] in self.titles
                or (words[k] == "-" and words[k - 1][:1].isalpha())
                or (lower[k - 1] in ("of", "for") and k - 2 >= sent_start and self._is_name(k - 2, tokens) and j - k < 4)
                or lower[k - 1] in ("'s", "’s") or words[k - 1] in ("-",)
            ):
                k -= 1
            if k - 1 >= sent_start and lower[k - 1] in self.determiners:
                k -= 1
            for m in range(k, j):
                # a dateline glued to the name: "URUMQI- Caretaker Prime Minister ..."
                if words[m] in ("-", "—", "–") and words[m - 1].isupper() and len(words[m - 1]) > 2 and m - 1 >= k:
                    k = m + 1
            while lower[k] in ("of", "for", "'s", "’s") and k < j:
                k += 1
            return (k, end)
        # A common noun phrase: walk back over words to a determiner (at most 5 words).
        k = j
        while k - 1 >= sent_start and j - k < 5:
            previous = lower[k - 1]
            if previous in self.determiners or previous in self.possessives:
                k -= 1
                break
            if previous in ("'s", "’s"):
                k -= 1
                continue
            if not words[k - 1][:1].isalnum() or previous in self.np_stop or previous.endswith(("ing", "ed")):
                break
            k -= 1
        if k == j and lower[k] not in self.determiners and not words[k][:1].isupper():
            # A bare lower-case word: accept plural nouns and a few nouns of people.
            if not (word.endswith("s") or word in self.titles or self.bare_nouns) or word.endswith(("ing", "ed")):
                return None
            if word.endswith(ADJECTIVE_ENDINGS) and word not in self.titles:
                return None
        return (k, end)

    def source_right(self, start: int, tokens: Tokens, sent_end: int) -> tuple[int, int] | None:
        """The noun phrase after a cue ("said Trump", "according to the ISPR")."""
        lower, words = tokens.lower, tokens.words
        k = start
        if k >= sent_end:
            return None
        if lower[k] in self.pronouns and lower[k] not in ("it", "which"):
            return (k, k + 1)
        end = k
        while end < sent_end and end - k < 8:
            word = words[end]
            if not word[:1].isalnum() and word not in ("'s", "’s", "-", "&"):
                break
            if end > k and lower[end] in self.np_stop and lower[end] not in ("of",):
                break
            if end > k and lower[end] == "of" and not (end + 1 < sent_end and (self._is_name(end + 1, tokens) or lower[end + 1] == "the")):
                break
            end += 1
        if end == k:
            return None
        while end > k + 1 and lower[end - 1] in ("of", "the", "'s", "’s"):
            end -= 1
        return (k, end)

    def _char(self, tokens: Tokens, a: int, b: int) -> tuple[int, int]:
        return (tokens.starts[a], tokens.ends[b - 1])

    def _content(self, tokens: Tokens, a: int, b: int) -> tuple[int, int] | None:
        """Token range [a, b) as characters, trimmed of edge punctuation (quotes kept)."""
        words = tokens.words
        while a < b and (words[a] in PUNCT_END or words[a] in DASHES or words[a].isspace()):
            a += 1
        while b > a and (words[b - 1] in PUNCT_END or words[b - 1] in DASHES or words[b - 1].isspace()):
            b -= 1
        if b - a < 1:
            return None
        return self._char(tokens, a, b)

    # -------------------------------------------------------- attributions
    def build(self, tokens: Tokens, cues: list[Cue], quotes: list[Quote]) -> list[Suggestion]:
        n = len(tokens)
        if not n:
            return []
        top_quotes = [q for q in quotes if q.double and q.depth == 0]
        # token index -> quote that starts / ends there
        starts_at: dict[int, Quote] = {}
        ends_at: dict[int, Quote] = {}
        token_starts, token_ends = tokens.starts, tokens.ends
        for quote in top_quotes:
            first = bisect.bisect_left(token_starts, quote.start)
            if first < n and token_starts[first] == quote.start:
                starts_at[first] = quote
            last = bisect.bisect_left(token_ends, quote.end)
            if last < n and token_ends[last] == quote.end:
                ends_at[last] = quote
        suggestions: list[Suggestion] = []
        used_quotes: set[Quote] = set()
        previous_source: dict[int, tuple[int, int]] = {}  # sentence -> last source tokens
        # Top-level quotes never overlap, so the one a cue may sit in is the last
        # that starts before it.
        quoted_starts = [q.start for q in top_quotes]
        for cue in cues:
            found = self._from_cue(tokens, cue, starts_at, ends_at, previous_source)
            if found is not None and found.cue is not None and found.type != "direct":
                # A cue inside someone's quoted words is reported speech within speech:
                # annotators mark it less often.
                cue_start = found.cue[0]
                before = bisect.bisect_left(quoted_starts, cue_start) - 1
                if before >= 0 and cue_start < top_quotes[before].end:
                    found.score *= self.in_quote_factor
            if found is None:
                continue
            if found.score < self.min_score:
                continue
            if found.source_tokens:
                previous_source[tokens.sent_of[cue.start]] = found.source_tokens
            quote = found.extra.get("quote")
            if quote is not None:
                if quote in used_quotes:
                    continue
                used_quotes.add(quote)
                used_quotes.update(found.extra.get("more_quotes", ()))
            suggestions.append(found)
        suggestions.extend(self._colon_speakers(tokens, cues))
        if self.scare_quotes:
            suggestions.extend(self._scare_quotes(tokens, quotes, suggestions, used_quotes))
        return suggestions

    def _colon_speakers(self, tokens: Tokens, cues: list[Cue]) -> list[Suggestion]:
        """ "Paul Ryan: FBI decision defies explanation", "FALLIN: I think ...": a short
        name opening a sentence or line, then a colon, as in headlines and transcripts."""
        if self.colon_score <= 0:
            return []
        words, lower = tokens.words, tokens.lower
        cue_tokens = {i for cue in cues for i in range(cue.start, cue.end)}
        found = []
        shouted: dict[str, int] = {}  # ALL-CAPS one-word speakers: a transcript repeats them
        colons = _colon_tokens(tokens)  # few per document: looked up, not scanned for
        for s, e in tokens.sents:
            limit = min(e - 1, s + MAX_COLON_SPEAKER + 1)
            first = bisect.bisect_left(colons, s + 1)
            colon = colons[first] if first < len(colons) and colons[first] < limit else None
            if colon is None or colon + 1 >= e:
                continue
            speaker = range(s, colon)
            if any(i in cue_tokens for i in speaker):
                continue  # "he said: ..." is the verb's, not the colon's
            if not words[s][:1].isupper() or not all(
                words[i][:1].isalnum() or words[i] in ("(", ")", "’s", "'s", ".", "-") for i in speaker
            ):
                continue
            if any(lower[i] in COLON_NOT_SPEAKER for i in speaker):
                continue  # "Photo courtesy:", "Also read:", "Editor's note:"
            content = self._content(tokens, colon + 1, e)
            if content is None:
                continue
            suggestion = self._make(tokens, [content], (colon, colon + 1), (s, colon), "indirect", self.colon_score)
            if colon - s == 1 and words[s].isupper() and len(words[s]) > 3:
                shouted[words[s]] = shouted.get(words[s], 0) + 1
                suggestion.extra["shouted"] = words[s]
            found.append(suggestion)
        # "ISLAMABAD: ..." once is a dateline; "FALLIN: ..." again and again is a speaker.
        return [f for f in found if shouted.get(f.extra.get("shouted", ""), 2) >= 2]

    def _from_cue(self, tokens, cue, starts_at, ends_at, previous_source) -> Suggestion | None:
        lower, words = tokens.lower, tokens.words
        sentence = tokens.sent_of[cue.start]
        s, e = tokens.sents[sentence]
        a, b = cue.start, cue.end
        cue_chars = self._char(tokens, a, b)
        cue_words = tuple(lower[a:b])

        # according to X
        if cue_words[:2] == ("according", "to") or (lower[a] == "according" and b < e and lower[b] == "to"):
            after = a + 2
            source = self.source_right(after, tokens, e)
            if source is None:
                return None
            source_end = source[1]
            left = self._content(tokens, s, a)
            if left is None or a - s <= 1:
                k = source_end
                while k < e and words[k] not in (",",):
                    k += 1
                content = self._content(tokens, k, e)
            else:
                content = left
            if content is None:
                return None
            return self._make(tokens, [content], (a, after), source, "according_to", cue.score)

        # a quote before the cue: “...,” X said / “...,” said X
        quote, between = self._quote_before(tokens, a, ends_at)
        if quote is not None and between is None and (lower[a] in self.participles or (b < e and lower[b] == "that")):
            quote = None  # “...,” adding that ...: not the quote's own cue
        if quote is not None:
            if between is not None:
                source = between
            else:
                source = self.source_right(b, tokens, len(words))
            pieces = [(quote.start, quote.end)]
            more = []
            # interrupted quote: “...,” she said, “...”
            after = b if between is not None else (source[1] if source else b)
            gap_start = after
            while after < len(words) and words[after] in (",", ":"):
                after += 1
            if after < len(words) and after in starts_at and after - gap_start <= 1:
                second = starts_at[after]
                pieces.append((second.start, second.end))
                more.append(second)
            suggestion = self._make(tokens, pieces, (a, b), source, "direct", cue.score)
            suggestion.extra["quote"] = quote
            suggestion.extra["more_quotes"] = more
            return suggestion

        # a quote right after the cue: X said: “...”
        k = b
        while k < e and words[k] in (",", ":") :
            k += 1
        if k < len(words) and k in starts_at and k - b <= 1:
            quote = starts_at[k]
            source = self.source_left(a, tokens, s)
            if source is None and a > s and words[a - 1] == ",":
                source = previous_source.get(sentence)
            if source is None and (b < e and words[b] not in (",", ":")):
                source = self.source_right(b, tokens, e)
            suggestion = self._make(tokens, [(quote.start, quote.end)], (a, b), source, "direct", cue.score)
            suggestion.extra["quote"] = quote
            return suggestion

        passive = self.is_passive(a, tokens, s)
        if passive:
            source = self.source_right(b + 1, tokens, e) if b < e and lower[b] == "by" else None
        else:
            source = self.source_left(a, tokens, s)
        before = self._skip_left(a, tokens, s)
        participle = (lower[a] in self.participles or lower[a].endswith("ing")) and before >= s and words[before] == ","
        coordinated = before >= s and lower[before] in ("and", "but", "or")
        # "she will have to continue to emphasize ...": the infinitive's speaker is the subject
        infinitive = a - 1 >= s and lower[a - 1] == "to" and not passive
        if infinitive and (source is None or lower[source[1] - 1] in self.not_sources):
            subject_end = self._first_np_end(tokens, s, a)
            source = self._np_ending_at(subject_end, tokens, s) if subject_end >= 0 else source
        if source is None and (participle or coordinated) and not passive:
            # "He congratulated her and praised ...", "Trump reversed himself, telling ..."
            source = previous_source.get(sentence) or self._np_ending_at(self._first_np_end(tokens, s, a), tokens, s)
        # "..., said X."
        if source is None and a > s and words[a - 1] in (",", "—"):
            right = self.source_right(b, tokens, e)
            if right is not None and self._only_trailing(tokens, right[1], e):
                content = self._content(tokens, s, a - 1)
                if content:
                    return self._make(tokens, [content], (a, b), right, "indirect", cue.score * 0.95)
        # content on the right: X said (that) ...
        right_start = b
        while right_start < e and lower[right_start] in (",", ":", "that", "—", "–"):
            right_start += 1
        if not self._only_trailing(tokens, right_start, e) and e - right_start >= 2:
            content = self._content(tokens, right_start if lower[b:b + 1] != ["that"] else b, e)
            if content is None:
                return None
            factor = 1.0 if source is not None or passive else self.no_source_factor
            return self._make(tokens, [content], (a, b), source, "indirect", cue.score * factor)
        # content on the left: "..., X said."
        if source is not None:
            left_end = source[0]
            if left_end > s and words[left_end - 1] in (",", "—", "–"):
                content = self._content(tokens, s, left_end - 1)
                if content:
                    return self._make(tokens, [content], (a, b), source, "indirect", cue.score * 0.9)
        # Fallback: whatever the cue has beside it (short right part, or the words before).
        fallback = None
        if e - right_start >= 1:
            fallback = self._content(tokens, right_start, e)
        if fallback is None:
            left_end = source[0] if source is not None else a
            if left_end - s >= 2:
                fallback = self._content(tokens, s, left_end)
        if fallback is not None:
            return self._make(tokens, [fallback], (a, b), source, "indirect", cue.score * self.fallback_factor)
        return None

    def _first_np_end(self, tokens: Tokens, s: int, limit: int) -> int:
        """The last token of the sentence's opening noun phrase (its likely subject)."""
        lower, words = tokens.lower, tokens.words
        if s >= limit:
            return -1
        if lower[s] in self.pronouns:
            return s
        k = s
        while k + 1 < limit and (self._is_name(k + 1, tokens) or lower[k + 1] in self.titles) and k - s < 5:
            k += 1
        return k if words[s][:1].isupper() else -1

    def _only_trailing(self, tokens: Tokens, start: int, end: int) -> bool:
        """True when tokens [start, end) hold nothing but punctuation and time/place adjuncts."""
        if end - start > 6:
            return False
        for i in range(start, end):
            word = tokens.lower[i]
            if word in PUNCT_END or word.isspace() or word in self.trailing or word in CLOSING_MARKS:
                continue
            if tokens.words[i][:1].isupper() or tokens.words[i][:1].isdigit():
                continue
            return False
        return True

    def _quote_before(self, tokens, a, ends_at) -> tuple[Quote | None, tuple[int, int] | None]:
        """The quote ending just before the cue, and the source between them if any."""
        words = tokens.words
        j = a - 1
        while j >= 0 and (tokens.lower[j] in self.skip_before or words[j] == ","):
            if j in ends_at:
                break
            j -= 1
        if j in ends_at:
            return (ends_at[j], None) if self._interrupts(tokens, ends_at[j], a) else (None, None)
        if not ends_at or min(ends_at) >= a:
            return None, None  # no quote ends before the cue: no source to look for
        source = self.source_left(a, tokens, 0)
        if source is None:
            return None, None
        k = source[0] - 1
        while k >= 0 and words[k] in (",",):
            k -= 1
        if k in ends_at and source[1] - source[0] <= 6 and self._interrupts(tokens, ends_at[k], source[0]):
            return ends_at[k], source
        return None, None

    def _interrupts(self, tokens: Tokens, quote: Quote, next_token: int) -> bool:
        """Whether a quote runs on into the attribution after it (“...,” she said) rather
        than closing a sentence of its own (“...found.” He added, ...)."""
        inner = tokens.text[quote.start : quote.end].rstrip("”\"»’'\u200b ")
        last = inner[-1:]
        if last in (",", "—", "–", "-") or (last and last not in ".?!…"):
            return True
        return last in "?!" and next_token < len(tokens) and tokens.words[next_token][:1].islower()

    def _make(self, tokens, content_pieces, cue_tokens, source_tokens, kind, score) -> Suggestion:
        cue = self._char(tokens, *cue_tokens) if cue_tokens else None
        source = self._char(tokens, *source_tokens) if source_tokens else None
        if kind == "indirect" and len(content_pieces) == 1:
            a, b = content_pieces[0]
            if DOUBLE_MARK.search(tokens.text, a, b):
                kind = "mixed"
        return Suggestion(
            content=content_pieces,
            cue=cue,
            source=source,
            type=kind,
            score=min(1.0, max(0.0, score)),
            cue_token=cue_tokens[0] if cue_tokens else -1,
            source_tokens=source_tokens,
        )

    def _scare_quotes(self, tokens: Tokens, quotes: list[Quote], suggestions, used) -> list[Suggestion]:
        """Short quoted terms in sentences near a reported statement, given its source."""
        by_sentence: dict[int, Suggestion] = {}
        for suggestion in suggestions:
            if suggestion.source_tokens is not None and suggestion.cue_token >= 0:
                by_sentence.setdefault(tokens.sent_of[suggestion.cue_token], suggestion)
        if not by_sentence:
            return []
        covered = [piece for s in suggestions for piece in s.content]
        found = []
        starts = tokens.starts
        for quote in quotes:
            if quote in used:
                continue
            inner = tokens.text[quote.start + 1 : quote.end - 1].strip()
            words = inner.split()
            if not words or len(words) > self.max_scare_words or inner[-1:] in ".!?,":
                continue
            token = max(0, bisect.bisect_right(starts, quote.start) - 1)
            sentence = tokens.sent_of[token]
            # Inside another suggestion's content it is part of that claim already.
            if any(a <= quote.start and quote.end <= b for a, b in covered):
                continue
            near = by_sentence.get(sentence) or by_sentence.get(sentence - 1) or by_sentence.get(sentence + 1)
            if near is None:
                continue
            found.append(
                Suggestion(
                    content=[(quote.start, quote.end)],
                    cue=None,
                    source=near.source,
                    type="scare_quote",
                    score=0.4,
                    cue_token=token,
                    source_tokens=near.source_tokens,
                )
            )
        return found

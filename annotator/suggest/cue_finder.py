"""Finding cues: words and phrases whose precision as a cue (the lexicon built from
PolNeAR train) reaches the threshold, alone or beside their neighbours."""

from __future__ import annotations

from collections.abc import Callable

from annotator.suggest.hashtables import HashSet
from annotator.suggest.lexicon import CueLexicon
from annotator.suggest.tokens import (
    MAX_ACTION_VERB_PRECISION,
    MIN_UNIGRAM_FOR_CONTEXT,
    PUNCT_END,
    Cue,
    Tokens,
    _bigram_keys,
)


class CueFinder:
    """The cue half of :class:`annotator.suggest.rules.Rules`."""

    lexicon: CueLexicon
    cue_threshold: float
    phrase_threshold: float
    skip_before: frozenset[str]
    event_objects: frozenset[str]
    event_particles: frozenset[str]
    phrase_openers: frozenset[str]

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
                phrase_value = phrases.get(tuple(lower[i : i + size]))
                if phrase_value is not None:
                    for j in range(i, i + size):
                        score[j] = max(score[j], phrase_value)
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
                if a < b and not self._names_an_action(tokens, a, b):
                    cues.append(Cue(a, b, max(score[a:b])))
                while position < len(scored) and scored[position] <= j:
                    position += 1
        return cues

    def _names_an_action(self, tokens: Tokens, a: int, b: int) -> bool:
        """A verb that is only sometimes a cue, here doing something rather than saying
        it: "offered prayers", "launched a series of attacks", "laid off 200 workers".

        Verbs that are cues most of the time ("condemned the attacks", "denied the
        strikes") keep their object, whatever it is."""
        if b - a != 1 or self.lexicon.lemmas.get(tokens.lemma[a], 0.0) >= MAX_ACTION_VERB_PRECISION:
            return False
        lower, words = tokens.lower, tokens.words
        sentence_end = tokens.sents[tokens.sent_of[a]][1]
        k = b
        while k < sentence_end and not words[k].strip():
            k += 1
        if k < sentence_end and lower[k] in self.event_particles:
            return True
        for i in range(k, min(sentence_end, k + 6)):
            word = lower[i]
            if word in self.event_objects:
                return True
            if not word[:1].isalnum() or word in self.phrase_openers or word.endswith("ing"):
                return False  # the object ended: "offered condolences to the victims of the attacks"
        return False

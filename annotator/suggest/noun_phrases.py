"""Noun phrases without a parser: the source before or after a cue, the sentence's
subject, passives."""

from __future__ import annotations

from annotator.suggest.tokens import (
    ADJECTIVE_ENDINGS,
    BE_FORMS,
    TIME_HEADS,
    TIME_NOUNS,
    Tokens,
)


class NounPhrases:
    """The source-finding half of :class:`annotator.suggest.rules.Rules`."""

    pronouns: frozenset[str]
    determiners: frozenset[str]
    titles: frozenset[str]
    skip_before: frozenset[str]
    np_stop: frozenset[str]
    possessives: frozenset[str]
    not_sources: frozenset[str]
    bare_nouns: bool
    name_particles: frozenset[str]
    adjunct_starts: frozenset[str]
    nouns_like_adjectives: frozenset[str]
    issued_documents: frozenset[str]

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
        if found is not None:
            found = self._coordinated(found, tokens, sent_start)
        return found

    def _coordinated(self, found: tuple[int, int], tokens: Tokens, sent_start: int) -> tuple[int, int]:
        """ "China and Pakistan reaffirmed": both conjuncts, when the coordination is the
        sentence's subject (it opens the sentence, follows "both" or an opening phrase
        such as "During the visit,"). "..., and China emphasized" stays "China"."""
        lower, words = tokens.lower, tokens.words
        k = found[0]
        if k - 2 < sent_start or lower[k - 1] not in ("and", "&"):
            return found
        left = self._np_ending_at(k - 2, tokens, sent_start)
        if left is None or lower[left[0]] in self.pronouns:
            return found
        start = left[0]
        while start > sent_start and not words[start - 1].strip():
            start -= 1
        if start == sent_start:
            return (left[0], found[1])
        before = lower[start - 1]
        if before == "both":
            return (start - 1, found[1])
        if before == "," and lower[sent_start] in self.adjunct_starts and start - sent_start <= 8:
            return (left[0], found[1])
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
                # "Anwaar ul Haq Kakar", "Ludwig van Beethoven": a particle between names
                or (lower[k - 1] in self.name_particles and k - 2 >= sent_start and self._is_name(k - 2, tokens))
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
            if word.endswith(ADJECTIVE_ENDINGS) and word not in self.titles and word not in self.nouns_like_adjectives:
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
        # "according to a statement from Kakar's office": who issued it is the source
        if end + 1 < sent_end and lower[end - 1] in self.issued_documents and lower[end] in ("from", "by"):
            issuer = self.source_right(end + 1, tokens, sent_end)
            if issuer is not None:
                return issuer
        return (k, end)


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

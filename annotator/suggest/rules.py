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

from annotator.suggest.cue_finder import CueFinder
from annotator.suggest.lexicon import CueLexicon, load_word_lists
from annotator.suggest.noun_phrases import NounPhrases
from annotator.suggest.quotes import Quote
from annotator.suggest.tokens import (  # noqa: F401  (importable from here, as before)
    CLOSING_MARKS,
    COLON_NOT_SPEAKER,
    DASHES,
    DOUBLE_MARK,
    MAX_COLON_SPEAKER,
    PUNCT_END,
    Cue,
    Suggestion,
    Tokens,
    _colon_tokens,
    split_sentences,
)


class Rules(CueFinder, NounPhrases):
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
        self.event_objects = words["event_objects"]
        self.event_particles = words["event_particles"]
        self.name_particles = words["name_particles"]
        self.adjunct_starts = words["adjunct_starts"]
        self.nouns_like_adjectives = words["nouns_like_adjectives"]
        self.issued_documents = words["issued_documents"]
        # Words after which a verb's object has ended.
        self.phrase_openers = self.adjunct_starts | {"to", "into", "for", "about", "against", "over", "that", "by", "and"}

    def _char(self, tokens: Tokens, a: int, b: int) -> tuple[int, int]:
        return (tokens.starts[a], tokens.ends[b - 1])

    def _content(self, tokens: Tokens, a: int, b: int) -> tuple[int, int] | None:
        """Token range [a, b) as characters, trimmed of edge punctuation (quotes kept)."""
        words = tokens.words
        if b - a > 3 and words[a + 1] == ":" and words[a].isupper() and len(words[a]) > 2:
            a += 2  # a dateline ("ISLAMABAD: ...") is the reporter's, not the claim
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
            found_quote: Quote | None = found.extra.get("quote")
            if found_quote is not None:
                if found_quote in used_quotes:
                    continue
                used_quotes.add(found_quote)
                used_quotes.update(found.extra.get("more_quotes", ()))
            suggestions.append(found)
        suggestions.extend(self._colon_speakers(tokens, cues))
        if self.scare_quotes:
            suggestions.extend(self._scare_quotes(tokens, quotes, suggestions, used_quotes))
        return self._without_repeated_lines(tokens, suggestions)

    def _without_repeated_lines(self, tokens: Tokens, suggestions: list[Suggestion]) -> list[Suggestion]:
        """A news page repeats its headline (above the photo, again above the text): a
        line seen before gets no second copy of its suggestions."""
        text = tokens.text
        seen_lines: set[str] = set()
        repeated: list[tuple[int, int]] = []
        position = 0
        while position < len(text):
            end = text.find("\n", position)
            end = len(text) if end == -1 else end
            line = text[position:end].strip()
            if line:
                if line in seen_lines:
                    repeated.append((position, end))
                seen_lines.add(line)
            position = end + 1
        if not repeated:
            return suggestions
        return [
            s for s in suggestions
            if not any(a <= s.content[0][0] and s.content[-1][1] <= b for a, b in repeated)
        ]

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
        # ", his office said, in a rare visit to ...": the claim is the clause before the
        # source; what follows the cue's comma is an adverbial phrase, not a clause.
        if source is not None and source[0] - 2 > s and words[source[0] - 1] == ",":
            k = b
            while k < e and (lower[k] in self.trailing or words[k][:1].isupper()) and k - b < 4:
                k += 1  # "said on Tuesday,"
            if k + 1 < e and words[k] == "," and lower[k + 1] in self.adjunct_starts:
                content = self._content(tokens, s, source[0] - 1)
                if content:
                    return self._make(tokens, [content], (a, b), source, "indirect", cue.score * 0.9)
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
        """Short quoted terms in sentences near a reported statement."""
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
            # The guidelines: a scare quote has neither source nor cue (the writer keeps
            # a distance from the word); the statement nearby only makes it likely.
            found.append(
                Suggestion(content=[(quote.start, quote.end)], cue=None, source=None, type="scare_quote", score=0.4)
            )
        return found

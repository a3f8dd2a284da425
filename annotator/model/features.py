"""Token features for the two CRFs of the attribution model.

Both read one processed Doc (rules pipeline: tokens, sentences, lemmas, quotes, the
rules' cues and attributions) through :class:`DocView`:

- the cue tagger labels every token of a sentence B-CUE / I-CUE / O;
- the role labeller, run once per cue, labels the tokens of a window around that cue
  (its sentence, the neighbouring ones, and any quotation that starts or ends there)
  B-S / I-S (source), B-C / I-C (content) or O.

The rules' own cues and spans are features, not decisions: the CRFs learn where to
trust them. Features are plain strings (python-crfsuite hashes nothing itself).
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field

from annotator.quotes import ALL_QUOTES

PRONOUNS = frozenset(
    ["i", "you", "he", "she", "it", "we", "they", "me", "him", "her", "us", "them", "who", "this", "that", "these", "those", "one"]
)
# A window never grows past this many sentences on either side of its cue's sentence.
MAX_EXTRA_SENTENCES = 6


DASHES = frozenset(["-", "--", "—", "–", "―", "‒", "−"])


def _punct_kind(word: str) -> str:
    if word in DASHES or (len(word) > 1 and all(c in DASHES for c in word)):
        return "dash"
    if word == ":":
        return "colon"
    if word and word[-1] in DASHES and word[0] in ALL_QUOTES:
        return "qdash"  # a quotation mark glued to a dash: ”―
    return ""


def _is_break(word: str) -> bool:
    return "\n" in word and word.isspace()


def _shape(word: str) -> str:
    if word.isalpha():
        if word.isupper():
            return "X" if len(word) > 1 else "X1"
        if word[0].isupper():
            return "Xx"
        return "x"
    if word.isdigit():
        return "d"
    if word in ALL_QUOTES:
        return "q"
    if all(not c.isalnum() for c in word):
        return "p" + word[:2]
    return "m"


def _bucket(distance: int) -> str:
    if distance <= 3:
        return str(distance)
    if distance <= 5:
        return "4-5"
    if distance <= 10:
        return "6-10"
    if distance <= 20:
        return "11-20"
    if distance <= 40:
        return "21-40"
    return "41+"


@dataclass
class DocView:
    """What the features read of one document, in token units."""

    text: str
    words: list[str]
    lower: list[str]
    lemma: list[str]
    starts: list[int]
    ends: list[int]
    sent_of: list[int]
    sents: list[tuple[int, int]]
    quote_of: list[int]  # index of the innermost quotation holding the token, -1: none
    quotes: list[tuple[int, int]]  # token [start, end) of each quotation (marks included)
    rule_cue: list[str]  # "" or a bucket of the rules' cue score
    rule_frames: list[tuple[tuple[int, int], set[int], set[int]]] = field(default_factory=list)
    base: list[list[str]] = field(default_factory=list)

    @classmethod
    def of(cls, doc) -> DocView:
        from annotator.suggest.components import _cached_tokens

        tokens = _cached_tokens(doc)
        count = len(tokens.words)
        starts, ends = tokens.starts, tokens.ends
        lemma = list(tokens.lemma) if count else []
        view = cls(
            text=tokens.text,
            words=tokens.words,
            lower=tokens.lower,
            lemma=lemma,
            starts=starts,
            ends=ends,
            sent_of=tokens.sent_of,
            sents=tokens.sents,
            quote_of=[-1] * count,
            quotes=[],
            rule_cue=[""] * count,
        )
        for start, end, *_ in sorted(doc._.quotes or [], key=lambda q: (q[0], -q[1])):
            a, b = view.token_range(start, end)
            if a >= b:
                continue
            index = len(view.quotes)
            view.quotes.append((a, b))
            for i in range(a, b):
                view.quote_of[i] = index  # later (inner) quotations overwrite outer ones
        for start, end, score in doc._.cues or []:
            bucket = "h" if score >= 0.7 else "m" if score >= 0.4 else "l"
            for i in range(int(start), int(end)):
                view.rule_cue[i] = ("B" if i == start else "I") + bucket
        for frame in doc._.attributions or []:
            if not frame.get("cue"):
                continue
            cue = view.pieces_tokens(frame["cue"])
            if not cue:
                continue
            view.rule_frames.append(
                ((min(cue), max(cue) + 1), view.pieces_tokens(frame.get("source")), view.pieces_tokens(frame["content"]))
            )
        view.base = [view._base_features(i) for i in range(count)]
        return view

    def __len__(self) -> int:
        return len(self.words)

    def token_range(self, start: int, end: int) -> tuple[int, int]:
        """Tokens [a, b) that the characters [start, end) touch."""
        a = bisect.bisect_right(self.ends, start)
        b = bisect.bisect_left(self.starts, end)
        return a, b

    def pieces_tokens(self, pieces) -> set[int]:
        found: set[int] = set()
        for start, end in pieces or ():
            found.update(range(*self.token_range(int(start), int(end))))
        return found

    def _base_features(self, i: int) -> list[str]:
        lower, lemma, words = self.lower, self.lemma, self.words
        n = len(words)
        word = lower[i]
        features = [
            "w=" + word,
            "l=" + lemma[i],
            "s=" + _shape(words[i]),
            "x3=" + word[-3:],
            "rc=" + self.rule_cue[i],
            "q=" + ("1" if self.quote_of[i] >= 0 else "0"),
        ]
        sentence = self.sents[self.sent_of[i]]
        if i == sentence[0]:
            features.append("first")
        if i == sentence[1] - 1:
            features.append("last")
        for offset in (-2, -1, 1, 2):
            j = i + offset
            if 0 <= j < n:
                features.append(f"w{offset}={lower[j]}")
                if offset in (-1, 1):
                    features.append(f"l{offset}={lemma[j]}")
                    features.append(f"rc{offset}={self.rule_cue[j]}")
            else:
                features.append(f"w{offset}=<>")
        if i > 0:
            features.append(f"b-={lower[i - 1]}|{word}")
        if i + 1 < n:
            features.append(f"b+={word}|{lower[i + 1]}")
        return features

    # -- cue tagger -------------------------------------------------------------
    def cue_sequence(self, sentence: int) -> list[list[str]]:
        a, b = self.sents[sentence]
        # Models trained before these features existed never saw them: CRFsuite drops
        # attributes it does not know, so such a model labels exactly as it did.
        return [self.base[i] + self._cue_features(i, a, b) for i in range(a, b)]

    def _cue_features(self, i: int, a: int, b: int) -> list[str]:
        """What the cue tagger alone reads besides the shared features: the layout
        around the token (a line start: interview turns "PENCE: ..."; a quotation
        closing before or opening after it: "... .” ― Name"), dashes and colons as one
        class each, and word pairs the linear model cannot form itself."""
        lower, lemma, words, text = self.lower, self.lemma, self.words, self.text
        starts, ends = self.starts, self.ends
        n = len(words)
        word = lower[i]
        # spaCy keeps a line break as a whitespace token of its own ("\n"), or as the
        # trailing whitespace of the token before
        line_start = i == 0 or "\n" in text[ends[i - 1] : starts[i]] or _is_break(words[i - 1])
        line_end = i + 1 >= n or "\n" in text[ends[i] : starts[i + 1]] or _is_break(words[i + 1])
        features = []
        if line_start:
            features.append("nl<")
        if line_end:
            features.append("nl>")
        kind = _punct_kind(word)
        if kind:
            features.append("pk=" + kind)
            features.append("pk_s-1=" + kind + (_shape(words[i - 1]) if i > 0 else "<>"))
            features.append("pk_s+1=" + kind + (_shape(words[i + 1]) if i + 1 < n else "<>"))
        previous = _punct_kind(lower[i - 1]) or _shape(words[i - 1]) if i > 0 else "<>"
        following = _punct_kind(lower[i + 1]) or _shape(words[i + 1]) if i + 1 < n else "<>"
        features.append("k-1=" + previous)
        features.append("k+1=" + following)
        features.append("k-1_l=" + previous + "|" + lemma[i])
        features.append("l_k+1=" + lemma[i] + "|" + following)
        # a quotation ending just before / starting just after the token (or one further)
        for offset in (1, 2):
            j = i - offset
            if j >= 0 and self.quote_of[j] >= 0 and self.quotes[self.quote_of[j]][1] == j + 1:
                features.append(f"qend-{offset}")
            j = i + offset
            if j < n and self.quote_of[j] >= 0 and self.quotes[self.quote_of[j]][0] == j:
                features.append(f"qopen+{offset}")
        if i > 0:
            features.append("lb-=" + lemma[i - 1] + "|" + lemma[i])
        if i + 1 < n:
            features.append("lb+=" + lemma[i] + "|" + lemma[i + 1])
        for offset in (-3, 3):
            j = i + offset
            features.append(f"w{offset}=" + (lower[j] if 0 <= j < n else "<>"))
        position = i - a
        features.append("pos=" + (str(position) if position < 3 else "3+"))
        return features

    # -- role labeller ------------------------------------------------------------
    def window(self, cue: tuple[int, int]) -> tuple[int, int]:
        """Tokens [a, b) the role labeller reads for a cue."""
        first = last = self.sent_of[cue[0]]
        first = max(0, first - 1)
        last = min(len(self.sents) - 1, last + 1)
        a, b = self.sents[first][0], self.sents[last][1]
        # A quotation that starts or ends in the window is read whole (within reason).
        lo, hi = a, b
        for qa, qb in self.quotes:
            if qa < b and qb > a:
                lo, hi = min(lo, qa), max(hi, qb)
        lo = max(lo, self.sents[max(0, first - MAX_EXTRA_SENTENCES)][0])
        hi = min(hi, self.sents[min(len(self.sents) - 1, last + MAX_EXTRA_SENTENCES)][1])
        if lo < a:
            a = self.sents[self.sent_of[lo]][0]
        if hi > b:
            b = self.sents[self.sent_of[hi - 1]][1]
        return a, b

    def role_sequence(self, cue: tuple[int, int], other_cues: list[tuple[int, int]]) -> tuple[int, list[list[str]]]:
        """(first token, features per token) of the window around ``cue``."""
        a, b = self.window(cue)
        cs, ce = cue
        cue_sentence = self.sent_of[cs]
        cue_words = "_".join(self.lemma[cs:ce])
        rule_source: set[int] = set()
        rule_content: set[int] = set()
        for (ra, rb), source, content in self.rule_frames:
            if ra < ce and rb > cs:
                rule_source |= source
                rule_content |= content
        # Tokens belonging to another cue, and a running count of them: a token past
        # another cue is seldom this cue's.
        other = [0] * (b - a)
        for oa, ob in other_cues:
            if oa < ce and ob > cs:
                continue
            for i in range(max(a, oa), min(b, ob)):
                other[i - a] = 1
        punct_marks = [1 if self.lower[i] in {",", ";", ":", "(", ")", "—", "–", "-"} else 0 for i in range(a, b)]
        cue_quote = {self.quote_of[i] for i in range(cs, ce)}
        adjacent_quotes = set()
        for i in (cs - 2, cs - 1, ce, ce + 1):
            if 0 <= i < len(self.words) and self.quote_of[i] >= 0:
                adjacent_quotes.add(self.quote_of[i])
        sequence = []
        # cumulative counts from the cue outward
        left_other = left_punct = 0
        left_counts: dict[int, tuple[int, int]] = {}
        for i in range(cs - 1, a - 1, -1):
            left_counts[i] = (left_other, left_punct)
            left_other += other[i - a]
            left_punct += punct_marks[i - a]
        right_other = right_punct = 0
        right_counts: dict[int, tuple[int, int]] = {}
        for i in range(ce, b):
            right_counts[i] = (right_other, right_punct)
            right_other += other[i - a]
            right_punct += punct_marks[i - a]
        for i in range(a, b):
            if i < cs:
                side, distance = "L", cs - i
                others, puncts = left_counts[i]
            elif i >= ce:
                side, distance = "R", i - ce + 1
                others, puncts = right_counts[i]
            else:
                side, distance, others, puncts = "C", 0, 0, 0
            sentence_offset = max(-2, min(2, self.sent_of[i] - cue_sentence))
            quote = self.quote_of[i]
            quote_kind = "n" if quote < 0 else "cue" if quote in cue_quote else "adj" if quote in adjacent_quotes else "far"
            rs = "1" if i in rule_source else "0"
            rc = "1" if i in rule_content else "0"
            d = _bucket(distance)
            o = str(min(others, 2))
            p = str(min(puncts, 3))
            word = self.lower[i]
            features = list(self.base[i])
            features += [
                "side=" + side,
                "d=" + side + d,
                "so=" + str(sentence_offset),
                "qk=" + quote_kind,
                "rs=" + rs,
                "rcn=" + rc,
                "oc=" + o,
                "pc=" + side + p,
                "isoc=" + str(other[i - a]),
                "sw=" + side + word,
                "sqk=" + side + quote_kind,
                "srs=" + side + rs + rc,
                "sd_rs=" + side + d + rs + rc,
                "so_side=" + str(sentence_offset) + side,
                "cue=" + cue_words,
                "cue_side=" + cue_words + side,
                "pron=" + ("1" if word in PRONOUNS else "0"),
                "oc_side=" + side + o + p,
            ]
            sequence.append(features)
        return a, sequence

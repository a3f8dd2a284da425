"""Next-best boundaries for one span of an attribution, best first.

``boundary_alternatives`` is what the app's ``r`` key cycles through (and what the key
model in ``effort`` counts). The rules compute the list from the structure the
suggester also reads: the sentence holding the cue, the punctuation and clause marks
around it, quotations, coordinated and appositive names. A trained model can supply
its own ranked list through the same signature later (``alternatives=`` on the
transitions), so nothing else changes when it does.

Ranking (best first), content: the rest of this side of the cue (start and end fixed
at once), the other side of the cue, both sides as two pieces, the quotation that
holds or starts the content, the content running to its sentence's or paragraph's
end. Source: the coordinated names ending with it ("China and Pakistan"), with its
apposition (", 56, who has served …,"), the nearest name or noun group before the
cue, a name after it ("…, said Mr. Clarke"), a subject pronoun, then the sources of
the document's other attributions, nearest before it first (a source in an earlier
paragraph is a few presses away, not a search).
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Iterable, Sequence

from annotator.quotes import CLOSING_QUOTES, OPENING_QUOTES
from annotator.schema import Attribution, Role, Span
from annotator.session.tokens import Tokens
from annotator.suggest.lexicon import load_word_lists  # data files only: no spaCy


def _words(name: str) -> frozenset[str]:
    return load_word_lists()[name]

# Words that join coordinated names, and words a source's noun group may start with.
_CONJUNCTIONS = {"and", "or", "&", ","}
_DETERMINERS = {"the", "a", "an", "this", "that", "these", "those", "his", "her", "its", "their", "our",
                "my", "some", "many", "several", "two", "three", "four", "other", "another", "both", "most"}
_PRONOUNS = {"he", "she", "they", "it", "we", "i", "you", "who"}
# Between a source and its cue: ", 56, who …," appositions end with a comma before the cue;
# adverbs and auxiliaries belong to neither ("has long said", "also told").
_EXTRA_SKIPPABLE = {"on", "last", "all", "both", "who"}
_CLAUSE_OPENERS = {"when", "while", "as", "if", "after", "before", "because", "since", "although", "though"}
_CLAUSE_STOP = set(",;:—–()[]")
_MAX_SOURCE_TOKENS = 30


def _pieces_span(text: str, pieces: Iterable[tuple[int, int]]) -> Span | None:
    clean = []
    for start, end in pieces:
        while start < end and text[start].isspace():
            start += 1
        while end > start and text[end - 1].isspace():
            end -= 1
        if end > start:
            clean.append((start, end))
    if not clean:
        return None
    return Span.from_pieces(text, clean) if len(clean) > 1 else Span.from_text(text, *clean[0])


class _Sentence:
    """Token indices and offsets of the sentence around one offset."""

    def __init__(self, tokens: Tokens, offset: int):
        self.tokens = tokens
        self.start = tokens.previous_sentence(offset + 1)
        self.end = tokens.sentence_end(self.start)
        self.first = bisect_left(tokens.starts, self.start)
        self.last = max(self.first, bisect_left(tokens.ends, self.end))  # index of the last token

    def words(self, lo: int, hi: int) -> list[int]:
        return list(range(max(lo, self.first), min(hi, self.last + 1)))


def _trim_content(text: str, start: int, end: int) -> tuple[int, int] | None:
    """A content piece as annotated: no spaces, no joining comma or colon at either end,
    no sentence-final full stop unless it is inside a quotation."""
    while start < end and (text[start].isspace() or text[start] in ",:;—–-"):
        start += 1
    while end > start and (text[end - 1].isspace() or text[end - 1] in ",:;—–-("):
        end -= 1
    # drop the sentence's full stop (not a "?" or "!", part of the claim; not in a quotation)
    if end > start and text[end - 1] == "." and text[start] not in OPENING_QUOTES \
            and not (end - 2 >= start and text[end - 2] in CLOSING_QUOTES):
        end -= 1
    return (start, end) if end > start else None


def _core(attribution: Attribution, sentence: _Sentence) -> tuple[int, int] | None:
    """The cue, with the source when it is in the same sentence and next to the cue."""
    cue = attribution.cue
    if cue is None:
        return None
    lo, hi = cue.start, cue.end
    source = attribution.source
    if source is not None and sentence.start <= source.start and source.end <= sentence.end:
        between = sentence.tokens.text[min(hi, source.start):max(lo, source.end)] if source.start >= hi \
            else sentence.tokens.text[source.end:lo]
        if len(between.split()) <= 6:  # adjacent (", 56, said" is fine; a clause away is not)
            lo, hi = min(lo, source.start), max(hi, source.end)
    return lo, hi


def _content_alternatives(tokens: Tokens, attribution: Attribution) -> list[Span | None]:
    text = tokens.text
    content = attribution.content
    anchor = attribution.cue.start if attribution.cue is not None else content.start
    sentence = _Sentence(tokens, anchor)
    core = _core(attribution, sentence)
    candidates: list[Span | None] = []
    paragraph_end = text.find("\n", anchor)
    paragraph_end = len(text) if paragraph_end == -1 else paragraph_end
    if core is not None:
        before = _trim_content(text, sentence.start, core[0])
        after_start = core[1]
        after = _trim_content(text, after_start, sentence.end)
        after_content = content.start >= core[1]
        this_side, other_side = (after, before) if after_content else (before, after)
        ranked: list[tuple[int, Span | None]] = []  # (rank, span): a stable sort keeps ties in order
        quoted = not after_content and text[content.start] in "“\"" and text[content.end - 1] in "”\""
        if this_side is not None:
            ranked.append((0, _pieces_span(text, [this_side])))
        if other_side is not None:
            ranked.append((5 if quoted else 1, _pieces_span(text, [other_side])))
        if this_side is not None:  # this side up to its first clause mark: ", which …", "— and …"
            for cut in _clause_cuts(text, *this_side)[:2]:
                ranked.append((2, _pieces_span(text, [cut])))
        if before is not None and after is not None:
            ranked.append((3, _pieces_span(text, [before, after])))
        # "“…,” he said. “…”": the quotation opening the next sentence (or paragraph) continues it
        following = tokens.next_sentence(core[1])
        if this_side is not None and following < len(text) and text[following] in "“\"":
            limit = text.find("\n", following)
            close = _closing(text, following, len(text) if limit == -1 else limit)
            if close is not None:
                ranked.append((1 if quoted else 4, _pieces_span(text, [this_side, (following, close)])))
        if this_side is not None:  # a quotation running on past its sentence, to the paragraph's end
            longer = _trim_content(text, this_side[0], paragraph_end)
            if longer is not None and longer[1] > this_side[1]:
                ranked.append((4, _pieces_span(text, [longer])))
        ranked.sort(key=lambda entry: entry[0])
        candidates.extend(span for _rank, span in ranked)
    # the quotation that starts in or holds the content
    for position in range(max(sentence.start, content.start - 1), min(len(text), content.end + 1)):
        char = text[position]
        if char in "“\"":
            close = _closing(text, position, paragraph_end)
            if close is not None:
                candidates.append(_pieces_span(text, [(position, close)]))
                break
    # content kept, its end moved to the sentence's (or the paragraph's) end
    for end in (sentence.end, paragraph_end):
        trimmed = _trim_content(text, content.pieces[0][0], end)
        if trimmed is not None:
            candidates.append(_pieces_span(text, [trimmed]))
    return candidates


_MAJOR_MARKS = ",;—–(:"


def _clause_cuts(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """``start``…``end`` cut before each clause mark inside it (not inside a quotation)."""
    cuts: list[tuple[int, int]] = []
    quoted = False
    for position in range(start, end):
        char = text[position]
        if char in "“”\"":
            quoted = char == "“" or (char == '"' and not quoted)
        elif char in _MAJOR_MARKS and not quoted and position > start:
            trimmed = _trim_content(text, start, position)
            if trimmed is not None and (not cuts or trimmed != cuts[-1]):
                cuts.append(trimmed)
    return cuts


def _closing(text: str, opening: int, limit: int) -> int | None:
    """The end of the quotation opened at ``opening`` (its closing mark included)."""
    mark = text[opening]
    closers = "”" if mark == "“" else ('"' if mark == '"' else None)
    if closers is None:
        return None
    position = opening + 1
    while position < limit:
        if text[position] in closers:
            return position + 1
        position += 1
    return None


def _name_start(tokens: Tokens, index: int, first: int) -> int:
    """Walk back from token ``index`` over a noun group: capitalised words, a determiner,
    possessives and titles ("Pakistani Prime Minister Mohammad Shehbaz Sharif")."""
    text = tokens.text
    position = index
    while position - 1 >= first:
        word = text[tokens.starts[position - 1]:tokens.ends[position - 1]]
        if word[:1].isupper() or word in ("'s", "’s", "-", ".") or word[:1].isdigit():
            position -= 1
            continue
        if word.lower() in _DETERMINERS:
            position -= 1
        break
    return position


def _noun_group_start(tokens: Tokens, index: int, first: int, longest: int = 8) -> int:
    """Walk back from token ``index`` over a noun group ("The Republican presidential
    candidate", "Republican pollster Daron Shaw"): up to a function word, a punctuation
    mark or after a determiner."""
    text = tokens.text
    stops = _words("np_stop")
    determiners = _words("determiners")
    position = index
    while position - 1 >= first and index - position < longest:
        word = text[tokens.starts[position - 1]:tokens.ends[position - 1]]
        lower = word.lower()
        if lower in ("'s", "’s", "-", "."):
            position -= 1
            continue
        if lower in stops or (len(word) == 1 and not word.isalnum()):
            break
        position -= 1
        if lower in determiners:
            break
    return position


def _source_alternatives(tokens: Tokens, attribution: Attribution, others: Sequence[Attribution]) -> list[Span | None]:
    text = tokens.text
    starts, ends = tokens.starts, tokens.ends
    source, cue = attribution.source, attribution.cue
    anchor = cue.start if cue is not None else attribution.content.start
    sentence = _Sentence(tokens, anchor)
    candidates: list[Span | None] = []
    if source is not None:
        first = bisect_left(starts, source.start)
        # coordinated names: "China and Pakistan", "Merkley, Brown and Menendez"
        position = first
        while position - 2 >= sentence.first:
            joiner = text[starts[position - 1]:ends[position - 1]].lower()
            if joiner not in _CONJUNCTIONS:
                break
            position = _name_start(tokens, position - 1, sentence.first)
            if position == first:
                break
            first = position
            candidates.append(Span.from_text(text, starts[position], source.end))
        # the apposition between the source and its cue, with its closing comma
        if cue is not None and source.end < cue.start:
            between = text[source.end:cue.start]
            if between.lstrip().startswith(",") and between.rstrip().endswith(","):
                candidates.append(Span.from_text(text, source.start, source.end + len(between.rstrip())))
    if cue is not None:
        cue_first = bisect_left(starts, cue.start)
        # the noun group right before the cue (skipping "also", "has", an apposition)
        index = cue_first - 1
        skippable = _words("skip_before_cue") | _words("time_words") | _EXTRA_SKIPPABLE
        while index >= sentence.first and (text[starts[index]:ends[index]].lower() in skippable
                                           or text[starts[index]:ends[index]].endswith("ly")):
            index -= 1
        if index >= sentence.first:
            word = text[starts[index]:ends[index]]
            if word == ",":  # "X, a spokesman for Y, said": the name before the apposition
                opening = index - 1
                while opening >= sentence.first and text[starts[opening]:ends[opening]] != ",":
                    opening -= 1
                if opening > sentence.first:
                    head = opening - 1
                    candidates.append(Span.from_text(text, starts[_name_start(tokens, head, sentence.first)], ends[head]))
                    candidates.append(Span.from_text(text, starts[_name_start(tokens, head, sentence.first)], ends[index]))
                # the apposition may hold commas itself ("X, a delegate from Houston, Texas, said"):
                # the first comma of the sentence closes the name
                first_comma = sentence.first
                while first_comma < index and text[starts[first_comma]:ends[first_comma]] != ",":
                    first_comma += 1
                if sentence.first < first_comma < opening:
                    head = first_comma - 1
                    candidates.append(Span.from_text(text, starts[_noun_group_start(tokens, head, sentence.first)], ends[head]))
                    candidates.append(Span.from_text(text, starts[sentence.first], ends[index]))
            elif word not in _CLAUSE_STOP:
                group = _noun_group_start(tokens, index, sentence.first)
                if text[starts[group]:ends[group]].lower() in _CLAUSE_OPENERS and group < index:
                    group += 1  # "When someone in the audience shouted": not the "When"
                candidates.append(Span.from_text(text, starts[group], ends[index]))
                candidates.append(Span.from_text(text, starts[_name_start(tokens, index, sentence.first)], ends[index]))
                # the whole subject: back to the clause's start
                clause = index
                while clause - 1 >= sentence.first and text[starts[clause - 1]:ends[clause - 1]] not in _CLAUSE_STOP \
                        and index - clause < _MAX_SOURCE_TOKENS:
                    clause -= 1
                candidates.append(Span.from_text(text, starts[clause], ends[index]))
        # inverted order: "…, said Mr. Clarke", "…, according to the ministry"
        after = bisect_right(starts, cue.end - 1)
        before_cue = text[starts[cue_first - 1]:ends[cue_first - 1]] if cue_first > sentence.first else ""
        inverted = before_cue in (",", "”", '"') or cue.text.lower().startswith("according")
        if inverted and after <= sentence.last:
            last = after
            while last + 1 <= sentence.last:
                word = text[starts[last + 1]:ends[last + 1]]
                if not (word[:1].isupper() or word in (".", "-", "’s", "'s")):
                    break
                last += 1
            word = text[starts[after]:ends[after]]
            if word[:1].isupper() or word.lower() in _DETERMINERS:
                if word.lower() in _DETERMINERS and last == after and after + 1 <= sentence.last:
                    last = after + 1
                candidates.append(Span.from_text(text, starts[after], ends[last]))
            if cue.text.lower().startswith("according"):  # "according to early results of …,"
                end = after
                while end + 1 <= sentence.last and text[starts[end + 1]:ends[end + 1]] not in _CLAUSE_STOP:
                    end += 1
                candidates.append(Span.from_text(text, starts[after], ends[end]))
        # a subject pronoun in the cue's sentence
        for index in range(sentence.first, cue_first):
            if text[starts[index]:ends[index]].lower() in _PRONOUNS:
                candidates.append(Span.from_text(text, starts[index], ends[index]))
                break
    # link: the sources of the document's other attributions, nearest before first
    linked = sorted((o.source for o in others if o.source is not None and o.id != attribution.id),
                    key=lambda span: (span.start > anchor, abs(anchor - span.start)))
    candidates.extend(linked)
    return candidates


def other_side(tokens: Tokens, attribution: Attribution) -> Span | None:
    """The content on the other side of the cue (and an adjacent source) in its sentence."""
    if attribution.cue is None:
        return None
    text = tokens.text
    sentence = _Sentence(tokens, attribution.cue.start)
    core = _core(attribution, sentence)
    if core is None:
        return None
    if attribution.content.start >= core[1]:
        piece = _trim_content(text, sentence.start, core[0])
    else:
        piece = _trim_content(text, core[1], sentence.end)
    return _pieces_span(text, [piece]) if piece is not None else None


def new_from_cue(tokens: Tokens, cue: Span, others: Sequence[Attribution] = ()) -> tuple[Span | None, Span | None]:
    """The best content and source for a new attribution around ``cue``: what the
    content after the cue (or, when the sentence ends there, before it) and the noun
    group before it (or the name after it) would be."""
    from annotator.schema import Origin

    text = tokens.text
    sentence = _Sentence(tokens, cue.start)
    after = _trim_content(text, cue.end, sentence.end)
    before = _trim_content(text, sentence.start, cue.start)
    placeholder = Attribution(id="new", cue=cue, content=cue, origin=Origin.manual)
    sources = boundary_alternatives(tokens, placeholder, Role.source, others)
    source = sources[0] if sources else None
    if source is not None:
        placeholder = placeholder.model_copy(update={"source": source})
        core = _core(placeholder, sentence)
        if core is not None:
            after = _trim_content(text, core[1], sentence.end)
            before = _trim_content(text, sentence.start, core[0])
    piece = after if after is not None and (before is None or after[1] - after[0] >= 12) else before
    content = _pieces_span(text, [piece]) if piece is not None else None
    if content is not None and source is not None and _overlaps(content, source):
        source = None
    return content, source


_PARTICLES = frozenset(["of", "to", "for", "about", "on", "out", "that", "in", "at", "with", "against", "over", "up", "into", "from", "as"])


def _cue_alternatives(tokens: Tokens, attribution: Attribution) -> list[Span | None]:
    """The cue with the auxiliaries and adverbs before it ("has said", "is once again
    questioning"), with the particle after it ("called on", "warned of"), both, or
    without the words it wrongly took in."""
    cue = attribution.cue
    if cue is None or cue.fragments:
        return []
    text, starts, ends = tokens.text, tokens.starts, tokens.ends
    first, last = bisect_left(starts, cue.start), bisect_left(ends, cue.end)
    skippable = _words("skip_before_cue") | _words("time_words")
    back = first
    while back - 1 >= 0 and (text[starts[back - 1]:ends[back - 1]].lower() in skippable
                             or text[starts[back - 1]:ends[back - 1]].lower().endswith("ly")):
        back -= 1
    forward = last
    if forward + 1 < len(starts) and text[starts[forward + 1]:ends[forward + 1]].lower() in _PARTICLES:
        forward += 1
    candidates: list[Span | None] = []
    if back < first:
        candidates.append(Span.from_text(text, starts[back], cue.end))
    if forward > last:
        candidates.append(Span.from_text(text, cue.start, ends[forward]))
    if back < first and forward > last:
        candidates.append(Span.from_text(text, starts[back], ends[forward]))
    if last > first:  # a longer cue: its first word alone, or without its auxiliaries
        inner = first
        while inner < last and text[starts[inner]:ends[inner]].lower() in skippable:
            inner += 1
        if inner > first:
            candidates.append(Span.from_text(text, starts[inner], cue.end))
        candidates.append(Span.from_text(text, cue.start, ends[first]))
    if first > 0:
        candidates.append(Span.from_text(text, starts[first - 1], cue.end))
    return candidates


def boundary_alternatives(tokens: Tokens, attribution: Attribution, role: Role,
                          others: Sequence[Attribution] = ()) -> list[Span]:
    """The ranked alternatives for ``attribution``'s span of ``role``, best first.

    Never holds the span as it is, nor one span twice; may be empty (a cue has none
    yet: ``[ ] { }`` move it). ``others`` are the document's other attributions, whose
    sources a source may link to."""
    if role == Role.content:
        found = _content_alternatives(tokens, attribution)
    elif role == Role.source:
        found = _source_alternatives(tokens, attribution, others)
    else:
        found = _cue_alternatives(tokens, attribution)
    current = attribution.span(role)
    blocked = [span for span in {Role.content: (attribution.cue, attribution.source),
                                 Role.source: (attribution.cue,),
                                 Role.cue: (attribution.source, attribution.content)}[role] if span is not None]
    seen = {tuple(current.pieces)} if current is not None else set()
    ranked = []
    for span in found:
        if span is None or tuple(span.pieces) in seen:
            continue
        if any(_overlaps(span, other) for other in blocked):
            continue
        seen.add(tuple(span.pieces))
        ranked.append(span)
    return ranked


def _overlaps(a: Span, b: Span) -> bool:
    return any(min(a1, b1) > max(a0, b0) for a0, a1 in a.pieces for b0, b1 in b.pieces)

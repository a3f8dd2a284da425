"""The suggester's spaCy components, registered with ``@Language.factory``.

Each reads and writes Doc extension attributes holding plain lists and dicts (so docs
survive ``nlp.pipe(n_process=...)`` and ``Doc.to_bytes``):

- ``doc._.quotes``: ``[[start, end, double, depth], ...]`` character offsets;
- ``doc._.cues``: ``[[start_token, end_token, score], ...]``;
- ``doc._.attributions``: the suggestions (format in :mod:`annotator.suggest.pipeline`).
"""

from __future__ import annotations

import bisect
from functools import lru_cache

import numpy
from spacy.language import Language
from spacy.pipeline import Lemmatizer, Sentencizer
from spacy.strings import get_string_id
from spacy.tokens import Doc

from annotator.suggest.entities import EntityGrouper
from annotator.suggest.hashtables import HashCache, HashSet
from annotator.suggest.lexicon import load_cue_lexicon
from annotator.suggest.quotes import Quote, find_quotes
from annotator.suggest.rules import Cue, Rules, Tokens, split_sentences

for _name in ("quotes", "cues", "attributions"):
    if not Doc.has_extension(_name):
        Doc.set_extension(_name, default=None)


# doc.user_data key under which the runner leaves the text it tokenized (Doc.text
# rebuilds it from one Token object per word).
TEXT_KEY = "annotator.text"


class _Decoded:
    """hash -> string for one pipeline's vocabulary (a StringStore lookup per token
    costs more than the rules), and lemma hash -> lower-case lemma."""

    def __init__(self, store):
        self.store = store
        self.strings = HashCache("object")
        self.lowered: dict[int, str] = {}


_DECODED: _Decoded | None = None


def _decoded(store) -> _Decoded:
    """The caches of this vocabulary: a new pipeline starts afresh, as its tokenizer does."""
    global _DECODED
    if _DECODED is None or _DECODED.store is not store:
        _DECODED = _Decoded(store)
    return _DECODED


def tokens_of(doc: Doc) -> Tokens:
    # Columns straight from the Doc's arrays: creating a Token object per word (as
    # iterating a Doc, or Doc.text, does) costs more than tokenizing did.
    from spacy.attrs import IDX, LEMMA, LENGTH, LOWER, ORTH, SENT_START, SPACY

    if not len(doc):
        return Tokens(doc.text, [], [], [], [], [], [], [])
    array = doc.to_array([ORTH, LOWER, LEMMA, IDX, LENGTH, SENT_START, SPACY])
    strings = doc.vocab.strings
    decoded = _decoded(strings)
    decode = decoded.strings.lookup
    words = decode(array[:, 0], lambda keys: [strings[key] for key in keys]).tolist()
    lower = decode(array[:, 1], lambda keys: [strings[key] for key in keys]).tolist()
    lemma_ids = array[:, 2]
    starts = array[:, 3].tolist()
    ends = (array[:, 3] + array[:, 4]).tolist()
    text = doc.user_data.get(TEXT_KEY)
    if text is None or len(text) != ends[-1] + int(array[-1, 6]):
        text = "".join([word + " " if space else word for word, space in zip(words, array[:, 6].tolist())])
    # Sentence starts from the sentencizer, and the token after each line break.
    boundaries = set((numpy.flatnonzero(array[1:, 5] == 1) + 1).tolist())
    position = text.find("\n")
    while position != -1:
        boundaries.add(bisect.bisect_right(starts, position))
        position = text.find("\n", position + 1)
    sent_of, sents = split_sentences(boundaries, words)
    return Tokens(
        text=text,
        words=words,
        lower=lower,
        lemma=LazyLemmas(lemma_ids, strings, decoded.lowered),  # type: ignore[arg-type]  # list-like, decoded on demand
        starts=starts,
        ends=ends,
        sent_of=sent_of,
        sents=sents,
        lower_ids=array[:, 1],
        lemma_ids=lemma_ids,
        hash_of=get_string_id,
    )


class LazyLemmas:
    """Lower-case lemmas decoded on demand (the rules read a few per document)."""

    __slots__ = ("ids", "strings", "cache")

    def __init__(self, ids, strings, cache: dict[int, str]):
        self.ids = ids
        self.strings = strings
        self.cache = cache

    def __len__(self) -> int:
        return len(self.ids)

    def __getitem__(self, index: int) -> str:
        key = int(self.ids[index])
        value = self.cache.get(key)
        if value is None:
            value = self.cache[key] = self.strings[key].lower()
        return value

    def __iter__(self):
        return (self[i] for i in range(len(self.ids)))


_TOKEN_CACHE: dict[int, tuple[Doc, Tokens]] = {}


def _cached_tokens(doc: Doc) -> Tokens:
    entry = _TOKEN_CACHE.get(id(doc))
    if entry is not None and entry[0] is doc:
        return entry[1]
    _TOKEN_CACHE.clear()  # one document at a time through the pipeline
    tokens = tokens_of(doc)
    _TOKEN_CACHE[id(doc)] = (doc, tokens)
    return tokens


@Language.factory("attribution_quotes")
def make_quote_pairer(nlp: Language, name: str):
    def pair_quotes(doc: Doc) -> Doc:
        text = _cached_tokens(doc).text  # Doc.text joins every token anew: read it once
        doc._.quotes = [[q.start, q.end, q.double, q.depth] for q in find_quotes(text)]
        return doc

    return pair_quotes


@Language.factory(
    "attribution_cues",
    default_config={"lexicon": None, "cue_threshold": 0.4, "phrase_threshold": 0.4, "min_total": 4},
)
def make_cue_finder(nlp: Language, name: str, lexicon: str | None, cue_threshold: float, phrase_threshold: float, min_total: int):
    rules = Rules(load_cue_lexicon(lexicon, min_total), cue_threshold=cue_threshold, phrase_threshold=phrase_threshold)

    def find_cues(doc: Doc) -> Doc:
        tokens = _cached_tokens(doc)
        doc._.cues = [[c.start, c.end, c.score] for c in rules.find_cues(tokens)]
        return doc

    return find_cues


@Language.factory(
    "attribution_rules",
    default_config={
        "min_score": 0.35,
        "scare_quotes": True,
        "max_scare_words": 6,
        "in_quote_factor": 0.35,
        "no_source_factor": 0.6,
        "bare_nouns": True,
        "fallback_factor": 0.6,
        "colon_score": 0.5,
    },
)
def make_attribution_rules(
    nlp: Language,
    name: str,
    min_score: float,
    scare_quotes: bool,
    max_scare_words: int,
    in_quote_factor: float,
    no_source_factor: float,
    bare_nouns: bool,
    fallback_factor: float,
    colon_score: float,
):
    rules = Rules(
        load_cue_lexicon(),
        min_score=min_score,
        scare_quotes=scare_quotes,
        max_scare_words=max_scare_words,
        in_quote_factor=in_quote_factor,
        no_source_factor=no_source_factor,
        bare_nouns=bare_nouns,
        fallback_factor=fallback_factor,
        colon_score=colon_score,
    )

    def build(doc: Doc) -> Doc:
        tokens = _cached_tokens(doc)
        quotes = [Quote(*q) for q in (doc._.quotes or [])]
        cues = [Cue(*c) for c in (doc._.cues or [])]
        found = rules.build(tokens, cues, quotes)
        found.sort(key=lambda s: (s.content[0][0], s.cue[0] if s.cue else -1))
        existing = list(doc._.attributions or [])
        doc._.attributions = existing + [s.as_dict() for s in found]
        return doc

    return build


@Language.factory("attribution_entities")
def make_entity_grouper(nlp: Language, name: str):
    grouper = EntityGrouper()

    def group(doc: Doc) -> Doc:
        attributions = doc._.attributions or []
        with_source = [a for a in attributions if a.get("source")]
        order = sorted(range(len(with_source)), key=lambda i: with_source[i]["source"][0][0])
        mentions = [tuple(with_source[i]["source"][0]) for i in order]
        names = grouper.assign(_cached_tokens(doc).text, mentions)
        for i, name in zip(order, names):
            if with_source[i].get("source_entity") is None:
                with_source[i]["source_entity"] = name
        _TOKEN_CACHE.clear()
        return doc

    return group


@lru_cache(maxsize=4)
def _lookup_tables(lang: str):
    from spacy.lookups import load_lookups

    return load_lookups(lang=lang, tables=["lemma_lookup"])


class ArrayLookupLemmatizer(Lemmatizer):
    """spaCy's lookup lemmatizer (same class, tables from spacy-lookups-data, same
    lemmas) applied through the Doc's arrays with a per-process cache instead of one
    Token object per word, which took as long as tokenizing."""

    def initialize(self, get_examples=None, *, nlp=None, lookups=None):
        # The tables are read-only data: read them once per process (as the cue
        # lexicon is), not once per pipeline; the lemma cache stays per pipeline.
        if lookups is None and self.mode == "lookup":
            lookups = _lookup_tables(self.vocab.lang)
        super().initialize(get_examples, nlp=nlp, lookups=lookups)

    def __call__(self, doc: Doc) -> Doc:
        if self.mode != "lookup":
            return super().__call__(doc)
        if not self._validated:
            self._validate_tables()
        if not len(doc):
            return doc
        from spacy.attrs import LEMMA, ORTH

        table = self.lookups.get_table("lemma_lookup", {})
        strings = doc.vocab.strings

        def lemma_ids(orths: list[int]) -> list[int]:
            found = []
            for orth in orths:
                # A Table is a dict keyed by string hashes, as ORTH is: no decoding.
                result = dict.get(table, orth)
                if result is not None and not isinstance(result, str):
                    result = result[0] if result else None
                found.append(orth if result is None else strings.add(result))
            return found

        lemma_of = self.__dict__.get("_lemma_of")
        if lemma_of is None:
            lemma_of = self.__dict__["_lemma_of"] = HashCache("uint64")
        columns = doc.to_array([ORTH, LEMMA])
        lemmas = lemma_of.lookup(columns[:, 0], lemma_ids)
        if not self.overwrite:
            current = columns[:, 1]
            lemmas = numpy.where(current != 0, current, lemmas)
        doc.from_array([LEMMA], lemmas.astype("uint64").reshape(-1, 1))  # type: ignore[arg-type]  # a numpy array is thinc's Ints2d
        return doc


@Language.factory(
    "annotator_lookup_lemmatizer",
    assigns=["token.lemma"],
    default_config={"model": None, "mode": "lookup", "overwrite": False, "scorer": {"@scorers": "spacy.lemmatizer_scorer.v1"}},
)
def make_lookup_lemmatizer(nlp: Language, model, name: str, mode: str, overwrite: bool, scorer):
    return ArrayLookupLemmatizer(nlp.vocab, model, name, mode=mode, overwrite=overwrite, scorer=scorer)


class ArraySentencizer(Sentencizer):
    """spaCy's rule-based Sentencizer (same punctuation, same boundaries) reading the
    Doc's arrays instead of one Token object per word."""

    def predict(self, docs):
        from spacy.attrs import IS_PUNCT, ORTH
        from spacy.strings import get_string_id

        punct_ids = self.__dict__.get("_punct_ids")
        if punct_ids is None:
            punct_ids = self.__dict__["_punct_ids"] = HashSet(get_string_id(c) for c in self.punct_chars)
        guesses: list[list[bool]] = []
        for doc in docs:
            n = len(doc)
            if not n:
                guesses.append([])
                continue
            # spaCy's rule: a sentence starts at the first token that is neither
            # punctuation nor a sentence-final character after a sentence-final
            # character (other punctuation between them, such as quotes, is skipped).
            columns = doc.to_array([ORTH, IS_PUNCT])
            final = punct_ids.mask(columns[:, 0])
            word = (columns[:, 1] == 0) & ~final
            marks = numpy.flatnonzero(final | word)
            kinds = word[marks]
            starts = marks[1:][kinds[1:] & ~kinds[:-1]]
            doc_guesses = numpy.zeros(n, dtype=bool)
            doc_guesses[0] = True
            doc_guesses[starts] = True
            guesses.append(doc_guesses.tolist())
        return guesses


@Language.factory(
    "annotator_sentencizer",
    assigns=["token.is_sent_start", "doc.sents"],
    default_config={"punct_chars": None, "overwrite": False, "scorer": {"@scorers": "spacy.senter_scorer.v1"}},
)
def make_sentencizer(nlp: Language, name: str, punct_chars, overwrite: bool, scorer):
    return ArraySentencizer(name, punct_chars=punct_chars, overwrite=overwrite, scorer=scorer)

"""The spaCy pipeline behind ``annotator suggest``.

``build_pipeline("rules")`` needs no pretrained model and no network:
``spacy.blank("en")`` + the sentencizer (spaCy's rules) + the lookup lemmatizer (spaCy's Lemmatizer,
tables from spacy-lookups-data) + the project's own components, registered with
``@Language.factory`` in :mod:`annotator.suggest.components`:

    attribution_quotes   pairs quotation marks over the whole document -> doc._.quotes
    attribution_cues     finds cues from the lexicon files            -> doc._.cues
    attribution_rules    builds attributions from cues and quotes     -> doc._.attributions
    attribution_entities groups source mentions into entities         -> sets source_entity

Plugging in a model (``--model PATH``): PATH is a spaCy pipeline directory (written
with ``nlp.to_disk``). ``suggest`` loads it with ``spacy.load`` and reads, for every
document, ``doc._.attributions``: a list of dicts

    {"source": [[start, end], ...] | None, "cue": [[start, end], ...] | None,
     "content": [[start, end], ...], "type": "direct"|"indirect"|..., "score": float,
     "source_entity": str | None}

with character offsets into ``doc.text`` (several pieces make a discontinuous span).
A trained component placed after ``attribution_rules`` may add to or replace that
list; one placed before it may set ``doc._.cues`` (list of ``[start_token,
end_token, score]``) to replace the lexicon's cues. A pipeline without the rule
components works too, as long as something sets ``doc._.attributions``.
``save_rules_pipeline(path)`` writes the rules pipeline as a starting point.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

# spaCy's Lemmatizer in lookup mode (tables from spacy-lookups-data), applied through
# the Doc's arrays: same lemmas, a quarter of the time (components.ArrayLookupLemmatizer).
LEMMATIZER = "annotator_lookup_lemmatizer"
# spaCy's Sentencizer (same punctuation rules and boundaries) reading the Doc's arrays.
SENTENCIZER = "annotator_sentencizer"
RULE_COMPONENTS = (
    "attribution_quotes",
    "attribution_cues",
    "attribution_rules",
    "attribution_entities",
)


def build_pipeline(model: str | Path = "rules", config: dict[str, dict[str, Any]] | None = None):
    """The nlp object: ``"rules"`` for the built-in pipeline, or a pipeline directory."""
    import spacy

    from annotator.errors import AnnotatorError
    from annotator.suggest import components  # noqa: F401  (registers the factories)

    if str(model) != "rules":
        path = Path(model)
        if not path.is_dir() or not (path / "config.cfg").is_file():
            raise AnnotatorError("not a spaCy pipeline directory (no config.cfg)", path)
        try:
            return spacy.load(path)
        except Exception as error:  # spaCy raises many kinds; report them in one line
            raise AnnotatorError(f"cannot load the pipeline: {error}", path) from None
    config = config or {}
    nlp = spacy.blank("en")
    nlp.add_pipe(SENTENCIZER, name="sentencizer")
    nlp.add_pipe(LEMMATIZER, name="lemmatizer", config={"mode": "lookup"})
    for name in RULE_COMPONENTS:
        nlp.add_pipe(name, config=config.get(name, {}))
    nlp.initialize()
    return nlp


def build_base_pipeline():
    """Tokenizer, sentences and lemmas only (for the lexicon builder and benchmarks)."""
    import spacy

    from annotator.suggest import components  # noqa: F401  (registers the lemmatizer)

    nlp = spacy.blank("en")
    nlp.add_pipe(SENTENCIZER, name="sentencizer")
    nlp.add_pipe(LEMMATIZER, name="lemmatizer", config={"mode": "lookup"})
    nlp.initialize()
    return nlp


def save_rules_pipeline(path: str | Path) -> None:
    """Write the rules pipeline to ``path`` (a base to add trained components to)."""
    build_pipeline("rules").to_disk(path)

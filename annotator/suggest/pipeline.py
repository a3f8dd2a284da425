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

with character offsets into ``doc.text`` (several pieces make a discontinuous span;
pairs may be lists or tuples). ``suggest`` turns them into one AnnotationRecord per
document (annotator ``suggester``, origin ``suggested``), dropping pieces outside the
text and duplicates, validating the record against the schema.

Where a trained component goes:
- after ``attribution_rules``: it may add to, rescore or replace ``doc._.attributions``;
- between ``attribution_cues`` and ``attribution_rules``: it may rewrite ``doc._.cues``
  (``[[start_token, end_token, score], ...]``) and the rules build around its cues;
- ``attribution_rules`` keeps whatever an earlier component put in
  ``doc._.attributions`` and appends its own.
A pipeline without the rule components works too, as long as something sets
``doc._.attributions``. The project's factories are registered before loading, so a
saved pipeline may use them.
``save_rules_pipeline(path)`` writes the rules pipeline as a starting point.

A folder written by ``annotator train --watch`` holds several versions and a
``current`` link to the one in use; ``resolve_model_dir`` follows it, so every load
(and the app, for each document it has not opened yet) takes the newest model put in
use. A model whose meta.json says it was trained by annotator (``annotator_model``)
must be of this version's format.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

# spaCy's Lemmatizer in lookup mode (tables from spacy-lookups-data), applied through
# the Doc's arrays: same lemmas, a quarter of the time (components.ArrayLookupLemmatizer).
LEMMATIZER = "annotator_lookup_lemmatizer"
# spaCy's Sentencizer (same punctuation rules and boundaries) reading the Doc's arrays.
SENTENCIZER = "annotator_sentencizer"
# meta.json key of models trained by ``annotator train`` and the format this version reads
# (annotator.model.package writes it; kept here so loading needs no training code).
MODEL_META_KEY = "annotator_model"
MODEL_FORMAT = 3
# Format 3 may hold several cue networks in cues.bilstm and a cue_threshold in config.cfg;
# a format-2 model is the one-network case of it (threshold 0.5, the config default).
READABLE_MODEL_FORMATS = (2, 3)
CURRENT_LINK = "current"
RULE_COMPONENTS = (
    "attribution_quotes",
    "attribution_cues",
    "attribution_rules",
    "attribution_entities",
)


def _one_line(error: Exception) -> str:
    """A loading error as one line: a config.cfg value spaCy refuses names its setting and
    why (its own message spans lines and prints the pipeline object)."""
    from spacy.util import ConfigValidationError

    if isinstance(error, ConfigValidationError) and error.errors:
        return "config.cfg: " + "; ".join(
            f"{'.'.join(str(part) for part in item.get('loc', []))}: {item.get('msg', '')}" for item in error.errors
        )
    return " ".join(str(error).split())


def build_pipeline(model: str | Path = "rules", config: dict[str, dict[str, Any]] | None = None):
    """The nlp object: ``"rules"`` for the built-in pipeline, or a pipeline directory."""
    import spacy

    from annotator.errors import AnnotatorError
    from annotator.suggest import components  # noqa: F401  (registers the factories)

    if str(model) != "rules":
        path = check_model_dir(model)
        try:
            return spacy.load(path)
        except Exception as error:  # spaCy raises many kinds; report them in one line
            raise AnnotatorError(f"cannot load the pipeline: {_one_line(error)}", path) from None
    config = config or {}
    nlp = spacy.blank("en")
    nlp.add_pipe(SENTENCIZER, name="sentencizer")
    nlp.add_pipe(LEMMATIZER, name="lemmatizer", config={"mode": "lookup"})
    for name in RULE_COMPONENTS:
        nlp.add_pipe(name, config=config.get(name, {}))
    nlp.initialize()
    return nlp


def resolve_model_dir(model: str | Path) -> Path:
    """The pipeline folder ``model`` stands for: its ``current`` version, if it has one."""
    path = Path(model)
    current = path / CURRENT_LINK
    if current.exists():
        return current.resolve()
    return path


def check_model_dir(model: str | Path) -> Path:
    """The pipeline folder of ``model``, or a one-line error saying why it is not one."""
    from annotator.errors import AnnotatorError

    path = resolve_model_dir(model)
    if not path.is_dir() or not (path / "config.cfg").is_file():
        raise AnnotatorError("not a spaCy pipeline directory (no config.cfg)", path)
    check_model_meta(path)
    return path


def check_model_meta(path: Path) -> None:
    """Refuse, in one line, a model trained by another version of annotator."""
    import json

    from annotator.errors import AnnotatorError

    meta_path = path / "meta.json"
    if not meta_path.is_file():
        return  # a plain spaCy pipeline folder: no claims to check
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise AnnotatorError(f"unreadable meta.json: {error}", meta_path) from None
    info = meta.get(MODEL_META_KEY) if isinstance(meta, dict) else None
    if info is None:
        return
    if not isinstance(info, dict) or info.get("format") not in READABLE_MODEL_FORMATS:
        found = info.get("format") if isinstance(info, dict) else info
        readable = " or ".join(str(number) for number in READABLE_MODEL_FORMATS)
        raise AnnotatorError(
            f"model format {found!r} is not one this version reads ({readable}); "
            "retrain it with `annotator train`",
            meta_path,
        )


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

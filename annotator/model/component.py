"""The trained model as a spaCy component: ``attribution_model``.

It sits after ``attribution_rules`` (whose cues and spans are its features) and
replaces ``doc._.attributions`` with its own predictions, each carrying
``"suggester": "<name>@<version>"``. Its two labellers' files (``cues.*``, ``roles.*``: a CRF
or a BiLSTM each) are saved with the pipeline (``nlp.to_disk``) in the component's folder
and read back by ``spacy.load``.

Registered with ``@Language.factory`` and also through the ``spacy_factories`` entry
point in pyproject.toml, so ``spacy.load`` (and spaCy's own CLI) find it without
importing this module first.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

from spacy.language import Language
from spacy.tokens import Doc

from annotator.model.features import DocView
from annotator.model.frames import FrameModel

# Each labeller is a CRF (python-crfsuite) or a BiLSTM (annotator.model.neural).
CUE_FILES = ("cues.crfsuite", "cues.bilstm")
ROLE_FILES = ("roles.crfsuite", "roles.bilstm")


def _file(names: tuple[str, str], model: bytes) -> str:
    from annotator.model.frames import is_crf

    return names[0] if is_crf(model) else names[1]


def _read(path: Path, names: tuple[str, str]) -> bytes | None:
    for name in names:
        if (path / name).is_file():
            return (path / name).read_bytes()
    return None


def version_hash(cue_model: bytes, role_model: bytes) -> str:
    """8 hex digits naming one trained model (same data + seed = same hash)."""
    digest = hashlib.sha1(cue_model)
    digest.update(role_model)
    return digest.hexdigest()[:8]


class AttributionModel:
    def __init__(
        self, nlp: Language, name: str, min_score: float, rules_fallback: float = -1.0, cue_threshold: float = 0.5
    ):
        self.nlp = nlp
        self.name = name
        self.min_score = min_score
        # the cue tagger's probability from which a token is a cue token (FrameModel.find_cues)
        self.cue_threshold = cue_threshold
        # The rules' attributions whose cue no model cue overlaps, if their score is at
        # least this (negative: none); they keep the rules as their suggester.
        self.rules_fallback = rules_fallback
        self.model: FrameModel | None = None
        self.suggester = "untrained"

    def set_model(self, model: FrameModel) -> None:
        self.model = model
        model.cue_threshold = self.cue_threshold
        model_name = self.nlp.meta.get("name") or "model"
        self.suggester = f"{model_name}@{version_hash(model.cue_model, model.role_model)}"

    def __call__(self, doc: Doc) -> Doc:
        if self.model is None:  # untrained: the rules' suggestions stand
            return doc
        found = self.model.predict(DocView.of(doc))
        for frame in found:
            frame["suggester"] = self.suggester
        if self.rules_fallback >= 0:
            found += _uncovered(doc._.attributions or [], found, self.rules_fallback)
        doc._.attributions = [frame for frame in found if frame["score"] >= self.min_score]
        return doc

    def to_disk(self, path, exclude=()) -> None:
        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        if self.model is not None:
            (path / _file(CUE_FILES, self.model.cue_model)).write_bytes(self.model.cue_model)
            (path / _file(ROLE_FILES, self.model.role_model)).write_bytes(self.model.role_model)

    def from_disk(self, path, exclude=()) -> AttributionModel:
        path = Path(path)
        cues, roles = _read(path, CUE_FILES), _read(path, ROLE_FILES)
        if cues is not None and roles is not None:
            self.set_model(FrameModel(cues, roles))
        return self

    def to_bytes(self, exclude=()) -> bytes:
        import srsly

        if self.model is None:
            return srsly.msgpack_dumps({})
        return srsly.msgpack_dumps({"cues": self.model.cue_model, "roles": self.model.role_model})

    def from_bytes(self, data: bytes, exclude=()) -> AttributionModel:
        import srsly

        loaded = srsly.msgpack_loads(data)
        if loaded:
            self.set_model(FrameModel(loaded["cues"], loaded["roles"]))
        return self


def _uncovered(rules: list[dict], found: list[dict], min_score: float) -> list[dict]:
    """The rules' attributions (score >= min_score) whose cue overlaps no cue in ``found``."""
    taken = [piece for frame in found for piece in frame["cue"]]
    extra = []
    for frame in rules:
        cue = frame.get("cue")
        if not cue or float(frame.get("score", 0.0)) < min_score:
            continue
        if any(a < tb and ta < b for a, b in cue for ta, tb in taken):
            continue
        extra.append(frame)
    return extra


@Language.factory(
    "attribution_model", default_config={"min_score": 0.0, "rules_fallback": -1.0, "cue_threshold": 0.5}
)
def make_attribution_model(
    nlp: Language, name: str, min_score: float, rules_fallback: float, cue_threshold: float
) -> AttributionModel:
    return AttributionModel(nlp, name, min_score, rules_fallback, cue_threshold)

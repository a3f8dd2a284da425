"""The trained model as a spaCy component: ``attribution_model``.

It sits after ``attribution_rules`` (whose cues and spans are its features) and
replaces ``doc._.attributions`` with its own predictions, each carrying
``"suggester": "<name>@<version>"``. Its two CRF files are saved with the pipeline
(``nlp.to_disk``) in the component's folder and read back by ``spacy.load``.

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

CUE_FILE = "cues.crfsuite"
ROLE_FILE = "roles.crfsuite"


def version_hash(cue_model: bytes, role_model: bytes) -> str:
    """8 hex digits naming one trained model (same data + seed = same hash)."""
    digest = hashlib.sha1(cue_model)
    digest.update(role_model)
    return digest.hexdigest()[:8]


class AttributionModel:
    def __init__(self, nlp: Language, name: str, min_score: float):
        self.nlp = nlp
        self.name = name
        self.min_score = min_score
        self.model: FrameModel | None = None
        self.suggester = "untrained"

    def set_model(self, model: FrameModel) -> None:
        self.model = model
        model_name = self.nlp.meta.get("name") or "model"
        self.suggester = f"{model_name}@{version_hash(model.cue_model, model.role_model)}"

    def __call__(self, doc: Doc) -> Doc:
        if self.model is None:  # untrained: the rules' suggestions stand
            return doc
        found = self.model.predict(DocView.of(doc))
        for frame in found:
            frame["suggester"] = self.suggester
        doc._.attributions = [frame for frame in found if frame["score"] >= self.min_score]
        return doc

    def to_disk(self, path, exclude=()) -> None:
        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        if self.model is not None:
            (path / CUE_FILE).write_bytes(self.model.cue_model)
            (path / ROLE_FILE).write_bytes(self.model.role_model)

    def from_disk(self, path, exclude=()) -> AttributionModel:
        path = Path(path)
        if (path / CUE_FILE).is_file() and (path / ROLE_FILE).is_file():
            self.set_model(FrameModel((path / CUE_FILE).read_bytes(), (path / ROLE_FILE).read_bytes()))
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


@Language.factory("attribution_model", default_config={"min_score": 0.0})
def make_attribution_model(nlp: Language, name: str, min_score: float) -> AttributionModel:
    return AttributionModel(nlp, name, min_score)

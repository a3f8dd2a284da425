"""A trained model on disk: a spaCy pipeline folder, written atomically.

MODEL_DIR is what ``spacy.load`` reads: ``config.cfg`` (the rules' components, then
``attribution_model``, then entity grouping), ``meta.json`` (spaCy's keys plus
``annotator_model``: format, training data fingerprint, date, settings, counts, dev
figures) and one folder per component (``attribution_model/`` holds the two labellers).

``train --watch`` keeps several versions: MODEL_DIR/versions/<hash>/ each a pipeline
folder, and MODEL_DIR/current, a symbolic link to the one in use, replaced by a rename
(atomic), so a reader sees the old model or the new one, never half of one.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path

from annotator.errors import AnnotatorError
from annotator.model.frames import FrameModel

# MODEL_FORMAT is bumped when the features or files change: an older model then fails
# to load with a one-line error instead of suggesting nonsense.
from annotator.suggest.pipeline import CURRENT_LINK as CURRENT
from annotator.suggest.pipeline import MODEL_FORMAT, check_model_meta
from annotator.suggest.pipeline import MODEL_META_KEY as META_KEY
from annotator.suggest.pipeline import resolve_model_dir as resolve

VERSIONS = "versions"
# The rules' attributions with a score of at least this whose cue the model missed are
# suggested too (PolNeAR dev, CRF model: 0.7 adds 0.1-0.9 points to every exact F1 and
# to overlap relation F1; 0.0 costs up to 2.3 points: the rules' weak cues are noise).
RULES_FALLBACK = 0.7


def build_model_pipeline(model: FrameModel, name: str = "attribution", rules_fallback: float = RULES_FALLBACK):
    """The rules pipeline with the trained component before entity grouping."""
    from annotator.model import component  # noqa: F401  (registers the factory)
    from annotator.suggest.pipeline import build_pipeline

    nlp = build_pipeline("rules")
    nlp.meta["name"] = name
    config = {"rules_fallback": float(rules_fallback), "cue_threshold": float(model.cue_threshold)}
    nlp.add_pipe("attribution_model", before="attribution_entities", config=config)
    nlp.get_pipe("attribution_model").set_model(model)
    return nlp


def write_model(nlp, out: Path, info: dict) -> Path:
    """Write ``nlp`` to ``out`` atomically (a sibling temporary folder renamed into place).

    An existing ``out`` is replaced only if it is a model folder (has config.cfg) or empty.
    """
    out = Path(out)
    if out.exists():
        if not out.is_dir():
            raise AnnotatorError("not a folder; refusing to replace it with a model", out)
        if any(out.iterdir()) and not (out / "config.cfg").is_file():
            raise AnnotatorError("folder is not empty and not a model; refusing to replace it", out)
    out.parent.mkdir(parents=True, exist_ok=True)
    nlp.meta[META_KEY] = {"format": MODEL_FORMAT, **info}
    staging = Path(tempfile.mkdtemp(prefix=f".{out.name}.", dir=out.parent))
    try:
        nlp.to_disk(staging)
        os.chmod(staging, 0o755)
        if out.exists():
            old = Path(tempfile.mkdtemp(prefix=f".{out.name}.old.", dir=out.parent))
            os.rename(out, old / "model")
            os.rename(staging, out)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.rename(staging, out)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return out


def publish_version(nlp, model_dir: Path, info: dict, version: str) -> Path:
    """Write a version under MODEL_DIR/versions and point MODEL_DIR/current at it."""
    model_dir = Path(model_dir)
    target = write_model(nlp, model_dir / VERSIONS / version, info)
    link = model_dir / f".{CURRENT}.{os.getpid()}"
    if link.is_symlink() or link.exists():
        link.unlink()
    os.symlink(Path(VERSIONS) / version, link)
    os.replace(link, model_dir / CURRENT)  # atomic: readers see the old or the new link
    return target


def read_meta(path: Path) -> dict:
    """The model's meta.json, checked to be this project's model of this format."""
    path = resolve(path)
    meta_path = path / "meta.json"
    if not path.is_dir() or not (path / "config.cfg").is_file() or not meta_path.is_file():
        raise AnnotatorError("not a model folder (no config.cfg and meta.json)", path)
    check_model_meta(path)
    try:
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as error:
        raise AnnotatorError(f"unreadable meta.json: {error}", meta_path) from None
    if not isinstance(meta, dict) or not isinstance(meta.get(META_KEY), dict):
        raise AnnotatorError("not an annotator model (meta.json has no annotator_model)", meta_path)
    return meta

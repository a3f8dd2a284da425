"""Which known format an input is, from its name and first record (``--format auto``).

The project's own exports import back without naming their format: a training-export
JSONL (lines with ``frames``), a spaCy DocBin (``.spacy``), Prodigy and doccano JSONL,
a Label Studio JSON array, a BRAT folder (``.ann`` files). A CoNLL export is recognised
so that it can be refused in one sentence: it has no attribution frames to import.
Anything else is left to the article readers (news text, plain text, corpus JSONL).
"""

from __future__ import annotations

from pathlib import Path

# How each format is named in messages.
FORMAT_NAMES = {
    "jsonl": "training-export JSONL",
    "spacy": "spaCy DocBin",
    "prodigy": "Prodigy JSONL",
    "doccano": "doccano JSONL",
    "labelstudio": "Label Studio JSON",
    "brat": "BRAT folder",
    "conll": "CoNLL export",
}
_SNIFF_BYTES = 1 << 20  # enough for a first record; a corpus line can be long


def detect_annotated_format(path: Path) -> str | None:
    """The annotated format ``path`` is in (a key of FORMAT_NAMES), or None."""
    if path.is_dir():
        if (path / "attributions.conll").is_file():  # the folder `export --format conll` writes
            return "conll"
        return "brat" if _holds_ann_files(path) else None
    if not path.is_file():
        return None
    suffix = path.suffix.lower()
    if suffix == ".spacy":
        return "spacy"
    if suffix in (".conll", ".conllu"):
        return "conll"
    head = _head(path)
    if head.lstrip().startswith("-DOCSTART-"):
        return "conll"
    first = _first_json_value(head)
    if isinstance(first, list) and first and isinstance(first[0], dict):
        return "labelstudio" if "data" in first[0] and ("annotations" in first[0] or "predictions" in first[0]) else None
    if not isinstance(first, dict):
        return None
    if "frames" in first and "text_sha1" in first:
        return "jsonl"
    if "_input_hash" in first or ("spans" in first and "tokens" in first and "relations" in first):
        return "prodigy"
    if "relations" in first and ("entities" in first or "label" in first):
        return "doccano"
    return None


def _holds_ann_files(folder: Path) -> bool:
    attributions = folder / "attributions"
    if attributions.is_dir() and any(attributions.glob("*.ann")):
        return True
    return any(folder.glob("*.ann")) or any(folder.glob("*/attributions/*.ann"))


def _head(path: Path) -> str:
    with path.open("rb") as stream:
        return stream.read(_SNIFF_BYTES).decode("utf-8", errors="replace")


def _first_json_value(head: str):
    """The first JSON line of a JSONL file, or the whole of a JSON file when it fits."""
    import orjson

    text = head.lstrip()
    if text.startswith("["):
        try:
            return orjson.loads(text)
        except orjson.JSONDecodeError:
            # Longer than the sniffed head: its first object, on a line of its own (as
            # the project writes it), is enough.
            for line in text[1:].split("\n"):
                value = _loads_or_none(line.strip().rstrip(","))
                if value is not None:
                    return [value]
            return None
    line = text.split("\n", 1)[0]
    return _loads_or_none(line)


def _loads_or_none(text: str):
    import orjson

    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        return None

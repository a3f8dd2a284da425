"""User key remapping: a TOML file mapping binding ids to keys.

    # ~/.config/annotator/keys.toml  (or annotator annotate --keys FILE)
    [keys]
    accept = "a,enter"
    next = "j,down"

Every binding of the app has an id (see ``?`` in the app); unknown ids are an error
that names them, so a typo never silently does nothing.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path

from annotator.errors import AnnotatorError


def default_keymap_path() -> Path:
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    return Path(base) / "annotator" / "keys.toml"


def load_keymap(path: Path | None, known_ids: set[str]) -> tuple[dict[str, str], Path | None]:
    """The keymap in ``path`` (or the default file if it exists) and where it came from."""
    explicit = path is not None
    path = Path(path) if path is not None else default_keymap_path()
    if not path.exists():
        if explicit:
            raise AnnotatorError("no such file", path)
        return {}, None
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise AnnotatorError(f"not valid TOML: {error}", path) from None
    table = data.get("keys", data)
    if not isinstance(table, dict):
        raise AnnotatorError("expected a [keys] table of binding id = \"keys\"", path)
    keymap: dict[str, str] = {}
    unknown = []
    for binding_id, keys in table.items():
        if binding_id not in known_ids:
            unknown.append(binding_id)
            continue
        if isinstance(keys, list):
            keys = ",".join(str(k) for k in keys)
        if not isinstance(keys, str) or not keys.strip():
            raise AnnotatorError(f"keys for {binding_id!r} must be a string like \"a,enter\"", path)
        keymap[binding_id] = keys.replace(" ", "")
    if unknown:
        raise AnnotatorError(
            f"unknown binding id(s): {', '.join(sorted(unknown))}; known ids: {', '.join(sorted(known_ids))}", path
        )
    return keymap, path

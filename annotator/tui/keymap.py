"""User key remapping: a TOML file mapping binding ids to keys.

    # ~/.config/annotator/keys.toml  (or annotator annotate --keys FILE)
    [keys]
    accept = "a,enter"
    next = "j,down"

Every binding of the app has an id (see ``?`` in the app); unknown ids are an error
that names them, so a typo never silently does nothing. Keys may be written as they are
typed ("[", "?") or by Textual's names ("left_square_bracket"). A remap that gives a key
to two bindings active at the same time (the same screen and mode) is an error naming
both: one of them would never fire.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import TYPE_CHECKING, Any, cast

from annotator.errors import AnnotatorError

if TYPE_CHECKING:
    from textual.binding import Binding


def bindings_of(owner: Any) -> list[Binding]:
    """``owner.BINDINGS`` (the same list): textual types it as Binding objects or tuples,
    and every binding of this app is a Binding (with an id)."""
    return cast("list[Binding]", owner.BINDINGS)


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
        keymap[binding_id] = ",".join(_key_name(key) for key in keys.replace(" ", "").split(",") if key)
    if unknown:
        raise AnnotatorError(
            f"unknown binding id(s): {', '.join(sorted(unknown))}; known ids: {', '.join(sorted(known_ids))}", path
        )
    check_shadowing(keymap, path)
    return keymap, path


def _key_name(key: str) -> str:
    """Textual's name for a key typed as itself ("[" -> "left_square_bracket")."""
    from textual.keys import _character_to_key

    if len(key) == 1:
        return _character_to_key(key)
    return key


def key_display(keys: str) -> str:
    """Keys as people type them: "left_square_bracket,question_mark" -> "[, ?" (the
    footer's own formatting, App.get_key_display, which needs no running app)."""
    from textual.app import App
    from textual.binding import Binding

    return ", ".join(App.get_key_display(None, Binding(key.strip(), "")) for key in keys.split(","))  # type: ignore[arg-type]


def binding_modes() -> dict[str, list]:
    """Bindings that are active together, by screen and mode (a key may serve two
    bindings of different modes: "1" picks a version or a type)."""
    from annotator.tui.app import AnnotatorApp, dialog_bindings
    from annotator.tui.screens import annotate as annotate_screen
    from annotator.tui.screens.adjudicate import EDIT_IDS, AdjudicateScreen

    everywhere = list(bindings_of(AnnotatorApp))
    annotate = bindings_of(annotate_screen.AnnotateScreen)
    modes: dict[str, list] = {}
    for mode, ids in (("normal", annotate_screen.NORMAL), ("edit", annotate_screen.EDIT),
                      ("select", annotate_screen.SELECT)):
        modes[f"annotate {mode}"] = everywhere + [b for b in annotate if b.id in ids]
    shared = {"adjudicate.help", "adjudicate.quit"}
    adjudicate = bindings_of(AdjudicateScreen)
    modes["adjudicate"] = everywhere + [b for b in adjudicate if b.id not in EDIT_IDS - shared]
    modes["adjudicate edit"] = everywhere + [b for b in adjudicate if b.id in EDIT_IDS]
    for binding in dialog_bindings():
        assert binding.id is not None  # every binding of the app has one
        modes.setdefault(f"dialog {binding.id.split('.')[0]}", everywhere[:]).append(binding)
    return modes


def check_shadowing(keymap: dict[str, str], path: Path | None) -> None:
    """A remapped key that another binding of the same mode answers too is an error."""
    if not keymap:
        return
    for mode, bindings in binding_modes().items():
        owner: dict[str, str] = {}
        for binding in bindings:
            if not binding.id:
                continue
            for key in keymap.get(binding.id, binding.key).split(","):
                key = key.strip()
                other = owner.get(key)
                if other is not None and other != binding.id and (binding.id in keymap or other in keymap):
                    remapped, shadowed = (binding.id, other) if binding.id in keymap else (other, binding.id)
                    raise AnnotatorError(
                        f"{key_display(key)!r} for {remapped} shadows {shadowed} ({mode}): "
                        f"give one of them another key", path
                    )
                owner[key] = binding.id

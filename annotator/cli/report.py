"""What every command prints goes through here: text from files (ids, annotator names,
file names, keys) is escaped by ``errors.printable`` and never read as rich markup.

``echo`` for lines, ``plain`` for rich table cells and lines, ``console`` for a rich
console that takes no markup at all.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING

import typer

from annotator.errors import printable

if TYPE_CHECKING:
    from annotator.store import JournalContents, PlainContents


def echo(message: object = "", err: bool = False) -> None:
    """One line of output, control characters escaped (never an escape sequence)."""
    typer.echo(printable(str(message)), err=err)


def print_json(payload: object) -> None:
    import orjson

    sys.stdout.buffer.write(
        orjson.dumps(payload, option=orjson.OPT_INDENT_2 | orjson.OPT_SERIALIZE_NUMPY) + b"\n"
    )
    sys.stdout.flush()


def warn_problems(contents: JournalContents | PlainContents, limit: int = 20) -> None:
    """Bad journal lines are reported (FILE:LINE: problem), never fatal."""
    for problem in contents.problems[:limit]:
        echo(f"warning: {problem} (line ignored)", err=True)
    if len(contents.problems) > limit:
        echo(f"warning: ... and {len(contents.problems) - limit} more bad line(s)", err=True)


def percent(value: float | None, digits: int = 1) -> str:
    return "–" if value is None else f"{100 * value:.{digits}f}"


def interval(values: list[float] | None) -> str:
    if not values:
        return "–"
    return f"{100 * values[0]:.1f}–{100 * values[1]:.1f}"


def console():
    from rich.console import Console

    # markup=False: a string printed by mistake is still shown as it is, never parsed.
    return Console(highlight=False, soft_wrap=False, markup=False, emoji=False)


def plain(value: object):
    """Untrusted text (document ids, names) as a rich Text: no markup, no control codes."""
    from rich.text import Text

    return Text(printable(str(value)))


def middle(value: str, room: int):
    """An id or a name in at most ``room`` cells, cut in the middle ("000_302…bd44-1"),
    never folded over rows: the tables fit an 80-column terminal."""
    from annotator.tui.display import shorten_middle

    return plain(shorten_middle(value, max(8, room)))

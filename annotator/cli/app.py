"""The typer application that every command module registers itself on."""

from __future__ import annotations

import typer

app = typer.Typer(
    name="annotator",
    help="Annotate who claims what in news: import articles, annotate attributions by "
    "keyboard, measure agreement, export training data.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


# True while ``main`` runs as the program itself (console script, ``python -m
# annotator``), not as a function called from Python (tests).
_running_as_program = False


def set_running_as_program(value: bool) -> None:
    global _running_as_program
    _running_as_program = value


def finish_without_teardown() -> None:
    """End a successful read-only command at once, once its output is printed.

    agree and evaluate end holding millions of small objects (records, tokens); freeing
    them one by one as the command returned took half a second after the output was
    complete. As the program, flush and leave now, as mypy does; called from Python,
    return normally."""
    import os
    import sys

    if not _running_as_program:
        return
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except OSError:
        return  # output failed: the normal way reports it
    os._exit(0)

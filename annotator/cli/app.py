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

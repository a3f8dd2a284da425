"""``annotator annotate``: open the seed articles (the app arrives with the TUI issue).

Until the Textual app exists this imports the articles and prints a summary of them,
so the README's first command already shows what will be annotated.
"""

from __future__ import annotations

from pathlib import Path

import typer

from annotator.cli.app import app
from annotator.corpus import collect_documents

DEFAULT_SOURCES = Path("seeds")


@app.command("annotate")
def annotate_command(
    sources: Path = typer.Argument(DEFAULT_SOURCES, help="Corpus JSONL or folder of articles."),
) -> None:
    """Open articles for annotation (for now: import them and list what is there)."""
    documents = collect_documents([sources])
    for document in documents:
        words = len(document.text.split())
        title = document.meta.title or "(no headline)"
        date = document.meta.date.isoformat() if document.meta.date else "no date"
        typer.echo(f"{document.id:28} {date:10} {words:5} words  {title}")
    typer.echo(f"{len(documents)} document(s) from {sources}")

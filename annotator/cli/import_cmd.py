"""``annotator import PATH... -o corpus.jsonl``: read articles into a corpus file."""

from __future__ import annotations

from pathlib import Path

import typer

from annotator.cli.app import app
from annotator.corpus import SOURCE_FORMATS, collect_documents, expand_sources, write_corpus_jsonl
from annotator.errors import AnnotatorError
from annotator.progress import progress


@app.command("import")
def import_command(
    paths: list[Path] = typer.Argument(..., help="Article files or folders of them."),
    out: Path = typer.Option(..., "-o", "--out", help="Corpus JSONL to write (atomically)."),
    source_format: str = typer.Option(
        "auto",
        "--format",
        help=f"One of {', '.join(SOURCE_FORMATS)}; auto reads .jsonl as corpus JSONL and "
        "other files as news text.",
    ),
) -> None:
    """Import articles (news dumps, plain text, corpus JSONL) into one corpus JSONL file."""
    if source_format not in SOURCE_FORMATS:
        raise AnnotatorError(f"unknown format {source_format!r}; choose from {', '.join(SOURCE_FORMATS)}")
    total = len(expand_sources(paths))
    documents = collect_documents(
        paths, source_format, lambda batches: progress(batches, total, "importing")
    )
    if out.resolve() in {path.resolve() for path in paths}:
        raise AnnotatorError("refusing to overwrite an input file", out)
    count = write_corpus_jsonl(documents, out)
    dated = sum(1 for doc in documents if doc.meta.date)
    titled = sum(1 for doc in documents if doc.meta.title)
    typer.echo(f"{out}: {count} document(s) from {total} file(s), {titled} with a title, {dated} with a date")

"""``annotator suggest CORPUS -o suggestions.jsonl``: pre-suggested attributions."""

from __future__ import annotations

import contextlib
from pathlib import Path

import typer

from annotator.cli.app import app
from annotator.cli.report import echo


@app.command("suggest")
def suggest_command(
    corpus: Path = typer.Argument(..., help="Corpus JSONL (or any article source `import` reads)."),
    out: Path = typer.Option(..., "-o", "--out", help="Suggestions JSONL to write (atomically)."),
    model: str = typer.Option(
        "rules",
        "--model",
        help="'rules' (built in, no pretrained model) or a spaCy pipeline directory whose "
        "components set doc._.attributions (see annotator/suggest/pipeline.py).",
    ),
    n_process: int = typer.Option(1, "--n-process", min=1, help="Worker processes."),
    batch_size: int = typer.Option(32, "--batch-size", min=1, help="Documents per batch."),
    scheduler: str | None = typer.Option(
        None, "--scheduler", help="Run on a Dask cluster: tcp://HOST:PORT of a running scheduler, or 'local' "
        "(a cluster of --n-process worker processes here). Needs the team extra."),
    chunk_mb: float = typer.Option(4.0, "--chunk-mb", min=0.001, help="With --scheduler: MB of text per task."),
) -> None:
    """Suggest attributions for every document: one record per document, annotator 'suggester'."""
    from annotator.corpus import load_corpus
    from annotator.errors import AnnotatorError
    from annotator.fileio import atomic_writer, check_paths, dumps_line
    from annotator.progress import progress
    from annotator.suggest import suggest_records
    from annotator.suggest.runner import DocumentTooLong

    check_paths([corpus], {"-o": out})
    documents = load_corpus(corpus)
    if scheduler:  # the same pipeline on a Dask cluster, one load per worker, in corpus order
        from annotator.errors import printable
        from annotator.suggest.distributed import suggest_distributed

        records = suggest_distributed(documents, scheduler, model, int(chunk_mb * 1024 * 1024),
                                      workers=max(2, n_process),
                                      report=lambda line: typer.echo(printable(f"warning: {line}"), err=True))
    else:
        records = suggest_records(documents, model=model, n_process=n_process, batch_size=batch_size)
    count = attributions = 0
    try:
        with atomic_writer(out, "wb") as stream:
            for record in progress(records, len(documents), "suggesting"):
                stream.write(dumps_line(record.model_dump(mode="json", exclude_none=True)))
                count += 1
                attributions += len(record.attributions)
    except DocumentTooLong as error:
        path, line = _where(corpus, error.document)
        raise AnnotatorError(
            f"document {error.document.id!r} has {len(error.document.text):,} characters, more than "
            f"the suggester takes ({error.limit:,}, spaCy's max_length): split it into several "
            "documents (nothing written)",
            path,
            line,
        ) from None
    echo(f"{out}: {count} document(s), {attributions} suggested attribution(s)")


def _where(corpus: Path, document) -> tuple[Path, int | None]:
    """The file and line a document starts on: its source file (``meta.source``), else
    the corpus JSONL line holding its id."""
    from annotator.fileio import jsonl_values, read_text

    source = document.meta.source
    if source is not None and Path(source.path).is_file():
        with contextlib.suppress(Exception):
            return Path(source.path), read_text(Path(source.path)).count("\n", 0, source.start) + 1
    if corpus.is_file():
        for number, value, _problem in jsonl_values(read_text(corpus)):
            if isinstance(value, dict) and value.get("id") == document.id:
                return corpus, number
    return corpus, None

"""``annotator suggest CORPUS -o suggestions.jsonl``: pre-suggested attributions."""

from __future__ import annotations

from pathlib import Path

import typer

from annotator.cli.app import app


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
    from annotator.fileio import atomic_writer, dumps_line
    from annotator.progress import progress
    from annotator.suggest import suggest_records

    if out.resolve() == corpus.resolve():
        raise AnnotatorError("refusing to overwrite the input corpus", out)
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
    with atomic_writer(out, "wb") as stream:
        for record in progress(records, len(documents), "suggesting"):
            stream.write(dumps_line(record.model_dump(mode="json", exclude_none=True)))
            count += 1
            attributions += len(record.attributions)
    typer.echo(f"{out}: {count} document(s), {attributions} suggested attribution(s)")

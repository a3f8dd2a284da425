"""``annotator import PATH... -o corpus.jsonl``: read articles into a corpus file."""

from __future__ import annotations

from pathlib import Path

import typer

from annotator.cli.app import app
from annotator.corpus import SOURCE_FORMATS, collect_documents, expand_sources, write_corpus_jsonl
from annotator.errors import AnnotatorError

IMPORT_FORMATS = (*SOURCE_FORMATS, "brat")


@app.command("import")
def import_command(
    paths: list[Path] = typer.Argument(..., help="Article files or folders of them."),
    out: Path = typer.Option(..., "-o", "--out", help="Corpus JSONL to write (atomically)."),
    source_format: str = typer.Option(
        "auto",
        "--format",
        help=f"One of {', '.join(IMPORT_FORMATS)}; auto reads .jsonl as corpus JSONL and "
        "other files as news text.",
    ),
    annotations_out: Path | None = typer.Option(
        None,
        "--annotations-out",
        help="brat: folder for one journal per annotator (<annotator>.jsonl).",
    ),
    annotator: str = typer.Option(
        "brat", "--annotator", help="brat: annotator name for .ann files that do not name one."
    ),
) -> None:
    """Import articles (news dumps, plain text, corpus JSONL, BRAT) into one corpus JSONL file."""
    if source_format not in IMPORT_FORMATS:
        raise AnnotatorError(f"unknown format {source_format!r}; choose from {', '.join(IMPORT_FORMATS)}")
    resolved_inputs = {path.resolve() for path in paths}
    if out.resolve() in resolved_inputs:
        raise AnnotatorError("refusing to overwrite an input file", out)
    if source_format == "brat":
        _import_brat(paths, out, annotations_out, annotator)
        return
    if annotations_out is not None:
        raise AnnotatorError("--annotations-out applies to --format brat only")
    from annotator.progress import progress

    total = len(expand_sources(paths))
    documents = collect_documents(
        paths, source_format, lambda batches: progress(batches, total, "importing")
    )
    count = write_corpus_jsonl(documents, out)
    dated = sum(1 for doc in documents if doc.meta.date)
    titled = sum(1 for doc in documents if doc.meta.title)
    typer.echo(f"{out}: {count} document(s) from {total} file(s), {titled} with a title, {dated} with a date")


def _import_brat(paths: list[Path], out: Path, annotations_out: Path | None, annotator: str) -> None:
    from annotator.fileio import atomic_writer, dumps_line
    from annotator.formats.brat import read_brat
    from annotator.store import check_annotator_name

    if len(paths) != 1:
        raise AnnotatorError("--format brat reads one folder")
    check_annotator_name(annotator)
    imported = read_brat(paths[0], default_annotator=annotator)
    for name in imported.annotators:
        check_annotator_name(name)
    if imported.records and annotations_out is None:
        raise AnnotatorError(
            f"{len(imported.records)} annotation file(s) found: give --annotations-out DIR to keep them"
        )
    by_annotator: dict[str, list] = {}
    for record in imported.records:
        by_annotator.setdefault(record.annotator, []).append(record)
    if annotations_out is not None:
        annotations_out.mkdir(parents=True, exist_ok=True)
    # Corpus first, then journals; each file appears whole or not at all.
    write_corpus_jsonl(imported.documents, out)
    for name, records in sorted(by_annotator.items()):
        target = annotations_out / f"{name}.jsonl"
        with atomic_writer(target, "wb") as stream:
            for record in records:
                stream.write(dumps_line(record.model_dump(mode="json", exclude_none=True)))
    attributions = sum(len(record.attributions) for record in imported.records)
    typer.echo(
        f"{out}: {len(imported.documents)} document(s); {attributions} attribution(s) in "
        f"{len(imported.records)} annotation file(s) by {len(by_annotator)} annotator(s)"
        + (f" -> {annotations_out}/" if annotations_out else "")
    )
    if imported.unmapped:
        typer.echo("not mapped to attributions (counted, not lost silently):", err=True)
        for what, count in sorted(imported.unmapped.items()):
            typer.echo(f"  {count:6} {what}", err=True)
    for problem in imported.problems[:20]:
        typer.echo(f"warning: {problem}", err=True)
    if len(imported.problems) > 20:
        typer.echo(f"warning: ... and {len(imported.problems) - 20} more", err=True)

"""``annotator report ANNOTATIONS... --corpus CORPUS -o report.html``: one self-contained HTML page."""

from __future__ import annotations

from pathlib import Path

import typer

from annotator.cli.app import app, finish_without_teardown


@app.command("report")
def report_command(
    journals: list[Path] = typer.Argument(..., help="Journals or a gold file (JSONL files or folders of them)."),
    corpus: Path = typer.Option(..., "--corpus", help="Corpus JSONL (or source) the journals annotate."),
    out: Path = typer.Option(..., "-o", "--out", help="The HTML file to write."),
    gold: Path | None = typer.Option(None, "--gold", help="Gold journal: score the suggestions against it."),
    suggestions: Path | None = typer.Option(
        None, "--suggestions", help="The suggestions file (annotator suggest's output): outcomes per suggester."
    ),
    docs: int = typer.Option(50, "--docs", min=0, help="Documents to render, the least agreed first; the rest are summarised."),
) -> None:
    """Progress, agreement (as agree --json), suggestion outcomes and annotated documents, with charts."""
    import time

    from annotator.cli.report import warn_problems
    from annotator.errors import printable
    from annotator.report import check_output, write_page
    from annotator.report.build import build_report
    from annotator.report.collect import collect

    check_output(out, [*journals, corpus, gold, suggestions])
    started = time.perf_counter()
    data = collect(journals, corpus, suggestions, gold)
    warn_problems(data.contents)
    page = build_report(data, docs)
    write_page(out, page)
    shown = min(docs, len(data.latest_by_document()))
    typer.echo(printable(
        f"{out}: {len(page.encode('utf-8')) / 1e6:.2f} MB, {len(data.latest_by_document())} document(s), "
        f"{shown} rendered, in {time.perf_counter() - started:.1f} s"
    ), err=True)
    finish_without_teardown()

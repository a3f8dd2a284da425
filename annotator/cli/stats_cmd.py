"""``annotator stats [JOURNAL...] [--json]``: progress, workload and suggestion outcomes."""

from __future__ import annotations

from pathlib import Path

import typer

from annotator.cli.app import app


@app.command("stats")
def stats_command(
    journals: list[Path] = typer.Argument(
        None, help="Journals (JSONL files or folders of them); default: the annotations/ folder."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object for machines."),
) -> None:
    """Documents done and in progress per annotator, attributions per type and role, suggestion outcomes, time per document."""
    from annotator.cli.report import console, percent, plain, print_json
    from annotator.records import expand_journals
    from annotator.stats import collect

    paths = expand_journals(journals or [Path("annotations")])
    report, problems = collect(paths)
    for problem in problems[:20]:
        typer.echo(f"warning: {problem} (line ignored)", err=True)
    if as_json:
        print_json(report)
        return
    from rich.table import Table

    out = console()
    table = Table(title=f"Annotators ({report['documents']} document(s) annotated)")
    for name in ("annotator", "done", "in progress", "skipped", "attributions", "timed", "median min/doc", "mean min/doc"):
        table.add_column(name, justify="left" if name == "annotator" else "right")
    minutes = lambda value: "–" if value is None else f"{value / 60:.1f}"  # noqa: E731
    for name, row in report["annotators"].items():
        table.add_row(
            plain(name), str(row["done"]), str(row["in_progress"]), str(row["skipped"]), str(row["attributions"]),
            str(row["documents_timed"]), minutes(row["median_seconds_per_document"]),
            minutes(row["mean_seconds_per_document"]),
        )
    out.print(table)
    if report["gold_records"]:
        out.print(
            f"{report['gold_records']} gold record(s) (written by adjudicate) are left out of the tables below"
        )
    total = sum(report["types"].values()) or 1
    types = Table(title="Attributions by type and role")
    types.add_column("type")
    types.add_column("count", justify="right")
    types.add_column("%", justify="right")
    for kind, count in report["types"].items():
        types.add_row(kind, str(count), percent(count / total))
    types.add_section()
    for role, count in report["roles"].items():
        types.add_row(f"with {role}", str(count), percent(count / total))
    out.print(types)
    outcomes = Table(title="Suggestion outcomes")
    outcomes.add_column("outcome")
    outcomes.add_column("count", justify="right")
    for name, count in report["suggestions"].items():
        outcomes.add_row(name, str(count))
    out.print(outcomes)
    if report["suggesters"]:
        versions = Table(title="Suggestion outcomes per suggester version")
        for name in ("suggester", "accepted", "edited", "rejected", "accepted %"):
            versions.add_column(name, justify="left" if name == "suggester" else "right")
        for name, row in report["suggesters"].items():
            share = row["accepted_share"]
            versions.add_row(
                plain(name), str(row["accepted"]), str(row["edited"]), str(row["rejected"]),
                "–" if share is None else percent(share),
            )
        out.print(versions)

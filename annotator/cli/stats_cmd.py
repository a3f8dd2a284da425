"""``annotator stats [JOURNAL...] [--json]``: progress, workload and suggestion outcomes."""

from __future__ import annotations

import typer

from annotator.cli.app import app
from annotator.cli.report import echo


@app.command("stats")
def stats_command(
    journals: list[str] = typer.Argument(
        None, help="Journals (JSONL files or folders of them), or a postgresql:// URL; "
        "default: the annotations/ folder."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object for machines."),
) -> None:
    """Documents done and in progress per annotator, attributions per type and role, suggestion outcomes, time per document."""
    from annotator.cli.report import console, middle, percent, plain, print_json
    from annotator.fileio import check_paths
    from annotator.records import expand_journals
    from annotator.stats import collect
    from annotator.store import local

    check_paths(journals or [])

    # a database's full history (time per document needs every save), as local journals
    paths = expand_journals(local.journals(journals or ["annotations"], latest_only=False))
    report, problems = collect(paths)
    for problem in problems[:20]:
        echo(f"warning: {problem} (line ignored)", err=True)
    from annotator import undecided

    if note := undecided.warning([tuple(found) for found in report["done_with_undecided"]]):
        echo(note, err=True)
    if as_json:
        print_json(report)
        return
    from rich.table import Table

    out = console()
    table = Table(title=f"Annotators ({report['documents']} document(s) annotated)")
    # short headers and one column for both times: the table fits 80 columns
    for name in ("annotator", "done", "in prog.", "skipped", "attribs", "timed", "min med/mean"):
        table.add_column(name, justify="left" if name == "annotator" else "right", no_wrap=True)
    def minutes(value):
        return "–" if value is None else f"{value / 60:.1f}"

    room = out.width - 66  # what the figures leave of the terminal for a name
    for name, row in report["annotators"].items():
        table.add_row(
            middle(name, room), str(row["done"]), str(row["in_progress"]), str(row["skipped"]),
            str(row["attributions"]), str(row["documents_timed"]),
            f"{minutes(row['median_seconds_per_document'])} / {minutes(row['mean_seconds_per_document'])}",
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

"""``annotator sync FROM TO``: copy the records TO lacks from FROM (journal folder or
file, or a postgresql:// URL, either way round)."""

from __future__ import annotations

import typer

from annotator.cli.app import app


@app.command("sync")
def sync_command(
    source: str = typer.Argument(..., metavar="FROM", help="Journal folder or file, or postgresql:// URL."),
    target: str = typer.Argument(..., metavar="TO", help="Journal folder or file (made if missing), "
                                 "or postgresql:// URL."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object for machines."),
) -> None:
    """Copy every record TO lacks (the full history); idempotent, safe from several machines
    at once. A (document, annotator) changed on both sides is a conflict: both histories
    are kept, the later record wins, and both times are reported."""
    from annotator.cli.report import print_json
    from annotator.errors import AnnotatorError, printable
    from annotator.store import open_store
    from annotator.store.sync import sync

    with open_store(source) as origin, open_store(target, create=True) as destination:
        if origin.label == destination.label:
            raise AnnotatorError("FROM and TO are the same store", origin.label)
        report = sync(origin, destination)
        for problem in getattr(origin, "problems", [])[:20]:  # bad journal lines: not copied
            typer.echo(printable(f"warning: {problem} (not copied)"), err=True)
        if as_json:
            print_json({"from": origin.label, "to": destination.label, **report.to_json()})
            return
        typer.echo(printable(
            f"{origin.label} -> {destination.label}: {report.read} record(s) read, {report.added} added, "
            f"{report.already} already there, {len(report.conflicts)} conflict(s)"))
        for conflict in report.conflicts:
            typer.echo(printable(
                f"conflict: {conflict.doc_id} by {conflict.annotator}: changed on both sides, "
                f"FROM at {conflict.source_time.isoformat()}, TO at {conflict.target_time.isoformat()}; "
                f"the later ({conflict.winner.upper()}) wins, both histories kept"))

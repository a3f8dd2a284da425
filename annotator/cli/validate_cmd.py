"""``annotator validate FILE...``: check corpus and annotation files."""

from __future__ import annotations

import sys
from pathlib import Path

import orjson
import typer

from annotator.cli.app import app
from annotator.cli.report import echo
from annotator.corpus import load_corpus
from annotator.errors import printable
from annotator.fileio import check_paths
from annotator.validate import validate_files


@app.command("validate")
def validate_command(
    specs: list[str] = typer.Argument(..., metavar="FILES...", help="Corpus or annotation JSONL files, "
                                      "or a postgresql:// URL (its records, and its corpus if it holds one)."),
    corpus_spec: str | None = typer.Option(
        None, "--corpus", help="Also check annotation offsets and texts against this corpus "
        "(a file, or a postgresql:// URL holding it)."
    ),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object for machines."),
) -> None:
    """Check files against the schema: one line per problem as FILE:LINE: problem; exit 1 if any."""
    from annotator.records import expand_journals
    from annotator.store import is_database_url, local

    files: list[Path] = []
    for spec in specs:
        if is_database_url(spec):  # every record the database holds, and its corpus
            files.extend(expand_journals(local.journals([spec], latest_only=False)))
            from annotator.store.postgres import PostgresStore

            with PostgresStore(spec) as store:
                has_corpus = bool(store.documents())
            if has_corpus:
                files.append(local.corpus(spec))
        else:
            files.append(Path(spec))
    corpus = local.corpus(corpus_spec) if corpus_spec else None
    check_paths([*files, corpus])
    documents = {doc.id: doc for doc in load_corpus(corpus)} if corpus else None
    reports = validate_files(files, documents)
    problems = [problem for report in reports for problem in report.problems]
    if as_json:
        payload = {
            "ok": not problems,
            "files": [
                {"path": r.path, "kind": r.kind, "lines": r.lines, "problems": len(r.problems)}
                for r in reports
            ],
            "problems": [problem.to_json() for problem in problems],
        }
        sys.stdout.buffer.write(orjson.dumps(payload, option=orjson.OPT_INDENT_2) + b"\n")
    else:
        for problem in problems:
            echo(printable(str(problem)))
        for report in reports:
            state = "ok" if not report.problems else f"{len(report.problems)} problem(s)"
            echo(printable(f"{report.path}: {report.kind}, {report.lines} line(s), {state}"), err=True)
    raise typer.Exit(1 if problems else 0)

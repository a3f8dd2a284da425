"""``annotator assign CORPUS --annotators a,b,c --overlap K``: per-annotator queues."""

from __future__ import annotations

from pathlib import Path

import typer

from annotator.cli.app import app
from annotator.cli.report import echo


@app.command("assign")
def assign_command(
    corpus: Path = typer.Argument(..., help="Corpus JSONL (or source) to share out."),
    annotators: str = typer.Option(..., "--annotators", help="Comma-separated annotator names."),
    overlap: int = typer.Option(1, "--overlap", help="How many annotators annotate each document."),
    seed: int = typer.Option(0, "--seed", help="Seed of the (deterministic) shuffle."),
    out: Path = typer.Option(Path("queues"), "-o", "--out", help="Folder for the queue files (<annotator>.txt)."),
    as_json: bool = typer.Option(False, "--json", help="Print the assignment as JSON."),
) -> None:
    """Give every document to K annotators, balanced and deterministic; write one queue per annotator."""
    from annotator.assign import assign, stale_queues, write_queues
    from annotator.errors import printable
    from annotator.fileio import check_paths
    from annotator.records import load_documents, split_names
    from annotator.store import check_annotator_name

    names = [check_annotator_name(name) for name in split_names(annotators)]
    check_paths([corpus], {"-o": out, **{name: out / f"{name}.txt" for name in names}})
    documents = load_documents(corpus)
    assignment = assign(list(documents), names, overlap, seed)
    written = write_queues(assignment, out)
    for path in stale_queues(out, names):
        echo(
            f"warning: {printable(str(path))} is a queue from an earlier assignment "
            f"({printable(path.stem)} is not in --annotators): remove it, or assign {printable(path.stem)} too",
            err=True,
        )
    if as_json:
        from annotator.cli.report import print_json

        print_json(
            {
                "overlap": overlap,
                "seed": seed,
                "documents": len(documents),
                "queues": {name: {"path": str(path), "documents": len(assignment.queues[name])}
                           for name, path in zip(assignment.queues, written)},
                "shared": {f"{a},{b}": n for (a, b), n in assignment.shared().items()},
            }
        )
        return
    echo(f"{len(documents)} document(s) x {overlap} annotator(s) each -> {out}/")
    for name, path in zip(assignment.queues, written):
        echo(f"  {name}: {len(assignment.queues[name])} document(s) in {path}")
    shared = assignment.shared()
    if shared:
        echo(f"  documents shared by a pair: {min(shared.values())} to {max(shared.values())}")

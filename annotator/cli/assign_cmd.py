"""``annotator assign CORPUS --annotators a,b,c --overlap K``: per-annotator queues."""

from __future__ import annotations

from pathlib import Path

import typer

from annotator.cli.app import app
from annotator.cli.report import echo


@app.command("assign")
def assign_command(
    corpus_spec: str = typer.Argument(..., metavar="CORPUS", help="Corpus JSONL (or source) to share out, or a "
                                      "postgresql:// URL holding the corpus: then the assignment goes into the "
                                      "database, and `annotate --annotations URL` takes leases from it."),
    annotators: str = typer.Option(..., "--annotators", help="Comma-separated annotator names."),
    overlap: int = typer.Option(1, "--overlap", help="How many annotators annotate each document."),
    seed: int = typer.Option(0, "--seed", help="Seed of the (deterministic) shuffle."),
    out: Path = typer.Option(Path("queues"), "-o", "--out", help="Folder for the queue files (<annotator>.txt)."),
    as_json: bool = typer.Option(False, "--json", help="Print the assignment as JSON."),
    roles: bool = typer.Option(False, "--roles", help="With a database: also make each annotator a login role "
                               "that may write only its own records (row-level security). Set passwords with "
                               "ALTER ROLE or use the server's other authentication; never on a command line."),
    adjudicators: str | None = typer.Option(None, "--adjudicators", help="With --roles: comma-separated "
                                            "names who may write gold records (also made login roles)."),
) -> None:
    """Give every document to K annotators, balanced and deterministic; write one queue per annotator."""
    from annotator.assign import assign, stale_queues, write_queues
    from annotator.errors import AnnotatorError, printable
    from annotator.fileio import check_paths
    from annotator.records import load_documents, split_names
    from annotator.store import check_annotator_name, is_database_url

    names = [check_annotator_name(name) for name in split_names(annotators)]
    judges = [check_annotator_name(name) for name in split_names(adjudicators)]
    if is_database_url(corpus_spec):
        _assign_in_database(corpus_spec, names, overlap, as_json, judges if roles else None)
        return
    if roles or judges:
        raise AnnotatorError("--roles and --adjudicators apply to a postgresql:// database")
    corpus = Path(corpus_spec)
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


def _assign_in_database(url: str, names: list[str], overlap: int, as_json: bool,
                        adjudicators: list[str] | None) -> None:
    from annotator.errors import printable
    from annotator.store.leases import overview, write_assignment
    from annotator.store.postgres import PostgresStore

    with PostgresStore(url) as store:
        documents, added = write_assignment(store, names, overlap)
        if adjudicators is not None:  # --roles
            for name in names:
                store.add_member(name, adjudicator=name in adjudicators)
            for name in adjudicators:
                store.add_member(name, adjudicator=True)
        slots = overview(store)
        label = store.label
    if as_json:
        from annotator.cli.report import print_json

        print_json({"overlap": overlap, "documents": documents, "annotators": names, "slots_added": added, **slots})
        return
    echo(printable(f"{label}: {documents} document(s) x {overlap} annotator(s) each; {added} slot(s) added; "
                         f"{slots['done']} done, {slots['leased']} leased, {slots['free']} free"))

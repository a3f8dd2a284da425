"""``annotator adjudicate JOURNAL... --corpus CORPUS -o gold.jsonl``: settle disagreements."""

from __future__ import annotations

from pathlib import Path

import typer

from annotator.cli.app import app
from annotator.cli.report import echo

AUTO_MODES = ("unanimous", "majority")


@app.command("adjudicate")
def adjudicate_command(
    journals: list[str] = typer.Argument(..., help="Annotator journals (JSONL files or folders of them), "
                                         "or a postgresql:// URL."),
    corpus: str = typer.Option(..., "--corpus", help="Corpus JSONL (or source) the journals annotate, "
                               "or a postgresql:// URL holding it."),
    out: Path = typer.Option(..., "-o", "--out", help="Gold file to write; an existing one is resumed."),
    auto: str | None = typer.Option(
        None,
        "--auto",
        help="Merge without a screen: 'unanimous' (only clusters all annotators agree on) or "
        "'majority' (also the option with the most votes; ties are left for review).",
    ),
    adjudicator: str | None = typer.Option(
        None, "--adjudicator", help="Who adjudicates (default: $USER, or auto-<mode> with --auto)."
    ),
    gold_name: str = typer.Option("gold", "--gold-name", help="Annotator name of the gold records."),
    annotators: str | None = typer.Option(
        None, "--annotators", help="Comma-separated annotators to adjudicate between (default: all)."
    ),
    as_json: bool = typer.Option(False, "--json", help="With --auto: print a JSON summary."),
) -> None:
    """Align all annotators' attributions into clusters and settle them into a gold file."""
    import gc
    import os

    from annotator.adjudicate import kept_records, prepare, save_gold, summarise
    from annotator.cli.report import warn_problems
    from annotator.errors import AnnotatorError
    from annotator.fileio import check_paths
    from annotator.records import (
        check_against_corpus,
        check_annotators_known,
        load_documents,
        read_journals,
        split_names,
    )
    from annotator.store import check_annotator_name

    if auto is not None and auto not in AUTO_MODES:
        raise AnnotatorError(f"--auto takes {' or '.join(AUTO_MODES)}, not {auto!r}")
    check_annotator_name(gold_name)
    who = adjudicator or (f"auto-{auto}" if auto else os.environ.get("USER") or "adjudicator")
    check_annotator_name(who)
    # The gold file is read back (resumed) and then replaced: never an input, a journal
    # in an input folder, or a device (/dev/full would be read until memory runs out).
    check_paths([*journals, corpus], {"-o": out}, read_back=("-o",))
    gc.disable()  # many small objects and no cycles
    documents = load_documents(corpus)
    contents = read_journals(journals)
    warn_problems(contents)
    names = split_names(annotators)
    check_annotators_known(contents, names, "--annotators")
    # Gold records (they name an adjudicator: this gold file's, or another one kept beside
    # the journals) are not an annotator's vote, unless asked for by name.
    records = [
        record
        for record in contents.latest.values()
        if record.annotator != gold_name
        and (record.annotator in names if names else record.adjudicator is None)
    ]
    if not records:
        raise AnnotatorError("no annotations found", ", ".join(map(str, journals)))
    check_against_corpus(records, documents, contents)
    gold = {}
    earlier = []
    if out.exists():
        previous = read_journals([out])
        warn_problems(previous)
        check_against_corpus(previous.latest.values(), documents, previous)
        gold = {doc_id: record for (doc_id, name), record in previous.latest.items() if name == gold_name}
        earlier = list(previous.latest.values())
    items = prepare(documents, records, gold)
    kept = kept_records(earlier, items, gold_name)
    if auto is None:
        _open_screen(items, out, gold_name, who, kept)
        return
    tied: list[tuple] = []
    gold_records = []
    for item in items:
        item.auto_unanimous()
        if auto == "majority":
            tied.extend((item, cluster) for cluster in item.auto_majority()[1])
        else:
            tied.extend((item, cluster) for cluster in item.open_clusters)
        # Nothing new: the record as it was; else it names every adjudicator.
        gold_records.append(item.gold_record(gold_name, who))
    save_gold(out, [*gold_records, *kept])
    summary = summarise(items)
    if as_json:
        from annotator.cli.report import print_json

        print_json(
            {
                "gold": str(out),
                **summary.to_json(),
                "left_for_review": [
                    {
                        "doc_id": item.document.id,
                        "cluster": cluster.id,
                        "votes": {str(option): votes for option, votes in cluster.votes()},
                    }
                    for item, cluster in tied
                ],
            }
        )
        return
    echo(
        f"{out}: {summary.documents} document(s), {summary.clusters} cluster(s): "
        f"{summary.unanimous} unanimous, {summary.majority} by majority, "
        f"{summary.majority_rejected} rejected by majority, {summary.by_hand} by hand; "
        f"{summary.open} left for review"
    )
    for item, cluster in tied[:20]:
        votes = ", ".join(
            f"{'no attribution' if option == 'none' else f'version {int(option) + 1}'}: {count}"
            for option, count in cluster.votes()
        )
        preview = cluster.versions[0].attribution.content.text[:50]
        echo(f"  review {item.document.id} {cluster.id} ({votes}): {_printable(preview)!r}")
    if len(tied) > 20:
        echo(f"  ... and {len(tied) - 20} more")


def _printable(text: str) -> str:
    return "".join(ch if ch.isprintable() else " " for ch in text)


def _open_screen(items, out: Path, gold_name: str, adjudicator: str, kept=()) -> None:
    from annotator.errors import AnnotatorError

    try:
        from annotator.tui.screens.adjudicate import run_adjudication
    except ImportError:
        raise AnnotatorError(
            "the adjudication screen is not part of this build yet; use --auto majority "
            "(or --auto unanimous) to merge without a screen"
        ) from None
    run_adjudication(items, out, gold_name, adjudicator, kept)

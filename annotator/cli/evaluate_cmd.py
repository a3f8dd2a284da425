"""``annotator evaluate PRED GOLD... --corpus CORPUS``: score predictions against gold."""

from __future__ import annotations

from pathlib import Path

import typer

from annotator.cli.app import app, finish_without_teardown
from annotator.cli.report import echo


@app.command("evaluate")
def evaluate_command(
    pred: Path = typer.Argument(..., help="Journal JSONL with the predicted attributions."),
    gold: list[Path] = typer.Argument(..., help="Gold journal JSONL file(s)."),
    corpus: Path = typer.Option(..., "--corpus", help="Corpus JSONL (or source) the journals annotate."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object for machines."),
    gold_annotator: str | None = typer.Option(
        None,
        "--gold-annotator",
        help="Comma-separated preference order of gold annotators. Default: per document, the "
        "first annotator the corpus lists for it (meta.annotators, e.g. PolNeAR's "
        "metadata.tsv), else the first in the GOLD files, in the order given.",
    ),
    pred_annotator: str | None = typer.Option(
        None,
        "--pred-annotator",
        help="Comma-separated preference order of predicting annotators (default: per "
        "document, the first one in PRED).",
    ),
    resamples: int = typer.Option(1000, "--bootstrap", min=0, help="Bootstrap resamples (0: no intervals)."),
    seed: int | None = typer.Option(None, "--seed", help="Bootstrap seed (default: fixed)."),
) -> None:
    """Precision, recall and F1 per role and for relations, exact and overlap, with 95% bootstrap intervals."""
    import gc

    from annotator.cli.report import print_json, warn_problems
    from annotator.errors import AnnotatorError
    from annotator.evaluate import BOOTSTRAP_SEED, evaluate
    from annotator.fileio import check_paths
    from annotator.records import (
        check_against_corpus,
        check_annotators_known,
        listed_annotators,
        load_documents,
        per_document,
        read_journals,
        split_names,
    )
    from annotator.schema import Status

    check_paths([pred, *gold, corpus])
    gc.disable()  # many small objects and no cycles: collection passes only cost time
    documents = load_documents(corpus)
    pred_contents = read_journals([pred])
    gold_contents = read_journals(gold)
    warn_problems(pred_contents)
    warn_problems(gold_contents)
    gold_names, pred_names = split_names(gold_annotator), split_names(pred_annotator)
    check_annotators_known(gold_contents, gold_names, "--gold-annotator")
    check_annotators_known(pred_contents, pred_names, "--pred-annotator")
    gold_records = per_document(gold_contents, gold_names, listed=listed_annotators(documents))
    if not gold_records:
        raise AnnotatorError("no gold annotations found", ", ".join(map(str, gold)))
    # A gold file from `adjudicate` that still has clusters open scores those claims as
    # absent: predicting them counts against precision. Said, not silent.
    unfinished = sorted(
        record.doc_id for record in gold_records.values()
        if record.adjudicator is not None and record.status != Status.done
    )
    if unfinished:
        from annotator.errors import printable

        echo(
            printable(
                f"warning: {len(unfinished)} gold document(s) still being adjudicated (clusters left "
                f"open count as no attribution), first: {unfinished[0]}"
            ),
            err=True,
        )
    # Predictions by skipped records still count: a skipped document predicted nothing.
    pred_records = per_document(pred_contents, pred_names, skip_skipped=False)
    if not pred_records:  # an empty or wrong file, not a model that predicted nothing
        raise AnnotatorError("no predictions found (no annotation records)", pred)
    check_against_corpus(gold_records.values(), documents, gold_contents)
    check_against_corpus(
        (record for doc_id, record in pred_records.items() if doc_id in gold_records),
        documents,
        pred_contents,
    )
    report = evaluate(
        documents, pred_records, gold_records, resamples, BOOTSTRAP_SEED if seed is None else seed
    )
    report["gold_annotators"] = _annotator_counts(gold_records.values())
    report["pred_annotators"] = _annotator_counts(
        record for doc_id, record in pred_records.items() if doc_id in gold_records
    )
    if as_json:
        print_json(report)
    else:
        _print_tables(report)
    finish_without_teardown()  # all printed, nothing written


def _annotator_counts(records) -> dict[str, int]:
    counts: dict[str, int] = {}
    for record in records:
        counts[record.annotator] = counts.get(record.annotator, 0) + 1
    return dict(sorted(counts.items()))


def _print_tables(report: dict) -> None:
    from rich.table import Table

    from annotator.cli.report import console, interval, percent, plain
    from annotator.matching import MODES, TARGETS

    out = console()
    who = lambda counts: ", ".join(f"{name} ({n})" for name, n in counts.items()) or "none"  # noqa: E731
    # Annotator names come from the journals: printed as plain text, never as markup.
    out.print(plain(
        f"{report['documents']} gold document(s), {report['documents_predicted']} with a prediction; "
        f"gold: {who(report['gold_annotators'])}; predicted: {who(report['pred_annotators'])}"
    ))
    if report["predictions_outside_gold"]:
        out.print(f"{len(report['predictions_outside_gold'])} predicted document(s) outside gold ignored")
    table = Table(title="Scores (%), 95% bootstrap interval over documents")
    for name, justify in (
        ("target", "left"), ("match", "left"), ("P", "right"), ("R", "right"), ("F1", "right"),
        ("F1 95% CI", "right"), ("pred", "right"), ("gold", "right"), ("matched", "right"),
    ):
        table.add_column(name, justify="left" if justify == "left" else "right")
    for target in TARGETS:
        for mode in MODES:
            s = report["scores"][target][mode]
            table.add_row(
                target if mode == MODES[0] else "", mode, percent(s["precision"]), percent(s["recall"]),
                percent(s["f1"]), interval((s.get("ci") or {}).get("f1")), str(s["pred"]),
                str(s["gold"]), str(s["pred_matched"]),
            )
        table.add_section()
    out.print(table)
    by_type = Table(title="F1 (%) by attribution type (recall by gold type, precision by predicted type)")
    by_type.add_column("type")
    by_type.add_column("match")
    for target in TARGETS:
        by_type.add_column(target, justify="right")
    by_type.add_column("gold", justify="right")
    by_type.add_column("pred", justify="right")
    for kind, blocks in report["by_type"].items():
        for mode in MODES:
            by_type.add_row(
                kind if mode == MODES[0] else "", mode,
                *(percent(blocks[target][mode]["f1"]) for target in TARGETS),
                str(blocks["relation"][mode]["gold"]), str(blocks["relation"][mode]["pred"]),
            )
    out.print(by_type)

"""``annotator agree JOURNAL... --corpus CORPUS``: inter-annotator agreement."""

from __future__ import annotations

import typer

from annotator.cli.app import app, finish_without_teardown


@app.command("agree")
def agree_command(
    journals: list[str] = typer.Argument(..., help="Annotator journals (JSONL files or folders of them), "
                                         "or a postgresql:// URL."),
    corpus: str = typer.Option(..., "--corpus", help="Corpus JSONL (or source) the journals annotate, "
                               "or a postgresql:// URL holding it."),
    as_json: bool = typer.Option(False, "--json", help="Print one JSON object for machines."),
    by_doc: bool = typer.Option(False, "--by-doc", help="Also report agreement per document."),
    annotators: str | None = typer.Option(
        None, "--annotators", help="Comma-separated annotators to compare (default: all in the journals)."
    ),
) -> None:
    """Krippendorff's alpha (token-wise), pairwise P/R/F1 per role and for relations, and agr."""
    import gc

    from annotator.agreement import BackgroundTokens
    from annotator.fileio import check_paths
    from annotator.records import journal_doc_ids, load_documents

    check_paths([*journals, corpus])
    gc.disable()  # many small objects and no cycles: collection passes only cost time
    documents = load_documents(corpus)
    # Many documents: forked workers tokenise them while the journals are read below.
    with BackgroundTokens(
        {doc_id: documents[doc_id].text for doc_id in sorted(journal_doc_ids(journals)) if doc_id in documents}
    ) as background:
        _agree(documents, journals, annotators, background, as_json, by_doc)


def _agree(documents, journals, annotators, background, as_json: bool, by_doc: bool) -> None:
    from annotator.agreement import measure
    from annotator.cli.report import print_json, warn_problems
    from annotator.errors import AnnotatorError
    from annotator.records import check_against_corpus, check_annotators_known, read_plain_journals, split_names
    from annotator.schema import Status

    contents = read_plain_journals(journals)  # plain data: a model per span would cost most of the time
    warn_problems(contents)
    names = split_names(annotators)
    check_annotators_known(contents, names, "--annotators")
    # Gold records (written by adjudicate, they name an adjudicator) are not an annotator's
    # work: compare them with `evaluate`, unless asked for by name.
    records = [
        record
        for record in contents.latest.values()
        if record.status != Status.skipped
        and (record.annotator in names if names else record.adjudicator is None)
    ]
    if not records:
        raise AnnotatorError("no annotations found", ", ".join(map(str, journals)))
    chosen = names or sorted({record.annotator for record in records})
    try:  # documents and fingerprints now; the spans while the workers compare (measure)
        check_against_corpus(records, documents, contents, spans=False)
        if len(chosen) < 2:
            raise AnnotatorError(f"agreement needs at least two annotators; found {', '.join(chosen)}")
    except AnnotatorError:
        check_against_corpus(records, documents, contents)  # a record's problem comes first, as before
        raise
    result = measure(
        documents, records, chosen, by_doc=by_doc, background=background,
        check=lambda: check_against_corpus(records, documents, contents),
    )
    if as_json:
        print_json(result.to_json())
    else:
        _print_tables(result.to_json())
    finish_without_teardown()  # all printed, nothing written, the workers stopped


def _print_tables(report: dict) -> None:
    from rich.table import Table

    from annotator.cli.report import console, middle, percent, plain

    out = console()
    out.print(plain(  # annotator names come from the journals
        f"{report['documents']} document(s), {report['units']} token(s), "
        f"{len(report['annotators'])} annotator(s): {', '.join(report['annotators'])}"
    ))
    relation = report["relation"]
    out.print(
        f"Krippendorff's alpha (token-wise, nominal): {percent(report['alpha'])}%   "
        f"agr: {percent(report['agr'])}%   relation F1 exact {percent(relation['f1']['exact'])}%, "
        f"overlap {percent(relation['f1']['overlap'])}%"
    )
    labels = Table(title="Per label (%; F1 pooled over all pairs)")
    for name in ("label", "alpha", "F1 exact", "F1 overlap", "tokens (mean per annotator)"):
        labels.add_column(name, justify="left" if name == "label" else "right")
    for role, block in report["roles"].items():
        tokens = list(block["tokens"].values())
        labels.add_row(
            role, percent(block["alpha"]), percent(block["f1"]["exact"]), percent(block["f1"]["overlap"]),
            f"{sum(tokens) / len(tokens):.0f}" if tokens else "–",
        )
    labels.add_row("relation", "", percent(relation["f1"]["exact"]), percent(relation["f1"]["overlap"]), "")
    out.print(labels)
    pairs = Table(title="Pairs (%; role F1 under overlap matching, relation F1 both ways)")
    for name in ("a", "b", "docs", "alpha", "agr", "src", "cue", "cont", "rel ex", "rel ov"):
        pairs.add_column(name, justify="left" if name in ("a", "b") else "right", no_wrap=name not in ("a", "b"))
    for pair in report["pairs"]:
        scores = pair["scores"]
        pairs.add_row(
            plain(pair["a"]), plain(pair["b"]), str(pair["documents"]), percent(pair["alpha"]),
            percent(pair["agr"]["mean"]),
            *(percent(scores[t]["overlap"]["f1"]) for t in ("source", "cue", "content")),
            percent(scores["relation"]["exact"]["f1"]), percent(scores["relation"]["overlap"]["f1"]),
        )
    out.print(pairs)
    if "by_doc" in report:
        docs = Table(title="Per document (%; F1 pooled over the document's pairs)")
        for name in ("document", "annot.", "tokens", "alpha", "agr", "content F1", "relation F1"):
            docs.add_column(name, justify="left" if name == "document" else "right", no_wrap=True)
        room = out.width - 66  # what the figures leave of 80 columns and more
        for row in report["by_doc"]:
            f1 = row["f1"]
            docs.add_row(
                middle(row["doc_id"], room), str(len(row["annotators"])), str(row["units"]), percent(row["alpha"]),
                percent(row["agr"]),
                f"{percent(f1['content']['exact'])}/{percent(f1['content']['overlap'])}",
                f"{percent(f1['relation']['exact'])}/{percent(f1['relation']['overlap'])}",
            )
        out.print(docs)

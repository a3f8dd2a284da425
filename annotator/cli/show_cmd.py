"""``annotator show DOC_ID --corpus C ANNOTATIONS... -o doc.html``: one annotated document as HTML."""

from __future__ import annotations

from pathlib import Path

import typer

from annotator.cli.app import app


@app.command("show")
def show_command(
    doc_id: str = typer.Argument(..., help="The document's id."),
    journals: list[Path] = typer.Argument(..., help="Journals or a gold file (JSONL files or folders of them)."),
    corpus: Path = typer.Option(..., "--corpus", help="Corpus JSONL (or source) the journals annotate."),
    out: Path = typer.Option(..., "-o", "--out", help="The HTML file to write."),
) -> None:
    """The document with every annotator's version side by side and the words they disagree on marked."""
    from annotator.cli.report import warn_problems
    from annotator.errors import AnnotatorError, printable
    from annotator.records import check_against_corpus, load_documents, read_journals
    from annotator.report import check_output, write_page
    from annotator.report.page import document_page
    from annotator.schema import Status

    check_output(out, [*journals, corpus])
    documents = load_documents(corpus)
    document = documents.get(doc_id)
    if document is None:
        raise AnnotatorError(f"document {doc_id!r} is not in the corpus", corpus)
    contents = read_journals(journals)
    warn_problems(contents)
    records = {
        record.annotator: record
        for (found, _), record in contents.latest.items()
        if found == doc_id and record.status != Status.skipped
    }
    if not records:
        raise AnnotatorError(f"no annotation of document {doc_id!r}", ", ".join(map(str, journals)))
    check_against_corpus(records.values(), documents, contents)
    figures = None
    compared = [record for record in records.values() if record.adjudicator is None]
    if len(compared) >= 2:
        from annotator.agreement import measure

        result = measure(documents, compared, sorted(r.annotator for r in compared), by_doc=True).to_json()
        figures = result["by_doc"][0]
    write_page(out, document_page(document, records, figures))
    typer.echo(printable(f"{out}: document {doc_id}, {len(records)} version(s)"), err=True)

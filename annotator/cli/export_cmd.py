"""``annotator export JOURNAL_OR_GOLD... --corpus CORPUS --format F -o OUT``.

Writes training data or another tool's import format from journals or a gold file.
Whatever the chosen format cannot carry is printed as a warning with counts.
"""

from __future__ import annotations

import importlib
from pathlib import Path

import typer

from annotator.cli.app import app
from annotator.cli.report import echo
from annotator.errors import AnnotatorError, printable
from annotator.fileio import check_paths, is_standard_output

# format name -> module under annotator.formats
EXPORT_FORMATS = {
    "jsonl": "training_jsonl",
    "spacy": "spacy_docbin",
    "prodigy": "prodigy",
    "doccano": "doccano",
    "labelstudio": "labelstudio",
    "brat": "brat",
    "conll": "conll",
}
STATUSES = ("done", "in_progress", "skipped")
LARGE_DOCBIN = 2000  # docs above which a single DocBin's memory is worth a note


def format_module(name: str):
    if name not in EXPORT_FORMATS:
        raise AnnotatorError(f"unknown format {name!r}; choose from {', '.join(EXPORT_FORMATS)}")
    return importlib.import_module(f"annotator.formats.{EXPORT_FORMATS[name]}")


def parse_statuses(value: str) -> set[str]:
    chosen = {part.strip() for part in value.split(",") if part.strip()}
    if chosen == {"any"}:
        return set(STATUSES)
    unknown = chosen - set(STATUSES)
    if unknown or not chosen:
        raise AnnotatorError(f"--status takes a comma-separated list of {', '.join(STATUSES)} or 'any'")
    return chosen


def _at_least_one(examples, selected, where: Path):
    """The examples; none at all (every record dropped) fails the export, so an empty
    file never replaces a previous output and never passes for training data."""
    count = 0
    for example in examples:
        count += 1
        yield example
    if not count:
        reasons = ", ".join(f"{number} {what}" for what, number in sorted(selected.left_out.items()))
        first = f"; first: {selected.problems[0]}" if selected.problems else ""
        raise AnnotatorError(f"nothing to export: every record was left out ({reasons}){first}", where)


@app.command("export")
def export_command(
    annotation_specs: list[str] = typer.Argument(
        ..., metavar="JOURNAL_OR_GOLD...", help="Journal(s), a gold file, a folder of journals, "
        "or a postgresql:// URL."
    ),
    corpus_spec: str = typer.Option(..., "--corpus", help="The corpus JSONL the annotations refer to, "
                                    "or a postgresql:// URL holding it."),
    export_format: str = typer.Option(..., "--format", "-f", help=f"One of {', '.join(EXPORT_FORMATS)}."),
    out: Path = typer.Option(..., "-o", "--out", help="File to write (brat, conll: a folder)."),
    status: str = typer.Option(
        "done", "--status", help="Records to export by status: comma-separated done,in_progress,skipped or 'any'."
    ),
    overwrite: bool = typer.Option(False, "--overwrite", help="brat, conll: replace an existing output folder."),
    brat_layout: str = typer.Option(
        "polnear", "--brat-layout", help="brat: polnear (text/NAME.txt + attributions/NAME_ANNOTATOR.ann, "
        "any number of annotators) or flat (NAME.txt beside NAME.ann for the BRAT server; one annotation per document).",
    ),
    config: Path | None = typer.Option(
        None, "--config", help="spacy: also write a training config (a span categorizer over SOURCE/CUE/CONTENT; "
        "absolute paths to -o and --dev-out); "
        "labelstudio: also write the labeling config XML."
    ),
    dev_out: Path | None = typer.Option(
        None, "--dev-out", help="spacy: write a held-out share of the documents to this DocBin."
    ),
    shard_size: int = typer.Option(
        0, "--shard-size", min=0, help="spacy: write -o (and --dev-out) as folders of DocBins of this many "
        "docs each, so memory stays bounded (spaCy reads such folders directly).",
    ),
    dev_share: float = typer.Option(
        0.2, "--dev-share", min=0.0, max=1.0, help="spacy: share of documents for --dev-out (stable, by id hash)."
    ),
) -> None:
    """Export annotations with their frames: jsonl, spacy, prodigy, doccano, labelstudio, brat, conll."""
    from annotator.fileio import atomic_writer
    from annotator.formats.common import atomic_folder, iter_examples, select_records
    from annotator.progress import progress
    from annotator.store import local

    annotations = local.journals(annotation_specs)  # a database's latest records as local journals
    corpus = local.corpus(corpus_spec)
    module = format_module(export_format)
    statuses = parse_statuses(status)
    if (dev_out or shard_size) and export_format != "spacy":
        raise AnnotatorError("--dev-out and --shard-size apply to --format spacy only")
    if config and export_format not in ("spacy", "labelstudio"):
        raise AnnotatorError("--config applies to --format spacy (training config) and labelstudio (labeling config)")
    check_paths(
        [*annotations, corpus],
        {"-o": out, "--config": config, "--dev-out": dev_out},
        # brat writes a folder, sharded DocBins are folders: each replaced whole.
        replaced_folders=("-o", "--dev-out") if export_format == "brat" or shard_size else (),
    )
    selected = select_records(annotations, statuses)
    if not selected.total:
        left = ", ".join(f"{count} {what}" for what, count in selected.left_out.items()) or "none found"
        raise AnnotatorError(f"no annotation records to export ({left})", annotations[0])
    report = module.new_report()
    if export_format == "spacy" and not shard_size and selected.total > LARGE_DOCBIN:
        echo(
            f"note: {selected.total} docs go into one DocBin, which spaCy builds in memory "
            "(about 0.1-0.3 MB per news article); --shard-size 1000 keeps memory bounded",
            err=True,
        )
    examples = progress(
        _at_least_one(iter_examples(corpus, selected), selected, annotations[0]),
        selected.total, f"exporting {export_format}", min_total=50,
    )
    if export_format == "brat":
        with atomic_folder(out, overwrite) as folder:
            documents, count = module.write_brat(examples, folder, report, brat_layout)
        summary = f"{documents} document(s), {count} annotation file(s)"
    elif export_format == "conll":  # a folder: one file per role, plus one with everything
        with atomic_folder(out, overwrite) as folder:
            count = module.write_folder(examples, folder, report)
        summary = f"{count} example(s)"
    elif export_format == "spacy":
        from collections import Counter

        lengths: Counter = Counter()  # role fragments by length in tokens: sizes the config's suggester
        count, dev_count = module.write_docbins(examples, out, report, dev_out, dev_share, shard_size, lengths)
        summary = f"{count} doc(s)" + (f"; {dev_out}: {dev_count} doc(s)" if dev_out else "")
        if config:
            with atomic_writer(config, "w") as stream:
                stream.write(module.training_config(out, dev_out or out, lengths, report))
            summary += f"; config {config}"
    else:
        with atomic_writer(out, "wb") as stream:
            count = module.write(examples, stream, report)
        summary = f"{count} example(s)"
        if config and export_format == "labelstudio":
            with atomic_writer(config, "w") as stream:
                stream.write(module.LABEL_CONFIG)
            summary += f"; labeling config {config}"
    echo(f"{out}: {summary} from {selected.total} record(s)", err=is_standard_output(out))
    for what, number in sorted(selected.left_out.items()):
        echo(f"warning: not exported: {number} {what}", err=True)
    for problem in selected.problems[:10]:  # they quote document ids and annotator names
        echo(printable(f"warning: {problem}"), err=True)
    for line in report.lines():
        echo(f"warning: {line}", err=True)
    from annotator import undecided

    if "done" in statuses and (note := undecided.warning(undecided.in_export(selected))):
        echo(note, err=True)

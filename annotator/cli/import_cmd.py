"""``annotator import PATH... -o corpus.jsonl``: read articles into a corpus file."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import typer

from annotator.cli.app import app
from annotator.cli.report import echo
from annotator.corpus import SOURCE_FORMATS, collect_documents, expand_sources, write_corpus_jsonl
from annotator.errors import AnnotatorError, printable
from annotator.fileio import check_paths, is_standard_output

if TYPE_CHECKING:
    from annotator.schema import Document

# Formats that carry annotations back (module under annotator.formats); "jsonl" is
# corpus JSONL unless its lines are training examples (they carry "frames").
ANNOTATED_FORMATS = {
    "spacy": "spacy_docbin",
    "prodigy": "prodigy",
    "doccano": "doccano",
    "labelstudio": "labelstudio",
    "conll": "conll",
}
IMPORT_FORMATS = (*SOURCE_FORMATS, "brat", *ANNOTATED_FORMATS)


@app.command("import")
def import_command(
    paths: list[Path] = typer.Argument(..., help="Article files or folders of them."),
    out_spec: str = typer.Option(..., "-o", "--out", help="Corpus JSONL to write (atomically), "
                                 "or a postgresql:// URL to add the documents to."),
    source_format: str = typer.Option(
        "auto",
        "--format",
        help=f"One of {', '.join(IMPORT_FORMATS)}; auto recognises the project's exports "
        "(training JSONL, .spacy, Prodigy, doccano, Label Studio, BRAT folders), reads other "
        ".jsonl as corpus JSONL and other files as news text.",
    ),
    annotations_spec: str | None = typer.Option(
        None,
        "--annotations-out",
        help="Annotated formats (brat, jsonl export, spacy, prodigy, doccano, labelstudio, conll): "
        "folder for one journal per annotator (<annotator>.jsonl), or a postgresql:// URL.",
    ),
    annotator: str | None = typer.Option(
        None, "--annotator", help="Annotator name for annotations that do not name one (default: the format name)."
    ),
) -> None:
    """Import articles (news dumps, plain text, corpus JSONL, BRAT) into one corpus JSONL file
    (or a database)."""
    from annotator.store import is_database_url

    if is_database_url(out_spec) or is_database_url(annotations_spec):
        # imported into scratch files first (every check as for files), then added to the database
        from annotator.store import local

        scratch = local._scratch()
        out = scratch / "corpus.jsonl" if is_database_url(out_spec) else Path(out_spec)
        annotations_out = (scratch / "journals" if is_database_url(annotations_spec)
                           else Path(annotations_spec) if annotations_spec else None)
        import_command(paths, str(out), source_format, str(annotations_out) if annotations_out else None, annotator)
        _into_database(out, out_spec, annotations_out, annotations_spec)
        return
    out = Path(out_spec)
    annotations_out = Path(annotations_spec) if annotations_spec else None
    if source_format not in IMPORT_FORMATS:
        raise AnnotatorError(f"unknown format {source_format!r}; choose from {', '.join(IMPORT_FORMATS)}")
    # An output inside an input folder could replace a source file there, and would be
    # read as a source next time; journals go into --annotations-out, never replaced.
    check_paths(paths, {"-o": out, "--annotations-out": annotations_out})
    source_format = _resolve_format(paths, source_format, annotations_out)
    if source_format == "brat":
        _import_brat(paths, out, annotations_out, annotator or "brat")
        return
    if source_format in ANNOTATED_FORMATS or (source_format == "jsonl" and _is_training_jsonl(paths)):
        _import_annotated(paths, out, annotations_out, annotator or source_format, source_format)
        return
    if annotations_out is not None:
        raise AnnotatorError("--annotations-out applies to --format brat only")
    from annotator.progress import progress

    total = len(expand_sources(paths))
    documents = collect_documents(
        paths, source_format, lambda batches: progress(batches, total, "importing")
    )
    count = write_corpus_jsonl(documents, out)
    dated = sum(1 for doc in documents if doc.meta.date)
    titled = sum(1 for doc in documents if doc.meta.title)
    echo(
        f"{out}: {count} document(s) from {total} file(s), {titled} with a title, {dated} with a date",
        err=is_standard_output(out),  # never a summary line inside the corpus
    )


def _into_database(out: Path, out_spec: str, annotations_out: Path | None, annotations_spec: str | None) -> None:
    from annotator.corpus.jsonl import read_corpus_jsonl
    from annotator.store import is_database_url, journal_files, load_journals
    from annotator.store.postgres import PostgresStore

    if is_database_url(out_spec):
        with PostgresStore(out_spec) as store:
            added = store.put_documents(read_corpus_jsonl(out))
            typer.echo(printable(f"{store.label}: {added} document(s) added to the corpus"), err=True)
    if annotations_out is not None and annotations_spec is not None and is_database_url(annotations_spec):
        files = journal_files(annotations_out) if annotations_out.is_dir() else []
        with PostgresStore(annotations_spec) as store:
            records = [record for path in files for record in load_journals([path], quarantine=False).latest.values()]
            added_records = store.add(records)
            typer.echo(printable(f"{store.label}: {len(added_records)} annotation record(s) added"), err=True)


def _resolve_format(paths: list[Path], source_format: str, annotations_out: Path | None) -> str:
    """``auto`` on one of the project's exports is that export's format; a known format
    read the wrong way, or without the folder its journals need, is one sentence."""
    from annotator.corpus.detect import FORMAT_NAMES, detect_annotated_format

    if source_format not in ("auto", "jsonl") or len(paths) != 1:
        return source_format
    detected = detect_annotated_format(paths[0])
    if detected is None or detected == source_format:
        return source_format
    name = FORMAT_NAMES[detected]
    if source_format == "jsonl":
        raise AnnotatorError(
            f"this is a {name}, not a corpus: import it with --format {detected} --annotations-out DIR", paths[0]
        )
    if annotations_out is None:
        raise AnnotatorError(
            f"this is a {name} with annotations: add --annotations-out DIR "
            "(a new folder for one journal per annotator)", paths[0]
        )
    return detected


def _named_in(source: Path, name: str) -> None:
    """An annotator name read from ``source`` becomes a file name: check it, naming the file."""
    from annotator.store import check_annotator_name

    try:
        check_annotator_name(name)
    except AnnotatorError as error:
        raise AnnotatorError(f"{error.message} (written in the input)", source) from None


def write_corpus_and_journals(
    documents, records, out: Path, annotations_out: Path | None, source: Path | None = None
) -> dict[str, list]:
    """The corpus, then one journal per annotator; each file appears whole or not at all."""
    from annotator.fileio import atomic_writer, dumps_line
    from annotator.store import check_annotator_name

    if records and annotations_out is None:
        raise AnnotatorError(
            f"{len(records)} annotation record(s) found: add --annotations-out DIR "
            "(a new folder for one journal per annotator) to keep them", source
        )
    by_annotator: dict[str, list] = {}
    for record in records:
        _named_in(source, record.annotator) if source is not None else check_annotator_name(record.annotator)
        by_annotator.setdefault(record.annotator, []).append(record)
    if annotations_out is None:
        write_corpus_jsonl(documents, out)
        return by_annotator
    if annotations_out.exists() and not annotations_out.is_dir():
        raise AnnotatorError("is not a folder (--annotations-out)", annotations_out)
    journals = {
        annotations_out / f"{name}.jsonl": b"".join(
            dumps_line(record.model_dump(mode="json", exclude_none=True)) for record in annotator_records
        )
        for name, annotator_records in sorted(by_annotator.items())
    }
    # A journal is an annotator's append-only record of work: never replaced by an
    # import (the same import run again, writing the same bytes, is fine).
    for path, payload in journals.items():
        if path.resolve() == out.resolve():
            raise AnnotatorError("the corpus (-o) and a journal (--annotations-out) would be the same file", path)
        if path.exists() and (not path.is_file() or path.read_bytes() != payload):
            raise AnnotatorError(
                "a journal with other content is already there; an import never replaces a journal: "
                "import into a new folder",
                path,
            )
    annotations_out.mkdir(parents=True, exist_ok=True)
    write_corpus_jsonl(documents, out)
    for path, payload in journals.items():
        with atomic_writer(path, "wb") as stream:
            stream.write(payload)
    return by_annotator


def _is_training_jsonl(paths: list[Path]) -> bool:
    """Whether a .jsonl input holds training-export lines (with frames), not corpus lines."""
    import orjson

    if len(paths) != 1 or not paths[0].is_file():
        return False
    with paths[0].open("rb") as stream:
        for raw in stream:
            if raw.strip():
                try:
                    value = orjson.loads(raw)
                except orjson.JSONDecodeError:
                    return False
                return isinstance(value, dict) and "frames" in value and "text_sha1" in value
    return False


def _import_annotated(paths: list[Path], out: Path, annotations_out: Path | None, annotator: str, source_format: str) -> None:
    import importlib

    from annotator.store import check_annotator_name

    if len(paths) != 1:
        raise AnnotatorError(f"--format {source_format} reads one file")
    check_annotator_name(annotator)
    from annotator.formats.common import LossReport

    # What the input holds that cannot become part of an attribution: counted, then printed.
    report = LossReport(source_format, set())
    if source_format == "jsonl":
        from annotator.formats import training_jsonl

        pairs = training_jsonl.read(paths[0], report)
    else:
        module = importlib.import_module(f"annotator.formats.{ANNOTATED_FORMATS[source_format]}")
        pairs = module.read(paths[0], report) if source_format == "spacy" else module.read(paths[0], annotator, report)
    documents: dict[str, Document] = {}
    records = []
    seen: set[tuple[str, str]] = set()
    for document, record in pairs:
        known = documents.get(document.id)
        if known is None:
            documents[document.id] = document
        elif known.text != document.text:
            raise AnnotatorError(f"document {document.id!r} appears twice with different texts", paths[0])
        if record is not None:
            if record.key in seen:
                raise AnnotatorError(
                    f"document {record.doc_id!r} is annotated twice by {record.annotator!r}", paths[0]
                )
            seen.add(record.key)
            records.append(record)
    if not documents:
        raise AnnotatorError("empty input: no documents found", paths[0])
    by_annotator = write_corpus_and_journals(list(documents.values()), records, out, annotations_out, paths[0])
    attributions = sum(len(record.attributions) for record in records)
    echo(
        f"{out}: {len(documents)} document(s); {attributions} attribution(s) in {len(records)} "
        f"record(s) by {len(by_annotator)} annotator(s)" + (f" -> {annotations_out}/" if annotations_out else ""),
        err=is_standard_output(out),
    )
    _print_unmapped(report.lines())


def _print_unmapped(lines: list[str]) -> None:
    """``warning: FORMAT: COUNT what`` for everything an import could not map (labels and
    names in them come from the input, hence printable)."""
    for line in lines:
        echo(printable(f"warning: {line}"), err=True)


def _import_brat(paths: list[Path], out: Path, annotations_out: Path | None, annotator: str) -> None:
    from annotator.formats.brat import read_brat
    from annotator.store import check_annotator_name

    if len(paths) != 1:
        raise AnnotatorError("--format brat reads one folder")
    check_annotator_name(annotator)
    imported = read_brat(paths[0], default_annotator=annotator)
    for name in imported.annotators:
        _named_in(paths[0], name)
    by_annotator = write_corpus_and_journals(imported.documents, imported.records, out, annotations_out)
    attributions = sum(len(record.attributions) for record in imported.records)
    echo(
        f"{out}: {len(imported.documents)} document(s); {attributions} attribution(s) in "
        f"{len(imported.records)} annotation file(s) by {len(by_annotator)} annotator(s)"
        + (f" -> {annotations_out}/" if annotations_out else ""),
        err=is_standard_output(out),
    )
    _print_unmapped([f"brat: {count} {what}" for what, count in sorted(imported.unmapped.items())])
    for problem in imported.problems[:20]:  # they quote .ann lines
        echo(printable(f"warning: {problem}"), err=True)
    if len(imported.problems) > 20:
        echo(f"warning: ... and {len(imported.problems) - 20} more", err=True)

"""Choosing and checking annotation records for commands that compare annotators.

Shared by evaluate, agree, adjudicate and stats: load journals without writing side
files (these commands only read), pick one record per document, and check that every
record fits the corpus text it claims to annotate.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

from annotator.errors import AnnotatorError
from annotator.schema import FRAGMENT_JOINER, AnnotationRecord, Document, Status, record_problems
from annotator.store import JournalContents, PlainContents, PlainRecord, load_journals, load_plain_journals
from annotator.store.journal import expand_journals  # moved to the store; still importable from here


def read_journals(paths: Iterable[Path | str]) -> JournalContents:
    """The latest record per (document, annotator), in the order the files are given.

    A folder stands for its journals (``*.jsonl``), sorted by name. Read-only: bad
    lines are returned in ``problems`` (for the caller to report), and no quarantine
    file is written beside someone else's journal.
    """
    from annotator.store import is_database_url

    paths = list(paths)
    if any(is_database_url(path) for path in paths):  # a postgresql:// URL among them
        from annotator.store.base import load_contents

        return load_contents(paths)
    return load_journals(expand_journals(paths), quarantine=False)


# The key and its string value as they appear in a journal line (JSON escapes allowed).
_DOC_ID = re.compile(rb'"doc_id"\s*:\s*"((?:[^"\\\n]|\\.)*)"')


def journal_doc_ids(paths: Iterable[Path | str]) -> set[str]:
    """The document ids the journals' lines name, read quickly (no JSON parse, no
    validation).

    For starting work on those documents early (agree tokenises them while the journals
    are being read properly). Every ``"doc_id"`` key's value is taken; inside a JSON
    string a quotation mark is escaped, so a note quoting such a key is not one. A line
    misread here costs only that its document is tokenised later, in ``measure``; bad
    lines are reported by ``read_journals``. Files that cannot be read
    give nothing (``read_journals`` says why), and neither do pipes: they can be read
    only once, by ``read_journals``.
    """
    import orjson

    from annotator.store import is_database_url

    found: set[str] = set()
    for path in expand_journals(path for path in paths if not is_database_url(path)):
        if not Path(path).is_file():
            continue
        try:
            data = Path(path).read_bytes()
        except OSError:
            continue
        for match in _DOC_ID.finditer(data):
            try:
                value = orjson.loads(b'"' + match.group(1) + b'"')
            except orjson.JSONDecodeError:
                continue
            if isinstance(value, str):
                found.add(value)
    return found


def per_document(
    contents: JournalContents,
    annotators: Sequence[str] | None = None,
    skip_skipped: bool = True,
    listed: Mapping[str, Sequence[str]] | None = None,
) -> dict[str, AnnotationRecord]:
    """One record per document.

    Without ``annotators``: the document's first annotator. Where ``listed`` names a
    document's annotators in the corpus's own order (``meta.annotators``, from PolNeAR's
    metadata.tsv), the first of them who annotated it; otherwise the first annotator
    who annotated it in the order the journals were given (and, within a journal, the
    order of first lines).
    With ``annotators``: the first of them, in that order, who annotated it; documents
    none of them annotated are left out. Records marked skipped are not annotations
    and are passed over when ``skip_skipped``.
    """
    rank = {name: position for position, name in enumerate(annotators or [])}
    chosen: dict[str, AnnotationRecord] = {}
    for (doc_id, annotator), record in contents.latest.items():  # first-seen order
        if skip_skipped and record.status == Status.skipped:
            continue
        if annotators:
            if annotator not in rank:
                continue
            current = chosen.get(doc_id)
            if current is None or rank[annotator] < rank[current.annotator]:
                chosen[doc_id] = record
        elif doc_id not in chosen:
            chosen[doc_id] = record
        elif listed and annotator in listed.get(doc_id, ()):
            order = listed[doc_id]
            first = chosen[doc_id].annotator
            if first not in order or order.index(annotator) < order.index(first):
                chosen[doc_id] = record
    return chosen


def listed_annotators(documents: Mapping[str, Document]) -> dict[str, list[str]]:
    """Each document's annotators in the corpus's own order, where its meta lists them."""
    listed = {}
    for doc_id, document in documents.items():
        names = (document.meta.model_extra or {}).get("annotators")
        if isinstance(names, list) and all(isinstance(name, str) for name in names):
            listed[doc_id] = names
    return listed


def check_annotators_known(contents: JournalContents | PlainContents, annotators: Sequence[str], what: str) -> None:
    known = set(contents.annotators)
    missing = [name for name in annotators if name not in known]
    if missing:
        raise AnnotatorError(
            f"{what}: no records by {', '.join(missing)} (found: {', '.join(sorted(known)) or 'none'})"
        )


def read_plain_journals(paths: Iterable[Path | str]) -> PlainContents:
    """``read_journals`` with records as plain data (store.PlainRecord): for commands that
    read every record of large journals and need few of them as models."""
    from annotator.store import is_database_url

    paths = list(paths)
    if any(is_database_url(path) for path in paths):
        contents = read_journals(paths)
        return PlainContents(
            {key: PlainRecord.of_model(record) for key, record in contents.latest.items()},
            contents.line_of, contents.problems, contents.lines_read,
        )
    return load_plain_journals(expand_journals(paths))


def check_against_corpus(
    records: Iterable[AnnotationRecord | PlainRecord],
    documents: dict[str, Document],
    contents: JournalContents | PlainContents,
    spans: bool = True,
) -> None:
    """Raise on the first record whose document is missing or whose text changed.

    The checks are those of schema.record_problems; a span already found to fit its
    document (annotators mostly mark the same spans) is not checked again. With
    ``spans=False``, plain records are checked only for their document and its
    fingerprint (agree checks their spans later, while its workers compare, and the
    whole check again when this one raises, for the first problem in order).
    """
    fingerprints: dict[str, str] = {}
    checked: dict[str, set] = {}
    for record in records:
        if isinstance(record, PlainRecord):
            _check_plain(record, documents, contents, fingerprints, spans)
            continue
        document = documents.get(record.doc_id)
        if document is None:
            path, line = contents.line_of.get(record.key, (None, None))
            raise AnnotatorError(
                f"document {record.doc_id!r} (annotator {record.annotator}) is not in the corpus",
                path,
                line,
            )
        fingerprint = fingerprints.get(document.id)
        if fingerprint is None:
            fingerprint = fingerprints[document.id] = document.sha1
        fits = fingerprint == record.text_sha1
        if fits:
            seen = checked.setdefault(document.id, set())
            for attribution in (*record.attributions, *record.rejected):
                for span in (attribution.source, attribution.cue, attribution.content):
                    if span is None:
                        continue
                    key = (span.start, span.end, span.text) if not span.fragments else (
                        span.start, span.end, span.text, tuple(span.fragments)
                    )
                    if key in seen:
                        continue
                    if span.problem_against(document.text):
                        fits = False
                        break
                    seen.add(key)
                if not fits:
                    break
        if not fits:
            path, line = contents.line_of.get(record.key, (None, None))
            problems = record_problems(record, document)
            raise AnnotatorError(f"{record.annotator}: {problems[0]}", path, line)


def _check_plain(
    record: PlainRecord,
    documents: dict[str, Document],
    contents: JournalContents | PlainContents,
    fingerprints: dict[str, str],
    spans: bool = True,
) -> None:
    """check_against_corpus for one PlainRecord: the same checks on the plain spans, and
    the same message (from the model) when one fails."""
    document = documents.get(record.doc_id)
    if document is None:
        path, line = contents.line_of.get(record.key, (None, None))
        raise AnnotatorError(
            f"document {record.doc_id!r} (annotator {record.annotator}) is not in the corpus", path, line
        )
    fingerprint = fingerprints.get(document.id)
    if fingerprint is None:
        fingerprint = fingerprints[document.id] = document.sha1
    fits = fingerprint == record.text_sha1 and (not spans or _plain_spans_fit(record, document.text))
    if not fits:
        path, line = contents.line_of.get(record.key, (None, None))
        model = record.model()
        problems = record_problems(model, document)
        raise AnnotatorError(f"{model.annotator}: {problems[0]}", path, line)


def _plain_spans_fit(record: PlainRecord, text: str) -> bool:
    """Span.problem_against finds nothing for any span of the record. A contiguous span
    fits when it ends inside the text and its text is the text's slice: comparing the
    slice costs less than looking the span up among those already checked."""
    length = len(text)
    for attributions in (record.attributions, record.rejected):
        for attribution in attributions:
            for span in (attribution.source, attribution.cue, attribution.content):
                if span is None:
                    continue
                if span.end > length:
                    return False
                fragments = span.fragments
                if fragments:  # Span.problem_against's pieces, without building a Span
                    if FRAGMENT_JOINER.join([text[a:b] for a, b in fragments]) != span.text:
                        return False
                elif text[span.start : span.end] != span.text:
                    return False
    return True


def load_documents(corpus: Path | str) -> dict[str, Document]:
    from annotator.corpus import load_corpus
    from annotator.store import is_database_url

    if is_database_url(corpus):  # the corpus kept in the database
        from annotator.store.local import corpus as local_corpus

        corpus = local_corpus(corpus)

    return {document.id: document for document in load_corpus(Path(corpus))}


def split_names(value: str | None) -> list[str]:
    """'a,b, c' -> ['a', 'b', 'c']."""
    if not value:
        return []
    return [name.strip() for name in value.split(",") if name.strip()]

"""spaCy DocBin (``.spacy``): writer, reader and a training config.

Each example becomes one ``Doc`` made by ``spacy.blank("en")``'s tokenizer (its text is
the document text, unchanged) with:
- ``doc.spans["attribution"]``: one ``Span`` per fragment of every SOURCE, CUE and CONTENT
  span, labelled with its role and with ``span.id_`` set to the attribution id, so the
  fragments of a discontinuous span (and the roles of one attribution) share an id;
- ``doc.ents``: the role spans that do not overlap one another (longest first, then in
  text order), for NER training; overlapping ones stay only in the span group;
- ``doc.user_data``: ``annotator.document`` and ``annotator.record``, the document (id,
  meta) and the full annotation record as JSON strings, so frames and every field survive
  the DocBin and the reader gives back exactly what was written.

spaCy spans are whole tokens: fragments not on token boundaries are widened to the
tokens they touch in the span group and entities (counted in the warnings; the exact
offsets stay in the record). ``training_config`` writes a config that trains a span
categorizer (``spancat``) on ``doc.spans["attribution"]`` over SOURCE, CUE and CONTENT
(blank English, no pretrained weights), with absolute data paths, so it runs from any
folder. Its suggester proposes every span of 1 to N tokens, N being the longest role
fragment exported, at most ``MAX_SUGGESTED_TOKENS`` (longer fragments are counted in the
warnings: the categorizer cannot propose them). The project's own attribution pipeline
(``annotator train``, being built) will replace this config when it exists.
"""

from __future__ import annotations

import contextlib
import hashlib
import re
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import orjson

from annotator.errors import AnnotatorError
from annotator.formats.common import ROLE_LABELS, ROLES, Example, LossReport, tokenizer
from annotator.schema import AnnotationRecord, Document

FORMAT = "spacy"
CARRIES = {"type", "source_entity", "note", "origin", "action", "score", "agreed_by",
           "discontinuous", "frames", "id", "rejected", "adjudicator", "status"}
SPANS_KEY = "attribution"
MAX_SUGGESTED_TOKENS = 64  # candidate spans grow with it: tokens x N per document
SHARD_NAME = re.compile(r"^part-\d{5,}\.spacy$")
DOCUMENT_KEY = "annotator.document"
RECORD_KEY = "annotator.record"


def new_report() -> LossReport:
    return LossReport(FORMAT, CARRIES)


def doc_for(example: Example, report: LossReport | None = None):
    from spacy.tokens import Span as SpacySpan
    from spacy.util import filter_spans

    document, record = example.document, example.record
    doc = tokenizer()(document.text)
    group = []
    for attribution in record.attributions:
        for role in ROLES:
            span = attribution.span(role)
            if span is None:
                continue
            for start, end in span.pieces:
                piece = doc.char_span(start, end, label=ROLE_LABELS[role], alignment_mode="expand")
                if piece is None or not piece.text.strip():
                    if report is not None:
                        report.add("span fragments covering only whitespace (not in doc.spans)")
                    continue
                if report is not None and (piece.start_char, piece.end_char) != (start, end):
                    report.add("span fragments not on token boundaries (widened to tokens in doc.spans)")
                group.append(SpacySpan(doc, piece.start, piece.end, label=piece.label, span_id=attribution.id))
    doc.spans[SPANS_KEY] = group
    # Entities: unique, whitespace-trimmed, non-overlapping (filter_spans keeps the longest).
    candidates = {}
    for piece in group:
        trimmed = _trim(piece)
        if trimmed is not None:
            candidates[(trimmed.start, trimmed.end, trimmed.label_)] = trimmed
    entities = filter_spans(list(candidates.values()))
    if report is not None:
        report.add("role spans overlapping another (kept in doc.spans, not in doc.ents)",
                   len(candidates) - len(entities))
    doc.ents = sorted(entities, key=lambda piece: piece.start)
    doc.user_data[DOCUMENT_KEY] = orjson.dumps(
        {"id": document.id, "meta": document.meta.model_dump(mode="json")}
    ).decode("utf-8")
    doc.user_data[RECORD_KEY] = orjson.dumps(record.model_dump(mode="json", exclude_none=True)).decode("utf-8")
    return doc


def _trim(piece):
    """The span without leading/trailing whitespace tokens (NER cannot start or end on them)."""
    start, end = piece.start, piece.end
    doc = piece.doc
    while start < end and doc[start].is_space:
        start += 1
    while end > start and doc[end - 1].is_space:
        end -= 1
    if start == end:
        return None
    from spacy.tokens import Span as SpacySpan

    return SpacySpan(doc, start, end, label=piece.label_)


def in_dev(doc_id: str, share: float) -> bool:
    """A stable split: the same document always lands on the same side."""
    digest = hashlib.sha1(doc_id.encode("utf-8")).digest()
    return int.from_bytes(digest[:4], "big") / 2**32 < share


class _DocBinSink:
    """One DocBin file, or (with a shard size) a folder of DocBin parts written as they fill,
    so memory stays bounded however many documents are exported."""

    def __init__(self, path: Path, shard_size: int):
        self.path, self.shard_size = Path(path), shard_size
        self.count = 0
        self.parts = 0
        self.folder_context: contextlib.AbstractContextManager[Path] | None = None
        self.folder: Path | None = None
        self.docbin = self._new()

    @staticmethod
    def _new():
        from spacy.tokens import DocBin

        return DocBin(store_user_data=True)

    def __enter__(self):
        if self.shard_size:
            from annotator.formats.common import atomic_folder

            if self.path.exists() and not self.path.is_dir():
                raise AnnotatorError("exists and is not a folder (--shard-size writes a folder of DocBins)", self.path)
            # Only a previous shard folder is replaced, never a folder holding anything else.
            others = [child.name for child in self.path.iterdir() if not SHARD_NAME.match(child.name)] \
                if self.path.is_dir() else []
            if others:
                raise AnnotatorError(
                    f"holds files other than DocBin parts ({', '.join(sorted(others)[:3])}); "
                    "choose a new folder for the shards", self.path,
                )
            self.folder_context = atomic_folder(self.path, overwrite=self.path.is_dir())
            self.folder = self.folder_context.__enter__()
            self.folder.mkdir()
        return self

    def add(self, doc) -> None:
        self.docbin.add(doc)
        self.count += 1
        if self.shard_size and len(self.docbin) >= self.shard_size:
            self._flush_part()

    def _flush_part(self) -> None:
        assert self.folder is not None
        if len(self.docbin):
            (self.folder / f"part-{self.parts:05d}.spacy").write_bytes(self.docbin.to_bytes())
            self.parts += 1
            self.docbin = self._new()

    def __exit__(self, kind, error, trace):
        if self.folder_context is None:
            if kind is None:
                from annotator.fileio import atomic_writer

                with atomic_writer(self.path, "wb") as stream:
                    stream.write(self.docbin.to_bytes())
            return False
        if kind is None:
            self._flush_part()
        return self.folder_context.__exit__(kind, error, trace)


def write_docbins(examples, out: Path, report: LossReport, dev_out: Path | None = None,
                  dev_share: float = 0.2, shard_size: int = 0, lengths: Counter | None = None) -> tuple[int, int]:
    """Write the examples (a stable ``dev_share`` of documents to ``dev_out``); with
    ``shard_size``, ``out`` and ``dev_out`` are folders of DocBin parts of that many docs.
    ``lengths`` (when given) counts the role fragments by their length in tokens, which
    ``training_config`` sizes the span suggester by."""
    import contextlib

    with contextlib.ExitStack() as stack:
        train = stack.enter_context(_DocBinSink(out, shard_size))
        dev = stack.enter_context(_DocBinSink(dev_out, shard_size)) if dev_out is not None else None
        for example in examples:
            report.check_record(example.record)
            to_dev = dev is not None and in_dev(example.document.id, dev_share)
            doc = doc_for(example, report)
            if lengths is not None:
                lengths.update(len(piece) for piece in doc.spans[SPANS_KEY])
            (dev if dev is not None and to_dev else train).add(doc)
    return train.count, dev.count if dev is not None else 0


def read(path: Path, report: LossReport | None = None) -> Iterator[tuple[Document, AnnotationRecord | None]]:
    from spacy.tokens import DocBin

    path = Path(path)
    files = sorted(path.glob("*.spacy")) if path.is_dir() else [path]
    number = 0
    for file in files:
        try:
            docbin = DocBin(store_user_data=True).from_bytes(file.read_bytes())
        except FileNotFoundError:
            raise AnnotatorError("no such file", file) from None
        except Exception as error:  # zlib/msgpack errors: not a DocBin
            raise AnnotatorError(f"not a spaCy DocBin: {type(error).__name__}", file) from None
        for doc in docbin.get_docs(tokenizer().vocab):
            number += 1
            yield _pair(doc, number, file, report)


def _pair(doc, number: int, path: Path, report: LossReport | None = None) -> tuple[Document, AnnotationRecord | None]:
    from pydantic import ValidationError

    from annotator.errors import describe_validation_error

    try:
        if DOCUMENT_KEY in doc.user_data:
            stored = _stored_json(doc.user_data[DOCUMENT_KEY], DOCUMENT_KEY)
            document = Document.model_validate({"id": stored.get("id"), "text": doc.text, "meta": stored.get("meta") or {}})
        else:
            document = Document(id=f"doc-{number}", text=doc.text)
        record: AnnotationRecord | None
        if RECORD_KEY in doc.user_data:
            record = AnnotationRecord.model_validate(_stored_json(doc.user_data[RECORD_KEY], RECORD_KEY))
        else:
            record = _record_from_spans(doc, document, report)
    except ValidationError as error:
        raise AnnotatorError(f"doc {number}: {describe_validation_error(error)}", path) from None
    except ValueError as error:
        raise AnnotatorError(f"doc {number}: {error}", path) from None
    problems = _problems(record, document)
    if problems:
        raise AnnotatorError(f"doc {number}: {problems[0]}", path)
    return document, record


def _stored_json(value: object, key: str) -> dict:
    """What the writer stored under ``key`` in doc.user_data: a JSON object, as a string."""
    try:
        parsed = orjson.loads(value) if isinstance(value, str | bytes) else None
    except orjson.JSONDecodeError:
        parsed = None
    if not isinstance(parsed, dict):
        raise ValueError(f"user_data[{key!r}] is not the JSON object annotator writes")
    return parsed


def _problems(record: AnnotationRecord | None, document: Document) -> list[str]:
    from annotator.schema import record_problems

    return record_problems(record, document) if record is not None else []


def _record_from_spans(doc, document: Document, report: LossReport | None = None) -> AnnotationRecord | None:
    """A record from ``doc.spans["attribution"]`` alone (DocBins made by other programs)."""
    from annotator.formats.common import LABEL_ROLES, exact_span, example_record
    from annotator.quotes import infer_type
    from annotator.schema import Attribution

    group = doc.spans.get(SPANS_KEY) if SPANS_KEY in doc.spans else None
    if group is None:
        if report is not None:
            report.add(f"doc.ents entities of docs without doc.spans[{SPANS_KEY!r}], left out", len(doc.ents))
        return None
    pieces: dict[str, dict] = {}
    for piece in group:
        role = LABEL_ROLES.get(piece.label_)
        if role is None:
            if report is not None:
                report.add(f"spans labelled {piece.label_[:40]!r} (not SOURCE, CUE or CONTENT) left out")
            continue
        key = piece.id_ or f"s{piece.start}"
        pieces.setdefault(key, {}).setdefault(role, []).append((piece.start_char, piece.end_char))
    attributions = []
    for key, roles in pieces.items():
        if not any(role.value == "content" for role in roles):
            if report is not None:
                report.add("span ids with a source or cue but no CONTENT span, left out")
            continue
        spans = {role.value: exact_span(doc.text, list(dict.fromkeys(found))) for role, found in roles.items()}
        cue = spans.get("cue")
        attributions.append(Attribution(
            id=key, type=infer_type(spans["content"].text, cue.text if cue else None),
            source=spans.get("source"), cue=cue, content=spans["content"],
        ))
    return example_record(document, "spacy", attributions)


def training_config(train: Path, dev: Path, lengths: Counter | None = None, report: LossReport | None = None) -> str:
    """A spaCy config training a span categorizer on doc.spans["attribution"] (SOURCE, CUE,
    CONTENT) from blank English, reading ``train`` and ``dev`` by absolute path.

    Candidates come from a ``span_finder`` (spaCy's learned suggester: it marks where spans
    start and end) rather than from every n-gram: contents run to dozens of tokens, and
    every span of up to that many tokens would not fit in memory. Both components share
    one tok2vec; the span finder annotates during training so that the categorizer
    learns on its candidates, and writes them under the same key, which the categorizer
    then fills with its labelled spans.
    """
    from spacy.cli.init_config import init_config

    paths = {}
    for name, path in (("train", train), ("dev", dev)):
        absolute = str(Path(path).resolve())
        if "${" in absolute:  # spaCy's config would read it as a variable
            raise AnnotatorError("a training config cannot name a path holding '${'", path)
        paths[name] = absolute
    longest = min(max(lengths, default=1) if lengths else 1, MAX_SUGGESTED_TOKENS)
    if report is not None and lengths:
        report.add(
            f"role fragments longer than {MAX_SUGGESTED_TOKENS} tokens (the span finder proposes none so long)",
            sum(count for length, count in lengths.items() if length > MAX_SUGGESTED_TOKENS),
        )
    config = init_config(lang="en", pipeline=["spancat"], optimize="efficiency", gpu=False, pretraining=False)
    config["paths"]["train"] = paths["train"]
    config["paths"]["dev"] = paths["dev"]
    config["nlp"]["pipeline"] = ["tok2vec", "span_finder", "spancat"]
    config["nlp"]["batch_size"] = 8  # documents per batch when predicting (evaluation): bounded memory
    width = "${components.tok2vec.model.encode.width}"
    config["components"]["span_finder"] = {
        "factory": "span_finder", "spans_key": SPANS_KEY, "threshold": 0.5,
        "max_length": longest, "min_length": None,
        "scorer": {"@scorers": "spacy.span_finder_scorer.v1"},
        "model": {
            "@architectures": "spacy.SpanFinder.v1",
            "scorer": {"@layers": "spacy.LinearLogistic.v1", "nO": 2},
            "tok2vec": {"@architectures": "spacy.Tok2VecListener.v1", "width": width, "upstream": "tok2vec"},
        },
    }
    spancat = config["components"]["spancat"]
    spancat["spans_key"] = SPANS_KEY
    spancat["suggester"] = {"@misc": "spacy.preset_spans_suggester.v1", "spans_key": SPANS_KEY}
    config["training"]["annotating_components"] = ["span_finder"]
    config["training"]["score_weights"] = {
        f"spans_{SPANS_KEY}_f": 1.0, f"spans_{SPANS_KEY}_p": 0.0, f"spans_{SPANS_KEY}_r": 0.0,
        "spans_sc_f": None, "spans_sc_p": None, "spans_sc_r": None,
        f"span_finder_{SPANS_KEY}_f": None, f"span_finder_{SPANS_KEY}_p": None, f"span_finder_{SPANS_KEY}_r": None,
    }
    return config.to_str()

"""CoNLL: token-per-line files with BIO tags for the three roles; written as a folder.

``export --format conll -o OUT`` writes:

- ``OUT/source.conll``, ``OUT/cue.conll``, ``OUT/content.conll``: one file per role in
  CoNLL-2003 style, which spaCy's ``convert`` (``-c ner``), NLTK's ``ConllCorpusReader``
  and CoNLL-2003 readers take: each example opens with ``-DOCSTART- -X- O O`` (the
  delimiter spaCy's converter splits documents on) and a blank line, then one token per
  line ``FORM _ _ TAG`` (space-separated; TAG is ``B-ROLE``, ``I-ROLE`` or ``O``) and a
  blank line. Roles of different attributions nest (a source inside another's content),
  hence one file per role. Examples appear in the order of ``OUT/documents.jsonl``.
- ``OUT/documents.jsonl``: per example, in that order, ``doc_id``, ``annotator``, ``status``.
- ``OUT/attributions.conll``: everything in one file, which ``import --format conll`` reads
  back (give it OUT or this file) and the ``conllu`` library parses with
  ``conllu.parse(text, fields=conll.COLUMNS)``. Per example, ``# key = value`` comments
  (``doc_id``, ``annotator``, ``text``, ``meta``, ``adjudicator`` and ``attribution N`` as
  JSON, ASCII only, so no id or text can break a line; ``status``, ``updated_at``), then
  one tab-separated row per token: ``ID FORM START END SOURCE CUE CONTENT FRAMES``, START
  and END the token's character offsets (code points, END exclusive) and FRAMES the
  attributions the token belongs to, ``N:ROLE`` joined by ``|`` (``_`` for none); a blank
  line ends the example. A span is the run of consecutive tokens of one ``N:ROLE``; a
  discontinuous span is several runs.

Tokens are ``spacy.blank("en")``'s, whitespace-only tokens left out; whitespace or control
characters inside a token are written as ``_`` (column readers split on whitespace; the
offsets keep the exact text). Spans are widened to the tokens they touch; what does not
come back exactly is counted in the warnings, as are rejected suggestions (not carried).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

from pydantic import ValidationError

from annotator.errors import AnnotatorError, describe_validation_error
from annotator.formats.common import (
    ROLE_LABELS,
    ROLES,
    Example,
    LossReport,
    Tokens,
    exact_span,
    example_record,
    iso_time,
    span_signature,
)
from annotator.schema import (
    AnnotationRecord,
    Attribution,
    Document,
    DocumentMeta,
    Role,
    Status,
)

FORMAT = "conll"
CARRIES = {"type", "source_entity", "note", "origin", "action", "score", "agreed_by", "discontinuous",
           "frames", "id", "adjudicator", "status"}
COLUMNS = ("id", "form", "start", "end", "source", "cue", "content", "frames")
ALL_IN_ONE = "attributions.conll"
DOCUMENTS = "documents.jsonl"
ROLE_FILES = {role: f"{role.value}.conll" for role in ROLES}
DOCSTART = "-DOCSTART- -X- O O"
# Characters a column reader splits on or a terminal acts on: written as "_" in FORM.
UNSAFE_IN_FORM = re.compile(r"[\s\x00-\x1f\x7f-\x9f\u2028\u2029]")
DIGITS = re.compile(r"^[0-9]+$")
FRAME_REF = re.compile(r"^([1-9][0-9]*):(SOURCE|CUE|CONTENT)$")
ATTRIBUTION_KEY = re.compile(r"^attribution ([1-9][0-9]*)$")
ATTRIBUTION_FIELDS = ("id", "type", "source_entity", "origin", "action", "score", "note", "agreed_by")


def new_report() -> LossReport:
    return LossReport(FORMAT, CARRIES)


def _ascii_json(value: object) -> str:
    import json

    return json.dumps(value, ensure_ascii=True)


def token_runs(attribution: Attribution, tokens: Tokens, report: LossReport | None) -> dict[Role, list[tuple[int, int]]]:
    """Per role, the (first, last) token indices of each fragment, trimmed to word tokens."""
    runs: dict[Role, list[tuple[int, int]]] = {}
    for role in ROLES:
        span = attribution.span(role)
        if span is None:
            continue
        for start, end in span.pieces:
            bounds = tokens.span(start, end)
            if bounds is not None and report is not None and not tokens.aligned(start, end):
                report.add("span fragments not on token boundaries (widened to whole tokens)")
            first, last = bounds if bounds is not None else (1, 0)
            while first <= last and not tokens.words[first].strip():
                first += 1
            while last >= first and not tokens.words[last].strip():
                last -= 1
            if first > last:
                if report is not None:
                    report.add("span fragments covering only whitespace (no token to tag)")
                continue
            runs.setdefault(role, []).append((first, last))
    return runs


def _bio(all_runs: list[dict[Role, list[tuple[int, int]]]], role: Role, size: int) -> list[str]:
    """BIO tags of one role; overlapping runs merge, a run starting right after another starts a new B."""
    label = ROLE_LABELS[role]
    tags = ["O"] * size
    for first, last in sorted({run for runs in all_runs for run in runs.get(role, [])}):
        if tags[first] == "O":
            tags[first] = f"B-{label}"
        for index in range(first + 1, last + 1):
            if tags[index] == "O":
                tags[index] = f"I-{label}"
    return tags


def example_blocks(example: Example, report: LossReport | None = None) -> tuple[str, dict[Role, str]]:
    """The example's block in attributions.conll and its block in each role file."""
    document, record = example.document, example.record
    tokens = Tokens.of(document.text)
    all_runs = [token_runs(attribution, tokens, report) for attribution in record.attributions]
    tags = {role: _bio(all_runs, role, len(tokens)) for role in ROLES}
    frames: list[list[str]] = [[] for _ in range(len(tokens))]
    for number, runs in enumerate(all_runs, start=1):
        for role, found in runs.items():
            for first, last in found:
                for index in range(first, last + 1):
                    frames[index].append(f"{number}:{ROLE_LABELS[role]}")
    lines = [f"# doc_id = {_ascii_json(document.id)}", f"# annotator = {_ascii_json(record.annotator)}",
             f"# status = {record.status.value}", f"# updated_at = {record.updated_at.isoformat()}"]
    if record.adjudicator is not None:
        lines.append(f"# adjudicator = {_ascii_json(record.adjudicator)}")
    lines.append(f"# meta = {_ascii_json(document.meta.model_dump(mode='json', exclude_none=True))}")
    lines.append(f"# text = {_ascii_json(document.text)}")
    for number, attribution in enumerate(record.attributions, start=1):
        fields = attribution.model_dump(mode="json", include=set(ATTRIBUTION_FIELDS), exclude_none=True)
        lines.append(f"# attribution {number} = {_ascii_json(fields)}")
    role_lines: dict[Role, list[str]] = {role: [DOCSTART, ""] for role in ROLES}
    written = 0
    for index, word in enumerate(tokens.words):
        if not word.strip():
            continue
        written += 1
        form = UNSAFE_IN_FORM.sub("_", word)
        if form != word and report is not None:
            report.add("tokens holding whitespace or control characters written with '_' (offsets kept)")
        lines.append("\t".join([str(written), form, str(tokens.starts[index]), str(tokens.ends[index]),
                                *(tags[role][index] for role in ROLES), "|".join(frames[index]) or "_"]))
        for role in ROLES:
            role_lines[role].append(f"{form} _ _ {tags[role][index]}")
    return "\n".join(lines) + "\n\n", {role: "\n".join(found) + "\n\n" for role, found in role_lines.items()}


def write_folder(examples, folder: Path, report: LossReport) -> int:
    """Write the examples into ``folder`` (new; the caller renames it into place)."""
    folder.mkdir(parents=True)
    count = 0
    streams = {name: (folder / name).open("w", encoding="utf-8", newline="\n")
               for name in (ALL_IN_ONE, DOCUMENTS, *ROLE_FILES.values())}
    try:
        for example in examples:
            record = example.record
            report.check_record(record)
            block, role_blocks = example_blocks(example, report)
            _, rebuilt = parse_block(block.splitlines(), "<written>", 1)
            kept = [span_signature(a) for a in record.attributions if a.content.text.strip()]
            got = [span_signature(a) for a in rebuilt.attributions]
            report.add("attributions read back with other span boundaries (widened to tokens, or "
                       "fragments apart by whitespace only read as one)", sum(x != y for x, y in zip(kept, got)))
            report.add("attributions whose content covers only whitespace (no token: not carried)",
                       len(record.attributions) - len(kept))
            streams[ALL_IN_ONE].write(block)
            for role, text in role_blocks.items():
                streams[ROLE_FILES[role]].write(text)
            streams[DOCUMENTS].write(_ascii_json({"doc_id": example.document.id, "annotator": record.annotator,
                                                  "status": record.status.value}) + "\n")
            count += 1
    finally:
        for stream in streams.values():
            stream.close()
    return count


# ---------------------------------------------------------------- reader


def _comment_value(value: str, key: str, path, line: int) -> object:
    import json

    try:
        return json.loads(value)
    except ValueError:
        raise AnnotatorError(f"# {key} is not the JSON value annotator writes", path, line) from None


def parse_block(lines: list[str], path, first_line: int,
                report: LossReport | None = None) -> tuple[Document, AnnotationRecord]:
    """One example of attributions.conll (its lines, the first being line ``first_line``)."""
    comments: dict[str, tuple[str, int]] = {}
    rows: list[tuple[list[str], int]] = []
    for offset, line in enumerate(lines):
        number = first_line + offset
        if not line.strip():
            continue
        if line.startswith("#"):
            key, equals, value = line[1:].strip().partition(" = ")
            if not equals:
                raise AnnotatorError("a comment must read '# key = value'", path, number)
            comments[key] = (value, number)
            continue
        fields = line.split("\t")
        if len(fields) != len(COLUMNS):
            raise AnnotatorError(f"a token line needs {len(COLUMNS)} tab-separated columns, not {len(fields)}",
                                 path, number)
        rows.append((fields, number))
    for key in ("doc_id", "annotator", "text"):
        if key not in comments:
            raise AnnotatorError(f"the example has no '# {key} = ...' comment", path, first_line)
    values = {key: _comment_value(value, key, path, line) for key, (value, line) in comments.items()
              if key not in ("status", "updated_at")}
    text = values["text"]
    if not isinstance(text, str) or not isinstance(values["doc_id"], str) or not isinstance(values["annotator"], str):
        raise AnnotatorError("doc_id, annotator and text must be JSON strings", path, first_line)
    meta = values.get("meta") if isinstance(values.get("meta"), dict) else {}
    try:
        document = Document(id=values["doc_id"], text=text, meta=DocumentMeta.model_validate(meta))
    except (ValidationError, ValueError) as error:
        raise AnnotatorError(describe_validation_error(error), path, comments["meta"][1]) from None
    pieces: dict[int, dict[Role, list[tuple[int, int]]]] = {}
    previous: dict[tuple[int, Role], tuple[int, int]] = {}  # (N, role) -> (token id, piece index)
    for position, (fields, number) in enumerate(rows, start=1):
        start, end = fields[2], fields[3]
        if fields[0] != str(position) or not DIGITS.match(start) or not DIGITS.match(end):
            raise AnnotatorError(f"ID {fields[0][:20]!r}, START and END must be the numbers 0-9 of token "
                                 f"{position}", path, number)
        start_at, end_at = int(start), int(end)
        if not 0 <= start_at < end_at <= len(text):
            raise AnnotatorError(f"token {start_at}-{end_at} does not fit the text", path, number)
        if fields[7] == "_":
            continue
        for reference in fields[7].split("|"):
            match = FRAME_REF.match(reference)
            if match is None:
                raise AnnotatorError(f"FRAMES entry {reference[:20]!r} is not N:SOURCE, N:CUE or N:CONTENT", path, number)
            attribution, role = int(match.group(1)), Role(match.group(2).lower())
            found = pieces.setdefault(attribution, {}).setdefault(role, [])
            last = previous.get((attribution, role))
            if last is not None and last[0] == position - 1:
                found[last[1]] = (found[last[1]][0], end_at)  # the run goes on
            else:
                found.append((start_at, end_at))
            previous[(attribution, role)] = (position, len(found) - 1)
    attributions = []
    for key, (_, comment_line) in comments.items():
        match = ATTRIBUTION_KEY.match(key)
        if match is None:
            continue
        described = values[key]
        roles = pieces.pop(int(match.group(1)), {})
        if Role.content not in roles:
            if report is not None:
                report.add("attributions without a CONTENT token, left out")
            continue
        try:
            attributions.append(Attribution.model_validate({
                **(described if isinstance(described, dict) else {}),
                **{role.value: exact_span(text, found) for role, found in roles.items()},
            }))
        except ValidationError as error:
            raise AnnotatorError(describe_validation_error(error), path, comment_line) from None
    if pieces:
        raise AnnotatorError(f"FRAMES name attribution {min(pieces)}, which no '# attribution N' comment "
                             "describes", path, first_line)
    status_value, status_line = comments.get("status", ("done", first_line))
    if status_value not in Status.__members__:
        raise AnnotatorError(f"status {status_value[:20]!r} is not one of {', '.join(Status.__members__)}",
                             path, status_line)
    updated = iso_time(comments["updated_at"][0], path, comments["updated_at"][1]) if "updated_at" in comments else None
    record = example_record(document, values["annotator"], attributions, updated, Status(status_value))
    adjudicator = values.get("adjudicator")
    if isinstance(adjudicator, str):
        record.adjudicator = adjudicator
    return document, record


def read(path: Path, default_annotator: str = "conll",
         report: LossReport | None = None) -> Iterator[tuple[Document, AnnotationRecord]]:
    """Examples from attributions.conll (or a folder holding it). The per-role files carry
    no text and no frames, so they are not read: the all-in-one file has everything."""
    from annotator.fileio import read_text

    path = Path(path)
    if path.is_dir():
        path = path / ALL_IN_ONE
        if not path.is_file():
            raise AnnotatorError(f"no {ALL_IN_ONE} here (export --format conll writes one)", path.parent)
    block: list[str] = []
    start = 1
    for number, line in enumerate(read_text(path).split("\n"), start=1):
        line = line.rstrip("\r")
        if line.strip():
            if not block:
                start = number
            block.append(line)
        elif block:
            yield parse_block(block, path, start, report)
            block = []
    if block:
        yield parse_block(block, path, start, report)

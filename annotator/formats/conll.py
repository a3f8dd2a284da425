"""CoNLL-style token-per-line export with BIO tags for the three roles (export only).

Layout: a ``-DOCSTART-`` line and a ``# doc_id = ...`` / ``# annotator = ...`` comment per
example, then one token per line ``TOKEN<TAB>SOURCE<TAB>CUE<TAB>CONTENT``, each column a
BIO tag for one role (roles of different attributions nest: a source can sit inside
another attribution's content, hence one column per role), and a blank line after the
example. Whitespace-only tokens (runs of spaces, line breaks) are left out.

CoNLL has no frames: which source, cue and content belong together is lost, and so are
discontinuity (each fragment is tagged on its own), types, entities and notes; all are
counted in the warnings. Two spans of one role that overlap or touch become one B-I run
when they overlap and two runs (B after I) when they only touch. Spans are widened to the
tokens they touch (counted when not on token boundaries). There is no reader: without
frames nothing could be imported as attributions.
"""

from __future__ import annotations

from typing import IO

from annotator.formats.common import ROLE_LABELS, ROLES, Example, LossReport, Tokens

FORMAT = "conll"
CARRIES: set[str] = {"status"}
COLUMNS = ("SOURCE", "CUE", "CONTENT")


def new_report() -> LossReport:
    return LossReport(FORMAT, CARRIES)


def tag_columns(example: Example, tokens: Tokens, report: LossReport | None = None) -> list[list[str]]:
    """One list of BIO tags per role, token by token."""
    columns = []
    for role in ROLES:
        label = ROLE_LABELS[role]
        ranges = set()
        for attribution in example.record.attributions:
            span = attribution.span(role)
            if span is None:
                continue
            for start, end in span.pieces:
                bounds = tokens.span(start, end)
                if bounds is None:
                    if report is not None:
                        report.add("span fragments covering only whitespace (no token to tag)")
                    continue
                if report is not None and not tokens.aligned(start, end):
                    report.add("span fragments not on token boundaries (widened to whole tokens)")
                first, last = bounds
                # Whitespace tokens are not written, so a run must start and end on a word.
                while first <= last and not tokens.words[first].strip():
                    first += 1
                while last >= first and not tokens.words[last].strip():
                    last -= 1
                if first > last:
                    if report is not None:
                        report.add("span fragments covering only whitespace (no token to tag)")
                    continue
                ranges.add((first, last))
        tags = ["O"] * len(tokens)
        # Overlapping ranges of one role merge; a range starting right after another starts a new B.
        for first, last in sorted(ranges):
            if tags[first] == "O":
                tags[first] = f"B-{label}"
            for index in range(first + 1, last + 1):
                if tags[index] == "O":
                    tags[index] = f"I-{label}"
        columns.append(tags)
    return columns


def _clean(word: str) -> str:
    return word.replace("\t", " ").replace("\n", " ").replace("\r", " ")


def write(examples, stream: IO[bytes], report: LossReport) -> int:
    count = 0
    for example in examples:
        record = example.record
        report.check_record(record)
        tokens = Tokens.of(example.document.text)
        columns = tag_columns(example, tokens, report)
        lines = ["-DOCSTART-", f"# doc_id = {_clean(example.document.id)}", f"# annotator = {_clean(record.annotator)}"]
        for index, word in enumerate(tokens.words):
            if not word.strip():
                continue
            lines.append("\t".join([_clean(word), *(column[index] for column in columns)]))
        stream.write(("\n".join(lines) + "\n\n").encode("utf-8"))
        count += 1
    return count

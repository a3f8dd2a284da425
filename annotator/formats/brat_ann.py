"""BRAT standoff ``.ann`` files: the lines PolNeAR and annotator write, parsed strictly.

``T`` spans (``Label start end[;start end...]``, offsets in ASCII digits), ``E`` events
``Attribution:T Source:T Cue:T Content:T`` (numbered roles such as ``Content2`` join their
role), ``A`` Type attributes, ``N`` Reference normalisations (their text read past
whatever tabs BRAT's server puts before it) and ``#`` AnnotatorNotes. A span text that
holds a newline continues on the next line; a line that looks like an annotation line
with spaces where BRAT wants tabs is an error naming its line, never glued onto a span.
Ids are unique within a file.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from annotator.errors import AnnotatorError

ANNOTATION_LINE = re.compile(r"^([TERAMN*#]\d*)\t")
SPACED_LINE = re.compile(r"^[TERAMN#]\d+ +\S")
OFFSET = re.compile(r"^[0-9]+$")
NUMBERED_ROLE = re.compile(r"^([A-Za-z-]+?)(\d*)$")


@dataclass
class TextBound:
    id: str
    label: str
    pieces: list[tuple[int, int]]
    text: str
    line: int


@dataclass
class Event:
    id: str
    trigger: str  # the trigger's label
    trigger_id: str  # the trigger span's id
    roles: list[tuple[str, str]]  # (role name without number, T id)
    line: int


@dataclass
class AnnFile:
    spans: dict[str, TextBound] = field(default_factory=dict)
    events: list[Event] = field(default_factory=list)
    notes: list[tuple[str, str, int]] = field(default_factory=list)  # (target id, note, line)
    other_lines: int = 0  # R, A, M, N lines: outside PolNeAR's scheme
    types: dict[str, str] = field(default_factory=dict)  # event id -> Type attribute value
    entities: dict[str, str] = field(default_factory=dict)  # event id -> Reference text



def parse_ann(text: str, path: Path) -> AnnFile:
    """The spans, events and notes of one .ann file; malformed lines raise with their number."""
    parsed = AnnFile()
    last_span: TextBound | None = None
    first_line_of: dict[str, int] = {}  # ids: events, attributes and notes refer to them
    for number, line in enumerate(text.split("\n"), start=1):
        line = line.rstrip("\r")
        if not line.strip():
            continue
        match = ANNOTATION_LINE.match(line)
        if not match:
            if SPACED_LINE.match(line):
                # Not a continued span text: a T/E/A/N/R/# line typed with spaces.
                raise AnnotatorError(
                    f"fields separated by spaces, not tabs: {line[:40]!r} (BRAT separates an "
                    "annotation's id, its data and its text with tabs)", path, number,
                )
            if last_span is None:
                raise AnnotatorError(f"not a BRAT annotation line: {line[:40]!r}", path, number)
            last_span.text += "\n" + line  # a span text that holds a newline
            continue
        kind = match.group(1)[0]
        fields = line.split("\t")
        if kind != "*" and len(fields[0]) > 1:
            if fields[0] in first_line_of:
                raise AnnotatorError(
                    f"id {fields[0]} is used twice (first on line {first_line_of[fields[0]]})", path, number
                )
            first_line_of[fields[0]] = number
        if kind == "T":
            last_span = _parse_text_bound(fields, path, number)
            parsed.spans[last_span.id] = last_span
        elif kind == "E":
            parsed.events.append(_parse_event(fields, path, number))
            last_span = None
        elif kind == "#":
            parts = fields[1].split(" ", 1) if len(fields) > 1 else []
            if len(parts) != 2 or len(fields) < 3:
                raise AnnotatorError("a note needs 'AnnotatorNotes TARGET' and a text", path, number)
            parsed.notes.append((parts[1], "\t".join(fields[2:]), number))
            last_span = None
        elif kind == "A" and len(fields) >= 2 and len(parts := fields[1].split()) == 3 and parts[0] == "Type":
            parsed.types[parts[1]] = parts[2]
            last_span = None
        elif kind == "N" and len(fields) >= 3 and len(parts := fields[1].split()) == 3 and parts[0] == "Reference" and parts[2].startswith("annotator:entity"):
            # BRAT's server adds a tab before the text each time it saves the document
            # (it keeps the tab it read and writes one of its own): whatever tabs are
            # there, the text is what follows them, as BRAT itself reads it.
            parsed.entities[parts[1]] = "\t".join(fields[2:]).strip("\t")
            last_span = None
        else:  # relations, other attributes, normalisations: not part of PolNeAR's scheme
            last_span = None
            parsed.other_lines += 1
    return parsed


def _parse_text_bound(fields: list[str], path: Path, number: int) -> TextBound:
    if len(fields) < 3:
        raise AnnotatorError("a T line needs an id, 'Label start end' and a text", path, number)
    label, _, offsets = fields[1].partition(" ")
    pieces = []
    for piece in offsets.split(";"):
        bounds = piece.split(" ")
        # ASCII digits only: str.isdigit() takes "²" and int() takes Arabic-Indic digits.
        if len(bounds) != 2 or not all(OFFSET.match(bound) for bound in bounds):
            raise AnnotatorError(f"bad offsets {offsets[:40]!r} in a T line (two numbers 0-9 per piece)", path, number)
        start, end = int(bounds[0]), int(bounds[1])
        if start >= end:
            raise AnnotatorError(f"span {start}-{end} has start >= end", path, number)
        pieces.append((start, end))
    return TextBound(fields[0], label, pieces, "\t".join(fields[2:]), number)


def _parse_event(fields: list[str], path: Path, number: int) -> Event:
    arguments = fields[1].split() if len(fields) > 1 else []
    if not arguments or ":" not in arguments[0]:
        raise AnnotatorError("an E line needs 'Trigger:T' and roles", path, number)
    trigger, _, trigger_id = arguments[0].partition(":")
    roles = []
    for argument in arguments[1:]:
        name, _, target = argument.partition(":")
        role_match = NUMBERED_ROLE.match(name)
        if not target or not role_match:
            raise AnnotatorError(f"bad event argument {argument!r}", path, number)
        roles.append((role_match.group(1), target))
    return Event(fields[0], trigger, trigger_id, roles, number)

"""Role labels and spans as every interchange format spells them, and the strict reading of
other tools' values (an offset is an integer: never a boolean, a float or a string)."""

from __future__ import annotations

from annotator.errors import AnnotatorError
from annotator.schema import FRAGMENT_JOINER, Attribution, Role, Span

ROLE_LABELS = {Role.source: "SOURCE", Role.cue: "CUE", Role.content: "CONTENT"}
LABEL_ROLES = {label: role for role, label in ROLE_LABELS.items()}
# Role order inside an attribution when written out: who, the signal, what.
ROLES = (Role.source, Role.cue, Role.content)


def exact_span(text: str, pieces: list[tuple[int, int]]) -> Span:
    """A span over exactly these pieces (sorted, not merged: adjacent fragments stay apart)."""
    pieces = sorted(pieces)
    if len(pieces) == 1:
        return Span.from_text(text, *pieces[0])
    overlapping = any(b[0] < a[1] for a, b in zip(pieces, pieces[1:]))
    if overlapping:
        return Span.from_pieces(text, pieces)
    return Span(
        start=pieces[0][0],
        end=pieces[-1][1],
        text=FRAGMENT_JOINER.join(text[a:b] for a, b in pieces),
        fragments=[(a, b) for a, b in pieces],
    )


def role_pieces(attribution: Attribution) -> list[tuple[Role, int, int]]:
    return [
        (role, start, end)
        for role in ROLES
        if (span := attribution.span(role)) is not None
        for start, end in span.pieces
    ]


def span_signature(attribution: Attribution) -> tuple:
    return tuple(
        tuple(span.pieces) if (span := attribution.span(role)) is not None else None for role in ROLES
    )


def strict_int(value: object, what: str, path, line: int | None) -> int:
    """``value`` when it is a JSON integer; a boolean (``true`` is 1 to Python), a float or
    a numeric string is an error naming the file and line, never silently converted."""
    if type(value) is not int:
        shown = repr(value)[:40]
        kind = {bool: "a boolean", float: "a number with a fraction part or exponent", str: "a string"}.get(
            type(value), type(value).__name__
        )
        raise AnnotatorError(f"{what} must be an integer, not {kind} ({shown})", path, line)
    return value

"""Errors about user input that name the file and line; the CLI prints them in one line."""

from __future__ import annotations

import re
from pathlib import Path

# Characters that must not reach a terminal from a user's file: C0 controls but tab
# (escape sequences start with ESC; newlines would break one-line messages), DEL, C1
# controls, line/paragraph separators and bidirectional overrides (which reorder text).
UNPRINTABLE = re.compile("[\x00-\x08\x0a-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069]")


def printable(text: str) -> str:
    """``text`` safe to print on one terminal line: control characters shown escaped
    (ESC as ``\\x1b``), so text from a user's file can never drive the terminal."""
    return UNPRINTABLE.sub(lambda match: match.group().encode("unicode_escape").decode("ascii"), text)


class AnnotatorError(Exception):
    """Bad input or a failed operation the user can act on (never a bug)."""

    def __init__(self, message: str, path: str | Path | None = None, line: int | None = None):
        super().__init__(message)
        self.message = message
        self.path = str(path) if path is not None else None
        self.line = line

    def __str__(self) -> str:
        where = self.path or ""
        if self.path and self.line is not None:
            where += f":{self.line}"
        return f"{where}: {self.message}" if where else self.message


def describe_validation_error(error: Exception) -> str:
    """A short, one-line reading of a pydantic ValidationError (first problems only)."""
    from pydantic import ValidationError

    if not isinstance(error, ValidationError):
        return str(error)
    parts = []
    for item in error.errors()[:3]:
        # Keys in the location come from the user's file (e.g. an unknown key).
        location = printable(".".join(str(piece) for piece in item.get("loc", ())))
        message = item.get("msg", "invalid")
        message = message.removeprefix("Value error, ")
        parts.append(f"{location}: {message}" if location else message)
    more = error.error_count() - len(parts)
    if more > 0:
        parts.append(f"and {more} more")
    return "; ".join(parts)

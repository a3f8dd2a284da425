"""Showing untrusted text safely: one visible code point per control character.

Article text never reaches the terminal as markup or as control sequences. Each C0/C1
control character, DEL and each bidirectional override is replaced by one visible
code point, so display offsets equal document offsets. U+2028/U+2029 (line and
paragraph separators), which terminals silently drop, show as ␤ and ¶.
"""

from __future__ import annotations

import re

from rich.cells import cell_len

_CONTROL = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\u200e\u200f\u061c]")


def _substitute(match: re.Match) -> str:
    char = match.group()
    code = ord(char)
    if char == "\t":
        return "→"
    if code < 0x20:
        return chr(0x2400 + code)  # ␀ … ␟ (␛ for ESC)
    if code == 0x7F:
        return "␡"
    if code <= 0x9F:
        return "¿"
    if code == 0x2028:
        return "␤"  # LINE SEPARATOR: terminals drop it; shown, not obeyed
    if code == 0x2029:
        return "¶"  # PARAGRAPH SEPARATOR
    return "¦"  # bidi controls: shown, never obeyed


def visible(text: str) -> str:
    """``text`` with every control character replaced by one visible code point."""
    return _CONTROL.sub(_substitute, text)


def one_line(text: str, limit: int | None = None) -> str:
    """A single display line: newlines become ⏎ and the text is cut at ``limit`` cells."""
    flat = visible(text.replace("\r\n", "\n")).replace("\n", "⏎")
    if limit is not None and cell_len(flat) > limit:
        out, width = [], 0
        for char in flat:
            w = cell_len(char)
            if width + w > limit - 1:
                break
            out.append(char)
            width += w
        flat = "".join(out) + "…"
    return flat


def shorten_middle(text: str, limit: int) -> str:
    """``text`` in at most ``limit`` cells, cut in the middle ("doc-2023…-0417"): ids
    differ at both ends, so both stay readable."""
    flat = one_line(text)
    if cell_len(flat) <= limit:
        return flat
    if limit <= 1:
        return "…"[:limit]
    head_room = (limit - 1 + 1) // 2
    tail_room = limit - 1 - head_room
    head, width = [], 0
    for char in flat:
        if width + cell_len(char) > head_room:
            break
        head.append(char)
        width += cell_len(char)
    tail, width = [], 0
    for char in reversed(flat):
        if width + cell_len(char) > tail_room:
            break
        tail.append(char)
        width += cell_len(char)
    return "".join(head) + "…" + "".join(reversed(tail))

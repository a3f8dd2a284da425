"""Reader for news article dumps such as the seed files.

A file holds one or more articles. An article that comes from a news site starts
with its headline, followed within a few lines by "Updated ...", "Follow" and the
headline again; that repeated headline marks where each article begins. A file may
open with a " date YYYY-MM-DD " marker; it gives the date and is not part of the text.
Dates also come from "Updated 20 October 2023" lines and datelines such as
"Beijing, 20 October 2023 (WAI):". Each document's text is a contiguous slice of the
file, recorded in ``meta.source``.
"""

from __future__ import annotations

import re
from datetime import date, datetime
from pathlib import Path

from annotator.corpus.provenance import BOM, make_document, trimmed_range
from annotator.fileio import read_text
from annotator.schema import Document

DATE_MARKER = re.compile(r"\A\s*date (\d{4}-\d{2}-\d{2})[ \t]*")
UPDATED_LINE = re.compile(r"^Updated\s+(.+?)\s*$")
FOLLOW_LINE = re.compile(r"^Follow\s*$")
# "Beijing, 20 October 2023 (WAI):" or "WASHINGTON, Oct. 3, 2016 (AP) --"
DATELINE = re.compile(
    r"^[A-Z][\w .'-]{1,40},\s+(?P<date>[^():\n]{6,30}?)\s*(?:\([A-Za-z. ]{1,12}\))?\s*[:—-]"
)
DATE_FORMATS = ("%d %B %Y", "%B %d, %Y", "%b %d, %Y", "%b. %d, %Y", "%d %b %Y", "%Y-%m-%d")
# How far below a headline the "Updated", "Follow" and repeated headline may stand.
HEADER_WINDOW = 12
HEADLINE_MAX_CHARS = 200


def parse_date(value: str) -> date | None:
    value = " ".join(value.replace(",", ", ").split()).replace(" ,", ",")
    for date_format in DATE_FORMATS:
        try:
            return datetime.strptime(value, date_format).date()
        except ValueError:
            continue
    return None


def _lines_with_offsets(text: str, start: int, end: int) -> list[tuple[int, str]]:
    """(offset of line start, line text without newline) for text[start:end]."""
    lines = []
    position = start
    for raw in text[start:end].split("\n"):
        lines.append((position, raw.rstrip("\r")))
        position += len(raw) + 1
    return lines


def _article_starts(lines: list[tuple[int, str]]) -> list[int]:
    """Indexes of lines that open an article (headline, then Updated/Follow, headline)."""
    starts: list[int] = []
    for index, (_, line) in enumerate(lines):
        headline = line.strip()
        if not headline or len(headline) > HEADLINE_MAX_CHARS:
            continue
        window = [text.strip() for _, text in lines[index + 1 : index + 1 + HEADER_WINDOW]]
        has_marker = any(UPDATED_LINE.match(w) or FOLLOW_LINE.match(w) for w in window)
        if has_marker and headline in window:
            repeat = window.index(headline)
            markers_before_repeat = any(
                UPDATED_LINE.match(w) or FOLLOW_LINE.match(w) for w in window[:repeat]
            )
            if markers_before_repeat and (not starts or index > starts[-1] + HEADER_WINDOW):
                starts.append(index)
    return starts


def _looks_like_headline(line: str, next_line: str | None) -> bool:
    line = line.strip()
    if not line or len(line) > HEADLINE_MAX_CHARS or len(line.split()) < 3:
        return False
    if line[-1] in ".:;" or ". " in line or DATELINE.match(line):
        return False
    # a blank line or a dateline follows a headline; the next line of a paragraph does not
    return next_line is None or not next_line.strip() or bool(DATELINE.match(next_line.strip()))


def _article_date(lines: list[tuple[int, str]]) -> date | None:
    for _, line in lines[: HEADER_WINDOW + 2]:
        updated = UPDATED_LINE.match(line.strip())
        if updated:
            parsed = parse_date(updated.group(1))
            if parsed:
                return parsed
    # A dateline opens the article's first paragraph: its first line, or the line after
    # the headline ("Pakistan, China agree ...\n\nBEIJING, 20 October 2023 (WAI): ...").
    filled = [(index, line.strip()) for index, (_, line) in enumerate(lines) if line.strip()]
    for position, (index, line) in enumerate(filled[:2]):
        dateline = DATELINE.match(line)
        if dateline:
            return parse_date(dateline.group("date"))
        following = lines[index + 1][1] if index + 1 < len(lines) else None
        if position == 0 and not _looks_like_headline(line, following):
            break
    return None


def read_news(path: Path, display_path: str | None = None) -> list[Document]:
    text = read_text(path)
    shown = display_path or path.as_posix()
    # A byte order mark (editors on Windows write one) is not part of the first line:
    # left in, it would start the first title and the first document's text.
    body_start = 1 if text.startswith(BOM) else 0
    file_date = None
    marker = DATE_MARKER.match(text[body_start:])
    if marker:
        file_date = date.fromisoformat(marker.group(1)) if _valid_iso(marker.group(1)) else None
        body_start += marker.end()
    lines = _lines_with_offsets(text, body_start, len(text))
    starts = _article_starts(lines)
    headline_starts = set(starts)
    if not starts or starts[0] != 0:
        # Text before the first recognised headline is an article of its own.
        starts = [0, *starts]
    documents = []
    multiple = len(starts) > 1
    for number, first_line in enumerate(starts, start=1):
        last_line = starts[number] if number < len(starts) else len(lines)
        article_lines = lines[first_line:last_line]
        span_start = article_lines[0][0]
        span_end = lines[last_line][0] if last_line < len(lines) else len(text)
        start, end = trimmed_range(text, span_start, span_end)
        if start == end:
            continue
        content_lines = [item for item in article_lines if item[1].strip()]
        title = None
        if first_line in headline_starts or (
            content_lines
            and _looks_like_headline(content_lines[0][1], _next_line(lines, content_lines[0]))
        ):
            title = content_lines[0][1].strip()
        article_date = _article_date(article_lines) or (file_date if number == 1 else None)
        doc_id = f"{path.stem}-{number}" if multiple else path.stem
        documents.append(
            make_document(doc_id, text, start, end, shown, title=title, date=article_date)
        )
    return documents


def _next_line(lines: list[tuple[int, str]], line: tuple[int, str]) -> str | None:
    index = lines.index(line)
    return lines[index + 1][1] if index + 1 < len(lines) else None


def _valid_iso(value: str) -> bool:
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return True

"""Annotated documents as HTML fragments: spans coloured by role, versions side by side.

Every piece of text that comes from a user's file (article text, ids, names, notes) goes
through ``esc``: HTML-escaped with quotes, and control characters replaced one for one
by visible symbols, so an article holding ``<script>`` or ``</div>`` shows those
characters and nothing else. Ids and classes in the markup are numbers and names we
make, never text from a file.
"""

from __future__ import annotations

import html
import re
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise

from annotator.schema import AnnotationRecord, Attribution, Document, Span

ROLE_ORDER = ("source", "cue", "content")  # painted over each other: source on top
ROLE_LETTER = {"source": "S", "cue": "Q", "content": "C"}
ROLE_CLASS = {"source": "src", "cue": "cue", "content": "cnt"}

# C0 controls but tab, newline and carriage return (line ends in CRLF text), DEL, C1
# controls; bidirectional overrides reorder the text around them, so they are shown
# rather than obeyed.
_CONTROL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def _visible(match: re.Match) -> str:
    code = ord(match.group())
    if code < 0x20:
        return chr(0x2400 + code)  # the Control Pictures block: ␀ ... ␟
    if code == 0x7F:
        return "\u2421"  # ␡
    return "\ufffd"


def esc(text: object) -> str:
    """Untrusted text as HTML text or a quoted attribute value."""
    return html.escape(_CONTROL.sub(_visible, str(text)), quote=True)


def excerpt(text: str, limit: int = 160) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


@dataclass(frozen=True)
class Mark:
    start: int
    end: int
    role: str
    number: int  # the attribution's number in its version's list (1-based)
    piece: int  # 0 for the first fragment, 1.. for the continuations of a discontinuous span


def attribution_marks(attributions: Sequence[Attribution]) -> list[Mark]:
    marks = []
    for number, attribution in enumerate(attributions, start=1):
        for role in ROLE_ORDER:
            span = getattr(attribution, role)
            if span is None:
                continue
            for piece, (start, end) in enumerate(span.pieces):
                marks.append(Mark(start, end, role, number, piece))
    return marks


def ordered(attributions: Sequence[Attribution]) -> list[Attribution]:
    """Attributions in reading order (by content start), so numbers run down the text."""
    return sorted(attributions, key=lambda a: (a.content.start, a.content.end, a.id))


def render_text(
    text: str,
    marks: Sequence[Mark],
    differences: Sequence[tuple[int, int]] = (),
    window: tuple[int, int] | None = None,
) -> str:
    """The text with each stretch classed by the roles covering it.

    A stretch covered by several spans takes the colour of the top role (source over cue
    over content) and is underlined green when a content lies beneath; each span opens
    with a small tag (S3, Q3, C3: role and attribution number; a later fragment of a
    discontinuous span shows ``…C3``). ``differences`` are character ranges drawn with a
    wavy red underline and dotted frame (where annotators disagree).
    """
    low, high = window or (0, len(text))
    cuts = {low, high}
    for mark in marks:
        if mark.end > low and mark.start < high:
            cuts.update((max(low, mark.start), min(high, mark.end)))
    for start, end in differences:
        if end > low and start < high:
            cuts.update((max(low, start), min(high, end)))
    points = sorted(cuts)
    starts_at: dict[int, list[Mark]] = {}
    for mark in marks:
        if low <= mark.start < high:
            starts_at.setdefault(mark.start, []).append(mark)
    by_start = sorted(marks, key=lambda m: m.start)
    diff_sorted = sorted(differences)
    active: list[Mark] = []  # the marks covering the current stretch (a sweep, not a scan per stretch)
    next_mark = next_diff = 0
    out: list[str] = []
    for a, b in pairwise(points):
        while next_mark < len(by_start) and by_start[next_mark].start <= a:
            active.append(by_start[next_mark])
            next_mark += 1
        active = [m for m in active if m.end > a]
        covering = active
        while next_diff < len(diff_sorted) and diff_sorted[next_diff][1] <= a:
            next_diff += 1
        for mark in sorted(starts_at.get(a, ()), key=lambda m: (ROLE_ORDER.index(m.role), m.number)):
            prefix = "…" if mark.piece else ""
            out.append(
                f'<span class="tag t-{ROLE_CLASS[mark.role]}">{prefix}{ROLE_LETTER[mark.role]}{mark.number}</span>'
            )
        classes = []
        roles = {m.role for m in covering}
        for role in ROLE_ORDER:
            if role in roles:
                classes.append(ROLE_CLASS[role])
                break
        if "content" in roles and classes and classes[0] != "cnt":
            classes.append("in-cnt")
        if next_diff < len(diff_sorted) and diff_sorted[next_diff][0] <= a:
            classes.append("dis")
        piece = esc(text[a:b])
        out.append(f'<span class="{" ".join(classes)}">{piece}</span>' if classes else piece)
    return "".join(out)


def attribution_table(attributions: Sequence[Attribution]) -> str:
    """The version's attributions as a numbered list: type, entity, then source, cue, content."""
    items = []
    for number, a in enumerate(attributions, start=1):
        content = ' <span class="join">…</span> '.join(esc(excerpt(piece, 240)) for piece in _pieces(a.content))
        entity = f' · entity <span class="entity">{esc(a.source_entity)}</span>' if a.source_entity else ""
        source = f'<span class="src">{esc(excerpt(a.source.text, 100))}</span>' if a.source else "—"
        cue = f'<span class="cue">{esc(excerpt(a.cue.text, 60))}</span>' if a.cue else "—"
        items.append(
            f'<li><span class="head">{number} · {esc(a.type.value)}{entity}</span>'
            f'<span class="row"><span class="role">S</span> {source} &nbsp; <span class="role">Q</span> {cue}</span>'
            f'<span class="row"><span class="role">C</span> <span class="cnt">{content}</span></span></li>'
        )
    if not items:
        return '<p class="empty">No attributions.</p>'
    return f'<ol class="attrs">{"".join(items)}</ol>'


def _pieces(span: Span) -> list[str]:
    """A span's fragments' texts (one item for a contiguous span)."""
    if not span.fragments:
        return [span.text]
    # span.text is the fragments joined by one space; split it back by their lengths.
    out, position = [], 0
    for start, end in span.fragments:
        out.append(span.text[position : position + end - start])
        position += end - start + 1
    return out


def disagreement_ranges(text: str, records: dict[str, AnnotationRecord], tokens=None) -> list[tuple[int, int]]:
    """The tokens to which the annotators give different roles (the units of alpha).

    Each token's value per annotator is agreement.token_values' (the role covering its
    first character); a token is marked when the values differ.
    """
    from annotator.agreement import token_values
    from annotator.matching import WordTokens

    if len(records) < 2:
        return []
    tokens = tokens or WordTokens(text)
    starts = tokens.all_starts
    if not starts:
        return []
    values = [token_values(record.attributions, starts) for record in records.values()]
    ranges: list[tuple[int, int]] = []
    for index, start in enumerate(starts):
        first = values[0][index]
        if any(v[index] != first for v in values[1:]):
            end = starts[index + 1] if index + 1 < len(starts) else len(text)
            stop = start + max(1, len(text[start:end].rstrip()))
            if ranges and not text[ranges[-1][1] : start].strip():
                ranges[-1] = (ranges[-1][0], stop)  # one underline over neighbouring words
            else:
                ranges.append((start, stop))
    return ranges


def version_card(name: str, record: AnnotationRecord, text: str, differences, extra: str = "") -> str:
    attributions = ordered(record.attributions)
    body = render_text(text, attribution_marks(attributions), differences)
    return (
        '<section class="version">'
        f'<h4>{esc(name)} <span class="meta">{esc(record.status.value)} · '
        f"{len(attributions)} attribution(s){extra}</span></h4>"
        f'<div class="text" dir="auto">{body}</div>'
        f"{attribution_table(attributions)}"
        "</section>"
    )


def document_block(
    anchor: str,
    document: Document,
    records: dict[str, AnnotationRecord],
    figures: dict | None = None,
    tokens=None,
) -> str:
    """One document: its title and figures, and each annotator's version side by side.
    ``tokens``: the text's matching.WordTokens, when already made (else tokenised here)."""
    names = sorted(records)
    differences = disagreement_ranges(document.text, records, tokens)
    title = document.meta.title or document.id
    facts = [f"id {esc(document.id)}", f"{len(names)} annotator(s)"]
    if document.meta.date:
        facts.append(esc(document.meta.date.isoformat()))
    if figures:
        if figures.get("alpha") is not None:
            facts.append(f"alpha {100 * figures['alpha']:.1f}%")
        if figures.get("agr") is not None:
            facts.append(f"agr {100 * figures['agr']:.1f}%")
    if len(names) > 1:
        facts.append(f"{len(differences)} stretch(es) where their roles differ, marked")
    cards = "".join(version_card(name, records[name], document.text, differences) for name in names)
    return (
        f'<article class="doc" id="{anchor}">'
        f'<h3 dir="auto">{esc(title)}</h3><p class="facts">{" · ".join(facts)}</p>'
        f'<div class="versions n{min(len(names), 3)}">{cards}</div>'
        '<p class="top"><a href="#documents">↑ document list</a></p>'
        "</article>"
    )


def cluster_block(document: Document, cluster, differences: Sequence[tuple[int, int]]) -> str:
    """An adjudication cluster: each version's text around the claim, who chose it, who left it out."""
    text = document.text
    low = min(min(s.start for s in _spans(v.attribution)) for v in cluster.versions)
    high = max(max(s.end for s in _spans(v.attribution)) for v in cluster.versions)
    # Widen to whole lines (paragraphs) so the claim is read in its context.
    low = text.rfind("\n", 0, low) + 1
    newline = text.find("\n", high)
    high = len(text) if newline < 0 else newline
    voters = len({n for v in cluster.versions for n in v.annotators} | set(cluster.missing))
    cards = []
    for index, version in enumerate(cluster.versions, start=1):
        marks = attribution_marks([version.attribution])
        body = render_text(text, marks, differences, (low, high))
        cards.append(
            '<section class="version">'
            f"<h4>Version {index} <span class=\"meta\">{esc(', '.join(version.annotators))} "
            f"({len(version.annotators)} of {voters})</span></h4>"
            f'<div class="text" dir="auto">{body}</div>'
            f"{attribution_table([version.attribution])}</section>"
        )
    missing = (
        f'<p class="facts">No attribution here: {esc(", ".join(cluster.missing))} '
        f"({len(cluster.missing)} of {voters})</p>"
        if cluster.missing
        else ""
    )
    return (
        f'<article class="doc" id="cluster"><h3 dir="auto">{esc(document.meta.title or document.id)}</h3>'
        f'<p class="facts">id {esc(document.id)} · cluster {esc(cluster.id)} · {len(cluster.versions)} version(s); '
        "words where the versions differ are marked</p>"
        f'{missing}<div class="versions n{min(len(cluster.versions), 3)}">{"".join(cards)}</div></article>'
    )


def _spans(attribution: Attribution) -> list[Span]:
    return [s for s in (attribution.source, attribution.cue, attribution.content) if s is not None]

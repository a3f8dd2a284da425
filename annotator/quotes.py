"""Quotation marks and the attribution type they imply (shared by readers and the suggester)."""

from __future__ import annotations

from annotator.schema import AttributionType

# Opening mark -> the closing marks that may end it (straight quotes close themselves).
QUOTE_PAIRS: dict[str, str] = {
    "“": "”",
    "„": "“”",
    '"': '"',
    "«": "»",
    "»": "«",
    "‘": "’",
    "'": "'",
    "‹": "›",
    "「": "」",
    "『": "』",
}
OPENING_QUOTES = frozenset(QUOTE_PAIRS)
CLOSING_QUOTES = frozenset("".join(QUOTE_PAIRS.values()))
ALL_QUOTES = OPENING_QUOTES | CLOSING_QUOTES
# Trailing characters allowed after a closing quote inside a quoted content span.
TRAILING_PUNCTUATION = ".,;:!?…"


def quoted_share(text: str) -> float:
    """Share of non-space characters that stand between double quotation marks."""
    inside = False
    quoted = total = 0
    for char in text:
        if char in "“”\"«»„":
            inside = not inside if char == '"' else char in "“«„"
            continue
        if char.isspace():
            continue
        total += 1
        quoted += inside
    return quoted / total if total else 0.0


def infer_type(content: str, cue: str | None = None) -> AttributionType:
    """The attribution type a span's quotation implies (PolNeAR has no type labels).

    direct: the content is one quotation; mixed: part quoted, part paraphrase;
    according_to: the cue is "according to"; indirect: no quotation marks.
    """
    if cue and cue.strip().lower().startswith("according to"):
        return AttributionType.according_to
    stripped = content.strip().rstrip(TRAILING_PUNCTUATION).strip()
    if not stripped:
        return AttributionType.other
    if not any(char in "“”\"«»„" for char in stripped):
        return AttributionType.indirect
    if stripped[0] in "“\"«„" and stripped[-1] in "”\"»“" and quoted_share(stripped) > 0.95:
        return AttributionType.direct
    return AttributionType.mixed

"""``--auto majority``: whether an attribution exists, then its boundaries, by vote.

1. Existence: the annotators who marked any version of the claim (the cluster's
   members) against those who annotated the document and marked none. More "none"
   votes reject it; a tie is left for review.
2. Boundaries: each role (source, cue, content) holds the text that more than half of
   the annotators who marked the claim put in that role. Spans are whole word tokens, so
   counting characters counts tokens (spaces at a piece's edges are trimmed). A role that fewer than half of them gave is left empty; a content (or a
   given role) on which no majority of characters agrees is a tie, left for review.
   Type, entity and note come from the version with the most votes.
"""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING

from annotator.schema import FRAGMENT_JOINER, Attribution, Span

if TYPE_CHECKING:
    from annotator.adjudicate import Cluster

NO_ATTRIBUTION = "none"  # the vote of an annotator with no member in a cluster


def majority_outcome(cluster: Cluster, text: str) -> Attribution | str | None:
    """The majority's attribution, NO_ATTRIBUTION, or None for a tie."""
    marked, unmarked = len(cluster.members), len(cluster.missing)
    if unmarked > marked:
        return NO_ATTRIBUTION
    if unmarked == marked:
        return None
    need = marked // 2 + 1
    members = list(cluster.members.values())
    spans: dict[str, Span | None] = {}
    for role in ("source", "cue", "content"):
        given = [getattr(member, role) for member in members if getattr(member, role) is not None]
        if len(given) < need:
            if role == "content":
                return None
            spans[role] = None
            continue
        span = majority_span(given, need, text)
        if span is None:
            return None  # they agree that it is there, not on where: a person decides
        spans[role] = span
    base = cluster.versions[0].attribution
    return base.model_copy(update=spans)


def majority_span(spans: list[Span], need: int, text: str) -> Span | None:
    """The characters at least ``need`` of the spans cover, as one span (pieces become
    fragments), or None when there are none."""
    votes: Counter[int] = Counter()
    for span in spans:
        for start, end in span.fragments or [(span.start, span.end)]:
            votes.update(range(start, end))
    chosen = sorted(offset for offset, count in votes.items() if count >= need)
    pieces: list[tuple[int, int]] = []
    for offset in chosen:
        if pieces and pieces[-1][1] == offset:
            pieces[-1] = (pieces[-1][0], offset + 1)
        else:
            pieces.append((offset, offset + 1))
    trimmed = []
    for start, end in pieces:
        while start < end and text[start].isspace():
            start += 1
        while end > start and text[end - 1].isspace():
            end -= 1
        if start < end:
            trimmed.append((start, end))
    if not trimmed:
        return None
    if len(trimmed) == 1:
        start, end = trimmed[0]
        return Span(start=start, end=end, text=text[start:end])
    return Span(
        start=trimmed[0][0],
        end=trimmed[-1][1],
        text=FRAGMENT_JOINER.join(text[a:b] for a, b in trimmed),
        fragments=trimmed,
    )

"""The tool-neutral encoding of attributions for tools without frames (Prodigy, doccano,
Label Studio): labelled entities joined by labelled relations, and back.

Reading is strict about what it cannot map: a span whose label is not SOURCE, CUE or
CONTENT, a source or cue linked to no content, a relation joining no content to a member,
are counted in the import report (``warning: FORMAT: COUNT what``), never dropped silently.
"""

from __future__ import annotations

from dataclasses import dataclass

from annotator.formats.loss import LossReport
from annotator.formats.spans import LABEL_ROLES, ROLE_LABELS, ROLES, exact_span
from annotator.quotes import infer_type
from annotator.schema import Attribution, Origin, Role

RELATION_LABELS = {Role.source: "SOURCE", Role.cue: "CUE", Role.content: "CONTENT"}


@dataclass
class Entity:
    label: str  # SOURCE, CUE or CONTENT when written by us; anything when read
    start: int
    end: int


@dataclass
class Graph:
    """Attributions as labelled entities and relations, for tools without frames.

    Each attribution is a star around an *anchor*: its content's first fragment, an
    entity of its own. Relations go from the anchor to every other piece of the
    attribution (source and cue fragments, further content fragments), labelled with
    that piece's role. Source and cue entities with the same label and offsets are
    shared between attributions; content entities never are, so anchors are unique.
    """

    entities: list[Entity]
    relations: list[tuple[int, int, str]]  # (anchor index, member index, label)
    anchors: list[int]  # entity index of each attribution's anchor, in order


def attributions_to_graph(attributions: list[Attribution]) -> Graph:
    entities: list[Entity] = []
    shared: dict[tuple[str, int, int], int] = {}
    relations: list[tuple[int, int, str]] = []
    anchors: list[int] = []

    def add(label: str, start: int, end: int, share: bool) -> int:
        key = (label, start, end)
        if share and key in shared:
            return shared[key]
        entities.append(Entity(label, start, end))
        if share:
            shared[key] = len(entities) - 1
        return len(entities) - 1

    for attribution in attributions:
        content = attribution.content.pieces
        anchor = add("CONTENT", *content[0], share=False)
        anchors.append(anchor)
        for role in ROLES:
            span = attribution.span(role)
            if span is None:
                continue
            pieces = span.pieces[1:] if role is Role.content else span.pieces
            for start, end in pieces:
                member = add(ROLE_LABELS[role], start, end, share=role is not Role.content)
                relations.append((anchor, member, RELATION_LABELS[role]))
    return Graph(entities, relations, anchors)


def graph_to_attributions(
    text: str,
    entities: list[Entity],
    relations: list[tuple[int, int, str]],
    entity_ids: list[str] | None = None,
    report: LossReport | None = None,
) -> list[Attribution]:
    """Attributions back from a graph (tolerant of relations drawn either way round).

    An anchor is a CONTENT entity that is not a continuation (the member of a CONTENT
    relation). Its attribution holds the entities related to it, by their labels, and
    takes its id from ``entity_ids[anchor]`` when given (else a1, a2, ...). Whatever does
    not end up in an attribution is counted in ``report``.
    """
    continuation = {
        member for _, member, label in relations
        if label.upper() == "CONTENT" and entities[member].label == "CONTENT"
    }
    linked: dict[int, list[tuple[int, int]]] = {}  # entity -> [(other entity, relation index)]
    for number, (head, child, _label) in enumerate(relations):
        linked.setdefault(head, []).append((child, number))
        linked.setdefault(child, []).append((head, number))
    mapped: set[int] = set()
    used_relations: set[int] = set()
    attributions: list[Attribution] = []
    for index, entity in enumerate(entities):
        if entity.label != "CONTENT" or index in continuation:
            continue
        mapped.add(index)
        pieces: dict[Role, list[tuple[int, int]]] = {Role.content: [(entity.start, entity.end)]}
        for other, relation in linked.get(index, []):
            member = entities[other]
            role = LABEL_ROLES.get(member.label)
            if role is None or (role is Role.content and other not in continuation):
                continue  # another anchor, or a label of no role: counted below
            pieces.setdefault(role, []).append((member.start, member.end))
            mapped.add(other)
            used_relations.add(relation)
        spans = {role: exact_span(text, found) for role, found in pieces.items()}
        cue = spans.get(Role.cue)
        attributions.append(
            Attribution(
                id=entity_ids[index] if entity_ids else f"a{len(attributions) + 1}",
                source=spans.get(Role.source),
                cue=cue,
                content=spans[Role.content],
                type=infer_type(spans[Role.content].text, cue.text if cue else None),
                origin=Origin.manual,
            )
        )
    if report is not None:
        for index, entity in enumerate(entities):
            if index in mapped:
                continue
            if entity.label not in LABEL_ROLES:
                report.add(f"spans labelled {entity.label[:40]!r} (not SOURCE, CUE or CONTENT) left out")
            elif entity.label == "CONTENT":
                report.add("CONTENT continuation spans linked to no content anchor, left out")
            else:
                report.add(f"{entity.label} spans linked to no CONTENT span, left out")
        report.add(
            "relations joining no CONTENT span to a SOURCE, CUE or CONTENT member, left out",
            len(relations) - len(used_relations),
        )
    return attributions

"""Loss accounting: counts of what a format could not carry (exports) or could not map
(imports), printed as ``warning: FORMAT: COUNT what``, never lost silently."""

from __future__ import annotations

from collections import Counter

from annotator.formats.spans import ROLES, span_signature
from annotator.quotes import infer_type
from annotator.schema import AnnotationRecord, Attribution, Origin, Status


# this default is lost in a format that does not carry it.
def _default_type(attribution: Attribution) -> str:
    cue = attribution.cue.text if attribution.cue else None
    return infer_type(attribution.content.text, cue).value


ATTRIBUTION_FIELDS = {
    "type": lambda a: a.type.value != _default_type(a),
    "source_entity": lambda a: a.source_entity is not None,
    "note": lambda a: a.note is not None,
    "origin": lambda a: a.origin is not Origin.manual,
    "action": lambda a: a.action is not None,
    "score": lambda a: a.score is not None,
    "agreed_by": lambda a: a.agreed_by is not None,
}


class LossReport:
    """Counts of what a format could not carry, printed as warnings (never silent)."""

    def __init__(self, format_name: str, carries: set[str]):
        self.format_name = format_name
        self.carries = carries
        self.counts: Counter = Counter()

    def add(self, what: str, count: int = 1) -> None:
        if count:
            self.counts[what] += count

    def check_record(self, record: AnnotationRecord, id_of: list[str] | None = None) -> None:
        """Count the fields of a record this format drops (by the names in ``carries``)."""
        carries = self.carries
        for field_name, is_set in ATTRIBUTION_FIELDS.items():
            if field_name not in carries:
                self.add(
                    f"attribution {field_name} values not carried",
                    sum(1 for attribution in record.attributions if is_set(attribution)),
                )
        if "discontinuous" not in carries:
            self.add(
                "discontinuous spans written as separate fragments (the format has no discontinuous spans)",
                sum(
                    1
                    for attribution in record.attributions
                    for role in ROLES
                    if (span := attribution.span(role)) is not None and span.is_discontinuous
                ),
            )
        if "frames" not in carries:
            self.add("attributions whose frame (which source, cue and content belong together) is not carried", len(record.attributions))
        if "id" not in carries and id_of is not None:
            self.add(
                "attribution ids not carried (renumbered)",
                sum(1 for attribution, new in zip(record.attributions, id_of) if attribution.id != new),
            )
        if "rejected" not in carries:
            self.add("rejected suggestions not carried", len(record.rejected))
        if "adjudicator" not in carries and record.adjudicator is not None:
            self.add("gold adjudicator names not carried", 1)
        if "status" not in carries and record.status is not Status.done:
            self.add(f"record status {record.status.value} (read back as done)", 1)

    def lines(self) -> list[str]:
        return [
            f"{self.format_name}: {count} {what}"
            for what, count in sorted(self.counts.items())
        ]


def renumbered_ids(prefix: str, count: int) -> list[str]:
    return [f"{prefix}{number}" for number in range(1, count + 1)]


def count_unrecoverable(report: LossReport, original: list[Attribution], rebuilt: list[Attribution]) -> None:
    """Count attributions a reader of this format would not get back span for span."""
    expected = [span_signature(attribution) for attribution in original]
    got = [span_signature(attribution) for attribution in rebuilt]
    if expected != got:
        missing = len(expected) - sum(1 for a, b in zip(expected, got) if a == b)
        report.add("attributions whose spans cannot be told apart (shared offsets)", max(missing, 1))



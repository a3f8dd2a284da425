"""``sync``: copy the records one store lacks from another (any two kinds).

Records are matched by content (``record_id``), so running it twice, or from several
machines at once, adds each record once: the journal checks and appends under its
lock, the database ignores a row it already holds (a unique key). The full history
is copied, not only the latest records, so undo and resume work on the other side.
Two machines that both changed one (document, annotator) keep both histories; the
later record wins, and the pair is reported as a conflict with both times.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from annotator.store.base import Store, record_id


@dataclass(frozen=True)
class Conflict:
    doc_id: str
    annotator: str
    source_time: datetime  # the latest record FROM held that TO lacked
    target_time: datetime  # the latest record TO held that FROM lacked

    @property
    def winner(self) -> str:
        # equal times: the record copied in is TO's later line (or row), and later lines win
        return "from" if self.source_time >= self.target_time else "to"

    def to_json(self) -> dict:
        return {"doc_id": self.doc_id, "annotator": self.annotator,
                "from_time": self.source_time.isoformat(), "to_time": self.target_time.isoformat(),
                "winner": self.winner}


@dataclass
class SyncReport:
    read: int = 0
    added: int = 0
    already: int = 0
    conflicts: list[Conflict] = field(default_factory=list)

    def to_json(self) -> dict:
        return {"read": self.read, "added": self.added, "already_there": self.already,
                "conflicts": [conflict.to_json() for conflict in self.conflicts]}


def sync(source: Store, target: Store) -> SyncReport:
    report = SyncReport()
    held = target.identities()
    missing = []
    source_only: dict[tuple[str, str], datetime] = {}
    source_ids: dict[tuple[str, str], set[str]] = {}
    for record in source.history():
        report.read += 1
        identity = record_id(record)
        source_ids.setdefault(record.key, set()).add(identity)
        if identity in held.get(record.key, {}):
            continue
        missing.append(record)
        latest = source_only.get(record.key)
        if latest is None or record.updated_at >= latest:
            source_only[record.key] = record.updated_at
    for key, source_time in source_only.items():
        theirs = [time for rid, time in held.get(key, {}).items() if rid not in source_ids[key]]
        if theirs:
            report.conflicts.append(Conflict(key[0], key[1], source_time, max(theirs)))
    added = target.add(missing)
    report.added = len(added)
    report.already = report.read - report.added
    return report

"""Progress and workload figures from annotation journals (headless; `annotator stats`).

- Documents per annotator by the status of their latest record (done, in progress,
  skipped).
- Attributions (latest records) per type and per role present.
- Suggestion outcomes: ``action`` of kept attributions (accepted, edited, added) and
  the suggestions turned down (``rejected``); attributions without an action are
  counted as manual.
- Outcomes per suggester version: the same counts of suggested attributions, split by
  their ``suggester`` ("rules", "<model>@<hash>"; "unknown" for suggestions saved
  before the field existed), with the share accepted unchanged, so a team sees
  whether a new model serves it better.
- Gold records (written by ``adjudicate``, they name an ``adjudicator``) show as a row
  of their own under the gold name (how far adjudication has gone), but are left out
  of the attribution and suggestion figures: a gold attribution repeats an
  annotator's, its ``action`` is the adjudicator's pick and its ``rejected`` are
  clusters turned down, not suggestions (``gold_records`` counts them).
- Time per document: every save is a journal line with its ``updated_at``, so the
  time spent on a document is the sum of the gaps between its consecutive saves, each
  gap capped at IDLE_CAP (a long pause is a break, not work). Documents saved only once
  (imports, for example) have no measurable time and are left out.
"""

from __future__ import annotations

import statistics
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from annotator import undecided
from annotator.matching import ROLES
from annotator.schema import AnnotationRecord, AttributionType, Status
from annotator.timing import IDLE_CAP_SECONDS, active_seconds  # moved there: the session's overview uses it too


@dataclass
class AnnotatorStats:
    statuses: Counter = field(default_factory=Counter)
    attributions: int = 0
    seconds: list[float] = field(default_factory=list)  # per done document with 2+ saves

    def to_json(self) -> dict:
        return {
            "done": self.statuses[Status.done.value],
            "in_progress": self.statuses[Status.in_progress.value],
            "skipped": self.statuses[Status.skipped.value],
            "attributions": self.attributions,
            "documents_timed": len(self.seconds),
            "median_seconds_per_document": statistics.median(self.seconds) if self.seconds else None,
            "mean_seconds_per_document": statistics.fmean(self.seconds) if self.seconds else None,
        }


SUGGESTER_OUTCOMES = ("accepted", "edited", "rejected")


def _suggester_counts(table: dict[str, Counter], attribution) -> Counter:
    name = attribution.suggester or "unknown"
    return table.setdefault(name, Counter({outcome: 0 for outcome in SUGGESTER_OUTCOMES}))


def _suggester_row(counts: Counter) -> dict:
    decided = sum(counts[name] for name in SUGGESTER_OUTCOMES)
    row: dict = {name: counts[name] for name in SUGGESTER_OUTCOMES}
    row["accepted_share"] = counts["accepted"] / decided if decided else None
    return row


def collect(paths: Iterable[Path]) -> tuple[dict, list]:
    """(stats JSON, problems) from journal files, every line read (not only the latest)."""
    from annotator.store import iter_journal_lines

    latest: dict[tuple[str, str], AnnotationRecord] = {}
    saves: dict[tuple[str, str], list[datetime]] = {}
    problems = []
    for path in paths:
        for _, record, problem in iter_journal_lines(Path(path)):
            if record is None:
                problems.append(problem)
                continue
            assert record is not None
            current = latest.get(record.key)
            if current is None or record.updated_at >= current.updated_at:  # as store.load_journals
                latest[record.key] = record
            saves.setdefault(record.key, []).append(record.updated_at)

    per_annotator: dict[str, AnnotatorStats] = {}
    types: Counter = Counter({kind.value: 0 for kind in AttributionType})
    roles: Counter = Counter({role: 0 for role in ROLES})
    outcomes: Counter = Counter({name: 0 for name in ("accepted", "edited", "added", "rejected", "manual")})
    by_suggester: dict[str, Counter] = {}
    gold_records = 0
    for key, record in latest.items():
        stats = per_annotator.setdefault(record.annotator, AnnotatorStats())
        stats.statuses[record.status.value] += 1
        stats.attributions += len(record.attributions)
        if record.status == Status.done:
            seconds = active_seconds(saves[key])
            if seconds is not None:
                stats.seconds.append(seconds)
        if record.adjudicator is not None:
            gold_records += 1
            continue
        for attribution in record.attributions:
            types[attribution.type.value] += 1
            for role in ROLES:
                if getattr(attribution, role) is not None:
                    roles[role] += 1
            outcomes[attribution.action.value if attribution.action else "manual"] += 1
            if attribution.origin.value == "suggested" and attribution.action is not None:
                _suggester_counts(by_suggester, attribution)[attribution.action.value] += 1
        outcomes["rejected"] += len(record.rejected)
        for attribution in record.rejected:
            _suggester_counts(by_suggester, attribution)["rejected"] += 1
    report = {
        "annotators": {name: per_annotator[name].to_json() for name in sorted(per_annotator)},
        "documents": len({doc_id for doc_id, _ in latest}),
        "types": dict(types),
        "roles": dict(roles),
        "suggestions": dict(outcomes),
        "suggesters": {name: _suggester_row(by_suggester[name]) for name in sorted(by_suggester)},
        "gold_records": gold_records,
        "idle_cap_seconds": IDLE_CAP_SECONDS,
        # [doc_id, annotator, count]: done records that hold undecided suggestions
        "done_with_undecided": [list(found) for found in undecided.in_records(latest.values())],
    }
    return report, problems

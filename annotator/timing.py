"""Time spent on a document, from the times its states were saved (headless).

Gaps between consecutive saves are summed, each capped at ``IDLE_CAP_SECONDS`` (a
pause longer than that counts as the cap). Used by ``stats`` and by the session's
document overview; it lives below both so that neither imports the other (the layers
of DESIGN.md, checked by import-linter).
"""

from __future__ import annotations

from datetime import datetime

IDLE_CAP_SECONDS = 300.0


def active_seconds(times: list[datetime], cap: float = IDLE_CAP_SECONDS) -> float | None:
    if len(times) < 2:
        return None
    ordered = sorted(times)
    return sum(min((b - a).total_seconds(), cap) for a, b in zip(ordered, ordered[1:]))

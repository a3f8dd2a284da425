"""Documents marked done that still hold undecided suggestions (headless).

The app writes, on every journal line, how many suggestions were neither accepted nor
rejected (``session.undecided``). ``export`` and ``stats`` warn, with counts, about
done records where that number is not zero: such a document was probably marked done
by accident, and its undecided suggestions are missing from the training data.
"""

from __future__ import annotations

from collections.abc import Iterable

import orjson

from annotator.errors import printable
from annotator.schema import AnnotationRecord, Status

Found = tuple[str, str, int]  # (doc_id, annotator, undecided suggestions)


def in_records(records: Iterable[AnnotationRecord]) -> list[Found]:
    return sorted(
        (record.doc_id, record.annotator, record.session.undecided)
        for record in records
        if record.status == Status.done and record.session is not None and record.session.undecided
    )


def in_export(selected) -> list[Found]:
    """The same for the records an export chose (formats.common.ExportInput): only the
    raw lines are read, each once, and only those that carry a count."""
    found: list[Found] = []
    for doc_id, refs in selected.by_doc.items():
        for ref in refs:
            try:
                with open(ref.path, "rb") as stream:
                    stream.seek(ref.offset)
                    raw = stream.read(ref.length)
                if b'"undecided"' not in raw:
                    continue
                value = orjson.loads(raw)
                count = value["session"]["undecided"]
            except (OSError, orjson.JSONDecodeError, KeyError, TypeError):
                continue  # unreadable lines are the export's own warnings
            if value.get("status") == Status.done.value and isinstance(count, int) and count > 0:
                found.append((doc_id, ref.annotator, count))
    return sorted(found)


def warning(found: list[Found], limit: int = 3) -> str | None:
    """One line: how many done documents, how many suggestions, the first few."""
    if not found:
        return None
    total = sum(count for _, _, count in found)
    shown = ", ".join(f"{doc_id} ({annotator}: {count})" for doc_id, annotator, count in found[:limit])
    more = f" and {len(found) - limit} more" if len(found) > limit else ""
    return printable(
        f"warning: {len(found)} record(s) marked done hold {total} undecided suggestion(s) "
        f"(neither accepted nor rejected): {shown}{more}"
    )

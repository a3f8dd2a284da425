"""Where annotation records live: one interface, two kinds of store.

- A folder of JSONL journals (``annotations/<annotator>.jsonl``, the embedded default;
  see ``journal``), or one journal file.
- A PostgreSQL database named by a ``postgresql://`` URL (``postgres``; needs the
  ``team`` extra), with the corpus, task leases and row-level security in it.

Every command names a store in the same place and never asks which kind it is:
``open_store(spec)`` decides from the argument. ``sync`` copies records between any two.
The journal's names stay importable from here (``from annotator.store import Journal``).
"""

from __future__ import annotations

from annotator.store.base import (
    Store,
    is_database_url,
    open_store,
    record_id,
    record_line,
    redact,
)
from annotator.store.journal import (
    QUARANTINE_SUFFIX,
    SAFE_ANNOTATOR,
    Journal,
    JournalContents,
    JournalProblem,
    PlainContents,
    PlainRecord,
    check_annotator_name,
    iter_journal_lines,
    iter_plain_lines,
    journal_files,
    journal_path,
    load_journals,
    load_plain_journals,
    now_utc,
    set_aside,
)

__all__ = [
    "QUARANTINE_SUFFIX",
    "SAFE_ANNOTATOR",
    "Journal",
    "JournalContents",
    "JournalProblem",
    "PlainContents",
    "PlainRecord",
    "Store",
    "check_annotator_name",
    "is_database_url",
    "iter_journal_lines",
    "iter_plain_lines",
    "journal_files",
    "journal_path",
    "load_journals",
    "load_plain_journals",
    "now_utc",
    "open_store",
    "record_id",
    "record_line",
    "redact",
    "set_aside",
]

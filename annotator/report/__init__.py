"""HTML reports (headless: the CLI and the TUI both call it; never imports textual).

- ``collect``: the figures, from the modules that own them (agreement, evaluate, stats).
- ``charts``: matplotlib charts as inline SVG.
- ``render``: annotated documents and adjudication clusters as HTML, all text escaped.
- ``page``: the self-contained page (inline styles, no script, a strict CSP).
- ``build``: the project report.
"""

from __future__ import annotations

from pathlib import Path


def write_page(path: Path, page: str) -> None:
    """Write a page atomically (a reader never sees half a page)."""
    from annotator.fileio import atomic_writer

    with atomic_writer(Path(path)) as stream:
        stream.write(page)

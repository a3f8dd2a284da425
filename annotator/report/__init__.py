"""HTML reports (headless: the CLI and the TUI both call it; never imports textual).

- ``collect``: the figures, from the modules that own them (agreement, evaluate, stats).
- ``charts``: matplotlib charts as inline SVG.
- ``render``: annotated documents and adjudication clusters as HTML, all text escaped.
- ``page``: the self-contained page (inline styles, no script, a strict CSP).
- ``build``: the project report.
"""

from __future__ import annotations

from pathlib import Path


def check_output(out: Path, inputs) -> None:
    """Refuse to write the page over one of the command's inputs (or a journal in an input folder)."""
    from annotator.errors import AnnotatorError

    target = Path(out).resolve()
    for path in (Path(p) for p in inputs if p is not None):
        resolved = path.resolve()
        if target == resolved or (resolved.is_dir() and target.parent == resolved and target.suffix == ".jsonl"):
            raise AnnotatorError("refusing to overwrite an input file", out)


def write_page(path: Path, page: str) -> None:
    """Write a page atomically (a reader never sees half a page)."""
    from annotator.fileio import atomic_writer

    with atomic_writer(Path(path)) as stream:
        stream.write(page)


def write_cluster_page(document, cluster, folder: Path) -> Path:
    """The adjudication screen's cluster as ``FOLDER/cluster-<cluster id>.html``.

    Named by the cluster id (letters and digits we make), never by the document id: ids
    come from users' files and must not steer where a file is written.
    """
    from annotator.adjudicate import cluster_differences
    from annotator.report.page import cluster_page

    path = Path(folder) / f"cluster-{cluster.id}.html"
    write_page(path, cluster_page(document, cluster, cluster_differences(cluster)))
    return path

"""The document overview (``o``) on a 100,000-document corpus: open, scroll, search, jump.

    python benchmarks/bench_overview.py [--documents 100000] [--words 300]

Writes a synthetic corpus (benchmarks/synthetic.py) with a journal of 1,000 decided
documents, opens the app, and measures in process: ``o`` to the overview's first frame,
a page down (the rows are built lazily, one corpus line each), a search for text that
is in ten documents (one regex scan over the mapped file), a search for a word in every
document (cut at SEARCH_LIMIT), and a jump by number back to the annotation screen.
Target: each under 0.2 s, except the searches, which run in a worker thread (the
screen keeps answering keys meanwhile) and are printed for the record.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from synthetic import big_corpus  # noqa: E402


def write_journal(corpus, annotations: Path, count: int) -> None:
    """``count`` done records (two saves each, so they have a time) for the first documents."""
    from annotator.fileio import dumps_line
    from annotator.schema import AnnotationRecord, SessionInfo, Status

    annotations.mkdir(parents=True, exist_ok=True)
    start = datetime(2026, 1, 1, tzinfo=UTC)
    with open(annotations / "bench.jsonl", "wb") as stream:
        for position in range(count):
            document = corpus.document(position)
            for step, status in ((1, Status.in_progress), (2, Status.done)):
                record = AnnotationRecord(doc_id=document.id, annotator="bench", status=status,
                                          updated_at=start + timedelta(minutes=position * 3 + step),
                                          text_sha1=document.sha1, session=SessionInfo(step=step, undecided=0))
                stream.write(dumps_line(record.model_dump(mode="json", exclude_none=True)))


async def measure(corpus_path: Path, annotations: Path, decided: int) -> dict[str, float]:
    from annotator.corpus.index import open_corpus
    from annotator.session import Session, SuggestionSource
    from annotator.tui.app import make_app
    from annotator.tui.screens.overview import DocumentTable, OverviewScreen

    corpus = open_corpus(corpus_path)
    write_journal(corpus, annotations, decided)
    session = Session(corpus, "bench", annotations, SuggestionSource(compute=False))
    session.start()
    app = make_app(session)
    figures: dict[str, float] = {}
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause()

        async def until(condition, what: str, start: float) -> None:
            while not condition():
                await asyncio.sleep(0.001)
            await pilot.pause()  # the frame that shows it
            figures[what] = time.perf_counter() - start

        start = time.perf_counter()
        await pilot.press("O")
        await until(lambda: isinstance(app.screen, OverviewScreen), "open overview", start)
        table = app.screen.query_one(DocumentTable)
        start = time.perf_counter()
        await pilot.press("pagedown")
        await pilot.pause()
        figures["page down"] = time.perf_counter() - start
        summary = app.screen.query_one("#summary")
        for word, what in (("few", "search, a few matches"), ("the", "search, matches everywhere")):
            if word == "few":  # an id less its last digit: in ten lines (a whole id would jump)
                word = corpus.id_at(len(corpus) - 7)[:-1]
            await pilot.press("ctrl+u", *word)
            start = time.perf_counter()
            await pilot.press("enter")
            await until(lambda: "found" in summary.render().plain, what, start)
            figures[what + f" ({table.row_count} rows)"] = figures.pop(what)
        await pilot.press("ctrl+u", *str(len(corpus) // 2))
        start = time.perf_counter()
        await pilot.press("enter")
        await until(lambda: not isinstance(app.screen, OverviewScreen), "jump by number", start)
        assert session.position == len(corpus) // 2 - 1
        await pilot.press("q")
    return figures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--documents", type=int, default=100_000)
    parser.add_argument("--words", type=int, default=300)
    parser.add_argument("--decided", type=int, default=1000)
    arguments = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        corpus = folder / "corpus.jsonl"
        big_corpus(corpus, arguments.documents, arguments.words)
        print(f"corpus: {arguments.documents} documents, {corpus.stat().st_size / 1e6:.0f} MB; "
              f"journal: {arguments.decided} done documents")
        figures = asyncio.run(measure(corpus, folder / "annotations", arguments.decided))
        for what, seconds in figures.items():
            print(f"{what}: {seconds * 1000:.0f} ms")


if __name__ == "__main__":
    main()

"""Key-to-frame latency of the annotation app on a 20,000-word article with 500 spans.

    python benchmarks/bench_tui_latency.py [--words 20000] [--spans 500] [--size 200x60]

The app runs headless (``run_test``), which still lays out and renders every frame; a
frame is the compositor's update handed to ``App._display``. For each key we take the
time from posting the key event to the first frame after it, so the figure includes
Textual's frame pacing (frames are batched at up to 60 per second), the handler, the
session transition, the journal write (for accept: the line is written to the
file before the frame; its fsync follows right after the frame) and rendering the
changed lines. Targets: median <= 10 ms for a cursor move and for an accept.

Wall-clock figures depend on what else the machine runs; the CPU column (this
process's CPU time from key to frame) does not, and shows the work per key.
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from synthetic import long_article, write_jsonl  # noqa: E402

from annotator.corpus.index import open_corpus  # noqa: E402
from annotator.corpus.jsonl import write_corpus_jsonl  # noqa: E402
from annotator.session import Session, SuggestionSource  # noqa: E402
from annotator.tui.app import make_app  # noqa: E402


async def measure(app, pilot, key: str, repeats: int) -> list[float]:
    frames: list[tuple[float, float]] = []
    original = app._display

    def display(screen, renderable):
        if renderable is not None:
            frames.append((time.perf_counter(), time.process_time()))
        return original(screen, renderable)

    app._display = display
    latencies, cpu = [], []
    try:
        for _ in range(repeats):
            await pilot.pause()
            frames.clear()
            start, start_cpu = time.perf_counter(), time.process_time()
            await pilot.press(key)
            deadline = start + 1.0
            while not frames and time.perf_counter() < deadline:
                await asyncio.sleep(0)
            if frames:
                latencies.append((frames[0][0] - start) * 1000)
                cpu.append((frames[0][1] - start_cpu) * 1000)
    finally:
        app._display = original
    return latencies, cpu


def summary(name: str, measured: tuple[list[float], list[float]]) -> str:
    values, cpu = sorted(measured[0]), measured[1]
    p90 = values[int(len(values) * 0.9) - 1]
    return (f"{name:26} n={len(values):4}  median {statistics.median(values):6.2f} ms  "
            f"p90 {p90:6.2f} ms  max {values[-1]:7.2f} ms  | CPU median {statistics.median(cpu):5.2f} ms")


async def main(words: int, spans: int, size: tuple[int, int]) -> None:
    document, suggestions = long_article(words, attributions=spans // 3)
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        corpus = folder / "corpus.jsonl"
        write_corpus_jsonl([document], corpus)
        write_jsonl(folder / "suggestions.jsonl", [suggestions.model_dump(mode="json", exclude_none=True)])
        session = Session(open_corpus(corpus), "bench", folder / "annotations",
                          SuggestionSource(folder / "suggestions.jsonl"))
        session.start()
        app = make_app(session)
        print(f"article: {len(document.text.split())} words, {len(document.text)} characters, "
              f"{len(suggestions.attributions)} attributions = {3 * len(suggestions.attributions)} spans; "
              f"terminal {size[0]}x{size[1]}")
        async with app.run_test(size=size) as pilot:
            await pilot.pause()
            results = {
                "cursor move (right)": await measure(app, pilot, "right", 200),
                "cursor move (w, by token)": await measure(app, pilot, "w", 200),
                "next attribution (j)": await measure(app, pilot, "j", 100),
            }
            await pilot.press("k", "k", "k")
            results["accept (a, journal line)"] = await measure(app, pilot, "a", 120)
            for name, values in results.items():
                print(summary(name, values))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--words", type=int, default=20_000)
    parser.add_argument("--spans", type=int, default=500)
    parser.add_argument("--size", default="200x60")
    arguments = parser.parse_args()
    width, height = (int(v) for v in arguments.size.split("x"))
    asyncio.run(main(arguments.words, arguments.spans, (width, height)))

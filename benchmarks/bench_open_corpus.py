"""Time to open a 100,000-document corpus to the first screen.

    python benchmarks/bench_open_corpus.py [--documents 100000] [--words 300]

Writes a synthetic corpus JSONL into a temporary folder, then measures (1) in process:
indexing the corpus lazily (line offsets only; one document parsed), starting the
session and the app until its first frame is composed, and (2) when tmux is present,
the whole command ``python -m annotator annotate corpus.jsonl`` in a real terminal
until the header shows ``1/100000`` (interpreter start and imports included).
Target: <= 1 s to the first screen.
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from synthetic import big_corpus  # noqa: E402


async def first_frame(corpus: Path, annotations: Path) -> dict[str, float]:
    start = time.perf_counter()
    from annotator.corpus.index import open_corpus
    from annotator.session import Session, SuggestionSource
    from annotator.tui.app import make_app

    imported = time.perf_counter()
    index = open_corpus(corpus)
    indexed = time.perf_counter()
    session = Session(index, "bench", annotations, SuggestionSource(compute=False))
    session.start()
    opened = time.perf_counter()
    app = make_app(session)
    frames: list[float] = []
    original = app._display

    def display(screen, renderable):
        if renderable is not None and not frames:
            frames.append(time.perf_counter())
        return original(screen, renderable)

    app._display = display
    async with app.run_test(size=(120, 40)) as pilot:
        while not frames:
            await asyncio.sleep(0.001)
        await pilot.press("q")
    return {"imports": imported - start, "index": indexed - imported, "session": opened - indexed,
            "first frame": frames[0] - opened, "total": frames[0] - start, "documents": len(index)}


def tmux_run(corpus: Path, annotations: Path, count: int) -> float | None:
    if shutil.which("tmux") is None:
        return None
    name = f"bench-open-{time.monotonic_ns()}"
    command = f"exec {sys.executable} -m annotator annotate {corpus} --annotator bench --annotations {annotations} --no-suggestions"
    start = time.perf_counter()
    subprocess.run(["tmux", "new-session", "-d", "-s", name, "-x", "120", "-y", "40", "-c", str(ROOT), command], check=True)
    try:
        needle = f"1/{count}"
        while time.perf_counter() - start < 30:
            screen = subprocess.run(["tmux", "capture-pane", "-p", "-t", name], capture_output=True, text=True).stdout
            if needle in screen:
                return time.perf_counter() - start
            time.sleep(0.005)
        return None
    finally:
        subprocess.run(["tmux", "kill-session", "-t", name], capture_output=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--documents", type=int, default=100_000)
    parser.add_argument("--words", type=int, default=300)
    parser.add_argument("--repeats", type=int, default=3)
    arguments = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        folder = Path(folder)
        corpus = folder / "corpus.jsonl"
        made = time.perf_counter()
        big_corpus(corpus, arguments.documents, arguments.words)
        size = corpus.stat().st_size
        print(f"corpus: {arguments.documents} documents, {size / 1e6:.0f} MB "
              f"(written in {time.perf_counter() - made:.1f} s)")
        result = asyncio.run(first_frame(corpus, folder / "annotations"))
        print("in process: " + ", ".join(f"{k} {v * 1000:.0f} ms" for k, v in result.items() if k != "documents"))
        runs = [tmux_run(corpus, folder / "annotations", arguments.documents) for _ in range(arguments.repeats)]
        runs = [r for r in runs if r is not None]
        if runs:
            print(f"whole command in tmux (to '1/{arguments.documents}' on screen): "
                  f"median {statistics.median(runs) * 1000:.0f} ms over {len(runs)} runs "
                  f"({', '.join(f'{r * 1000:.0f}' for r in runs)} ms)")
        else:
            print("tmux not available: whole-command timing skipped")


if __name__ == "__main__":
    main()

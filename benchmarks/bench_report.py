"""Benchmark: `annotator report` on 10,000 documents x 6 annotators (target: < 30 s, a few MB).

The data are bench_agree's: real PolNeAR articles (train + dev), cycled to the number of
documents and kept distinct, each annotated by six perturbed copies of its first real
annotation, so agreement is near PolNeAR's own six-annotator figures. Building them
takes minutes; pass a folder to keep them and reuse them on the next run.

Run from the repository root:
    python benchmarks/bench_report.py [--documents 10000] [--docs 50] [KEEP_DIR]
It prints the wall clock and CPU (the command and its worker processes) of a cold run
of the CLI in a new process, the size of the page, how many documents were rendered,
and the machine's load average (a shared machine's neighbours count in the wall clock).
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "benchmarks"))

import bench_agree  # noqa: E402


def ensure_data(target: Path, documents: int) -> tuple[Path, Path]:
    corpus, folder = target / "corpus.jsonl", target / "annotations"
    marker = target / f"built-{documents}"
    if marker.exists() and corpus.exists() and folder.is_dir():
        return corpus, folder
    started = time.perf_counter()
    bench_agree.DOCUMENTS = documents
    corpus, folder = bench_agree.build(target)
    marker.write_text("ok\n")
    print(f"built {documents} documents x {len(bench_agree.ANNOTATORS)} annotators in "
          f"{time.perf_counter() - started:.0f} s", flush=True)
    return corpus, folder


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--documents", type=int, default=10_000)
    parser.add_argument("--docs", type=int, default=50, help="documents to render (annotator report --docs)")
    parser.add_argument("keep", nargs="?", help="a folder to keep the generated data in")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as temp:
        target = Path(args.keep or temp)
        target.mkdir(parents=True, exist_ok=True)
        corpus, folder = ensure_data(target, args.documents)
        out = Path(temp) / "report.html"
        env = dict(os.environ, PYTHONPATH=str(REPO))
        load = os.getloadavg()[0]
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        started = time.perf_counter()
        result = subprocess.run(
            [sys.executable, "-m", "annotator", "report", folder, "--corpus", corpus, "-o", out,
             "--docs", str(args.docs)],
            capture_output=True, text=True, env=env, cwd=REPO, check=False,
        )
        elapsed = time.perf_counter() - started
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        if result.returncode:
            sys.exit(result.stderr)
        cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
        page = out.read_text(encoding="utf-8")
        rendered, charts = page.count('<article class="doc"'), page.count('<svg class="chart"')
        journal_mb = sum(path.stat().st_size for path in folder.glob("*.jsonl")) / 1e6
        print(
            f"report CLI, {args.documents} documents x {len(bench_agree.ANNOTATORS)} annotators "
            f"({journal_mb:.0f} MB of journals): {elapsed:.1f} s wall, {cpu:.1f} s CPU; page "
            f"{len(page.encode('utf-8')) / 1e6:.2f} MB, {rendered} documents rendered, {charts} charts; load average {load:.1f} -> {os.getloadavg()[0]:.1f} "
            f"on {os.cpu_count()} cores"
        )


if __name__ == "__main__":
    main()
